//! Trackers (`track_interface`, `track_script`, `track_file`,
//! `track_process`) and what they make of each instance: its effective
//! priority and its faults, with the reasons `kactl status` shows. A sync
//! group's own trackers count for each member as the member's own (as
//! keepalived's sync_group_tracking_init adds them), and a fault of one
//! member is a fault of the whole group.

use super::env::Env;
use super::Node;
use crate::fsm::Input;
use crate::group;
use crate::time::Time;
use crate::track::{self, ScriptState, Tracked};
use crate::track_process::ProcessQuorum;
use kad_config::model::{Config, TrackFile, TrackProcess, TrackRef, VrrpScript};
use std::collections::HashMap;

pub(super) struct Trackers {
    scripts: Vec<ScriptRt>,
    /// Each `track_file` and its current value.
    files: Vec<(TrackFile, i64)>,
    /// Each `vrrp_track_process` and its quorum.
    processes: Vec<(TrackProcess, ProcessQuorum)>,
    links: HashMap<String, bool>,
}

struct ScriptRt {
    cfg: VrrpScript,
    state: ScriptState,
}

/// A `vrrp_script` as the dumps show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptView {
    pub name: String,
    pub up: bool,
    /// Results in a row against the current state.
    pub against: u32,
}

impl Trackers {
    pub fn new(cfg: &Config, env: &Env) -> Trackers {
        let mut t = Trackers {
            scripts: Vec::new(),
            files: Vec::new(),
            processes: Vec::new(),
            links: env.links.clone(),
        };
        t.reload(cfg, env);
        t
    }

    /// Take the trackers of a new configuration: a script or file that
    /// stays the same keeps its state; links are merged.
    pub fn reload(&mut self, cfg: &Config, env: &Env) {
        let old = std::mem::take(&mut self.scripts);
        self.scripts = cfg
            .vrrp_scripts
            .iter()
            .map(|s| {
                let state = old
                    .iter()
                    .find(|o| o.cfg == *s)
                    .map(|o| o.state.clone())
                    .unwrap_or_else(|| ScriptState::new(s.rise, s.fall, s.init_fail));
                ScriptRt {
                    cfg: s.clone(),
                    state,
                }
            })
            .collect();
        let old = std::mem::take(&mut self.files);
        self.files = cfg
            .track_files
            .iter()
            .map(|f| {
                let v = env
                    .files
                    .get(&f.name)
                    .copied()
                    .or_else(|| old.iter().find(|(o, _)| o.name == f.name).map(|o| o.1))
                    .unwrap_or(0);
                (f.clone(), v)
            })
            .collect();
        // A process tracker that stays the same keeps its quorum (and a
        // delay that runs); a new one decides by the count at once, as at
        // start-up.
        let old = std::mem::take(&mut self.processes);
        self.processes = cfg
            .track_processes
            .iter()
            .map(|p| {
                let q = old
                    .iter()
                    .find(|(o, _)| o == p)
                    .map(|(_, q)| q.clone())
                    .unwrap_or_else(|| {
                        ProcessQuorum::new(p, env.processes.get(&p.name).copied().unwrap_or(0))
                    });
                (p.clone(), q)
            })
            .collect();
        for (k, v) in &env.links {
            self.links.entry(k.clone()).or_insert(*v);
        }
    }

    /// How many processes `vrrp_track_process` `name` counts now, at
    /// `now`; its new quorum when that changed.
    pub fn process(&mut self, name: &str, count: u32, now: Time) -> Option<bool> {
        let (_, q) = self.processes.iter_mut().find(|(p, _)| p.name == name)?;
        q.observe(count, now)
    }

    /// Run out the `fork_delay`/`terminate_delay`s due by `now`: the
    /// trackers whose quorum changed, with the new quorum.
    pub fn tick(&mut self, now: Time) -> Vec<(String, bool)> {
        self.processes
            .iter_mut()
            .filter_map(|(p, q)| q.tick(now).map(|up| (p.name.clone(), up)))
            .collect()
    }

    /// The earliest running process delay.
    pub fn deadline(&self) -> Option<Time> {
        self.processes
            .iter()
            .filter_map(|(_, q)| q.deadline())
            .min()
    }

