//! keepalived's signals on kad, against Debian's keepalived 2.2.7:
//! - the same configuration under keepalived (`--vrrp`) and under kad, one
//!   after the other on the same host (each with its own `$TMPDIR`, which
//!   both take as the dump directory): `keepalived.json` compared field by
//!   field (timestamps and counters aside), `keepalived.data` and
//!   `keepalived.stats` section by section;
//! - every catchable signal leaves a MASTER kad running and holding its
//!   VIP, and a SIGTERM after them still releases it; SIGRTMAX-1 clears
//!   the counters; a SIGSEGV sent by `kill` is a clean stop;
//! - a SIGHUP that arrives during start-up (before the handlers are in
//!   place) is applied once kad runs;
//! - `kad --signum=NAME` prints what `keepalived --signum=NAME` prints.

use kad_integration::netns::{kill, read_complete, state_of, wait_for, Lab};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// VI_1: h0 150 (MASTER), h1 50. VI_2: h0 100 (BACKUP), h1 200. Sync
/// group G1 of VI_3 and VI_4: h0 120 (MASTER), h1 60.
fn config(lab: &Lab) -> String {
    format!(
        "global_defs {{\n  router_id sigtest\n\
           vrrp_netlink_cmd_rcv_bufs 1048576\n  vrrp_netlink_cmd_rcv_bufs_force\n\
           lvs_netlink_monitor_rcv_bufs 2097152\n  process_monitor_rcv_bufs 3145728\n}}\n\
         vrrp_script chk_true {{\n  script /bin/true\n  interval 1\n  weight 10\n  rise 2\n  fall 3\n}}\n\
         vrrp_instance VI_1 {{\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n\
         @h0 priority 150\n@h1 priority 50\n  advert_int 1\n\
           authentication {{\n    auth_type PASS\n    auth_pass secret\n  }}\n\
           virtual_ipaddress {{\n    {a}/24\n    {b}/24 dev eth0\n  }}\n}}\n\
         vrrp_instance VI_2 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 52\n\
         @h0 priority 100\n@h1 priority 200\n  advert_int 1\n\
           track_interface {{\n    eth0\n    lo\n  }}\n\
           track_script {{\n    chk_true\n  }}\n\
           notify_master /bin/true\n\
           virtual_ipaddress {{\n    {c}/24\n  }}\n}}\n\
         vrrp_sync_group G1 {{\n  group {{\n    VI_3\n    VI_4\n  }}\n  notify_master /bin/true\n}}\n\
         vrrp_instance VI_3 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 53\n\
         @h0 priority 120\n@h1 priority 60\n  advert_int 1\n\
           virtual_ipaddress {{\n    {d}/24\n  }}\n}}\n\
         vrrp_instance VI_4 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 54\n\
         @h0 priority 120\n@h1 priority 60\n  advert_int 1\n\
           virtual_ipaddress {{\n    {e}/24\n  }}\n}}\n",
        a = lab.ip(100),
        b = lab.ip(101),
        c = lab.ip(110),
        d = lab.ip(120),
        e = lab.ip(130),
    )
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Keepalived,
    Kad,
}

/// Start `who` on h0 with `$TMPDIR` = `dir`.
fn start(lab: &mut Lab, who: Who, conf: &Path, dir: &Path) -> usize {
    let d = lab.dir.path().to_path_buf();
    let env = [("TMPDIR", dir.as_os_str())];
    match who {
        Who::Keepalived => {
            let ka = kad_integration::require("keepalived");
            let (p1, p2) = (d.join("ka.pid"), d.join("kav.pid"));
            let args: Vec<&OsStr> = vec![
                "--vrrp".as_ref(),
                "-n".as_ref(),
                "-l".as_ref(),
                "-D".as_ref(),
                "-f".as_ref(),
                conf.as_os_str(),
                "-i".as_ref(),
                "h0".as_ref(),
                "-p".as_ref(),
                p1.as_os_str(),
                "-r".as_ref(),
                p2.as_os_str(),
            ];
            lab.spawn_env(0, &ka, &args, &env, "keepalived0.log")
        }
        Who::Kad => {
            let sock = lab.socket(0);
            let pidf = lab.pid_file(0);
            let args: Vec<&OsStr> = vec![
                "-p".as_ref(),
                pidf.as_os_str(),
                "-n".as_ref(),
                "-l".as_ref(),
                "-f".as_ref(),
                conf.as_os_str(),
                "-i".as_ref(),
                "h0".as_ref(),
                "--socket".as_ref(),
                sock.as_os_str(),
            ];
            lab.spawn_env(0, &kad_integration::bin("kad"), &args, &env, "kad0.log")
        }
    }
}

