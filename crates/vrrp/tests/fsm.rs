//! The state machine rule by rule, as keepalived applies them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_config::model::{Centis, GarpTimers};
use kad_vrrp::fsm::{Action, Input, Instance, Params, State};
use kad_vrrp::packet::Version;
use kad_vrrp::time::Time;
use std::net::IpAddr;
use std::time::Duration;

fn params(prio: u8) -> Params {
    Params {
        vrid: 7,
        version: Version::V2,
        base_priority: prio,
        advert_int: Centis(100),
        preempt: true,
        preempt_delay: Duration::ZERO,
        down_timer_adverts: 3,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        owner_ignore_adverts: false,
        garp: GarpTimers::default(),
        local_addr: ip(10),
        hold_vips_on_stop: false,
    }
}

fn ip(n: u8) -> IpAddr {
    IpAddr::from([10, 0, 0, n])
}

fn t(ms: u64) -> Time {
    Time::from_micros(ms * 1000)
}

fn adv(n: u8, priority: u8) -> Input {
    Input::Advert {
        src: ip(n),
        priority,
        interval: Centis(100),
    }
}

/// Run an instance to MASTER (no peer heard).
fn master(p: Params) -> (Instance, Time) {
    let mut i = Instance::new(p);
    i.handle(t(0), Input::Start);
    let d = i.next_deadline().unwrap();
    i.handle(d, Input::Tick);
    assert_eq!(i.state(), State::Master);
    (i, d)
}

#[test]
fn starts_in_backup_unless_owner() {
    let mut i = Instance::new(params(100));
    let a = i.handle(t(0), Input::Start);
    assert_eq!(
        a,
        vec![Action::Transition {
            from: State::Init,
            to: State::Backup
        }]
    );
    let mut o = Instance::new(params(255));
    let a = o.handle(t(0), Input::Start);
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 255 },
            Action::AddVips,
            Action::Garp { repeat: 5 },
            Action::Transition {
                from: State::Init,
                to: State::Master
            }
        ]
    );
}

#[test]
fn becoming_master_sends_advert_first_then_vips_then_garps_and_a_second_burst() {
    let (mut i, at) = master(params(100));
    // The second burst 5 s later, adverts every second in between.
    let mut garps = Vec::new();
    let mut now = at;
    while now < at + Duration::from_secs(6) {
        now = i.next_deadline().unwrap();
        for a in i.handle(now, Input::Tick) {
            if let Action::Garp { repeat } = a {
                garps.push((now - at, repeat));
            }
        }
    }
    assert_eq!(garps, vec![(Duration::from_secs(5), 5)]);
    assert_eq!(i.stats.advert_sent, 7);
}

#[test]
fn master_answers_priority_zero_and_reasserts_against_lower_priority() {
    let (mut i, at) = master(params(100));
    assert_eq!(
        i.handle(at, adv(1, 0)),
        vec![Action::SendAdvert { priority: 100 }]
    );
    let a = i.handle(at, adv(1, 50));
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 100 },
            Action::Garp { repeat: 5 },
            Action::MasterRxLowerPriority {
                src: ip(1),
                priority: 50
            }
        ]
    );
    let mut p = params(100);
    p.lower_prio_no_advert = true;
    let (mut i, at) = master(p);
    assert!(!i
        .handle(at, adv(1, 50))
        .contains(&Action::SendAdvert { priority: 100 }));
}

#[test]
fn master_yields_to_higher_priority_and_equal_priority_from_higher_address() {
    let (mut i, at) = master(params(100));
    let a = i.handle(at, adv(20, 100));
    assert_eq!(
        a,
        vec![
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Backup
            }
        ]
    );
    assert_eq!(i.master(), Some((ip(20), 100)));
    let (mut i, at) = master(params(100));
    assert_eq!(
        i.handle(at, adv(5, 100)).len(),
        3,
        "lower address: re-assert, GARP, notify"
    );
    assert_eq!(i.state(), State::Master);
    let (mut i, at) = master(params(100));
    i.handle(at, adv(5, 101));
    assert_eq!(i.state(), State::Backup);
}

