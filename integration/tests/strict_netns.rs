//! Blocking traffic to VIPs (`vrrp_strict`, `strict_mode`, `nftables`,
//! `nftables_priority`, `nftables_counters`, `vrrp_iptables`): keepalived
//! 2.2.7 drops traffic to and from the VIPs of a MASTER without `accept`
//! with nftables rules that come and go with the VIPs and are deleted on
//! stop. Witnesses: `nft list ruleset` in the hosts' namespaces, a
//! client's ping, and Debian's keepalived making its tables beside kad.

use kad_integration::netns::{state_of, wait_for, Lab};
use std::time::Duration;

const VI: &str = "VI_1";

/// Hosts 0 and 1 run the instance (h0 preferred); `global` and `extra`
/// go in global_defs and the instance.
fn conf(lab: &Lab, global: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n  vrrp_garp_master_delay 1\n{global}\n}}\n\
         vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 42\n  version 3\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int 1\n\
         virtual_ipaddress {{\n    {}/24\n  }}\n{extra}\n}}\n",
        lab.ip(100)
    )
}

fn ruleset(lab: &Lab, h: usize) -> String {
    kad_integration::require("nft");
    String::from_utf8_lossy(&lab.exec(h, "nft list ruleset").stdout).into_owned()
}

/// Counters differ from run to run; the shape does not.
fn shape(ruleset: &str) -> String {
    let mut out = Vec::new();
    let mut words = ruleset.split_whitespace().peekable();
    while let Some(w) = words.next() {
        out.push(w.to_string());
        if w == "counter" && words.peek() == Some(&"packets") {
            for _ in 0..4 {
                words.next();
            }
        }
    }
    out.join(" ")
}

fn pings(lab: &Lab, h: usize, addr: &str) -> bool {
    lab.exec(h, &format!("ping -c 1 -W 1 {addr}"))
        .status
        .success()
}

fn is_master(lab: &Lab, h: usize) -> bool {
    state_of(&lab.socket(h), VI).as_deref() == Some("MASTER")
}

/// The VIP's drop rules in host h's ruleset.
fn blocks(lab: &Lab, h: usize, vip: &str) -> bool {
    let r = ruleset(lab, h);
    r.contains("table ip keepalived")
        && r.contains(&format!("elements = {{ {vip} }}"))
        && r.contains("ip daddr @vips drop")
        && r.contains("ip saddr @vips drop")
}

#[test]
fn vrrp_strict_master_drops_traffic_to_its_vips_and_the_rules_follow_the_state() {
    let mut lab = Lab::new(3);
    let vip = lab.ip(100);
    let c = lab.write("k.conf", &conf(&lab, "  vrrp_strict", ""));
    let p0 = lab.kad(0, &c, "h0");
    lab.kad(1, &c, "h1");
    assert!(
        wait_for(Duration::from_secs(8), || is_master(&lab, 0)
            && blocks(&lab, 0, &vip)),
        "h0 never blocked its VIP:\n{}\n{}",
        ruleset(&lab, 0),
        lab.log("kad0.log")
    );
    assert!(lab.has_addr(0, &vip));
    let r = ruleset(&lab, 0);
    assert!(
        r.contains("type filter hook input priority filter - 1; policy accept;"),
        "{r}"
    );
    assert!(
        r.contains("type filter hook output priority filter - 1; policy accept;"),
        "{r}"
    );
    // The client: the master holds the VIP but does not answer for it;
    // its own address still answers (only the VIPs are dropped).
    assert!(pings(&lab, 2, &lab.ip(1)));
    assert!(
        !pings(&lab, 2, &vip),
        "the strict master answered for {vip}"
    );
    // The backup holds no VIP and has made no table (keepalived makes it
    // on the first blocking).
    assert!(
        !ruleset(&lab, 1).contains("keepalived"),
        "{}",
        ruleset(&lab, 1)
    );
    // Failover: the rules go with the VIP; the stopped kad deletes its table.
    lab.signal(p0, "TERM");
    assert!(
        wait_for(Duration::from_secs(5), || is_master(&lab, 1)
            && blocks(&lab, 1, &vip)),
        "h1 never blocked the VIP:\n{}\n{}",
        ruleset(&lab, 1),
        lab.log("kad1.log")
    );
    assert!(lab
        .wait(p0, Duration::from_secs(5))
        .is_some_and(|s| s.success()));
    assert_eq!(ruleset(&lab, 0).trim(), "", "h0 left rules behind");
    assert!(
        !pings(&lab, 2, &vip),
        "the new strict master answered for {vip}"
    );
    assert!(pings(&lab, 2, &lab.ip(2)));
}

