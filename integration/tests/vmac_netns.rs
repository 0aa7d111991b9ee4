//! `use_vmac` and `vmac_xmit_base` at run time, as keepalived 2.2.7 does
//! them (keepalived/vrrp/vrrp_vmac.c, vrrp_if_config.c): each director
//! has a private-mode macvlan `vrrp.VRID` with MAC 00:00:5e:00:01:VRID on
//! its eth0, in BACKUP too; the VIP sits on it; the master's adverts and
//! GARPs leave with that MAC (with `vmac_xmit_base` the adverts leave from
//! eth0's own MAC, the GARPs still from the VMAC); a client's neighbour
//! entry for the VIP is the VMAC and stays it when the other director
//! takes over; at stop the macvlan goes and eth0's ARP settings come back.
//! Hosts 0 and 1 direct (kad + kad, or kad + Debian's keepalived), host 2
//! is the client and listens with tcpdump.

use kad_integration::netns::{keepalived_state, state_of, wait_for, Capture, Lab};
use std::time::Duration;

const VRID: u8 = 51;
const VMAC: &str = "00:00:5e:00:01:33";

fn conf(lab: &Lab, prio: u8, extra: &str) -> String {
    format!(
        "global_defs {{\n router_id vm{prio}\n vrrp_garp_master_delay 1\n vrrp_garp_master_repeat 2\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n use_vmac\n{extra} virtual_router_id {VRID}\n priority {prio}\n advert_int 1\n\
          virtual_ipaddress {{\n {vip}/24\n }}\n}}\n",
        vip = vip(lab),
    )
}

fn vip(lab: &Lab) -> String {
    lab.ip(100)
}

fn out(lab: &Lab, h: usize, cmd: &str) -> String {
    String::from_utf8_lossy(&lab.exec(h, cmd).stdout).into_owned()
}

fn mac(lab: &Lab, h: usize) -> String {
    out(lab, h, "cat /sys/class/net/eth0/address")
        .trim()
        .to_string()
}

fn sysctl(lab: &Lab, h: usize, ifname: &str, key: &str) -> String {
    out(
        lab,
        h,
        &format!("cat /proc/sys/net/ipv4/conf/{ifname}/{key}"),
    )
    .trim()
    .to_string()
}

/// The macvlan on host h, as `ip -d link` shows it ("" if there is none).
fn vmac_link(lab: &Lab, h: usize) -> String {
    out(lab, h, &format!("ip -d link show vrrp.{VRID} 2>/dev/null"))
}

/// Whether host h's `vrrp.VRID` is the macvlan keepalived makes.
fn is_vmac(lab: &Lab, h: usize) -> bool {
    let l = vmac_link(lab, h);
    l.contains(&format!("link/ether {VMAC}"))
        && l.contains("macvlan mode private")
        && l.contains(&format!("vrrp.{VRID}@eth0"))
}

fn vip_on(lab: &Lab, h: usize, dev: &str) -> bool {
    out(lab, h, &format!("ip -o -4 addr show dev {dev} 2>/dev/null"))
        .contains(&format!(" {}/24", vip(lab)))
}

/// The client's neighbour entry for the VIP, after reaching it by ping.
fn client_mac_for_vip(lab: &Lab) -> String {
    let ok = wait_for(Duration::from_secs(5), || {
        lab.exec(2, &format!("ping -c1 -W1 {}", vip(lab)))
            .status
            .success()
    });
    assert!(ok, "the client cannot reach the VIP");
    neigh(lab)
}

