//! VRRP on real kernels: kad daemons in network namespaces on a bridge,
//! with `ip addr` and tcpdump as the witnesses.

use kad_integration::netns::{state_of, status, wait_for, Capture, Lab};
use std::time::{Duration, Instant};

const VI: &str = "VI_1";

/// One instance; `extra` lines go inside it. Hosts choose their priority
/// with `@hN` lines.
fn conf(lab: &Lab, prios: &[u8], extra: &str) -> String {
    let mut p = String::new();
    for (h, prio) in prios.iter().enumerate() {
        p.push_str(&format!("@h{h} priority {prio}\n"));
    }
    format!(
        "global_defs {{\n  vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 42\n{p}  advert_int 1\n\
         authentication {{\n auth_type PASS\n auth_pass kadtest\n }}\n\
         virtual_ipaddress {{\n    {}/24\n  }}\n{extra}\n}}\n",
        lab.ip(100)
    )
}

fn start_all(lab: &mut Lab, conf: &std::path::Path, hosts: &[usize]) -> Vec<usize> {
    hosts
        .iter()
        .map(|&h| lab.kad(h, conf, &format!("h{h}")))
        .collect()
}

fn is_master(lab: &Lab, h: usize) -> bool {
    state_of(&lab.socket(h), VI).as_deref() == Some("MASTER")
}

/// Who holds the VIP now.
fn holders(lab: &Lab, hosts: &[usize]) -> Vec<usize> {
    let vip = lab.ip(100);
    hosts
        .iter()
        .copied()
        .filter(|&h| lab.has_addr(h, &vip))
        .collect()
}

#[test]
fn two_kad_elect_and_fail_over_on_sigterm() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], ""));
    let p = start_all(&mut lab, &c, &[0, 1]);
    assert!(
        wait_for(Duration::from_secs(8), || is_master(&lab, 0)),
        "h0 never became master:\n{}",
        lab.log("kad0.log")
    );
    assert!(wait_for(Duration::from_secs(2), || holders(&lab, &[0, 1]) == vec![0]));
    let st = status(&lab.socket(1)).expect("status of h1");
    let v = &st.vrrp[0];
    assert_eq!(
        (v.state.as_str(), v.priority, v.effective_priority),
        ("BACKUP", 100, 100)
    );
    assert_eq!(v.master_addr.as_deref(), Some(lab.ip(1).as_str()));
    assert_eq!(v.master_priority, Some(150));
    assert!(v.stats.advert_rcvd > 0);
    // SIGTERM the master: the backup takes over, the VIP moves, h0 exits 0.
    lab.signal(p[0], "TERM");
    let t = Instant::now();
    assert!(
        wait_for(Duration::from_secs(3), || holders(&lab, &[0, 1]) == vec![1]),
        "{}",
        lab.log("kad1.log")
    );
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "takeover took {:?}",
        t.elapsed()
    );
    assert!(
        lab.wait(p[0], Duration::from_secs(5))
            .is_some_and(|s| s.success()),
        "kad did not exit cleanly"
    );
    assert!(
        !lab.has_addr(0, &lab.ip(100)),
        "VIP left behind after a clean stop"
    );
    assert_eq!(state_of(&lab.socket(1), VI).as_deref(), Some("MASTER"));
}

#[test]
fn silent_master_link_down_fails_over_and_faults() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], ""));
    start_all(&mut lab, &c, &[0, 1]);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    lab.link(0, false);
    // The bridge keeps h1's carrier: it takes over after Master_Down_Interval.
    let t = Instant::now();
    assert!(wait_for(Duration::from_secs(6), || is_master(&lab, 1)));
    let took = t.elapsed();
    assert!(
        took > Duration::from_millis(3000) && took < Duration::from_millis(4500),
        "{took:?}"
    );
    assert!(wait_for(Duration::from_secs(2), || lab.has_addr(1, &lab.ip(100))));
    // h0 lost carrier on its eth0: FAULT, VIP released.
    assert!(wait_for(Duration::from_secs(3), || state_of(
        &lab.socket(0),
        VI
    )
    .as_deref()
        == Some("FAULT")));
    assert!(!lab.has_addr(0, &lab.ip(100)));
    // Link back: h0 preempts again.
    lab.link(0, true);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)
        && holders(&lab, &[0, 1]) == vec![0]));
}