/// `strict_mode` on the instance does what the global `vrrp_strict` does;
/// `accept` lets a strict master answer; back in BACKUP the set is empty.
#[test]
fn strict_mode_blocks_accept_does_not() {
    let mut lab = Lab::new(3);
    let vip = lab.ip(100);
    let c = lab.write("k.conf", &conf(&lab, "", "  strict_mode\n@h1 accept"));
    lab.kad(0, &c, "h0");
    lab.kad(1, &c, "h1");
    assert!(wait_for(Duration::from_secs(8), || blocks(&lab, 0, &vip)));
    assert!(!pings(&lab, 2, &vip));
    // h0's link goes: h1 (accept) takes over and answers, with no table.
    lab.link(0, false);
    assert!(wait_for(Duration::from_secs(5), || lab.has_addr(1, &vip)));
    assert!(
        wait_for(Duration::from_secs(3), || pings(&lab, 2, &vip)),
        "the accepting master did not answer for {vip}"
    );
    assert!(!ruleset(&lab, 1).contains("keepalived"));
    // h0 back: it preempts and blocks again; h1, BACKUP, blocks nothing.
    lab.link(0, true);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)
        && blocks(&lab, 0, &vip)
        && !lab.has_addr(1, &vip)));
    assert!(wait_for(Duration::from_secs(3), || !pings(&lab, 2, &vip)));
}

/// kad and Debian's keepalived, each MASTER of its own instance with the
/// same options, make tables of the same shape: both families, the
/// link-local set, `nftables` naming the table, `nftables_priority`, and
/// `nftables_counters`.
#[test]
fn nftables_tables_have_keepalived_s_shape() {
    let mut lab = Lab::new(2);
    let text = format!(
        "global_defs {{\n  vrrp_strict\n  nftables kadtab\n  nftables_priority -5\n  nftables_counters\n}}\n\
         vrrp_instance V4 {{\n  interface eth0\n@h0 virtual_router_id 42\n@h1 virtual_router_id 43\n\
           priority 100\n  advert_int 1\n  virtual_ipaddress {{\n@h0    {}/24\n@h1    {}/24\n  }}\n}}\n\
         vrrp_instance V6 {{\n  interface eth0\n@h0 virtual_router_id 52\n@h1 virtual_router_id 53\n\
           priority 100\n  advert_int 1\n  virtual_ipaddress {{\n    fe80::100/64\n\
         @h0    fd00::100/64\n@h1    fd00::100/64\n  }}\n}}\n",
        lab.ip(100),
        lab.ip(100)
    );
    let c = lab.write("k.conf", &text);
    let ka = lab.keepalived(0, &c, "h0");
    let kad = lab.kad(1, &c, "h1");
    let ready = |lab: &Lab, h: usize| {
        let r = ruleset(lab, h);
        r.contains("elements = { fd00::100 }")
            && r.contains("fe80::100 . \"eth0\"")
            && r.contains(&format!("elements = {{ {} }}", lab.ip(100)))
    };
    assert!(
        wait_for(Duration::from_secs(10), || ready(&lab, 0) && ready(&lab, 1)),
        "keepalived:\n{}\nkad:\n{}\n{}",
        ruleset(&lab, 0),
        ruleset(&lab, 1),
        lab.log("kad1.log")
    );
    let (ka_rules, kad_rules) = (ruleset(&lab, 0), ruleset(&lab, 1));
    assert!(kad_rules.contains("table ip kadtab") && kad_rules.contains("table ip6 kadtab"));
    assert!(kad_rules.contains("priority filter - 5;"), "{kad_rules}");
    assert!(kad_rules.contains("counter packets"), "{kad_rules}");
    assert_eq!(
        shape(&kad_rules),
        shape(&ka_rules),
        "kad:\n{kad_rules}\nkeepalived:\n{ka_rules}"
    );
    // Both delete their tables on stop.
    lab.signal(ka, "TERM");
    lab.signal(kad, "TERM");
    assert!(lab.wait(kad, Duration::from_secs(5)).is_some());
    assert!(lab.wait(ka, Duration::from_secs(5)).is_some());
    assert_eq!(ruleset(&lab, 0).trim(), "");
    assert_eq!(ruleset(&lab, 1).trim(), "");
}

/// `vrrp_iptables`: with no iptables build (Debian's keepalived) or an
/// iptables that is iptables-nft, keepalived uses nftables with its default
/// table, and so does kad.
#[test]
fn vrrp_iptables_blocks_with_nftables() {
    let mut lab = Lab::new(2);
    let vip = lab.ip(100);
    let c = lab.write("k.conf", &conf(&lab, "  vrrp_iptables", "  no_accept"));
    lab.kad(0, &c, "h0");
    assert!(
        wait_for(Duration::from_secs(8), || blocks(&lab, 0, &vip)),
        "{}\n{}",
        ruleset(&lab, 0),
        lab.log("kad0.log")
    );
    assert!(!pings(&lab, 1, &vip));
}
