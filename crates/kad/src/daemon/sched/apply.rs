//! Applying the scheduling keywords to the calling thread. On Linux the
//! nice value, the CPU affinity and the scheduling policy belong to a
//! thread, so each of kad's threads sets its own: the VRRP thread the
//! `vrrp_*` set, the checks and IPVS writer threads the `checker_*` set
//! (keepalived's checker process does both), every other thread what the
//! process had at start (it would otherwise inherit the VRRP thread's).
//! The memory lock and RLIMIT_RTTIME belong to the process.

use kad_config::model::ThreadSched;
use rustix::process::{Resource, Rlimit};
use rustix::thread::CpuSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// What the process had before kad changed anything.
struct Original {
    nice: i32,
    cpus: Option<CpuSet>,
}

static ORIGINAL: OnceLock<Original> = OnceLock::new();

/// The hard RLIMIT_RTTIME kad has set, in µs (0: none yet).
static RTTIME: AtomicU32 = AtomicU32::new(0);

/// Record the process's settings; call before anything changes them.
pub fn capture() {
    ORIGINAL.get_or_init(|| Original {
        nice: rustix::process::getpriority_process(None).unwrap_or(0),
        cpus: rustix::thread::sched_getaffinity(None).ok(),
    });
}

/// Give the calling thread `s` (the settings of `process`, "vrrp" or
/// "checker"), or the process's original settings with `None`. Returns
/// the SCHED_RR priority the thread now has (0: none).
pub fn enter(process: &str, s: Option<&ThreadSched>) -> u8 {
    capture();
    let original = ORIGINAL.get();
    let cpus = s.map_or(&[][..], |s| &s.cpu_affinity[..]);
    if cpus.is_empty() {
        if let Some(set) = original.and_then(|o| o.cpus.as_ref()) {
            let _ = rustix::thread::sched_setaffinity(None, set);
        }
    } else {
        let mut set = CpuSet::new();
        for &c in cpus {
            set.set(c.into());
        }
        if let Err(e) = rustix::thread::sched_setaffinity(None, &set) {
            tracing::warn!("unable to set cpu affinity to {process} process ({e})");
        }
    }
    let rt = s.map_or(0, |s| s.rt_priority);
    if rt > 0 {
        if let Err(e) = set_round_robin(rt) {
            tracing::warn!("{process} thread: cannot raise priority ({e})");
            return 0;
        }
        if let Some(s) = s {
            limit_rttime(s.rlimit_rttime);
        }
        return rt;
    }
    // keepalived applies the nice value only without a real-time priority.
    let nice = match s.map_or(0, |s| s.nice) {
        0 => original.map_or(0, |o| o.nice),
        n => n.into(),
    };
    if let Err(e) = rustix::process::setpriority_process(None, nice) {
        tracing::info!("Unable to set process priority to {nice} - {e}");
    }
    0
}

/// One step of `max_auto_priority`'s climb for the calling thread.
pub fn climb(priority: u8, rlimit_rttime: u32) -> std::io::Result<()> {
    set_round_robin(priority)?;
    limit_rttime(rlimit_rttime);
    Ok(())
}

/// `*_no_swap`: lock every page, present and future, once touched.
pub fn lock_memory() {
    use rustix::mm::MlockAllFlags;
    let flags = MlockAllFlags::CURRENT | MlockAllFlags::FUTURE | MlockAllFlags::ONFAULT;
    if let Err(e) = rustix::mm::mlockall(flags) {
        tracing::info!("Unable to lock process in memory - {e}");
    }
}

/// SCHED_RR at `priority` for the calling thread; what it forks or
/// spawns starts as an ordinary thread again (SCHED_RESET_ON_FORK), so
/// scripts and helper threads never run real-time.
fn set_round_robin(priority: u8) -> std::io::Result<()> {
    let param = libc::sched_param {
        sched_priority: priority.into(),
    };
    // SAFETY: `param` is a valid sched_param that outlives the call, and
    // pid 0 names the calling thread. Neither rustix nor nix wraps
    // sched_setscheduler.
    let r =
        unsafe { libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// RLIMIT_RTTIME for the process: a real-time thread that runs `limit`
/// µs without blocking is killed, and warned (SIGXCPU) at half of it.
/// One limit serves the whole process, so the largest one asked for
/// holds.
fn limit_rttime(limit: u32) {
    if limit == 0 || RTTIME.load(Ordering::Relaxed) >= limit {
        return;
    }
    let r = Rlimit {
        current: Some((limit / 2).into()),
        maximum: Some(limit.into()),
    };
    match rustix::process::setrlimit(Resource::Rttime, r) {
        Ok(()) => RTTIME.store(limit, Ordering::Relaxed),
        Err(e) => tracing::warn!("cannot set the realtime rlimit ({e})"),
    }
}
