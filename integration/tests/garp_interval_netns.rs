//! `vrrp_garp_interval` and `vrrp_gna_interval`: the gap between the
//! gratuitous ARPs (and between the unsolicited NAs) an interface sends,
//! as keepalived 2.2.7 paces them — checked on the wire with tcpdump, kad
//! and keepalived side by side in two namespaces, a third one listening;
//! and a `garp_group` naming an interface overrides the globals for it.

use kad_integration::netns::{wait_for, Capture, Lab};
use std::process::Command;
use std::time::Duration;

/// Capture times (s) of the packets of one sender whose line has `what`.
fn times(pcap: &std::path::Path, mac: &str, what: &str) -> Vec<f64> {
    let o = Command::new("tcpdump")
        .args(["-r"])
        .arg(pcap)
        .args(["-n", "-e", "-tt"])
        .output()
        .expect("tcpdump -r");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.contains(mac) && l.contains(what))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

fn gaps(t: &[f64]) -> Vec<f64> {
    t.windows(2).map(|w| w[1] - w[0]).collect()
}

fn mac(lab: &Lab, h: usize) -> String {
    String::from_utf8_lossy(&lab.exec(h, "cat /sys/class/net/eth0/address").stdout)
        .trim()
        .to_string()
}

fn conf(lab: &Lab, vrid: u8, global: &str, extra: &str) -> String {
    format!(
        "global_defs {{\n router_id gi\n vrrp_garp_master_delay 0\n vrrp_garp_master_repeat 4\n{global}\n}}\n{extra}\
         vrrp_instance VI_4 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.5.{vrid}/24\n }}\n}}\n\
         vrrp_instance VI_6 {{\n interface eth0\n virtual_router_id {vrid}\n version 3\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n fd00:{net}::{vrid}/64\n }}\n}}\n",
        net = lab.net
    )
}

/// Run kad (host 0) and keepalived (host 1) with `global`/`extra`; the
/// gaps between each one's ARPs and between its NAs, as host 2 saw them.
fn run(global: &str, extra: &str) -> [(Vec<f64>, Vec<f64>); 2] {
    let mut lab = Lab::new(3);
    let cap = Capture::start(&lab, 2, "arp or icmp6");
    let kad_conf = lab.write("kad.conf", &conf(&lab, 21, global, extra));
    let ka_conf = lab.write("ka.conf", &conf(&lab, 22, global, extra));
    lab.kad(0, &kad_conf, "gi");
    lab.keepalived(1, &ka_conf, "gi");
    let v4 = [
        format!("10.{}.5.21", lab.net),
        format!("10.{}.5.22", lab.net),
    ];
    assert!(
        wait_for(Duration::from_secs(10), || lab.has_addr(0, &v4[0])
            && lab.has_addr(1, &v4[1])),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    // The bursts: 4 packets, up to 3 gaps of 0.5 s.
    std::thread::sleep(Duration::from_secs(3));
    let file = cap.file.clone();
    cap.stop();
    [0, 1].map(|h| {
        let m = mac(&lab, h);
        let vip4 = &v4[h];
        let arps = times(
            &file,
            &m,
            &format!("Request who-has {vip4} (ff:ff:ff:ff:ff:ff) tell {vip4}"),
        );
        let nas = times(&file, &m, "neighbor advertisement");
        // kad sends every repeat; keepalived 2.2.7, when a gap holds a
        // packet back, keeps one pending packet per address (a flag), so
        // the 4 repeats of its burst come out as 2 (with no gap: 4).
        let want = if h == 0 || global.is_empty() && extra.is_empty() {
            4..5
        } else {
            2..5
        };
        assert!(want.contains(&arps.len()), "host {h} ARPs: {arps:?}");
        assert!(want.contains(&nas.len()), "host {h} NAs: {nas:?}");
        (gaps(&arps), gaps(&nas))
    })
}

fn all_within(g: &[f64], lo: f64, hi: f64) -> bool {
    !g.is_empty() && g.iter().all(|x| (lo..hi).contains(x))
}

#[test]
fn vrrp_garp_interval_and_vrrp_gna_interval_pace_each_interface_as_keepalived() {
    let r = run(" vrrp_garp_interval 0.3\n vrrp_gna_interval 0.5", "");
    for (h, (arp, na)) in r.iter().enumerate() {
        let who = ["kad", "keepalived"][h];
        assert!(all_within(arp, 0.25, 0.45), "{who} ARP gaps {arp:?}");
        assert!(all_within(na, 0.45, 0.65), "{who} NA gaps {na:?}");
    }
}

#[test]
fn a_garp_group_sets_its_interfaces_gaps() {
    // The group's gaps win over the globals for eth0.
    let r = run(
        " vrrp_garp_interval 0.5",
        "garp_group {\n garp_interval 0.2\n gna_interval 0.4\n interface eth0\n}\n",
    );
    for (h, (arp, na)) in r.iter().enumerate() {
        let who = ["kad", "keepalived"][h];
        assert!(all_within(arp, 0.15, 0.35), "{who} ARP gaps {arp:?}");
        assert!(all_within(na, 0.35, 0.55), "{who} NA gaps {na:?}");
    }
    // Without gaps a burst goes out at once.
    let r = run("", "");
    for (h, (arp, na)) in r.iter().enumerate() {
        let who = ["kad", "keepalived"][h];
        assert!(all_within(arp, 0.0, 0.05), "{who} ARP gaps {arp:?}");
        assert!(all_within(na, 0.0, 0.05), "{who} NA gaps {na:?}");
    }
}
