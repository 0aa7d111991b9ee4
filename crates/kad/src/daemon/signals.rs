//! Signals as keepalived 2.2.7 handles them, and a defined behaviour for
//! every other catchable one (nothing kills kad without releasing what it
//! holds):
//!
//! | signal | keepalived | kad |
//! |---|---|---|
//! | SIGHUP | reload | reload |
//! | SIGINT, SIGTERM | stop | stop |
//! | SIGUSR1 | write `keepalived.data` | same |
//! | SIGUSR2 | write `keepalived.stats` | same |
//! | SIGRTMIN+2 (36) | write `keepalived.json` | same |
//! | SIGRTMAX-1 (63) | write `keepalived.stats`, then clear the counters | same |
//! | SIGCHLD | reap scripts | reap scripts |
//! | SIGSEGV, SIGBUS, SIGILL, SIGFPE | default | a fault: default (core); sent by a process (`kill`): stop (kad's own) |
//! | SIGKILL, SIGSTOP | cannot be caught | cannot be caught |
//! | SIGCONT, SIGURG, SIGWINCH | default (nothing) | default (nothing) |
//! | any other (SIGQUIT, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGRTMAX, ...) | ignored | ignored (logged) |
//!
//! [`hold`] blocks them first thing in `main`: one that arrives during
//! start-up stays pending and is applied once [`install`] has set up the
//! handlers (a SIGHUP then reloads, a SIGTERM stops).

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;

/// What kad does on a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Stop,
    Reload,
    /// `keepalived.data`
    Data,
    /// `keepalived.stats`
    Stats,
    /// `keepalived.stats`, then the counters are cleared.
    StatsClear,
    /// `keepalived.json`
    Json,
    Ignore,
    /// Left to the kernel's default (harmless ones, and SIGCHLD which the
    /// runtime uses for scripts).
    Default,
    /// Cannot be caught (SIGKILL, SIGSTOP).
    Uncatchable,
    /// A fault: the default action; sent by another process: stop.
    Fault,
}

/// keepalived's SIGJSON.
pub fn sig_json() -> i32 {
    libc::SIGRTMIN() + 2
}

/// keepalived's SIGSTATS_CLEAR.
pub fn sig_stats_clear() -> i32 {
    libc::SIGRTMAX() - 1
}

/// `--signum=NAME`: the number keepalived prints for NAME (its names:
/// STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON).
pub fn signum(name: &str) -> Option<i32> {
    Some(match name {
        "STOP" => libc::SIGTERM,
        "RELOAD" => libc::SIGHUP,
        "DATA" => libc::SIGUSR1,
        "STATS" => libc::SIGUSR2,
        "STATS_CLEAR" => sig_stats_clear(),
        "JSON" => sig_json(),
        _ => return None,
    })
}

/// The behaviour of signal `sig` (1..=SIGRTMAX).
pub fn action(sig: i32) -> Action {
    match sig {
        libc::SIGHUP => Action::Reload,
        libc::SIGINT | libc::SIGTERM => Action::Stop,
        libc::SIGUSR1 => Action::Data,
        libc::SIGUSR2 => Action::Stats,
        libc::SIGKILL | libc::SIGSTOP => Action::Uncatchable,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE => Action::Fault,
        libc::SIGCHLD | libc::SIGCONT | libc::SIGURG | libc::SIGWINCH => Action::Default,
        s if s == sig_json() => Action::Json,
        s if s == sig_stats_clear() => Action::StatsClear,
        _ => Action::Ignore,
    }
}

/// Every signal number there is (the ones glibc keeps for itself, between
/// 31 and SIGRTMIN, are not signals an application can use).
fn all() -> impl Iterator<Item = i32> {
    (1..=31).chain(libc::SIGRTMIN()..=libc::SIGRTMAX())
}

/// The signals [`hold`] blocks: every one with a handler of kad's.
fn held() -> impl Iterator<Item = i32> {
    all().filter(|&s| {
        !matches!(
            action(s),
            Action::Default | Action::Uncatchable | Action::Fault
        )
    })
}