    /// The `vrrp_track_process`es and their state, for `kactl status`.
    pub fn processes(&self) -> Vec<ProcessView> {
        self.processes
            .iter()
            .map(|(p, q)| ProcessView {
                name: p.name.clone(),
                count: q.count(),
                quorum: q.have_quorum(),
                cfg: p.clone(),
                fork_timer: q.fork_pending(),
                terminate_timer: q.terminate_pending(),
            })
            .collect()
    }

    /// A link's state; true when it changed from a known one.
    pub fn link(&mut self, name: &str, running: bool) -> bool {
        let known = self.links.insert(name.to_string(), running);
        known.is_some() && known != Some(running)
    }

    /// A script's result; its new state when it changed.
    pub fn script(&mut self, name: &str, ok: bool) -> Option<bool> {
        let s = self.scripts.iter_mut().find(|s| s.cfg.name == name)?;
        s.state.result(ok).then_some(s.state.up)
    }

    /// A file's value; true when the file is tracked.
    pub fn file(&mut self, name: &str, value: i64) -> bool {
        match self.files.iter_mut().find(|(f, _)| f.name == name) {
            Some(f) => {
                f.1 = value;
                true
            }
            None => false,
        }
    }

    pub fn scripts(&self) -> Vec<ScriptView> {
        self.scripts
            .iter()
            .map(|s| ScriptView {
                name: s.cfg.name.clone(),
                up: s.state.up,
                against: s.state.against(),
            })
            .collect()
    }
}

/// A `vrrp_track_process` as the status shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessView {
    pub name: String,
    /// Matching processes now.
    pub count: u32,
    pub quorum: bool,
    /// Its configuration.
    pub cfg: kad_config::model::TrackProcess,
    /// A `fork_delay` / `terminate_delay` is running.
    pub fork_timer: bool,
    pub terminate_timer: bool,
}

/// An instance's own trackers of one kind with its sync group's added, as
/// keepalived merges them: a tracker on both keeps the instance's when
/// that one is unweighted, else takes the group's weight. `default` is
/// the tracker's own weight (from its definition), for references
/// without one.
fn merged(own: &[TrackRef], group: &[TrackRef], default: impl Fn(&str) -> i32) -> Vec<TrackRef> {
    let weight = |r: &TrackRef| r.weight.map_or(default(&r.name), |w| w.0);
    let mut out: Vec<TrackRef> = own.to_vec();
    for g in group {
        match out.iter_mut().find(|o| o.name == g.name) {
            Some(o) if weight(o) == 0 => {}
            Some(o) => {
                o.weight = Some(kad_config::model::Delta(weight(g)));
                o.reverse = g.reverse;
            }
            None => out.push(g.clone()),
        }
    }
    out
}

impl Node {
    /// `notify_priority_changes` (the instance's, its group's or the
    /// global `vrrp_notify_priority_changes`): keepalived's FIFO line for
    /// a new effective priority.
    fn priority_notify(&mut self, i: usize, prio: u8) {
        let s = &self.slots[i];
        let on = s.cfg.notify.priority_changes
            || s.group
                .is_some_and(|g| self.groups[g].notify.priority_changes)
            || self.global.vrrp_notify_priority_changes;
        if !on {
            return;
        }
        let word = if s.fsm.state() == crate::fsm::State::Master {
            "MASTER_PRIORITY"
        } else {
            "BACKUP_PRIORITY"
        };
        let line = super::output::fifo_line("INSTANCE", &s.cfg.name, word, prio);
        self.out.push_back(super::output::Output::Fifo(line));
    }

