//! `kad` as a daemon: load the configuration (refusing one with errors),
//! start the engines, serve the control socket, stop cleanly on SIGTERM /
//! SIGINT.

pub mod alert;
pub mod checks;
pub mod control;
pub mod engine;
pub mod fifo;
pub mod ipvs_probe;
pub mod lvs;
pub mod scripts;
pub mod smtp;
pub mod sync_bulk;
pub mod timer;

use crate::cli::Cli;
use std::io::Write;
use tokio::sync::mpsc;

fn init_logging(cli: &Cli) {
    let level = if cli.log_detail { "debug" } else { "info" };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("KAD_LOG").unwrap_or_else(|_| level.into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Detach from the terminal, as keepalived does without `-n`.
fn daemonize() -> std::io::Result<()> {
    // SAFETY: called before any thread exists (the runtime starts later).
    match unsafe { libc::fork() } {
        -1 => return Err(std::io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: plain syscalls on our own process.
    unsafe {
        libc::setsid();
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(null, 2);
        }
    }
    Ok(())
}

pub fn run(cli: &Cli) -> i32 {
    let loaded = crate::configtest::load(cli);
    if loaded.has_errors()
        || loaded
            .diagnostics
            .iter()
            .any(|d| d.class == kad_config::Class::Environment)
    {
        crate::configtest::report(&loaded);
        eprintln!("kad: the configuration has errors; nothing was started");
        return 1;
    }
    for d in loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity >= kad_config::Severity::Warning)
    {
        eprintln!("{d}");
    }
    if !cli.dont_fork {
        if let Err(e) = daemonize() {
            eprintln!("kad: cannot detach: {e}");
            return 1;
        }
    }
    init_logging(cli);
    if let Some(p) = &cli.pid_file {
        if let Err(e) =
            std::fs::File::create(p).and_then(|mut f| writeln!(f, "{}", std::process::id()))
        {
            tracing::error!("pid file {}: {e}", p.display());
            return 1;
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return 1;
        }
    };
    let code = rt.block_on(serve(cli, loaded.config));
    if let Some(p) = &cli.pid_file {
        let _ = std::fs::remove_file(p);
    }
    code
}

async fn serve(cli: &Cli, cfg: kad_config::Config) -> i32 {
    tracing::info!(
        "kad {} starting with {}",
        env!("CARGO_PKG_VERSION"),
        cli.file.display()
    );
    // Signals first: a stop during start-up is handled once the engine
    // runs (it is the first event it reads), and nothing is left behind.
    let (etx, erx) = mpsc::channel(1024);
    let (qtx, qrx) = mpsc::channel(16);
    let signals = etx.clone();
    // Registered now, not when the task first runs.
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("cannot handle signals: {e}");
            return 1;
        }
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("stopping");
        let _ = signals.send(engine::Event::Stop).await;
    });
    smtp::install(&cfg);
    // IPVS: reconcile the kernel's table with the configuration. Without
    // IPVS, say so once and run VRRP.
    let start = checks::Checks::initial(&cfg);
    let want = checks::Checks::joined(&start.1);
    let lvs_cfg = cfg.clone();
    let programmed = match tokio::task::spawn_blocking(move || {
        lvs::apply(&lvs_cfg, &want, &Default::default(), true)
    })
    .await
    {
        Ok(Ok(p)) => Some(p),
        Ok(Err(kad_ipvs::netlink::client::IpvsError::NotAvailable)) => {
            if !cfg.virtual_servers.is_empty() {
                tracing::warn!(
                    "this kernel has no IPVS: the {} virtual servers cannot be programmed; VRRP runs",
                    cfg.virtual_servers.len()
                );
            }
            None
        }
        Ok(Err(e)) => {
            tracing::error!("IPVS: {e}");
            None
        }
        Err(e) => {
            tracing::error!("IPVS: {e}");
            None
        }
    };
    // The IPVS sync daemon: both threads all the time without `inst`;
    // with it, backup now and master while the instance is MASTER.
    let sync = if programmed.is_some() {
        lvs::sync_spec(&cfg)
    } else {
        None
    };
    if let Some((spec, inst)) = sync.clone() {
        let states = if inst.is_none() {
            vec![lvs::MASTER, lvs::BACKUP]
        } else {
            vec![lvs::BACKUP]
        };
        let _ = tokio::task::spawn_blocking(move || lvs::sync_set(&spec, &states)).await;
    }
    // Health checks: the IPVS writer applies what they change.
    let writer = programmed
        .as_ref()
        .map(|p| lvs::spawn_writer(p.refused == 0));
    let checks = checks::Checks::spawn(cfg.clone(), start, writer);
    let owned = std::sync::Arc::new(std::sync::Mutex::new(programmed.map(|p| p.owned)));
    spawn_reload(cli, cfg.clone(), owned.clone(), checks.clone(), etx.clone());
    let mut engine = match engine::Engine::new(&cfg, etx.clone()).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!("{e}");
            // Nothing may stay behind from a start that failed.
            release(&owned, cfg.global.lvs_flush_on_stop).await;
            return 1;
        }
    };
    let _socket = match control::serve(&cli.socket, qtx) {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::error!("control socket {}: {e}", cli.socket.display());
            return 1;
        }
    };
    if let Some((spec, inst)) = sync.clone() {
        let every = cli.sync_bulk_interval.map(std::time::Duration::from_secs);
        let target = sync_bulk::BulkTarget::from_spec(&spec, cli.sync_bulk_rate);
        engine.set_sync_bulk(sync_bulk::Replays::new(target, every));
        if let Some(inst) = inst {
            engine.follow_sync(spec, inst);
        }
    }
    engine.set_checks(checks.clone());
    engine.run(erx, qrx).await;
    checks.stop().await;
    if let Some((spec, _)) = sync {
        let _ = tokio::task::spawn_blocking(move || lvs::sync_set(&spec, &[])).await;
    }
    if !cli.dont_release_ipvs {
        release(&owned, cfg.global.lvs_flush_on_stop).await;
    }
    tracing::info!("stopped");
    0
}

