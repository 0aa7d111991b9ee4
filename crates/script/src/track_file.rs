//! A `track_file`'s value, as keepalived reads it for VRRP tracking and
//! for FILE_CHECK alike.

use std::path::Path;

/// The number a track file holds (keepalived reads a leading integer;
/// anything else counts as 0).
pub fn value(text: &str) -> i64 {
    let t = text.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse().unwrap_or(0)
}

/// The value of the file at `path` now: 0 when it is missing or holds no
/// number.
pub fn read(path: &Path) -> i64 {
    std::fs::read_to_string(path)
        .map(|t| value(&t))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_numbers_and_junk() {
        assert_eq!(value(" 12 \n"), 12);
        assert_eq!(value("-3x"), -3);
        assert_eq!(value("+7"), 7);
        assert_eq!(value("junk"), 0);
        assert_eq!(value(""), 0);
    }

    #[test]
    fn a_missing_file_reads_as_zero() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        assert_eq!(read(&p), 0);
        std::fs::write(&p, "42\n").unwrap();
        assert_eq!(read(&p), 42);
    }
}
