//! Scheduling and memory (`vrrp_rt_priority`, `vrrp_rlimit_rttime`,
//! `vrrp_cpu_affinity`, `vrrp_no_swap`, `checker_priority`,
//! `checker_cpu_affinity`, `checker_rt_priority`, `max_auto_priority`,
//! `min_auto_priority_delay`). keepalived applies them to its VRRP and
//! checker processes; kad to its VRRP thread (the main thread) and its
//! checks thread (`kad-checks`), and gives its other threads the
//! process's own settings. What the kernel reports in /proc for kad's
//! threads is compared with what it reports for keepalived's VRRP
//! process, run beside it on the same configuration (its checker process
//! needs IPVS, which this host may not have).

use kad_integration::netns::{wait_for, Lab};
use std::time::Duration;

/// One thread as /proc sees it.
#[derive(Debug, Clone, PartialEq)]
struct Task {
    comm: String,
    nice: i32,
    rt_priority: u32,
    /// 0 SCHED_OTHER, 2 SCHED_RR.
    policy: u32,
    cpus: String,
}

fn task(pid: u32, tid: u32) -> Option<Task> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    // comm is in parentheses and may hold spaces: fields follow the last ')'.
    let close = stat.rfind(')')?;
    let comm = stat[stat.find('(')? + 1..close].to_string();
    let f: Vec<&str> = stat[close + 2..].split(' ').collect();
    // Field numbers of proc(5) start at 1 with pid, 3 with state (f[0]).
    let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<i64>().ok());
    let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).ok()?;
    let cpus = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
        .trim()
        .to_string();
    Some(Task {
        comm,
        nice: field(19)? as i32,
        rt_priority: field(40)? as u32,
        policy: field(41)? as u32,
        cpus,
    })
}

fn tasks(pid: u32) -> Vec<Task> {
    let mut out = Vec::new();
    if let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for e in dir.flatten() {
            if let Some(t) = e.file_name().to_str().and_then(|s| s.parse().ok()) {
                out.extend(task(pid, t));
            }
        }
    }
    out
}

fn thread(pid: u32, comm: &str) -> Option<Task> {
    tasks(pid).into_iter().find(|t| t.comm == comm)
}

/// The process's locked memory (kB) and its RLIMIT_RTTIME (soft, hard).
fn vm_lck_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rttime(pid: u32) -> Option<(String, String)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max realtime timeout"))?;
    let w: Vec<&str> = line.split_whitespace().collect();
    Some((w.get(3)?.to_string(), w.get(4)?.to_string()))
}

