//! kad's operator commands in namespaces: `kactl failover` and `kactl
//! priority` between two kad daemons with a client pinging the VIP
//! across the moves (nothing lost over a failover, at most the reply in
//! flight over a priority move), the overrides kept over a reload and
//! a restart; `drain` / `disable` / `enable` of a checked real server as
//! `kactl status` shows them (the IPVS effect itself needs the VM: the
//! host kernel has no IPVS); SO_PEERCRED: a non-root kactl may read with
//! `--socket-group`, never change.

use kad_integration::netns::{state_of, status, wait_for, Lab};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const VI: &str = "VI_1";

fn kactl(sock: &Path, args: &[&str]) -> Output {
    Command::new(kad_integration::bin("kactl"))
        .arg("--socket")
        .arg(sock)
        .args(args)
        .output()
        .expect("kactl")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "kactl failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn vrrp_conf(lab: &Lab) -> String {
    format!(
        "global_defs {{\n  vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 42\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int 1\n\
         virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

fn holders(lab: &Lab) -> Vec<usize> {
    let vip = lab.ip(100);
    (0..2).filter(|&h| lab.has_addr(h, &vip)).collect()
}

/// Ping the VIP from host 2 every 20 ms while `during` runs; returns
/// (sent, received) and ping's output.
fn ping_across(lab: &mut Lab, during: impl FnOnce(&mut Lab)) -> (u32, u32, String) {
    let name = format!("ping{}.log", std::process::id() ^ rand_tag());
    let p = lab.spawn(
        2,
        &format!("exec ping -n -i 0.02 -W 1 {}", lab.ip(100)),
        &name,
    );
    std::thread::sleep(Duration::from_millis(500));
    during(lab);
    std::thread::sleep(Duration::from_millis(1500));
    lab.signal(p, "INT");
    lab.wait(p, Duration::from_secs(3));
    let out = lab.log(&name);
    let stat = out
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .unwrap_or("");
    let n: Vec<u32> = stat
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (
        n.first().copied().unwrap_or(0),
        n.get(1).copied().unwrap_or(0),
        out,
    )
}

fn rand_tag() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

fn start(lab: &mut Lab, conf: &Path, h: usize) -> usize {
    let state = lab.dir.path().join(format!("state{h}.json"));
    let state = state.to_str().unwrap().to_string();
    lab.kad_with(h, conf, &format!("h{h}"), &["--state-file", &state])
}

#[test]
fn failover_and_priority_move_the_vip_without_losing_a_ping_and_persist() {
    let mut lab = Lab::new(3);
    let c = lab.write("k.conf", &vrrp_conf(&lab));
    let p0 = start(&mut lab, &c, 0);
    start(&mut lab, &c, 1);
    assert!(
        wait_for(Duration::from_secs(8), || state_of(&lab.socket(0), VI)
            .as_deref()
            == Some("MASTER")
            && state_of(&lab.socket(1), VI).as_deref() == Some("BACKUP")
            && holders(&lab) == vec![0]),
        "{}",
        lab.log("kad0.log")
    );
    // Failover: h0 hands over to h1, make-before-break.
    let (sent, got, out) = ping_across(&mut lab, |lab| {
        let o = ok(&kactl(&lab.socket(0), &["failover", VI]));
        assert!(o.contains("handing over"), "{o}");
        assert!(
            wait_for(Duration::from_secs(3), || holders(lab) == vec![1]),
            "{}",
            lab.log("kad1.log")
        );
    });
    assert!(
        sent > 50 && got == sent,
        "lost pings over the failover:\n{out}"
    );
    let st = status(&lab.socket(0)).unwrap();
    assert_eq!(st.vrrp[0].state, "BACKUP");
    assert_eq!(st.vrrp[0].priority_override, Some(1));
    assert_eq!(st.vrrp[0].effective_priority, 1);
    assert_eq!(st.overrides.priorities.len(), 1);
    assert!(st.overrides.priorities[0].failover);
    // It stays BACKUP (it would preempt at 150) for several intervals.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(holders(&lab), vec![1]);
    assert!(lab.log("kad0.log").contains("failover"));
    // A failover of a BACKUP is refused and says why.
    let o = kactl(&lab.socket(0), &["failover", VI]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not MASTER"));
    // The override survives a reload and a restart.
    assert!(ok(&kactl(&lab.socket(0), &["reload"])).contains("nothing changed"));
    assert_eq!(
        status(&lab.socket(0)).unwrap().vrrp[0].effective_priority,
        1
    );
    lab.signal(p0, "TERM");
    assert!(lab.wait(p0, Duration::from_secs(8)).is_some());
    let p0 = start(&mut lab, &c, 0);
    assert!(wait_for(Duration::from_secs(8), || state_of(
        &lab.socket(0),
        VI
    )
    .as_deref()
        == Some("BACKUP")));
    std::thread::sleep(Duration::from_secs(3));
    let st = status(&lab.socket(0)).unwrap();
    assert_eq!(
        (
            st.vrrp[0].state.as_str(),
            st.vrrp[0].priority_override,
            st.vrrp[0].effective_priority
        ),
        ("BACKUP", Some(1), 1),
        "{}",
        lab.log("kad0.log")
    );
    assert_eq!(holders(&lab), vec![1]);
    // A priority move is an ordinary election (keepalived's order: the
    // new master's advert, then its addresses and GARPs; the old master
    // lets go on the advert): the one reply in flight in between can be
    // lost, unlike over `failover`'s make-before-break handover.
    // Clearing it: h0 preempts at 150 and the VIP comes back, no ping lost.
    let (sent, got, out) = ping_across(&mut lab, |lab| {
        ok(&kactl(&lab.socket(0), &["priority", VI, "--clear"]));
        assert!(
            wait_for(Duration::from_secs(6), || holders(lab) == vec![0]),
            "{}",
            lab.log("kad0.log")
        );
    });
    assert!(
        sent > 50 && sent - got <= 1,
        "lost pings over the preemption:\n{out}"
    );
    assert_eq!(
        status(&lab.socket(0)).unwrap().vrrp[0].priority_override,
        None
    );
    // kactl priority below the peer's moves it away; above, back.
    let (sent, got, out) = ping_across(&mut lab, |lab| {
        ok(&kactl(&lab.socket(0), &["priority", VI, "50"]));
        assert!(
            wait_for(Duration::from_secs(6), || holders(lab) == vec![1]),
            "{}",
            lab.log("kad1.log")
        );
    });
    assert!(
        sent > 50 && sent - got <= 1,
        "lost pings over the priority move:\n{out}"
    );
    let st = status(&lab.socket(0)).unwrap();
    assert_eq!(st.vrrp[0].effective_priority, 50);
    assert!(!st.overrides.priorities[0].failover);
    ok(&kactl(&lab.socket(0), &["priority", VI, "200"]));
    assert!(wait_for(Duration::from_secs(6), || holders(&lab) == vec![0]));
    assert_eq!(
        status(&lab.socket(1)).unwrap().vrrp[0].master_priority,
        Some(200)
    );
    let _ = p0;
}

fn check_conf(lab: &Lab) -> String {
    format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 43\n  priority 150\n  advert_int 1\n\
         virtual_ipaddress {{\n    {vip}/24\n  }}\n}}\n\
         virtual_server {vip} 8080 {{\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n\
         real_server 127.0.0.1 18080 {{\n    weight 3\n    TCP_CHECK {{\n      connect_timeout 1\n    }}\n  }}\n\
         real_server 127.0.0.2 18080 {{\n    weight 2\n    TCP_CHECK {{\n      connect_timeout 1\n    }}\n  }}\n}}\n",
        vip = lab.ip(100)
    )
}