    /// Recompute the trackers of instance `i` and feed changes to its
    /// machine (and, for faults, to its sync group). Without `feed`
    /// (before start) the initial priority and fault are set quietly.
    pub(super) fn recompute(&mut self, now: Time, i: usize, feed: bool) {
        let t = &self.trackers;
        let s = &self.slots[i];
        let mut tracked = Vec::new();
        let mut reasons = Vec::new();
        let ifname = &s.ifname;
        if !s.cfg.dont_track_primary && !t.links.get(ifname).copied().unwrap_or(true) {
            reasons.push(format!("interface {ifname} is down"));
        }
        if s.src_gone {
            let v = if s.cfg.ipv6 { 6 } else { 4 };
            reasons.push(format!("no IPv{v} address for interface"));
        }
        // keepalived's num_config_faults: in FAULT for as long as it runs.
        if s.cfg.unicast_fault_no_peer && s.cfg.unicast_peers.is_empty() {
            reasons.push("Cannot use unicast without any peers".to_string());
        }
        let group = s.group.map(|g| &self.groups[g].track);
        let none = Vec::new();
        let of = |f: fn(&kad_config::model::Trackers) -> &Vec<TrackRef>| {
            (f(&s.cfg.track), group.map_or(&none, f))
        };
        let (own, grp) = of(|t| &t.interfaces);
        for r in merged(own, grp, |_| 0) {
            let up = t.links.get(&r.name).copied().unwrap_or(false);
            let weight = r.weight.map_or(0, |w| w.0);
            tracked.push(Tracked {
                weight,
                reverse: r.reverse,
                up,
            });
            if weight == 0 && up == r.reverse {
                reasons.push(format!("tracked interface {} is down", r.name));
            }
        }
        let script = |n: &str| t.scripts.iter().find(|sc| sc.cfg.name == n);
        let (own, grp) = of(|t| &t.scripts);
        for r in merged(own, grp, |n| script(n).map_or(0, |sc| sc.cfg.weight)) {
            if let Some(sc) = script(&r.name) {
                let weight = r.weight.map_or(sc.cfg.weight, |w| w.0);
                let reverse = r.reverse || sc.cfg.weight_reverse;
                tracked.push(Tracked {
                    weight,
                    reverse,
                    up: sc.state.up,
                });
                if weight == 0 && sc.state.up == reverse {
                    reasons.push(format!("track script {} failed", r.name));
                }
            }
        }
        let process = |n: &str| t.processes.iter().find(|(p, _)| p.name == n);
        let (own, grp) = of(|t| &t.processes);
        for r in merged(own, grp, |n| process(n).map_or(0, |(p, _)| p.weight)) {
            if let Some((p, q)) = process(&r.name) {
                let weight = r.weight.map_or(p.weight, |w| w.0);
                let reverse = r.reverse || p.reverse;
                tracked.push(Tracked {
                    weight,
                    reverse,
                    up: q.have_quorum(),
                });
                if weight == 0 && q.have_quorum() == reverse {
                    reasons.push(format!("tracked process {} quorum not achieved", r.name));
                }
            }
        }
        let mut extra = 0i64;
        let file = |n: &str| t.files.iter().find(|(f, _)| f.name == n);
        let (own, grp) = of(|t| &t.files);
        for r in merged(own, grp, |n| file(n).map_or(0, |(f, _)| f.weight)) {
            let Some((f, value)) = file(&r.name) else {
                continue;
            };
            let weight = r.weight.map_or(f.weight, |w| w.0);
            match track::file_delta(*value, weight, r.reverse || f.reverse) {
                Some(d) => extra += d,
                None => reasons.push(format!("track file {} is {value}", r.name)),
            }
        }
        let base = self
            .prio_override
            .get(&s.cfg.name)
            .copied()
            .unwrap_or(s.cfg.priority.0);
        let (prio, own_fault) = match track::effective_with(base, &tracked, extra) {
            track::Effective::Priority(p) => (p, !reasons.is_empty()),
            track::Effective::Fault => (s.fsm.priority(), true),
        };
        self.slots[i].fault_reasons = reasons;
        if !feed {
            self.slots[i].fsm.handle(now, Input::Priority(prio));
            if own_fault {
                self.slots[i].fsm.handle(now, Input::Fault(true));
            }
            return;
        }
        if prio != self.slots[i].fsm.priority() {
            tracing::info!(
                "({}) effective priority {} -> {prio}",
                self.slots[i].cfg.name,
                self.slots[i].fsm.priority()
            );
            self.drive(now, i, Input::Priority(prio));
            self.priority_notify(i, prio);
        }
        // A group faults as one.
        let members = match self.slots[i].group {
            Some(g) => self.groups[g].members.clone(),
            None => vec![i],
        };
        let own: Vec<bool> = members
            .iter()
            .map(|&m| {
                if m == i {
                    own_fault
                } else {
                    !self.slots[m].fault_reasons.is_empty()
                }
            })
            .collect();
        for (m, f) in members.into_iter().zip(group::faults(&own)) {
            self.drive(now, m, Input::Fault(f));
        }
    }
}