#[test]
fn backup_takes_over_after_skew_time_when_the_master_leaves() {
    let mut i = Instance::new(params(100));
    i.handle(t(0), Input::Start);
    i.handle(t(500), adv(1, 200));
    i.handle(t(600), adv(1, 0));
    // (256 - 100) / 256 s = 609.375 ms after the priority-0 advert.
    assert_eq!(
        i.next_deadline(),
        Some(t(600) + Duration::from_micros(609_375))
    );
    assert_eq!(i.stats.pri_zero_rcvd, 1);
}

#[test]
fn preempt_nopreempt_and_preempt_delay() {
    // Preempting backup ignores a lower master: takes over at the down timer.
    let mut i = Instance::new(params(150));
    i.handle(t(0), Input::Start);
    let first = i.next_deadline().unwrap();
    i.handle(t(1000), adv(1, 100));
    assert_eq!(
        i.next_deadline(),
        Some(first),
        "a lower advert does not reset the timer"
    );
    // nopreempt accepts any master.
    let mut p = params(150);
    p.preempt = false;
    let mut i = Instance::new(p);
    i.handle(t(0), Input::Start);
    i.handle(t(1000), adv(1, 100));
    assert_eq!(i.next_deadline(), Some(t(1000) + i.master_down_interval()));
    // preempt_delay tolerates a lower master that long.
    let mut p = params(150);
    p.preempt_delay = Duration::from_secs(10);
    let mut i = Instance::new(p);
    i.handle(t(0), Input::Start);
    i.handle(t(1000), adv(1, 100));
    i.handle(t(10_000), adv(1, 100));
    assert_eq!(
        i.next_deadline(),
        Some(t(10_000) + i.master_down_interval())
    );
    i.handle(t(11_001), adv(1, 100));
    assert_eq!(
        i.next_deadline(),
        Some(t(10_000) + i.master_down_interval()),
        "ignored after the delay"
    );
}

#[test]
fn v3_backup_learns_the_master_interval() {
    let mut p = params(100);
    p.version = Version::V3;
    p.advert_int = Centis(100);
    let mut i = Instance::new(p);
    i.handle(t(0), Input::Start);
    i.handle(
        t(10),
        Input::Advert {
            src: ip(1),
            priority: 200,
            interval: Centis(20),
        },
    );
    assert_eq!(i.master_adv_int(), Centis(20));
    // 3 × 200 ms + 156/256 × 200 ms = 721.875 ms
    assert_eq!(
        i.next_deadline(),
        Some(t(10) + Duration::from_micros(721_875))
    );
}

#[test]
fn fault_drops_vips_with_a_priority_zero_advert_and_recovery_waits_in_backup() {
    let (mut i, at) = master(params(100));
    let a = i.handle(at, Input::Fault(true));
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Fault
            }
        ]
    );
    assert!(i.handle(at, adv(1, 50)).is_empty(), "FAULT ignores adverts");
    let a = i.handle(at + Duration::from_secs(1), Input::Fault(false));
    assert_eq!(
        a,
        vec![Action::Transition {
            from: State::Fault,
            to: State::Backup
        }]
    );
}

#[test]
fn trackers_change_the_advertised_priority_but_never_the_owner_s() {
    let (mut i, at) = master(params(100));
    i.handle(at, Input::Priority(90));
    let next = i.next_deadline().unwrap();
    assert_eq!(
        i.handle(next, Input::Tick),
        vec![Action::SendAdvert { priority: 90 }]
    );
    let (mut o, at) = master(params(255));
    o.handle(at, Input::Priority(90));
    assert_eq!(o.priority(), 255);
}

