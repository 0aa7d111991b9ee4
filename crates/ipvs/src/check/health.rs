//! The health of every real server and virtual server, as a pure state
//! machine: the caller feeds probe results and time in, gets back which
//! checks to start, which services changed, and what to notify.
//!
//! A real server is alive while all its checkers are up; a virtual server
//! has quorum while the weight of its live real servers reaches `quorum`
//! (with `hysteresis`); losing it installs the `sorry_server` in place of
//! the real servers (keepalived/check/ipwrapper.c).

use super::checker::{CheckerState, Epilog, Micros, Note, Outcome};
use kad_config::model::{CheckKind, Config, RealServer, Script, VirtualServer, VsKey};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// A checker, by its place in the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CheckId(pub u32);

/// What the caller must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The wanted IPVS destinations of this virtual server changed.
    Changed { vs: usize },
    /// Run a notify or quorum script (no arguments, as keepalived).
    Script(Script),
    /// A line for `lvs_notify_fifo` / `notify_fifo`.
    Fifo(String),
    /// A line for the log: a checker's transition, its first success, and
    /// with `log_all_failures` each failure while it is up (keepalived's
    /// checker log lines).
    Log(String),
}

#[derive(Clone, Debug)]
pub struct Slot {
    pub vs: u32,
    pub rs: u32,
    pub ck: u32,
    pub state: CheckerState,
    /// A pass resets the weight (`misc_dynamic`, dynamic FILE_CHECK).
    dynamic: bool,
    /// The time this checker is due (None while a probe runs).
    due: Option<Micros>,
    in_flight: bool,
    /// Due while its virtual server was suspended.
    parked: bool,
    /// The checker's name in keepalived's log lines.
    kind: LogKind,
}

/// A checker type as its log lines name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LogKind {
    Tcp,
    Http,
    Misc,
    Smtp,
    Dns,
    Udp,
    Ping,
    File,
}

impl LogKind {
    fn of(k: &CheckKind) -> LogKind {
        match k {
            CheckKind::Tcp => LogKind::Tcp,
            CheckKind::Http(_) | CheckKind::Ssl(_) => LogKind::Http,
            CheckKind::Misc(_) => LogKind::Misc,
            CheckKind::Smtp { .. } => LogKind::Smtp,
            CheckKind::Dns { .. } => LogKind::Dns,
            CheckKind::Udp { .. } => LogKind::Udp,
            CheckKind::Ping => LogKind::Ping,
            CheckKind::File { .. } => LogKind::File,
        }
    }

    /// keepalived's name of the check in its "failed" lines.
    fn name(self) -> &'static str {
        match self {
            LogKind::Tcp => "TCP_CHECK",
            LogKind::Http => "HTTP_CHECK",
            LogKind::Misc => "MISC_CHECK",
            LogKind::Smtp => "SMTP_CHECK",
            LogKind::Dns => "DNS_CHECK",
            LogKind::Udp => "UDP_CHECK",
            LogKind::Ping => "ICMP CHECK",
            LogKind::File => "FILE_CHECK",
        }
    }

    /// The log line of a note, in keepalived's words where it has fixed
    /// ones, with kad's reason for a failure.
    fn line(self, note: Note, rs: &str, vs: &str, reason: Option<&str>) -> String {
        let why = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        match note {
            Note::Failure => {
                // keepalived's words where its checker has fixed ones
                // (check_tcp.c, check_udp.c, check_ping.c), kad's reason after.
                let timeout = reason.is_some_and(|r| r.contains("timed out"));
                match (self, timeout) {
                    (LogKind::Tcp, true) => format!("TCP connection to {rs} timeout.{why}"),
                    (LogKind::Tcp, false) => format!("TCP connection to {rs} failed.{why}"),
                    (LogKind::Udp, _) => format!("UDP connection to {rs} failed.{why}"),
                    (LogKind::Ping, true) => {
                        format!("ICMP connection to address {rs} timeout.{why}")
                    }
                    (LogKind::Ping, false) => {
                        format!("ICMP connection to {rs} of {vs} failed.{why}")
                    }
                    _ => format!("{} on service {rs} of VS {vs} failed{why}", self.name()),
                }
            }
            Note::Down { retries: 0 } => format!("{} on service {rs} failed.{why}", self.name()),
            Note::Down { retries } => format!(
                "{} on service {rs} failed after {retries} retries.{why}",
                self.name()
            ),
            Note::Up => match self {
                LogKind::Tcp => format!("TCP connection to {rs} success."),
                LogKind::Http => format!("Remote Web server {rs} succeed on service."),
                LogKind::Smtp => format!("Remote SMTP server {rs} succeed on service."),
                LogKind::Udp => format!("UDP connection to {rs} success."),
                LogKind::Ping => format!("ICMP connection to {rs} success."),
                _ => format!("{} on service {rs} of VS {vs} succeeded.", self.name()),
            },
        }
    }
}

