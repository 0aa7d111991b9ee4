//! HTTP_GET / SSL_GET: the response read incrementally (so a large or
//! endless body never sits in memory), its status checked against the
//! url's `status_code` ranges, its body hashed for `digest` and matched
//! against `regex`.

use kad_config::model::{Digest, DigestKind, Url};
use md5::Digest as _;

/// Bytes of body kept for `regex` (the digest sees the whole body).
pub const REGEX_WINDOW: usize = 1 << 20;
/// A response head longer than this is garbage.
pub const MAX_HEAD: usize = 16 << 10;

enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
}

impl Hasher {
    fn new(kind: DigestKind) -> Self {
        match kind {
            DigestKind::Md5 => Hasher::Md5(md5::Md5::new()),
            DigestKind::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
        }
    }
    fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(b),
            Hasher::Sha1(h) => h.update(b),
        }
    }
    fn hex(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
        };
        hex(&bytes)
    }
}

/// A url's `regex` with its `regex_options` (None: no regex, or one that
/// does not compile). Without `utf`/`ucp` it matches bytes, as PCRE2 does
/// by default: `.` is one byte, `\w` and `caseless` are ASCII.
pub fn compile_regex(url: &Url) -> Option<regex::bytes::Regex> {
    let o = &url.regex_options;
    regex::bytes::RegexBuilder::new(url.regex.as_deref()?)
        .case_insensitive(o.caseless)
        .multi_line(o.multiline)
        .dot_matches_new_line(o.dotall)
        .ignore_whitespace(o.extended)
        .swap_greed(o.ungreedy)
        .unicode(o.unicode)
        .build()
        .ok()
}

/// keepalived's `check_regex()` on the body: the leftmost match from
/// `regex_min_offset` on (what comes before is still seen by `\b` and
/// look-behind), which must start at or before `regex_max_offset` and,
/// with `firstline`, at or before the first newline from there.
pub fn body_matches(re: &regex::bytes::Regex, body: &[u8], url: &Url) -> bool {
    let start = url
        .regex_min_offset
        .map_or(0, |m| usize::try_from(m).unwrap_or(usize::MAX));
    if start > body.len() {
        return false;
    }
    let Some(m) = re.find_at(body, start) else {
        return false;
    };
    if url
        .regex_max_offset
        .is_some_and(|max| m.start() as u64 > max)
    {
        return false;
    }
    if url.regex_options.firstline {
        if let Some(nl) = body[start..].iter().position(|&b| b == b'\n') {
            return m.start() <= start + nl;
        }
    }
    true
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Debug)]
enum Body {
    /// Until the connection closes.
    ToEof,
    Length(u64),
    /// Chunked: bytes left in this chunk, or reading a size line.
    Chunk(u64),
    ChunkSize(Vec<u8>),
    /// The CRLF after a chunk's data.
    ChunkEnd(u8),
    Done,
}

/// A response being read.
pub struct Response {
    head: Vec<u8>,
    status: Option<u16>,
    body: Body,
    hasher: Option<Hasher>,
    kept: Vec<u8>,
    keep: bool,
    pub body_len: u64,
}

/// The result of feeding bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    More,
    Complete,
    Garbage(String),
}

impl Response {
    pub fn new(digest: Option<DigestKind>, keep_body: bool) -> Self {
        Response {
            head: Vec::new(),
            status: None,
            body: Body::ToEof,
            hasher: digest.map(Hasher::new),
            kept: Vec::new(),
            keep: keep_body,
            body_len: 0,
        }
    }

    pub fn status(&self) -> Option<u16> {
        self.status
    }

    fn body_bytes(&mut self, b: &[u8]) {
        self.body_len += b.len() as u64;
        if let Some(h) = &mut self.hasher {
            h.update(b);
        }
        if self.keep && self.kept.len() < REGEX_WINDOW {
            let n = (REGEX_WINDOW - self.kept.len()).min(b.len());
            self.kept.extend_from_slice(&b[..n]);
        }
    }

