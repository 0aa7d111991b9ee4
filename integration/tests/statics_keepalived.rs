//! `static_ipaddress`, `static_routes`, `static_rules` and `virtual_rules`
//! side by side with Debian's keepalived 2.2.7: the same configuration run
//! by kad on one LAN and by keepalived on another, and `ip addr`,
//! `ip route show table all` and `ip rule` of the two subjects compared
//! after start, after static entries were deleted by hand (they come
//! back), after a peer takes the master over, after a reload that changes
//! a static route, and after stop.

use kad_integration::netns::{wait_for, Lab};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Daemon {
    Kad,
    Keepalived,
}

/// One LAN: the subject on h0, the peer that takes over on h1.
struct Side {
    lab: Lab,
    daemon: Daemon,
    conf: PathBuf,
    subject: usize,
}

/// The configuration both daemons run. `changed` moves one static route
/// to another gateway (the reload).
fn conf(lab: &Lab, prio: u8, changed: bool) -> String {
    let gw = if changed { 252 } else { 253 };
    format!(
        "static_ipaddress {{\n  192.168.77.1/24 dev eth0\n}}\n\
         static_routes {{\n  10.201.0.0/16 via 192.168.77.254 dev eth0\n  \
         10.202.0.0/16 via 192.168.77.{gw} dev eth0\n}}\n\
         static_rules {{\n  from 192.168.77.0/24 table 100 priority 100\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 60\n  priority {prio}\n  \
         advert_int 1\n  virtual_ipaddress {{\n    10.{n}.0.100/24\n  }}\n  \
         virtual_routes {{\n    10.203.0.0/16 via 10.{n}.0.254 dev eth0 table 101\n  }}\n  \
         virtual_rules {{\n    from 10.{n}.0.100/32 table 101 priority 200\n  }}\n}}\n",
        n = lab.net
    )
}

impl Side {
    fn start(daemon: Daemon) -> Side {
        let mut lab = Lab::new(2);
        // The static_ipaddress is there before the start: the daemon takes
        // it over (keepalived counts EEXIST as added), so stop removes it.
        let pre = lab.exec(0, "ip addr add 192.168.77.1/24 dev eth0");
        assert!(pre.status.success());
        let conf = lab.write("subject.conf", &conf(&lab, 100, false));
        let subject = match daemon {
            Daemon::Kad => lab.kad(0, &conf, "h0"),
            Daemon::Keepalived => lab.keepalived(0, &conf, "h0"),
        };
        Side {
            lab,
            daemon,
            conf,
            subject,
        }
    }

    fn start_peer(&mut self) {
        let c = self.lab.write("peer.conf", &conf(&self.lab, 200, false));
        match self.daemon {
            Daemon::Kad => self.lab.kad(1, &c, "h1"),
            Daemon::Keepalived => self.lab.keepalived(1, &c, "h1"),
        };
    }

    fn sh(&self, h: usize, cmd: &str) -> String {
        String::from_utf8_lossy(&self.lab.exec(h, cmd).stdout).into_owned()
    }

    /// What the daemon changes on host h, with the LAN's own numbers
    /// replaced so that the two LANs compare.
    fn snapshot(&self, h: usize) -> String {
        let addrs: String = self
            .sh(h, "ip -4 -o addr show")
            .lines()
            .map(|l| {
                // "2: eth0    inet A/N ... \    valid_lft ...": the index and
                // the lifetimes say nothing here.
                let l = l.split_once(": ").map_or(l, |x| x.1);
                let l = l.split('\\').next().unwrap_or("");
                l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n"
            })
            .collect();
        let text = format!(
            "# ip addr\n{addrs}# ip route show table all\n{}# ip rule\n{}",
            self.sh(h, "ip -4 route show table all"),
            self.sh(h, "ip -4 rule")
        );
        text.replace(&format!("10.{}.", self.lab.net), "10.N.")
    }

    fn log(&self) -> String {
        match self.daemon {
            Daemon::Kad => self.lab.log("kad0.log"),
            Daemon::Keepalived => self.lab.log("keepalived0.log"),
        }
    }

    /// The master's rule (`virtual_rules`) is on host h.
    fn has_virtual_rule(&self, h: usize) -> bool {
        self.sh(h, "ip -4 rule")
            .contains(&format!("from 10.{}.0.100 lookup 101", self.lab.net))
    }

    fn wait(&self, what: &str, f: impl Fn(&Side) -> bool) {
        assert!(
            wait_for(Duration::from_secs(15), || f(self)),
            "{:?}: {what}\n{}\n{}",
            self.daemon,
            self.snapshot(0),
            self.log()
        );
    }
}