/// A name for the log: `SIGUSR1`, `SIGRTMIN+2`, `SIGRTMAX-1`.
pub fn name(sig: i32) -> String {
    const LOW: [&str; 32] = [
        "0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let (min, max) = (libc::SIGRTMIN(), libc::SIGRTMAX());
    match sig {
        1..=31 => LOW[sig as usize].to_string(),
        s if s == max => "SIGRTMAX".into(),
        s if s >= min && s - min <= max - s => format!("SIGRTMIN+{}", s - min),
        s if s > min && s < max => format!("SIGRTMAX-{}", max - s),
        s => format!("signal {s}"),
    }
}

fn mask(how: libc::c_int, sigs: impl Iterator<Item = i32>) {
    // SAFETY: a sigset_t is plain data; sigemptyset initialises it before
    // any other use, and pthread_sigmask only reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in sigs {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// Block every signal kad handles, first thing in `main` (before any
/// thread exists, so every thread inherits it). Pending ones are delivered
/// by [`install`]; scripts start with an empty mask (the standard library
/// resets it in the child).
pub fn hold() {
    mask(libc::SIG_BLOCK, held());
    install_fault_handlers();
}

/// Undo [`hold`] for the modes that do not run the daemon (`-t`,
/// `--dump-config`, ...): their signals keep the default actions.
pub fn unhold() {
    mask(libc::SIG_UNBLOCK, held());
}

/// What the signal handlers deliver to the daemon.
pub struct Installed {
    /// SIGHUP, for the reload task.
    pub hup: Signal,
    /// Stop, dumps and ignored signals, with their number.
    pub rx: mpsc::UnboundedReceiver<(i32, Action)>,
}

/// Install a handler for every signal kad handles, then unblock them:
/// whatever arrived since [`hold`] is delivered now. Needs the runtime.
pub fn install() -> std::io::Result<Installed> {
    let (tx, rx) = mpsc::unbounded_channel();
    let hup = signal(SignalKind::hangup())?;
    let mut streams = Vec::new();
    for s in held().filter(|&s| s != libc::SIGHUP) {
        // SIGPIPE keeps the standard library's SIG_IGN.
        if s == libc::SIGPIPE {
            continue;
        }
        streams.push((s, signal(SignalKind::from_raw(s))?));
    }
    for (s, mut stream) in streams {
        let tx = tx.clone();
        let what = action(s);
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send((s, what)).is_err() {
                    break;
                }
            }
        });
    }
    mask(libc::SIG_UNBLOCK, held());
    Ok(Installed { hup, rx })
}

/// SIGSEGV, SIGBUS, SIGILL, SIGFPE: a real fault gets the default action
/// back (the instruction faults again and the kernel dumps core); one sent
/// by a process (`kill -SEGV`) is turned into a SIGTERM, a clean stop that
/// releases the VIPs.
extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO
    // handler; getpid, kill and sigaction are async-signal-safe.
    unsafe {
        let sent = !info.is_null() && (*info).si_code <= 0;
        if sent {
            libc::kill(libc::getpid(), libc::SIGTERM);
        } else {
            let mut dfl: libc::sigaction = std::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut dfl.sa_mask);
            libc::sigaction(sig, &dfl, std::ptr::null_mut());
        }
    }
}

fn install_fault_handlers() {
    for s in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE] {
        // SAFETY: the handler only calls async-signal-safe functions; the
        // sigaction struct is initialised before it is passed.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_fault as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(s, &act, std::ptr::null_mut());
        }
    }
}