fn neigh(lab: &Lab) -> String {
    out(lab, 2, &format!("ip neigh show {} dev eth0", vip(lab)))
        .split_whitespace()
        .skip_while(|w| *w != "lladdr")
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

/// tcpdump's records (the -v continuation lines joined to their first).
fn records(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in text.lines() {
        match out.last_mut() {
            Some(r) if l.starts_with(char::is_whitespace) => {
                r.push(' ');
                r.push_str(l.trim());
            }
            _ => out.push(l.to_string()),
        }
    }
    out
}

/// The source MACs of the captured adverts for VRID (prio p) and of the
/// GARPs for the VIP.
fn adverts_from(recs: &[String], src_mac: &str, prio: u8) -> usize {
    recs.iter()
        .filter(|r| r.split_whitespace().nth(1) == Some(src_mac))
        .filter(|r| r.contains(&format!("vrid {VRID}, prio {prio}")))
        .count()
}

fn garps_from(lab: &Lab, recs: &[String], src_mac: &str) -> usize {
    let v = vip(lab);
    recs.iter()
        .filter(|r| r.split_whitespace().nth(1) == Some(src_mac))
        .filter(|r| {
            r.contains(&format!(
                "Request who-has {v} (ff:ff:ff:ff:ff:ff) tell {v},"
            ))
        })
        .count()
}

/// The directors' entries for the client, fixed. A director answering
/// the client from the VIP routes by eth0, and resolving the client there
/// it asks "who-has CLIENT tell VIP" with eth0's MAC, which the client
/// takes for the VIP's: keepalived 2.2.7 does the same (seen beside it;
/// it sets arp_ignore and arp_filter on the base, not arp_announce). The
/// test is about what answers for the VIP, so the directors never ask.
fn pin_client(lab: &Lab) {
    let m = out(lab, 2, "cat /sys/class/net/eth0/address");
    for h in 0..2 {
        let o = lab.exec(
            h,
            &format!(
                "ip neigh replace {} lladdr {} dev eth0 nud permanent",
                lab.ip(3),
                m.trim()
            ),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

fn stop(lab: &mut Lab, p: usize) {
    lab.signal(p, "TERM");
    assert!(
        lab.wait(p, Duration::from_secs(10)).is_some(),
        "did not stop"
    );
}

#[test]
fn use_vmac_puts_the_vip_on_a_vmac_that_survives_failover() {
    let mut lab = Lab::new(3);
    pin_client(&lab);
    let base_arp_ignore = sysctl(&lab, 0, "eth0", "arp_ignore");
    let cap = Capture::start(&lab, 2, "vrrp or arp");
    let c0 = lab.write("kad0.conf", &conf(&lab, 150, ""));
    let c1 = lab.write("kad1.conf", &conf(&lab, 100, ""));
    let k0 = lab.kad(0, &c0, "vm");
    let (s0, s1) = (lab.socket(0), lab.socket(1));
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s0, "VI_1").as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    lab.kad(1, &c1, "vm");
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s1, "VI_1").as_deref()
            == Some("BACKUP")),
        "{}",
        lab.log("kad1.log")
    );

    // The backup hears the master's adverts on its own VMAC (frames from
    // its own MAC come to it alone): it stays BACKUP.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(state_of(&s1, "VI_1").as_deref(), Some("BACKUP"));
    // The macvlan on both directors (BACKUP too), the VIP on the master's.
    assert!(is_vmac(&lab, 0), "{}", vmac_link(&lab, 0));
    assert!(is_vmac(&lab, 1), "{}", vmac_link(&lab, 1));
    assert!(vip_on(&lab, 0, &format!("vrrp.{VRID}")));
    assert!(!vip_on(&lab, 0, "eth0"));
    assert!(!vip_on(&lab, 1, &format!("vrrp.{VRID}")));
    // keepalived's settings: the VMAC answers ARP for its own addresses
    // and takes packets whose route back is by eth0; eth0 no longer
    // answers for addresses it does not carry.
    let vm = format!("vrrp.{VRID}");
    assert_eq!(sysctl(&lab, 0, &vm, "arp_ignore"), "1");
    assert_eq!(sysctl(&lab, 0, &vm, "accept_local"), "1");
    assert_eq!(sysctl(&lab, 0, &vm, "rp_filter"), "0");
    assert_eq!(sysctl(&lab, 0, "eth0", "arp_ignore"), "1");
    assert_eq!(sysctl(&lab, 0, "eth0", "arp_filter"), "1");

    // The client learns the VMAC for the VIP.
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    // Failover: the master stops, its macvlan goes, eth0's ARP setting is
    // back; the other director takes over with the same MAC.
    stop(&mut lab, k0);
    assert!(
        wait_for(Duration::from_secs(3), || vmac_link(&lab, 0).is_empty()),
        "{}",
        vmac_link(&lab, 0)
    );
    assert_eq!(sysctl(&lab, 0, "eth0", "arp_ignore"), base_arp_ignore);
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s1, "VI_1").as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad1.log")
    );
    assert!(wait_for(Duration::from_secs(5), || vip_on(
        &lab,
        1,
        &format!("vrrp.{VRID}")
    )));
    // Its GARPs (2 after 1 s) leave the client's entry as it was...
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(neigh(&lab), VMAC);
    assert_eq!(client_mac_for_vip(&lab), VMAC);
    // ... and one learnt afresh is the VMAC too, answered by host 1.
    lab.exec(2, &format!("ip neigh flush {}", vip(&lab)));
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    let recs = records(&cap.stop());
    let (m0, m1) = (mac(&lab, 0), mac(&lab, 1));
    assert!(
        adverts_from(&recs, VMAC, 150) >= 2,
        "no adverts from the VMAC:\n{}",
        recs.join("\n")
    );
    assert!(adverts_from(&recs, VMAC, 100) >= 1, "{}", recs.join("\n"));
    assert_eq!(adverts_from(&recs, &m0, 150), 0, "{}", recs.join("\n"));
    assert_eq!(adverts_from(&recs, &m1, 100), 0, "{}", recs.join("\n"));
    // Both masters' GARPs came from the VMAC, none from an eth0.
    assert!(garps_from(&lab, &recs, VMAC) >= 4, "{}", recs.join("\n"));
    assert_eq!(garps_from(&lab, &recs, &m0), 0);
    assert_eq!(garps_from(&lab, &recs, &m1), 0);
}

