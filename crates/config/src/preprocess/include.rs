//! `include PATTERN` and its strict variants, resolved relative to the
//! including file's directory, with csh brace expansion and globs.

use super::{expand_braces, At, Pre};
use crate::diag::{Class, Severity};
use std::path::Path;

/// Which include problems are errors (keepalived's `includer`, `includem`,
/// `includew`, `includeb`, `includea`); plain `include` only warns.
#[derive(Clone, Copy, Debug, Default)]
pub struct Strictness {
    pub readable: bool,
    pub matched: bool,
}

pub struct Include {
    pub pattern: String,
    /// Byte offset of the pattern in the line, for diagnostics.
    pub arg_offset: usize,
    pub strict: Strictness,
}

/// Recognise an include line.
pub fn parse(line: &str) -> Option<Include> {
    let trimmed = line.trim_start();
    let kw_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let strict = match &trimmed[..kw_len] {
        "include" => Strictness::default(),
        "includer" => Strictness {
            readable: true,
            matched: false,
        },
        "includem" | "includew" | "includeb" => Strictness {
            readable: false,
            matched: true,
        },
        "includea" => Strictness {
            readable: true,
            matched: true,
        },
        _ => return None,
    };
    let rest = &trimmed[kw_len..];
    let arg = rest.trim_start();
    let arg_offset = line.len() - arg.len();
    let pattern = match arg.chars().next() {
        Some(q @ ('"' | '\'')) => arg[1..].split(q).next().unwrap_or("").to_string(),
        _ => arg
            .split(|c: char| c.is_whitespace() || c == '#' || c == '!')
            .next()
            .unwrap_or("")
            .to_string(),
    };
    Some(Include {
        pattern,
        arg_offset,
        strict,
    })
}

impl Pre<'_> {
    pub(crate) fn include(&mut self, at: At, byte: u32, dir: &Path, inc: Include) {
        let from = Some((at, byte));
        if inc.pattern.is_empty() {
            self.diag(
                from,
                Severity::Error,
                Class::Config,
                "include needs a file name".into(),
            );
            return;
        }
        let mut all = Vec::new();
        for pattern in expand_braces(&inc.pattern) {
            let full = if Path::new(&pattern).is_absolute() {
                pattern.clone()
            } else {
                dir.join(&pattern).to_string_lossy().into_owned()
            };
            let mut files = Vec::new();
            if full.contains(['*', '?', '[']) {
                if let Ok(paths) = glob::glob(&full) {
                    files.extend(paths.flatten());
                }
            } else if Path::new(&full).exists() {
                files.push(full.clone().into());
            }
            if files.is_empty() {
                let sev = if inc.strict.matched {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                self.diag(
                    from,
                    sev,
                    Class::Config,
                    format!("no configuration file matches '{pattern}'"),
                );
                continue;
            }
            files.sort();
            all.extend(files);
        }
        if !all.is_empty() {
            self.push_include(all, (at, byte), inc.strict);
        }
    }
}
