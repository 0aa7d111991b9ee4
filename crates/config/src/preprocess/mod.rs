//! Line-level pre-processing, as keepalived's `lib/parser.c` does it before
//! any keyword is looked at: `@ID` conditional lines, `$NAME=value`
//! parameters (also multi-line), `~SEQ`/`~LST` repetition, parameter
//! expansion and `include` with globs and brace expansion.
//!
//! The output is one text (one pre-processed line per `\n`) and a
//! [`SourceMap`] that maps every pre-processed byte back to its origin.

mod braces;
mod include;
mod macros;
mod repeat;

use crate::diag::{Class, Diagnostic, Severity};
use crate::source::{Location, SourceMap};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use braces::expand_braces;

/// Options that change what the pre-processor keeps.
#[derive(Clone, Debug)]
pub struct Options {
    /// The `-i/--config-id` value that `@ID` lines are matched against.
    pub config_id: String,
}

/// The pre-processed text: built line by line, or, when a file needs no
/// pre-processing at all, the file's own text shared with the source map.
#[derive(Debug)]
pub enum Text {
    Built(String),
    Shared(std::sync::Arc<str>),
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Built(s) => s,
            Text::Shared(s) => s,
        }
    }
}

/// The pre-processed text with its source map and the diagnostics met.
#[derive(Debug)]
pub struct Output {
    pub text: Text,
    pub map: SourceMap,
    pub diags: Vec<Diagnostic>,
}

/// A line being rewritten: its text and, once it differs from the
/// original, the original byte offset of every byte.
#[derive(Clone, Debug)]
pub(crate) struct MappedLine {
    pub text: String,
    pub map: Option<Vec<u32>>,
}

impl MappedLine {
    fn original(text: &str) -> Self {
        MappedLine {
            text: text.to_string(),
            map: None,
        }
    }

    /// Original offset of byte `i` of the current text.
    pub(crate) fn origin(&self, i: usize) -> u32 {
        match &self.map {
            Some(m) => m.get(i).or(m.last()).copied().unwrap_or(0),
            None => i as u32,
        }
    }

    /// The sub-line from byte `start` on, keeping its origins.
    pub(crate) fn tail(&self, start: usize) -> MappedLine {
        let map = (start..self.text.len()).map(|i| self.origin(i)).collect();
        MappedLine {
            text: self.text[start..].to_string(),
            map: Some(map),
        }
    }
}

/// Pre-process `path` and everything it includes.
pub fn run(path: &Path, opts: &Options) -> Output {
    let mut pre = Pre::new(opts);
    pre.file(path, None, include::Strictness::default());
    pre.output()
}

/// Pre-process in-memory text as if it were the file `path`.
pub fn run_text(path: &Path, text: &str, opts: &Options) -> Output {
    let mut pre = Pre::new(opts);
    pre.stack.push(path.to_path_buf());
    pre.file_text(path, text.to_string());
    pre.output()
}

pub(crate) struct Pre<'a> {
    opts: &'a Options,
    pub(crate) map: SourceMap,
    text: String,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) macros: HashMap<String, String>,
    /// Canonical paths of the files being read, to detect include cycles.
    stack: Vec<PathBuf>,
    /// The root file's text when it needed no pre-processing.
    shared: Option<std::sync::Arc<str>>,
}

/// A line no pre-processing step touches (the common case, kept fast).
fn is_plain(raw: &str) -> bool {
    let t = raw.trim_start();
    !raw.contains('$') && !t.starts_with(['@', '~']) && !t.starts_with("include")
}

/// Where a line came from, for diagnostics raised while pre-processing it.
#[derive(Clone, Copy)]
pub(crate) struct At {
    pub file: u32,
    pub line: u32,
}

impl<'a> Pre<'a> {
    fn new(opts: &'a Options) -> Pre<'a> {
        Pre {
            opts,
            map: SourceMap::default(),
            text: String::new(),
            diags: Vec::new(),
            macros: HashMap::new(),
            stack: Vec::new(),
            shared: None,
        }
    }
}

impl Pre<'_> {
    pub(crate) fn diag(&mut self, at: Option<(At, u32)>, sev: Severity, class: Class, msg: String) {
        let (location, source_line) = match at {
            Some((at, byte)) => {
                let f = self.map.file(at.file);
                let text = f.line(at.line);
                let col = text
                    .char_indices()
                    .take_while(|(i, _)| *i < byte as usize)
                    .count() as u32
                    + 1;
                (
                    Some(Location {
                        file: f.path.clone(),
                        line: at.line,
                        col,
                    }),
                    Some(text.to_string()),
                )
            }
            None => (None, None),
        };
        self.diags.push(Diagnostic {
            severity: sev,
            class,
            location,
            message: msg,
            source_line,
        });
    }

