//! Desired-state reconciliation: from the wanted table and a fresh dump of
//! the kernel's, the operations that make the kernel match, and nothing
//! else. A service that stays is edited in place, never deleted and added
//! again; new destinations go in before old ones leave, so a service is
//! never empty on its way from one set of servers to another.

use crate::table::{DestAttrs, DestId, ServiceAttrs, SvcId, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    NewService(SvcId, ServiceAttrs),
    SetService(SvcId, ServiceAttrs),
    NewDest(SvcId, DestId, DestAttrs),
    SetDest(SvcId, DestId, DestAttrs),
    DelDest(SvcId, DestId),
    DelService(SvcId),
}

/// The operations taking `current` (the kernel's dump) to `wanted`.
/// Services the kernel has but `wanted` lacks are deleted only when kad
/// owns them (`owned`: what kad programmed before, e.g. before a reload);
/// others belong to someone else and are left alone.
pub fn diff(wanted: &Table, current: &Table, owned: &BTreeSet<SvcId>) -> Vec<Op> {
    let mut adds = Vec::new();
    let mut sets = Vec::new();
    let mut new_dests = Vec::new();
    let mut set_dests = Vec::new();
    let mut del_dests = Vec::new();
    let mut dels = Vec::new();
    for (id, w) in &wanted.services {
        match current.services.get(id) {
            None => {
                adds.push(Op::NewService(id.clone(), w.attrs.clone()));
                for (d, a) in &w.dests {
                    new_dests.push(Op::NewDest(id.clone(), *d, a.clone()));
                }
            }
            Some(c) => {
                if c.attrs != w.attrs {
                    sets.push(Op::SetService(id.clone(), w.attrs.clone()));
                }
                for (d, a) in &w.dests {
                    match c.dests.get(d) {
                        None => new_dests.push(Op::NewDest(id.clone(), *d, a.clone())),
                        Some(ca) if ca != a => {
                            set_dests.push(Op::SetDest(id.clone(), *d, a.clone()))
                        }
                        Some(_) => {}
                    }
                }
                for d in c.dests.keys() {
                    if !w.dests.contains_key(d) {
                        del_dests.push(Op::DelDest(id.clone(), *d));
                    }
                }
            }
        }
    }
    for id in current.services.keys() {
        if !wanted.services.contains_key(id) && owned.contains(id) {
            dels.push(Op::DelService(id.clone()));
        }
    }
    let mut ops = adds;
    ops.extend(sets);
    ops.extend(new_dests);
    ops.extend(set_dests);
    ops.extend(del_dests);
    ops.extend(dels);
    ops
}