#[test]
fn stop_sends_priority_zero_and_can_hold_vips_until_the_successor_speaks() {
    let (mut i, at) = master(params(100));
    let a = i.handle(at, Input::Stop);
    assert_eq!(
        a,
        vec![
            Action::SendAdvert { priority: 0 },
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Stopped
            }
        ]
    );
    let mut p = params(100);
    p.hold_vips_on_stop = true;
    let (mut i, at) = master(p);
    assert_eq!(
        i.handle(at, Input::Stop),
        vec![Action::SendAdvert { priority: 0 }]
    );
    assert!(i.holds_vips());
    let later = at + Duration::from_millis(600);
    assert!(i.handle(later, adv(1, 50)).is_empty(), "addresses linger");
    assert!(i.holds_vips());
    let later = later + kad_vrrp::fsm::RELEASE_LINGER;
    assert_eq!(
        i.handle(later, Input::Tick),
        vec![
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Stopped
            }
        ]
    );
    // Without a successor the VIPs go after two intervals.
    let mut p = params(100);
    p.hold_vips_on_stop = true;
    let (mut i, at) = master(p);
    i.handle(at, Input::Stop);
    assert_eq!(i.next_deadline(), Some(at + Duration::from_secs(2)));
    assert_eq!(i.handle(at + Duration::from_secs(2), Input::Tick).len(), 2);
}

#[test]
fn group_inputs_move_members() {
    let mut i = Instance::new(params(100));
    i.handle(t(0), Input::Start);
    let a = i.handle(t(5), Input::GroupMaster);
    assert!(a.contains(&Action::AddVips));
    let a = i.handle(t(6), Input::GroupBackup);
    assert!(a.contains(&Action::RemoveVips));
    assert_eq!(i.state(), State::Backup);
}

#[test]
fn garp_refresh_repeats_while_master() {
    let mut p = params(100);
    p.garp.master_delay = Duration::ZERO;
    p.garp.master_refresh = Duration::from_secs(10);
    p.garp.master_refresh_repeat = 2;
    let (mut i, at) = master(p);
    let mut refreshes = Vec::new();
    let mut now = at;
    while now < at + Duration::from_secs(31) {
        now = i.next_deadline().unwrap();
        for a in i.handle(now, Input::Tick) {
            if let Action::Garp { repeat } = a {
                refreshes.push((now - at, repeat));
            }
        }
    }
    let secs = |s| Duration::from_secs(s);
    assert_eq!(refreshes, vec![(secs(10), 2), (secs(20), 2), (secs(30), 2)]);
    // Leaving MASTER stops the refresh.
    i.handle(now, adv(200, 200));
    assert_eq!(i.state(), State::Backup);
    assert!(i.next_deadline().unwrap() <= now + i.master_down_interval());
}

#[test]
fn reconfigure_keeps_the_state_and_applies_the_new_values() {
    // A MASTER reloaded with a new interval stays MASTER, advertises at
    // once, then every new interval.
    let (mut m, d) = master(params(150));
    let mut p = params(150);
    p.advert_int = Centis(50);
    let a = m.reconfigure(d, p);
    assert_eq!(a, vec![Action::SendAdvert { priority: 150 }]);
    assert_eq!(m.state(), State::Master);
    assert_eq!(m.next_deadline(), Some(d + Duration::from_millis(500)));
    // A lower priority is what the next adverts carry; a peer above it
    // then wins, as after any priority change.
    m.handle(d, Input::Priority(50));
    let a = m.handle(d + Duration::from_millis(100), adv(20, 100));
    assert_eq!(m.state(), State::Backup);
    assert!(a.contains(&Action::RemoveVips));
    // A BACKUP re-arms its Master_Down timer with the new interval
    // (3 × 0.5 s + v2's skew, (256 − 100) / 256 s).
    let mut b = Instance::new(params(100));
    b.handle(t(0), Input::Start);
    b.handle(t(100), adv(20, 200));
    let mut p = params(100);
    p.advert_int = Centis(50);
    assert!(b.reconfigure(t(200), p).is_empty());
    assert_eq!(b.state(), State::Backup);
    let down = b.next_deadline().unwrap();
    assert_eq!(down, t(200) + b.master_down_interval());
    assert_eq!(
        b.master_down_interval(),
        Duration::from_millis(1500) + b.skew(100)
    );
    // Nothing heard after that: it takes over at that deadline.
    b.handle(down, Input::Tick);
    assert_eq!(b.state(), State::Master);
}

