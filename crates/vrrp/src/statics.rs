//! `static_ipaddress`, `static_routes` and `static_rules`: what to add and
//! remove at start, reload and stop, as keepalived 2.2.7 does it.
//!
//! They are no VRRP state (no instance owns them, no state changes them),
//! but keepalived's VRRP process holds them and its netlink code carries
//! them out, so the plan lives here beside `node` and `io`, pure and tested
//! without root; the daemon (`kad::daemon::engine::statics`) only carries
//! the steps out.
//!
//! keepalived's rules (vrrp_daemon.c, vrrp_ipaddress.c, vrrp_iproute.c,
//! vrrp_iprule.c):
//! - start: the configured rules are first removed (left over from an
//!   earlier run; keepalived's "force"), then addresses, routes and rules
//!   are added in that order. An address or route already there counts as
//!   added (keepalived takes EEXIST as success), so it is removed at stop.
//! - reload: the rules, routes and addresses of the old configuration that
//!   the new one lacks are removed, then everything of the new one is added
//!   (what is there already stays). A changed route is an old one removed
//!   and a new one added; keepalived replaces a route whose kernel key is
//!   unchanged in place, which ends the same.
//! - stop: rules, routes, then addresses are removed, even with `-V`
//!   (`--dont-release-vrrp` keeps only the VRRP instances' own).
//! - while running: one deleted by someone else is put back ("Restoring
//!   deleted static ..."), unless it is `no_track`
//!   (keepalived_netlink.c; routes and rules are known by their
//!   `proto keepalived`).

use kad_config::model::{Config, IpAddress, Prefix, Route, Rule};

/// The static entries of one configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Statics {
    pub addrs: Vec<IpAddress>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
}

/// One netlink batch, in the order the plan lists them.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    AddAddrs(Vec<IpAddress>),
    AddRoutes(Vec<Route>),
    AddRules(Vec<Rule>),
    DelAddrs(Vec<IpAddress>),
    DelRoutes(Vec<Route>),
    DelRules(Vec<Rule>),
}

impl Statics {
    pub fn of(cfg: &Config) -> Statics {
        Statics {
            addrs: cfg.static_ipaddress.clone(),
            routes: cfg.static_routes.clone(),
            rules: cfg.static_rules.clone(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty() && self.routes.is_empty() && self.rules.is_empty()
    }

    /// At start: leftover rules cleared, then everything added.
    pub fn start(&self) -> Vec<Step> {
        let mut v = Vec::new();
        push(&mut v, Step::DelRules, self.rules.clone());
        v.extend(self.add());
        v
    }

    /// From `self` (running) to `new`: what `new` lacks removed, then all
    /// of `new` added.
    pub fn reload(&self, new: &Statics) -> Vec<Step> {
        let mut v = Vec::new();
        push(&mut v, Step::DelRules, missing(&self.rules, &new.rules));
        push(&mut v, Step::DelRoutes, missing(&self.routes, &new.routes));
        push(&mut v, Step::DelAddrs, missing(&self.addrs, &new.addrs));
        v.extend(new.add());
        v
    }

    /// At stop: everything removed, rules first.
    pub fn stop(&self) -> Vec<Step> {
        let mut v = Vec::new();
        push(&mut v, Step::DelRules, self.rules.clone());
        push(&mut v, Step::DelRoutes, self.routes.clone());
        push(&mut v, Step::DelAddrs, self.addrs.clone());
        v
    }

    /// What to put back after the kernel reported `gone` deleted: the
    /// tracked static entry it was, if any.
    pub fn reinstate(&self, gone: &Gone) -> Option<Step> {
        match gone {
            Gone::Addr(p) => self
                .addrs
                .iter()
                .find(|a| !a.no_track && a.addr == *p)
                .map(|a| Step::AddAddrs(vec![a.clone()])),
            Gone::Route { dst, table } => self
                .routes
                .iter()
                .find(|r| !r.no_track && r.dst == *dst && r.table.unwrap_or(MAIN) == *table)
                .map(|r| Step::AddRoutes(vec![r.clone()])),
            Gone::Rule { priority, from, to } => self
                .rules
                .iter()
                .find(|r| !r.no_track && r.priority == *priority && r.from == *from && r.to == *to)
                .map(|r| Step::AddRules(vec![r.clone()])),
        }
    }

    fn add(&self) -> Vec<Step> {
        let mut v = Vec::new();
        push(&mut v, Step::AddAddrs, self.addrs.clone());
        push(&mut v, Step::AddRoutes, self.routes.clone());
        push(&mut v, Step::AddRules, self.rules.clone());
        v
    }
}

/// The kernel's main routing table.
const MAIN: u32 = 254;

/// An address, route or rule the kernel reports deleted (routes and rules
/// only when they are `proto keepalived`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gone {
    Addr(Prefix),
    Route {
        dst: Prefix,
        table: u32,
    },
    Rule {
        priority: Option<u32>,
        from: Option<Prefix>,
        to: Option<Prefix>,
    },
}

fn push<T>(v: &mut Vec<Step>, f: fn(Vec<T>) -> Step, items: Vec<T>) {
    if !items.is_empty() {
        v.push(f(items));
    }
}

/// The entries of `a` that `b` lacks.
fn missing<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statics(text: &str) -> Statics {
        let l = kad_config::load_str(text, std::path::Path::new("t.conf"), &Default::default());
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        Statics::of(&l.config)
    }

