//! Whole nodes on a simulated LAN (tests/lan): sync groups, trackers with
//! weights, preemption and nopreempt, reload and stop, each checked against
//! keepalived's rules in virtual time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::node::Output;
use kad_vrrp::State;
use lan::{config, instance, secs, Lan};

fn two(a: &str, b: &str) -> Lan {
    let mut lan = Lan::new(&[config(a), config(b)], 7);
    lan.start_all();
    lan
}

/// Master_Down_Interval for advert_int 1 s and priority p (v2).
fn mdi(p: u8) -> f64 {
    3.0 + f64::from(256 - u16::from(p)) / 256.0
}

#[test]
fn higher_priority_wins_and_preempts_a_late_start() {
    let mut lan = Lan::new(
        &[
            config(&instance("VI", 1, 100, "")),
            config(&instance("VI", 1, 200, "")),
        ],
        1,
    );
    lan.start(0);
    lan.run_for(secs(mdi(100) + 0.1));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.start(1);
    // The new BACKUP hears a lower priority, takes over at its
    // Master_Down_Interval; the old master hears it and steps down.
    lan.run_for(secs(mdi(200) + 0.1));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    assert_eq!(lan.masters(1), 1);
    assert!(lan.hosts[1].holding.contains("VI") && !lan.hosts[0].holding.contains("VI"));
}

#[test]
fn nopreempt_keeps_the_running_master() {
    let mut lan = Lan::new(
        &[
            config(&instance("VI", 1, 100, "")),
            config(&instance("VI", 1, 200, "nopreempt")),
        ],
        2,
    );
    lan.start(0);
    lan.run_for(secs(5.0));
    lan.start(1);
    lan.run_for(secs(20.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    assert_eq!(lan.state(1, "VI"), Some(State::Backup));
}

#[test]
fn a_tracker_weight_moves_mastership_and_back() {
    let script =
        "vrrp_script chk {\n script \"/bin/true\"\n interval 1\n weight -60\n fall 2\n rise 1\n}\n";
    let a = format!(
        "{script}{}",
        instance("VI", 1, 150, "track_script {\n chk\n }")
    );
    let b = format!(
        "{script}{}",
        instance("VI", 1, 120, "track_script {\n chk\n }")
    );
    let mut lan = two(&a, &b);
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    // One failure is short of `fall 2`: nothing moves.
    lan.with(0, |n, now| n.handle_script(now, "chk", false));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    assert_eq!(lan.hosts[0].node.status(lan.now)[0].effective_priority, 150);
    lan.with(0, |n, now| n.handle_script(now, "chk", false));
    let failed = lan.now;
    assert_eq!(lan.hosts[0].node.status(lan.now)[0].effective_priority, 90);
    lan.run_for(secs(mdi(120) + 0.1));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    let took = lan
        .masters_log
        .iter()
        .rev()
        .find(|(t, _, m)| *t >= failed && *m == 1)
        .map(|(t, _, _)| *t - failed);
    assert!(took.is_some_and(|d| d <= secs(mdi(120) + 0.01)), "{took:?}");
    // Recovered: the higher priority preempts again.
    lan.with(0, |n, now| n.handle_script(now, "chk", true));
    lan.run_for(secs(mdi(150) + 1.1));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    assert_eq!(lan.state(1, "VI"), Some(State::Backup));
}

#[test]
fn a_sync_group_fails_over_as_one() {
    let group = "vrrp_sync_group G {\n group {\n VI_1\n VI_2\n }\n}\n";
    let conf = |p1: u8, p2: u8, extra: &str| {
        format!(
            "{group}{}{}",
            instance("VI_1", 1, p1, extra),
            instance("VI_2", 2, p2, "")
        )
    };
    let mut lan = two(
        &conf(200, 200, "track_interface {\n eth1\n }"),
        &conf(100, 100, ""),
    );
    lan.run_for(secs(5.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Master), "{vi}");
        assert_eq!(lan.state(1, vi), Some(State::Backup), "{vi}");
    }
    // VI_1's tracked link goes down: the whole group faults on host 0 and
    // host 1 takes over both, VI_2 too although nothing of it failed.
    lan.with(0, |n, now| n.handle_link(now, "eth1", false));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Fault), "{vi}");
    }
    lan.run_for(secs(1.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(1, vi), Some(State::Master), "{vi}");
    }
    let st = lan.hosts[0].node.status(lan.now);
    assert_eq!(st[0].fault_reasons, vec!["tracked interface eth1 is down"]);
    assert_eq!(st[1].sync_group.as_deref(), Some("G"));
    // The group's notify line came once, after both members.
    let group_lines = lan.hosts[1]
        .outputs
        .iter()
        .filter(|(_, o)| matches!(o, Output::Fifo(l) if l == "GROUP \"G\" MASTER 0"))
        .count();
    assert_eq!(group_lines, 1);
    // Back up: the group returns to host 0 (preempt).
    lan.with(0, |n, now| n.handle_link(now, "eth1", true));
    lan.run_for(secs(5.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Master), "{vi}");
        assert_eq!(lan.state(1, vi), Some(State::Backup), "{vi}");
    }
}