#[test]
fn three_kad_converge_and_preempt_follows_priority() {
    let mut lab = Lab::new(3);
    let c = lab.write("k.conf", &conf(&lab, &[100, 200, 150], ""));
    lab.kad(0, &c, "h0");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    lab.kad(2, &c, "h2");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 2)
        && !is_master(&lab, 0)));
    lab.kad(1, &c, "h1");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 1)));
    assert!(wait_for(Duration::from_secs(2), || holders(
        &lab,
        &[0, 1, 2]
    ) == vec![1]));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(holders(&lab, &[0, 1, 2]), vec![1], "stable");
    assert!(!is_master(&lab, 0) && !is_master(&lab, 2));
}

#[test]
fn nopreempt_keeps_the_running_master() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], "  nopreempt"));
    lab.kad(1, &c, "h1");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 1)));
    lab.kad(0, &c, "h0");
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        is_master(&lab, 1),
        "nopreempt: the higher priority must not take over"
    );
    assert_eq!(state_of(&lab.socket(0), VI).as_deref(), Some("BACKUP"));
}

#[test]
fn track_script_moves_the_master() {
    let mut lab = Lab::new(2);
    let flags: Vec<_> = (0..2)
        .map(|h| lab.dir.path().join(format!("healthy{h}")))
        .collect();
    for f in &flags {
        std::fs::write(f, "").unwrap();
    }
    let mut text = conf(&lab, &[150, 100], "  track_script {\n    chk\n  }");
    text.push_str(&format!(
        "vrrp_script chk {{\n@h0  script \"/bin/test -f {}\"\n@h1  script \"/bin/test -f {}\"\n  interval 0.2\n  weight -60\n}}\n",
        flags[0].display(),
        flags[1].display()
    ));
    let c = lab.write("k.conf", &text);
    start_all(&mut lab, &c, &[0, 1]);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    // h0's check fails: 150 - 60 = 90 < 100, h1 preempts.
    std::fs::remove_file(&flags[0]).unwrap();
    assert!(wait_for(Duration::from_secs(1), || status(&lab.socket(0))
        .is_some_and(|s| s.vrrp[0].effective_priority == 90)));
    assert!(wait_for(Duration::from_secs(6), || is_master(&lab, 1)
        && holders(&lab, &[0, 1]) == vec![1]));
    // Healthy again: back to 150, h0 preempts.
    std::fs::write(&flags[0], "").unwrap();
    assert!(wait_for(Duration::from_secs(6), || is_master(&lab, 0)
        && holders(&lab, &[0, 1]) == vec![0]));
}

#[test]
fn track_interface_faults_and_weight_moves() {
    let mut lab = Lab::new(2);
    for h in 0..2 {
        assert!(lab.exec(h, "ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up").status.success());
    }
    let c = lab.write(
        "k.conf",
        &conf(&lab, &[150, 100], "  track_interface {\n    trk0\n  }"),
    );
    start_all(&mut lab, &c, &[0, 1]);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    lab.exec(0, "ip link set trk0 down");
    assert!(wait_for(Duration::from_secs(3), || state_of(
        &lab.socket(0),
        VI
    )
    .as_deref()
        == Some("FAULT")));
    let st = status(&lab.socket(0)).unwrap();
    assert!(
        st.vrrp[0].fault_reasons.iter().any(|r| r.contains("trk0")),
        "{:?}",
        st.vrrp[0].fault_reasons
    );
    // h0 left with a priority-0 advert: h1 takes over after its skew time.
    assert!(wait_for(Duration::from_secs(3), || holders(&lab, &[0, 1]) == vec![1]));
    lab.exec(0, "ip link set trk0 up");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
}

