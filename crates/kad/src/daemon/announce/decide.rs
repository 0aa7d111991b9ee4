//! Whether each announced virtual server's addresses are announced, as a
//! pure function of events and time: quorum changes (from the health
//! checks), VRRP instance states, reloads and the planned stop go in; the
//! routes to add and remove, log lines and the status come out. The shell
//! (`super`) carries the routes out through rtnetlink.
//!
//! The rules:
//! - a virtual server is announced while it has quorum and, with
//!   `track_instance`, while that instance is MASTER;
//! - an address is announced while every virtual server on it is (a
//!   director announces an address only when it can serve all it offers
//!   there: in an ECMP group the other directors take the traffic);
//! - on a planned stop everything is withdrawn at once, and the IPVS
//!   entries may go `withdraw_delay` later (the longest of the servers that
//!   were announced): make-before-break.

use kad_config::model::{Announce, Config, VsKey};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

/// Microseconds on the caller's clock.
pub type Micros = u64;

/// One route kad keeps in the kernel while its address is announced:
/// `ADDR/32 dev lo table T proto P [metric M]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub addr: IpAddr,
    pub table: u32,
    pub protocol: u8,
    pub metric: Option<u32>,
}

/// An announced virtual server, from the configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The checks' name of it (`[10.0.0.1]:tcp:80`), by which quorum
    /// events name it.
    pub label: String,
    pub addrs: Vec<IpAddr>,
    pub announce: Announce,
}

impl Spec {
    fn routes(&self) -> impl Iterator<Item = Route> + '_ {
        self.addrs.iter().map(|&addr| Route {
            addr,
            table: self.announce.table,
            protocol: self.announce.protocol,
            metric: self.announce.metric,
        })
    }
}

/// Each virtual server with an `announce` block, its addresses resolved
/// (a group's: every address of its ranges, up to `MAX_GROUP_ADDRS`).
pub fn specs(cfg: &Config) -> Vec<Spec> {
    cfg.virtual_servers
        .iter()
        .filter_map(|vs| {
            let announce = vs.announce.clone()?;
            let addrs = match &vs.key {
                VsKey::Addr { addr, .. } => vec![*addr],
                VsKey::Group { name } => cfg
                    .virtual_server_groups
                    .iter()
                    .filter(|g| &g.name == name)
                    .flat_map(|g| &g.entries)
                    .flat_map(range_addrs)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                VsKey::Fwmark { .. } => vec![],
            };
            Some(Spec {
                label: kad_ipvs::check::health::vs_label(vs),
                addrs,
                announce,
            })
        })
        .collect()
}

/// A group range announces each of its addresses; a range wider than this
/// is cut (a /16 of /32 routes is not what anyone means).
pub const MAX_GROUP_ADDRS: usize = 4096;

fn range_addrs(e: &kad_config::model::GroupEntry) -> Vec<IpAddr> {
    use kad_config::model::GroupEntry;
    let GroupEntry::Range { first, last, .. } = e else {
        return vec![];
    };
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(*a)..=u32::from(*b))
            .take(MAX_GROUP_ADDRS)
            .map(|v| IpAddr::from(v.to_be_bytes()))
            .collect(),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(*a)..=u128::from(*b))
            .take(MAX_GROUP_ADDRS)
            .map(|v| IpAddr::from(v.to_be_bytes()))
            .collect(),
        _ => vec![],
    }
}

/// Why a virtual server is announced or withdrawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Announced: it has quorum (and its instance is MASTER).
    Quorum,
    NoQuorum,
    /// The tracked instance is not MASTER (its state, or none yet).
    Instance {
        name: String,
        state: String,
    },
    /// Another virtual server on one of its addresses is withdrawn.
    Shared {
        with: String,
    },
    /// kad is stopping.
    Stopping,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Quorum => write!(f, "quorum"),
            Reason::NoQuorum => write!(f, "no quorum"),
            Reason::Instance { name, state } => write!(f, "VRRP instance {name} is {state}"),
            Reason::Shared { with } => write!(f, "{with} shares the address and is withdrawn"),
            Reason::Stopping => write!(f, "stopping"),
        }
    }
}

