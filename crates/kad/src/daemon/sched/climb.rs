//! `max_auto_priority`: a thread whose timers fire late climbs towards
//! real-time, one SCHED_RR step each time, as keepalived's scheduler does
//! after each wait (lib/scheduler.c, increment_process_priority). Pure:
//! the loops report how late their timer fired; the shell applies steps.

use kad_config::model::{Scheduling, RT_PRIORITY_MIN};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Climb {
    /// The highest priority to climb to (None: never climb).
    ceiling: Option<u8>,
    /// Lateness that counts: strictly more than this.
    min_delay: Duration,
    /// The thread's SCHED_RR priority now (0: not real-time).
    current: u8,
}

/// What a late timer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Late {
    /// How late it fired (logged as keepalived logs it).
    pub by: Duration,
    /// The priority to move to, when the thread climbs.
    pub climb: Option<u8>,
}

impl Climb {
    /// `current`: the real-time priority the thread was given at start.
    pub fn new(s: &Scheduling, current: u8) -> Climb {
        Climb {
            ceiling: s.auto_ceiling(),
            min_delay: s.min_auto_priority_delay,
            current,
        }
    }

    /// A timer fired `lateness` after it was due.
    pub fn fired(&mut self, lateness: Duration) -> Option<Late> {
        if lateness <= self.min_delay {
            return None;
        }
        let climb = match self.ceiling {
            Some(top) if self.current == 0 => Some(RT_PRIORITY_MIN.min(top)),
            Some(top) if self.current < top => Some(self.current + 1),
            _ => None,
        };
        Some(Late {
            by: lateness,
            climb,
        })
    }

    /// The step was applied (a failed one is tried again next time).
    pub fn applied(&mut self, priority: u8) {
        self.current = priority;
    }

    #[cfg(test)]
    pub fn current(&self) -> u8 {
        self.current
    }
}

/// keepalived's wording: "A thread timer expired 1.234567 seconds ago".
pub fn late_message(by: Duration) -> String {
    format!(
        "A thread timer expired {}.{:06} seconds ago",
        by.as_secs(),
        by.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(max: i32, delay_us: u64) -> Scheduling {
        Scheduling {
            max_auto_priority: max,
            min_auto_priority_delay: Duration::from_micros(delay_us),
            ..Default::default()
        }
    }

    fn climb_all(c: &mut Climb, lateness: &[u64]) -> Vec<u8> {
        let mut seen = Vec::new();
        for &l in lateness {
            if let Some(Late { climb: Some(p), .. }) = c.fired(Duration::from_micros(l)) {
                c.applied(p);
                seen.push(p);
            }
        }
        seen
    }

    #[test]
    fn off_by_default_but_late_timers_are_still_reported() {
        let mut c = Climb::new(&Scheduling::default(), 0);
        assert_eq!(c.fired(Duration::from_millis(999)), None);
        assert_eq!(
            c.fired(Duration::from_millis(1500)),
            Some(Late {
                by: Duration::from_millis(1500),
                climb: None
            })
        );
        let mut quiet = Climb::new(&sched(-1, 1), 0);
        assert_eq!(
            quiet.fired(Duration::from_micros(5)).and_then(|l| l.climb),
            None
        );
    }

    #[test]
    fn climbs_one_step_per_late_timer_from_the_minimum_to_the_ceiling() {
        let mut c = Climb::new(&sched(4, 1000), 0);
        // On time, or exactly at the delay: no step.
        assert_eq!(climb_all(&mut c, &[0, 999, 1000]), Vec::<u8>::new());
        assert_eq!(climb_all(&mut c, &[1001; 10]), vec![1, 2, 3, 4]);
        assert_eq!(c.current(), 4);
    }

    #[test]
    fn a_configured_real_time_priority_is_the_start_and_can_exceed_the_ceiling() {
        let mut c = Climb::new(&sched(50, 1), 40);
        assert_eq!(climb_all(&mut c, &[10; 20]), (41..=50).collect::<Vec<_>>());
        let mut above = Climb::new(&sched(5, 1), 40);
        assert_eq!(climb_all(&mut above, &[10; 5]), Vec::<u8>::new());
        assert_eq!(above.current(), 40);
    }

    #[test]
    fn a_failed_step_is_tried_again() {
        let mut c = Climb::new(&sched(3, 1), 0);
        assert_eq!(
            c.fired(Duration::from_micros(2)).and_then(|l| l.climb),
            Some(1)
        );
        // Not applied: the same step again.
        assert_eq!(
            c.fired(Duration::from_micros(2)).and_then(|l| l.climb),
            Some(1)
        );
    }

    #[test]
    fn lateness_reads_as_keepalived_writes_it() {
        assert_eq!(
            late_message(Duration::from_micros(1_234_567)),
            "A thread timer expired 1.234567 seconds ago"
        );
        assert_eq!(
            late_message(Duration::from_micros(5)),
            "A thread timer expired 0.000005 seconds ago"
        );
    }

    /// Over random lateness sequences: the priority never falls, never
    /// passes the ceiling (unless it started above), moves by one, and
    /// only on a timer later than the delay.
    #[test]
    fn property_monotone_bounded_single_steps() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let max = (next() % 101) as i32 - 1;
            let delay = next() % 2000 + 1;
            let start = if next() % 3 == 0 {
                (next() % 99 + 1) as u8
            } else {
                0
            };
            let mut c = Climb::new(&sched(max, delay), start);
            for _ in 0..200 {
                let before = c.current();
                let l = next() % 4000;
                let step = c.fired(Duration::from_micros(l));
                match step {
                    None => assert!(l <= delay),
                    Some(s) => {
                        assert!(l > delay);
                        if let Some(p) = s.climb {
                            assert!(max >= 1 && i32::from(p) <= max);
                            assert!(p == before + 1 || (before == 0 && p == 1));
                            c.applied(p);
                        }
                    }
                }
                assert!(c.current() >= before);
            }
        }
    }
}
