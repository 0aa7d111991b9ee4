//! `vrrp_track_process` and a sync group's own trackers on the simulated
//! LAN (tests/lan), against keepalived's rules: a process tracker of weight
//! 0 faults the instance without quorum, a weighted one moves its priority,
//! `fork_delay` / `terminate_delay` hold the change back; a sync group's
//! `track_script` / `track_process` count for every member, so the group
//! faults (or, with `sync_group_tracking_weight`, loses priority) as one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::State;
use lan::{config, instance, secs, Lan};

const PROC: &str = "vrrp_track_process daemon {\n process mydaemon\n quorum 1\n quorum_max 2\n fork_delay 2\n terminate_delay 3\n}\n";

fn prio(lan: &Lan, i: usize, name: &str) -> u8 {
    let now = lan.now;
    lan.hosts[i]
        .node
        .status(now)
        .into_iter()
        .find(|s| s.name == name)
        .expect("instance")
        .effective_priority
}

fn reasons(lan: &Lan, i: usize, name: &str) -> Vec<String> {
    let now = lan.now;
    lan.hosts[i]
        .node
        .status(now)
        .into_iter()
        .find(|s| s.name == name)
        .expect("instance")
        .fault_reasons
}

#[test]
fn track_process_quorum_with_its_delays_faults_the_instance() {
    // Host 0 tracks the process (weight 0: a fault); host 1 is a lower
    // backup that takes over while host 0 is in FAULT.
    let a = format!(
        "{PROC}{}",
        instance("VI", 1, 200, "track_process {\n daemon weight 0\n }")
    );
    let mut lan = Lan::new(&[config(&a), config(&instance("VI", 1, 100, ""))], 3);
    lan.start_all();
    lan.run_for(secs(4.0));
    // No process at start: FAULT at once (no delay at start-up).
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
    assert_eq!(
        reasons(&lan, 0, "VI"),
        ["tracked process daemon quorum not achieved"]
    );
    assert_eq!(lan.state(1, "VI"), Some(State::Master));

    // One process: quorum after fork_delay (2 s), not before.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 1));
    lan.run_for(secs(1.9));
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
    lan.run_for(secs(0.2));
    assert_ne!(lan.state(0, "VI"), Some(State::Fault));
    // It preempts the lower backup.
    lan.run_for(secs(4.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    assert_eq!(lan.masters(1), 1);

    // Three processes, over quorum_max: a rise, so lost after fork_delay.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 3));
    lan.run_for(secs(1.9));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.run_for(secs(0.2));
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
    // Back in range: a fall, so quorum again after terminate_delay.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 2));
    lan.run_for(secs(2.9));
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
    lan.run_for(secs(0.2));
    assert_ne!(lan.state(0, "VI"), Some(State::Fault));
    lan.run_for(secs(4.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));

    // The process dies and comes back within terminate_delay: no change.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 0));
    lan.run_for(secs(1.0));
    lan.with(0, |n, now| n.handle_process(now, "daemon", 1));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    assert_eq!(lan.masters(1), 1);
}

#[test]
fn delay_sets_both_the_fork_and_the_terminate_delay() {
    let a = format!(
        "vrrp_track_process daemon {{\n process mydaemon\n delay 2\n}}\n{}",
        instance("VI", 1, 200, "track_process {\n daemon\n }")
    );
    let mut lan = Lan::new(&[config(&a)], 8);
    lan.start_all();
    lan.with(0, |n, now| n.handle_process(now, "daemon", 1));
    lan.run_for(secs(1.9));
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.with(0, |n, now| n.handle_process(now, "daemon", 0));
    lan.run_for(secs(1.9));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.run_for(secs(0.2));
    assert_eq!(lan.state(0, "VI"), Some(State::Fault));
}

#[test]
fn weighted_track_process_moves_the_priority() {
    let a = format!(
        "{}{}",
        PROC.replace("fork_delay 2\n terminate_delay 3\n", "weight -60\n"),
        instance("VI", 1, 200, "track_process {\n daemon\n }")
    );
    let mut lan = Lan::new(&[config(&a), config(&instance("VI", 1, 150, ""))], 4);
    lan.with(0, |n, now| n.handle_process(now, "daemon", 1));
    lan.start_all();
    lan.run_for(secs(5.0));
    assert_eq!(prio(&lan, 0, "VI"), 200);
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    // Lost: 200 - 60 = 140, below the peer's 150, which preempts.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 0));
    lan.run_for(secs(5.0));
    assert_eq!(prio(&lan, 0, "VI"), 140);
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    // A reference's own weight and `reverse` win over the tracker's.
    let b = format!(
        "{}{}",
        PROC.replace("fork_delay 2\n terminate_delay 3\n", "weight -60\n"),
        instance(
            "VI",
            1,
            200,
            "track_process {\n daemon weight 30 reverse\n }"
        )
    );
    lan.reload(0, &config(&b));
    lan.run_for(secs(1.0));
    // Reverse: counted as up while quorum is lost: +30.
    assert_eq!(prio(&lan, 0, "VI"), 230);
}

fn group_conf(group_extra: &str, prio: u8, member_extra: &str) -> String {
    format!(
        "vrrp_script chk {{\n script \"/bin/true\"\n}}\n{PROC}vrrp_sync_group G {{\n group {{\n VI_1\n VI_2\n }}\n {group_extra}\n}}\n{}{}",
        instance("VI_1", 1, prio, member_extra),
        instance("VI_2", 2, prio, member_extra)
    )
}

#[test]
fn a_sync_group_s_own_trackers_fault_the_group_as_one() {
    let mut lan = Lan::new(
        &[
            config(&group_conf(
                "track_script {\n chk\n }\n track_process {\n daemon\n }",
                200,
                "",
            )),
            config(&group_conf("", 100, "")),
        ],
        5,
    );
    // The process appears just after start: quorum after fork_delay, then
    // host 0 preempts.
    lan.start_all();
    lan.with(0, |n, now| n.handle_process(now, "daemon", 1));
    lan.run_for(secs(9.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Master), "{vi}");
    }
    // The group's script fails: both members FAULT, the peer takes both.
    lan.with(0, |n, now| n.handle_script(now, "chk", false));
    lan.run_for(secs(5.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Fault), "{vi}");
        assert_eq!(lan.state(1, vi), Some(State::Master), "{vi}");
        assert_eq!(reasons(&lan, 0, vi), ["track script chk failed"], "{vi}");
    }
    lan.with(0, |n, now| n.handle_script(now, "chk", true));
    lan.run_for(secs(6.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Master), "{vi}");
    }
    // The group's process tracker, past its terminate_delay: both FAULT.
    lan.with(0, |n, now| n.handle_process(now, "daemon", 0));
    lan.run_for(secs(2.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
    lan.run_for(secs(1.5));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Fault), "{vi}");
    }
}

