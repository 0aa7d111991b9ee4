//! Where every pre-processed line came from, so that a diagnostic can name
//! the original `file:line:col` even inside included files and after macro
//! expansion.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in the pre-processed text: the index of the pre-processed
/// line and a byte offset inside it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A resolved place in an original source file (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: u32,
    pub col: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One original file that was read.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    text: Arc<str>,
    /// Built on the first diagnostic: most loads never need it.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: Arc<str>) -> Self {
        SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// The text of 1-based line `n`, without its newline.
    pub fn line(&self, n: u32) -> &str {
        let starts = self.line_starts.get_or_init(|| {
            let mut v = vec![0u32];
            v.extend(self.text.match_indices('\n').map(|(i, _)| i as u32 + 1));
            v
        });
        let i = n.saturating_sub(1) as usize;
        let Some(&start) = starts.get(i) else {
            return "";
        };
        let start = start as usize;
        let end = starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e as usize - 1);
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

/// Origin of every pre-processed line, kept as runs of consecutive lines of
/// one file (a large configuration is mostly one long run), plus column maps
/// for the few lines that macro expansion, `@ID` or `~SEQ` rewrote.
#[derive(Debug, Default)]
pub struct LineTable {
    runs: Vec<Run>,
    colmaps: std::collections::HashMap<u32, Box<[u32]>>,
    len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    start: u32,
    file: u32,
    line: u32,
    len: u32,
}

/// Where one pre-processed line came from.
#[derive(Debug, Clone, Copy)]
pub struct LineOrigin<'a> {
    pub file: u32,
    /// 1-based line in that file.
    pub line: u32,
    /// Byte offset in the original line for each byte of the pre-processed
    /// line, when the two differ.
    pub colmap: Option<&'a [u32]>,
}

impl LineTable {
    pub fn push(&mut self, file: u32, line: u32, colmap: Option<Box<[u32]>>) {
        let idx = self.len;
        self.len += 1;
        if let Some(m) = colmap {
            self.colmaps.insert(idx, m);
        }
        if let Some(r) = self.runs.last_mut() {
            if r.file == file && r.line + r.len == line && r.start + r.len == idx {
                r.len += 1;
                return;
            }
        }
        self.runs.push(Run {
            start: idx,
            file,
            line,
            len: 1,
        });
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, idx: u32) -> Option<LineOrigin<'_>> {
        let i = self
            .runs
            .partition_point(|r| r.start <= idx)
            .checked_sub(1)?;
        let r = self.runs[i];
        if idx >= r.start + r.len {
            return None;
        }
        Some(LineOrigin {
            file: r.file,
            line: r.line + (idx - r.start),
            colmap: self.colmaps.get(&idx).map(|b| &b[..]),
        })
    }
}

/// All files read and the origin of every pre-processed line.
#[derive(Debug, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
    pub lines: LineTable,
}

impl SourceMap {
    pub fn add_file(&mut self, path: PathBuf, text: Arc<str>) -> u32 {
        self.files.push(SourceFile::new(path, text));
        (self.files.len() - 1) as u32
    }

    pub fn file(&self, id: u32) -> &SourceFile {
        &self.files[id as usize]
    }

    /// Resolve a pre-processed position to the original file, line and
    /// (character) column.
    pub fn locate(&self, pos: Pos) -> Option<Location> {
        let origin = self.lines.get(pos.line)?;
        let file = self.file(origin.file);
        let byte = match origin.colmap {
            Some(map) => map
                .get(pos.col as usize)
                .or_else(|| map.last())
                .copied()
                .unwrap_or(0) as usize,
            None => pos.col as usize,
        };
        let text = file.line(origin.line);
        let byte = byte.min(text.len());
        let col = text.char_indices().take_while(|(i, _)| *i < byte).count() as u32 + 1;
        Some(Location {
            file: file.path.clone(),
            line: origin.line,
            col,
        })
    }

    /// The original source line a position points into.
    pub fn source_line(&self, pos: Pos) -> Option<&str> {
        let origin = self.lines.get(pos.line)?;
        Some(self.file(origin.file).line(origin.line))
    }

    /// A location for a whole file (line 0 is never used by the parser).
    pub fn file_location(path: &Path) -> Location {
        Location {
            file: path.to_path_buf(),
            line: 0,
            col: 0,
        }
    }
}
