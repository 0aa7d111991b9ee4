//! From tokens to a tree of statements: a keyword, its arguments on the
//! same line, and an optional `{ ... }` block of child statements.
//!
//! Top-level statements are handed out as soon as they are complete, so a
//! very large configuration is never held as one tree.

use crate::diag::{Class, Diagnostic, Severity};
use crate::lexer::{self, RawTok, TokKind};
use crate::source::{Pos, SourceMap};

#[derive(Clone, Debug)]
pub struct Tok {
    pub text: String,
    pub pos: Pos,
    pub quoted: bool,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub children: Vec<Node>,
    pub open: Pos,
    pub close: Pos,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kw: Tok,
    pub args: Vec<Tok>,
    pub block: Option<Block>,
}

impl Node {
    pub fn arg(&self, i: usize) -> Option<&Tok> {
        self.args.get(i)
    }

    pub fn children(&self) -> &[Node] {
        self.block.as_ref().map_or(&[], |b| &b.children)
    }

    /// Where the statement ends: the closing brace of its block, or itself.
    pub fn end(&self) -> Pos {
        self.block.as_ref().map_or(self.kw.pos, |b| b.close)
    }
}

struct Open {
    node: Node,
    children: Vec<Node>,
    open: Pos,
}

/// Build statements from `text`; `top` receives each complete top-level
/// statement. Structural problems go to `diags`.
pub fn build(text: &str, map: &SourceMap, diags: &mut Vec<Diagnostic>, mut top: impl FnMut(Node)) {
    let mut stack: Vec<Open> = Vec::new();
    let mut roots_pending: Option<Node> = None;
    let mut cur: Option<Node> = None;
    let mut last_line = u32::MAX;

    // keepalived reports each of these and reads on (a block left open
    // ends with the file): warnings.
    let err = |diags: &mut Vec<Diagnostic>, pos: Pos, msg: String| {
        diags.push(Diagnostic {
            severity: Severity::Warning,
            class: Class::Config,
            location: map.locate(pos),
            message: msg,
            source_line: map.source_line(pos).map(str::to_string),
        });
    };

    // Finish the statement being built: it goes into the innermost open
    // block, or (at top level) waits one statement in case a `{` on the
    // next line belongs to it.
    fn finish(
        stack: &mut [Open],
        pending: &mut Option<Node>,
        cur: &mut Option<Node>,
        top: &mut impl FnMut(Node),
    ) {
        if let Some(n) = cur.take() {
            match stack.last_mut() {
                Some(o) => o.children.push(n),
                None => {
                    if let Some(p) = pending.replace(n) {
                        top(p);
                    }
                }
            }
        }
    }

    lexer::tokenize(text, |t: RawTok| {
        let new_line = t.pos.line != last_line;
        last_line = t.pos.line;
        match t.kind {
            TokKind::Word | TokKind::Quoted { .. } => {
                if let TokKind::Quoted { closed: false } = t.kind {
                    err(diags, t.pos, "unterminated quoted string".into());
                }
                let tok = Tok {
                    text: if matches!(t.kind, TokKind::Quoted { .. }) && !t.text.is_empty() {
                        lexer::unescape(t.text)
                    } else {
                        t.text.to_string()
                    },
                    pos: t.pos,
                    quoted: matches!(t.kind, TokKind::Quoted { .. }),
                };
                match &mut cur {
                    Some(n) if !new_line => n.args.push(tok),
                    _ => {
                        finish(&mut stack, &mut roots_pending, &mut cur, &mut top);
                        cur = Some(Node {
                            kw: tok,
                            args: Vec::new(),
                            block: None,
                        });
                    }
                }
            }
            TokKind::Open => {
                let owner = match cur.take() {
                    Some(n) => Some(n),
                    // `{` alone on a line opens the block of the statement
                    // before it, if that has none yet.
                    None => match stack.last_mut() {
                        Some(o) if o.children.last().is_some_and(|n| n.block.is_none()) => {
                            o.children.pop()
                        }
                        Some(_) => None,
                        None => roots_pending.take_if(|n| n.block.is_none()),
                    },
                };
                match owner {
                    Some(node) => stack.push(Open {
                        node,
                        children: Vec::new(),
                        open: t.pos,
                    }),
                    None => {
                        err(diags, t.pos, "'{' without a keyword before it".into());
                        let kw = Tok {
                            text: "{".into(),
                            pos: t.pos,
                            quoted: false,
                        };
                        stack.push(Open {
                            node: Node {
                                kw,
                                args: vec![],
                                block: None,
                            },
                            children: vec![],
                            open: t.pos,
                        });
                    }
                }
            }
            TokKind::Close => {
                finish(&mut stack, &mut roots_pending, &mut cur, &mut top);
                match stack.pop() {
                    Some(o) => {
                        let mut node = o.node;
                        node.block = Some(Block {
                            children: o.children,
                            open: o.open,
                            close: t.pos,
                        });
                        // A block without a keyword was already reported.
                        if node.kw.text != "{" || node.kw.quoted {
                            cur = Some(node);
                            finish(&mut stack, &mut roots_pending, &mut cur, &mut top);
                        }
                    }
                    None => err(diags, t.pos, "extra '}' with no block open".into()),
                }
            }
        }
    });
    finish(&mut stack, &mut roots_pending, &mut cur, &mut top);
    // Blocks still open at the end: report each where it opened.
    while let Some(o) = stack.pop() {
        err(
            diags,
            o.open,
            format!("'{{' of '{}' is never closed", o.node.kw.text),
        );
        let mut node = o.node;
        let close = o.children.last().map_or(o.open, Node::end);
        node.block = Some(Block {
            children: o.children,
            open: o.open,
            close,
        });
        cur = Some(node);
        finish(&mut stack, &mut roots_pending, &mut cur, &mut top);
    }
    if let Some(p) = roots_pending.take() {
        top(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Node>, Vec<Diagnostic>) {
        let mut map = SourceMap::default();
        let f = map.add_file("t.conf".into(), text.into());
        for i in 0..text.lines().count() as u32 {
            map.lines.push(f, i + 1, None);
        }
        let mut nodes = Vec::new();
        let mut diags = Vec::new();
        build(text, &map, &mut diags, |n| nodes.push(n));
        (nodes, diags)
    }

    #[test]
    fn nested_blocks_and_one_line_blocks() {
        let (n, d) = parse("a 1 2 {\n  b { c d }\n  e\n}\nf\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].kw.text, "a");
        assert_eq!(n[0].args.len(), 2);
        let kids = n[0].children();
        assert_eq!(kids[0].kw.text, "b");
        assert_eq!(kids[0].children()[0].kw.text, "c");
        assert_eq!(kids[0].children()[0].args[0].text, "d");
        assert_eq!(kids[1].kw.text, "e");
        assert_eq!(n[0].block.as_ref().unwrap().close.line, 3);
        assert_eq!(n[1].kw.text, "f");
    }

    #[test]
    fn brace_on_next_line_belongs_to_previous_statement() {
        let (n, d) = parse("vrrp_instance X\n{\n  priority 1\n}\n");
        assert!(d.is_empty());
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].children()[0].kw.text, "priority");
    }

    #[test]
    fn unbalanced_braces_are_located() {
        let (_, d) = parse("a {\n b\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].location.as_ref().unwrap().line, 1);
        let (_, d) = parse("a {\n}\n}\n");
        assert_eq!(d[0].location.as_ref().unwrap().line, 3);
        assert_eq!(d[0].location.as_ref().unwrap().col, 1);
    }
}
