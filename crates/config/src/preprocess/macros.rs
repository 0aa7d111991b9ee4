//! `$NAME=value` parameters and their expansion (`$NAME`, `${NAME}`), as
//! keepalived 2.2.7's `check_definition`, `find_definition` and
//! `replace_param` do it:
//!
//! - a definition starts a line: `$NAME=value` (no blank before `=`); a
//!   value ending in `\` continues on the next lines (a multi-line
//!   parameter), up to a line without `\` or an empty line;
//! - `$NAME` is replaced only when the name is followed by a blank, `,`,
//!   `)` or the end of the line; `${NAME}` anywhere;
//! - a multi-line parameter is replaced only at the end of a line: its
//!   first line takes the place of `$NAME`, its other lines follow as
//!   lines of their own;
//! - replaced text is scanned again, so parameters may use parameters;
//! - undefined names are left as they are;
//! - predefined: `${_PWD}`, `${_INSTANCE}`, `${_RANDOM [MIN [MAX]]}`,
//!   `$_HASH` (`#`) and `$_BANG` (`!`).

use super::{MappedLine, Pre};
use crate::diag::{Class, Severity};
use std::collections::HashMap;

/// keepalived's line buffer (`MAXBUF`): a substitution giving a longer line
/// is not made.
const MAXBUF: usize = 1024;

/// More substitutions than this in one line is a parameter using itself
/// (keepalived loops for ever there).
const MAX_REPLACEMENTS: usize = 10_000;

/// More re-scans of one line than this (each after a substitution that
/// left a `$`) is a loop too.
pub(crate) const MAX_RESCANS: usize = 64;

/// What a predefined parameter computes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Builtin {
    #[default]
    None,
    Pwd,
    Instance,
    Random,
}

/// One parameter.
#[derive(Clone, Debug, Default)]
pub(crate) struct Def {
    /// Lines separated by `\n` when `multiline`.
    pub value: String,
    pub multiline: bool,
    pub builtin: Builtin,
}

pub(crate) fn std_definitions() -> HashMap<String, Def> {
    let mut m = HashMap::new();
    for (name, builtin, value) in [
        ("_PWD", Builtin::Pwd, ""),
        ("_INSTANCE", Builtin::Instance, ""),
        ("_RANDOM", Builtin::Random, ""),
        ("_HASH", Builtin::None, "#"),
        ("_BANG", Builtin::None, "!"),
    ] {
        m.insert(
            name.to_string(),
            Def {
                value: value.to_string(),
                multiline: false,
                builtin,
            },
        );
    }
    m
}

/// The lines of a multi-line parameter still to come.
#[derive(Clone, Debug)]
pub(crate) struct Remainder {
    text: String,
    pos: usize,
    /// Where the `$NAME` that started the expansion stands.
    anchor: u32,
}

impl Remainder {
    /// The next line and whether it is the last.
    pub(crate) fn take_line(&mut self) -> (MappedLine, bool) {
        let rest = &self.text[self.pos..];
        match rest.find('\n') {
            Some(nl) => {
                let l = MappedLine::anchored(&rest[..nl], self.anchor);
                self.pos += nl + 1;
                (l, false)
            }
            None => {
                let l = MappedLine::anchored(rest, self.anchor);
                self.pos = self.text.len();
                (l, true)
            }
        }
    }
}

/// `$NAME=value` at the start of a line: the name, the value (its first
/// line, with `\n` for a continuation) and whether it continues.
pub(crate) fn definition(line: &str) -> Option<(String, String, bool)> {
    let rest = line.strip_prefix('$')?;
    let b = rest.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let eq = rest.find('=')?;
    if !rest[..eq]
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return None;
    }
    let name = rest[..eq].to_string();
    let value = rest[eq + 1..].trim_start_matches([' ', '\t']);
    match value.strip_suffix('\\') {
        Some(v) => {
            let v = v.trim_end_matches([' ', '\t']);
            let v = if v.is_empty() {
                String::new()
            } else {
                format!("{v}\n")
            };
            Some((name, v, true))
        }
        None => Some((name, value.to_string(), false)),
    }
}

/// A `$NAME` / `${NAME}` / `${NAME params}` reference after a `$`.
struct Ref {
    name: String,
    /// Bytes replaced, counting the `$`.
    len: usize,
    params: Option<String>,
    /// Whether a multi-line parameter may stand here (end of the line).
    at_end: bool,
}

