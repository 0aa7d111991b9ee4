//! `global_defs` and the top-level blocks that are not VRRP or LVS.

use super::rcvbuf::NetlinkBufs;
use super::units::{secs, Centis};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

/// A command line to run (a notify, check or tracking script).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// The command as written (after unquoting).
    pub command: String,
    /// The command split into words as keepalived splits it (no shell).
    pub argv: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A FIFO that receives one line per state change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyFifo {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A script started with the FIFO's path to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
}

/// `lvs_sync_daemon IF [inst VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LvsSyncDaemon {
    pub interface: String,
    /// The VRRP instance whose state chooses master or backup; without
    /// one both daemons run all the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Defaults to the instance's VRID, or 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_id: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlen: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<IpAddr>,
}

/// `lvs_timeouts`: IPVS connection timeouts, in seconds (`ipvsadm --set`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LvsTimeouts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcpfin: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udp: Option<u32>,
}

/// GARP / unsolicited NA timing (global defaults, overridable per instance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarpTimers {
    /// Delay before the second burst after becoming MASTER (0 = none).
    #[serde(with = "secs")]
    pub master_delay: Duration,
    /// GARPs per address per burst.
    pub master_repeat: u32,
    #[serde(with = "secs")]
    pub lower_prio_delay: Duration,
    pub lower_prio_repeat: u32,
    /// Periodic refresh while MASTER (0 = off).
    #[serde(with = "secs")]
    pub master_refresh: Duration,
    pub master_refresh_repeat: u32,
}

impl Default for GarpTimers {
    fn default() -> Self {
        GarpTimers {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GlobalDefs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notification_email: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_email_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_server: Option<(String, u16)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_helo_name: Option<String>,
    #[serde(with = "secs")]
    pub smtp_connect_timeout: Duration,
    /// None: unset (keepalived's -1).
    pub smtp_alert: Option<bool>,
    pub smtp_alert_vrrp: Option<bool>,
    pub smtp_alert_checker: Option<bool>,
    pub checker_log_all_failures: bool,
    /// No mail for FAULT transitions.
    #[serde(default)]
    pub no_email_faults: bool,
    /// Checker mails only when the real server's state changes.
    #[serde(default)]
    pub no_checker_emails: bool,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_script: Option<Script>,
    #[serde(with = "secs")]
    pub startup_script_timeout: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_script: Option<Script>,
    #[serde(with = "secs")]
    pub shutdown_script_timeout: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_user: Option<(String, Option<String>)>,
    pub enable_script_security: bool,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_fifo: Option<NotifyFifo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vrrp_notify_fifo: Option<NotifyFifo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_notify_fifo: Option<NotifyFifo>,
    pub fifo_write_vrrp_states_on_reload: bool,
    pub vrrp_notify_priority_changes: bool,

    pub default_interface: String,
    pub dynamic_interfaces: bool,

    pub vrrp_mcast_group4: IpAddr,
    pub vrrp_mcast_group6: IpAddr,
    pub vrrp_version: u8,
    pub v3_checksum_as_v2: bool,
    pub garp: GarpTimers,
    /// Minimum gap between GARPs / NAs on one interface (0 = none).
    #[serde(with = "secs")]
    pub garp_interval: Duration,
    #[serde(with = "secs")]
    pub gna_interval: Duration,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub owner_ignore_adverts: bool,
    pub check_unicast_src: bool,
    pub skip_check_adv_addr: bool,
    pub strict: bool,
    /// Where the rules that keep a non-accepting MASTER from answering for
    /// its VIPs go (`nftables`, `nftables_priority`, `nftables_counters`,
    /// `nftables_ifindex`, `vrrp_iptables`).
    #[serde(default)]
    pub firewall: Firewall,
    #[serde(with = "secs")]
    pub vrrp_startup_delay: Duration,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_timeouts: Option<LvsTimeouts>,
    pub lvs_flush: bool,
    pub lvs_flush_on_stop: bool,
    /// kad's own `lvs_audit_interval`: how often the IPVS writer compares
    /// the kernel's table with what kad owns and repairs drift (zero: never).
    #[serde(with = "secs")]
    pub lvs_audit_interval: Duration,
    /// kad's own `lvs_sloppy_tcp`, `lvs_schedule_icmp`, ...: the IPVS
    /// sysctls a director in an ECMP group sets (`ipvs_sysctl.rs`).
    #[serde(
        default,
        skip_serializing_if = "super::ipvs_sysctl::LvsSysctls::is_default"
    )]
    pub lvs_sysctls: super::ipvs_sysctl::LvsSysctls,

    /// The VRRP and checker threads' scheduling (`vrrp_rt_priority`,
    /// `checker_no_swap`, `max_auto_priority`, ...).
    #[serde(default)]
    pub scheduling: super::sched::Scheduling,
    /// `reload_check_config [FILE]`: a reload first checks the new file
    /// as `kad -t` does, its report in FILE (/dev/null without one), and
    /// goes ahead only if the check passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload_check_config: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_dump_file: Option<String>,
    pub json_version: u8,
    pub data_use_instance: bool,
    /// The netlink sockets' receive buffers (`*_rcv_bufs[_force]`).
    #[serde(default, skip_serializing_if = "NetlinkBufs::is_default")]
    pub netlink_bufs: NetlinkBufs,

    /// Where the daemon runs and what its files are called (top-level
    /// `net_namespace`, `instance`, `use_pid_dir`).
    #[serde(default, skip_serializing_if = "Identity::is_default")]
    pub identity: Identity,
}

