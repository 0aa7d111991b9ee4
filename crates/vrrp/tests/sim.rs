//! Simulation of several VRRP routers on one LAN in virtual time: the pure
//! state machines, a network with random delays, no sockets, no sleeping.
//! Properties over thousands of random scenarios: any priorities and start
//! orders converge to exactly one master within one Master_Down_Interval of
//! the last change, the right one wins, and a planned stop never leaves the
//! VIP unowned nor doubly owned for longer than one network delay.

use kad_config::model::{Centis, GarpTimers};
use kad_vrrp::fsm::{Action, Input, Instance, Params, State};
use kad_vrrp::packet::Version;
use kad_vrrp::time::Time;
use proptest::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::IpAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
struct RouterSpec {
    priority: u8,
    preempt: bool,
    start_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Start(usize),
    Tick(usize),
    Deliver {
        to: usize,
        from: usize,
        priority: u8,
        interval: u32,
    },
    Stop(usize),
    Priority(usize, u8),
}

struct Sim {
    routers: Vec<Instance>,
    running: Vec<bool>,
    /// When each router last started or stopped holding the VIP.
    holding_since: Vec<Option<Time>>,
    queue: BinaryHeap<Reverse<(Time, u64, Ev)>>,
    seq: u64,
    now: Time,
    rng: u64,
    max_delay_us: u64,
    /// A LAN keeps the order of frames between two hosts: the last delivery
    /// time on each (from, to) link.
    link_clock: Vec<Vec<Time>>,
    /// Longest time two routers held the VIP at once, and the longest time
    /// nobody did after someone first had.
    max_overlap: Duration,
    max_gap: Duration,
    overlap_since: Option<Time>,
    gap_since: Option<Time>,
    ever_held: bool,
}

fn addr(i: usize) -> IpAddr {
    IpAddr::from([10, 0, 0, i as u8 + 1])
}

impl Sim {
    fn new(
        specs: &[RouterSpec],
        version: Version,
        advert_int: Centis,
        seed: u64,
        max_delay_us: u64,
        hold: bool,
    ) -> Sim {
        let routers = specs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Instance::new(Params {
                    vrid: 1,
                    version,
                    base_priority: s.priority,
                    advert_int,
                    preempt: s.preempt,
                    preempt_delay: Duration::ZERO,
                    down_timer_adverts: 3,
                    lower_prio_no_advert: false,
                    higher_prio_send_advert: false,
                    owner_ignore_adverts: false,
                    garp: GarpTimers::default(),
                    local_addr: addr(i),
                    hold_vips_on_stop: hold,
                })
            })
            .collect();
        let mut sim = Sim {
            routers,
            running: vec![false; specs.len()],
            holding_since: vec![None; specs.len()],
            queue: BinaryHeap::new(),
            seq: 0,
            now: Time::ZERO,
            rng: seed | 1,
            max_delay_us,
            link_clock: vec![vec![Time::ZERO; specs.len()]; specs.len()],
            max_overlap: Duration::ZERO,
            max_gap: Duration::ZERO,
            overlap_since: None,
            gap_since: None,
            ever_held: false,
        };
        for (i, s) in specs.iter().enumerate() {
            sim.push(Time::from_micros(s.start_ms * 1000), Ev::Start(i));
        }
        sim
    }

    fn push(&mut self, t: Time, e: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((t, self.seq, e)));
    }

    fn delay(&mut self) -> Duration {
        // xorshift: deterministic per seed.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        Duration::from_micros(self.rng % (self.max_delay_us + 1))
    }

    fn input(&mut self, i: usize, input: Input) {
        let now = self.now;
        let actions = self.routers[i].handle(now, input);
        for a in actions {
            match a {
                Action::SendAdvert { priority } => {
                    let interval = self.routers[i].params().advert_int.0;
                    for to in 0..self.routers.len() {
                        if to != i {
                            let d = self.delay();
                            let at = (now + d).max(self.link_clock[i][to]);
                            self.link_clock[i][to] = at;
                            self.push(
                                at,
                                Ev::Deliver {
                                    to,
                                    from: i,
                                    priority,
                                    interval,
                                },
                            );
                        }
                    }
                }
                Action::AddVips => self.holding_since[i] = Some(now),
                Action::RemoveVips => self.holding_since[i] = None,
                _ => {}
            }
        }
        if let Some(t) = self.routers[i].next_deadline() {
            self.push(t.max(now), Ev::Tick(i));
        }
        self.account();
    }

    /// Track overlaps (two holders) and gaps (no holder).
    fn account(&mut self) {
        let holders = self.holding_since.iter().filter(|h| h.is_some()).count();
        let now = self.now;
        if holders > 1 {
            self.overlap_since.get_or_insert(now);
        } else if let Some(s) = self.overlap_since.take() {
            self.max_overlap = self.max_overlap.max(now - s);
        }
        if holders > 0 {
            self.ever_held = true;
        }
        if holders == 0 && self.ever_held {
            self.gap_since.get_or_insert(now);
        } else if let Some(s) = self.gap_since.take() {
            self.max_gap = self.max_gap.max(now - s);
        }
    }

    fn run_until(&mut self, end: Time) {
        while let Some(Reverse((t, _, _))) = self.queue.peek() {
            if *t > end {
                break;
            }
            let Some(Reverse((t, _, ev))) = self.queue.pop() else {
                break;
            };
            self.now = t;
            match ev {
                Ev::Start(i) => {
                    self.running[i] = true;
                    self.input(i, Input::Start);
                }
                Ev::Stop(i) => {
                    self.input(i, Input::Stop);
                    self.running[i] = false;
                }
                Ev::Tick(i) => self.input(i, Input::Tick),
                Ev::Priority(i, p) => self.input(i, Input::Priority(p)),
                Ev::Deliver {
                    to,
                    from,
                    priority,
                    interval,
                } => {
                    // A stopped router still hears (it may be holding VIPs
                    // for its successor); one not yet started does not.
                    if self.routers[to].state() != State::Init {
                        self.input(
                            to,
                            Input::Advert {
                                src: addr(from),
                                priority,
                                interval: Centis(interval),
                            },
                        );
                    }
                }
            }
        }
        self.now = end;
        self.account();
    }

    fn masters(&self) -> Vec<usize> {
        (0..self.routers.len())
            .filter(|&i| self.running[i] && self.routers[i].state() == State::Master)
            .collect()
    }
}