#[test]
fn sync_group_members_move_together() {
    let mut lab = Lab::new(2);
    for h in 0..2 {
        assert!(lab.exec(h, "ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up").status.success());
    }
    let text = format!(
        "vrrp_sync_group G {{\n  group {{\n    VI_1\n    VI_2\n  }}\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n@h0 priority 150\n@h1 priority 100\n\
           track_interface {{\n    trk0\n  }}\n  virtual_ipaddress {{\n    {}/24\n  }}\n}}\n\
         vrrp_instance VI_2 {{\n  interface eth0\n  virtual_router_id 52\n@h0 priority 150\n@h1 priority 100\n\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(101),
        lab.ip(102)
    );
    let c = lab.write("k.conf", &text);
    start_all(&mut lab, &c, &[0, 1]);
    let masters = |h: usize| {
        status(&lab.socket(h))
            .map(|s| s.vrrp.iter().filter(|v| v.state == "MASTER").count())
            .unwrap_or(9)
    };
    assert!(wait_for(Duration::from_secs(8), || masters(0) == 2
        && masters(1) == 0));
    // A fault of VI_1 only takes VI_2 along.
    lab.exec(0, "ip link set trk0 down");
    assert!(
        wait_for(Duration::from_secs(4), || masters(1) == 2),
        "{}",
        lab.log("kad0.log")
    );
    let st = status(&lab.socket(0)).unwrap();
    assert!(
        st.vrrp.iter().all(|v| v.state == "FAULT"),
        "{:?}",
        st.vrrp.iter().map(|v| &v.state).collect::<Vec<_>>()
    );
    assert!(lab.has_addr(1, &lab.ip(101)) && lab.has_addr(1, &lab.ip(102)));
    assert!(!lab.has_addr(0, &lab.ip(101)) && !lab.has_addr(0, &lab.ip(102)));
}

#[test]
fn gratuitous_arps_are_on_the_wire() {
    let mut lab = Lab::new(3);
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], ""));
    let cap = Capture::start(&lab, 2, "arp or vrrp");
    lab.kad(0, &c, "h0");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    std::thread::sleep(Duration::from_millis(1800));
    let text = cap.stop();
    let vip = lab.ip(100);
    let mac = String::from_utf8_lossy(&lab.exec(0, "cat /sys/class/net/eth0/address").stdout)
        .trim()
        .to_string();
    let garps: Vec<f64> = text
        .lines()
        .filter(|l| {
            l.contains(&format!(
                "Request who-has {vip} (ff:ff:ff:ff:ff:ff) tell {vip}"
            )) && l.contains(&mac)
        })
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(
        garps.len(),
        10,
        "5 at takeover and 5 after garp_master_delay (1 s):\n{text}"
    );
    let gap = garps[5] - garps[4];
    assert!((0.9..1.3).contains(&gap), "second burst after {gap} s");
    // The advert went first, with TTL 255 and TOS 0xc0.
    let first_advert = text.lines().position(|l| l.contains("proto VRRP")).unwrap();
    let first_garp = text.lines().position(|l| l.contains("who-has")).unwrap();
    assert!(first_advert < first_garp);
    assert!(text.contains("tos 0xc0, ttl 255"), "{text}");
}

#[test]
fn unicast_peers_elect() {
    let mut lab = Lab::new(3);
    let extra = format!(
        "@h0 unicast_src_ip {a}\n@h1 unicast_src_ip {b}\n  unicast_peer {{\n@h0 {b}\n@h1 {a}\n  }}",
        a = lab.ip(1),
        b = lab.ip(2)
    );
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], &extra));
    let cap = Capture::start(&lab, 1, "vrrp");
    start_all(&mut lab, &c, &[0, 1]);
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(state_of(&lab.socket(1), VI).as_deref(), Some("BACKUP"));
    let text = cap.stop();
    assert!(
        text.contains(&format!("{} > {}: VRRPv2", lab.ip(1), lab.ip(2))),
        "{text}"
    );
    assert!(
        !text.contains("224.0.0.18"),
        "unicast instances must not multicast:\n{text}"
    );
}

