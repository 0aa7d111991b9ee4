//! A reload as keepalived does it, beside Debian's keepalived 2.2.7 as the
//! peer: kad's SIGHUP removes one instance (its priority-0 advert lets
//! keepalived take over at once) and adds another (started as at start-up)
//! while the untouched instances keep their state and their advert
//! schedule, to the tcpdump timestamp.

use kad_integration::netns::{state_of, status, wait_for, Capture, Lab};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One instance on eth0, with its VIP 10.<net>.<vrid>.1.
fn instance(lab: &Lab, name: &str, vrid: u8, prio: u8) -> String {
    format!(
        "vrrp_instance {name} {{\n  state BACKUP\n  interface eth0\n  virtual_router_id {vrid}\n  \
         priority {prio}\n  advert_int 1\n  virtual_ipaddress {{\n    10.{}.{vrid}.1/24\n  }}\n}}\n",
        lab.net
    )
}

/// kad's adverts of `vrid` (at priority 150) in a tcpdump reading: their
/// times in seconds since the epoch. (`tcpdump -v` puts the time on the
/// line before the VRRP one.)
fn advert_times(text: &str, vrid: u8) -> Vec<f64> {
    let mut last = None;
    let mut out = Vec::new();
    for l in text.lines() {
        if let Some(t) = l
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<f64>().ok())
        {
            last = Some(t);
        }
        if l.contains(&format!("vrid {vrid}, prio 150")) {
            out.extend(last.take());
        }
    }
    out
}

fn prio_zero(text: &str, vrid: u8) -> bool {
    text.contains(&format!("vrid {vrid}, prio 0,"))
}

fn transitions(lab: &Lab, name: &str) -> Option<u64> {
    status(&lab.socket(0))?
        .vrrp
        .into_iter()
        .find(|v| v.name == name)
        .map(|v| v.transitions)
}

#[test]
fn a_reload_adds_and_removes_while_the_others_keep_their_schedule() {
    let mut lab = Lab::new(2);
    // kad (h0): MASTER of VI_1 and VI_3, BACKUP of VI_2 to keepalived.
    let before = [
        instance(&lab, "VI_1", 71, 150),
        instance(&lab, "VI_2", 72, 100),
        instance(&lab, "VI_3", 73, 150),
    ]
    .concat();
    let after = [
        instance(&lab, "VI_1", 71, 150),
        instance(&lab, "VI_2", 72, 100),
        instance(&lab, "VI_4", 74, 150),
    ]
    .concat();
    let peer = [
        instance(&lab, "VI_1", 71, 100),
        instance(&lab, "VI_2", 72, 150),
        instance(&lab, "VI_3", 73, 100),
        instance(&lab, "VI_4", 74, 100),
    ]
    .concat();
    let kc = lab.write("kad.conf", &before);
    let pc = lab.write("keepalived.conf", &peer);
    lab.keepalived(1, &pc, "h1");
    let k = lab.kad(0, &kc, "h0");
    let settled = |lab: &Lab| {
        let s = |n| state_of(&lab.socket(0), n);
        s("VI_1").as_deref() == Some("MASTER")
            && s("VI_3").as_deref() == Some("MASTER")
            && s("VI_2").as_deref() == Some("BACKUP")
            && lab.has_addr(1, &format!("10.{}.72.1", lab.net))
            && !lab.has_addr(1, &format!("10.{}.71.1", lab.net))
            && !lab.has_addr(1, &format!("10.{}.73.1", lab.net))
    };
    assert!(
        wait_for(Duration::from_secs(15), || settled(&lab)),
        "not settled:\n{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    let t1 = transitions(&lab, "VI_1").expect("status");
    let t2 = transitions(&lab, "VI_2").expect("status");
    let ka_log_before = lab.log("keepalived1.log").len();
    let cap = Capture::start(&lab, 1, "ip proto 112");
    std::thread::sleep(Duration::from_millis(3200));

    lab.write("kad.conf", &after);
    let hup = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    lab.signal(k, "HUP");
    let net = lab.net;
    // keepalived takes VI_3 over after its skew time (0.61 s), not its
    // Master_Down_Interval; kad's new VI_4 starts BACKUP and preempts.
    assert!(
        wait_for(Duration::from_millis(1500), || lab
            .has_addr(1, &format!("10.{net}.73.1"))
            && !lab.has_addr(0, &format!("10.{net}.73.1"))),
        "keepalived did not take VI_3 over at once:\n{}",
        lab.log("kad0.log")
    );
    assert!(
        wait_for(Duration::from_secs(6), || state_of(&lab.socket(0), "VI_4")
            .as_deref()
            == Some("MASTER")
            && !lab.has_addr(1, &format!("10.{net}.74.1"))),
        "VI_4 did not start:\n{}",
        lab.log("kad0.log")
    );
    std::thread::sleep(Duration::from_millis(1500));
    let text = cap.stop();

    assert!(
        prio_zero(&text, 73),
        "no priority 0 advert for VI_3:\n{text}"
    );
    let st = status(&lab.socket(0)).expect("status");
    let names: Vec<&str> = st.vrrp.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["VI_1", "VI_2", "VI_4"]);
    // No transition of the untouched instances, on either side.
    assert_eq!(state_of(&lab.socket(0), "VI_1").as_deref(), Some("MASTER"));
    assert_eq!(state_of(&lab.socket(0), "VI_2").as_deref(), Some("BACKUP"));
    assert_eq!(transitions(&lab, "VI_1"), Some(t1));
    assert_eq!(transitions(&lab, "VI_2"), Some(t2));
    let ka_after = lab.log("keepalived1.log")[ka_log_before..].to_string();
    for vi in ["VI_1", "VI_2"] {
        assert!(
            !ka_after.contains(&format!("({vi}) Entering")),
            "keepalived's {vi} changed state:\n{ka_after}"
        );
    }
    // VI_1's adverts on schedule across the reload: no gap over
    // advert_int + 20 ms, and adverts on both sides of the SIGHUP.
    let times = advert_times(&text, 71);
    assert!(
        times.iter().any(|t| *t < hup - 2.0) && times.iter().any(|t| *t > hup + 2.0),
        "VI_1's adverts do not span the reload ({hup}): {times:?}"
    );
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let worst = gaps.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "VI_1: {} adverts, worst gap {:.1} ms across the reload",
        times.len(),
        worst * 1000.0
    );
    assert!(
        worst <= 1.020,
        "VI_1: an advert gap of {worst:.3} s: {gaps:?}"
    );
    let log = lab.log("kad0.log");
    assert!(log.contains("(VI_3) removed by the reload"), "{log}");
    assert!(log.contains("(VI_4) added by the reload"), "{log}");
}