    /// Read one file; `from` is the include line that named it.
    pub(crate) fn file(
        &mut self,
        path: &Path,
        from: Option<(At, u32)>,
        strict: include::Strictness,
    ) {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&canonical) {
            self.diag(
                from,
                Severity::Error,
                Class::Config,
                format!("include cycle: {} is already being read", path.display()),
            );
            return;
        }
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(e) => {
                let (sev, class) = match from {
                    None => (Severity::Error, Class::Environment),
                    Some(_) if strict.readable => (Severity::Error, Class::Config),
                    Some(_) => (Severity::Warning, Class::Config),
                };
                self.diag(
                    from,
                    sev,
                    class,
                    format!("cannot read {}: {e}", path.display()),
                );
                return;
            }
        };
        self.stack.push(canonical);
        self.file_text(path, text);
        self.stack.pop();
    }

    fn output(self) -> Output {
        let text = match self.shared {
            Some(t) => Text::Shared(t),
            None => Text::Built(self.text),
        };
        Output {
            text,
            map: self.map,
            diags: self.diags,
        }
    }

    fn file_text(&mut self, path: &Path, text: String) {
        // The source map keeps the text (diagnostics quote it).
        let text: std::sync::Arc<str> = text.into();
        let id = self.map.add_file(path.to_path_buf(), text.clone());
        // A root file no step touches is its own pre-processed text.
        if self.map.files.len() == 1
            && text
                .split('\n')
                .all(|l| is_plain(l.strip_suffix('\r').unwrap_or(l)))
        {
            let n = text.split('\n').count() as u32;
            for line in 1..=n {
                self.map.lines.push(id, line, None);
            }
            self.shared = Some(text);
            return;
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut n = 0;
        while n < lines.len() {
            let at = At {
                file: id,
                line: n as u32 + 1,
            };
            let raw = lines[n].strip_suffix('\r').unwrap_or(lines[n]);
            n += 1;
            if is_plain(raw) {
                self.text.push_str(raw);
                self.text.push('\n');
                self.map.lines.push(at.file, at.line, None);
                continue;
            }
            let Some(line) = self.conditional(raw) else {
                continue;
            };
            // A `$NAME=value \` definition continues on the next lines.
            if let Some(def) = macros::definition(&line.text) {
                let (name, mut value) = (def.0.to_string(), def.1.to_string());
                while value.ends_with('\\') && n < lines.len() {
                    value.pop();
                    let next = lines[n].strip_suffix('\r').unwrap_or(lines[n]);
                    n += 1;
                    if let Some(cont) = self.conditional(next) {
                        value.push('\n');
                        value.push_str(cont.text.trim());
                    }
                }
                self.macros.insert(name, value.trim().to_string());
                continue;
            }
            if line.text.trim_start().starts_with('~') {
                for rep in self.repeat(at, &line) {
                    self.expand_and_emit(at, &dir, rep, false);
                }
                continue;
            }
            self.expand_and_emit(at, &dir, line, true);
        }
    }

    /// Apply an `@ID` / `@^ID` prefix: `None` drops the line.
    fn conditional(&self, raw: &str) -> Option<MappedLine> {
        let trimmed = raw.trim_start();
        let Some(rest) = trimmed.strip_prefix('@') else {
            return Some(MappedLine::original(raw));
        };
        let (negate, rest) = match rest.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let id_len = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        if (rest[..id_len] == self.opts.config_id) == negate {
            return None;
        }
        let start = raw.len() - rest.len() + id_len;
        Some(MappedLine::original(raw).tail(start))
    }

    fn expand_and_emit(&mut self, at: At, dir: &Path, line: MappedLine, expand: bool) {
        let expanded = if expand && line.text.contains('$') {
            match macros::expand(&line, &self.macros, dir) {
                Ok(l) => l,
                Err(e) => {
                    let byte = line.origin(e.offset);
                    self.diag(Some((at, byte)), Severity::Error, Class::Config, e.message);
                    line
                }
            }
        } else {
            line
        };
        // A multi-line parameter gives several lines from one.
        let mut start = 0;
        let full = expanded.text.clone();
        for piece in full.split('\n') {
            let sub = if start == 0 && piece.len() == full.len() {
                expanded.clone()
            } else {
                let mut s = expanded.tail(start);
                s.text.truncate(piece.len());
                if let Some(m) = &mut s.map {
                    m.truncate(piece.len());
                }
                s
            };
            start += piece.len() + 1;
            if let Some(inc) = include::parse(&sub.text) {
                let byte = sub.origin(inc.arg_offset);
                self.include(at, byte, dir, inc);
                continue;
            }
            self.emit(at, sub);
        }
    }

    fn emit(&mut self, at: At, line: MappedLine) {
        self.text.push_str(&line.text);
        self.text.push('\n');
        self.map
            .lines
            .push(at.file, at.line, line.map.map(Vec::into_boxed_slice));
    }
}
