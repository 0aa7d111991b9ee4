//! `vrrp_startup_delay` on the simulated LAN (tests/lan), as keepalived's
//! vrrp_delayed_start_time: until the delay has passed, a BACKUP's
//! Master_Down timer counts from the end of the delay, so no instance (the
//! address owner included) becomes MASTER before delay + down interval.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::State;
use lan::{config, instance, secs, Lan};

fn delayed(delay: &str, prio: u8) -> String {
    format!(
        "global_defs {{\n vrrp_startup_delay {delay}\n}}\n{}",
        instance("VI", 1, prio, "")
    )
}

/// The time host `i`'s instance first became MASTER.
fn first_master(lan: &Lan, i: usize) -> Option<f64> {
    lan.masters_log
        .iter()
        .find(|(_, vrid, n)| *vrid == 1 && *n >= 1)
        .map(|(t, _, _)| t.as_micros() as f64 / 1e6)
        .filter(|_| lan.state(i, "VI") == Some(State::Master))
}

#[test]
fn vrrp_startup_delay_holds_the_first_takeover() {
    // Alone, priority 200: Master_Down_Interval is 3 + 56/256 s.
    let mdi = 3.0 + 56.0 / 256.0;
    for (delay, prio, earliest) in [("0", 200, mdi), ("5.5", 200, 5.5 + mdi), ("3", 255, 3.0)] {
        let text = if delay == "0" {
            instance("VI", 1, prio, "")
        } else {
            delayed(delay, prio)
        };
        let mut lan = Lan::new(&[config(&text)], 11);
        lan.start_all();
        lan.run_for(secs(earliest - 0.05));
        assert_eq!(lan.state(0, "VI"), Some(State::Backup), "delay {delay}");
        lan.run_for(secs(0.3));
        assert_eq!(lan.state(0, "VI"), Some(State::Master), "delay {delay}");
        let t = first_master(&lan, 0).expect("master");
        assert!(
            t >= earliest - 0.001 && t < earliest + 0.3,
            "delay {delay}: {t}"
        );
    }
}

#[test]
fn a_delayed_higher_priority_waits_before_preempting() {
    // Host 0 (100) is master; host 1 (200, vrrp_startup_delay 5) starts:
    // it hears the lower adverts as usual and preempts only after the
    // delay and a down interval.
    let mut lan = Lan::new(
        &[
            config(&instance("VI", 1, 100, "")),
            config(&delayed("5", 200)),
        ],
        12,
    );
    lan.start(0);
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.start(1);
    lan.run_for(secs(5.0 + 3.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Backup));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.run_for(secs(0.6));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    lan.run_for(secs(0.5));
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    assert_eq!(lan.masters(1), 1);
}