/// Run `who` on h0 until VI_1 is MASTER there and VI_2 BACKUP to h1, then
/// ask for the three dumps and stop it.
fn dumps(lab: &mut Lab, who: Who, conf: &Path) -> (String, String, String) {
    let dir = lab.dir.path().join(format!("{who:?}"));
    std::fs::create_dir_all(&dir).unwrap();
    let p = start(lab, who, conf, &dir);
    let (a, c, d, e) = (lab.ip(100), lab.ip(110), lab.ip(120), lab.ip(130));
    let ok = wait_for(Duration::from_secs(15), || {
        lab.has_addr(0, &a)
            && !lab.has_addr(1, &a)
            && lab.has_addr(1, &c)
            && !lab.has_addr(0, &c)
            && lab.has_addr(0, &d)
            && lab.has_addr(0, &e)
            && !lab.has_addr(1, &d)
    });
    assert!(
        ok,
        "{who:?} on h0 never became MASTER of VI_1:\n{}{}",
        lab.log("keepalived0.log"),
        lab.log("kad0.log")
    );
    // An advert or two from h1 for VI_2 after the transition.
    std::thread::sleep(Duration::from_millis(2500));
    let pid = lab.pid(p);
    kill(pid, libc::SIGUSR1);
    kill(pid, libc::SIGUSR2);
    kill(pid, libc::SIGRTMIN() + 2);
    let data = read_complete(&dir.join("keepalived.data"));
    let stats = read_complete(&dir.join("keepalived.stats"));
    let json = read_complete(&dir.join("keepalived.json"));
    kill(pid, libc::SIGTERM);
    assert!(
        lab.wait(p, Duration::from_secs(10)).is_some(),
        "{who:?} did not stop"
    );
    assert!(
        wait_for(Duration::from_secs(5), || !lab.has_addr(0, &a)),
        "{who:?} left the VIP behind"
    );
    (data, stats, json)
}

fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if let Some(name) = l
            .strip_prefix("------< ")
            .and_then(|r| r.strip_suffix(" >------"))
        {
            out.push((name.to_string(), Vec::new()));
        } else if let Some((_, lines)) = out.last_mut() {
            lines.push(l.to_string());
        }
    }
    out
}

/// keepalived's lines about its own process that kad does not write.
const KEEPALIVED_ONLY: &[&str] = &[
    " Gratuitous ARP for each secondary VMAC",
    " nftables ",
    " libnftnl ",
    " Max auto priority",
    " Min auto priority delay",
    " VRRP process priority",
    " VRRP don't swap",
    " VRRP realtime",
    " Checker process priority",
    " Checker don't swap",
    " Checker realtime",
    " BFD ",
    " SNMP ",
    " DBus ",
    " rs_init_notifies",
    " no_checker_emails",
    " rx_bufs_multiples",
    " umask",
];

/// Timestamps and socket descriptors: the line is compared up to them.
fn masked(l: &str) -> String {
    for p in [
        "   Last transition = ",
        "   Read timeout = ",
        "   fd_in ",
        " fd_in ",
    ] {
        if l.starts_with(p) {
            return p.to_string();
        }
    }
    l.to_string()
}

