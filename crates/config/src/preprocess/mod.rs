//! Line-level pre-processing, as keepalived's `lib/parser.c` (`read_line`)
//! does it before any keyword is looked at: comments and blanks trimmed,
//! `@ID` conditional lines, `$NAME=value` parameters (also multi-line, with
//! a trailing `\`), `~SEQ`/`~LST` repetition, parameter expansion and
//! `include` with globs and brace expansion.
//!
//! Lines are produced the way keepalived produces them, lazily and in the
//! same order: a pending `~SEQ`/`~LST` repetition first, then the rest of a
//! multi-line parameter being expanded, then the next line of the file. So
//! a multi-line parameter may hold `~SEQ` lines and further multi-line
//! parameters, and a diagnostic inside expanded text names the last line
//! read from the file, as keepalived's does.
//!
//! The output is one text (one pre-processed line per `\n`) and a
//! [`SourceMap`] that maps every pre-processed byte back to its origin.

mod braces;
mod include;
mod line;
mod macros;
mod repeat;

use crate::diag::{Class, Diagnostic, Severity};
use crate::source::{Location, SourceMap};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use braces::expand_braces;
pub(crate) use line::MappedLine;

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
    Shared(Arc<str>),
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

/// Pre-process `path` and everything it includes.
pub fn run(path: &Path, opts: &Options) -> Output {
    let mut pre = Pre::new(opts);
    match read_text(path) {
        Ok(text) => pre.root(path, text),
        Err(e) => pre.diag(
            None,
            Severity::Error,
            Class::Environment,
            format!("cannot read {}: {e}", path.display()),
        ),
    }
    pre.output()
}

/// Pre-process in-memory text as if it were the file `path`.
pub fn run_text(path: &Path, text: &str, opts: &Options) -> Output {
    let mut pre = Pre::new(opts);
    pre.root(path, text.to_string());
    pre.output()
}

fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Where a line came from, for diagnostics raised while pre-processing it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub file: u32,
    pub line: u32,
}

/// A file being read.
struct OpenFile {
    id: u32,
    text: Arc<str>,
    /// Byte offset of the next line.
    pos: usize,
    /// 1-based number of the last line read (keepalived's `current_line_no`).
    line: u32,
    canonical: PathBuf,
    dir: PathBuf,
}

/// One `include` (or the root file): the files its pattern matched, read
/// one after the other.
struct Frame {
    file: Option<OpenFile>,
    pending: VecDeque<PathBuf>,
    from: Option<(At, u32)>,
    strict: include::Strictness,
}

pub(crate) struct Pre<'a> {
    opts: &'a Options,
    pub(crate) map: SourceMap,
    text: String,
    pub(crate) diags: Vec<Diagnostic>,
    /// `$NAME` definitions (keepalived's `defs`).
    pub(crate) defs: HashMap<String, macros::Def>,
    /// Active `~SEQ`/`~LST` repetitions; the last is produced first.
    pub(crate) seqs: Vec<repeat::Seq>,
    /// Lines produced by repetitions so far (a runaway guard).
    pub(crate) repeated: usize,
    /// The rest of the multi-line parameter being expanded (`next_ptr`).
    pub(crate) next: Option<macros::Remainder>,
    /// Outer multi-line expansions interrupted by an inner one, each with
    /// the repetition depth to restore (`multiline_stack`).
    pub(crate) ml_stack: Vec<(macros::Remainder, usize)>,
    /// Repetitions at or below this depth wait while a multi-line
    /// parameter expands (`multiline_seq_depth`).
    pub(crate) ml_seq_depth: usize,
    frames: Vec<Frame>,
    /// The root file's text when it needed no pre-processing.
    shared: Option<Arc<str>>,
}

/// A line no pre-processing step touches (the common case, kept fast). A
/// line ending in `\` is not: keepalived drops the blanks before that `\`.
fn is_plain(raw: &str) -> bool {
    let t = raw.trim_start();
    !raw.contains('$')
        && !t.starts_with(['@', '~'])
        && !t.starts_with("include")
        && !raw.trim_end().ends_with('\\')
}

