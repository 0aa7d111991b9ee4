//! A line being rewritten, with the origin of each byte, and keepalived's
//! `decomment()`: leading and trailing blanks and the comment removed, a
//! final `\` (a continuation) kept right after the text.

/// A line being rewritten: its text and, once it differs from the
/// original, the original byte offset of every byte.
#[derive(Clone, Debug, Default)]
pub(crate) struct MappedLine {
    pub text: String,
    pub map: Option<Vec<u32>>,
}

impl MappedLine {
    pub(crate) fn original(text: &str) -> Self {
        MappedLine {
            text: text.to_string(),
            map: None,
        }
    }

    /// Text that stands for one place of the original line (expanded
    /// parameter text): every byte maps to `origin`.
    pub(crate) fn anchored(text: &str, origin: u32) -> Self {
        MappedLine {
            text: text.to_string(),
            map: Some(vec![origin; text.len()]),
        }
    }

    /// Original offset of byte `i` of the current text.
    pub(crate) fn origin(&self, i: usize) -> u32 {
        match &self.map {
            Some(m) => m.get(i).or(m.last()).copied().unwrap_or(0),
            None => i as u32,
        }
    }

    /// Bytes `start..end` of the line, keeping their origins.
    pub(crate) fn slice(&self, start: usize, end: usize) -> MappedLine {
        let map = (start..end).map(|i| self.origin(i)).collect();
        MappedLine {
            text: self.text[start..end].to_string(),
            map: Some(map),
        }
    }

    /// The sub-line from byte `start` on, keeping its origins.
    pub(crate) fn tail(&self, start: usize) -> MappedLine {
        self.slice(start, self.text.len())
    }

    /// Replace bytes `start..end` by `value`, which maps to `origin`.
    pub(crate) fn replace(&mut self, start: usize, end: usize, value: &str, origin: u32) {
        let mut map: Vec<u32> = (0..self.text.len()).map(|i| self.origin(i)).collect();
        map.splice(start..end, std::iter::repeat_n(origin, value.len()));
        self.text.replace_range(start..end, value);
        self.map = Some(map);
    }
}

/// keepalived's `decomment()`: blanks at both ends and the comment (`#` or
/// `!` outside double quotes) removed; a `\` ending the line is kept, right
/// after the text. A `\` before another character keeps that character
/// from starting a comment.
pub(crate) fn decomment(line: &MappedLine) -> MappedLine {
    let s = &line.text;
    let b = s.as_bytes();
    let start = s.len() - s.trim_start_matches([' ', '\t']).len();
    let mut quote = false;
    let mut comment = None;
    let mut cont = false;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' if comment.is_none() => quote = !quote,
            b'\\' => {
                if i + 1 < b.len() {
                    i += 2;
                    continue;
                }
                cont = true;
                break;
            }
            b'#' | b'!' if !quote && comment.is_none() => comment = Some(i),
            _ => {}
        }
        i += 1;
    }
    let mut end = comment.unwrap_or(if cont { b.len() - 1 } else { b.len() });
    while end > start && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if start == 0 && end == b.len() {
        return line.clone();
    }
    let mut out = line.slice(start, end);
    if cont {
        let o = line.origin(b.len() - 1);
        out.text.push('\\');
        if let Some(m) = &mut out.map {
            m.push(o);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        decomment(&MappedLine::original(s)).text
    }

    #[test]
    fn decomment_as_keepalived() {
        assert_eq!(d("  a b  # c"), "a b");
        assert_eq!(d("\tweight 1 \\"), "weight 1\\");
        assert_eq!(d("x { # c \\"), "x {\\");
        assert_eq!(d("script \"a # b\" ! c"), "script \"a # b\"");
        assert_eq!(d("   # only"), "");
        let m = decomment(&MappedLine::original("   ab"));
        assert_eq!(m.origin(0), 3);
    }
}