/// The operator's override of a real server (kad's `kactl drain`,
/// `disable`, `enable`), applied on top of what the checks decide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Admin {
    /// The checks decide.
    #[default]
    Auto,
    /// In IPVS with weight 0 while alive: its connections finish, no new
    /// ones come. It counts no weight towards quorum.
    Drain,
    /// Out of IPVS (as if down, without `inhibit_on_failure`), whatever
    /// its checks say; it counts nothing towards quorum.
    Disable,
}

impl Admin {
    pub fn name(self) -> Option<&'static str> {
        match self {
            Admin::Auto => None,
            Admin::Drain => Some("drain"),
            Admin::Disable => Some("disable"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RsHealth {
    pub label: String,
    pub configured: u32,
    /// The weight in use (a dynamic checker may have changed it).
    pub weight: u32,
    pub failed: u32,
    pub inhibit: bool,
    pub first: u32,
    pub count: u32,
    pub changed_at: Micros,
    /// The operator's override.
    pub admin: Admin,
    notify_up: Option<Script>,
    notify_down: Option<Script>,
}

impl RsHealth {
    pub fn alive(&self) -> bool {
        self.failed == 0
    }

    /// The weight it brings to its virtual server's quorum.
    fn live_weight(&self) -> u64 {
        match self.admin {
            Admin::Auto if self.alive() => u64::from(self.weight),
            _ => 0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct VsHealth {
    pub label: String,
    pub quorum: u32,
    pub hysteresis: u32,
    pub quorum_up: bool,
    pub has_sorry: bool,
    pub sorry_inhibit: bool,
    pub ha_suspend: bool,
    pub suspended: bool,
    pub rs: Vec<RsHealth>,
    pub changed_at: Micros,
    /// `omega`: run the down notifiers on shutdown too.
    pub omega: bool,
    script_up: Option<Script>,
    script_down: Option<Script>,
}

impl VsHealth {
    pub fn live_weight(&self) -> u64 {
        self.rs.iter().map(RsHealth::live_weight).sum()
    }

    /// keepalived starts a virtual server without quorum and gains it at
    /// `quorum + hysteresis`, so that is the start-up threshold too.
    fn starts_with_quorum(&self) -> bool {
        self.live_weight() >= u64::from(self.quorum) + u64::from(self.hysteresis)
    }

    /// Whether the sorry server stands in for the real servers now.
    pub fn sorry_active(&self) -> bool {
        self.has_sorry && !self.quorum_up
    }
}

pub struct Health {
    pub services: Vec<VsHealth>,
    pub slots: Vec<Slot>,
    heap: BinaryHeap<Reverse<(Micros, u32)>>,
    rng: u64,
}

fn proto(vs: &VirtualServer) -> &'static str {
    match vs.protocol {
        kad_config::model::Protocol::Tcp => "tcp",
        kad_config::model::Protocol::Udp => "udp",
        kad_config::model::Protocol::Sctp => "sctp",
    }
}

fn addr_label(a: std::net::IpAddr, proto: &str, port: u16) -> String {
    format!("[{a}]:{proto}:{port}")
}

/// The name keepalived's LVS FIFO lines give a virtual server.
pub fn vs_label(vs: &VirtualServer) -> String {
    match &vs.key {
        VsKey::Addr { addr, port } => addr_label(*addr, proto(vs), *port),
        VsKey::Fwmark { mark, .. } => format!("FWM {mark}"),
        VsKey::Group { name } => format!("[{name}]"),
    }
}

fn rs_label(vs: &VirtualServer, rs: &RealServer) -> String {
    addr_label(rs.addr, proto(vs), rs.port)
}

fn is_dynamic(k: &CheckKind) -> bool {
    match k {
        CheckKind::Misc(m) => m.dynamic,
        CheckKind::File { dynamic, .. } => *dynamic,
        _ => false,
    }
}

impl Health {
    /// Every checker starts after a random delay up to its `warmup`.
    pub fn new(cfg: &Config, now: Micros, seed: u64) -> Health {
        let mut h = Health {
            services: Vec::with_capacity(cfg.virtual_servers.len()),
            slots: Vec::new(),
            heap: BinaryHeap::new(),
            rng: seed | 1,
        };
        for (vi, vs) in cfg.virtual_servers.iter().enumerate() {
            let mut rss = Vec::with_capacity(vs.real_servers.len());
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                let first = h.slots.len() as u32;
                let mut failed = 0;
                for (ci, ck) in rs.checkers.iter().enumerate() {
                    let mut state = CheckerState::new(&ck.timing, now);
                    state.log_all |= cfg.global.checker_log_all_failures;
                    if let CheckKind::Http(h) | CheckKind::Ssl(h) = &ck.kind {
                        state.epilog = Epilog::Http {
                            fast_recovery: h.fast_recovery,
                        };
                    }
                    if !state.up {
                        failed += 1;
                    }
                    let delay = h.random(state.warmup);
                    let idx = h.slots.len() as u32;
                    h.slots.push(Slot {
                        vs: vi as u32,
                        rs: ri as u32,
                        ck: ci as u32,
                        state,
                        dynamic: is_dynamic(&ck.kind),
                        due: Some(now + delay),
                        in_flight: false,
                        parked: false,
                        kind: LogKind::of(&ck.kind),
                    });
                    h.heap.push(Reverse((now + delay, idx)));
                }
                rss.push(RsHealth {
                    label: rs_label(vs, rs),
                    configured: rs.weight.0,
                    weight: rs.weight.0,
                    failed,
                    inhibit: rs.inhibit_on_failure,
                    first,
                    count: rs.checkers.len() as u32,
                    changed_at: now,
                    admin: Admin::Auto,
                    notify_up: rs.notify_up.as_deref().cloned(),
                    notify_down: rs.notify_down.as_deref().cloned(),
                });
            }
            let mut v = VsHealth {
                label: vs_label(vs),
                quorum: vs.quorum,
                hysteresis: vs.hysteresis,
                quorum_up: true,
                has_sorry: vs.sorry_server.is_some(),
                sorry_inhibit: vs.sorry_server.as_ref().is_some_and(|s| s.inhibit),
                // keepalived: not for fwmark services.
                ha_suspend: vs.ha_suspend && !matches!(vs.key, VsKey::Fwmark { .. }),
                suspended: false,
                rs: rss,
                changed_at: now,
                omega: vs.omega,
                script_up: vs.quorum_up.as_deref().cloned(),
                script_down: vs.quorum_down.as_deref().cloned(),
            };
            v.quorum_up = v.starts_with_quorum();
            h.services.push(v);
        }
        h
    }

    /// A uniformly random delay in 0..=max (xorshift: reproducible with
    /// the seed, good enough to spread checks).
    fn random(&mut self, max: Micros) -> Micros {
        if max == 0 {
            return 0;
        }
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x % (max + 1)
    }

    /// Carry checker and server state over from the health before a
    /// reload, matching real servers by service, address and port, and
    /// checkers by position and type (keepalived's `migrate_checkers()`).
    /// Returns the quorum notifications the reload causes: a virtual
    /// server whose quorum state the new configuration changes, and new
    /// virtual servers' start-up state (as keepalived's `init_service_vs`).
    pub fn migrate(&mut self, cfg: &Config, old: &Health, old_cfg: &Config) -> Vec<Action> {
        let mut out = Vec::new();
        let mut by_key = HashMap::new();
        let mut old_vs = HashMap::new();
        for (vi, vs) in old_cfg.virtual_servers.iter().enumerate() {
            old_vs.insert((&vs.key, vs.protocol), vi);
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                by_key.insert((&vs.key, vs.protocol, rs.addr, rs.port), (vi, ri));
            }
        }
        for (vi, vs) in cfg.virtual_servers.iter().enumerate() {
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                let Some(&(ovi, ori)) = by_key.get(&(&vs.key, vs.protocol, rs.addr, rs.port))
                else {
                    continue;
                };
                let ors = &old.services[ovi].rs[ori];
                let ocfg = &old_cfg.virtual_servers[ovi].real_servers[ori];
                let nrs = &self.services[vi].rs[ri];
                let (first, count) = (nrs.first, nrs.count);
                let mut failed = 0;
                for ci in 0..count {
                    let slot = &mut self.slots[(first + ci) as usize];
                    let same = ocfg.checkers.get(ci as usize).is_some_and(|o| {
                        std::mem::discriminant(&o.kind)
                            == std::mem::discriminant(&rs.checkers[ci as usize].kind)
                    });
                    if same {
                        let o = &old.slots[(ors.first + ci) as usize].state;
                        slot.state.up = o.up;
                        slot.state.has_run = o.has_run;
                        slot.state.retry_it = o.retry_it.min(slot.state.retry);
                        slot.state.failed = o.failed;
                        slot.state.last = o.last.clone();
                        slot.state.changed_at = o.changed_at;
                    }
                    if !slot.state.up {
                        failed += 1;
                    }
                }
                let nrs = &mut self.services[vi].rs[ri];
                nrs.failed = failed;
                nrs.changed_at = ors.changed_at;
                nrs.admin = ors.admin;
                if ors.weight != ors.configured && nrs.configured == ors.configured {
                    nrs.weight = ors.weight;
                }
            }
            let v = &mut self.services[vi];
            let was = old_vs
                .get(&(&vs.key, vs.protocol))
                .is_some_and(|&o| old.services[o].quorum_up);
            match old_vs.get(&(&vs.key, vs.protocol)) {
                // Keep the quorum state and apply the hysteresis rule to
                // it, so that a reload never flaps a server in the band.
                Some(&ovi) => {
                    let o = &old.services[ovi];
                    v.suspended = o.suspended;
                    v.changed_at = o.changed_at;
                    let live = v.live_weight();
                    v.quorum_up = if o.quorum_up {
                        !(live == 0 || live < u64::from(v.quorum.saturating_sub(v.hysteresis)))
                    } else {
                        live >= u64::from(v.quorum) + u64::from(v.hysteresis)
                    };
                }
                None => {
                    v.quorum_up = v.starts_with_quorum();
                    self.start_notices(vi, &mut out);
                    continue;
                }
            }
            if self.services[vi].quorum_up != was {
                self.quorum_notices(vi, &mut out);
            }
        }
        out
    }

    /// The notifications of the start-up quorum state (keepalived's
    /// `update_quorum_state(vs, init)`): `quorum_up` and `VS … UP` for a
    /// virtual server starting with quorum; `quorum_down` and `VS … DOWN`
    /// for one starting without it only when a sorry server goes in.
    pub fn startup(&self) -> Vec<Action> {
        let mut out = Vec::new();
        for vi in 0..self.services.len() {
            self.start_notices(vi, &mut out);
        }
        out
    }

    fn start_notices(&self, vi: usize, out: &mut Vec<Action>) {
        let v = &self.services[vi];
        if v.quorum_up || v.has_sorry {
            self.quorum_notices(vi, out);
        }
    }

    fn quorum_notices(&self, vi: usize, out: &mut Vec<Action>) {
        let v = &self.services[vi];
        let (script, state) = match v.quorum_up {
            true => (&v.script_up, "UP"),
            false => (&v.script_down, "DOWN"),
        };
        out.extend(script.clone().map(Action::Script));
        out.push(Action::Fifo(format!("VS {} {state}", v.label)));
    }

    /// Whether virtual server `vi` here and `ovi` in `old` want the same
    /// destinations (same health of every real server and same quorum).
    pub fn same_as(&self, vi: usize, old: &Health, ovi: usize) -> bool {
        let (a, b) = (&self.services[vi], &old.services[ovi]);
        a.quorum_up == b.quorum_up
            && a.rs.len() == b.rs.len()
            && a.rs
                .iter()
                .zip(&b.rs)
                .all(|(x, y)| x.alive() == y.alive() && x.weight == y.weight && x.admin == y.admin)
    }

    /// When the next check is due.
    pub fn next_deadline(&mut self) -> Option<Micros> {
        while let Some(&Reverse((t, i))) = self.heap.peek() {
            if self.slots[i as usize].due == Some(t) {
                return Some(t);
            }
            self.heap.pop();
        }
        None
    }

    /// The checks due at `now`; each is in flight until its result.
    /// Checks of a suspended virtual server wait for it to resume.
    pub fn due(&mut self, now: Micros) -> Vec<CheckId> {
        self.due_at(now).into_iter().map(|(id, _)| id).collect()
    }

    /// As `due`, with the time each check was due (for lateness figures).
    pub fn due_at(&mut self, now: Micros) -> Vec<(CheckId, Micros)> {
        let mut out = Vec::new();
        while let Some(&Reverse((t, i))) = self.heap.peek() {
            if t > now {
                break;
            }
            self.heap.pop();
            let slot = &mut self.slots[i as usize];
            if slot.due != Some(t) {
                continue;
            }
            slot.due = None;
            if self.services[slot.vs as usize].suspended {
                slot.parked = true;
                continue;
            }
            slot.in_flight = true;
            out.push((CheckId(i), t));
        }
        out
    }

    pub fn slot(&self, id: CheckId) -> &Slot {
        &self.slots[id.0 as usize]
    }

    fn schedule(&mut self, i: u32, at: Micros) {
        self.slots[i as usize].due = Some(at);
        self.heap.push(Reverse((at, i)));
    }

    /// A probe's result.
    pub fn result(&mut self, now: Micros, id: CheckId, outcome: Outcome) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(slot) = self.slots.get_mut(id.0 as usize) else {
            return out;
        };
        if !slot.in_flight {
            return out;
        }
        slot.in_flight = false;
        let (vi, ri, dynamic) = (slot.vs as usize, slot.rs as usize, slot.dynamic);
        let weight = match &outcome {
            Outcome::PassWeight(w) => Some(*w),
            Outcome::Pass if dynamic => Some(self.services[vi].rs[ri].configured),
            _ => None,
        };
        let reason = match &outcome {
            Outcome::Fail(r) => Some(r.clone()),
            _ => None,
        };
        let kind = slot.kind;
        let step = slot.state.step(now, outcome);
        let (change, delay) = (step.change, step.delay);
        self.schedule(id.0, now + delay);
        let v = &mut self.services[vi];
        let rs = &mut v.rs[ri];
        for n in step.notes {
            let why = match n {
                Note::Up => None,
                _ => reason.as_deref(),
            };
            out.push(Action::Log(kind.line(n, &rs.label, &v.label, why)));
        }
        let was_alive = rs.alive();
        let old_weight = rs.weight;
        if let Some(w) = weight {
            rs.weight = w;
        }
        match change {
            Some(true) => rs.failed = rs.failed.saturating_sub(1),
            Some(false) => rs.failed += 1,
            None => {}
        }
        let alive = rs.alive();
        if alive != was_alive {
            rs.changed_at = now;
            let script = if alive {
                rs.notify_up.clone()
            } else {
                rs.notify_down.clone()
            };
            let line = format!(
                "RS {} {} {}",
                rs.label,
                v.label,
                if alive { "UP" } else { "DOWN" }
            );
            out.extend(script.map(Action::Script));
            out.push(Action::Fifo(line));
        }
        if alive != was_alive || (alive && rs.weight != old_weight) {
            out.push(Action::Changed { vs: vi });
            self.update_quorum(now, vi, &mut out);
        }
        out
    }

    /// keepalived's quorum rule: lost below `quorum - hysteresis` (or with
    /// no live weight), regained at `quorum + hysteresis`.
    fn update_quorum(&mut self, now: Micros, vi: usize, out: &mut Vec<Action>) {
        let v = &mut self.services[vi];
        let live = v.live_weight();
        let up = if v.quorum_up {
            let threshold = u64::from(v.quorum.saturating_sub(v.hysteresis));
            !(live == 0 || live < threshold)
        } else {
            live >= u64::from(v.quorum) + u64::from(v.hysteresis)
        };
        if up == v.quorum_up {
            return;
        }
        v.quorum_up = up;
        v.changed_at = now;
        let has_sorry = v.has_sorry;
        self.quorum_notices(vi, out);
        if has_sorry && !out.contains(&Action::Changed { vs: vi }) {
            out.push(Action::Changed { vs: vi });
        }
    }

    /// `ha_suspend`: pause (or resume) the checks of a virtual server
    /// while this node does not hold its address.
    pub fn suspend(&mut self, now: Micros, vi: usize, suspended: bool) {
        let Some(v) = self.services.get_mut(vi) else {
            return;
        };
        if !v.ha_suspend || v.suspended == suspended {
            return;
        }
        v.suspended = suspended;
        if suspended {
            return;
        }
        let (first, count) = match (v.rs.first(), v.rs.last()) {
            (Some(a), Some(b)) => (a.first, b.first + b.count - a.first),
            _ => return,
        };
        for i in first..first + count {
            if std::mem::take(&mut self.slots[i as usize].parked) {
                self.schedule(i, now);
            }
        }
    }

    /// On shutdown, `omega` virtual servers notify as if everything went
    /// down: each live real server's `notify_down` and `RS … DOWN` line,
    /// then `quorum_down` and `VS … DOWN` if quorum was up.
    pub fn shutdown(&self) -> Vec<Action> {
        let mut out = Vec::new();
        for v in self.services.iter().filter(|v| v.omega) {
            for rs in v.rs.iter().filter(|r| r.alive()) {
                out.extend(rs.notify_down.clone().map(Action::Script));
                out.push(Action::Fifo(format!("RS {} {} DOWN", rs.label, v.label)));
            }
            if v.quorum_up {
                out.extend(v.script_down.clone().map(Action::Script));
                out.push(Action::Fifo(format!("VS {} DOWN", v.label)));
            }
        }
        out
    }

    /// The weight a real server should have in IPVS now (None: absent).
    pub fn dest_weight(&self, vi: usize, ri: usize) -> Option<u32> {
        let v = &self.services[vi];
        let rs = &v.rs[ri];
        if rs.admin == Admin::Disable {
            return None;
        }
        if v.sorry_active() || !rs.alive() {
            return rs.inhibit.then_some(0);
        }
        if rs.admin == Admin::Drain {
            return Some(0);
        }
        Some(rs.weight)
    }

    /// The operator overrides real server `ri` of virtual server `vi`:
    /// the service changes (and quorum follows) when the override does.
    pub fn set_admin(&mut self, now: Micros, vi: usize, ri: usize, admin: Admin) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(rs) = self.services.get_mut(vi).and_then(|v| v.rs.get_mut(ri)) else {
            return out;
        };
        if rs.admin == admin {
            return out;
        }
        rs.admin = admin;
        out.push(Action::Changed { vs: vi });
        self.update_quorum(now, vi, &mut out);
        out
    }

    /// Find a real server by the labels `kactl status` shows.
    pub fn find(&self, vs: &str, rs: &str) -> Option<(usize, usize)> {
        let vi = self.services.iter().position(|v| v.label == vs)?;
        let ri = self.services[vi].rs.iter().position(|r| r.label == rs)?;
        Some((vi, ri))
    }

    /// The sorry server's weight (None: absent).
    pub fn sorry_weight(&self, vi: usize) -> Option<u32> {
        let v = &self.services[vi];
        if v.sorry_active() {
            Some(1)
        } else if v.has_sorry && v.sorry_inhibit {
            Some(0)
        } else {
            None
        }
    }
}
