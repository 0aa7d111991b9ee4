//! keepalived's corrections of tracker weights that cannot act
//! (vrrp_complete_instance and sync_group_tracking_init in vrrp.c): a
//! sync-group member without `sync_group_tracking_weight`, and an address
//! owner (priority 255), run without floating priorities; a sync group
//! with an address owner among its members has its own trackers' weights
//! cleared. An instance's `track_process` references are left as they
//! are, as keepalived 2.2.7 leaves them.

use super::ctx::Ctx;
use super::vrrp::{SyncDraft, VrrpDraft};
use crate::model::{Config, Delta, TrackRef};

const OWNER: u8 = 255;

/// The weight a reference carries: its own, else its tracker's.
fn weight(r: &TrackRef, default: i32) -> i32 {
    r.weight.map_or(default, |w| w.0)
}

/// Correct the drafts' trackers (sync-group members already resolved),
/// with keepalived's messages. `cfg` holds the tracker definitions.
pub fn correct(c: &mut Ctx, cfg: &Config, vrrp: &mut [VrrpDraft], sync: &mut [SyncDraft]) {
    let script_w = |n: &str| {
        cfg.vrrp_scripts
            .iter()
            .find(|s| s.name == n)
            .map_or(0, |s| s.weight)
    };
    let file_w = |n: &str| {
        cfg.track_files
            .iter()
            .find(|s| s.name == n)
            .map_or(0, |s| s.weight)
    };
    let proc_w = |n: &str| {
        cfg.track_processes
            .iter()
            .find(|s| s.name == n)
            .map_or(0, |s| s.weight)
    };

    for d in vrrp.iter_mut() {
        let name = d.inst.name.clone();
        let in_sync = sync
            .iter()
            .find(|s| s.group.members.contains(&name))
            .is_some_and(|s| !s.group.tracking_weight);
        if !in_sync && d.inst.priority.0 != OWNER {
            continue;
        }
        let (pos, t) = (d.pos, &mut d.inst.track);
        // keepalived spells the reason two ways.
        let (why, why_) = if in_sync {
            ("SYNC group", "SYNC group")
        } else {
            ("address owner", "address_owner")
        };
        // A weighted interface: unweighted in a sync group, dropped for
        // the owner.
        t.interfaces.retain_mut(|r| {
            if weight(r, 0) == 0 {
                return true;
            }
            let w = if in_sync { "weight " } else { "" };
            c.warn(
                pos,
                format!(
                    "({name}) ignoring {} tracked interface {w}due to {why}",
                    r.name
                ),
            );
            r.weight = Some(Delta(0));
            in_sync
        });
        // A weighted script is dropped.
        t.scripts.retain(|r| {
            if weight(r, script_w(&r.name)) == 0 {
                return true;
            }
            c.warn(
                pos,
                format!(
                    "({name}) ignoring tracked script {} with weights due to {why_}",
                    r.name
                ),
            );
            false
        });
        // A file of the default weight (1) becomes unweighted; another
        // weight drops it.
        t.files.retain_mut(|r| match weight(r, file_w(&r.name)) {
            0 => true,
            1 => {
                c.warn(
                    pos,
                    format!(
                        "({name}) ignoring weight from tracked file {} due to {why_}. specify weight 0",
                        r.name
                    ),
                );
                r.weight = Some(Delta(0));
                true
            }
            w => {
                c.warn(
                    pos,
                    format!(
                        "({name}) ignoring tracked file {} with weight {w} due to {why_}",
                        r.name
                    ),
                );
                false
            }
        });
    }

    for s in sync.iter_mut() {
        let has_owner = vrrp
            .iter()
            .any(|d| s.group.members.contains(&d.inst.name) && d.inst.priority.0 == OWNER);
        if !has_owner {
            continue;
        }
        let (gname, pos) = (s.group.name.clone(), s.pos);
        let mut clear = |refs: &mut Vec<TrackRef>,
                         kind: &str,
                         tail: &str,
                         default: &dyn Fn(&str) -> i32| {
            for r in refs.iter_mut().filter(|r| weight(r, default(&r.name)) != 0) {
                c.warn(
                    pos,
                    format!(
                        "({gname}) Cannot have weighted track {kind} '{}' with member having priority {OWNER} - {tail}",
                        r.name
                    ),
                );
                r.weight = Some(Delta(0));
            }
        };
        let t = &mut s.group.track;
        clear(&mut t.scripts, "script", "clearing weight", &script_w);
        clear(&mut t.files, "file", "setting weight 0", &file_w);
        clear(&mut t.processes, "process", "setting weight 0", &proc_w);
        clear(&mut t.interfaces, "interface", "clearing weight", &|_| 0);
    }
}