/// Act on the signals [`install`] delivers: stop, the dumps, and a log
/// line for an ignored one. The dumps ask the engine for a snapshot and
/// write keepalived's files.
pub fn spawn_dispatch(
    mut rx: mpsc::UnboundedReceiver<(i32, Action)>,
    events: mpsc::Sender<super::engine::Event>,
    cfg: &kad_config::Config,
) {
    use super::dump;
    use super::engine::Event;
    // `data_use_instance`: the namespace and instance in the data dump's
    // name.
    let (use_instance, identity) = (cfg.global.data_use_instance, cfg.global.identity.clone());
    // `state_dump_file`: where the data dump goes (keepalived master).
    let state_dump_file = cfg.global.state_dump_file.clone();
    tokio::spawn(async move {
        while let Some((sig, what)) = rx.recv().await {
            match what {
                Action::Stop => {
                    tracing::info!("{}: stopping", name(sig));
                    super::notify::stopping();
                    let _ = events.send(Event::Stop).await;
                }
                Action::Data | Action::Stats | Action::StatsClear | Action::Json => {
                    let (tx, reply) = tokio::sync::oneshot::channel();
                    if events.send(Event::Dump(tx)).await.is_err() {
                        continue;
                    }
                    let Ok(mut snap) = reply.await else { continue };
                    if what == Action::Data {
                        snap.ifaces = dump::ifaces::read().await;
                    }
                    dump::resolve_scripts(&mut snap);
                    if what == Action::Json && snap.instances.is_empty() {
                        // keepalived writes no JSON without VRRP instances.
                        tracing::info!("{}: no VRRP instance, no JSON", name(sig));
                        continue;
                    }
                    let (file, text) = match what {
                        Action::Data => ("keepalived.data", dump::data::render(&snap)),
                        Action::Json => ("keepalived.json", dump::json::render(&snap)),
                        _ => ("keepalived.stats", dump::stats::render(&snap)),
                    };
                    let path = if what == Action::Data {
                        dump::path::data_file(
                            state_dump_file.as_deref(),
                            &dump::dir(),
                            "",
                            use_instance,
                            &identity,
                        )
                    } else {
                        // keepalived (2.2.7 and master) names these two
                        // without the namespace or instance.
                        dump::dir().join(file)
                    };
                    match dump::write(&path, &text) {
                        Ok(()) => tracing::info!("{}: wrote {}", name(sig), path.display()),
                        Err(e) => {
                            tracing::warn!("{}: cannot write {}: {e}", name(sig), path.display())
                        }
                    }
                    if what == Action::StatsClear {
                        let _ = events.send(Event::ClearStats).await;
                        tracing::info!("{}: statistics cleared", name(sig));
                    }
                }
                _ => tracing::info!("{} ignored", name(sig)),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signum_as_keepalived() {
        // keepalived 2.2.7 on Linux glibc: `keepalived --signum=NAME`.
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("DATA"), Some(10));
        assert_eq!(signum("STATS"), Some(12));
        assert_eq!(signum("STATS_CLEAR"), Some(63));
        assert_eq!(signum("JSON"), Some(36));
        assert_eq!(signum("TDUMP"), None);
        assert_eq!(signum("json"), None);
    }

    #[test]
    fn every_signal_has_a_behaviour() {
        assert_eq!(action(libc::SIGHUP), Action::Reload);
        assert_eq!(action(libc::SIGTERM), Action::Stop);
        assert_eq!(action(libc::SIGINT), Action::Stop);
        assert_eq!(action(10), Action::Data);
        assert_eq!(action(12), Action::Stats);
        assert_eq!(action(36), Action::Json);
        assert_eq!(action(63), Action::StatsClear);
        for s in [
            libc::SIGQUIT,
            libc::SIGPIPE,
            libc::SIGALRM,
            libc::SIGTSTP,
            libc::SIGTTIN,
            libc::SIGTTOU,
            libc::SIGXCPU,
            libc::SIGPWR,
            libc::SIGRTMIN(),
            libc::SIGRTMAX(),
        ] {
            assert_eq!(action(s), Action::Ignore, "{}", name(s));
        }
        assert_eq!(action(libc::SIGKILL), Action::Uncatchable);
        assert_eq!(action(libc::SIGSEGV), Action::Fault);
        // Every signal whose default would end or stop the process has a
        // handler of kad's (or is a fault, handled by `on_fault`).
        let harmless = [libc::SIGCHLD, libc::SIGCONT, libc::SIGURG, libc::SIGWINCH];
        for s in all() {
            let a = action(s);
            if a == Action::Default {
                assert!(harmless.contains(&s), "{}", name(s));
            }
        }
    }

    #[test]
    fn names() {
        assert_eq!(name(10), "SIGUSR1");
        assert_eq!(name(36), "SIGRTMIN+2");
        assert_eq!(name(63), "SIGRTMAX-1");
        assert_eq!(name(64), "SIGRTMAX");
        assert_eq!(name(31), "SIGSYS");
    }
}
