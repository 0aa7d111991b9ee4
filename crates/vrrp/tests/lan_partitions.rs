//! Property over thousands of random partition / heal sequences of whole
//! nodes on the simulated LAN (tests/lan), with random priorities,
//! preemption, versions, delay and loss while partitioned: once the LAN
//! heals, two masters of one VRID never last longer than one
//! Master_Down_Interval, and within one more there is exactly one master,
//! for good.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::Time;
use lan::{config, instance, Lan};
use proptest::prelude::*;
use std::time::Duration;

#[derive(Clone, Debug)]
struct Host {
    /// Priority of each of the two VRIDs.
    prio: [u8; 2],
    nopreempt: [bool; 2],
    start_ms: u64,
}

#[derive(Clone, Debug)]
struct Step {
    /// The segment of each host.
    segment: Vec<usize>,
    loss_ppm: u64,
    ms: u64,
}

fn host() -> impl Strategy<Value = Host> {
    (
        [1u8..=254, 1u8..=254],
        [any::<bool>(), any::<bool>()],
        0u64..3000,
    )
        .prop_map(|(prio, nopreempt, start_ms)| Host {
            prio,
            nopreempt,
            start_ms,
        })
}

fn step(hosts: usize) -> impl Strategy<Value = Step> {
    (
        prop::collection::vec(0usize..3, hosts),
        prop_oneof![Just(0u64), 0u64..300_000],
        100u64..9000,
    )
        .prop_map(|(segment, loss_ppm, ms)| Step {
            segment,
            loss_ppm,
            ms,
        })
}

fn scenario() -> impl Strategy<Value = (Vec<Host>, Vec<Step>, bool, u64)> {
    (2usize..=4).prop_flat_map(|n| {
        (
            prop::collection::vec(host(), n),
            prop::collection::vec(step(n), 1..8),
            any::<bool>(),
            any::<u64>(),
        )
    })
}

fn text(h: &Host, v3: bool) -> String {
    let mut t = String::new();
    for (k, vrid) in [1u8, 2].into_iter().enumerate() {
        let mut extra = String::new();
        if h.nopreempt[k] {
            extra.push_str("nopreempt\n");
        }
        if v3 {
            extra.push_str("version 3\n");
        }
        t.push_str(&instance(&format!("VI_{vrid}"), vrid, h.prio[k], &extra));
    }
    t
}

/// The longest Master_Down_Interval of any instance (advert_int 1 s,
/// priority 1): 3 s + skew.
fn mdi_max() -> Duration {
    Duration::from_micros(3_000_000 + 255 * 1_000_000 / 256)
}

fn check(hosts: Vec<Host>, steps: Vec<Step>, v3: bool, seed: u64) -> Result<(), TestCaseError> {
    let configs: Vec<_> = hosts.iter().map(|h| config(&text(h, v3))).collect();
    let mut lan = Lan::new(&configs, seed);
    lan.keep_outputs = false;
    lan.delay_us = (50, 3_000);
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    order.sort_by_key(|&i| hosts[i].start_ms);
    for i in order {
        lan.run_until(Time::from_micros(hosts[i].start_ms * 1000));
        lan.start(i);
    }
    for s in &steps {
        lan.segment = s.segment.clone();
        lan.loss_ppm = s.loss_ppm;
        lan.run_for(Duration::from_millis(s.ms));
    }
    // Heal.
    lan.segment = vec![0; hosts.len()];
    lan.loss_ppm = 0;
    let healed = lan.now;
    let mdi = mdi_max();
    lan.run_for(3 * mdi);
    for vrid in [1u8, 2] {
        let log: Vec<(Time, usize)> = lan
            .masters_log
            .iter()
            .filter(|(_, v, _)| *v == vrid)
            .map(|(t, _, m)| (*t, *m))
            .collect();
        let at_heal = log
            .iter()
            .rev()
            .find(|(t, _)| *t <= healed)
            .map_or(0, |e| e.1);
        // Intervals with two or more masters after the heal.
        let mut since = (at_heal >= 2).then_some(healed);
        for &(t, m) in log.iter().filter(|(t, _)| *t > healed) {
            match (since, m >= 2) {
                (None, true) => since = Some(t),
                (Some(s), false) => {
                    prop_assert!(
                        t - s <= mdi,
                        "VRID {vrid}: two masters for {:?} from {:?} (healed at {healed:?})",
                        t - s,
                        s
                    );
                    since = None;
                }
                _ => {}
            }
        }
        prop_assert!(since.is_none(), "VRID {vrid}: two masters to the end");
        // Exactly one master from one more Master_Down_Interval on.
        let settle = healed + 2 * mdi;
        let at_settle = log
            .iter()
            .rev()
            .find(|(t, _)| *t <= settle)
            .map_or(0, |e| e.1);
        prop_assert_eq!(at_settle, 1, "VRID {} at heal + 2 MDI", vrid);
        prop_assert!(
            log.iter().all(|(t, _)| *t <= settle),
            "VRID {vrid}: the master changed after heal + 2 MDI: {log:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(3000)
    ))]

    #[test]
    fn after_a_heal_one_master_per_vrid((hosts, steps, v3, seed) in scenario()) {
        check(hosts, steps, v3, seed)?;
    }
}