#[test]
fn sync_group_tracking_weight_lets_members_weights_act() {
    // Each member's own weighted track_script: without
    // sync_group_tracking_weight keepalived drops it (with a warning), with
    // it the weight acts on each member.
    let member = "track_script {\n chk weight -150\n }";
    for (keyword, after) in [("", 200), ("sync_group_tracking_weight", 50)] {
        let text = group_conf(keyword, 200, member);
        let loaded =
            kad_config::load_str(&text, std::path::Path::new("sim.conf"), &Default::default());
        let warned = loaded.diagnostics.iter().any(|d| {
            d.message == "(VI_1) ignoring tracked script chk with weights due to SYNC group"
        });
        assert_eq!(
            warned,
            keyword.is_empty(),
            "{keyword:?}: {:?}",
            loaded.diagnostics
        );
        let mut lan = Lan::new(&[config(&text), config(&group_conf("", 100, ""))], 6);
        lan.start_all();
        lan.run_for(secs(5.0));
        assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
        lan.with(0, |n, now| n.handle_script(now, "chk", false));
        lan.run_for(secs(5.0));
        for vi in ["VI_1", "VI_2"] {
            assert_eq!(prio(&lan, 0, vi), after, "{keyword:?} {vi}");
            let want = if after < 100 {
                State::Backup
            } else {
                State::Master
            };
            assert_eq!(lan.state(0, vi), Some(want), "{keyword:?} {vi}");
        }
    }
}
