//! Where every pre-processed line came from, so that a diagnostic can name
//! the original `file:line:col` even inside included files and after macro
//! expansion.

use std::path::{Path, PathBuf};

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
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text of 1-based line `n`, without its newline.
    pub fn line(&self, n: u32) -> &str {
        let i = n.saturating_sub(1) as usize;
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |e| e - 1);
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

/// Origin of one pre-processed line.
#[derive(Debug, Clone)]
pub struct LineOrigin {
    pub file: u32,
    /// 1-based line in that file.
    pub line: u32,
    /// Byte offset in the original line for each byte of the pre-processed
    /// line, when the two differ (macro expansion, `@ID` prefix, `~SEQ`).
    pub colmap: Option<Box<[u32]>>,
}

/// All files read and the origin of every pre-processed line.
#[derive(Debug, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
    pub lines: Vec<LineOrigin>,
}

impl SourceMap {
    pub fn add_file(&mut self, path: PathBuf, text: String) -> u32 {
        self.files.push(SourceFile::new(path, text));
        (self.files.len() - 1) as u32
    }

    pub fn file(&self, id: u32) -> &SourceFile {
        &self.files[id as usize]
    }

    /// Resolve a pre-processed position to the original file, line and
    /// (character) column.
    pub fn locate(&self, pos: Pos) -> Option<Location> {
        let origin = self.lines.get(pos.line as usize)?;
        let file = self.file(origin.file);
        let byte = match &origin.colmap {
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
        let origin = self.lines.get(pos.line as usize)?;
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
