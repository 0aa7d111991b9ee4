//! How the VRRP and checker threads are scheduled: keepalived's
//! `vrrp_*`/`checker_*` priority, real-time, memory and CPU keywords and
//! `max_auto_priority`. keepalived applies each set to its own child
//! process; kad applies it to the thread that does that work.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Linux's range of SCHED_RR priorities (`sched_get_priority_min/max`).
pub const RT_PRIORITY_MIN: u8 = 1;
pub const RT_PRIORITY_MAX: u8 = 99;

/// keepalived's RT_RLIMIT_DEFAULT: the real-time CPU a thread may use
/// without blocking, in microseconds.
pub const RLIMIT_RTTIME_DEFAULT: u32 = 10_000;

/// One process's (kad: one thread's) settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadSched {
    /// `*_priority`: the nice value, -20..19 (0: left as it is). Used
    /// only without a real-time priority, as keepalived.
    #[serde(default, skip_serializing_if = "is_zero_i8")]
    pub nice: i8,
    /// `*_no_swap`: lock the process in memory (mlockall).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_swap: bool,
    /// `*_cpu_affinity`: the CPUs the thread may run on (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_affinity: Vec<u16>,
    /// `*_rt_priority`: SCHED_RR at this priority (0: not real-time).
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub rt_priority: u8,
    /// `*_rlimit_rttime`: RLIMIT_RTTIME's hard limit in microseconds
    /// while real-time (the soft limit is half of it; 0: none set).
    #[serde(default = "rlimit_default")]
    pub rlimit_rttime: u32,
}

impl Default for ThreadSched {
    fn default() -> Self {
        ThreadSched {
            nice: 0,
            no_swap: false,
            cpu_affinity: Vec::new(),
            rt_priority: 0,
            rlimit_rttime: RLIMIT_RTTIME_DEFAULT,
        }
    }
}

/// The two sets and the climb to real-time when timers run late.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduling {
    #[serde(default)]
    pub vrrp: ThreadSched,
    #[serde(default)]
    pub checker: ThreadSched,
    /// `max_auto_priority`: 0 = off (keepalived then suggests setting
    /// it), -1 = off and quiet, 1..99 = the highest SCHED_RR priority a
    /// late thread climbs to.
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub max_auto_priority: i32,
    /// `min_auto_priority_delay`: how late a timer must fire before the
    /// thread climbs one step (keepalived's default 1 s).
    #[serde(default = "min_delay_default")]
    pub min_auto_priority_delay: Duration,
}

impl Default for Scheduling {
    fn default() -> Self {
        Scheduling {
            vrrp: ThreadSched::default(),
            checker: ThreadSched::default(),
            max_auto_priority: 0,
            min_auto_priority_delay: min_delay_default(),
        }
    }
}

impl Scheduling {
    /// The highest priority a late thread may climb to, if climbing is on.
    pub fn auto_ceiling(&self) -> Option<u8> {
        u8::try_from(self.max_auto_priority)
            .ok()
            .filter(|&p| p >= RT_PRIORITY_MIN)
    }
}

fn rlimit_default() -> u32 {
    RLIMIT_RTTIME_DEFAULT
}

fn min_delay_default() -> Duration {
    Duration::from_secs(1)
}

fn is_zero_i8(v: &i8) -> bool {
    *v == 0
}

fn is_zero_u8(v: &u8) -> bool {
    *v == 0
}

fn is_zero_i32(v: &i32) -> bool {
    *v == 0
}