fn keepalived_vrrp_pid(lab: &Lab, h: usize) -> Option<u32> {
    std::fs::read_to_string(lab.dir.path().join(format!("kav{h}.pid")))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn online_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// An instance, and a virtual server whose TCP_CHECK gives the checks
/// thread a timer.
fn conf(lab: &Lab, global: &str, vrid: u8) -> String {
    format!(
        "global_defs {{\n router_id sched\n{global}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.7.{vrid}/24\n }}\n}}\n\
         virtual_server 10.{net}.7.{vrid} 80 {{\n delay_loop 1\n lb_kind DR\n protocol TCP\n\
          real_server 127.0.0.1 9 {{\n  TCP_CHECK {{\n   connect_timeout 1\n  }}\n }}\n}}\n",
        net = lab.net
    )
}

#[test]
fn each_thread_takes_its_process_s_settings_as_keepalived_s_processes_do() {
    let mut lab = Lab::new(2);
    let last = online_cpus() - 1;
    let global = format!(
        " vrrp_rt_priority 40\n vrrp_rlimit_rttime 20000\n vrrp_cpu_affinity {last}\n vrrp_no_swap\n\
          checker_priority 19\n checker_cpu_affinity 0\n max_auto_priority -1"
    );
    let kad_conf = lab.write("kad.conf", &conf(&lab, &global, 41));
    let ka_conf = lab.write("ka.conf", &conf(&lab, &global, 42));
    let k = lab.kad_with(
        0,
        &kad_conf,
        "sched",
        &["--metrics-listen", "127.0.0.1:9465"],
    );
    lab.keepalived(1, &ka_conf, "sched");
    let pid = lab.pid(k);
    let all = online_cpus();
    let everywhere = if all == 1 {
        "0".to_string()
    } else {
        format!("0-{last}")
    };
    let want_vrrp = Task {
        comm: "kad".into(),
        nice: 0,
        rt_priority: 40,
        policy: 2,
        cpus: last.to_string(),
    };
    assert!(
        wait_for(Duration::from_secs(10), || thread(pid, "kad").as_ref()
            == Some(&want_vrrp)
            && thread(pid, "kad-checks").is_some()
            && thread(pid, "kad-metrics").is_some()),
        "kad's threads: {:?}\n{}",
        tasks(pid),
        lab.log("kad0.log")
    );
    // The checker's set: nice 19 on CPU 0, not real-time.
    let checks = thread(pid, "kad-checks").expect("checks thread");
    assert_eq!(
        (checks.nice, checks.policy, checks.cpus.as_str()),
        (19, 0, "0")
    );
    // Another thread: what the process had, not the VRRP thread's.
    let metrics = thread(pid, "kad-metrics").expect("metrics thread");
    assert_eq!(
        (metrics.nice, metrics.policy, metrics.cpus.as_str()),
        (0, 0, everywhere.as_str()),
        "{:?}",
        tasks(pid)
    );
    // The process: locked in memory, RLIMIT_RTTIME half / whole.
    assert!(wait_for(Duration::from_secs(5), || vm_lck_kb(pid) > 0));
    assert_eq!(rttime(pid), Some(("10000".into(), "20000".into())));

    // keepalived's VRRP process, on the same settings.
    assert!(
        wait_for(Duration::from_secs(10), || keepalived_vrrp_pid(&lab, 1)
            .and_then(|p| task(p, p))
            .is_some_and(|t| t.policy == 2)),
        "{}",
        lab.log("keepalived1.log")
    );
    let kp = keepalived_vrrp_pid(&lab, 1).expect("keepalived's VRRP pid");
    let ka = task(kp, kp).expect("keepalived's VRRP process");
    assert_eq!(
        (ka.rt_priority, ka.policy, ka.cpus.as_str()),
        (
            want_vrrp.rt_priority,
            want_vrrp.policy,
            want_vrrp.cpus.as_str()
        )
    );
    assert!(vm_lck_kb(kp) > 0, "keepalived locks its VRRP process");
    assert_eq!(rttime(kp), rttime(pid), "RLIMIT_RTTIME as keepalived's");
}

#[test]
fn checker_rt_priority_makes_the_checks_thread_real_time() {
    let mut lab = Lab::new(1);
    let global =
        " checker_rt_priority 7\n checker_rlimit_rttime 30000\n checker_no_swap\n vrrp_priority -5";
    let kad_conf = lab.write("kad.conf", &conf(&lab, global, 43));
    let k = lab.kad(0, &kad_conf, "sched");
    let pid = lab.pid(k);
    assert!(
        wait_for(Duration::from_secs(10), || thread(pid, "kad-checks")
            .is_some_and(|t| (t.policy, t.rt_priority) == (2, 7))),
        "{:?}\n{}",
        tasks(pid),
        lab.log("kad0.log")
    );
    // The VRRP thread: not real-time, nice -5 (`vrrp_priority`).
    assert!(wait_for(Duration::from_secs(5), || thread(pid, "kad")
        .is_some_and(|t| (t.policy, t.nice) == (0, -5))));
    assert_eq!(rttime(pid), Some(("15000".into(), "30000".into())));
    // `checker_no_swap` locks the process as `vrrp_no_swap` does.
    assert!(wait_for(Duration::from_secs(5), || vm_lck_kb(pid) > 0));
}

/// `max_auto_priority 3` with `min_auto_priority_delay 1` (µs): every
/// timer fires later than 1 µs, so each loop climbs one SCHED_RR step per
/// timer up to 3, logging as keepalived does.
///
/// Both get `vrrp_rlimit_rttime 500000`: at the default 10 ms, keepalived's
/// VRRP process, real-time from its first late timer, was killed by its own
/// RLIMIT_RTTIME at every MASTER transition (VIPs, GARPs) when the rest of
/// the suite ran beside it on the host's two CPUs (integration/soak.sh),
/// and respawned at priority 0, never reaching 3.
#[test]
fn max_auto_priority_climbs_to_its_ceiling_on_late_timers_as_keepalived() {
    let mut lab = Lab::new(2);
    let global = " max_auto_priority 3\n min_auto_priority_delay 1\n vrrp_rlimit_rttime 500000\n checker_rlimit_rttime 500000";
    let kad_conf = lab.write("kad.conf", &conf(&lab, global, 44));
    let ka_conf = lab.write("ka.conf", &conf(&lab, global, 45));
    let k = lab.kad(0, &kad_conf, "sched");
    lab.keepalived(1, &ka_conf, "sched");
    let pid = lab.pid(k);
    let at = |comm: &str| thread(pid, comm).map(|t| (t.policy, t.rt_priority));
    assert!(
        wait_for(Duration::from_secs(15), || at("kad") == Some((2, 3))
            && at("kad-checks") == Some((2, 3))),
        "{:?}\n{}",
        tasks(pid),
        lab.log("kad0.log")
    );
    let log = lab.log("kad0.log");
    for p in 1..=3 {
        assert!(log.contains(&format!("Set realtime priority {p}")), "{log}");
    }
    assert!(!log.contains("Set realtime priority 4"), "{log}");
    assert!(log.contains("A thread timer expired 0."), "{log}");
    assert!(!log.contains("NOTICE: setting config option max_auto_priority"));
    // No more than the ceiling, some timers later.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(at("kad"), Some((2, 3)));
    // The RLIMIT_RTTIME a climb from SCHED_OTHER sets: the configured
    // value, half of it as the soft limit (keepalived's warning).
    assert_eq!(rttime(pid), Some(("250000".into(), "500000".into())));

    // keepalived's VRRP process climbs the same way.
    let ka = || keepalived_vrrp_pid(&lab, 1).and_then(|p| task(p, p));
    assert!(
        wait_for(Duration::from_secs(15), || ka().is_some_and(|t| (
            t.policy,
            t.rt_priority
        ) == (
            2, 3
        ))),
        "{:?}\n{}",
        ka(),
        lab.log("keepalived1.log")
    );
    let kalog = lab.log("keepalived1.log");
    assert!(kalog.contains("Set realtime priority 3"), "{kalog}");
    let kp = keepalived_vrrp_pid(&lab, 1).expect("keepalived's VRRP pid");
    assert_eq!(rttime(kp), rttime(pid), "RLIMIT_RTTIME as keepalived's");
}

/// Without `max_auto_priority` neither climbs, and both say that setting
/// it should help.
#[test]
fn without_max_auto_priority_nothing_climbs_and_both_suggest_it() {
    let mut lab = Lab::new(2);
    let global = " min_auto_priority_delay 1";
    let kad_conf = lab.write("kad.conf", &conf(&lab, global, 46));
    let ka_conf = lab.write("ka.conf", &conf(&lab, global, 47));
    let k = lab.kad(0, &kad_conf, "sched");
    lab.keepalived(1, &ka_conf, "sched");
    let pid = lab.pid(k);
    // Late timers are reported, but the thread stays SCHED_OTHER.
    assert!(
        wait_for(Duration::from_secs(10), || lab
            .log("kad0.log")
            .contains("A thread timer expired")),
        "{}",
        lab.log("kad0.log")
    );
    assert!(wait_for(Duration::from_secs(10), || lab
        .log("keepalived1.log")
        .contains("A thread timer expired")));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(thread(pid, "kad").map(|t| t.policy), Some(0));
    let kp = keepalived_vrrp_pid(&lab, 1).expect("keepalived's VRRP pid");
    assert_eq!(task(kp, kp).map(|t| t.policy), Some(0));
    assert!(lab.log("kad0.log").contains(
        "NOTICE: setting config option max_auto_priority should result in better kad performance"
    ));
    assert!(lab
        .log("keepalived1.log")
        .contains("NOTICE: setting config option max_auto_priority should result in better keepalived performance"));
}
