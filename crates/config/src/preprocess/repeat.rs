//! `~SEQ(var, start, step, end)`, `~SEQx(...)` (hex values) and
//! `~LST(var, v1, v2, ...)` / `~LST({a,b}, {1,2}, ...)`: the rest of the line
//! is repeated with `$var` bound to each value. They may be nested.

use super::{macros, At, MappedLine, Pre};
use crate::diag::{Class, Severity};

/// More repetitions than this from one line is taken as a mistake.
const MAX_REPEAT: usize = 1_000_000;

impl Pre<'_> {
    /// Expand a `~` line into the lines it stands for (already expanded).
    pub(crate) fn repeat(&mut self, at: At, line: &MappedLine) -> Vec<MappedLine> {
        let mut out = Vec::new();
        if let Err((offset, msg)) = self.repeat_into(at, line, &mut out) {
            let byte = line.origin(offset);
            self.diag(Some((at, byte)), Severity::Error, Class::Config, msg);
        }
        out
    }

    fn repeat_into(
        &mut self,
        at: At,
        line: &MappedLine,
        out: &mut Vec<MappedLine>,
    ) -> Result<(), (usize, String)> {
        let lead = line.text.len() - line.text.trim_start().len();
        let s = &line.text[lead..];
        let (kind, open) = if s.starts_with("~SEQx(") {
            (Kind::SeqHex, 5)
        } else if s.starts_with("~SEQ(") {
            (Kind::Seq, 4)
        } else if s.starts_with("~LST(") {
            (Kind::List, 4)
        } else {
            return Err((
                lead,
                format!("unknown repetition '{}'", s.split('(').next().unwrap_or(s)),
            ));
        };
        let close =
            matching_paren(s, open).ok_or((lead, "missing ')' in repetition".to_string()))?;
        let args = split_args(&s[open + 1..close]);
        let bindings = match kind {
            Kind::Seq | Kind::SeqHex => seq(&args, kind == Kind::SeqHex).map_err(|m| (lead, m))?,
            Kind::List => list(&args).map_err(|m| (lead, m))?,
        };
        let tail = line.tail(lead + close + 1);
        let dir = self
            .map
            .file(at.file)
            .path
            .parent()
            .map(|p| p.to_path_buf())
            .unwrap_or_default();
        for binding in bindings {
            let saved: Vec<_> = binding
                .iter()
                .map(|(k, v)| (k.clone(), self.macros.insert(k.clone(), v.clone())))
                .collect();
            let result = if tail.text.trim_start().starts_with('~') {
                self.repeat_into(at, &tail, out)
            } else {
                match macros::expand(&tail, &self.macros, &dir) {
                    Ok(l) => {
                        out.push(l);
                        Ok(())
                    }
                    Err(e) => Err((lead + close + 1 + e.offset, e.message)),
                }
            };
            for (k, old) in saved {
                match old {
                    Some(v) => self.macros.insert(k, v),
                    None => self.macros.remove(&k),
                };
            }
            result?;
            if out.len() > MAX_REPEAT {
                return Err((lead, "repetition gives too many lines".into()));
            }
        }
        Ok(())
    }
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Seq,
    SeqHex,
    List,
}

type Binding = Vec<(String, String)>;

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices().skip(open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Split at top-level commas (commas inside `{}` stay).
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

fn seq(args: &[String], hex: bool) -> Result<Vec<Binding>, String> {
    let num = |s: &str| -> Result<i64, String> {
        let s = s.trim();
        let v = if hex {
            i64::from_str_radix(s.trim_start_matches("0x"), 16)
        } else {
            s.parse()
        };
        v.map_err(|_| format!("'{s}' is not a number in ~SEQ"))
    };
    let (var, start, step, end) = match args {
        [v, end] => (v, 1, 1, num(end)?),
        [v, s, e] => {
            let (s, e) = (num(s)?, num(e)?);
            (v, s, if e >= s { 1 } else { -1 }, e)
        }
        [v, s, st, e] => (v, num(s)?, num(st)?, num(e)?),
        _ => return Err("~SEQ takes (var, start, step, end)".into()),
    };
    if step == 0 {
        return Err("~SEQ step must not be 0".into());
    }
    if var.is_empty() {
        return Err("~SEQ needs a variable name".into());
    }
    let count = ((end - start) / step).max(-1) + 1;
    if count as usize > MAX_REPEAT {
        return Err("~SEQ gives too many lines".into());
    }
    Ok((0..count.max(0))
        .map(|k| {
            let v = start + k * step;
            let text = if hex { format!("{v:x}") } else { v.to_string() };
            vec![(var.clone(), text)]
        })
        .collect())
}

fn list(args: &[String]) -> Result<Vec<Binding>, String> {
    let Some((vars, values)) = args.split_first() else {
        return Err("~LST takes (var, value, ...)".into());
    };
    let names: Vec<String> = unbrace(vars);
    if names.iter().any(String::is_empty) {
        return Err("~LST needs a variable name".into());
    }
    values
        .iter()
        .map(|v| {
            let vals = unbrace(v);
            if vals.len() != names.len() {
                return Err(format!(
                    "~LST value '{v}' does not give {} values",
                    names.len()
                ));
            }
            Ok(names.iter().cloned().zip(vals).collect())
        })
        .collect()
}

fn unbrace(s: &str) -> Vec<String> {
    match s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        Some(inner) => inner.split(',').map(|x| x.trim().to_string()).collect(),
        None => vec![s.trim().to_string()],
    }
}