#[test]
fn vmac_xmit_base_sends_adverts_from_the_interface_mac() {
    let mut lab = Lab::new(3);
    pin_client(&lab);
    let cap = Capture::start(&lab, 2, "vrrp or arp");
    let c0 = lab.write("kad0.conf", &conf(&lab, 150, " vmac_xmit_base\n"));
    let k0 = lab.kad(0, &c0, "vm");
    let s0 = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s0, "VI_1").as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    assert!(is_vmac(&lab, 0), "{}", vmac_link(&lab, 0));
    assert!(vip_on(&lab, 0, &format!("vrrp.{VRID}")));
    assert_eq!(client_mac_for_vip(&lab), VMAC);
    std::thread::sleep(Duration::from_millis(2500));
    stop(&mut lab, k0);
    assert!(vmac_link(&lab, 0).is_empty());
    let recs = records(&cap.stop());
    let m0 = mac(&lab, 0);
    assert!(adverts_from(&recs, &m0, 150) >= 2, "{}", recs.join("\n"));
    assert_eq!(adverts_from(&recs, VMAC, 150), 0, "{}", recs.join("\n"));
    assert!(garps_from(&lab, &recs, VMAC) >= 2, "{}", recs.join("\n"));
    assert_eq!(garps_from(&lab, &recs, &m0), 0, "{}", recs.join("\n"));
}

#[test]
fn use_vmac_fails_over_between_kad_and_keepalived_on_one_mac() {
    let mut lab = Lab::new(3);
    pin_client(&lab);
    let cap = Capture::start(&lab, 2, "vrrp or arp");
    let c0 = lab.write("kad.conf", &conf(&lab, 150, ""));
    let c1 = lab.write("ka.conf", &conf(&lab, 100, ""));
    let k0 = lab.kad(0, &c0, "vm");
    let s0 = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s0, "VI_1").as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    lab.keepalived(1, &c1, "vm");
    assert!(
        wait_for(Duration::from_secs(10), || keepalived_state(
            &lab.log("keepalived1.log"),
            "VI_1"
        ) == "BACKUP"),
        "{}",
        lab.log("keepalived1.log")
    );
    // keepalived's VMAC and kad's are the same thing.
    assert!(is_vmac(&lab, 1), "{}", vmac_link(&lab, 1));
    assert!(is_vmac(&lab, 0), "{}", vmac_link(&lab, 0));
    // keepalived hears kad's adverts on its VMAC: it stays BACKUP.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        keepalived_state(&lab.log("keepalived1.log"), "VI_1"),
        "BACKUP"
    );
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    stop(&mut lab, k0);
    assert!(vmac_link(&lab, 0).is_empty());
    assert!(
        wait_for(Duration::from_secs(10), || keepalived_state(
            &lab.log("keepalived1.log"),
            "VI_1"
        ) == "MASTER"),
        "{}",
        lab.log("keepalived1.log")
    );
    assert!(wait_for(Duration::from_secs(5), || vip_on(
        &lab,
        1,
        &format!("vrrp.{VRID}")
    )));
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(neigh(&lab), VMAC);
    lab.exec(2, &format!("ip neigh flush {}", vip(&lab)));
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    // kad back: it takes over from keepalived (higher priority), which
    // must hear it on its VMAC and give way.
    lab.kad(0, &c0, "vm");
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&s0, "VI_1").as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    assert!(
        wait_for(Duration::from_secs(5), || keepalived_state(
            &lab.log("keepalived1.log"),
            "VI_1"
        ) == "BACKUP"),
        "{}",
        lab.log("keepalived1.log")
    );
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    let recs = records(&cap.stop());
    // Both send their adverts and GARPs from the VMAC, neither from eth0.
    let (m0, m1) = (mac(&lab, 0), mac(&lab, 1));
    assert!(adverts_from(&recs, VMAC, 150) >= 2, "{}", recs.join("\n"));
    assert!(adverts_from(&recs, VMAC, 100) >= 1, "{}", recs.join("\n"));
    assert_eq!(adverts_from(&recs, &m0, 150), 0);
    assert_eq!(adverts_from(&recs, &m1, 100), 0);
    assert_eq!(garps_from(&lab, &recs, &m0), 0);
    assert_eq!(garps_from(&lab, &recs, &m1), 0);
}

