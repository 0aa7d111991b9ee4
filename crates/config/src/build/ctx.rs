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
    /// The preference keepalived gives the next rule without one, IPv4
    /// and IPv6 (`RULE_START_PRIORITY`, counting down over all rules).
    pub next_rule_prio: [u32; 2],
}

impl<'a> Ctx<'a> {
    pub fn new(map: &'a SourceMap) -> Self {
        Ctx {
            map,
            diags: Vec::new(),
            unsupported: Vec::new(),
            next_rule_prio: [16384; 2],
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

    /// keepalived reports a problem and carries on with a corrected value:
    /// a warning saying what was wrong and what kad uses instead, as
    /// keepalived does (`--strict` makes it an error).
    pub fn correct(&mut self, pos: Pos, problem: impl AsRef<str>, from: &str, to: &str) {
        let msg = format!("{} (corrected: {from} → {to})", problem.as_ref());
        self.diag(Severity::Warning, Class::Config, pos, msg);
    }

    /// keepalived reports a problem and ignores the keyword (the value
    /// stays what it was): a warning (`--strict` makes it an error).
    pub fn ignore(&mut self, pos: Pos, problem: impl AsRef<str>) {
        let msg = format!("{} - ignoring", problem.as_ref());
        self.diag(Severity::Warning, Class::Config, pos, msg);
    }

    /// Something keepalived accepts without a word: a note
    /// ([`Class::Quiet`], an error under `--strict`).
    pub fn quiet(&mut self, pos: Pos, message: impl Into<String>) {
        self.diag(Severity::Note, Class::Quiet, pos, message.into());
    }

    /// A keyword without its parameter: keepalived stops reading the
    /// configuration (exit 2), so kad refuses it too.
    pub fn missing(&mut self, pos: Pos, message: impl Into<String>) {
        self.diag(Severity::Error, Class::Abort, pos, message.into());
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
            self.missing(
                pos,
                format!(
                    "'{}' is missing a parameter (keepalived stops reading here)",
                    n.kw.text
                ),
            );
        }
        t
    }

    pub fn string(&mut self, n: &Node, i: usize) -> Option<String> {
        self.arg(n, i).map(|t| t.text.clone())
    }

    /// Whole number in `lo..=hi` (keepalived's `read_int`/`read_unsigned`).
    /// Outside the range or not a number: keepalived reports it and the
    /// keyword is ignored, so this warns and gives `None`; a caller whose
    /// keyword keepalived corrects instead says so with [`Ctx::correct`].
    pub fn int_tok(&mut self, t: &Tok, lo: i64, hi: i64) -> Option<i64> {
        match parse_c_int(&t.text) {
            Some(v) if (lo..=hi).contains(&v) => Some(v),
            Some(_) => {
                self.ignore(
                    t.pos,
                    format!("number '{}' outside range [{lo}, {hi}]", t.text),
                );
                None
            }
            None => {
                self.ignore(t.pos, format!("invalid number '{}'", t.text));
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

    /// Decimal seconds with microsecond resolution (keepalived's
    /// `read_timer`/`read_decimal_unsigned_strvec` with 6 digits): more
    /// than 6 decimals are rounded (and reported, as keepalived does);
    /// outside `[min, max]` or not a number: a warning, the keyword is
    /// ignored.
    pub fn timer_tok(&mut self, t: &Tok, min: f64, max: f64) -> Option<Duration> {
        let min_us = (min * 1_000_000.0).round() as u64;
        // keepalived's TIMER_MAXIMUM is ULONG_MAX - 1 microseconds.
        let max_us = ((max * 1_000_000.0).round() as u64).min(u64::MAX - 1);
        let range = || {
            format!(
                "[{}, {}]",
                crate::build::ctx::secs6(min_us),
                crate::build::ctx::secs6(max_us)
            )
        };
        match parse_micros(&t.text) {
            Some((us, rounded)) => {
                if rounded {
                    self.warn(
                        t.pos,
                        format!("number '{}' has too many decimal places", t.text),
                    );
                }
                if (min_us..=max_us).contains(&us) {
                    Some(Duration::from_micros(us))
                } else {
                    let r = range();
                    self.ignore(t.pos, format!("number '{}' outside range {r}", t.text));
                    None
                }
            }
            None => {
                self.ignore(t.pos, format!("invalid number '{}'", t.text));
                None
            }
        }
    }

    pub fn timer(&mut self, n: &Node, i: usize, min: f64, max: f64) -> Option<Duration> {
        let t = self.arg(n, i)?.clone();
        self.timer_tok(&t, min, max)
    }

    /// Whole seconds in `lo..=hi` (keepalived reads these with
    /// `read_unsigned`: `1.5` is not a number).
    pub fn secs(&mut self, n: &Node, i: usize, lo: u32, hi: u32) -> Option<Duration> {
        self.u32(n, i, lo, hi)
            .map(|v| Duration::from_secs(v.into()))
    }

    /// A whole number where keepalived turns 0 into 1 ("must be greater
    /// than 0, setting to 1").
    pub fn at_least_one(&mut self, n: &Node, hi: u32, what: &str) -> Option<u32> {
        let v = self.u32(n, 0, 0, hi)?;
        if v == 0 {
            let pos = n.args[0].pos;
            self.correct(
                pos,
                format!("{what} must be greater than 0, setting to 1"),
                "0",
                "1",
            );
            return Some(1);
        }
        Some(v)
    }

    /// An optional boolean: no value means true (keepalived's
    /// `check_true_false`, lower case only). Anything else: keepalived
    /// reports it and ignores the keyword, so this warns and gives `None`.
    pub fn flag_opt(&mut self, n: &Node) -> Option<bool> {
        match n.arg(0) {
            None => Some(true),
            Some(t) => match t.text.as_str() {
                "on" | "true" | "yes" => Some(true),
                "off" | "false" | "no" => Some(false),
                _ => {
                    self.ignore(
                        t.pos,
                        format!(
                            "invalid {} parameter '{}' (on/off/true/false/yes/no)",
                            n.kw.text, t.text
                        ),
                    );
                    None
                }
            },
        }
    }

    /// [`Ctx::flag_opt`], keeping `current` when the value is invalid.
    pub fn flag(&mut self, n: &Node, current: bool) -> bool {
        self.flag_opt(n).unwrap_or(current)
    }

    /// A keyword keepalived reads without a value: an argument is ignored
    /// without a word, so kad notes it ([`Class::Quiet`]).
    pub fn no_value(&mut self, n: &Node) {
        if let Some(t) = n.arg(0) {
            self.quiet(
                t.pos,
                format!(
                    "'{}' takes no value: '{}' is ignored, the option is on",
                    n.kw.text, t.text
                ),
            );
        }
    }

    pub fn ip_tok(&mut self, t: &Tok) -> Option<IpAddr> {
        match t.text.parse() {
            Ok(a) => Some(a),
            Err(_) => {
                self.ignore(t.pos, format!("invalid IP address '{}'", t.text));
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
                self.ignore(t.pos, format!("invalid address '{}': {e}", t.text));
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

/// keepalived's `TIMER_MAXIMUM` (`ULONG_MAX - 1` µs) in seconds.
pub const TIMER_MAX: f64 = 18_446_744_073_709.551_614;
/// `UINT_MAX` microseconds in seconds (connect_timeout, garp intervals).
pub const UINT_MAX_US: f64 = 4_294.967_295;

/// A whole number as C's `strtol(s, NULL, 10)` with the whole string
/// consumed: optional leading white space and sign.
pub fn parse_c_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    t.parse::<i64>().ok()
}

/// Decimal seconds to microseconds, as keepalived's
/// `read_decimal_unsigned_long_func` with 6 digits: no sign, digits with
/// at most one '.', more than 6 decimals rounded half up (the bool says
/// so).
pub fn parse_micros(s: &str) -> Option<(u64, bool)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let rounded = frac.len() > 6;
    let mut f: String = frac.chars().take(6).collect();
    while f.len() < 6 {
        f.push('0');
    }
    let up = rounded && frac.as_bytes()[6] >= b'5';
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let us = whole
        .checked_mul(1_000_000)?
        .checked_add(f.parse::<u64>().ok()?)?
        .checked_add(u64::from(up))?;
    Some((us, rounded))
}

/// Microseconds as keepalived prints a range bound: `S.UUUUUU`.
pub fn secs6(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
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