/// What the shell must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Add(Route),
    Del(Route),
    /// A virtual server was announced or withdrawn (for the log).
    Log(String),
}

#[derive(Clone, Debug, PartialEq)]
struct State {
    announced: bool,
    reason: Reason,
    since: Micros,
}

/// The announcement state of every announced virtual server.
pub struct Announcer {
    specs: Vec<Spec>,
    states: Vec<State>,
    /// Quorum by the checks' label (kept across reloads, and for labels
    /// not configured yet: the checks may report before the reload lands).
    quorum: HashMap<String, bool>,
    /// VRRP instances' states by name (`MASTER`, `BACKUP`, ...).
    instances: HashMap<String, String>,
    /// The routes in the kernel.
    routes: BTreeSet<Route>,
    stopping: bool,
}

impl Announcer {
    /// Nothing announced yet: `start` makes the first decision.
    pub fn new(specs: Vec<Spec>, quorum: HashMap<String, bool>, now: Micros) -> Announcer {
        let states = specs
            .iter()
            .map(|_| State {
                announced: false,
                reason: Reason::NoQuorum,
                since: now,
            })
            .collect();
        Announcer {
            specs,
            states,
            quorum,
            instances: HashMap::new(),
            routes: BTreeSet::new(),
            stopping: false,
        }
    }

    pub fn specs(&self) -> &[Spec] {
        &self.specs
    }

    /// The routes kad has in the kernel now.
    pub fn routes(&self) -> &BTreeSet<Route> {
        &self.routes
    }

    pub fn start(&mut self, now: Micros) -> Vec<Change> {
        self.decide(now, true)
    }

    /// A virtual server gained or lost quorum.
    pub fn quorum(&mut self, now: Micros, label: &str, up: bool) -> Vec<Change> {
        if self.quorum.insert(label.to_string(), up) == Some(up) {
            return vec![];
        }
        self.decide(now, false)
    }

    /// A VRRP instance entered `state` (keepalived's word).
    pub fn instance(&mut self, now: Micros, name: &str, state: &str) -> Vec<Change> {
        if self.instances.insert(name.to_string(), state.to_string()) == Some(state.to_string()) {
            return vec![];
        }
        self.decide(now, false)
    }

    /// A reload: virtual servers are matched by label (their state and
    /// `since` carry over); routes no longer wanted are withdrawn.
    pub fn reload(&mut self, now: Micros, specs: Vec<Spec>) -> Vec<Change> {
        let old: HashMap<String, State> = self
            .specs
            .iter()
            .zip(self.states.drain(..))
            .map(|(s, st)| (s.label.clone(), st))
            .collect();
        self.states = specs
            .iter()
            .map(|s| {
                old.get(&s.label).cloned().unwrap_or(State {
                    announced: false,
                    reason: Reason::NoQuorum,
                    since: now,
                })
            })
            .collect();
        self.specs = specs;
        self.decide(now, false)
    }

    /// The planned stop: everything is withdrawn now; returns the changes
    /// and when the IPVS entries may go (now when nothing was announced).
    pub fn stop(&mut self, now: Micros) -> (Vec<Change>, Micros) {
        if self.stopping {
            return (vec![], now);
        }
        let delay = self
            .specs
            .iter()
            .zip(&self.states)
            .filter(|(_, st)| st.announced)
            .map(|(s, _)| s.announce.withdraw_delay.as_micros() as Micros)
            .max()
            .unwrap_or(0);
        self.stopping = true;
        (self.decide(now, false), now + delay)
    }