/// The top-level keywords that place the daemon: its network namespace
/// (entered before any socket opens) and the instance name that keeps the pid, socket, log and data file
/// names of several daemons apart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `net_namespace_ipvs [NAME]`: where IPVS is programmed, when not
    /// where kad runs (`""`: the initial namespace, /proc/1/ns/net).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_namespace_ipvs: Option<String>,
    /// Pid files in a directory of their own (set by `use_pid_dir`, and
    /// by `net_namespace` or `instance`, as keepalived).
    #[serde(default)]
    pub use_pid_dir: bool,
}

impl Identity {
    pub fn is_default(&self) -> bool {
        *self == Identity::default()
    }
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: Duration::from_secs(30),
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            checker_log_all_failures: false,
            no_email_faults: false,
            no_checker_emails: false,
            startup_script: None,
            startup_script_timeout: Duration::from_secs(10),
            shutdown_script: None,
            shutdown_script_timeout: Duration::from_secs(10),
            script_user: None,
            enable_script_security: false,
            notify_fifo: None,
            vrrp_notify_fifo: None,
            lvs_notify_fifo: None,
            fifo_write_vrrp_states_on_reload: false,
            vrrp_notify_priority_changes: false,
            default_interface: "eth0".into(),
            dynamic_interfaces: false,
            vrrp_mcast_group4: IpAddr::from([224, 0, 0, 18]),
            vrrp_mcast_group6: IpAddr::from([0xff02, 0, 0, 0, 0, 0, 0, 0x12]),
            vrrp_version: 2,
            v3_checksum_as_v2: false,
            garp: GarpTimers::default(),
            garp_interval: Duration::ZERO,
            gna_interval: Duration::ZERO,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            owner_ignore_adverts: false,
            check_unicast_src: false,
            skip_check_adv_addr: false,
            strict: false,
            firewall: Firewall::default(),
            vrrp_startup_delay: Duration::ZERO,
            lvs_sync_daemon: None,
            lvs_timeouts: None,
            lvs_flush: false,
            lvs_flush_on_stop: false,
            lvs_audit_interval: Duration::from_secs(10),
            lvs_sysctls: Default::default(),
            scheduling: Default::default(),
            reload_check_config: None,
            state_dump_file: None,
            json_version: 1,
            data_use_instance: false,
            netlink_bufs: NetlinkBufs::default(),
            identity: Identity::default(),
        }
    }
}

/// `track_file NAME { file PATH; weight N [reverse]; init_file [V] [overwrite] }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFile {
    pub name: String,
    pub file: String,
    pub weight: i32,
    pub reverse: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_value: Option<i64>,
    pub init_overwrite: bool,
}

/// `vrrp_track_process NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackProcess {
    pub name: String,
    /// The process's name as `/proc/PID/stat` shows it (comm) or, with
    /// `full_command`, the first word of its command line.
    pub process: String,
    /// The words after the name on the `process` line; matched against the
    /// rest of the command line as `param_match` says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    pub param_match: ParamMatch,
    pub full_command: bool,
    pub weight: i32,
    pub reverse: bool,
    /// Quorum holds while `quorum <= processes <= quorum_max`.
    pub quorum: u32,
    pub quorum_max: u32,
    #[serde(with = "secs")]
    pub fork_delay: Duration,
    #[serde(with = "secs")]
    pub terminate_delay: Duration,
}

/// How a tracked process's parameters are compared (keepalived's
/// `param_match`): not at all, the whole rest of the command line, its
/// beginning, or its beginning with the last given word a prefix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamMatch {
    #[default]
    None,
    Exact,
    Partial,
    Initial,
}

/// `garp_group { garp_interval; gna_interval; interface; interfaces {} }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarpGroup {
    #[serde(with = "secs::opt", default)]
    pub garp_interval: Option<Duration>,
    #[serde(with = "secs::opt", default)]
    pub gna_interval: Option<Duration>,
    pub interfaces: Vec<String>,
}

/// `interface_up_down_delays { IF DOWN [UP] }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpDownDelay {
    pub interface: String,
    #[serde(with = "secs")]
    pub down: Duration,
    #[serde(with = "secs")]
    pub up: Duration,
}

/// The global `SSL { ... }` block for `SSL_GET`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SslConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One keyword kad reads but does not act on, kept so nothing is dropped
/// silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    pub context: String,
    pub keyword: String,
    pub args: Vec<String>,
    pub line: u32,
}

/// Kept for the advert interval default (1 s).
pub const DEFAULT_ADVERT_INT: Centis = Centis(100);

/// keepalived's nftables settings for blocking VIPs. `table` is None until
/// `nftables` (or `vrrp_iptables`, which a keepalived built without
/// iptables, as Debian's, or one whose `iptables` is iptables-nft, turns
/// into nftables) names it; an instance that needs blocking then uses
/// keepalived's default table name all the same.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firewall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Base chain priority (keepalived: -1, just before `filter`).
    pub priority: i32,
    /// A `counter` in each rule.
    pub counters: bool,
    /// Link-local IPv6 VIPs are matched by interface index, not name.
    pub ifindex: bool,
}

/// keepalived's DEFAULT_NFTABLES_TABLE.
pub const DEFAULT_NFTABLES_TABLE: &str = "keepalived";

impl Default for Firewall {
    fn default() -> Self {
        Self {
            table: None,
            priority: -1,
            counters: false,
            ifindex: false,
        }
    }
}
