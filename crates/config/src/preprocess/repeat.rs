//! `~SEQ(var, start, step, end)`, `~SEQx(...)` (hex values) and
//! `~LST(var, v1, v2, ...)` / `~LST({a,b}, {1,2}, ...)`, as keepalived
//! 2.2.7's `add_seq`/`add_lst` read them: the rest of the line is given
//! once per value with `$var` defined to it. A repetition waits while a
//! multi-line parameter it produced expands, so a multi-line parameter may
//! hold `~SEQ` lines and a `~SEQ` line may expand multi-line parameters.
//! The variable keeps its last value afterwards, as in keepalived.

use super::{MappedLine, Pre};
use crate::diag::{Class, Severity};

/// More lines than this from repetitions is taken as a mistake.
const MAX_REPEAT: usize = 200_000;

pub(crate) enum Values {
    Seq {
        var: String,
        next: i64,
        step: i64,
        last: i64,
        hex: bool,
    },
    Lst {
        vars: Vec<String>,
        sets: Vec<Vec<String>>,
        next: usize,
    },
}

pub(crate) struct Seq {
    values: Values,
    text: MappedLine,
}

/// C's `strtol(s, &end, 0)`: the value and the bytes used (0 when there
/// is no number).
fn strtol(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let (radix, start) = if b.get(i) == Some(&b'0')
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        (16, i + 2)
    } else if b.get(i) == Some(&b'0') {
        (8, i)
    } else {
        (10, i)
    };
    let mut j = start;
    let mut v: i64 = 0;
    while let Some(d) = b.get(j).and_then(|c| (*c as char).to_digit(radix)) {
        v = v.saturating_mul(radix as i64).saturating_add(d as i64);
        j += 1;
    }
    if j == start {
        return (0, 0);
    }
    (if neg { -v } else { v }, j)
}

fn skip_blanks(s: &str, p: usize) -> usize {
    p + s[p..].len() - s[p..].trim_start_matches([' ', '\t']).len()
}

/// `~SEQ(...)`: the repetition, or keepalived's message.
fn parse_seq(pre: &mut Pre<'_>, line: &MappedLine) -> Result<Seq, String> {
    let s = line.text.as_str();
    let invalid = || format!("Invalid ~SEQ definition '{s}'");
    let mut p = 4;
    let hex = s[p..].starts_with('x');
    if hex {
        p += 1;
    }
    p = skip_blanks(s, p);
    if !s[p..].starts_with('(') {
        return Err(format!("Invalid ~SEQ specification '{s}'"));
    }
    p = skip_blanks(s, p + 1);
    let var_start = p;
    p += s[p..].find([' ', '\t', ',', ')']).unwrap_or(s.len() - p);
    let var = s[var_start..p].to_string();
    p = skip_blanks(s, p);
    if p >= s.len() || s[p..].starts_with(')') || var.is_empty() {
        return Err(invalid());
    }
    // keepalived steps over the character after the name, whatever it is.
    p = skip_blanks(s, p + s[p..].chars().next().map_or(1, char::len_utf8));
    let close = p + s[p..].find(')').ok_or_else(invalid)?;
    if close + 2 - p > 64 {
        return Err(format!("~SEQ parameter strings too long '{s}'"));
    }
    // The numbers may be parameters.
    let mut args = line.slice(p, close + 1);
    let saved = (pre.next.clone(), pre.ml_stack.len(), pre.ml_seq_depth);
    if pre.replace_params(&mut args).is_none() {
        return Err(format!("Invalid ~SEQ definition '{s}'"));
    }
    if pre.ml_stack.len() != saved.1 || pre.next.is_some() != saved.0.is_some() {
        pre.next = saved.0;
        pre.ml_stack.truncate(saved.1);
        pre.ml_seq_depth = saved.2;
        return Err(format!("~SEQ parameter is multiline definition '{s}'"));
    }
    let a = args.text.as_str();
    let (one, n) = strtol(a);
    let mut q = skip_blanks(a, n);
    let (start, step, end) = if a[q..].starts_with(')') {
        (
            if one < 0 { -1 } else { 1 },
            if one < 1 { -1 } else { 1 },
            one,
        )
    } else {
        if !a[q..].starts_with(',') {
            return Err(invalid());
        }
        let (two, n) = strtol(&a[q + 1..]);
        q = skip_blanks(a, q + 1 + n);
        if a[q..].starts_with(')') {
            (one, if one <= two { 1 } else { -1 }, two)
        } else {
            if !a[q..].starts_with(',') {
                return Err(invalid());
            }
            let (three, n) = strtol(&a[q + 1..]);
            q = skip_blanks(a, q + 1 + n);
            if !a[q..].starts_with(')') {
                return Err(invalid());
            }
            if two == 0 || (one < three && two < 0) || (one > three && two > 0) {
                return Err(format!("Invalid ~SEQ values '{s}'"));
            }
            (one, two, three)
        }
    };
    if hex && (start < 0 || end < 0) {
        return Err(format!("~SEQx is only valid for positive numbers '{s}'"));
    }
    let text_start = skip_blanks(s, close + 1);
    Ok(Seq {
        values: Values::Seq {
            var,
            next: start,
            step,
            last: end,
            hex,
        },
        text: line.tail(text_start),
    })
}

