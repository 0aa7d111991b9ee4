//! Table-driven keyword dispatch. Each block kind has one table of the
//! keywords it accepts; `docs/configuration.md` is generated from the same
//! tables, so the documentation cannot drift from the parser.

use super::ctx::Ctx;
use crate::tree::Node;

/// How far kad supports a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Read into the model.
    Yes,
    /// Read into the model, with a warning naming the newer spelling.
    Deprecated(&'static str),
    /// Accepted and kept in `Config::unsupported`, with a warning.
    Ignored,
}

pub type Apply<T> = fn(&mut Ctx, &Node, &mut T);

pub struct Kw<T: 'static> {
    pub name: &'static str,
    pub support: Support,
    /// kad's own keyword, not keepalived's: keepalived reports it as
    /// unknown (and skips it), so a configuration using it still loads
    /// there (`integration/tests/kad_own_keywords.rs`).
    pub own: bool,
    pub apply: Apply<T>,
}

pub const fn kw<T>(name: &'static str, apply: Apply<T>) -> Kw<T> {
    Kw {
        name,
        support: Support::Yes,
        own: false,
        apply,
    }
}

/// A keyword of kad's own (see `Kw::own`), read like any other.
pub const fn own<T>(name: &'static str, apply: Apply<T>) -> Kw<T> {
    Kw {
        name,
        support: Support::Yes,
        own: true,
        apply,
    }
}

pub const fn old<T>(name: &'static str, instead: &'static str, apply: Apply<T>) -> Kw<T> {
    Kw {
        name,
        support: Support::Deprecated(instead),
        own: false,
        apply,
    }
}

pub const fn ignored<T>(name: &'static str) -> Kw<T> {
    Kw {
        name,
        support: Support::Ignored,
        own: false,
        apply: |_, _, _| {},
    }
}

/// Apply every child statement of `block` through `table`.
pub fn dispatch<T>(ctx: &mut Ctx, context: &str, table: &[Kw<T>], block: &Node, target: &mut T) {
    for child in block.children() {
        dispatch_one(ctx, context, table, child, target);
    }
}

pub fn dispatch_one<T>(ctx: &mut Ctx, context: &str, table: &[Kw<T>], n: &Node, target: &mut T) {
    let name = n.kw.text.as_str();
    let Some(k) = table.iter().find(|k| k.name == name) else {
        ctx.warn(n.kw.pos, format!("unknown keyword '{name}' in {context}"));
        ctx.unknown_block(n);
        return;
    };
    match k.support {
        Support::Yes => {
            if crate::acts::status(context, name).is_none() {
                ctx.inert(context, n);
            }
        }
        // keepalived takes most old spellings without a word: a note
        // (the few it reports, their handlers report).
        Support::Deprecated(instead) => {
            ctx.quiet(n.kw.pos, format!("'{name}' is deprecated; use {instead}"));
        }
        Support::Ignored => {
            ctx.unsupported(context, n);
            return;
        }
    }
    (k.apply)(ctx, n, target);
    // keepalived reads one keyword per line: another keyword of this block
    // later on the line is only an argument, so its setting would be lost
    // without a word.
    if n.block.is_none() {
        if let Some(t) = n
            .args
            .iter()
            .find(|t| !t.quoted && table.iter().any(|k| k.name == t.text))
        {
            // keepalived says nothing: a note, an error under --strict.
            ctx.quiet(
                t.pos,
                format!(
                    "'{}' after '{name}' on the same line is not read as a keyword (one keyword per line): it is ignored",
                    t.text
                ),
            );
        }
    }
}

/// One row of the keyword reference.
pub struct DocRow {
    pub context: &'static str,
    pub keyword: &'static str,
    pub support: Support,
    /// kad's own keyword (`Kw::own`).
    pub own: bool,
}

pub fn rows<T>(context: &'static str, table: &[Kw<T>]) -> Vec<DocRow> {
    table
        .iter()
        .map(|k| DocRow {
            context,
            keyword: k.name,
            support: k.support,
            own: k.own,
        })
        .collect()
}