    /// A virtual server's own verdict, before the shared-address rule.
    fn own(&self, s: &Spec) -> Result<(), Reason> {
        if self.stopping {
            return Err(Reason::Stopping);
        }
        if !self.quorum.get(&s.label).copied().unwrap_or(false) {
            return Err(Reason::NoQuorum);
        }
        if let Some(name) = &s.announce.track_instance {
            let state = self.instances.get(name).map_or("INIT", String::as_str);
            if state != "MASTER" {
                return Err(Reason::Instance {
                    name: name.clone(),
                    state: state.to_string(),
                });
            }
        }
        Ok(())
    }

    fn decide(&mut self, now: Micros, first: bool) -> Vec<Change> {
        let own: Vec<Result<(), Reason>> = self.specs.iter().map(|s| self.own(s)).collect();
        // The first withdrawn virtual server on each address.
        let mut blocked: BTreeMap<IpAddr, usize> = BTreeMap::new();
        for (i, s) in self.specs.iter().enumerate() {
            if own[i].is_err() {
                for a in &s.addrs {
                    blocked.entry(*a).or_insert(i);
                }
            }
        }
        let mut out = Vec::new();
        let mut want = BTreeSet::new();
        for (i, s) in self.specs.iter().enumerate() {
            let verdict =
                own[i]
                    .clone()
                    .and_then(|()| match s.addrs.iter().find_map(|a| blocked.get(a)) {
                        Some(&j) => Err(Reason::Shared {
                            with: self.specs[j].label.clone(),
                        }),
                        None => Ok(()),
                    });
            let (announced, reason) = match verdict {
                Ok(()) => (true, Reason::Quorum),
                Err(r) => (false, r),
            };
            if announced {
                want.extend(s.routes());
            }
            let st = &mut self.states[i];
            if st.announced != announced || st.reason != reason || first {
                if st.announced != announced || st.reason != reason {
                    st.since = now;
                }
                st.announced = announced;
                st.reason = reason.clone();
                out.push(Change::Log(format!(
                    "announce: {} {} ({reason})",
                    s.label,
                    if announced { "announced" } else { "withdrawn" }
                )));
            }
        }
        // Withdrawals first: an address moving between two settings of
        // table or metric is never announced twice.
        for r in self.routes.difference(&want) {
            out.push(Change::Del(r.clone()));
        }
        for r in want.difference(&self.routes) {
            out.push(Change::Add(r.clone()));
        }
        self.routes = want;
        out
    }