impl<'a> Pre<'a> {
    fn new(opts: &'a Options) -> Pre<'a> {
        Pre {
            opts,
            map: SourceMap::default(),
            text: String::new(),
            diags: Vec::new(),
            defs: macros::std_definitions(),
            seqs: Vec::new(),
            repeated: 0,
            next: None,
            ml_stack: Vec::new(),
            ml_seq_depth: 0,
            frames: Vec::new(),
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

    fn root(&mut self, path: &Path, text: String) {
        let text: Arc<str> = text.into();
        // A root file no step touches is its own pre-processed text.
        if text
            .split('\n')
            .all(|l| is_plain(l.strip_suffix('\r').unwrap_or(l)))
        {
            let id = self.map.add_file(path.to_path_buf(), text.clone());
            let n = text.split('\n').count() as u32;
            for line in 1..=n {
                self.map.lines.push(id, line, None);
            }
            self.shared = Some(text);
            return;
        }
        let id = self.map.add_file(path.to_path_buf(), text.clone());
        self.frames.push(Frame {
            file: Some(OpenFile {
                id,
                text,
                pos: 0,
                line: 0,
                canonical: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
                dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            }),
            pending: VecDeque::new(),
            from: None,
            strict: include::Strictness::default(),
        });
        while let Some((at, line)) = self.next_line() {
            if let Some(inc) = include::parse(&line.text) {
                let byte = line.origin(inc.arg_offset);
                let dir = self.dir();
                self.include(at, byte, &dir, inc);
                continue;
            }
            self.text.push_str(&line.text);
            self.text.push('\n');
            self.map
                .lines
                .push(at.file, at.line, line.map.map(Vec::into_boxed_slice));
        }
    }

    /// The file being read and its last line read: where keepalived
    /// reports anything, also inside expanded text.
    pub(crate) fn at(&self) -> At {
        self.frames
            .iter()
            .rev()
            .find_map(|f| f.file.as_ref())
            .map(|f| At {
                file: f.id,
                line: f.line,
            })
            .unwrap_or(At { file: 0, line: 0 })
    }

    /// The directory of the file being read (includes and `${_PWD}`).
    pub(crate) fn dir(&self) -> PathBuf {
        self.frames
            .iter()
            .rev()
            .find_map(|f| f.file.as_ref())
            .map(|f| f.dir.clone())
            .unwrap_or_default()
    }

    pub(crate) fn push_include(
        &mut self,
        files: Vec<PathBuf>,
        from: (At, u32),
        strict: include::Strictness,
    ) {
        self.frames.push(Frame {
            file: None,
            pending: files.into(),
            from: Some(from),
            strict,
        });
    }

    /// The next line of the files being read, `None` at the end of all.
    fn physical(&mut self) -> Option<(At, String)> {
        loop {
            let frame = self.frames.last_mut()?;
            if let Some(f) = &mut frame.file {
                if f.pos < f.text.len() {
                    let rest = &f.text[f.pos..];
                    let (line, used) = match rest.find('\n') {
                        Some(nl) => (&rest[..nl], nl + 1),
                        None => (rest, rest.len()),
                    };
                    let line = line.to_string();
                    f.pos += used;
                    f.line += 1;
                    return Some((
                        At {
                            file: f.id,
                            line: f.line,
                        },
                        line,
                    ));
                }
                frame.file = None;
            }
            match frame.pending.pop_front() {
                Some(path) => {
                    let (from, strict) = (frame.from, frame.strict);
                    self.open(&path, from, strict);
                }
                None => {
                    self.frames.pop();
                }
            }
        }
    }

    /// Open an included file as the top frame's current file.
    fn open(&mut self, path: &Path, from: Option<(At, u32)>, strict: include::Strictness) {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self
            .frames
            .iter()
            .filter_map(|f| f.file.as_ref())
            .any(|f| f.canonical == canonical)
        {
            self.diag(
                from,
                Severity::Error,
                Class::Config,
                format!("include cycle: {} is already being read", path.display()),
            );
            return;
        }
        let text = match read_text(path) {
            Ok(t) => t,
            Err(e) => {
                let sev = if strict.readable {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                self.diag(
                    from,
                    sev,
                    Class::Config,
                    format!("cannot read {}: {e}", path.display()),
                );
                return;
            }
        };
        let text: Arc<str> = text.into();
        let id = self.map.add_file(path.to_path_buf(), text.clone());
        if let Some(frame) = self.frames.last_mut() {
            frame.file = Some(OpenFile {
                id,
                text,
                pos: 0,
                line: 0,
                canonical,
                dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            });
        }
    }

    /// keepalived's `read_line`: the next line for the keyword parser.
    fn next_line(&mut self) -> Option<(At, MappedLine)> {
        // The parameter whose multi-line definition is being read.
        let mut in_def: Option<String> = None;
        loop {
            let mut buf = if !self.seqs.is_empty() && self.seqs.len() > self.ml_seq_depth {
                match self.repeat_next() {
                    Some(b) => b,
                    None => continue,
                }
            } else if let Some(rem) = self.next.as_mut() {
                let (b, last) = rem.take_line();
                if last {
                    match self.ml_stack.pop() {
                        Some((outer, depth)) => {
                            self.next = Some(outer);
                            self.ml_seq_depth = depth;
                        }
                        None => {
                            self.next = None;
                            self.ml_seq_depth = 0;
                        }
                    }
                }
                b
            } else {
                let (at, raw) = self.physical()?;
                let raw = raw.strip_suffix('\r').unwrap_or(&raw);
                if in_def.is_none() && is_plain(raw) {
                    return Some((at, MappedLine::original(raw)));
                }
                let b = line::decomment(&MappedLine::original(raw));
                if b.text.is_empty() {
                    // A line with nothing but blanks or a comment ends a
                    // multi-line definition: keepalived's processes read
                    // the configuration from the copy its parent wrote,
                    // where such a line is empty.
                    if let Some(name) = in_def.take() {
                        if let Some(d) = self.defs.get_mut(&name) {
                            if d.value.is_empty() {
                                d.multiline = false;
                            }
                        }
                    }
                    continue;
                }
                b
            };

            if let Some(name) = &in_def {
                let mut piece = std::mem::take(&mut buf.text);
                let more = piece.ends_with('\\');
                let def = self.defs.entry(name.clone()).or_default();
                if more {
                    piece.pop();
                    piece.truncate(piece.trim_end_matches([' ', '\t']).len());
                    piece.push('\n');
                } else if def.value.is_empty() {
                    def.multiline = false;
                }
                // A line holding only `\` adds nothing.
                if piece.len() >= 2 || (!piece.is_empty() && !more) {
                    def.value.push_str(&piece);
                }
                if !more {
                    in_def = None;
                }
                continue;
            }
            if buf.text.is_empty() {
                continue;
            }

            let mut guard = 0;
            loop {
                if buf.text.starts_with('@') {
                    match self.conditional(&buf) {
                        Some(b) => buf = b,
                        None => {
                            buf.text.clear();
                            break;
                        }
                    }
                }
                if buf.text.starts_with('$') {
                    if let Some((name, value, multiline)) = macros::definition(&buf.text) {
                        self.define(name.clone(), value, multiline);
                        if multiline {
                            in_def = Some(name);
                        }
                        buf.text.clear();
                        break;
                    }
                }
                if buf.text.starts_with("~SEQ") || buf.text.starts_with("~LST") {
                    self.add_repeat(&buf);
                    buf.text.clear();
                    break;
                }
                if buf.text.starts_with('~') || !buf.text.contains('$') {
                    break;
                }
                match self.replace_params(&mut buf) {
                    Some(true) => {}
                    Some(false) | None => break,
                }
                buf = line::decomment(&buf);
                guard += 1;
                if guard > macros::MAX_RESCANS {
                    let byte = buf.origin(0);
                    self.diag(
                        Some((self.at(), byte)),
                        Severity::Error,
                        Class::Config,
                        "parameter expansion does not end (a parameter refers to itself?)".into(),
                    );
                    break;
                }
                if !buf.text.starts_with('@') && !buf.text.contains('$') {
                    break;
                }
            }
            if buf.text.is_empty() {
                continue;
            }
            return Some((self.at(), buf));
        }
    }

    /// Apply an `@ID` / `@^ID` prefix: `None` drops the line.
    fn conditional(&self, line: &MappedLine) -> Option<MappedLine> {
        let rest = line.text.strip_prefix('@')?;
        let (negate, rest) = match rest.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // Something must follow the id.
        let id_len = rest.find([' ', '\t'])?;
        let matches = rest[..id_len] == self.opts.config_id;
        if matches == negate {
            return None;
        }
        let after = &rest[id_len..];
        let start = line.text.len() - after.trim_start_matches([' ', '\t']).len();
        Some(line.tail(start))
    }
}