/// `~LST(...)`: the repetition, or keepalived's message.
fn parse_lst(line: &MappedLine) -> Result<Seq, String> {
    let s = line.text.as_str();
    let b = s.as_bytes();
    let invalid = || format!("Invalid ~LST specification '{s}'");
    let at = |p: usize| b.get(p).copied().unwrap_or(0);
    let span = |p: usize, stop: &[char]| p + s[p..].find(stop).unwrap_or(s.len() - p);
    let mut p = skip_blanks(s, 4);
    if at(p) != b'(' {
        return Err(invalid());
    }
    p = skip_blanks(s, p + 1);
    let mut end_char = b',';
    if at(p) == b'{' {
        end_char = b'}';
        p = skip_blanks(s, p + 1);
    }
    let mut vars = Vec::new();
    loop {
        let e = span(p, &[' ', '\t', ',', '}']);
        vars.push(s[p..e].to_string());
        p = skip_blanks(s, e);
        if at(p) == end_char {
            break;
        }
        if at(p) != b',' {
            return Err(invalid());
        }
        p = skip_blanks(s, p + 1);
    }
    if at(p) == b'}' {
        p = skip_blanks(s, p + 1);
    }
    if at(p) != b',' {
        return Err(invalid());
    }
    p = skip_blanks(s, p + 1);
    let mut sets = Vec::new();
    loop {
        let mut end_char = b',';
        if at(p) == b'{' {
            end_char = b'}';
            p = skip_blanks(s, p + 1);
        }
        let mut set = Vec::new();
        loop {
            let e = span(p, &[' ', '\t', ',', '}', ')']);
            set.push(s[p..e].to_string());
            p = skip_blanks(s, e);
            if at(p) == end_char || (at(p) == b')' && end_char == b',') {
                break;
            }
            if at(p) != b',' {
                return Err(invalid());
            }
            p = skip_blanks(s, p + 1);
            if set.len() >= vars.len() {
                return Err(format!("~LST specification has too many values '{s}'"));
            }
        }
        set.resize(vars.len().max(set.len()), String::new());
        sets.push(set);
        if at(p) == b'}' && end_char == b'}' {
            p = skip_blanks(s, p + 1);
        }
        if at(p) == b')' {
            break;
        }
        if at(p) != b',' {
            return Err(invalid());
        }
        p = skip_blanks(s, p + 1);
    }
    let text_start = skip_blanks(s, p + 1);
    Ok(Seq {
        values: Values::Lst {
            vars,
            sets,
            next: 0,
        },
        text: line.tail(text_start.min(s.len())),
    })
}

impl Pre<'_> {
    /// A `~SEQ`/`~LST` line: its repetition starts with the next line asked.
    pub(crate) fn add_repeat(&mut self, line: &MappedLine) {
        let parsed = if line.text.starts_with("~SEQ") {
            parse_seq(self, line)
        } else {
            parse_lst(line)
        };
        match parsed {
            Ok(seq) => self.seqs.push(seq),
            Err(msg) => {
                let at = self.at();
                self.diag(
                    Some((at, line.origin(0))),
                    Severity::Error,
                    Class::Config,
                    msg,
                );
            }
        }
    }

    /// The next line of the innermost repetition, its variables set.
    pub(crate) fn repeat_next(&mut self) -> Option<MappedLine> {
        self.repeated += 1;
        if self.repeated > MAX_REPEAT {
            let seq = self.seqs.pop()?;
            self.seqs.clear();
            let at = self.at();
            self.diag(
                Some((at, seq.text.origin(0))),
                Severity::Error,
                Class::Config,
                format!("repetitions give more than {MAX_REPEAT} lines"),
            );
            return None;
        }
        let seq = self.seqs.last_mut()?;
        let text = seq.text.clone();
        let (sets, done) = match &mut seq.values {
            Values::Seq {
                var,
                next,
                step,
                last,
                hex,
            } => {
                let v = if *hex {
                    format!("{:x}", *next)
                } else {
                    next.to_string()
                };
                let set = vec![(var.clone(), v)];
                let done = match next.checked_add(*step) {
                    Some(n) => {
                        *next = n;
                        (*step > 0 && n > *last) || (*step < 0 && n < *last)
                    }
                    None => true,
                };
                (set, done)
            }
            Values::Lst { vars, sets, next } => {
                let set = vars
                    .iter()
                    .cloned()
                    .zip(sets[*next].iter().cloned())
                    .collect();
                *next += 1;
                (set, *next >= sets.len())
            }
        };
        if done {
            self.seqs.pop();
        }
        for (k, v) in sets {
            self.set_value(&k, &v);
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::strtol;

    #[test]
    fn strtol_as_c() {
        assert_eq!(strtol(" 12)"), (12, 3));
        assert_eq!(strtol("0x1f,"), (31, 4));
        assert_eq!(strtol("010"), (8, 3));
        assert_eq!(strtol("-3"), (-3, 2));
        assert_eq!(strtol("b)"), (0, 0));
    }
}