fn rs<'a>(st: &'a kactl::Status, addr: &str) -> &'a kactl::CheckedServer {
    st.checks.services[0]
        .real_servers
        .iter()
        .find(|r| r.address.contains(addr))
        .expect("real server")
}

#[test]
fn drain_disable_enable_show_in_status_persist_and_need_root() {
    let mut lab = Lab::new(1);
    // The lab's directory holds the socket: a non-root peer must reach it.
    std::fs::set_permissions(lab.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    lab.spawn(
        0,
        "exec python3 -m http.server 18080 --bind 127.0.0.1",
        "rs1.log",
    );
    lab.spawn(
        0,
        "exec python3 -m http.server 18080 --bind 127.0.0.2",
        "rs2.log",
    );
    let c = lab.write("k.conf", &check_conf(&lab));
    let state = lab.dir.path().join("state.json");
    let st_arg = state.to_str().unwrap().to_string();
    let args = ["--state-file", &st_arg, "--socket-group", "nogroup"];
    let p = lab.kad_with(0, &c, "h0", &args);
    let sock = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(10), || status(&sock).is_some_and(|s| s
            .checks
            .services
            .first()
            .is_some_and(|v| v.real_servers.iter().all(|r| r.alive)))),
        "{}",
        lab.log("kad0.log")
    );
    let vs = format!("{}:8080", lab.ip(100));
    let st = status(&sock).unwrap();
    assert_eq!(rs(&st, "127.0.0.1").ipvs_weight, Some(3));
    // Drain: weight 0 while alive.
    let o = ok(&kactl(&sock, &["drain", &vs, "127.0.0.1:18080"]));
    assert!(o.contains("drain"), "{o}");
    let st = status(&sock).unwrap();
    let r = rs(&st, "127.0.0.1");
    assert_eq!(
        (r.admin.as_deref(), r.ipvs_weight, r.alive),
        (Some("drain"), Some(0), true)
    );
    assert_eq!(st.checks.services[0].live_weight, 2);
    // Disable the other: out of the table.
    ok(&kactl(&sock, &["disable", &vs, "127.0.0.2:18080"]));
    let st = status(&sock).unwrap();
    let r = rs(&st, "127.0.0.2");
    assert_eq!((r.admin.as_deref(), r.ipvs_weight), (Some("disable"), None));
    assert_eq!(st.overrides.real_servers.len(), 2);
    let text = ok(&kactl(&sock, &["status"]));
    assert!(text.contains("[drained by the operator]"), "{text}");
    assert!(text.contains("[disabled by the operator]"), "{text}");
    // An unknown server is refused, naming it.
    let o = kactl(&sock, &["drain", &vs, "127.0.0.9:18080"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("127.0.0.9:18080"));
    // SO_PEERCRED: nobody in the socket group reads, never changes.
    let nobody = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(kad_integration::bin("kactl"))
            .arg("--socket")
            .arg(&sock)
            .args(args)
            .output()
            .expect("setpriv")
    };
    let o = nobody(&["status", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"admin\": \"drain\""));
    let o = nobody(&["enable", &vs, "127.0.0.1:18080"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("changes need root"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!nobody(&["reload"]).status.success());
    assert!(!nobody(&["sync-bulk"]).status.success());
    assert_eq!(
        rs(&status(&sock).unwrap(), "127.0.0.1").admin.as_deref(),
        Some("drain")
    );
    // kactl check: the running configuration, as -t.
    assert!(ok(&kactl(&sock, &["check"])).contains("configuration OK"));
    // Overrides survive a reload and a restart (the state file).
    ok(&kactl(&sock, &["reload"]));
    assert_eq!(
        rs(&status(&sock).unwrap(), "127.0.0.2").admin.as_deref(),
        Some("disable")
    );
    lab.signal(p, "TERM");
    assert!(lab.wait(p, Duration::from_secs(8)).is_some());
    let _restarted = lab.kad_with(0, &c, "h0", &args);
    assert!(wait_for(Duration::from_secs(10), || status(&sock).is_some()));
    let st = status(&sock).unwrap();
    assert_eq!(rs(&st, "127.0.0.1").admin.as_deref(), Some("drain"));
    assert_eq!(rs(&st, "127.0.0.2").admin.as_deref(), Some("disable"));
    assert!(lab.log("kad0.log").contains("stays drain"));
    // Enable clears them, in the state file too.
    ok(&kactl(&sock, &["enable", &vs, "127.0.0.1:18080"]));
    ok(&kactl(&sock, &["enable", &vs, "127.0.0.2:18080"]));
    let st = status(&sock).unwrap();
    assert_eq!(rs(&st, "127.0.0.1").ipvs_weight, Some(3));
    assert!(st.overrides.real_servers.is_empty());
    let saved: kactl::Overrides =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(saved.real_servers.is_empty());
    // Without --socket-group the socket is root's alone.
    let p = lab.procs_len() - 1;
    lab.signal(p, "TERM");
    assert!(lab.wait(p, Duration::from_secs(8)).is_some());
    lab.kad_with(0, &c, "h0", &args[..2]);
    assert!(wait_for(Duration::from_secs(10), || status(&sock).is_some()));
    let o = nobody(&["status"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("Permission denied"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A broken file (a keyword without its value: keepalived aborts on
    // it too): `check` says so (exit 1), `reload` refuses it and says why,
    // and the running configuration stays.
    std::fs::write(
        &c,
        check_conf(&lab).replace("lb_algo rr", "lb_algo rr\n  delay_loop"),
    )
    .unwrap();
    let o = kactl(&sock, &["check"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("configuration problems"));
    let o = kactl(&sock, &["reload"]);
    assert!(!o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("reload refused") && out.contains("k.conf:"),
        "{out}"
    );
    assert_eq!(
        status(&sock).unwrap().checks.services[0].real_servers.len(),
        2
    );
}

#[test]
fn failover_hands_over_to_a_keepalived_peer_without_losing_a_ping() {
    let mut lab = Lab::new(3);
    let c = lab.write("k.conf", &vrrp_conf(&lab));
    start(&mut lab, &c, 0);
    lab.keepalived(1, &c, "h1");
    assert!(
        wait_for(Duration::from_secs(8), || state_of(&lab.socket(0), VI)
            .as_deref()
            == Some("MASTER")
            && holders(&lab) == vec![0]),
        "{}",
        lab.log("kad0.log")
    );
    // keepalived has heard kad's adverts (it is BACKUP, not a second master).
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(holders(&lab), vec![0], "{}", lab.log("keepalived1.log"));
    let (sent, got, out) = ping_across(&mut lab, |lab| {
        ok(&kactl(&lab.socket(0), &["failover", VI]));
        assert!(
            wait_for(Duration::from_secs(3), || holders(lab) == vec![1]),
            "{}",
            lab.log("keepalived1.log")
        );
    });
    assert!(
        sent > 50 && got == sent,
        "lost pings over the failover:\n{out}"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(holders(&lab), vec![1]);
    let st = status(&lab.socket(0)).unwrap();
    assert_eq!(st.vrrp[0].state, "BACKUP");
    assert_eq!(st.vrrp[0].master_priority, Some(100));
}
