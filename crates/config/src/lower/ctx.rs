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
    /// Keywords read that kad does not act on yet (see `crate::acts`).
    pub inert: Vec<Unsupported>,
}

impl<'a> Ctx<'a> {
    pub fn new(map: &'a SourceMap) -> Self {
        Ctx {
            map,
            diags: Vec::new(),
            unsupported: Vec::new(),
            next_rule_prio: [16384; 2],
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

    /// Whole number in `lo..=hi`, as keepalived's `read_int`/`read_unsigned`
    /// with `ignore_error` set (most keywords): outside the range, a
    /// warning and `None` (the keyword is ignored); a number followed by
    /// junk (`1.5`, `10s`, `True`) is reported, and keepalived's running
    /// daemon then uses what `strtol` read (`1`, `10`, `0`) when that is in
    /// the range — so kad does too.
    pub fn int_tok(&mut self, t: &Tok, lo: i64, hi: i64) -> Option<i64> {
        self.read_int(t, lo, hi, true)
    }

    /// The same without `ignore_error` (virtual_router_id, unicast_ttl,
    /// lvs_timeouts, ...): junk makes the value invalid.
    pub fn int_exact(&mut self, t: &Tok, lo: i64, hi: i64) -> Option<i64> {
        self.read_int(t, lo, hi, false)
    }

    fn read_int(&mut self, t: &Tok, lo: i64, hi: i64, lenient: bool) -> Option<i64> {
        let unsigned = lo >= 0;
        let (v, rest) = c_strtol(&t.text);
        if unsigned && t.text.trim_start().starts_with('-') {
            self.ignore(t.pos, format!("negative number '{}'", t.text));
            return None;
        }
        let Some(v) = v else {
            self.ignore(t.pos, format!("number '{}' outside integer range", t.text));
            return None;
        };
        let in_range = (lo..=hi).contains(&v);
        if !rest.is_empty() || t.text.trim().is_empty() {
            if lenient && in_range {
                self.correct(
                    t.pos,
                    format!("invalid number '{}'", t.text),
                    &t.text,
                    &v.to_string(),
                );
                return Some(v);
            }
            self.ignore(t.pos, format!("invalid number '{}'", t.text));
            return None;
        }
        if !in_range {
            self.ignore(
                t.pos,
                format!("number '{}' outside range [{lo}, {hi}]", t.text),
            );
            return None;
        }
        Some(v)
    }

    pub fn int(&mut self, n: &Node, i: usize, lo: i64, hi: i64) -> Option<i64> {
        let t = self.arg(n, i)?.clone();
        self.int_tok(&t, lo, hi)
    }

    pub fn u32(&mut self, n: &Node, i: usize, lo: u32, hi: u32) -> Option<u32> {
        self.int(n, i, lo.into(), hi.into()).map(|v| v as u32)
    }

    /// [`Ctx::u32`] without `ignore_error`.
    pub fn u32_exact(&mut self, n: &Node, i: usize, lo: u32, hi: u32) -> Option<u32> {
        let t = self.arg(n, i)?.clone();
        self.int_exact(&t, lo.into(), hi.into()).map(|v| v as u32)
    }

    /// Decimal seconds with microsecond resolution, as keepalived's
    /// `read_timer`/`read_decimal_unsigned_strvec` (6 digits, always with
    /// `ignore_error`): more than 6 decimals are rounded and reported; junk
    /// is reported and what `strtoull` read of keepalived's rewritten text
    /// is used when in range (`True` is 0, `1.5x` is 15 µs); outside
    /// `[min, max]`: a warning, the keyword is ignored.
    pub fn timer_tok(&mut self, t: &Tok, min: f64, max: f64) -> Option<Duration> {
        let min_us = (min * 1_000_000.0).round() as u64;
        // keepalived's TIMER_MAXIMUM is ULONG_MAX - 1 microseconds.
        let max_us = ((max * 1_000_000.0).round() as u64).min(u64::MAX - 1);
        let range = format!("[{}, {}]", secs6(min_us), secs6(max_us));
        if t.text.starts_with('-') {
            self.ignore(t.pos, format!("negative number '{}'", t.text));
            return None;
        }
        let Some(r) = c_decimal_micros(&t.text) else {
            self.ignore(
                t.pos,
                format!("number '{}' outside unsigned decimal range", t.text),
            );
            return None;
        };
        if r.rounded {
            self.warn(
                t.pos,
                format!("number '{}' has too many decimal places", t.text),
            );
        }
        let in_range = (min_us..=max_us).contains(&r.micros);
        if !r.valid {
            if in_range {
                self.correct(
                    t.pos,
                    format!("invalid number '{}'", t.text),
                    &t.text,
                    &secs6(r.micros),
                );
                return Some(Duration::from_micros(r.micros));
            }
            self.ignore(t.pos, format!("invalid number '{}'", t.text));
            return None;
        }
        if !in_range {
            self.ignore(t.pos, format!("number '{}' outside range {range}", t.text));
            return None;
        }
        Some(Duration::from_micros(r.micros))
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
        self.int_exact(t, 0, 65535).map(|v| v as u16)
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

    /// Record a keyword kad reads but does not act on, with a note saying
    /// what to use instead (`crate::instead`).
    pub fn unsupported(&mut self, context: &str, n: &Node) {
        let name = &n.kw.text;
        let msg = match crate::instead::advice(name) {
            Some(a) => format!("'{name}' is accepted but not supported by kad; ignored: {a}"),
            // Every ignored keyword has a line (tests/keyword_status.rs):
            // this is only the shape of the note should one be missing.
            None => format!("'{name}' is accepted but not supported by kad; ignored"),
        };
        self.diag(Severity::Note, Class::Config, n.kw.pos, msg);
        self.unsupported.push(Unsupported {
            context: context.to_string(),
            keyword: n.kw.text.clone(),
            args: n.args.iter().map(|t| t.text.clone()).collect(),
            line: self.line_of(n.kw.pos),
        });
    }

    /// The block of an unknown keyword: keepalived ignores its '{' and reads
    /// on, reporting every line inside (and the '}') as an unknown
    /// keyword; kad reports the same lines and ignores the block.
    pub fn unknown_block(&mut self, n: &Node) {
        let Some(b) = &n.block else { return };
        for child in &b.children {
            self.warn(
                child.kw.pos,
                format!(
                    "'{}' is inside the block of an unknown keyword: ignored",
                    child.kw.text
                ),
            );
            self.unknown_block(child);
        }
        self.warn(
            b.close,
            format!("'}}' closes the block of unknown keyword '{}'", n.kw.text),
        );
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

/// keepalived's `TIMER_MAXIMUM` is `ULONG_MAX - 1` µs
/// (18446744073709.551614 s); `timer_tok` clamps any maximum to it.
pub const TIMER_MAX: f64 = 1.9e13;
/// `UINT_MAX` microseconds in seconds (connect_timeout, garp intervals).
pub const UINT_MAX_US: f64 = 4_294.967_295;

/// A whole number as C's `strtol(s, &end, 10)` with the whole string
/// consumed.
pub fn parse_c_int(s: &str) -> Option<i64> {
    match c_strtol(s) {
        (Some(v), "") if !s.trim().is_empty() => Some(v),
        _ => None,
    }
}

/// C's `strtol(s, &end, 10)`: leading white space, a sign, digits; the
/// value (`None` on overflow) and what is left from the first character
/// not read. No digits: 0 and all of `s` left.
pub fn c_strtol(s: &str) -> (Option<i64>, &str) {
    let t = s.trim_start();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return (Some(0), s);
    }
    let v = body[..digits]
        .parse::<i64>()
        .ok()
        .map(|v| if neg { -v } else { v });
    (v, &body[digits..])
}

/// What keepalived's `read_decimal_unsigned_long_func` makes of a text
/// with 6 decimal digits.
#[derive(Debug, PartialEq, Eq)]
pub struct CDecimal {
    pub micros: u64,
    /// The whole text was a number.
    pub valid: bool,
    /// More than 6 decimals (rounded half up).
    pub rounded: bool,
}

/// keepalived's algorithm: drop the first '.', keep up to 6 digits after
/// it, pad with zeros to 6, `strtoull` what results (so junk leaves the
/// number read so far: `True` is 0, `1.5x` is 15), +1 when a 7th decimal
/// was 5 or more. `None` on overflow.
pub fn c_decimal_micros(s: &str) -> Option<CDecimal> {
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut rewritten = String::from(int);
    let mut rounded = false;
    let mut up = false;
    let mut kept = 0;
    if let Some(f) = frac {
        let b = f.as_bytes();
        if b.len() > 6 {
            rounded = true;
            up = b[6] >= b'5';
        }
        kept = b.len().min(6);
        // Byte-wise as C copies (a multi-byte character is junk anyway).
        rewritten.push_str(&String::from_utf8_lossy(&b[..kept]));
    }
    for _ in kept..6 {
        rewritten.push('0');
    }
    let t = rewritten.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let v: u64 = if digits == 0 {
        0
    } else {
        t[..digits].parse().ok()?
    };
    let valid = digits > 0 && digits == t.len();
    Some(CDecimal {
        micros: v + u64::from(up),
        valid,
        rounded,
    })
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
    fn numbers_read_as_keepalived_reads_them() {
        use super::{c_decimal_micros, c_strtol, parse_c_int, CDecimal};
        assert_eq!(c_strtol("10s"), (Some(10), "s"));
        assert_eq!(c_strtol("True"), (Some(0), "True"));
        assert_eq!(c_strtol(" -5"), (Some(-5), ""));
        assert_eq!(parse_c_int("1.5"), None);
        let d = |s| c_decimal_micros(s).map(|d| (d.micros, d.valid, d.rounded));
        assert_eq!(d("1.5"), Some((1_500_000, true, false)));
        assert_eq!(d("True"), Some((0, false, false)));
        assert_eq!(d("1.5x"), Some((15, false, false)));
        assert_eq!(d("0.0000005"), Some((1, true, true)));
        assert_eq!(d("0.0000004"), Some((0, true, true)));
        assert_eq!(
            c_decimal_micros("4294.967295"),
            Some(CDecimal {
                micros: 4_294_967_295,
                valid: true,
                rounded: false
            })
        );
    }

    #[test]
    fn split_command_quotes() {
        assert_eq!(
            super::split_command("a 'b c' \"d e\" f\\ g"),
            ["a", "b c", "d e", "f g"]
        );
    }
}
