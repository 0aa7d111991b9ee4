//! `$NAME=value` parameters and their expansion (`$NAME`, `${NAME}`), plus
//! the predefined `${_PWD}`, `${_ENV VAR}` and `${_RANDOM [MIN [MAX]]}`.
//! Undefined names are left as they are, as keepalived does.

use super::MappedLine;
use std::collections::HashMap;
use std::path::Path;

/// How deep parameters may refer to parameters before it is a loop.
const MAX_DEPTH: usize = 32;

pub struct ExpandError {
    pub offset: usize,
    pub message: String,
}

/// `$NAME=value` at the start of a line defines a parameter.
pub fn definition(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('$')?;
    let name_len = ident_len(rest);
    if name_len == 0 {
        return None;
    }
    let after = rest[name_len..].trim_start();
    let value = after.strip_prefix('=')?;
    Some((&rest[..name_len], value.trim_start()))
}

fn ident_len(s: &str) -> usize {
    s.bytes()
        .enumerate()
        .take_while(|&(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()))
        .count()
}

/// Expand every known parameter of `line`; inserted text maps to the `$`.
pub fn expand(
    line: &MappedLine,
    macros: &HashMap<String, String>,
    dir: &Path,
) -> Result<MappedLine, ExpandError> {
    let src = &line.text;
    let mut text = String::with_capacity(src.len());
    let mut map = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        if rest.starts_with('$') {
            if let Some((value, used)) = lookup(rest, macros, dir) {
                let value = expand_str(&value, macros, dir, 1)
                    .map_err(|message| ExpandError { offset: i, message })?;
                let origin = line.origin(i);
                text.push_str(&value);
                map.extend(std::iter::repeat_n(origin, value.len()));
                i += used;
                continue;
            }
        }
        let ch_len = rest.chars().next().map_or(1, char::len_utf8);
        text.push_str(&rest[..ch_len]);
        for k in 0..ch_len {
            map.push(line.origin(i + k));
        }
        i += ch_len;
    }
    Ok(MappedLine {
        text,
        map: Some(map),
    })
}

fn expand_str(
    s: &str,
    macros: &HashMap<String, String>,
    dir: &Path,
    depth: usize,
) -> Result<String, String> {
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    if depth > MAX_DEPTH {
        return Err("parameter expansion is too deep (a parameter refers to itself?)".into());
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with('$') {
            if let Some((value, used)) = lookup(rest, macros, dir) {
                out.push_str(&expand_str(&value, macros, dir, depth + 1)?);
                i += used;
                continue;
            }
        }
        let ch_len = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..ch_len]);
        i += ch_len;
    }
    Ok(out)
}

/// The value of the reference at the start of `s` (which begins with `$`)
/// and how many bytes the reference takes.
fn lookup(s: &str, macros: &HashMap<String, String>, dir: &Path) -> Option<(String, usize)> {
    let body = &s[1..];
    if let Some(inner) = body.strip_prefix('{') {
        let close = inner.find('}')?;
        let content = inner[..close].trim();
        let used = close + 3;
        let mut words = content.split_whitespace();
        let name = words.next()?;
        let value = match name {
            "_PWD" => Some(dir.to_string_lossy().into_owned()),
            "_ENV" => Some(std::env::var(words.next()?).unwrap_or_default()),
            "_RANDOM" => {
                let min: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                let max: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(32767);
                Some((min + pseudo_random() % (max.saturating_sub(min) + 1)).to_string())
            }
            _ => macros.get(name).cloned(),
        }?;
        return Some((value, used));
    }
    let n = ident_len(body);
    if n == 0 {
        return None;
    }
    // The longest defined name wins, so `$AB` prefers AB over A.
    (1..=n)
        .rev()
        .find_map(|k| macros.get(&body[..k]).map(|v| (v.clone(), k + 1)))
}

fn pseudo_random() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t.wrapping_mul(6364136223846793005).rotate_left(17)
}
