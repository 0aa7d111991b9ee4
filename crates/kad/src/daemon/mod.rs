//! `kad` as a daemon: load the configuration (refusing one with errors),
//! start the engines, serve the control socket, stop cleanly on SIGTERM /
//! SIGINT.

pub mod alert;
pub mod announce;
pub mod checks;
pub mod control;
pub mod dump;
pub mod engine;
pub mod fifo;
pub mod firewall;
pub mod ipvs_netns;
pub mod ipvs_probe;
pub mod ipvs_sysctl;
pub mod ipvs_writer;
pub mod lifecycle;
pub mod logging;
pub mod lvs;
pub mod metrics;
pub mod notify;
pub mod operator;
pub mod overrides;
pub mod pidfile;
pub mod proc_follow;
pub mod proc_scan;
pub mod reloader;
pub mod sched;
pub mod scripts;
pub mod side_runtime;
pub mod sides;
pub mod signals;
pub mod smtp;
pub mod sync_bulk;
pub mod sync_peers;
pub mod sync_request;
pub mod timer;

use crate::cli::Cli;
use tokio::sync::mpsc;

/// Detach from the terminal, as keepalived does without `-n`; with `-l`
/// stderr stays where it was (the console).
fn daemonize(keep_stderr: bool) -> std::io::Result<()> {
    // SAFETY: called before any thread exists (the runtime starts later).
    match unsafe { libc::fork() } {
        -1 => return Err(std::io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    let _ = nix::unistd::setsid();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        if !keep_stderr {
            let _ = nix::unistd::dup2_stderr(&null);
        }
    }
    Ok(())
}

pub fn run(cli: &Cli) -> i32 {
    if let Some(ns) = &cli.namespace {
        if let Err(e) = sides::enter_namespace(ns) {
            eprintln!("kad: network namespace {ns}: {e}");
            return 1;
        }
    }
    let mut loaded = crate::configtest::load(cli);
    // The configuration's `net_namespace` (when -s did not give one): kad
    // moves there before it opens anything, and reads the file again so
    // that its checks of interfaces see the namespace's.
    let resolved = sides::resolve(cli, &loaded.config.global.identity);
    if cli.namespace.is_none() {
        if let Some(ns) = &resolved.namespace {
            if let Err(e) = sides::enter_namespace(ns) {
                eprintln!("kad: Unable to set network namespace {ns} - exiting: {e}");
                return 1;
            }
            loaded = crate::configtest::load(&resolved);
        }
    }
    let cli = &resolved;
    if let Some(ns) = &cli.namespace {
        // What runs is the namespace -s chose, if it chose one.
        loaded.config.global.identity.net_namespace = Some(ns.clone());
    }
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
    // Notes too: keywords kad reads but does not act on (inert) or does
    // not support are named at start-up, not only by `kad -t`.
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    // One kad per pid file and per control socket.
    let mut pid = match pidfile::PidFile::lock(&sides::pid_file(cli))
        .and_then(|p| pidfile::socket_in_use(&sides::socket(cli)).map(|()| p))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kad: {e}");
            return 1;
        }
    };
    if !cli.dont_fork {
        if let Err(e) = daemonize(cli.log_console) {
            eprintln!("kad: cannot detach: {e}");
            return 1;
        }
    }
    logging::init(cli);
    let _extra = match pid.write_pid().and_then(|()| pidfile::extra_files(cli)) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("{e}");
            return 1;
        }
    };
    // This thread runs VRRP; the runtime's blocking threads must not
    // inherit its scheduling.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_start(sched::as_helper)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the runtime: {e}");
            return 1;
        }
    };
    let cfg = scripts::secure(sides::filter(cli, loaded.config));
    let code = rt.block_on(serve(cli, cfg));
    drop(pid);
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
    let sigs = match signals::install() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot handle signals: {e}");
            return 1;
        }
    };
    signals::spawn_dispatch(sigs.rx, etx.clone(), &cfg);
    // Before any real-time limit: SIGXCPU would otherwise end kad.
    sched::watch_cpu_limit();
    sched::start(&cfg.global.scheduling);
    ipvs_netns::set(cfg.global.identity.net_namespace_ipvs.as_deref());
    smtp::install(&cfg);
    let g = &cfg.global;
    lifecycle::run(g.startup_script.as_ref(), g.startup_script_timeout, true).await;
    // IPVS: reconcile the kernel's table with the configuration. Without
    // IPVS, say so once and run VRRP.
    let store = overrides::Store::load(&cli.state_file);
    let start = checks::Checks::initial(&cfg, &store.data);
    // kad's own `announce`: routes for the BGP daemon, from the start-up
    // quorum on.
    let announcer = announce::Handle::spawn(
        &cfg,
        start
            .0
            .services
            .iter()
            .map(|v| (v.label.clone(), v.quorum_up))
            .collect(),
    );
    let want = checks::Checks::joined(&start.1);
    let lvs_cfg = cfg.clone();
    let programmed_want = want.clone();
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
    // It audits the kernel's table every `lvs_audit_interval` too.
    let writer = programmed.as_ref().map(|p| {
        lvs::spawn_writer(
            p.refused == 0,
            programmed_want,
            cfg.global.lvs_audit_interval,
            cfg.global.lvs_sysctls,
            cfg.global.scheduling.checker.clone(),
        )
    });
    let stop_writer = writer.clone();
    let shared_cfg = std::sync::Arc::new(cfg.clone());
    let checks = checks::Checks::spawn(shared_cfg.clone(), start, writer, announcer.clone());
    let owned = std::sync::Arc::new(std::sync::Mutex::new(programmed.map(|p| p.owned)));
    let overridden = store.data.clone();
    let store = std::sync::Arc::new(std::sync::Mutex::new(store));
    let reload_stats = metrics::Reloads::default();
    let reloads = reloader::spawn(
        reloader::Reloader {
            cli: cli.clone(),
            running: shared_cfg,
            owned: owned.clone(),
            checks: checks.clone(),
            events: etx.clone(),
            store: store.clone(),
            stats: reload_stats.clone(),
        },
        sigs.hup,
    );
    let mut engine = match engine::Engine::new(&cfg, etx.clone()).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!("{e}");
            // Nothing may stay behind from a start that failed.
            if let Some(a) = &announcer {
                a.finish().await;
            }
            release(&owned, cfg.global.lvs_flush_on_stop).await;
            // A missing interface (without dynamic_interfaces) is a
            // configuration error to keepalived: it stops with
            // KEEPALIVED_EXIT_CONFIG.
            return match e {
                engine::SetupError::Io {
                    source: kad_vrrp::io::IoError::NoInterface(_),
                    ..
                } => kad_config::exit::ABORT,
                _ => 1,
            };
        }
    };
    engine.set_release(engine::Release {
        keep_on_stop: cli.dont_release_vrrp,
        always: cli.release_vips,
    });
    engine.set_overrides(&overridden);
    let access = control::Access {
        group: match cli.socket_group.as_deref().map(control::group_id) {
            None => None,
            Some(Ok(g)) => Some(g),
            Some(Err(e)) => {
                tracing::error!("--socket-group: {e}");
                return 1;
            }
        },
    };
    if let Some(addr) = cli.metrics_listen {
        if let Err(e) = metrics::serve(addr, qtx.clone(), checks.clone(), reload_stats) {
            tracing::error!("--metrics-listen {addr}: {e}");
            return 1;
        }
    }
    notify::spawn(qtx.clone());
    let ops = operator::Ops {
        cli: cli.clone(),
        store,
        engine: qtx.clone(),
        checks: checks.clone(),
        reload: reloads,
    };
    let socket = sides::socket(cli);
    let _socket = match control::serve(&socket, qtx, Some(ops), access) {
        Ok(g) => Some(g),
        Err(e) => {
            tracing::error!("control socket {}: {e}", socket.display());
            return 1;
        }
    };
    if let Some((spec, inst)) = sync.clone() {
        // Periodic replays are on by default (0 turns them off).
        let every = match cli
            .sync_bulk_interval
            .unwrap_or(sync_bulk::DEFAULT_INTERVAL)
        {
            0 => None,
            s => Some(std::time::Duration::from_secs(s)),
        };
        let target = sync_bulk::BulkTarget::from_spec(&spec, cli.sync_bulk_rate);
        sync_request::start(&target, etx.clone());
        let replays = sync_bulk::Replays::new(target.clone(), every);
        sync_peers::start(&target, replays.heard());
        engine.set_sync_bulk(replays);
        if let Some(inst) = inst {
            engine.follow_sync(spec, inst);
        }
    }
    engine.set_checks(checks.clone());
    if let Some(a) = &announcer {
        engine.set_announce(a.clone());
    }
    engine.run(erx, qrx).await;
    // Make-before-break: withdrawn at SIGTERM, the IPVS entries stay
    // until `withdraw_delay` has passed.
    if let Some(a) = &announcer {
        a.finish().await;
    }
    checks.stop().await;
    // No audit may put back what the release below removes.
    if let Some(w) = stop_writer {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if w.send(lvs::Job::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
    }
    if let Some((spec, _)) = sync {
        let _ = tokio::task::spawn_blocking(move || lvs::sync_set(&spec, &[])).await;
    }
    if !cli.dont_release_ipvs {
        release(&owned, cfg.global.lvs_flush_on_stop).await;
    }
    let g = &cfg.global;
    lifecycle::run(g.shutdown_script.as_ref(), g.shutdown_script_timeout, false).await;
    tracing::info!("stopped");
    0
}

pub(crate) type Owned =
    std::sync::Arc<std::sync::Mutex<Option<std::collections::BTreeSet<kad_ipvs::table::SvcId>>>>;

async fn release(owned: &Owned, flush: bool) {
    let set = owned.lock().ok().and_then(|mut o| o.take());
    if let Some(set) = set {
        let _ = tokio::task::spawn_blocking(move || lvs::release(&set, flush)).await;
    }
}