    /// Feed bytes read from the server.
    pub fn feed(&mut self, b: &[u8]) -> Progress {
        if self.status.is_none() {
            self.head.extend_from_slice(b);
            let Some(end) = find(&self.head, b"\r\n\r\n") else {
                if self.head.len() > MAX_HEAD {
                    return Progress::Garbage("response head too long".into());
                }
                return Progress::More;
            };
            let head = std::mem::take(&mut self.head);
            if let Err(e) = self.parse_head(&head[..end]) {
                return Progress::Garbage(e);
            }
            let rest = head[end + 4..].to_vec();
            return self.feed_body(&rest);
        }
        self.feed_body(b)
    }

    fn parse_head(&mut self, head: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or("");
        let mut parts = first.split_whitespace();
        let (Some(v), Some(code)) = (parts.next(), parts.next()) else {
            return Err(format!("not an HTTP status line: {first:.60}"));
        };
        if !v.starts_with("HTTP/") {
            return Err(format!("not an HTTP status line: {first:.60}"));
        }
        let code: u16 = code
            .parse()
            .map_err(|_| format!("not an HTTP status line: {first:.60}"))?;
        self.status = Some(code);
        for l in lines {
            let Some((k, val)) = l.split_once(':') else {
                continue;
            };
            let (k, val) = (k.trim(), val.trim());
            if k.eq_ignore_ascii_case("content-length") {
                if let Ok(n) = val.parse() {
                    if !matches!(self.body, Body::ChunkSize(_)) {
                        self.body = Body::Length(n);
                    }
                }
            } else if k.eq_ignore_ascii_case("transfer-encoding")
                && val.to_ascii_lowercase().contains("chunked")
            {
                self.body = Body::ChunkSize(Vec::new());
            }
        }
        if let Body::Length(0) = self.body {
            self.body = Body::Done;
        }
        Ok(())
    }

    fn feed_body(&mut self, mut b: &[u8]) -> Progress {
        while !b.is_empty() {
            match &mut self.body {
                Body::Done => return Progress::Complete,
                Body::ToEof => {
                    self.body_bytes(b);
                    return Progress::More;
                }
                Body::Length(n) | Body::Chunk(n) => {
                    let take = (*n).min(b.len() as u64) as usize;
                    *n -= take as u64;
                    let after = match (*n, &self.body) {
                        (0, Body::Length(_)) => Some(Body::Done),
                        (0, _) => Some(Body::ChunkEnd(2)),
                        _ => None,
                    };
                    let (now, rest) = b.split_at(take);
                    self.body_bytes(now);
                    b = rest;
                    if let Some(next) = after {
                        self.body = next;
                    }
                }
                Body::ChunkEnd(k) => {
                    *k -= 1;
                    b = &b[1..];
                    if *k == 0 {
                        self.body = Body::ChunkSize(Vec::new());
                    }
                }
                Body::ChunkSize(line) => {
                    let Some(nl) = b.iter().position(|&c| c == b'\n') else {
                        line.extend_from_slice(b);
                        if line.len() > 1024 {
                            return Progress::Garbage("bad chunk size".into());
                        }
                        return Progress::More;
                    };
                    line.extend_from_slice(&b[..nl]);
                    b = &b[nl + 1..];
                    let text = String::from_utf8_lossy(line);
                    let size = text.trim().split(';').next().unwrap_or("").trim();
                    let Ok(n) = u64::from_str_radix(size, 16) else {
                        return Progress::Garbage(format!("bad chunk size {size:.20}"));
                    };
                    self.body = if n == 0 { Body::Done } else { Body::Chunk(n) };
                }
            }
        }
        if matches!(self.body, Body::Done) {
            Progress::Complete
        } else {
            Progress::More
        }
    }

    /// The server closed the connection: is the response whole?
    pub fn eof(&self) -> Result<(), String> {
        match (&self.status, &self.body) {
            (None, _) => Err("connection closed before a response".into()),
            (_, Body::ToEof | Body::Done) => Ok(()),
            _ => Err("connection closed in the middle of the body".into()),
        }
    }

    /// The digest of the body read (lower-case hex).
    pub fn digest(self) -> Option<String> {
        self.hasher.map(Hasher::hex)
    }

