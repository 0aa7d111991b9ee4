//! keepalived-compatible command line.

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "kad",
    about = "A keepalived-compatible LVS director",
    disable_version_flag = true
)]
pub struct Cli {
    /// Configuration file.
    #[arg(short = 'f', long = "use-file", default_value = kad_config::DEFAULT_CONFIG)]
    pub file: PathBuf,

    /// Check the configuration and exit (0 clean, 4 cannot run,
    /// 5 configuration problems, 6 script security).
    #[arg(short = 't', long = "config-test")]
    pub config_test: bool,

    /// With -t: skip the checks against this machine (interfaces, scripts).
    #[arg(long = "no-env-check")]
    pub no_env_check: bool,

    /// Print the configuration model as JSON and exit.
    #[arg(long = "dump-config")]
    pub dump_config: bool,

    /// Print the keyword reference (docs/configuration.md) and exit.
    #[arg(long = "dump-keywords", hide = true)]
    pub dump_keywords: bool,

    /// Config id matched by `@ID` lines (default: short host name).
    #[arg(short = 'i', long = "config-id")]
    pub config_id: Option<String>,

    /// Stay in the foreground.
    #[arg(short = 'n', long = "dont-fork")]
    pub dont_fork: bool,

    /// Log to the console.
    #[arg(short = 'l', long = "log-console")]
    pub log_console: bool,

    /// Detailed logs.
    #[arg(short = 'D', long = "log-detail")]
    pub log_detail: bool,

    /// Pid file.
    #[arg(short = 'p', long = "pid")]
    pub pid_file: Option<PathBuf>,

    /// Run only the VRRP side.
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,

    /// Run only the checker / IPVS side.
    #[arg(short = 'C', long = "check")]
    pub check_only: bool,

    /// kad's own: replay the IPVS connection table to the sync backups
    /// every SECS seconds while this node is the sync master (the kernel
    /// never syncs connections that stay idle). Also `kactl sync-bulk`.
    #[arg(long = "sync-bulk-interval", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub sync_bulk_interval: Option<u64>,

    /// kad's own: datagrams per second of a replay (each carries up to 40
    /// connections). A backup's kernel drops what overflows its receive
    /// buffer, so keep it within what the backup processes.
    #[arg(long = "sync-bulk-rate", value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    pub sync_bulk_rate: u32,

    /// Keep the IPVS table on stop.
    #[arg(short = 'I', long = "dont-release-ipvs")]
    pub dont_release_ipvs: bool,

    /// Keep VIPs and virtual routes on stop.
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub dont_release_vrrp: bool,

    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,

    /// Control socket path.
    #[arg(long = "socket", default_value = "/run/kad/kad.sock")]
    pub socket: PathBuf,

    /// kad's own: serve Prometheus metrics at http://ADDR:PORT/metrics
    /// (off unless given).
    #[arg(long = "metrics-listen", value_name = "ADDR:PORT")]
    pub metrics_listen: Option<std::net::SocketAddr>,

    /// kad's own: where the operator's overrides (kactl drain, disable,
    /// priority, failover) are kept across reloads and restarts.
    #[arg(long = "state-file", value_name = "FILE", default_value = crate::daemon::overrides::DEFAULT_STATE_FILE)]
    pub state_file: PathBuf,

    /// kad's own: members of GROUP may read the control socket (kactl
    /// status, check); changes still need root.
    #[arg(long = "socket-group", value_name = "GROUP")]
    pub socket_group: Option<String>,
}