#[test]
fn a_stop_hands_over_with_priority_zero() {
    let mut lan = two(&instance("VI", 1, 200, ""), &instance("VI", 1, 100, ""));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    let t0 = lan.now;
    lan.with(0, |n, now| n.stop(now));
    let zero = lan.hosts[0]
        .outputs
        .iter()
        .any(|(t, o)| *t == t0 && matches!(o, Output::Send { payload, .. } if payload[2] == 0));
    assert!(zero, "a priority 0 advert at the stop");
    // The backup takes over after its skew time, not Master_Down_Interval;
    // the stopping master keeps the VIP until then (make before break).
    lan.run_for(secs(1.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.state(0, "VI"), Some(State::Stopped));
    let took = lan
        .masters_log
        .iter()
        .find(|(t, _, m)| *t > t0 && *m == 1)
        .map(|(t, _, _)| *t - t0);
    assert!(took.is_some_and(|d| d < secs(1.0)), "{took:?}");
    assert!(!lan.hosts[0].holding.contains("VI"));
    assert!(lan.hosts[0].node.stopped(lan.now));
}

#[test]
fn a_reload_of_the_priority_preempts_without_restart() {
    let mut lan = two(&instance("VI", 1, 200, ""), &instance("VI", 1, 100, ""));
    lan.run_for(secs(5.0));
    let before = lan.hosts[1].node.status(lan.now)[0].transitions;
    lan.reload(1, &config(&instance("VI", 1, 250, "")));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    // BACKUP → MASTER only: the reload itself is no transition.
    assert_eq!(lan.hosts[1].node.status(lan.now)[0].transitions, before + 1);
}

#[test]
fn a_member_faulty_at_start_holds_its_group_in_fault() {
    let group = "vrrp_sync_group G {\n group {\n VI_1\n VI_2\n }\n}\n";
    let text = format!(
        "{group}{}{}",
        instance("VI_1", 1, 200, "track_interface {\n eth1\n }"),
        instance("VI_2", 2, 200, "")
    );
    let cfg = config(&text);
    let mut env = lan::env_for(&cfg, 0);
    env.links.insert("eth1".into(), false);
    let mut node = kad_vrrp::node::Node::new(&cfg, &env, Default::default()).unwrap();
    node.start(kad_vrrp::Time::ZERO);
    let st = node.status(kad_vrrp::Time::ZERO);
    assert_eq!(st[0].state, "FAULT");
    assert_eq!(st[1].state, "FAULT", "VI_2 follows its group into FAULT");
    node.handle_timeout(kad_vrrp::Time::from_micros(10_000_000));
    assert_eq!(node.status(kad_vrrp::Time::ZERO)[1].state, "FAULT");
    node.handle_link(kad_vrrp::Time::from_micros(10_000_000), "eth1", true);
    let st = node.status(kad_vrrp::Time::ZERO);
    assert_eq!(
        (st[0].state.as_str(), st[1].state.as_str()),
        ("BACKUP", "BACKUP")
    );
}

/// Host 0's adverts of `vrid` (time, priority).
fn adverts(lan: &Lan, host: usize, vrid: u8) -> Vec<(kad_vrrp::Time, u8)> {
    lan.hosts[host]
        .outputs
        .iter()
        .filter_map(|(t, o)| match o {
            Output::Send { payload, .. } if payload[1] == vrid => Some((*t, payload[2])),
            _ => None,
        })
        .collect()
}

fn fifo(lan: &Lan, host: usize) -> Vec<String> {
    lan.hosts[host]
        .outputs
        .iter()
        .filter_map(|(_, o)| match o {
            Output::Fifo(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_reload_adds_and_removes_instances_and_leaves_the_others_alone() {
    let both = |p: u8, deleted: &str| {
        format!(
            "{}{}",
            instance("VI_1", 1, p, ""),
            instance("VI_2", 2, p, deleted)
        )
    };
    let mut lan = two(&both(200, "notify_deleted"), &both(100, ""));
    lan.run_for(secs(10.0));
    for vi in ["VI_1", "VI_2"] {
        assert_eq!(lan.state(0, vi), Some(State::Master));
    }
    let t0 = lan.now;
    let before = lan.hosts[0].node.status(t0)[0].clone();
    // VI_2 goes, VI_3 comes; VI_1 is untouched.
    let new = format!(
        "{}{}",
        instance("VI_1", 1, 200, ""),
        instance("VI_3", 3, 200, "")
    );
    lan.reload(0, &config(&new));
    // VI_2: a priority 0 advert at once, its address gone, DELETED said.
    assert!(adverts(&lan, 0, 2).contains(&(t0, 0)));
    assert!(!lan.hosts[0].holding.contains("VI_2"));
    assert!(fifo(&lan, 0).contains(&"INSTANCE \"VI_2\" DELETED 200".to_string()));
    // VI_3 starts as at start-up: BACKUP.
    assert_eq!(lan.state(0, "VI_3"), Some(State::Backup));
    lan.run_for(secs(10.0));
    // The peer took VI_2 over after its skew time.
    assert_eq!(lan.state(1, "VI_2"), Some(State::Master));
    let took = lan
        .masters_log
        .iter()
        .find(|(t, v, m)| *t > t0 && *v == 2 && *m == 1)
        .map(|(t, _, _)| *t - t0);
    assert!(took.is_some_and(|d| d < secs(1.0)), "{took:?}");
    assert_eq!(lan.state(0, "VI_3"), Some(State::Master));
    // VI_1: not a transition, not an extra advert, not a gap.
    let after = lan.hosts[0].node.status(lan.now)[0].clone();
    assert_eq!(after.name, "VI_1");
    assert_eq!(after.state, "MASTER");
    assert_eq!(after.transitions, before.transitions);
    let a = adverts(&lan, 0, 1);
    let around: Vec<_> = a
        .iter()
        .filter(|(t, _)| *t + secs(3.0) > t0 && *t < t0 + secs(3.0))
        .collect();
    assert!(around.len() >= 5, "{around:?}");
    for w in around.windows(2) {
        assert_eq!(w[1].0 - w[0].0, secs(1.0), "{around:?}");
    }
    assert_eq!(lan.state(1, "VI_1"), Some(State::Backup));
}

#[test]
fn a_removed_instance_without_notify_deleted_says_fault_as_keepalived() {
    let mut lan = two(&instance("VI", 1, 200, ""), &instance("VI", 1, 100, ""));
    lan.run_for(secs(5.0));
    lan.reload(0, &config(""));
    assert!(fifo(&lan, 0).contains(&"INSTANCE \"VI\" FAULT 200".to_string()));
    assert!(lan.hosts[0].node.status(lan.now).is_empty());
    lan.run_for(secs(1.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
}

#[test]
fn a_reload_that_changes_the_vrid_deletes_and_starts_again() {
    let mut lan = two(&instance("VI", 1, 200, ""), &instance("VI", 1, 100, ""));
    lan.run_for(secs(5.0));
    let t0 = lan.now;
    lan.reload(0, &config(&instance("VI", 7, 200, "")));
    assert!(adverts(&lan, 0, 1).contains(&(t0, 0)));
    lan.hosts[0].vrid_of.insert("VI".into(), 7);
    assert_eq!(
        lan.hosts[0].node.status(lan.now)[0].state,
        "BACKUP",
        "started again as at start-up"
    );
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.hosts[0].node.status(lan.now)[0].state, "MASTER");
    assert_eq!(lan.hosts[0].node.status(lan.now)[0].vrid, 7);
}

#[test]
fn a_reload_brings_a_tracker_and_a_sync_group() {
    let base = format!(
        "{}{}",
        instance("VI_1", 1, 200, ""),
        instance("VI_2", 2, 200, "")
    );
    let peer = format!(
        "{}{}",
        instance("VI_1", 1, 150, ""),
        instance("VI_2", 2, 150, "")
    );
    let mut lan = two(&base, &peer);
    lan.run_for(secs(5.0));
    // A new script with weight -100 tracked by VI_1, and a sync group
    // (whose members' weights act only with sync_group_tracking_weight, as
    // in keepalived).
    let script =
        "vrrp_script chk {\n script \"/bin/false\"\n interval 1\n weight -100\n fall 1\n}\n";
    let group = "vrrp_sync_group G {\n group {\n VI_1\n VI_2\n }\n sync_group_tracking_weight\n}\n";
    let new = format!(
        "{script}{group}{}{}",
        instance("VI_1", 1, 200, "track_script {\n chk\n }"),
        instance("VI_2", 2, 200, "")
    );
    lan.reload(0, &config(&new));
    assert_eq!(
        lan.state(0, "VI_1"),
        Some(State::Master),
        "no transition by itself"
    );
    assert_eq!(
        lan.hosts[0].node.status(lan.now)[1].sync_group.as_deref(),
        Some("G")
    );
    lan.with(0, |n, now| n.handle_script(now, "chk", false));
    assert_eq!(lan.hosts[0].node.status(lan.now)[0].effective_priority, 100);
    lan.run_for(secs(5.0));
    // VI_1 lost to the peer; VI_2 followed it, through the new group.
    assert_eq!(lan.state(1, "VI_1"), Some(State::Master));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Backup));
    assert_eq!(lan.state(0, "VI_2"), Some(State::Backup));
}

#[test]
fn preempt_delay_tolerates_a_lower_master_that_long() {
    let mut lan = Lan::new(
        &[
            config(&instance("VI", 1, 100, "")),
            config(&instance("VI", 1, 200, "preempt_delay 3")),
        ],
        3,
    );
    lan.start(0);
    lan.run_for(secs(5.0));
    let t0 = lan.now;
    lan.start(1);
    // Without the delay host 1 would take over after its
    // Master_Down_Interval (3.2 s); with it, 3 s later.
    lan.run_for(secs(5.5));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    lan.run_for(secs(2.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    let took = lan
        .masters_log
        .iter()
        .filter(|(t, _, _)| *t > t0)
        .map(|(t, _, _)| *t - t0)
        .next();
    assert!(
        took.is_some_and(|d| d > secs(5.5) && d < secs(7.5)),
        "{took:?}"
    );
}

#[test]
fn a_reload_that_makes_a_backup_the_address_owner_takes_over() {
    let mut lan = two(&instance("VI", 1, 200, ""), &instance("VI", 1, 100, ""));
    lan.run_for(secs(5.0));
    lan.reload(1, &config(&instance("VI", 1, 255, "")));
    assert_eq!(lan.hosts[1].node.status(lan.now)[0].effective_priority, 255);
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(lan.state(0, "VI"), Some(State::Backup));
    // And back: no longer the owner, the configured priority again.
    lan.reload(1, &config(&instance("VI", 1, 100, "")));
    assert_eq!(lan.hosts[1].node.status(lan.now)[0].effective_priority, 100);
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
}

/// What host `i` asked for about instance VI's routes and rules, in order
/// ("+route", "-rule", "+addrs" ...), from output number `from` on.
fn net_changes(lan: &Lan, i: usize, from: usize) -> Vec<String> {
    lan.hosts[i].outputs[from..]
        .iter()
        .filter_map(|(_, o)| match o {
            Output::AddAddrs { .. } => Some("+addrs".to_string()),
            Output::DelAddrs { .. } => Some("-addrs".to_string()),
            Output::Routes { add, routes, .. } => Some(format!(
                "{}route{}",
                if *add { "+" } else { "-" },
                routes.len()
            )),
            Output::Rules { add, rules, .. } => Some(format!(
                "{}rule{}",
                if *add { "+" } else { "-" },
                rules
                    .iter()
                    .map(|r| format!(" {}", r.priority.unwrap_or(0)))
                    .collect::<String>()
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn virtual_rules_follow_the_master_after_its_routes() {
    let extra = "virtual_routes {\n 10.20.0.0/24 via 10.9.1.254 table 100\n }\n \
                 virtual_rules {\n from 10.9.1.1/32 table 100 priority 100\n to 10.30.0.0/16 table 100 priority 101\n }";
    let mut lan = two(
        &instance("VI", 1, 200, extra),
        &instance("VI", 1, 100, extra),
    );
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI"), Some(State::Master));
    // The master added addresses, then routes, then rules; the backup none.
    assert_eq!(
        net_changes(&lan, 0, 0),
        ["+addrs", "+route1", "+rule 100 101"]
    );
    assert!(!net_changes(&lan, 1, 0).iter().any(|c| c.starts_with('+')));
    // The master leaves: rules go first, then routes, then addresses
    // (keepalived's vrrp_restore_interface), and the new master adds them.
    let (m0, m1) = (lan.hosts[0].outputs.len(), lan.hosts[1].outputs.len());
    lan.with(0, |n, now| n.stop(now));
    lan.run_for(secs(2.0));
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
    assert_eq!(
        net_changes(&lan, 0, m0),
        ["-rule 100 101", "-route1", "-addrs"]
    );
    assert_eq!(
        net_changes(&lan, 1, m1),
        ["+addrs", "+route1", "+rule 100 101"]
    );
    // A reload of the master that changes one rule: the old one goes, the
    // new one comes, the unchanged one and the route stay.
    let changed = extra.replace("priority 101", "priority 102");
    let m1 = lan.hosts[1].outputs.len();
    lan.reload(1, &config(&instance("VI", 1, 100, &changed)));
    assert_eq!(net_changes(&lan, 1, m1), ["-rule 101", "+rule 102"]);
    assert_eq!(lan.state(1, "VI"), Some(State::Master));
}
