//! kad's own `announce { }` block of a `virtual_server` (keepalived
//! reports `announce` as an unknown keyword and skips the block).

use super::ctx::Ctx;
use super::table::{dispatch, own, Kw};
use crate::model::{Announce, VsKey};
use crate::tree::Node;

fn table() -> Vec<Kw<Announce>> {
    vec![
        own("table", |c, n, a| {
            let Some(t) = c.u32(n, 0, 1, u32::MAX) else {
                return;
            };
            // 255 is the kernel's `local` table: a route there makes the
            // address local, it announces nothing.
            if t == 255 {
                c.ignore(n.kw.pos, "announce: table 255 is the local table");
                return;
            }
            a.table = t;
        }),
        own("protocol", |c, n, a| {
            if let Some(p) = c.u32(n, 0, 1, 255) {
                a.protocol = p as u8
            }
        }),
        own("metric", |c, n, a| {
            a.metric = c.u32(n, 0, 0, u32::MAX).or(a.metric)
        }),
        own("track_instance", |c, n, a| {
            a.track_instance = c.string(n, 0).or(a.track_instance.take())
        }),
        own("withdraw_delay", |c, n, a| {
            if let Some(d) = c.timer(n, 0, 0.0, 3600.0) {
                a.withdraw_delay = d
            }
        }),
        own("no_local_address", |c, n, a| {
            a.no_local_address = c.flag(n, a.no_local_address)
        }),
    ]
}

pub static ANNOUNCE: std::sync::LazyLock<Vec<Kw<Announce>>> = std::sync::LazyLock::new(table);

/// The block of a virtual server with `key`; None for one without an
/// address of its own (fwmark).
pub fn block(c: &mut Ctx, n: &Node, key: &VsKey) -> Option<Announce> {
    let mut a = Announce::default();
    dispatch(c, "announce", &ANNOUNCE, n, &mut a);
    if let VsKey::Fwmark { mark, .. } = key {
        c.ignore(
            n.kw.pos,
            format!("announce: virtual server fwmark {mark} has no address to announce"),
        );
        return None;
    }
    Some(a)
}
