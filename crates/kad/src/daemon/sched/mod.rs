//! Scheduling and memory (`vrrp_rt_priority`, `checker_priority`,
//! `*_no_swap`, `*_cpu_affinity`, `*_rlimit_rttime`, `max_auto_priority`):
//! the pure climb in [`climb`], the system calls in [`apply`].

pub mod apply;
pub mod climb;

use kad_config::model::{Scheduling, ThreadSched};
use std::time::Duration;

/// The two kinds of thread keepalived runs as processes of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    Vrrp,
    Checker,
}

impl Process {
    /// As keepalived names it in its messages.
    pub fn name(self) -> &'static str {
        match self {
            Process::Vrrp => "vrrp",
            Process::Checker => "checker",
        }
    }
}

/// A timed loop's climb: fed with how late each timer fired.
pub struct Climber {
    process: Process,
    climb: climb::Climb,
    rlimit_rttime: u32,
}

impl Climber {
    /// Apply `process`'s settings to the calling thread and start its climb.
    pub fn enter(process: Process, s: &Scheduling) -> Climber {
        let mine: &ThreadSched = match process {
            Process::Vrrp => &s.vrrp,
            Process::Checker => &s.checker,
        };
        let rt = apply::enter(process.name(), Some(mine));
        Climber {
            process,
            climb: climb::Climb::new(s, rt),
            rlimit_rttime: mine.rlimit_rttime,
        }
    }

    /// The loop's timer fired `lateness` after it was due.
    pub fn fired(&mut self, lateness: Duration) {
        let Some(late) = self.climb.fired(lateness) else {
            return;
        };
        tracing::info!("{}", climb::late_message(late.by));
        if let Some(p) = late.climb {
            match apply::climb(p, self.rlimit_rttime) {
                Ok(()) => {
                    self.climb.applied(p);
                    tracing::info!("Set realtime priority {p}");
                }
                Err(e) => tracing::warn!(
                    "{} thread: cannot raise priority ({e})",
                    self.process.name()
                ),
            }
        }
    }
}

/// At start, before any thread is spawned: record the process's own
/// settings, lock memory if asked, and say what keepalived says when
/// `max_auto_priority` is unset.
pub fn start(s: &Scheduling) {
    apply::capture();
    if s.vrrp.no_swap || s.checker.no_swap {
        apply::lock_memory();
    }
    if s.max_auto_priority == 0 {
        tracing::info!(
            "NOTICE: setting config option max_auto_priority should result in better kad performance"
        );
    }
}

/// A thread that is neither the VRRP nor a checker thread: the
/// process's own settings, not those it inherited.
pub fn as_helper() {
    apply::enter("helper", None);
}

/// SIGXCPU: a real-time thread passed half its RLIMIT_RTTIME. Its default
/// action would end kad; keepalived logs it instead.
pub fn watch_cpu_limit() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut sig) = signal(SignalKind::from_raw(libc::SIGXCPU)) else {
        return;
    };
    tokio::spawn(async move {
        while sig.recv().await.is_some() {
            tracing::info!(
                "a real-time thread has used too much CPU time, vrrp_rlimit_rttime or checker_rlimit_rttime may need to be increased"
            );
        }
    });
}
