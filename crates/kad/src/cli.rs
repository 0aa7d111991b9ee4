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

    /// With -t: skip the checks against this machine (interfaces, scripts,
    /// the running IPVS sysctls).
    #[arg(long = "no-env-check")]
    pub no_env_check: bool,

    /// kad's own: every problem keepalived reports and corrects (a value
    /// out of range, an unknown name, a duplicate) is an error that stops
    /// start-up, `-t` and reload, instead of a warning with keepalived's
    /// correction.
    #[arg(long = "strict")]
    pub strict: bool,

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

    /// Detailed logs (debug level; `-DD` is accepted as keepalived's).
    #[arg(short = 'D', long = "log-detail", overrides_with = "log_detail")]
    pub log_detail: bool,

    /// Pid file, locked while kad runs: a second kad with the same one
    /// stops (default /run/kad.pid, /run/kad/NAMESPACE/kad.pid with -s).
    #[arg(short = 'p', long = "pid")]
    pub pid_file: Option<PathBuf>,

    /// Pid file for the VRRP side (kad is one process: its pid).
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE")]
    pub vrrp_pid_file: Option<PathBuf>,

    /// Pid file for the checker side (kad is one process: its pid).
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE")]
    pub checkers_pid_file: Option<PathBuf>,

    /// Syslog facility: 0-7 or local0-local7 (LOG_LOCALn), user or daemon
    /// (the default).
    #[arg(short = 'S', long = "log-facility", value_name = "FACILITY")]
    pub log_facility: Option<String>,

    /// Also log to FILE (default /tmp/kad.log): `-gFILE`, `--log-file=FILE`.
    #[arg(short = 'g', long = "log-file", value_name = "FILE", num_args = 0..=1, default_missing_value = "/tmp/kad.log")]
    pub log_file: Option<PathBuf>,

    /// Don't log to syslog (/dev/log).
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,

    /// Remove an instance's VIPs whenever it leaves or does not enter
    /// MASTER, also those kad did not add (left by another run).
    #[arg(short = 'X', long = "release-vips")]
    pub release_vips: bool,

    /// Run in the network namespace NAME (/run/netns/NAME, as `ip netns`).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,

    /// Run only the VRRP side.
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,

    /// Run only the checker / IPVS side.
    #[arg(short = 'C', long = "check")]
    pub check_only: bool,

    /// kad's own: replay the IPVS connection table to the sync backups
    /// every SECS seconds while this node is the sync master (the kernel
    /// never syncs connections that stay idle); default 60 with
    /// `lvs_sync_daemon`, 0 for none. A starting director also asks the
    /// others for their tables and gets them at once. Also `kactl sync-bulk`.
    #[arg(long = "sync-bulk-interval", value_name = "SECS", value_parser = clap::value_parser!(u64))]
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

    /// Print the number of the signal for SIGFUNC and exit: STOP, RELOAD,
    /// DATA, STATS, STATS_CLEAR, JSON (as keepalived).
    #[arg(long = "signum", value_name = "SIGFUNC")]
    pub signum: Option<String>,

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

    /// The configuration's `instance NAME` (not a flag): set at start-up,
    /// it names the pid file, control socket and syslog ident.
    #[arg(skip)]
    pub instance: Option<String>,

    /// The configuration's `use_pid_dir` (or implied by a namespace or an
    /// instance name): the pid file goes under /run/kad/.
    #[arg(skip)]
    pub pid_dir: bool,

    /// The namespace came from `-s` (which a reload's file cannot change).
    #[arg(skip)]
    pub namespace_given: bool,
}
