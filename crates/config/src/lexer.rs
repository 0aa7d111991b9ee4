//! Tokens of the pre-processed text, through `grammar/keepalived.pest`.
//!
//! The text is tokenised in chunks of whole lines (tokens never span a
//! line), which keeps pest's token queue small on very large configs.

use crate::source::Pos;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/keepalived.pest"]
struct Grammar;

/// Lines per chunk handed to pest at once.
const CHUNK_LINES: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokKind {
    Open,
    Close,
    Word,
    /// A quoted string; `closed` is false when the quote ran to the end of
    /// the line.
    Quoted {
        closed: bool,
    },
}

#[derive(Clone, Debug)]
pub struct RawTok<'a> {
    pub kind: TokKind,
    pub text: &'a str,
    pub pos: Pos,
}

/// Tokenise `text` (one pre-processed line per `\n`) and hand each token to
/// `sink` in order.
///
/// Large texts are tokenised by two worker threads (alternate chunks) while
/// the caller's thread consumes the tokens in order: pest is most of the
/// cost of reading a configuration.
pub fn tokenize<'a>(text: &'a str, mut sink: impl FnMut(RawTok<'a>)) {
    let chunks = split_chunks(text);
    if chunks.len() < 4 {
        for (chunk, first_line) in chunks {
            tokenize_chunk(chunk, first_line, &mut sink);
        }
        return;
    }
    std::thread::scope(|scope| {
        let mut receivers = Vec::new();
        for worker in 0..WORKERS {
            // A small bound keeps memory flat: workers stay a few chunks ahead.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawTok<'a>>>(2);
            let mine: Vec<(&'a str, u32)> = chunks
                .iter()
                .copied()
                .skip(worker)
                .step_by(WORKERS)
                .collect();
            scope.spawn(move || {
                for (chunk, first_line) in mine {
                    let mut toks = Vec::with_capacity(CHUNK_LINES * 3);
                    tokenize_chunk(chunk, first_line, &mut |t| toks.push(t));
                    if tx.send(toks).is_err() {
                        return;
                    }
                }
            });
            receivers.push(rx);
        }
        for i in 0..chunks.len() {
            // Chunk i was tokenised by worker i % WORKERS, in order.
            let Ok(toks) = receivers[i % WORKERS].recv() else {
                return;
            };
            for t in toks {
                sink(t);
            }
        }
    });
}

const WORKERS: usize = 2;

/// Cut `text` into chunks of whole lines, with the index of each chunk's
/// first line.
fn split_chunks(text: &str) -> Vec<(&str, u32)> {
    let mut out = Vec::new();
    let mut line_no: u32 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len();
        let mut lines = 0;
        for (i, _) in rest.match_indices('\n') {
            lines += 1;
            if lines == CHUNK_LINES {
                end = i + 1;
                break;
            }
        }
        let chunk = &rest[..end];
        out.push((chunk, line_no));
        line_no += chunk.matches('\n').count() as u32;
        rest = &rest[end..];
    }
    out
}

fn tokenize_chunk<'a>(chunk: &'a str, first_line: u32, sink: &mut dyn FnMut(RawTok<'a>)) {
    // The grammar accepts every input (an unknown character is a word), so
    // a failure here would be a grammar bug; degrade to no tokens.
    let Ok(pairs) = Grammar::parse(Rule::chunk, chunk) else {
        return;
    };
    let mut line = first_line;
    let mut line_start = 0usize;
    let mut scan = 0usize;
    for pair in pairs {
        let span = pair.as_span();
        let start = span.start();
        // Advance the line cursor over the newlines before this token.
        for (i, _) in chunk[scan..start].match_indices('\n') {
            line += 1;
            line_start = scan + i + 1;
        }
        scan = start;
        let pos = Pos {
            line,
            col: (start - line_start) as u32,
        };
        let tok = match pair.as_rule() {
            Rule::open => RawTok {
                kind: TokKind::Open,
                text: "{",
                pos,
            },
            Rule::close => RawTok {
                kind: TokKind::Close,
                text: "}",
                pos,
            },
            Rule::word => RawTok {
                kind: TokKind::Word,
                text: span.as_str(),
                pos,
            },
            Rule::dquoted | Rule::squoted => {
                let s = span.as_str();
                let body = pair.into_inner().next().map_or("", |p| p.as_str());
                // Closed when both quotes are there around the body.
                let closed = s.len() == body.len() + 2;
                RawTok {
                    kind: TokKind::Quoted { closed },
                    text: body,
                    pos,
                }
            }
            _ => continue,
        };
        sink(tok);
    }
}

/// Decode the backslash escapes of a double-quoted string
/// (`\n \t \r \\ \" \xXX \nnn` octal, `\cC` control), as keepalived does.
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'e' => out.push('\x1b'),
            'x' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('?'));
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('?'));
            }
            'c' => {
                if let Some(c) = chars.next() {
                    out.push(char::from_u32((c.to_ascii_uppercase() as u32) ^ 0x40).unwrap_or('?'));
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(TokKind, String, u32, u32)> {
        let mut v = Vec::new();
        tokenize(s, |t| {
            v.push((t.kind, t.text.to_string(), t.pos.line, t.pos.col))
        });
        v
    }

    #[test]
    fn splits_braces_anywhere_and_drops_comments() {
        let t = toks("track_script { a b } # c\n! all comment\n  x \"q r\"  'y z'!c\n");
        let words: Vec<_> = t.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            words,
            ["track_script", "{", "a", "b", "}", "x", "q r", "y z"]
        );
        assert_eq!((t[5].2, t[5].3), (2, 2));
        assert_eq!(t[6].0, TokKind::Quoted { closed: true });
    }

    #[test]
    fn unterminated_quote_is_flagged() {
        let t = toks("script \"abc\nnext\n");
        assert_eq!(t[1].0, TokKind::Quoted { closed: false });
        assert_eq!(t[2].1, "next");
        assert_eq!(t[2].2, 1);
    }

    #[test]
    fn chunking_keeps_line_numbers() {
        let text: String = (0..10_000).map(|i| format!("w{i}\n")).collect();
        let t = toks(&text);
        assert_eq!(t.len(), 10_000);
        assert!(t
            .iter()
            .enumerate()
            .all(|(i, x)| x.2 == i as u32 && x.1 == format!("w{i}")));
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"a\tb\x41\101\n\\"), "a\tbAA\n\\");
    }
}