fn compare_data(ka: &str, kad: &str) {
    let ka = sections(ka);
    let kad = sections(kad);
    let names = |s: &[(String, Vec<String>)]| s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&kad), names(&ka), "the sections");
    for (name, kad_lines) in &kad {
        let ka_lines = &ka.iter().find(|(n, _)| n == name).unwrap().1;
        let ka_lines: Vec<String> = ka_lines
            .iter()
            .filter(|l| !KEEPALIVED_ONLY.iter().any(|p| l.starts_with(p)))
            .map(|l| masked(l))
            .collect();
        let kad_lines: Vec<String> = kad_lines.iter().map(|l| masked(l)).collect();
        // A script may be running at that moment (keepalived's `State`).
        let script_state = |v: Vec<String>| -> Vec<String> {
            v.into_iter()
                .map(|l| {
                    if name == "VRRP Scripts" && l.starts_with("   State = ") {
                        "   State = ".to_string()
                    } else {
                        l
                    }
                })
                .collect()
        };
        let (ka_lines, mut kad_lines) = (script_state(ka_lines), script_state(kad_lines));
        // keepalived leaves a sync group member's Master_Down timer at 0 when
        // its group, not its own timer, made it MASTER (which member that is
        // depends on timing); kad has the interval.
        let zero = "   Master down timer = 0 usecs";
        for (k, a) in kad_lines.iter_mut().zip(&ka_lines) {
            if a == zero && k.starts_with("   Master down timer = ") {
                *k = zero.to_string();
            }
        }
        assert_eq!(
            kad_lines.join("\n"),
            ka_lines.join("\n"),
            "section {name}: kad (left) and keepalived (right)"
        );
    }
}

