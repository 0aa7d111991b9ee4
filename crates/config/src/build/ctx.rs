//! The builder's context: diagnostics located in the original text, and
//! parsers for the value types of the language.

use crate::diag::{Class, Diagnostic, Severity};
use crate::model::{Prefix, Script, Unsupported};
use crate::source::{Pos, SourceMap};
use crate::tree::{Node, Tok};
use std::net::IpAddr;
use std::time::Duration;

pub struct Ctx<'a> {
    pub map: &'a SourceMap,
    pub diags: Vec<Diagnostic>,
    pub unsupported: Vec<Unsupported>,
    /// Keywords read that kad does not act on yet (see `crate::acts`).
    pub inert: Vec<Unsupported>,
}

impl<'a> Ctx<'a> {
    pub fn new(map: &'a SourceMap) -> Self {
        Ctx {
            map,
            diags: Vec::new(),
            unsupported: Vec::new(),
            inert: Vec::new(),
        }
    }

    pub fn diag(&mut self, severity: Severity, class: Class, pos: Pos, message: String) {
        self.diags.push(Diagnostic {
            severity,
            class,
            location: self.map.locate(pos),
            message,
            source_line: self.map.source_line(pos).map(str::to_string),
        });
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diag(Severity::Error, Class::Config, pos, message.into());
    }

    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        self.diag(Severity::Warning, Class::Config, pos, message.into());
    }

    /// The line number a position has in its original file.
    pub fn line_of(&self, pos: Pos) -> u32 {
        self.map.locate(pos).map_or(0, |l| l.line)
    }

    /// Argument `i`, or an error naming the keyword.
    pub fn arg<'n>(&mut self, n: &'n Node, i: usize) -> Option<&'n Tok> {
        let t = n.arg(i);
        if t.is_none() {
            let pos = n.args.last().map_or(n.kw.pos, |t| t.pos);
            self.error(pos, format!("'{}' needs a value", n.kw.text));
        }
        t
    }

    pub fn string(&mut self, n: &Node, i: usize) -> Option<String> {
        self.arg(n, i).map(|t| t.text.clone())
    }

    /// Whole number in `lo..=hi` (keepalived's `read_unsigned_strvec`).
    pub fn int_tok(&mut self, t: &Tok, lo: i64, hi: i64) -> Option<i64> {
        match t.text.parse::<i64>() {
            Ok(v) if (lo..=hi).contains(&v) => Some(v),
            Ok(_) => {
                self.error(
                    t.pos,
                    format!("number '{}' outside range [{lo}, {hi}]", t.text),
                );
                None
            }
            Err(_) => {
                self.error(t.pos, format!("'{}' is not a whole number", t.text));
                None
            }
        }
    }

    pub fn int(&mut self, n: &Node, i: usize, lo: i64, hi: i64) -> Option<i64> {
        let t = self.arg(n, i)?.clone();
        self.int_tok(&t, lo, hi)
    }

    pub fn u32(&mut self, n: &Node, i: usize, lo: u32, hi: u32) -> Option<u32> {
        self.int(n, i, lo.into(), hi.into()).map(|v| v as u32)
    }

    /// Decimal seconds with microsecond resolution (`<TIMER>`).
    pub fn timer_tok(&mut self, t: &Tok, min: f64, max: f64) -> Option<Duration> {
        match t.text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= min && v <= max => {
                Some(Duration::from_micros((v * 1_000_000.0).round() as u64))
            }
            Ok(_) => {
                self.error(
                    t.pos,
                    format!("time '{}' outside range [{min}, {max}] seconds", t.text),
                );
                None
            }
            Err(_) => {
                self.error(t.pos, format!("'{}' is not a time in seconds", t.text));
                None
            }
        }
    }

    pub fn timer(&mut self, n: &Node, i: usize, min: f64, max: f64) -> Option<Duration> {
        let t = self.arg(n, i)?.clone();
        self.timer_tok(&t, min, max)
    }

    /// An optional boolean: no value means true.
    pub fn flag(&mut self, n: &Node) -> bool {
        match n.arg(0) {
            None => true,
            Some(t) => match t.text.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" => true,
                "off" | "false" | "no" => false,
                _ => {
                    self.error(
                        t.pos,
                        format!("'{}' is not a boolean (on/off/true/false/yes/no)", t.text),
                    );
                    true
                }
            },
        }
    }

    pub fn ip_tok(&mut self, t: &Tok) -> Option<IpAddr> {
        match t.text.parse() {
            Ok(a) => Some(a),
            Err(_) => {
                self.error(t.pos, format!("'{}' is not a valid IP address", t.text));
                None
            }
        }
    }

    pub fn ip(&mut self, n: &Node, i: usize) -> Option<IpAddr> {
        let t = self.arg(n, i)?.clone();
        self.ip_tok(&t)
    }

    pub fn prefix_tok(&mut self, t: &Tok) -> Option<Prefix> {
        match t.text.parse() {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(t.pos, format!("invalid address '{}': {e}", t.text));
                None
            }
        }
    }

    pub fn port_tok(&mut self, t: &Tok) -> Option<u16> {
        self.int_tok(t, 0, 65535).map(|v| v as u16)
    }

    /// `KEYWORD "command args" [user [group]]`.
    pub fn script(&mut self, n: &Node) -> Option<Script> {
        let cmd = self.arg(n, 0)?.text.clone();
        if cmd.trim().is_empty() {
            self.error(n.kw.pos, format!("'{}' has an empty command", n.kw.text));
            return None;
        }
        let (user, group) = match n.arg(1) {
            Some(u) => {
                let (u, g) = match u.text.split_once(':') {
                    Some((u, g)) => (u.to_string(), Some(g.to_string())),
                    None => (u.text.clone(), n.arg(2).map(|g| g.text.clone())),
                };
                (Some(u), g)
            }
            None => (None, None),
        };
        Some(Script {
            argv: split_command(&cmd),
            command: cmd,
            user,
            group,
        })
    }

    /// Record a keyword kad reads but does not act on, with a warning.
    pub fn unsupported(&mut self, context: &str, n: &Node) {
        let msg = format!(
            "'{}' is accepted but not supported by kad; ignored",
            n.kw.text
        );
        self.diag(Severity::Note, Class::Config, n.kw.pos, msg);
        self.unsupported.push(Unsupported {
            context: context.to_string(),
            keyword: n.kw.text.clone(),
            args: n.args.iter().map(|t| t.text.clone()).collect(),
            line: self.line_of(n.kw.pos),
        });
    }

    /// A keyword read into the model that nothing acts on yet: a note,
    /// and a row of `Config::inert`.
    pub fn inert(&mut self, context: &str, n: &Node) {
        let msg = format!(
            "'{}' is read but kad does not act on it yet (inert, see docs/configuration.md)",
            n.kw.text
        );
        self.diag(Severity::Note, Class::Config, n.kw.pos, msg);
        self.inert.push(Unsupported {
            context: context.to_string(),
            keyword: n.kw.text.clone(),
            args: n.args.iter().map(|t| t.text.clone()).collect(),
            line: self.line_of(n.kw.pos),
        });
    }

    /// Complain about arguments a keyword does not take.
    pub fn extra_args(&mut self, n: &Node, from: usize) {
        if let Some(t) = n.arg(from) {
            self.warn(
                t.pos,
                format!("unexpected '{}' after '{}'", t.text, n.kw.text),
            );
        }
    }
}

/// Split a command line into words the way keepalived does for scripts:
/// whitespace separates, single and double quotes group, backslash escapes.
pub fn split_command(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') | (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Is keyword `kw` among the children of `n`?
pub fn has(n: &Node, kw: &str) -> bool {
    n.children().iter().any(|c| c.kw.text == kw)
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_command_quotes() {
        assert_eq!(
            super::split_command("a 'b c' \"d e\" f\\ g"),
            ["a", "b c", "d e", "f g"]
        );
    }
}