    /// Judge a complete response against a `url` block.
    pub fn verdict(self, url: &Url, regex: Option<&regex::bytes::Regex>) -> Result<(), String> {
        let code = self.status.unwrap_or(0);
        let ok = if url.status_codes.is_empty() {
            (200..=299).contains(&code)
        } else {
            url.status_codes
                .iter()
                .any(|&(a, b)| (a..=b).contains(&code))
        };
        if !ok {
            return Err(format!("HTTP status {code}"));
        }
        if let Some(re) = regex {
            let found = body_matches(re, &self.kept, url);
            if found == url.regex_no_match {
                return Err(if found {
                    "body matches regex_no_match".into()
                } else {
                    "body does not match regex".into()
                });
            }
        }
        if let Some(Digest { hex: want, .. }) = &url.digest {
            let got = self.digest().unwrap_or_default();
            if !got.eq_ignore_ascii_case(want) {
                return Err(format!("digest {got} != {want}"));
            }
        }
        Ok(())
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// The request keepalived sends for `http_protocol` 1.0, 1.0C or 1.1.
pub fn request(path: &str, host: &str, protocol: kad_config::model::HttpProtocol) -> Vec<u8> {
    use kad_config::model::HttpProtocol::*;
    let (version, close) = match protocol {
        Http10 => ("1.0", false),
        Http10Close => ("1.0", true),
        Http11 => ("1.1", true),
    };
    let mut r =
        format!("GET {path} HTTP/{version}\r\nUser-Agent: KeepAliveClient\r\nHost: {host}\r\n");
    if close {
        r.push_str("Connection: close\r\n");
    }
    r.push_str("\r\n");
    r.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kad_config::model::HttpProtocol;

    fn url(codes: Vec<(u16, u16)>, digest: Option<&str>) -> Url {
        Url {
            path: "/".into(),
            digest: digest.map(|h| Digest {
                kind: DigestKind::Md5,
                hex: h.into(),
            }),
            status_codes: codes,
            virtualhost: None,
            regex: None,
            regex_no_match: false,
            regex_options: Default::default(),
            regex_min_offset: None,
            regex_max_offset: None,
        }
    }

    fn read(chunks: &[&[u8]], digest: bool) -> (Progress, Response) {
        let mut r = Response::new(digest.then_some(DigestKind::Md5), true);
        let mut p = Progress::More;
        for c in chunks {
            p = r.feed(c);
        }
        (p, r)
    }

    #[test]
    fn status_ranges() {
        let (_, r) = read(&[b"HTTP/1.0 204 No\r\n\r\n"], false);
        assert!(r.verdict(&url(vec![], None), None).is_ok());
        let (_, r) = read(&[b"HTTP/1.0 500 X\r\n\r\n"], false);
        assert_eq!(
            r.verdict(&url(vec![], None), None),
            Err("HTTP status 500".into())
        );
        let (_, r) = read(&[b"HTTP/1.1 302 X\r\n\r\n"], false);
        assert!(r.verdict(&url(vec![(300, 399)], None), None).is_ok());
    }

    #[test]
    fn md5_of_body_split_anywhere() {
        // md5("hello\n")
        let want = "b1946ac92492d2347c6235b4d2611184";
        for cut in 1..40 {
            let full = b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
            let (a, b) = full.split_at(cut.min(full.len()));
            let (p, r) = read(&[a, b], true);
            assert_eq!(p, Progress::Complete, "cut {cut}");
            assert!(r.verdict(&url(vec![], Some(want)), None).is_ok());
        }
    }

    #[test]
    fn chunked_body_is_decoded_before_hashing() {
        let (p, r) = read(
            &[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n3;x=y\r\nlo\n\r\n0\r\n\r\n"],
            true,
        );
        assert_eq!(p, Progress::Complete);
        assert_eq!(r.digest().unwrap(), "b1946ac92492d2347c6235b4d2611184");
    }

    #[test]
    fn wrong_digest_and_garbage() {
        let (_, r) = read(&[b"HTTP/1.0 200 OK\r\n\r\nother"], true);
        assert!(r
            .verdict(&url(vec![], Some("b1946ac92492d2347c6235b4d2611184")), None)
            .unwrap_err()
            .starts_with("digest"));
        let (p, _) = read(&[b"SSH-2.0-OpenSSH\r\n\r\n"], false);
        assert!(matches!(p, Progress::Garbage(_)));
        let (p, _) = read(&[&[b'x'; MAX_HEAD + 10]], false);
        assert!(matches!(p, Progress::Garbage(_)));
    }

    #[test]
    fn regex_and_no_match() {
        let re = regex::bytes::Regex::new("alive").unwrap();
        let (_, r) = read(&[b"HTTP/1.0 200 OK\r\n\r\nI am alive"], false);
        assert!(r.verdict(&url(vec![], None), Some(&re)).is_ok());
        let mut u = url(vec![], None);
        u.regex_no_match = true;
        let (_, r) = read(&[b"HTTP/1.0 200 OK\r\n\r\nI am alive"], false);
        assert!(r.verdict(&u, Some(&re)).is_err());
    }

    /// `regex_options` change what matches; `regex_min_offset` and
    /// `regex_max_offset` bound where the match starts (keepalived's
    /// check_regex()).
    #[test]
    fn regex_options_and_offsets() {
        let body = b"line one\nStatus: ALIVE here\n\xe9t\xe9";
        let matches = |pattern: &str, f: &dyn Fn(&mut Url)| {
            let mut u = url(vec![], None);
            u.regex = Some(pattern.into());
            f(&mut u);
            let re = compile_regex(&u).expect("compiles");
            body_matches(&re, body, &u)
        };
        let none = |_: &mut Url| {};
        assert!(!matches("alive", &none));
        assert!(matches("alive", &|u| u.regex_options.caseless = true));
        assert!(!matches("^Status", &none));
        assert!(matches("^Status", &|u| u.regex_options.multiline = true));
        assert!(!matches("one.Status", &none));
        assert!(matches("one.Status", &|u| u.regex_options.dotall = true));
        assert!(!matches("Status: A L I V E", &none));
        assert!(matches("Status:\\ A L I V E # spaces", &|u| u
            .regex_options
            .extended =
            true));
        // ungreedy changes how long a match is, never whether there is
        // one or where it starts: the verdict is the same.
        let lazy = |u: &mut Url| u.regex_options.ungreedy = true;
        assert!(matches("S.*s", &lazy) && matches("S.*s", &none));
        // Without utf `.` is one byte: é (2 bytes in UTF-8) is not one `.`
        // here, the body's Latin-1 \xe9 is.
        assert!(matches("\\xe9t.$", &none));
        assert!(matches("^.t.$", &|u| u.regex_options.multiline = true));
        assert!(!matches("^.t.$", &|u| {
            u.regex_options.multiline = true;
            u.regex_options.unicode = true
        }));
        // firstline: the match starts on the first line.
        assert!(!matches("Status", &|u| u.regex_options.firstline = true));
        assert!(matches("one", &|u| u.regex_options.firstline = true));
        // Offsets: "Status" starts at 9.
        assert!(matches("Status", &|u| u.regex_min_offset = Some(9)));
        assert!(!matches("Status", &|u| u.regex_min_offset = Some(10)));
        assert!(matches("Status", &|u| u.regex_max_offset = Some(9)));
        assert!(!matches("Status", &|u| u.regex_max_offset = Some(8)));
        // The window is where the match starts, not where it ends.
        assert!(matches("Status: ALIVE", &|u| {
            u.regex_min_offset = Some(9);
            u.regex_max_offset = Some(9)
        }));
        // Beyond the body: nothing matches.
        assert!(!matches("t", &|u| u.regex_min_offset = Some(1000)));
    }

    #[test]
    fn endless_body_keeps_bounded_memory() {
        let mut r = Response::new(Some(DigestKind::Sha1), true);
        r.feed(b"HTTP/1.0 200 OK\r\n\r\n");
        let block = vec![b'a'; 64 << 10];
        for _ in 0..100 {
            assert_eq!(r.feed(&block), Progress::More);
        }
        assert_eq!(r.kept.len(), REGEX_WINDOW);
        assert_eq!(r.body_len, 100 * (64 << 10));
    }

    #[test]
    fn requests_per_protocol() {
        let r = String::from_utf8(request("/x", "h", HttpProtocol::Http11)).unwrap();
        assert!(r.starts_with("GET /x HTTP/1.1\r\n"));
        assert!(r.contains("Host: h\r\n") && r.contains("Connection: close"));
        let r = String::from_utf8(request("/", "h", HttpProtocol::Http10)).unwrap();
        assert!(!r.contains("Connection"));
    }
}