#[test]
fn malformed_packets_are_counted_not_fatal() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], ""));
    lab.kad(0, &c, "h0");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    // From h1: bad checksum, wrong password, TTL 64, truncated, garbage.
    let script = r#"
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b)//2), b[:len(b)//2*2]))
    if len(b) % 2: s += b[-1] << 8
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def adv(prio, pw, fix=True):
    p = bytearray([0x21, 42, prio, 1, 1, 1, 0, 0]) + socket.inet_aton(VIP) + pw.ljust(8, b'\0')
    if fix: p[6:8] = struct.pack('!H', csum(bytes(p)))
    return bytes(p)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(SRC))
g = ('224.0.0.18', 0)
s.sendto(adv(200, b'kadtest', fix=False), g)
s.sendto(adv(200, b'wrong'), g)
s.sendto(adv(200, b'kadtest')[:10], g)
s.sendto(b'\x21', g)
s.sendto(bytes(range(256)) * 4, g)
s.sendto(bytes([0x21, 42]) + bytes(range(200)), g)
t = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
t.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 64)
t.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(SRC))
t.sendto(adv(200, b'kadtest'), g)
"#
    .replace("VIP", &format!("'{}'", lab.ip(100)))
    .replace("SRC", &format!("'{}'", lab.ip(2)));
    let py = lab.write("bad.py", &script);
    let o = lab.exec(1, &format!("python3 {}", py.display()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::thread::sleep(Duration::from_millis(500));
    let st = status(&lab.socket(0)).expect("kad still answers");
    let s = &st.vrrp[0].stats;
    assert!(s.checksum_err >= 1, "{s:?}");
    assert!(s.auth_failure >= 1, "{s:?}");
    assert!(s.ip_ttl_err >= 1, "{s:?}");
    assert!(s.packet_len_err >= 2, "{s:?}");
    // Unknown VRIDs and packets too short to name one are ignored, as
    // keepalived does; nothing valid arrived.
    assert_eq!(s.advert_rcvd, 0, "{s:?}");
    assert_eq!(
        st.vrrp[0].state, "MASTER",
        "none of them was a valid higher-priority advert"
    );
}

#[test]
fn notify_scripts_and_fifo_get_keepalived_s_lines() {
    let mut lab = Lab::new(2);
    let out = lab.dir.path().join("notify.out");
    let fifo = lab.dir.path().join("kad.fifo");
    let fifo_out = lab.dir.path().join("fifo.out");
    let reader = lab.write(
        "reader.sh",
        &format!("#!/bin/sh\nexec cat \"$1\" > {}\n", fifo_out.display()),
    );
    let notify = lab.write(
        "notify.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", out.display()),
    );
    let _ = std::process::Command::new("chmod")
        .arg("755")
        .arg(&reader)
        .arg(&notify)
        .status();
    let mut text = conf(&lab, &[150, 100], &format!("  notify {}", notify.display()));
    text = text.replacen(
        "global_defs {\n",
        &format!(
            "global_defs {{\n  vrrp_notify_fifo {}\n  vrrp_notify_fifo_script {}\n",
            fifo.display(),
            reader.display()
        ),
        1,
    );
    let c = lab.write("k.conf", &text);
    lab.kad(0, &c, "h0");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    assert!(wait_for(Duration::from_secs(2), || {
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .contains("INSTANCE VI_1 MASTER 150")
    }));
    let n = std::fs::read_to_string(&out).unwrap();
    assert!(n.starts_with("INSTANCE VI_1 BACKUP 150\n"), "{n}");
    assert!(wait_for(Duration::from_secs(2), || {
        std::fs::read_to_string(&fifo_out)
            .unwrap_or_default()
            .contains("INSTANCE \"VI_1\" MASTER 150")
    }));
}