#[test]
fn handover_holds_the_vips_until_the_successor_speaks_then_stays_backup() {
    let (mut i, at) = master(params(200));
    assert_eq!(
        i.handle(at, Input::Handover),
        vec![Action::SendAdvert { priority: 0 }]
    );
    assert!(i.holds_vips());
    assert_eq!(i.state(), State::Master);
    // No adverts while handing over, even when the interval passes.
    let a = i.handle(at + Duration::from_millis(1500), Input::Tick);
    assert!(a.is_empty(), "{a:?}");
    // The successor speaks: the VIPs go and the instance is BACKUP, with
    // the successor as its master.
    let later = at + Duration::from_millis(1600);
    assert!(i.handle(later, adv(1, 100)).is_empty(), "addresses linger");
    assert!(i.holds_vips());
    let later = later + kad_vrrp::fsm::RELEASE_LINGER;
    assert_eq!(
        i.handle(later, Input::Tick),
        vec![
            Action::RemoveVips,
            Action::Transition {
                from: State::Master,
                to: State::Backup
            }
        ]
    );
    assert_eq!(i.master(), Some((ip(1), 100)));
    // Held down at priority 1 by the caller, it follows the new master.
    i.handle(later, Input::Priority(1));
    for n in 1..10 {
        i.handle(later + Duration::from_secs(n), adv(1, 100));
        assert_eq!(i.state(), State::Backup);
    }
    // Without a successor the VIPs go after two intervals, and the
    // instance, still BACKUP, takes over again when its down timer ends.
    let (mut i, at) = master(params(200));
    i.handle(at, Input::Handover);
    let end = at + Duration::from_secs(2);
    assert_eq!(i.next_deadline(), Some(end));
    assert_eq!(i.handle(end, Input::Tick).len(), 2);
    assert_eq!(i.state(), State::Backup);
    let d = i.next_deadline().expect("down timer");
    i.handle(d, Input::Tick);
    assert_eq!(i.state(), State::Master);
    // A stop during a handover ends in STOP; a handover in BACKUP does
    // nothing.
    let (mut i, at) = master(params(200));
    i.handle(at, Input::Handover);
    i.handle(at, Input::Stop);
    i.handle(at + Duration::from_millis(100), adv(1, 100));
    i.handle(at + Duration::from_millis(200), Input::Tick);
    assert_eq!(i.state(), State::Stopped);
    let mut b = Instance::new(params(100));
    b.handle(t(0), Input::Start);
    assert!(b.handle(t(10), Input::Handover).is_empty());
}

/// `timer_expired_backup`: a MASTER whose last advert is older than the
/// Master_Down_Interval of a router of the highest other priority (three
/// intervals and that priority's skew) goes to BACKUP without a priority
/// 0 advert; one that advertised in time stays.
#[test]
fn timer_expired_sends_a_late_master_to_backup() {
    let (mut i, d) = master(params(150));
    // VRRPv2, 1 s: 3 s + (256 - 254) / 256 s.
    assert_eq!(
        i.takeover_after(3, 254),
        Duration::from_micros(3_000_000 + 2 * 1_000_000 / 256)
    );
    assert_eq!(
        i.takeover_after(2, 100),
        Duration::from_micros(2_000_000 + 156 * 1_000_000 / 256)
    );
    let bound = d + i.takeover_after(3, 254);
    let just_before = d + (i.takeover_after(3, 254) - Duration::from_micros(1));
    assert!(!i.advert_overdue(just_before, 254));
    assert!(i.advert_overdue(bound, 254));
    // A lower highest other priority leaves more time.
    assert!(!i.advert_overdue(bound, 100));
    let out = i.handle(bound, Input::TimerExpired);
    assert_eq!(i.state(), State::Backup);
    assert!(out.contains(&Action::RemoveVips), "{out:?}");
    assert!(
        !out.iter().any(|a| matches!(a, Action::SendAdvert { .. })),
        "{out:?}"
    );
    // In BACKUP it is nothing to act on.
    assert!(!i.advert_overdue(bound, 254));
    assert!(i.handle(bound, Input::TimerExpired).is_empty());
    // VRRPv3 takes the skew from the advert interval.
    let mut p = params(150);
    p.version = Version::V3;
    p.advert_int = Centis(50);
    let (v3, _) = master(p);
    assert_eq!(
        v3.takeover_after(3, 200),
        Duration::from_micros(1_500_000 + 56 * 500_000 / 256)
    );
}