fn reference(s: &str) -> Option<Ref> {
    let b = s.as_bytes();
    let braces = b.first() == Some(&b'{');
    let n0 = usize::from(braces);
    if !b
        .get(n0)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let len = 1 + b[n0 + 1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    let name = s[n0..n0 + len].to_string();
    let mut p = n0 + len;
    if braces {
        let (mut ps, mut pe) = (None, None);
        while p < b.len() && (b[p] == b' ' || b[p].is_ascii_digit()) {
            if b[p] != b' ' {
                ps.get_or_insert(p);
                pe = Some(p);
            }
            p += 1;
        }
        if pe.is_some_and(|e| e + 1 != p) || b.get(p) != Some(&b'}') {
            return None;
        }
        let (params, used) = match (ps, pe) {
            (Some(ps), Some(pe)) => (Some(s[ps..=pe].to_string()), pe + 3),
            _ => (None, len + 3),
        };
        return Some(Ref {
            name,
            len: used,
            params,
            at_end: len + 2 == b.len(),
        });
    }
    if p < b.len() && !matches!(b[p], b' ' | b'\t' | b',' | b')') {
        return None;
    }
    Some(Ref {
        name,
        len: len + 1,
        params: None,
        at_end: p == b.len(),
    })
}

impl Pre<'_> {
    /// `set_definition` / `check_definition`: define or redefine.
    pub(crate) fn define(&mut self, name: String, value: String, multiline: bool) {
        self.defs.insert(
            name,
            Def {
                value,
                multiline,
                builtin: Builtin::None,
            },
        );
    }

    /// A repetition variable takes its next value (`set_definition`: a
    /// predefined meaning is dropped, the multi-line mark kept).
    pub(crate) fn set_value(&mut self, name: &str, value: &str) {
        let d = self.defs.entry(name.to_string()).or_default();
        d.value = value.to_string();
        d.builtin = Builtin::None;
    }

    fn value_of(&self, def: &Def, params: Option<&str>) -> String {
        match def.builtin {
            Builtin::None => def.value.clone(),
            Builtin::Pwd => self.dir().to_string_lossy().into_owned(),
            Builtin::Instance => self.opts.config_id.clone(),
            Builtin::Random => {
                let mut words = params.unwrap_or("").split_whitespace();
                let min: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                let max: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(32767);
                let span = max.wrapping_sub(min).wrapping_add(1);
                let r = if span == 0 {
                    pseudo_random()
                } else {
                    pseudo_random() % span
                };
                r.wrapping_add(min).to_string()
            }
        }
    }

    /// keepalived's `replace_param`: replace the parameters of `buf`, the
    /// text put in scanned again; a multi-line parameter's other lines
    /// become the pending lines. Whether anything was replaced, `None` when
    /// the expansion does not end (reported here).
    pub(crate) fn replace_params(&mut self, buf: &mut MappedLine) -> Option<bool> {
        let mut cur = 0;
        let mut found = false;
        let mut steps = 0;
        while let Some(off) = buf.text[cur..].find('$') {
            let pos = cur + off;
            if pos + 1 >= buf.text.len() {
                break;
            }
            let Some(r) = reference(&buf.text[pos + 1..]) else {
                cur = pos + 1;
                continue;
            };
            let Some(def) = self.defs.get(&r.name) else {
                cur = pos + 1;
                continue;
            };
            if (def.multiline && !r.at_end)
                || (r.params.is_some() && def.builtin != Builtin::Random)
            {
                cur = pos + 1;
                continue;
            }
            steps += 1;
            let origin = buf.origin(pos);
            let value = self.value_of(def, r.params.as_deref());
            let multiline = def.multiline;
            let first = if multiline {
                value.split('\n').next().unwrap_or("")
            } else {
                value.as_str()
            };
            if steps > MAX_REPLACEMENTS {
                let at = self.at();
                self.diag(
                    Some((at, origin)),
                    Severity::Error,
                    Class::Config,
                    format!(
                        "parameter expansion does not end: a parameter refers to itself (through '${}')",
                        r.name
                    ),
                );
                return None;
            }
            if buf.text.len() - r.len + first.len() >= MAXBUF {
                let at = self.at();
                self.diag(
                    Some((at, origin)),
                    Severity::Warning,
                    Class::Config,
                    format!(
                        "parameter substitution on this line would exceed keepalived's maximum line length ({MAXBUF}); '${}' is not replaced",
                        r.name
                    ),
                );
                return Some(found);
            }
            found = true;
            if multiline {
                let rest = value.split_once('\n').map_or("", |(_, r)| r).to_string();
                if let Some(outer) = self.next.take() {
                    self.ml_stack.push((outer, self.ml_seq_depth));
                }
                self.ml_seq_depth = self.seqs.len();
                self.next = Some(Remainder {
                    text: rest,
                    pos: 0,
                    anchor: origin,
                });
            }
            buf.replace(pos, pos + r.len, first, origin);
            if value.trim_start_matches([' ', '\t']).starts_with('~') {
                break;
            }
        }
        Some(found)
    }
}

fn pseudo_random() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t.wrapping_mul(6364136223846793005).rotate_left(17)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions() {
        assert_eq!(
            definition("$A=1 2"),
            Some(("A".into(), "1 2".into(), false))
        );
        assert_eq!(definition("$A= \\"), Some(("A".into(), "".into(), true)));
        assert_eq!(definition("$A=x\\"), Some(("A".into(), "x\n".into(), true)));
        // keepalived takes no blank between the name and `=`.
        assert_eq!(definition("$A =1"), None);
        assert_eq!(definition("$1=1"), None);
    }

    #[test]
    fn references_end_where_keepalived_ends_them() {
        let r = reference("A.1").map(|r| r.len);
        assert_eq!(r, None);
        assert_eq!(reference("A,").map(|r| r.len), Some(2));
        assert_eq!(reference("{A}.1").map(|r| r.len), Some(4));
        assert_eq!(reference("{_RANDOM 1 9}").map(|r| r.len), Some(14));
        assert!(reference("AB").is_some_and(|r| r.at_end));
        assert!(reference("AB x").is_some_and(|r| !r.at_end));
    }
}
