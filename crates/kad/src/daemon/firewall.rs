//! The nftables rules that keep a non-accepting MASTER from answering for
//! its VIPs, shaped as keepalived 2.2.7 makes them (vrrp_nftables.c): per
//! family a table (`keepalived` unless `nftables` names another) with a
//! `vips` set and `in`/`out` base chains at `nftables_priority` dropping
//! traffic to / from the set; for IPv6 also neighbour discovery let
//! through and link-local VIPs matched with their interface (by index,
//! or by name where keepalived uses the name: see
//! `kad_vrrp::firewall::blocked` and `nftables_ifindex`). A family's
//! table is made when it first has something to block, emptied (not
//! removed) when nothing is blocked, and deleted on stop.
//!
//! The work is done by the `nft` program on a thread of its own: the VRRP
//! loop only sends the wanted addresses and never waits for it.

use kad_config::model::{Firewall as Settings, DEFAULT_NFTABLES_TABLE};
use kad_vrrp::firewall::Blocked;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;

enum Msg {
    Want {
        instance: String,
        interface: String,
        addrs: Vec<Blocked>,
    },
    Stop,
}

/// The VRRP loop's end of the firewall thread.
pub struct Firewall {
    tx: mpsc::Sender<Msg>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Firewall {
    pub fn start(settings: &Settings) -> Firewall {
        let (tx, rx) = mpsc::channel();
        let mut state = Rules::new(settings);
        let thread = std::thread::Builder::new()
            .name("kad-firewall".into())
            .spawn(move || {
                super::sched::as_helper();
                while let Ok(m) = rx.recv() {
                    match m {
                        Msg::Want {
                            instance,
                            interface,
                            addrs,
                        } => state.want(instance, interface, addrs),
                        Msg::Stop => break,
                    }
                }
                state.remove();
            })
            .map_err(|e| tracing::warn!("no firewall thread (VIPs are not blocked): {e}"))
            .ok();
        Firewall { tx, thread }
    }

    /// What `instance` wants blocked from now on (replacing what it had).
    pub fn want(&self, instance: String, interface: String, addrs: Vec<Blocked>) {
        let _ = self.tx.send(Msg::Want {
            instance,
            interface,
            addrs,
        });
    }

    /// Remove the tables; returns when they are gone (run off the loop).
    pub async fn stop(mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

/// The firewall thread's state: what each instance blocks and which parts
/// of the tables exist.
struct Rules {
    table: String,
    priority: i32,
    counters: bool,
    wanted: BTreeMap<String, (String, Vec<Blocked>)>,
    v4: bool,
    v6: bool,
    link_local: bool,
    /// The set of link-local VIPs matched by interface name.
    link_local_name: bool,
}

fn is_link_local(a: &IpAddr) -> bool {
    matches!(a, IpAddr::V6(v) if (v.segments()[0] & 0xffc0) == 0xfe80)
}

impl Rules {
    fn new(s: &Settings) -> Rules {
        Rules {
            table: s
                .table
                .clone()
                .unwrap_or_else(|| DEFAULT_NFTABLES_TABLE.to_string()),
            priority: s.priority,
            counters: s.counters,
            wanted: BTreeMap::new(),
            v4: false,
            v6: false,
            link_local: false,
            link_local_name: false,
        }
    }

    fn counter(&self) -> &'static str {
        if self.counters {
            "counter "
        } else {
            ""
        }
    }

    fn want(&mut self, instance: String, interface: String, addrs: Vec<Blocked>) {
        self.wanted.insert(instance, (interface, addrs));
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let mut ll = Vec::new();
        let mut ll_name = Vec::new();
        for (ifname, addrs) in self.wanted.values() {
            for b in addrs {
                let a = &b.addr;
                let ip = a.addr.addr;
                if is_link_local(&ip) {
                    let dev = a.dev.as_deref().unwrap_or(ifname);
                    let elem = format!("{ip} . \"{dev}\"");
                    if b.by_name {
                        ll_name.push(elem);
                    } else {
                        ll.push(elem);
                    }
                } else if ip.is_ipv4() {
                    v4.push(ip.to_string());
                } else {
                    v6.push(ip.to_string());
                }
            }
        }
        let mut script = String::new();
        let (t, c) = (self.table.clone(), self.counter());
        if !v4.is_empty() && !self.v4 {
            if !self.v6 {
                script += &self.residue();
            }
            script += &format!(
                "table ip {t} {{\n set vips {{ type ipv4_addr; }}\n \
                 chain out {{ type filter hook output priority {p}; policy accept; }}\n \
                 chain in {{ type filter hook input priority {p}; policy accept; }}\n}}\n\
                 add rule ip {t} in ip daddr @vips {c}drop\n\
                 add rule ip {t} out ip saddr @vips {c}drop\n",
                p = self.priority
            );
            self.v4 = true;
        }
        if (!v6.is_empty() || !ll.is_empty() || !ll_name.is_empty()) && !self.v6 {
            if !self.v4 {
                script += &self.residue();
            }
            script += &format!(
                "table ip6 {t} {{\n set vips {{ type ipv6_addr; }}\n \
                 set neighbor-discovery {{ type icmpv6_type; flags constant; \
                 elements = {{ nd-neighbor-solicit, nd-neighbor-advert }}; }}\n \
                 chain out {{ type filter hook output priority {p}; policy accept; }}\n \
                 chain in {{ type filter hook input priority {p}; policy accept; }}\n \
                 chain in_link_local {{ }}\n chain out_link_local {{ }}\n}}\n\
                 add rule ip6 {t} in icmpv6 type @neighbor-discovery {c}accept\n\
                 add rule ip6 {t} in ip6 daddr fe80::/10 {c}goto in_link_local\n\
                 add rule ip6 {t} out icmpv6 type @neighbor-discovery {c}accept\n\
                 add rule ip6 {t} out ip6 saddr fe80::/10 {c}goto out_link_local\n\
                 add rule ip6 {t} in ip6 daddr @vips {c}drop\n\
                 add rule ip6 {t} out ip6 saddr @vips {c}drop\n",
                p = self.priority
            );
            self.v6 = true;
        }
        if !ll.is_empty() && !self.link_local {
            script += &format!(
                "add set ip6 {t} vips_link_local {{ type ipv6_addr . iface_index; }}\n\
                 add rule ip6 {t} in_link_local ip6 daddr . iif @vips_link_local {c}drop\n\
                 add rule ip6 {t} out_link_local ip6 saddr . oif @vips_link_local {c}drop\n"
            );
            self.link_local = true;
        }
        if !ll_name.is_empty() && !self.link_local_name {
            script += &format!(
                "add set ip6 {t} vips_link_local_name {{ type ipv6_addr . ifname; }}\n\
                 add rule ip6 {t} in_link_local ip6 daddr . iifname @vips_link_local_name {c}drop\n\
                 add rule ip6 {t} out_link_local ip6 saddr . oifname @vips_link_local_name {c}drop\n"
            );
            self.link_local_name = true;
        }
        // The whole set each time, in the same transaction: never a moment
        // with a VIP let through that is still wanted blocked.
        let sets = [
            (self.v4, "ip", "vips", &v4),
            (self.v6, "ip6", "vips", &v6),
            (self.link_local, "ip6", "vips_link_local", &ll),
            (
                self.link_local_name,
                "ip6",
                "vips_link_local_name",
                &ll_name,
            ),
        ];
        for (made, family, set, elems) in sets {
            if !made {
                continue;
            }
            script += &format!("flush set {family} {t} {set}\n");
            if !elems.is_empty() {
                script += &format!(
                    "add element {family} {t} {set} {{ {} }}\n",
                    elems.join(", ")
                );
            }
        }
        if !script.is_empty() {
            nft(&script);
        }
    }

    /// keepalived deletes tables of its name left by an earlier run before
    /// it makes its own (adding first makes the delete safe when absent).
    fn residue(&self) -> String {
        let t = &self.table;
        format!("table ip {t}\ndelete table ip {t}\ntable ip6 {t}\ndelete table ip6 {t}\n")
    }

    fn remove(&mut self) {
        let t = &self.table;
        let mut script = String::new();
        if self.v4 {
            script += &format!("delete table ip {t}\n");
        }
        if self.v6 {
            script += &format!("delete table ip6 {t}\n");
        }
        if !script.is_empty() {
            nft(&script);
        }
        self.v4 = false;
        self.v6 = false;
        self.link_local = false;
        self.link_local_name = false;
    }
}

/// One `nft -f -` transaction; failures are logged (a missing `nft` or
/// nf_tables leaves the VIPs unblocked, as keepalived's failed netlink
/// batch does).
fn nft(script: &str) {
    let child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("cannot run nft (VIPs are not blocked): {e}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        if let Err(e) = stdin.write_all(script.as_bytes()) {
            tracing::warn!("nft: {e}");
        }
    }
    match child.wait_with_output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => tracing::warn!(
            "nft failed: {}",
            String::from_utf8_lossy(&o.stderr).trim_end()
        ),
        Err(e) => tracing::warn!("nft: {e}"),
    }
}
