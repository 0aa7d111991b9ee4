//! SMTP_CHECK: reply codes, multi-line replies included (`250-...` lines
//! continue until `250 ...`).

/// The code of the first complete reply in `buf` and the bytes it took.
/// `Ok(None)`: incomplete; `Err`: not SMTP.
pub fn reply(buf: &[u8]) -> Result<Option<(u16, usize)>, String> {
    let mut at = 0;
    while let Some(nl) = buf[at..].iter().position(|&c| c == b'\n') {
        let line = &buf[at..at + nl];
        at += nl + 1;
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
            return Err(format!(
                "not an SMTP reply: {:.40}",
                String::from_utf8_lossy(line)
            ));
        }
        let code =
            (line[0] - b'0') as u16 * 100 + (line[1] - b'0') as u16 * 10 + (line[2] - b'0') as u16;
        if line.get(3) != Some(&b'-') {
            return Ok(Some((code, at)));
        }
    }
    if buf.len() > 4096 {
        return Err("SMTP reply too long".into());
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        assert_eq!(reply(b"220 mx ESMTP\r\n").unwrap(), Some((220, 14)));
        assert_eq!(
            reply(b"250-mx\r\n250-SIZE\r\n250 OK\r\nx").unwrap(),
            Some((250, 26))
        );
        assert_eq!(reply(b"250-mx\r\n25").unwrap(), None);
        assert!(reply(b"HTTP/1.0 400\r\n").is_err());
    }
}
