//! What keepalived's process flags mean for kad, which is one process:
//! `-P` runs only the VRRP side, `-C` only the checkers and IPVS, `-s`
//! enters a network namespace first and gives the instance its own pid file
//! and control socket.

use crate::cli::Cli;
use kad_config::Config;
use std::path::PathBuf;

/// The part of the configuration this kad runs (`-P` / `-C`).
pub fn filter(cli: &Cli, mut cfg: Config) -> Config {
    if cli.vrrp_only {
        cfg.virtual_servers.clear();
        cfg.virtual_server_groups.clear();
    }
    if cli.check_only {
        cfg.vrrp_instances.clear();
        cfg.sync_groups.clear();
        cfg.vrrp_scripts.clear();
        cfg.track_files.clear();
        cfg.track_processes.clear();
    }
    cfg
}

/// The pid file: `-p`, else /run/kad.pid (/run/kad/NAMESPACE/kad.pid under
/// `-s`, as keepalived keeps a namespace's pid files apart).
pub fn pid_file(cli: &Cli) -> PathBuf {
    match (&cli.pid_file, &cli.namespace) {
        (Some(p), _) => p.clone(),
        (None, Some(ns)) => PathBuf::from(format!("/run/kad/{ns}/kad.pid")),
        (None, None) => PathBuf::from(super::pidfile::DEFAULT_PID_FILE),
    }
}

/// The control socket: `--socket`, else /run/kad/kad.sock
/// (/run/kad/NAMESPACE/kad.sock under `-s`).
pub fn socket(cli: &Cli) -> PathBuf {
    match &cli.namespace {
        Some(ns) if cli.socket.as_os_str() == kactl::DEFAULT_SOCKET => {
            PathBuf::from(format!("/run/kad/{ns}/kad.sock"))
        }
        _ => cli.socket.clone(),
    }
}

/// `-s NAME`: move into /run/netns/NAME (as `ip netns exec` does for the
/// network). Before any thread starts: threads inherit it.
pub fn enter_namespace(name: &str) -> std::io::Result<()> {
    let f = std::fs::File::open(format!("/run/netns/{name}"))?;
    rustix::thread::move_into_link_name_space(
        std::os::fd::AsFd::as_fd(&f),
        Some(rustix::thread::LinkNameSpaceType::Network),
    )?;
    Ok(())
}