/// Whether `winner` may win when every router preempts: it has the highest
/// priority. Among equals keepalived keeps whoever became master first (a
/// backup accepts an equal priority whatever the address), so any of them.
fn may_win(prios: &[u8], winner: usize) -> bool {
    prios.iter().all(|&p| p <= prios[winner])
}

fn router() -> impl Strategy<Value = RouterSpec> {
    (
        prop_oneof![Just(100u8), Just(150), Just(255), 1u8..=255],
        any::<bool>(),
        0u64..6000,
    )
        .prop_map(|(priority, preempt, start_ms)| RouterSpec {
            priority,
            preempt,
            start_ms,
        })
}

fn version_and_interval() -> impl Strategy<Value = (Version, Centis)> {
    prop_oneof![
        Just((Version::V2, Centis(100))),
        Just((Version::V2, Centis(200))),
        Just((Version::V3, Centis(100))),
        Just((Version::V3, Centis(10))),
        Just((Version::V3, Centis(50))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn any_start_order_converges_to_one_master(
        mut specs in prop::collection::vec(router(), 2..=3),
        (version, int) in version_and_interval(),
        seed in any::<u64>(),
        all_preempt in any::<bool>(),
    ) {
        // One address owner at most: two owners fight by design (RFC 9568).
        let owners = specs.iter().filter(|s| s.priority == 255).count();
        prop_assume!(owners <= 1);
        if all_preempt {
            for s in &mut specs { s.preempt = true; }
        }
        let max_delay_us = 2_000;
        let mut sim = Sim::new(&specs, version, int, seed, max_delay_us, true);
        let last_start = specs.iter().map(|s| s.start_ms).max().unwrap_or(0);
        let mdi = sim.routers.iter().map(Instance::master_down_interval).max().unwrap_or_default();
        let settle = Time::from_micros(last_start * 1000) + mdi + Duration::from_micros(3 * max_delay_us + 1000);
        sim.run_until(settle);
        let m = sim.masters();
        prop_assert_eq!(m.len(), 1, "masters at settle time: {:?} states {:?}", m,
            sim.routers.iter().map(|r| r.state()).collect::<Vec<_>>());
        let prios: Vec<u8> = specs.iter().map(|s| s.priority).collect();
        if specs.iter().all(|s| s.preempt) {
            prop_assert!(may_win(&prios, m[0]), "{:?} won with {:?}", m[0], prios);
        }
        // And it stays so: no flapping for the next 20 s.
        let winner = m[0];
        sim.run_until(settle + Duration::from_secs(20));
        prop_assert_eq!(sim.masters(), vec![winner]);
        let holders = sim.holding_since.iter().filter(|h| h.is_some()).count();
        prop_assert_eq!(holders, 1);
    }

    #[test]
    fn a_planned_stop_hands_over_without_gap_or_long_overlap(
        prios in prop::collection::vec(1u8..=254, 2..=3),
        (version, int) in version_and_interval(),
        seed in any::<u64>(),
    ) {
        let specs: Vec<RouterSpec> = prios.iter().map(|&p| RouterSpec { priority: p, preempt: true, start_ms: 0 }).collect();
        let max_delay_us = 1_000;
        let mut sim = Sim::new(&specs, version, int, seed, max_delay_us, true);
        sim.run_until(Time::from_micros(10_000_000));
        let m = sim.masters();
        prop_assert_eq!(m.len(), 1);
        let old = m[0];
        let t_stop = sim.now + Duration::from_millis(137);
        sim.push(t_stop, Ev::Stop(old));
        sim.run_until(t_stop + Duration::from_secs(10));
        let m = sim.masters();
        prop_assert_eq!(m.len(), 1);
        prop_assert!(m[0] != old);
        let remaining: Vec<u8> = (0..prios.len()).map(|i| if i == old { 0 } else { prios[i] }).collect();
        prop_assert!(may_win(&remaining, m[0]), "{:?} won with {:?}", m[0], remaining);
        // The VIP was never unowned, and two owners overlapped at most for
        // the time adverts take to cross the network (equal-priority
        // successors both take over and settle it by exchanging adverts;
        // frames queued on a link can add one more delay), plus the
        // linger the old master keeps its addresses after the successor's
        // first advert so that clients have its gratuitous ARP.
        prop_assert_eq!(sim.max_gap, Duration::ZERO, "gap");
        let bound = Duration::from_micros(2 * max_delay_us) + kad_vrrp::fsm::RELEASE_LINGER;
        prop_assert!(sim.max_overlap <= bound, "overlap {:?}", sim.max_overlap);
    }

    #[test]
    fn priority_changes_move_the_master(
        prios in prop::collection::vec(50u8..=200, 2..=3),
        changes in prop::collection::vec((0usize..3, 1u8..=254, 0u64..20_000), 1..6),
        seed in any::<u64>(),
    ) {
        let specs: Vec<RouterSpec> = prios.iter().map(|&p| RouterSpec { priority: p, preempt: true, start_ms: 0 }).collect();
        let mut sim = Sim::new(&specs, Version::V3, Centis(100), seed, 2_000, true);
        let mut eff = prios.clone();
        let mut last = 0;
        for (i, p, at_ms) in changes {
            let i = i % prios.len();
            sim.push(Time::from_micros(at_ms * 1000), Ev::Priority(i, p));
            last = last.max(at_ms);
        }
        // Apply the changes in time order to know the final priorities.
        let mut sorted: Vec<_> = sim.queue.iter().filter_map(|Reverse((t, s, e))| match e {
            Ev::Priority(i, p) => Some((*t, *s, *i, *p)),
            _ => None,
        }).collect();
        sorted.sort();
        for (_, _, i, p) in sorted { eff[i] = p; }
        // A change can start a takeover that takes one Master_Down_Interval
        // measured with the lowest priority.
        let settle = Time::from_micros(last * 1000) + Duration::from_millis(3000 + 1000 + 20);
        sim.run_until(settle);
        let m = sim.masters();
        prop_assert_eq!(m.len(), 1);
        prop_assert!(may_win(&eff, m[0]), "{:?} won with {:?}", m[0], eff);
    }
}

#[test]
fn timings_match_keepalived() {
    // keepalived's dump for priority 100, 1 s: "Master down timer = 3609375 usecs".
    let mut sim = Sim::new(
        &[RouterSpec {
            priority: 100,
            preempt: true,
            start_ms: 0,
        }],
        Version::V2,
        Centis(100),
        1,
        0,
        true,
    );
    assert_eq!(
        sim.routers[0].master_down_interval(),
        Duration::from_micros(3_609_375)
    );
    sim.run_until(Time::from_micros(3_609_374));
    assert_eq!(sim.routers[0].state(), State::Backup);
    sim.run_until(Time::from_micros(3_609_375));
    assert_eq!(sim.routers[0].state(), State::Master);
    // v3 at 0.1 s, priority 100: 3 × 100 ms + 156/256 × 100 ms = 360.9375 ms.
    let r = Instance::new(Params {
        vrid: 1,
        version: Version::V3,
        base_priority: 100,
        advert_int: Centis(10),
        preempt: true,
        preempt_delay: Duration::ZERO,
        down_timer_adverts: 3,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        owner_ignore_adverts: false,
        garp: GarpTimers::default(),
        local_addr: addr(0),
        hold_vips_on_stop: false,
    });
    assert_eq!(r.master_down_interval(), Duration::from_micros(360_937));
    assert_eq!(r.skew(150), Duration::from_micros(41_406));
}
