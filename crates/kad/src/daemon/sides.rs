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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn cli(args: &[&str]) -> Cli {
        Cli::parse_from(std::iter::once("kad").chain(args.iter().copied()))
    }

    #[test]
    fn default_pid_file_and_socket_follow_the_namespace() {
        assert_eq!(pid_file(&cli(&[])), PathBuf::from("/run/kad.pid"));
        assert_eq!(socket(&cli(&[])), PathBuf::from("/run/kad/kad.sock"));
        let ns = cli(&["-s", "blue"]);
        assert_eq!(pid_file(&ns), PathBuf::from("/run/kad/blue/kad.pid"));
        assert_eq!(socket(&ns), PathBuf::from("/run/kad/blue/kad.sock"));
        let given = cli(&["-s", "blue", "-p", "/x.pid", "--socket", "/x.sock"]);
        assert_eq!(pid_file(&given), PathBuf::from("/x.pid"));
        assert_eq!(socket(&given), PathBuf::from("/x.sock"));
    }

    #[test]
    fn vrrp_only_and_check_only_keep_their_side() {
        let text = "vrrp_script s {\n script /bin/true\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 10.0.0.1\n }\n}\nvirtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n";
        let cfg =
            kad_config::load_str(text, std::path::Path::new("k.conf"), &Default::default()).config;
        assert_eq!(
            (cfg.vrrp_instances.len(), cfg.virtual_servers.len()),
            (1, 1)
        );
        let p = filter(&cli(&["-P"]), cfg.clone());
        assert_eq!((p.vrrp_instances.len(), p.virtual_servers.len()), (1, 0));
        let c = filter(&cli(&["-C"]), cfg.clone());
        assert_eq!((c.vrrp_instances.len(), c.virtual_servers.len()), (0, 1));
        assert!(c.vrrp_scripts.is_empty());
        assert_eq!(filter(&cli(&[]), cfg.clone()), cfg);
    }
}