type Owned =
    std::sync::Arc<std::sync::Mutex<Option<std::collections::BTreeSet<kad_ipvs::table::SvcId>>>>;

async fn release(owned: &Owned, flush: bool) {
    let set = owned.lock().ok().and_then(|mut o| o.take());
    if let Some(set) = set {
        let _ = tokio::task::spawn_blocking(move || lvs::release(&set, flush)).await;
    }
}

/// SIGHUP: re-read and validate the configuration; one with errors changes
/// nothing; otherwise the checkers carry their state over and IPVS is
/// reconciled (only the difference is applied).
fn spawn_reload(
    cli: &Cli,
    running: kad_config::Config,
    owned: Owned,
    checks: checks::Checks,
    events: tokio::sync::mpsc::Sender<engine::Event>,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        return;
    };
    let cli = cli.clone();
    tokio::spawn(async move {
        let mut running = running;
        while hup.recv().await.is_some() {
            let loaded = crate::configtest::load(&cli);
            if loaded.has_errors() {
                for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
                    tracing::error!("{d}");
                }
                tracing::error!(
                    "reload refused: the configuration has errors; the running one stays"
                );
                continue;
            }
            let cfg = loaded.config;
            smtp::install(&cfg);
            if cfg.vrrp_instances != running.vrrp_instances
                || cfg.sync_groups != running.sync_groups
            {
                let _ = events
                    .send(engine::Event::Reload(Box::new(cfg.clone())))
                    .await;
            }
            let before = owned.lock().ok().and_then(|o| o.clone());
            let t = std::time::Instant::now();
            let r = checks
                .reload(cfg.clone(), before.clone().unwrap_or_default())
                .await;
            match (before, r) {
                (None, _) => {
                    tracing::info!("reload: checkers updated in {:?} (no IPVS)", t.elapsed())
                }
                (Some(_), Some(Ok(p))) => {
                    tracing::info!(
                        "reload: IPVS reconciled in {:?} ({} changes, {} refused)",
                        t.elapsed(),
                        p.ops,
                        p.refused
                    );
                    if let Ok(mut o) = owned.lock() {
                        *o = Some(p.owned);
                    }
                }
                (Some(_), Some(Err(e))) => tracing::error!("reload: IPVS: {e}"),
                (Some(_), None) => tracing::error!("reload: the checks stopped"),
            }
            running = cfg;
        }
    });
}
