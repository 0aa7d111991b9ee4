//! Trackers and the effective priority they give an instance, as keepalived
//! computes it (`vrrp_set_effective_priority` in vrrp_track.c): a tracker of
//! weight 0 faults the instance when it fails; a positive weight is added
//! while it is up, a negative weight added while it is down (`reverse`
//! swaps the two); the sum is clamped to 1..=254, and the owner (255) never
//! moves.

use serde::{Deserialize, Serialize};

/// One tracker's contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    pub weight: i32,
    pub reverse: bool,
    pub up: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effective {
    Priority(u8),
    Fault,
}

pub fn effective(base: u8, trackers: &[Tracked]) -> Effective {
    effective_with(base, trackers, 0)
}

/// As [`effective`], with `extra` added (the `track_file` values, each
/// multiplied by its weight).
pub fn effective_with(base: u8, trackers: &[Tracked], extra: i64) -> Effective {
    let mut sum: i64 = extra;
    for t in trackers {
        let up = t.up != t.reverse;
        if t.weight == 0 {
            if !up {
                return Effective::Fault;
            }
            continue;
        }
        // A positive weight counts while up, a negative one while down.
        if (t.weight > 0) == up {
            sum += i64::from(t.weight);
        }
    }
    if base == 255 {
        return Effective::Priority(255);
    }
    Effective::Priority((i64::from(base) + sum).clamp(1, 254) as u8)
}

/// A `vrrp_script`'s result with `rise`/`fall`: the state changes only after
/// `rise` successes or `fall` failures in a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptState {
    pub up: bool,
    rise: u32,
    fall: u32,
    run: u32,
}

impl ScriptState {
    /// `init_fail` starts the script in the failed state.
    pub fn new(rise: u32, fall: u32, init_fail: bool) -> ScriptState {
        ScriptState {
            up: !init_fail,
            rise: rise.max(1),
            fall: fall.max(1),
            run: 0,
        }
    }

    /// Results in a row against the current state (so far short of
    /// `rise` / `fall`).
    pub fn against(&self) -> u32 {
        self.run
    }

    /// Feed one result; returns true when the state changed.
    pub fn result(&mut self, ok: bool) -> bool {
        if ok == self.up {
            self.run = 0;
            return false;
        }
        self.run += 1;
        let need = if ok { self.rise } else { self.fall };
        if self.run >= need {
            self.up = ok;
            self.run = 0;
            return true;
        }
        false
    }
}

/// A `track_file` value's contribution: value × weight (negated with
/// `reverse`), or a fault when the weight is 0 and the value is not.
pub fn file_delta(value: i64, weight: i32, reverse: bool) -> Option<i64> {
    if weight == 0 {
        return (value == 0).then_some(0);
    }
    let d = value.saturating_mul(i64::from(weight)).clamp(-254, 254);
    Some(if reverse { -d } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values() {
        assert_eq!(file_delta(3, 10, false), Some(30));
        assert_eq!(file_delta(3, 10, true), Some(-30));
        assert_eq!(file_delta(100, 10, false), Some(254));
        assert_eq!(file_delta(0, 0, false), Some(0));
        assert_eq!(file_delta(1, 0, false), None);
        assert_eq!(effective_with(100, &[], -30), Effective::Priority(70));
    }

    fn t(weight: i32, up: bool) -> Tracked {
        Tracked {
            weight,
            reverse: false,
            up,
        }
    }

    #[test]
    fn weights_and_faults() {
        assert_eq!(
            effective(100, &[t(10, true), t(-20, true)]),
            Effective::Priority(110)
        );
        assert_eq!(
            effective(100, &[t(10, false), t(-20, false)]),
            Effective::Priority(80)
        );
        assert_eq!(effective(100, &[t(0, false)]), Effective::Fault);
        assert_eq!(effective(250, &[t(10, true)]), Effective::Priority(254));
        assert_eq!(effective(5, &[t(-20, false)]), Effective::Priority(1));
        assert_eq!(effective(255, &[t(-20, false)]), Effective::Priority(255));
        let rev = Tracked {
            weight: 10,
            reverse: true,
            up: false,
        };
        assert_eq!(effective(100, &[rev]), Effective::Priority(110));
    }

    #[test]
    fn rise_and_fall() {
        let mut s = ScriptState::new(2, 3, false);
        assert!(!s.result(false));
        assert!(!s.result(false));
        assert!(s.result(false));
        assert!(!s.up);
        assert!(!s.result(true));
        assert!(!s.result(false), "a failure resets the rise count");
        assert!(!s.result(true));
        assert!(s.result(true));
        assert!(s.up);
        let s = ScriptState::new(1, 1, true);
        assert!(!s.up);
    }
}