/// Numbers replaced by `N`: the counters aside, the same text.
fn shape(text: &str) -> String {
    text.lines()
        .map(|l| match l.rsplit_once(": ") {
            Some((k, v)) if v.chars().all(|c| c.is_ascii_digit()) => format!("{k}: N"),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare_json(ka: &str, kad: &str) {
    let ka: serde_json::Value = serde_json::from_str(ka).expect("keepalived's JSON");
    let kad: serde_json::Value = serde_json::from_str(kad).expect("kad's JSON");
    let (ka, kad) = (ka.as_array().unwrap(), kad.as_array().unwrap());
    assert_eq!(ka.len(), kad.len(), "instances");
    for (a, b) in ka.iter().zip(kad) {
        let iname = &a["data"]["iname"];
        assert_eq!(iname, &b["data"]["iname"]);
        let (da, db) = (
            a["data"].as_object().unwrap(),
            b["data"].as_object().unwrap(),
        );
        let keys = |o: &serde_json::Map<String, serde_json::Value>| {
            let mut k: Vec<String> = o.keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(db), keys(da), "{iname}: data fields");
        for (k, v) in da {
            if k == "last_transition" {
                assert!(db[k].is_f64(), "{iname}: {k} is {}", db[k]);
                continue;
            }
            assert_eq!(&db[k], v, "{iname}: {k}");
        }
        let (sa, sb) = (
            a["stats"].as_object().unwrap(),
            b["stats"].as_object().unwrap(),
        );
        assert_eq!(keys(sb), keys(sa), "{iname}: stats fields");
        for (k, v) in sb {
            assert!(v.is_u64(), "{iname}: stats {k} is {v}");
        }
    }
}

/// The field order as written (serde_json sorts its maps).
fn json_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("\":") {
        let head = &rest[..i];
        if let Some(j) = head.rfind('"') {
            out.push(head[j + 1..].to_string());
        }
        rest = &rest[i + 2..];
    }
    out
}

#[test]
fn dumps_match_keepalived() {
    let mut lab = Lab::new(2);
    let conf = lab.write("k.conf", &config(&lab));
    lab.kad(1, &conf, "h1");
    let (ka_data, ka_stats, ka_json) = dumps(&mut lab, Who::Keepalived, &conf);
    let (kad_data, kad_stats, kad_json) = dumps(&mut lab, Who::Kad, &conf);
    compare_json(&ka_json, &kad_json);
    assert_eq!(
        json_keys(&kad_json),
        json_keys(&ka_json),
        "JSON field order"
    );
    // The BACKUP instance knows its master (keepalived's numbers).
    let v: serde_json::Value = serde_json::from_str(&kad_json).unwrap();
    assert_eq!(v[0]["data"]["state"], 2);
    assert_eq!(v[1]["data"]["state"], 1);
    // h1's 200 and its tracked script's 10.
    assert_eq!(v[1]["data"]["master_priority"], 210);
    assert_eq!(v[2]["data"]["state"], 2);
    assert!(kad_data.contains("\n VRRP Sync Group = G1, MASTER\n"));
    compare_data(&ka_data, &kad_data);
    assert_eq!(shape(&kad_stats), shape(&ka_stats), "keepalived.stats");
    assert!(kad_stats.starts_with("VRRP Instance: VI_1\n"));
}

/// SIGRTMIN..SIGRTMAX and the classic ones, less those that stop kad
/// (TERM, INT), reload it (HUP), cannot be caught (KILL, STOP) or are
/// faults (SEGV, BUS, ILL, FPE: sent by kill, a clean stop).
fn harmless_signals() -> Vec<i32> {
    let not = [1, 2, 4, 7, 8, 9, 11, 15, 19];
    (1..=31)
        .filter(|s| !not.contains(s))
        .chain(libc::SIGRTMIN()..=libc::SIGRTMAX())
        .collect()
}

fn single(lab: &Lab) -> String {
    format!(
        "vrrp_instance VI_1 {{\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n\
           priority 150\n  advert_int 1\n\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

fn start_master(lab: &mut Lab, conf: &Path, dir: &Path) -> usize {
    let p = start(lab, Who::Kad, conf, dir);
    let a = lab.ip(100);
    assert!(
        wait_for(Duration::from_secs(10), || lab.has_addr(0, &a)),
        "kad never became MASTER:\n{}",
        lab.log("kad0.log")
    );
    p
}

fn stats_line(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in\n{text}"))
}

/// The process state letter from /proc/PID/stat (`T` when stopped).
fn proc_state(pid: u32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit_once(") ")?.1.chars().next()
}

#[test]
fn no_signal_kills_a_master() {
    let mut lab = Lab::new(1);
    let conf = lab.write("k.conf", &single(&lab));
    let dir: PathBuf = lab.dir.path().join("dumps");
    std::fs::create_dir_all(&dir).unwrap();
    let p = start_master(&mut lab, &conf, &dir);
    let pid = lab.pid(p);
    let a = lab.ip(100);
    let sock = lab.socket(0);
    // SIGRTMAX-1: the stats as they were, then the counters cleared.
    let stats = dir.join("keepalived.stats");
    let _ = std::fs::remove_file(&stats);
    kill(pid, libc::SIGRTMAX() - 1);
    let before = read_complete(&stats);
    assert_eq!(stats_line(&before, "  Became master:"), 1);
    assert!(stats_line(&before, "    Sent:") > 0);
    std::fs::remove_file(&stats).unwrap();
    kill(pid, libc::SIGUSR2);
    let after = read_complete(&stats);
    assert_eq!(stats_line(&after, "  Became master:"), 0, "{after}");
    for s in harmless_signals() {
        kill(pid, s);
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            lab.wait(p, Duration::from_millis(1)).is_none(),
            "signal {s} killed kad:\n{}",
            lab.log("kad0.log")
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(lab.wait(p, Duration::from_millis(1)).is_none());
    assert_ne!(proc_state(pid), Some('T'), "a signal stopped kad");
    assert!(lab.has_addr(0, &a), "the VIP went away");
    assert_eq!(state_of(&sock, "VI_1").as_deref(), Some("MASTER"));
    // And a stop still releases the VIP.
    kill(pid, libc::SIGTERM);
    let st = lab
        .wait(p, Duration::from_secs(10))
        .expect("kad did not stop");
    assert!(st.success(), "{st:?}");
    assert!(!lab.has_addr(0, &a), "the VIP stayed after SIGTERM");
}

#[test]
fn a_sent_fault_signal_is_a_clean_stop() {
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        let mut lab = Lab::new(1);
        let conf = lab.write("k.conf", &single(&lab));
        let dir = lab.dir.path().join("dumps");
        std::fs::create_dir_all(&dir).unwrap();
        let p = start_master(&mut lab, &conf, &dir);
        kill(lab.pid(p), sig);
        let st = lab
            .wait(p, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("kad did not stop on signal {sig}"));
        assert!(
            st.success(),
            "signal {sig}: {st:?}\n{}",
            lab.log("kad0.log")
        );
        assert!(!lab.has_addr(0, &lab.ip(100)), "signal {sig}: VIP left");
    }
}

/// SigBlk and SigCgt of /proc/PID/status.
fn masks(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let get = |k: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
    };
    Some((get("SigBlk:")?, get("SigCgt:")?))
}

#[test]
fn sighup_during_startup_is_applied() {
    let hup = 1u64 << (libc::SIGHUP - 1);
    for attempt in 0..5 {
        let mut lab = Lab::new(1);
        let one = single(&lab);
        let conf = lab.write("k.conf", &one);
        let dir = lab.dir.path().join("dumps");
        std::fs::create_dir_all(&dir).unwrap();
        let p = start(&mut lab, Who::Kad, &conf, &dir);
        let pid = lab.pid(p);
        // Wait for the moment kad has blocked SIGHUP and has no handler
        // for it yet: start-up.
        let mut in_window = false;
        let end = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < end {
            match masks(pid) {
                Some((blk, cgt)) if blk & hup != 0 && cgt & hup == 0 => {
                    in_window = true;
                    break;
                }
                Some((_, cgt)) if cgt & hup != 0 => break,
                _ => {}
            }
        }
        if !in_window {
            eprintln!("attempt {attempt}: missed the start-up window");
            continue;
        }
        // The new configuration moves the VIP to .101.
        let two = one.replace(
            &format!("{}/24", lab.ip(100)),
            &format!("{}/24", lab.ip(101)),
        );
        std::fs::write(&conf, two).unwrap();
        kill(pid, libc::SIGHUP);
        let b = lab.ip(101);
        let a = lab.ip(100);
        let moved = wait_for(Duration::from_secs(10), || {
            lab.has_addr(0, &b) && !lab.has_addr(0, &a)
        });
        assert!(
            lab.wait(p, Duration::from_millis(1)).is_none(),
            "the SIGHUP killed kad:\n{}",
            lab.log("kad0.log")
        );
        assert!(
            moved,
            "the reload was not applied:\n{}",
            lab.log("kad0.log")
        );
        assert!(
            lab.log("kad0.log").contains("reload"),
            "no reload in the log:\n{}",
            lab.log("kad0.log")
        );
        return;
    }
    panic!("never caught kad in its start-up window");
}

#[test]
fn signum_as_keepalived() {
    let ka = kad_integration::require("keepalived");
    let kad = kad_integration::bin("kad");
    for name in [
        "STOP",
        "RELOAD",
        "DATA",
        "STATS",
        "STATS_CLEAR",
        "JSON",
        "TDUMP",
        "json",
        "NOPE",
    ] {
        let arg = format!("--signum={name}");
        let a = std::process::Command::new(&ka).arg(&arg).output().unwrap();
        let b = std::process::Command::new(&kad).arg(&arg).output().unwrap();
        assert_eq!(b.stdout, a.stdout, "{name}: stdout");
        assert_eq!(b.status.code(), a.status.code(), "{name}: exit code");
        assert_eq!(
            String::from_utf8_lossy(&b.stderr),
            String::from_utf8_lossy(&a.stderr),
            "{name}: stderr"
        );
    }
}

/// kad blocks and handles signals; the scripts it starts must not inherit
/// that: an empty mask and nothing ignored (not even SIGPIPE), as
/// keepalived gives them.
#[test]
fn scripts_start_with_default_signals() {
    let mut lab = Lab::new(1);
    let out = lab.dir.path().join("sig.txt");
    let script = lab.write(
        "notify.sh",
        &format!(
            "#!/bin/sh\ngrep -E '^Sig(Blk|Ign):' /proc/self/status > {0}.tmp && mv {0}.tmp {0}\n",
            out.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = single(&lab).replace(
        "  advert_int 1\n",
        &format!("  advert_int 1\n  notify_master {}\n", script.display()),
    );
    let conf = lab.write("k.conf", &conf);
    let dir = lab.dir.path().join("dumps");
    std::fs::create_dir_all(&dir).unwrap();
    let p = start_master(&mut lab, &conf, &dir);
    assert!(
        wait_for(Duration::from_secs(5), || out.exists()),
        "the notify script did not run:\n{}",
        lab.log("kad0.log")
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mask = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or_else(|| panic!("no {k} in {text}"))
    };
    assert_eq!(mask("SigBlk:"), 0, "the script starts with signals blocked");
    // 32 and 33 are glibc's own (no program can set them; an ignored one
    // comes from whoever started the test, and stays through exec).
    let glibc = (1u64 << 31) | (1u64 << 32);
    assert_eq!(
        mask("SigIgn:") & !glibc,
        0,
        "the script starts with signals ignored: {text}"
    );
    kill(lab.pid(p), libc::SIGTERM);
    assert!(lab.wait(p, Duration::from_secs(10)).is_some());
}