const VMAC6: &str = "00:00:5e:00:02:33";

fn conf46(lab: &Lab, prio: u8) -> String {
    format!(
        "global_defs {{\n router_id vm{prio}\n vrrp_garp_master_delay 1\n vrrp_garp_master_repeat 2\n}}\n\
         vrrp_instance VI_4 {{\n interface eth0\n use_vmac\n virtual_router_id {VRID}\n priority {prio}\n advert_int 1\n\
          virtual_ipaddress {{\n {vip}/24\n }}\n}}\n\
         vrrp_instance VI_6 {{\n interface eth0\n use_vmac\n virtual_router_id {VRID}\n priority {prio}\n advert_int 1\n\
          virtual_ipaddress {{\n {vip6}/64\n }}\n}}\n",
        vip = vip(lab),
        vip6 = vip6(lab),
    )
}

fn vip6(lab: &Lab) -> String {
    format!("fd00:{}::100", lab.net)
}

fn link_local(lab: &Lab, h: usize, dev: &str) -> String {
    out(
        lab,
        h,
        &format!("ip -o -6 addr show dev {dev} scope link 2>/dev/null"),
    )
    .split_whitespace()
    .skip_while(|w| *w != "inet6")
    .nth(1)
    .and_then(|a| a.split('/').next())
    .unwrap_or_default()
    .to_string()
}