    const BOTH: &str = "static_ipaddress {\n 10.9.0.1/24 dev lo\n}\n\
        static_routes {\n 10.8.0.0/24 via 10.9.0.2 dev eth0\n 10.7.0.0/24 via 10.9.0.2 dev eth0\n}\n\
        static_rules {\n from 10.9.0.0/24 table 100 priority 100\n}\n";

    #[test]
    fn start_clears_leftover_rules_then_adds_addresses_routes_rules() {
        let s = statics(BOTH);
        let steps = s.start();
        assert!(matches!(&steps[0], Step::DelRules(r) if r.len() == 1));
        assert!(matches!(&steps[1], Step::AddAddrs(a) if a.len() == 1));
        assert!(matches!(&steps[2], Step::AddRoutes(r) if r.len() == 2));
        assert!(matches!(&steps[3], Step::AddRules(r) if r.len() == 1));
        assert_eq!(steps.len(), 4);
    }

    #[test]
    fn a_reload_removes_what_is_gone_and_adds_the_new_set() {
        let old = statics(BOTH);
        let new = statics(
            "static_ipaddress {\n 10.9.0.1/24 dev lo\n}\n\
             static_routes {\n 10.8.0.0/24 via 10.9.0.3 dev eth0\n}\n",
        );
        let steps = old.reload(&new);
        // The rule and both old routes go (one was dropped, one changed its
        // gateway); the unchanged address is not removed.
        assert!(matches!(&steps[0], Step::DelRules(r) if r.len() == 1));
        assert!(matches!(&steps[1], Step::DelRoutes(r) if r.len() == 2));
        assert!(matches!(&steps[2], Step::AddAddrs(a) if a.len() == 1));
        assert!(matches!(&steps[3], Step::AddRoutes(r) if r.len() == 1
            && r[0].via == Some("10.9.0.3".parse().unwrap())));
        assert_eq!(steps.len(), 4);
        assert_eq!(old.reload(&old), old.add());
    }

    #[test]
    fn a_deleted_tracked_entry_is_put_back_and_a_no_track_one_is_not() {
        let s = statics(&format!(
            "{BOTH}static_routes {{\n 10.6.0.0/24 via 10.9.0.2 dev eth0 no_track\n}}\n"
        ));
        let p = |t: &str| {
            let (a, l) = t.split_once('/').unwrap();
            Prefix {
                addr: a.parse().unwrap(),
                len: l.parse().unwrap(),
            }
        };
        assert!(matches!(s.reinstate(&Gone::Addr(p("10.9.0.1/24"))),
            Some(Step::AddAddrs(a)) if a.len() == 1));
        assert_eq!(s.reinstate(&Gone::Addr(p("10.9.0.1/32"))), None);
        let route = |d: &str, table| Gone::Route { dst: p(d), table };
        assert!(matches!(s.reinstate(&route("10.8.0.0/24", 254)),
            Some(Step::AddRoutes(r)) if r[0].dst == p("10.8.0.0/24")));
        assert_eq!(s.reinstate(&route("10.8.0.0/24", 100)), None);
        assert_eq!(s.reinstate(&route("10.6.0.0/24", 254)), None);
        let rule = Gone::Rule {
            priority: Some(100),
            from: Some(p("10.9.0.0/24")),
            to: None,
        };
        assert!(matches!(s.reinstate(&rule), Some(Step::AddRules(_))));
    }

    #[test]
    fn stop_removes_rules_routes_then_addresses() {
        let steps = statics(BOTH).stop();
        assert!(matches!(&steps[0], Step::DelRules(_)));
        assert!(matches!(&steps[1], Step::DelRoutes(_)));
        assert!(matches!(&steps[2], Step::DelAddrs(_)));
        assert!(Statics::default().stop().is_empty());
    }
}