#[test]
fn ipv6_vrrpv3_elects_moves_the_vip_and_sends_unsolicited_nas() {
    let mut lab = Lab::new(3);
    let vip = format!("fd00:{}::100", lab.net);
    let text = format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 46\n@h0 priority 150\n@h1 priority 100\n  advert_int 0.5\n\
         virtual_ipaddress {{\n    {vip}/64\n  }}\n}}\n"
    );
    let c = lab.write("k.conf", &text);
    let cap = Capture::start(&lab, 2, "ip6 proto 112 or icmp6");
    let procs = start_all(&mut lab, &c, &[0, 1]);
    assert!(
        wait_for(Duration::from_secs(5), || is_master(&lab, 0)),
        "{}",
        lab.log("kad0.log")
    );
    assert!(wait_for(Duration::from_secs(2), || holders_of(&lab, &vip) == vec![0]));
    let st = status(&lab.socket(1)).unwrap_or_else(|| panic!("h1: {}", lab.log("kad1.log")));
    assert_eq!(
        (st.vrrp[0].state.as_str(), st.vrrp[0].version),
        ("BACKUP", 3)
    );
    assert!(st.vrrp[0]
        .master_addr
        .as_deref()
        .is_some_and(|a| a.starts_with("fe80::")));
    let text = cap.stop();
    assert!(text.contains("hlim 255, next-header VRRP (112)"), "{text}");
    assert!(
        text.contains("> ff02::12: VRRPv3, Advertisement, vrid 46, prio 150, intvl 50cs"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "neighbor advertisement, length 32, tgt is {vip}, Flags [override]"
        )),
        "{text}"
    );
    assert!(text.contains("[icmp6 sum ok]"), "{text}");
    lab.signal(procs[0], "TERM");
    assert!(wait_for(Duration::from_secs(3), || holders_of(&lab, &vip) == vec![1]));
}

#[test]
fn track_file_weights_and_faults() {
    let mut lab = Lab::new(2);
    let f = lab.dir.path().join("weight");
    let mut text = conf(&lab, &[150, 100], "  track_file {\n    tf\n  }");
    text.push_str(&format!(
        "track_file tf {{\n  file {}\n  weight -10\n  init_file 0\n}}\n",
        f.display()
    ));
    let c = lab.write("k.conf", &text);
    lab.kad(0, &c, "h0");
    assert!(wait_for(Duration::from_secs(8), || is_master(&lab, 0)));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap().trim(),
        "0",
        "init_file created it"
    );
    std::fs::write(&f, "3\n").unwrap();
    assert!(wait_for(Duration::from_secs(2), || status(&lab.socket(0))
        .is_some_and(|s| s.vrrp[0].effective_priority == 120)));
}

fn holders_of(lab: &Lab, vip: &str) -> Vec<usize> {
    (0..lab.hosts).filter(|&h| lab.has_addr(h, vip)).collect()
}

#[test]
fn virtual_routes_follow_the_master() {
    let mut lab = Lab::new(3);
    let extra = format!(
        "  virtual_routes {{\n    10.250.{}.0/24 via {} dev eth0\n  }}",
        lab.net,
        lab.ip(3)
    );
    let c = lab.write("k.conf", &conf(&lab, &[150, 100], &extra));
    let procs = start_all(&mut lab, &c, &[0, 1]);
    let route = format!("10.250.{}.0/24 via {}", lab.net, lab.ip(3));
    let has_route =
        |h: usize| String::from_utf8_lossy(&lab.exec(h, "ip route").stdout).contains(&route);
    assert!(
        wait_for(Duration::from_secs(8), || is_master(&lab, 0)
            && has_route(0)),
        "{}",
        lab.log("kad0.log")
    );
    assert!(!has_route(1));
    lab.signal(procs[0], "TERM");
    assert!(wait_for(Duration::from_secs(3), || has_route(1) && !has_route(0)));
}
