//! Instance options beside keepalived 2.2.7, each daemon alone in its own
//! namespace with the same configuration: `unicast_fault_no_peer` (an
//! instance without peers stays in FAULT) and `promote_secondaries` (set
//! on the interface while running, so deleting the primary address keeps
//! the VIP; reset at stop).

use kad_integration::netns::{keepalived_state, status, wait_for, Lab};
use std::time::Duration;

fn kad_state(lab: &Lab, vi: &str) -> (String, Vec<String>) {
    status(&lab.socket(0))
        .and_then(|s| s.vrrp.into_iter().find(|v| v.name == vi))
        .map(|v| (v.state, v.fault_reasons))
        .unwrap_or_default()
}

#[test]
fn unicast_fault_no_peer_holds_the_instance_in_fault_as_keepalived() {
    let mut lab = Lab::new(2);
    let conf = |a: u8| {
        format!(
            "vrrp_instance VI_U {{\n interface eth0\n virtual_router_id {a}\n priority 100\n advert_int 1\n unicast_fault_no_peer\n\
              virtual_ipaddress {{\n 10.{net}.4.{a}/24\n }}\n}}\n\
             vrrp_instance VI_M {{\n interface eth0\n virtual_router_id {b}\n priority 100\n advert_int 1\n\
              virtual_ipaddress {{\n 10.{net}.4.{b}/24\n }}\n}}\n",
            net = lab.net,
            b = a + 1
        )
    };
    let kad_conf = lab.write("kad.conf", &conf(11));
    let ka_conf = lab.write("ka.conf", &conf(13));
    lab.kad(0, &kad_conf, "uf");
    lab.keepalived(1, &ka_conf, "uf");
    assert!(
        wait_for(Duration::from_secs(10), || {
            let ka = lab.log("keepalived1.log");
            kad_state(&lab, "VI_M").0 == "MASTER" && keepalived_state(&ka, "VI_M") == "MASTER"
        }),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    let (state, reasons) = kad_state(&lab, "VI_U");
    assert_eq!(state, "FAULT");
    assert_eq!(reasons, ["Cannot use unicast without any peers"]);
    let ka = lab.log("keepalived1.log");
    assert!(
        ka.contains("(VI_U) Cannot use unicast without any peers - going to fault state"),
        "{ka}"
    );
    assert!(lab
        .log("kad0.log")
        .contains("(VI_U) Cannot use unicast without any peers - going to fault state"));
    // keepalived holds it in FAULT from the start without a transition.
    assert_eq!(keepalived_state(&ka, "VI_U"), "", "{ka}");
    assert!(!lab.has_addr(0, &format!("10.{}.4.11", lab.net)));
    assert!(!lab.has_addr(1, &format!("10.{}.4.13", lab.net)));
}

#[test]
fn promote_secondaries_keeps_the_vip_when_the_primary_goes_as_keepalived() {
    let mut lab = Lab::new(2);
    // Adverts go from a second subnet's address (keepalived faults an
    // instance whose own source address goes), so only the VIP's subnet
    // loses its primary.
    for h in 0..2 {
        assert!(lab
            .exec(
                h,
                &format!("ip addr add 10.{}.3.{}/24 dev eth0", lab.net, h + 1)
            )
            .status
            .success());
    }
    let conf = |last: u8, vrid: u8, h: u8| {
        format!(
            "vrrp_instance VI_P {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n promote_secondaries\n\
              mcast_src_ip 10.{net}.3.{h}\n virtual_ipaddress {{\n 10.{net}.0.{last}/24\n }}\n}}\n",
            net = lab.net
        )
    };
    let kad_conf = lab.write("kad.conf", &conf(200, 15, 1));
    let ka_conf = lab.write("ka.conf", &conf(201, 16, 2));
    let sysctl = |lab: &Lab, h: usize| {
        String::from_utf8_lossy(
            &lab.exec(h, "cat /proc/sys/net/ipv4/conf/eth0/promote_secondaries")
                .stdout,
        )
        .trim()
        .to_string()
    };
    assert_eq!((sysctl(&lab, 0), sysctl(&lab, 1)), ("0".into(), "0".into()));
    let kad = lab.kad(0, &kad_conf, "ps");
    let ka = lab.keepalived(1, &ka_conf, "ps");
    let vips = [
        format!("10.{}.0.200", lab.net),
        format!("10.{}.0.201", lab.net),
    ];
    assert!(
        wait_for(Duration::from_secs(10), || lab.has_addr(0, &vips[0])
            && lab.has_addr(1, &vips[1])),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    for h in 0..2 {
        assert_eq!(sysctl(&lab, h), "1", "host {h}");
        // The primary address goes: the VIP, a secondary of its subnet,
        // is promoted instead of deleted with it.
        let primary = lab.ip(h as u8 + 1);
        assert!(lab
            .exec(h, &format!("ip addr del {primary}/24 dev eth0"))
            .status
            .success());
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            lab.has_addr(h, &vips[h]),
            "host {h}: the VIP went with the primary\n{}",
            lab.log(["kad0.log", "keepalived1.log"][h])
        );
    }
    lab.signal(kad, "TERM");
    lab.signal(ka, "TERM");
    assert!(lab.wait(kad, Duration::from_secs(10)).is_some());
    assert!(lab.wait(ka, Duration::from_secs(10)).is_some());
    // Reset to what it was.
    assert_eq!((sysctl(&lab, 0), sysctl(&lab, 1)), ("0".into(), "0".into()));
}

/// Both daemons' VI_S states (only kad's without `ka`), once equal `want`.
fn both_in(lab: &Lab, want: &str, ka: bool) -> bool {
    wait_for(Duration::from_secs(10), || {
        kad_state(lab, "VI_S").0 == want
            && (!ka || keepalived_state(&lab.log("keepalived1.log"), "VI_S") == want)
    })
}

/// The interface has one address, the source; it goes and comes back.
/// (With several addresses keepalived 2.2.7 watches only the one it holds
/// as the interface's; kad watches the one it sends from.)
fn source_case(extra: &str, beside_keepalived: bool) {
    let subnet = 0;
    let mut lab = Lab::new(2);
    let conf = |vrid: u8, h: u8| {
        format!(
            "vrrp_instance VI_S {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n{}\n\
              virtual_ipaddress {{\n 10.{net}.2.{vrid}/24\n }}\n}}\n",
            extra
                .replace("NET", &lab.net.to_string())
                .replace("H", &h.to_string()),
            net = lab.net
        )
    };
    let kad_conf = lab.write("kad.conf", &conf(17, 1));
    let ka_conf = lab.write("ka.conf", &conf(18, 2));
    lab.kad(0, &kad_conf, "ts");
    lab.keepalived(1, &ka_conf, "ts");
    let show = |lab: &Lab| format!("{}\n{}", lab.log("kad0.log"), lab.log("keepalived1.log"));
    assert!(both_in(&lab, "MASTER", beside_keepalived), "{}", show(&lab));
    // The source address goes: FAULT; it comes back: MASTER again.
    for h in 0..2 {
        let a = format!("10.{}.{subnet}.{}/24", lab.net, h + 1);
        assert!(lab
            .exec(h, &format!("ip addr del {a} dev eth0"))
            .status
            .success());
    }
    assert!(both_in(&lab, "FAULT", beside_keepalived), "{}", show(&lab));
    assert_eq!(kad_state(&lab, "VI_S").1, ["no IPv4 address for interface"]);
    for h in 0..2 {
        let a = format!("10.{}.{subnet}.{}/24", lab.net, h + 1);
        assert!(lab
            .exec(h, &format!("ip addr add {a} dev eth0"))
            .status
            .success());
    }
    assert!(both_in(&lab, "MASTER", beside_keepalived), "{}", show(&lab));
}

#[test]
fn removing_the_picked_source_address_faults_the_instance_as_keepalived() {
    // No configured source: the interface's primary address, 10.x.0.h.
    source_case("", true);
}

#[test]
fn track_src_ip_faults_on_the_configured_source_as_documented() {
    // As keepalived's man page says. keepalived 2.2.7 itself never faults
    // here: its address handler compares the configured source's sockaddr
    // (family and port bytes) with the removed address, which never match.
    source_case(" mcast_src_ip 10.NET.0.H\n track_src_ip", false);
}