    /// `kactl status`'s view.
    pub fn status(&self, now: Micros) -> Vec<kactl::AnnouncementStatus> {
        self.specs
            .iter()
            .zip(&self.states)
            .map(|(s, st)| kactl::AnnouncementStatus {
                service: s.label.clone(),
                addresses: s.addrs.iter().map(IpAddr::to_string).collect(),
                state: if st.announced {
                    "announced"
                } else {
                    "withdrawn"
                }
                .to_string(),
                reason: st.reason.to_string(),
                since_secs: now.saturating_sub(st.since) as f64 / 1e6,
                table: s.announce.table,
                track_instance: s.announce.track_instance.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    //! Simulations in virtual time: the event sequences a director meets,
    //! and what reaches the kernel.
    use super::*;
    use std::time::Duration;

    const S: Micros = 1_000_000;

    fn spec(label: &str, addr: &str, track: Option<&str>, delay: u64) -> Spec {
        Spec {
            label: label.into(),
            addrs: vec![addr.parse().unwrap()],
            announce: Announce {
                track_instance: track.map(str::to_string),
                withdraw_delay: Duration::from_secs(delay),
                ..Announce::default()
            },
        }
    }

    fn route(addr: &str) -> Route {
        Route {
            addr: addr.parse().unwrap(),
            table: 200,
            protocol: 44,
            metric: None,
        }
    }

    fn kernel(changes: &[Change], routes: &mut BTreeSet<Route>) {
        for c in changes {
            match c {
                Change::Add(r) => assert!(routes.insert(r.clone()), "added twice: {r:?}"),
                Change::Del(r) => assert!(routes.remove(r), "removed absent: {r:?}"),
                Change::Log(_) => {}
            }
        }
    }

    #[test]
    fn quorum_announces_and_its_loss_withdraws() {
        let a = "[10.0.0.1]:tcp:80";
        let mut q = HashMap::new();
        q.insert(a.to_string(), true);
        let mut n = Announcer::new(vec![spec(a, "10.0.0.1", None, 2)], q, 0);
        let mut k = BTreeSet::new();
        kernel(&n.start(0), &mut k);
        assert_eq!(k, BTreeSet::from([route("10.0.0.1")]));
        assert_eq!(n.status(5 * S)[0].state, "announced");
        assert_eq!(n.status(5 * S)[0].reason, "quorum");
        assert_eq!(n.status(5 * S)[0].since_secs, 5.0);
        // The same quorum again changes nothing.
        assert!(n.quorum(6 * S, a, true).is_empty());
        let c = n.quorum(10 * S, a, false);
        assert!(c.contains(&Change::Log(format!("announce: {a} withdrawn (no quorum)"))));
        kernel(&c, &mut k);
        assert!(k.is_empty());
        let st = &n.status(12 * S)[0];
        assert_eq!(
            (st.state.as_str(), st.reason.as_str()),
            ("withdrawn", "no quorum")
        );
        assert_eq!(st.since_secs, 2.0);
        kernel(&n.quorum(20 * S, a, true), &mut k);
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn without_a_quorum_report_nothing_is_announced() {
        let mut n = Announcer::new(vec![spec("x", "10.0.0.1", None, 2)], HashMap::new(), 0);
        let c = n.start(0);
        assert_eq!(
            c,
            vec![Change::Log("announce: x withdrawn (no quorum)".into())]
        );
        // The checks report late (a reload's new label): it is kept.
        let mut n = Announcer::new(vec![], HashMap::new(), 0);
        n.start(0);
        assert!(n.quorum(S, "x", true).is_empty());
        let mut k = BTreeSet::new();
        kernel(
            &n.reload(2 * S, vec![spec("x", "10.0.0.1", None, 2)]),
            &mut k,
        );
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn track_instance_announces_only_while_the_instance_is_master() {
        let q = HashMap::from([("v".to_string(), true)]);
        let mut n = Announcer::new(vec![spec("v", "10.0.0.1", Some("VI_1"), 2)], q, 0);
        let mut k = BTreeSet::new();
        kernel(&n.start(0), &mut k);
        assert!(k.is_empty());
        assert_eq!(n.status(0)[0].reason, "VRRP instance VI_1 is INIT");
        kernel(&n.instance(S, "VI_1", "BACKUP"), &mut k);
        assert_eq!(n.status(S)[0].reason, "VRRP instance VI_1 is BACKUP");
        kernel(&n.instance(4 * S, "VI_1", "MASTER"), &mut k);
        assert_eq!(k.len(), 1);
        // Another instance changes nothing.
        assert!(n
            .instance(5 * S, "VI_2", "FAULT")
            .iter()
            .all(|c| matches!(c, Change::Log(_))));
        kernel(&n.instance(6 * S, "VI_1", "FAULT"), &mut k);
        assert!(k.is_empty());
        assert_eq!(n.status(6 * S)[0].reason, "VRRP instance VI_1 is FAULT");
        // MASTER without quorum: still withdrawn, for the quorum.
        kernel(&n.quorum(7 * S, "v", false), &mut k);
        kernel(&n.instance(8 * S, "VI_1", "MASTER"), &mut k);
        assert!(k.is_empty());
        assert_eq!(n.status(8 * S)[0].reason, "no quorum");
    }

    #[test]
    fn an_address_is_announced_only_while_every_server_on_it_is() {
        let q = HashMap::from([("a80".to_string(), true), ("a443".to_string(), true)]);
        let specs = vec![
            spec("a80", "10.0.0.1", None, 2),
            spec("a443", "10.0.0.1", None, 2),
        ];
        let mut n = Announcer::new(specs, q, 0);
        let mut k = BTreeSet::new();
        kernel(&n.start(0), &mut k);
        assert_eq!(k.len(), 1);
        kernel(&n.quorum(S, "a443", false), &mut k);
        assert!(k.is_empty());
        let st = n.status(S);
        assert_eq!(st[0].reason, "a443 shares the address and is withdrawn");
        assert_eq!(st[1].reason, "no quorum");
        kernel(&n.quorum(2 * S, "a443", true), &mut k);
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn a_planned_stop_withdraws_at_once_and_keeps_ipvs_for_the_longest_delay() {
        let q = HashMap::from([("a".to_string(), true), ("b".to_string(), false)]);
        let specs = vec![
            spec("a", "10.0.0.1", None, 3),
            spec("b", "10.0.0.2", None, 9),
        ];
        let mut n = Announcer::new(specs, q, 0);
        let mut k = BTreeSet::new();
        kernel(&n.start(0), &mut k);
        assert_eq!(k.len(), 1);
        let (c, until) = n.stop(10 * S);
        kernel(&c, &mut k);
        assert!(k.is_empty());
        // b was not announced: its delay does not count.
        assert_eq!(until, 13 * S);
        assert_eq!(n.status(10 * S)[0].reason, "stopping");
        // Nothing comes back while stopping.
        kernel(&n.quorum(11 * S, "b", true), &mut k);
        assert!(k.is_empty());
        assert_eq!(n.stop(12 * S), (vec![], 12 * S));
        // Nothing announced: IPVS may go at once.
        let mut m = Announcer::new(vec![spec("a", "10.0.0.1", None, 3)], HashMap::new(), 0);
        m.start(0);
        assert_eq!(m.stop(5 * S).1, 5 * S);
    }

    #[test]
    fn a_reload_keeps_what_it_can_and_withdraws_what_is_gone() {
        let q = HashMap::from([("a".to_string(), true), ("b".to_string(), true)]);
        let mut n = Announcer::new(
            vec![
                spec("a", "10.0.0.1", None, 2),
                spec("b", "10.0.0.2", None, 2),
            ],
            q,
            0,
        );
        let mut k = BTreeSet::new();
        kernel(&n.start(0), &mut k);
        assert_eq!(k.len(), 2);
        let mut moved = spec("a", "10.0.0.1", None, 2);
        moved.announce.metric = Some(7);
        let c = n.reload(5 * S, vec![moved]);
        kernel(&c, &mut k);
        let mut want = route("10.0.0.1");
        want.metric = Some(7);
        assert_eq!(k, BTreeSet::from([want]));
        // The old route goes before the new one comes.
        let first_add = c.iter().position(|c| matches!(c, Change::Add(_)));
        let last_del = c.iter().rposition(|c| matches!(c, Change::Del(_)));
        assert!(last_del < first_add, "{c:?}");
        // a stayed announced: its since is the start's.
        assert_eq!(n.status(5 * S)[0].since_secs, 5.0);
    }

    #[test]
    fn groups_announce_every_address_of_their_ranges() {
        let text = "virtual_server_group G {\n 10.0.0.1-3 80\n fwmark 5\n}\n\
                    virtual_server group G {\n protocol TCP\n lb_algo rr\n lb_kind DR\n\
                    announce {\n table 201\n }\n real_server 10.1.0.1 80 {\n }\n}\n";
        let cfg =
            kad_config::load_str(text, std::path::Path::new("k.conf"), &Default::default()).config;
        let s = specs(&cfg);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].addrs.len(), 3);
        assert_eq!(s[0].announce.table, 201);
        assert_eq!(s[0].label, "[G]");
    }
}