/// The IPv6 VMAC is `vrrp6.VRID` when an IPv4 instance of the same VRID
/// has `vrrp.VRID` (keepalived's second try for IPv6), with MAC
/// 00:00:5e:00:02:VRID, eth0's link-local address to send from and the
/// IPv6 VIP; kad's and keepalived's are the same, their IPv6 adverts and
/// NAs leave from that MAC, and the client's neighbour entry for the IPv6
/// VIP is it before and after keepalived takes over.
#[test]
fn use_vmac_for_ipv6_is_vrrp6_with_the_ipv6_vmac_as_keepalived() {
    let mut lab = Lab::new(3);
    pin_client(&lab);
    let o = lab.exec(
        2,
        &format!("ip addr add fd00:{}::3/64 dev eth0 nodad", lab.net),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cap = Capture::start(&lab, 2, "vrrp or ip6 proto 112 or icmp6");
    let c0 = lab.write("kad.conf", &conf46(&lab, 150));
    let c1 = lab.write("ka.conf", &conf46(&lab, 100));
    let k0 = lab.kad(0, &c0, "vm");
    let s0 = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(10), || {
            state_of(&s0, "VI_4").as_deref() == Some("MASTER")
                && state_of(&s0, "VI_6").as_deref() == Some("MASTER")
        }),
        "{}",
        lab.log("kad0.log")
    );
    lab.keepalived(1, &c1, "vm");
    let ka = |lab: &Lab, i: &str| keepalived_state(&lab.log("keepalived1.log"), i);
    assert!(
        wait_for(Duration::from_secs(10), || ka(&lab, "VI_4") == "BACKUP"
            && ka(&lab, "VI_6") == "BACKUP"),
        "{}",
        lab.log("keepalived1.log")
    );
    for h in 0..2 {
        let l4 = out(&lab, h, &format!("ip -d link show vrrp.{VRID}"));
        let l6 = out(&lab, h, &format!("ip -d link show vrrp6.{VRID}"));
        assert!(l4.contains(&format!("link/ether {VMAC}")), "host {h}: {l4}");
        assert!(
            l6.contains(&format!("link/ether {VMAC6}")),
            "host {h}: {l6}"
        );
        assert!(l6.contains("macvlan mode private"), "host {h}: {l6}");
    }
    let vm6 = format!("vrrp6.{VRID}");
    let ll0 = link_local(&lab, 0, "eth0");
    assert!(!ll0.is_empty());
    assert_eq!(link_local(&lab, 0, &vm6), ll0);
    assert!(out(&lab, 0, &format!("ip -o -6 addr show dev {vm6}"))
        .contains(&format!(" {}/64", vip6(&lab))));
    // keepalived hears kad's IPv6 adverts on its VMAC.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(ka(&lab, "VI_6"), "BACKUP");
    let ping6 = |lab: &Lab| {
        wait_for(Duration::from_secs(5), || {
            lab.exec(2, &format!("ping -6 -c1 -W1 {}", vip6(lab)))
                .status
                .success()
        })
    };
    let neigh6 = |lab: &Lab| {
        out(lab, 2, &format!("ip -6 neigh show {} dev eth0", vip6(lab)))
            .split_whitespace()
            .skip_while(|w| *w != "lladdr")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    assert!(ping6(&lab));
    assert_eq!(neigh6(&lab), VMAC6);

    stop(&mut lab, k0);
    assert!(out(&lab, 0, "ip link").lines().all(|l| !l.contains("vrrp")));
    assert!(
        wait_for(Duration::from_secs(10), || ka(&lab, "VI_6") == "MASTER"),
        "{}",
        lab.log("keepalived1.log")
    );
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(neigh6(&lab), VMAC6);
    lab.exec(2, &format!("ip -6 neigh flush {}", vip6(&lab)));
    assert!(ping6(&lab));
    assert_eq!(neigh6(&lab), VMAC6);

    let recs = records(&cap.stop());
    let from = |mac: &str, prio: u8| {
        recs.iter()
            .filter(|r| r.split_whitespace().nth(1) == Some(mac))
            .filter(|r| r.contains("ff02::12") && r.contains(&format!("vrid {VRID}, prio {prio}")))
            .count()
    };
    assert!(from(VMAC6, 150) >= 2, "{}", recs.join("\n"));
    assert!(from(VMAC6, 100) >= 1, "{}", recs.join("\n"));
    assert_eq!(from(&mac(&lab, 0), 150), 0, "{}", recs.join("\n"));
    // kad's adverts come from eth0's link-local address.
    assert!(
        recs.iter()
            .any(|r| r.contains(&format!("{ll0} > ff02::12")) && r.contains("prio 150")),
        "{ll0}: {}",
        recs.join("\n")
    );
    // The NAs for the IPv6 VIP leave from the VMAC too.
    assert!(
        recs.iter()
            .any(|r| r.split_whitespace().nth(1) == Some(VMAC6)
                && r.contains("neighbor advertisement")
                && r.contains(&vip6(&lab))),
        "{}",
        recs.join("\n")
    );
}

/// A reload that gives a running instance `use_vmac` creates the VMAC
/// and moves the VIP onto it; one that takes it away deletes the VMAC and
/// puts the VIP back on eth0.
#[test]
fn a_reload_adds_and_removes_the_vmac() {
    let mut lab = Lab::new(3);
    pin_client(&lab);
    let plain = conf(&lab, 150, "").replace(" use_vmac\n", "");
    let p = lab.write("kad.conf", &plain);
    let k = lab.kad(0, &p, "vm");
    let s = lab.socket(0);
    let master = |s: &std::path::Path| state_of(s, "VI_1").as_deref() == Some("MASTER");
    assert!(wait_for(Duration::from_secs(10), || master(&s)));
    assert!(vip_on(&lab, 0, "eth0"));
    assert!(vmac_link(&lab, 0).is_empty());

    std::fs::write(&p, conf(&lab, 150, "")).expect("write");
    lab.signal(k, "HUP");
    let vm = format!("vrrp.{VRID}");
    assert!(
        wait_for(Duration::from_secs(10), || is_vmac(&lab, 0)
            && vip_on(&lab, 0, &vm)
            && !vip_on(&lab, 0, "eth0")),
        "{}",
        lab.log("kad0.log")
    );
    assert_eq!(client_mac_for_vip(&lab), VMAC);

    std::fs::write(&p, plain).expect("write");
    lab.signal(k, "HUP");
    assert!(
        wait_for(Duration::from_secs(10), || vmac_link(&lab, 0).is_empty()
            && vip_on(&lab, 0, "eth0")),
        "{}",
        lab.log("kad0.log")
    );
    stop(&mut lab, k);
}