/// The two subjects' snapshots are the same, and `check` holds of them.
fn same(kad: &Side, ka: &Side, when: &str, check: impl Fn(&str) -> bool) {
    // Let both settle (GARPs, the last netlink calls).
    std::thread::sleep(Duration::from_millis(500));
    let (a, b) = (kad.snapshot(0), ka.snapshot(0));
    assert_eq!(
        a,
        b,
        "{when}: kad (left) and keepalived (right) differ\n{}",
        kad.log()
    );
    assert!(check(&a), "{when}: unexpected\n{a}");
}

#[test]
fn static_entries_and_virtual_rules_match_keepalived() {
    kad_integration::require("keepalived");
    let mut kad = Side::start(Daemon::Kad);
    let mut ka = Side::start(Daemon::Keepalived);
    let static_route = "10.202.0.0/16 via 192.168.77.253 dev eth0 proto keepalived";
    let static_rule = "100:\tfrom 192.168.77.0/24 lookup 100 proto keepalived";
    let virtual_rule = "200:\tfrom 10.N.0.100 lookup 101 proto keepalived";
    let virtual_route = "10.203.0.0/16 via 10.N.0.254 dev eth0 table 101 proto keepalived";
    // Start: static_ipaddress, static_routes and static_rules at once, the
    // virtual routes and rules once MASTER.
    for s in [&kad, &ka] {
        s.wait("MASTER with its virtual_rules", |s| s.has_virtual_rule(0));
    }
    same(&kad, &ka, "after start", |t| {
        t.contains("eth0 inet 192.168.77.1/24")
            && t.contains(static_route)
            && t.contains(static_rule)
            && t.contains(virtual_rule)
            && t.contains(virtual_route)
    });
    // Kept: a static_routes route and a static_rules rule deleted by hand
    // come back; then the static_ipaddress address. (Apart: a route whose
    // gateway's address is gone cannot come back, under either daemon.)
    let first = "10.201.0.0/16 via 192.168.77.254 dev eth0 proto keepalived";
    for s in [&kad, &ka] {
        s.sh(0, "ip rule del pref 100 && ip route del 10.201.0.0/16");
    }
    for s in [&kad, &ka] {
        s.wait("the deleted static route and rule back", |s| {
            let t = s.snapshot(0);
            t.contains(first) && t.contains(static_rule)
        });
    }
    for s in [&kad, &ka] {
        s.sh(0, "ip addr del 192.168.77.1/24 dev eth0");
    }
    for s in [&kad, &ka] {
        s.wait("the deleted static address back", |s| {
            s.snapshot(0).contains("inet 192.168.77.1/24")
        });
    }
    same(&kad, &ka, "after deleting static entries", |t| {
        t.contains(first) && t.contains(static_route) && t.contains(static_rule)
    });
    // A peer of higher priority takes over: the subject's virtual_rules and
    // virtual_routes go, its static entries stay.
    for s in [&mut kad, &mut ka] {
        s.start_peer();
    }
    for s in [&kad, &ka] {
        s.wait("BACKUP without its virtual_rules", |s| {
            s.has_virtual_rule(1) && !s.has_virtual_rule(0)
        });
    }
    same(&kad, &ka, "after master -> backup", |t| {
        t.contains(static_route)
            && t.contains(static_rule)
            && !t.contains(virtual_rule)
            && !t.contains(virtual_route)
            && !t.contains("10.N.0.100")
    });
    // A reload that moves one static route to another gateway.
    for s in [&kad, &ka] {
        std::fs::write(&s.conf, conf(&s.lab, 100, true)).unwrap();
        s.lab.signal(s.subject, "HUP");
    }
    let moved = "10.202.0.0/16 via 192.168.77.252 dev eth0 proto keepalived";
    for s in [&kad, &ka] {
        s.wait("the static route moved", |s| s.snapshot(0).contains(moved));
    }
    same(&kad, &ka, "after a reload", |t| {
        t.contains(moved)
            && !t.contains(static_route)
            && t.contains("10.201.0.0/16 via 192.168.77.254")
            && t.contains(static_rule)
    });
    // Stop: every static entry goes, the address that was there before the
    // start too.
    for s in [&mut kad, &mut ka] {
        s.lab.signal(s.subject, "TERM");
        let sub = s.subject;
        assert!(
            s.lab.wait(sub, Duration::from_secs(10)).is_some(),
            "{:?} did not stop",
            s.daemon
        );
    }
    same(&kad, &ka, "after stop", |t| {
        !t.contains("192.168.77.")
            && !t.contains("10.201.0.0/16")
            && !t.contains("10.202.0.0/16")
            && !t.contains("lookup 100")
    });
}
