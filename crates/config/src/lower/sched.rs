//! The scheduling keywords of `global_defs`, read as keepalived 2.2.7's
//! global_parser.c reads them: the same ranges, corrections and messages.

use super::ctx::Ctx;
use crate::model::{RT_PRIORITY_MAX, RT_PRIORITY_MIN};
use crate::tree::Node;
use std::time::Duration;

/// `vrrp_priority N` / `checker_priority N`: a nice value. keepalived sets
/// 0 (no change) when the value is missing or invalid.
pub fn nice(c: &mut Ctx, n: &Node, process: &str) -> i8 {
    if n.arg(0).is_none() {
        c.warn(n.kw.pos, format!("No {process} process priority specified"));
        return 0;
    }
    match c.int(n, 0, -20, 19) {
        Some(v) => v as i8,
        None => {
            c.warn(
                n.kw.pos,
                format!("Invalid {process} process priority specified"),
            );
            0
        }
    }
}

/// `*_rt_priority N`: a SCHED_RR priority, clamped to Linux's range.
/// Missing or not a number: the keyword is ignored.
pub fn rt_priority(c: &mut Ctx, n: &Node, process: &str) -> Option<u8> {
    let Some(t) = n.arg(0).cloned() else {
        c.warn(
            n.kw.pos,
            format!("No {process} process real-time priority specified"),
        );
        return None;
    };
    let Some(v) = c.int_tok(&t, i32::MIN.into(), i32::MAX.into()) else {
        c.warn(
            t.pos,
            format!("{process} process real-time priority '{}' invalid", t.text),
        );
        return None;
    };
    let (lo, hi) = (i64::from(RT_PRIORITY_MIN), i64::from(RT_PRIORITY_MAX));
    if v < lo {
        c.correct(
            t.pos,
            format!("{process} process real-time priority {v} less than minimum {lo} - setting to minimum"),
            &t.text,
            &lo.to_string(),
        );
        return Some(RT_PRIORITY_MIN);
    }
    if v > hi {
        c.correct(
            t.pos,
            format!("{process} process real-time priority {v} greater than maximum {hi} - setting to maximum"),
            &t.text,
            &hi.to_string(),
        );
        return Some(RT_PRIORITY_MAX);
    }
    Some(v as u8)
}

/// `*_cpu_affinity ID...`: CPU numbers below the count of online CPUs
/// (keepalived's sysconf(_SC_NPROCESSORS_ONLN), read where the file is
/// read). One bad id empties the set, as keepalived.
pub fn cpu_affinity(c: &mut Ctx, n: &Node, process: &str) -> Option<Vec<u16>> {
    if n.args.is_empty() {
        c.warn(n.kw.pos, format!("No {process} cpu_id set specified"));
        return None;
    }
    let last = i64::from(online_cpus().saturating_sub(1));
    let mut set = Vec::new();
    for t in n.args.clone() {
        match c.int_tok(&t, 0, last) {
            Some(id) => {
                let id = id as u16;
                if !set.contains(&id) {
                    set.push(id);
                }
            }
            None => {
                c.warn(
                    t.pos,
                    format!("Invalid cpu_id:{} specified for {process} process", t.text),
                );
                return Some(Vec::new());
            }
        }
    }
    set.sort_unstable();
    Some(set)
}

/// `*_rlimit_rttime N` (microseconds, at least 2: the soft limit is half
/// of it and must not be 0). Invalid: 0, no limit, as keepalived.
pub fn rlimit_rttime(c: &mut Ctx, n: &Node, process: &str) -> u32 {
    let Some(t) = c.arg(n, 0).cloned() else {
        return 0;
    };
    match c.int_tok(&t, 1, u32::MAX.into()) {
        Some(1) => 2,
        Some(v) => v as u32,
        None => {
            c.warn(
                t.pos,
                format!("Invalid {process} real-time limit - {}", t.text),
            );
            0
        }
    }
}

/// `max_auto_priority [N]`: no value is the highest priority; -1 turns
/// it off quietly.
pub fn max_auto_priority(c: &mut Ctx, n: &Node) -> Option<i32> {
    let Some(t) = n.arg(0).cloned() else {
        return Some(RT_PRIORITY_MAX.into());
    };
    let v = c.int_tok(&t, -1, RT_PRIORITY_MAX.into());
    if v.is_none() {
        c.warn(
            t.pos,
            format!(
                "max_auto_priority '{}' must be in [0, {RT_PRIORITY_MAX}] (or -1 to disable) - ignoring",
                t.text
            ),
        );
    }
    v.map(|v| v as i32)
}

/// `min_auto_priority_delay USECS`, 1..10000000.
pub fn min_auto_priority_delay(c: &mut Ctx, n: &Node) -> Option<Duration> {
    let Some(t) = n.arg(0).cloned() else {
        c.warn(n.kw.pos, "min_auto_priority_delay requires delay time");
        return None;
    };
    let v = c.int_tok(&t, 1, 10_000_000);
    if v.is_none() {
        c.warn(
            t.pos,
            format!(
                "min_auto_priority_delay '{}' must be in [1, 10000000] - ignoring",
                t.text
            ),
        );
    }
    v.map(|us| Duration::from_micros(us as u64))
}

/// The number of online CPUs (`/sys/devices/system/cpu/online`, a list
/// of ranges such as `0-3,6`); the parallelism std sees if it cannot be
/// read.
fn online_cpus() -> u32 {
    std::fs::read_to_string("/sys/devices/system/cpu/online")
        .ok()
        .and_then(|s| count_cpu_list(s.trim()))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32))
}

fn count_cpu_list(list: &str) -> Option<u32> {
    let mut n = 0u32;
    for part in list.split(',') {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<u32>().ok()?.checked_sub(a.parse().ok()?)? + 1,
            None => {
                part.parse::<u32>().ok()?;
                1
            }
        };
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::count_cpu_list;

    #[test]
    fn cpu_lists_count_as_the_kernel_writes_them() {
        assert_eq!(count_cpu_list("0"), Some(1));
        assert_eq!(count_cpu_list("0-3"), Some(4));
        assert_eq!(count_cpu_list("0-3,6,8-9"), Some(7));
        assert_eq!(count_cpu_list("x"), None);
        assert_eq!(count_cpu_list("3-1"), None);
    }
}
