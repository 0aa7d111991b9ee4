//! `vrrp_track_process` in a network namespace, where keepalived 2.2.7
//! cannot see processes (the kernel's process event connector answers only
//! in the initial namespace: "errno 111", its instance stays in FAULT) and
//! kad, counting by /proc, acts: quorum and quorum_max, terminate_delay,
//! a weighted tracker matching the full command with param_match, zombies
//! not counted.

use kad_integration::netns::{status, wait_for, Lab};
use std::path::Path;
use std::time::{Duration, Instant};

fn tag() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 1_000_000)
        .unwrap_or(1)
}

/// (state, effective priority, fault reasons) of `name`.
fn inst(sock: &Path, name: &str) -> Option<(String, u8, Vec<String>)> {
    status(sock)?
        .vrrp
        .into_iter()
        .find(|v| v.name == name)
        .map(|v| (v.state, v.effective_priority, v.fault_reasons))
}

fn state(sock: &Path, name: &str) -> String {
    inst(sock, name).map(|i| i.0).unwrap_or_default()
}

fn prio(sock: &Path, name: &str) -> u8 {
    inst(sock, name).map(|i| i.1).unwrap_or(0)
}

#[test]
fn track_process_acts_in_a_namespace_where_keepalived_cannot_see_processes() {
    let mut lab = Lab::new(2);
    let t = tag();
    // Two copies of sleep whose comm no other process has.
    let (daemon, primary) = (format!("kt{t}"), format!("ku{t}"));
    for n in [&daemon, &primary] {
        std::fs::copy("/bin/sleep", lab.dir.path().join(n)).expect("copy sleep");
    }
    let primary_path = lab.dir.path().join(&primary);
    let conf = |vrid: u8| {
        format!(
            "global_defs {{\n router_id tp\n}}\n\
             vrrp_track_process daemon {{\n process {daemon}\n quorum 1\n quorum_max 2\n terminate_delay 3\n}}\n\
             vrrp_track_process primary {{\n process {path} 1000 7\n param_match exact\n full_command\n weight -30\n quorum_max 1\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n version 3\n advert_int 0.1\n\
              track_process {{\n daemon\n }}\n virtual_ipaddress {{\n 10.{net}.9.{vrid}/24\n }}\n}}\n\
             vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id {v2}\n priority 100\n version 3\n advert_int 0.1\n\
              track_process {{\n primary\n }}\n virtual_ipaddress {{\n 10.{net}.9.{v2}/24\n }}\n}}\n",
            path = primary_path.display(),
            net = lab.net,
            v2 = vrid + 1,
        )
    };
    let kad_conf = lab.write("kad.conf", &conf(51));
    let ka_conf = lab.write("ka.conf", &conf(61));
    lab.kad(0, &kad_conf, "tp");
    lab.keepalived(1, &ka_conf, "tp");
    let sock = lab.socket(0);

    // No process: VI_1 in FAULT, VI_2 at 100 - 30.
    assert!(
        wait_for(Duration::from_secs(10), || state(&sock, "VI_1") == "FAULT"),
        "{:?}\n{}",
        inst(&sock, "VI_1"),
        lab.log("kad0.log")
    );
    assert_eq!(
        inst(&sock, "VI_1").map(|i| i.2).unwrap_or_default(),
        ["tracked process daemon quorum not achieved"]
    );
    assert!(wait_for(Duration::from_secs(5), || prio(&sock, "VI_2") == 70));
    // The connector does not answer here: kad says so and scans /proc.
    assert!(
        lab.log("kad0.log").contains("no process event connector"),
        "{}",
        lab.log("kad0.log")
    );

    // One daemon process: quorum, VI_1 becomes MASTER.
    let spawn = |lab: &mut Lab, prog: &str, args: &str| {
        let n = lab.procs_len();
        let path = lab.dir.path().join(prog);
        lab.spawn(
            0,
            &format!("exec {} {args}", path.display()),
            &format!("p{n}.log"),
        )
    };
    let d1 = spawn(&mut lab, &daemon, "1000");
    assert!(
        wait_for(Duration::from_secs(5), || state(&sock, "VI_1") == "MASTER"),
        "{:?}\n{}",
        inst(&sock, "VI_1"),
        lab.log("kad0.log")
    );
    assert!(lab
        .log("kad0.log")
        .contains("Quorum gained for tracked process daemon"));

    // The full command with exactly the given parameters counts; other
    // parameters do not (a second match would exceed quorum_max 1).
    spawn(&mut lab, &primary, "1000 7");
    assert!(wait_for(Duration::from_secs(5), || prio(&sock, "VI_2") == 100));
    spawn(&mut lab, &primary, "1000 8");
    spawn(&mut lab, &primary, "1000 7 9");
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(prio(&sock, "VI_2"), 100);

    // Three daemon processes: more than quorum_max, FAULT.
    let d2 = spawn(&mut lab, &daemon, "1000");
    let d3 = spawn(&mut lab, &daemon, "1000");
    assert!(wait_for(Duration::from_secs(5), || state(&sock, "VI_1") == "FAULT"));

    // Back to two: quorum again, but only after terminate_delay (3 s). The
    // killed process stays a zombie (not reaped yet): it does not count.
    lab.signal(d3, "KILL");
    let killed = Instant::now();
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(state(&sock, "VI_1"), "FAULT");
    assert!(wait_for(Duration::from_secs(8), || state(&sock, "VI_1") == "MASTER"));
    assert!(killed.elapsed() >= Duration::from_secs(3));

    // None left: FAULT after terminate_delay.
    lab.signal(d1, "KILL");
    lab.signal(d2, "KILL");
    assert!(wait_for(Duration::from_secs(8), || state(&sock, "VI_1") == "FAULT"));
    assert!(lab
        .log("kad0.log")
        .contains("Quorum lost for tracked process daemon"));

    // keepalived, beside it in its own namespace with the same processes
    // running, never saw one: its VI_2 never reached priority 100 and its
    // log has the connector's refusal.
    let ka = lab.log("keepalived1.log");
    assert!(ka.contains("errno 111"), "{ka}");
    assert!(
        !ka.contains("Changing effective priority from 70 to 100"),
        "{ka}"
    );
}
