//! What keepalived's process flags mean for kad, which is one process:
//! `-P` runs only the VRRP side, `-C` only the checkers and IPVS, `-s`
//! (or the configuration's `net_namespace`) enters a network namespace
//! first, and a namespace or `instance` name gives the daemon its own pid
//! file, control socket and syslog ident.

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

/// The place the configuration gives (`net_namespace`, `instance`,
/// `use_pid_dir`) joined with the command line: `-s` wins over
/// `net_namespace`, as keepalived's does (and says so).
pub fn resolve(cli: &Cli, id: &kad_config::Identity) -> Cli {
    let mut out = cli.clone();
    out.namespace_given = cli.namespace_given || cli.namespace.is_some();
    match (&cli.namespace, &id.net_namespace) {
        (Some(flag), Some(conf)) if flag != conf => eprintln!(
            "kad: overriding config net_namespace '{conf}' with command line namespace '{flag}'"
        ),
        (None, Some(conf)) => out.namespace = Some(conf.clone()),
        _ => {}
    }
    out.instance = id.instance.clone();
    out.pid_dir = id.use_pid_dir || out.namespace.is_some();
    out
}

/// `kad` or `kad_INSTANCE`: the stem of the pid file and control socket.
fn stem(cli: &Cli) -> String {
    match &cli.instance {
        Some(i) => format!("kad_{i}"),
        None => "kad".into(),
    }
}

/// The directory of the pid file and socket: /run/kad, or
/// /run/kad/NAMESPACE (keepalived keeps a namespace's files apart the same
/// way, under /run/keepalived/NAMESPACE).
fn run_dir(cli: &Cli) -> PathBuf {
    match &cli.namespace {
        Some(ns) => PathBuf::from(format!("/run/kad/{ns}")),
        None => PathBuf::from("/run/kad"),
    }
}

/// The pid file: `-p`, else /run/kad.pid; in the pid directory
/// (`use_pid_dir`, a namespace or an instance name) /run/kad[/NAMESPACE]/
/// kad[_INSTANCE].pid.
pub fn pid_file(cli: &Cli) -> PathBuf {
    match &cli.pid_file {
        Some(p) => p.clone(),
        None if cli.pid_dir || cli.namespace.is_some() || cli.instance.is_some() => {
            run_dir(cli).join(format!("{}.pid", stem(cli)))
        }
        None => PathBuf::from(super::pidfile::DEFAULT_PID_FILE),
    }
}

/// The control socket: `--socket`, else /run/kad[/NAMESPACE]/
/// kad[_INSTANCE].sock.
pub fn socket(cli: &Cli) -> PathBuf {
    if cli.socket.as_os_str() != kactl::DEFAULT_SOCKET {
        return cli.socket.clone();
    }
    run_dir(cli).join(format!("{}.sock", stem(cli)))
}

/// What keepalived appends to its syslog ident: `_NAMESPACE`, then
/// `_INSTANCE`.
pub fn ident_suffix(cli: &Cli) -> String {
    [&cli.namespace, &cli.instance]
        .into_iter()
        .flatten()
        .map(|s| format!("_{s}"))
        .collect()
}

/// keepalived refuses a reload that changes where it runs or its name
/// (`-s` stays what it was: the file cannot change it).
pub fn reload_refusal(
    cli: &Cli,
    old: &kad_config::Identity,
    new: &mut kad_config::Identity,
) -> Option<&'static str> {
    if cli.namespace_given {
        new.net_namespace = cli.namespace.clone();
    }
    if old.net_namespace != new.net_namespace {
        Some("Cannot change network namespace at a reload - please restart kad")
    } else if old.net_namespace_ipvs != new.net_namespace_ipvs {
        Some("Cannot change IPVS network namespace at a reload - please restart kad")
    } else if old.instance != new.instance {
        Some("Cannot change instance name at a reload - please restart kad")
    } else {
        None
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

    fn id(ns: Option<&str>, inst: Option<&str>, pid_dir: bool) -> kad_config::Identity {
        kad_config::Identity {
            net_namespace: ns.map(Into::into),
            instance: inst.map(Into::into),
            use_pid_dir: pid_dir,
            ..Default::default()
        }
    }

    #[test]
    fn configuration_places_the_files_as_keepalived() {
        let r = resolve(&cli(&[]), &id(Some("red"), Some("lb1"), true));
        assert_eq!(r.namespace.as_deref(), Some("red"));
        assert_eq!(pid_file(&r), PathBuf::from("/run/kad/red/kad_lb1.pid"));
        assert_eq!(socket(&r), PathBuf::from("/run/kad/red/kad_lb1.sock"));
        assert_eq!(ident_suffix(&r), "_red_lb1");
        let r = resolve(&cli(&[]), &id(None, Some("lb1"), true));
        assert_eq!(pid_file(&r), PathBuf::from("/run/kad/kad_lb1.pid"));
        assert_eq!(socket(&r), PathBuf::from("/run/kad/kad_lb1.sock"));
        let r = resolve(&cli(&[]), &id(None, None, true));
        assert_eq!(pid_file(&r), PathBuf::from("/run/kad/kad.pid"));
        // -s wins over net_namespace.
        let r = resolve(&cli(&["-s", "blue"]), &id(Some("red"), None, true));
        assert_eq!(pid_file(&r), PathBuf::from("/run/kad/blue/kad.pid"));
    }

    #[test]
    fn a_reload_cannot_move_the_daemon() {
        let a = id(Some("red"), None, true);
        let run = resolve(&cli(&[]), &a);
        assert!(reload_refusal(&run, &a, &mut a.clone()).is_none());
        assert!(reload_refusal(&run, &a, &mut id(Some("blue"), None, true))
            .is_some_and(|m| m.contains("network namespace")));
        assert!(reload_refusal(&run, &a, &mut id(None, None, true))
            .is_some_and(|m| m.contains("network namespace")));
        assert!(
            reload_refusal(&run, &a, &mut id(Some("red"), Some("x"), true))
                .is_some_and(|m| m.contains("instance name"))
        );
        let mut ipvs = a.clone();
        ipvs.net_namespace_ipvs = Some("lvs".into());
        assert_eq!(
            reload_refusal(&run, &a, &mut ipvs),
            Some("Cannot change IPVS network namespace at a reload - please restart kad")
        );
        // Under -s the file's net_namespace does not matter.
        let flagged = resolve(&cli(&["-s", "red"]), &id(None, None, false));
        assert!(reload_refusal(&flagged, &a, &mut id(Some("blue"), None, true)).is_none());
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
