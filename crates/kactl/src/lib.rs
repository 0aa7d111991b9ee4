//! The control-socket protocol of kad and the status schema, defined once
//! for the daemon and for `kactl`. Field names of [`Status`] are a public
//! interface (documented in docs/operations.md).
//!
//! Protocol: one JSON request per line (`{"cmd":"status"}`) on the Unix
//! socket, one JSON response per line.

pub mod client;
pub mod dist;
pub mod render;

use serde::{Deserialize, Serialize};

pub const DEFAULT_SOCKET: &str = "/run/kad/kad.sock";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    Status,
    /// Replay the IPVS connection table to the sync backups now.
    SyncBulk,
    /// kad's operator commands (overrides, reload, check): see
    /// [`Operator`]. Changes need root (the socket checks SO_PEERCRED).
    #[serde(untagged)]
    Operator(Operator),
}

/// Operator commands, after Seesaw's overrides (kad's own, not keepalived's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Operator {
    /// Weight 0 in IPVS: established connections finish, no new ones.
    Drain { vs: String, rs: String },
    /// Take the real server out of IPVS, whatever its checks say.
    Disable { vs: String, rs: String },
    /// Clear a drain or disable.
    Enable { vs: String, rs: String },
    /// Hand MASTER to the peer (make-before-break) and stay BACKUP (the
    /// priority override 1) until `priority INSTANCE --clear`.
    Failover { instance: String },
    /// Set (Some) or clear (None) the priority override of an instance.
    Priority {
        instance: String,
        priority: Option<u8>,
    },
    /// Re-read the configuration, as SIGHUP; says what changed.
    Reload,
    /// Check the configuration file as `kad -t` does.
    Check,
}

impl Operator {
    /// Whether the command changes anything (only root may).
    pub fn changes(&self) -> bool {
        !matches!(self, Operator::Check)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(
    clippy::large_enum_variant,
    reason = "one response per control request, moved once: boxing Status gains nothing"
)]
pub enum Response {
    Status(Status),
    SyncBulk(SyncBulkReport),
    Done(Done),
    Error { error: String },
}

/// The answer to an operator command.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Done {
    /// What was done (or, for `reload`, what changed or why nothing did).
    pub done: String,
    /// For `check` and `reload`: the diagnostics, one per line.
    #[serde(default)]
    pub lines: Vec<String>,
    /// For `check`: whether the configuration is clean (as `-t` exit 0).
    #[serde(default = "yes")]
    pub ok: bool,
}

fn yes() -> bool {
    true
}

/// The operator's overrides in force (kad's state file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// Real servers drained or disabled.
    #[serde(default)]
    pub real_servers: Vec<RsOverride>,
    /// VRRP instances with an operator priority.
    #[serde(default)]
    pub priorities: Vec<PriorityOverride>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RsOverride {
    /// As `kactl status` names them: `[10.0.0.1]:tcp:80`.
    pub vs: String,
    pub rs: String,
    /// `drain` or `disable`.
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityOverride {
    pub instance: String,
    pub priority: u8,
    /// Set by `kactl failover` (rather than `kactl priority`).
    #[serde(default)]
    pub failover: bool,
}

/// What one bulk replay of the connection table did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncBulkReport {
    /// Rows read from /proc/net/ip_vs_conn.
    pub rows: usize,
    /// Connections (and templates) sent.
    pub sent: usize,
    pub datagrams: usize,
    /// Rows left out: a state the sync protocol cannot carry, no matching
    /// service or real server, or a row that did not parse.
    pub skipped_state: usize,
    pub skipped_service: usize,
    pub unparsed: usize,
    pub interface: String,
    pub syncid: u8,
    /// The whole replay, and the paced sending part of it.
    pub millis: u64,
    #[serde(default)]
    pub send_millis: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// kad's version.
    pub version: String,
    /// Seconds since the daemon started.
    pub uptime_secs: f64,
    pub vrrp: Vec<VrrpStatus>,
    pub ipvs: IpvsStatus,
    /// Health checks: per virtual server, real server and checker.
    #[serde(default)]
    pub checks: ChecksStatus,
    /// Connection-table replays (`lvs_sync_daemon` with IPVS), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_bulk: Option<SyncBulkStatus>,
    /// The operator's overrides in force (`kactl drain`, `priority`, ...).
    #[serde(default)]
    pub overrides: Overrides,
    /// Each announced virtual server (kad's own `announce { }`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<AnnouncementStatus>,
}

/// A virtual server announced over BGP (through a kernel routing table),
/// or withdrawn, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementStatus {
    /// As `checks` names it: `[10.0.0.1]:tcp:80`, `[group]`.
    pub service: String,
    /// The addresses it announces (each as a /32 or /128 route).
    pub addresses: Vec<String>,
    /// `announced` or `withdrawn`.
    pub state: String,
    /// Why: `quorum`, `no quorum`, `VRRP instance VI_1 is BACKUP`,
    /// `[10.0.0.1]:tcp:443 shares the address and is withdrawn`, `stopping`.
    pub reason: String,
    /// Seconds since `state` (or `reason`) last changed.
    pub since_secs: f64,
    /// The kernel routing table the routes are in.
    pub table: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_instance: Option<String>,
}

/// Another director, as this one hears it on the sync group: the sync
/// datagrams it sent (its kernel's master daemon or its kad's replays) and
/// the table requests it made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncPeer {
    pub address: String,
    /// Its requests, and how many of them this director answered with a
    /// replay (a sync master answers one per 5 s; a backup none).
    pub asks: u64,
    pub answered: u64,
    /// Seconds since its last request; none if it never asked.
    #[serde(default)]
    pub last_ask_secs: Option<f64>,
    /// The syncid of the last sync datagram heard from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syncid: Option<u8>,
    /// Sync datagrams heard from it, and the connections (templates
    /// included) they carried.
    #[serde(default)]
    pub datagrams: u64,
    #[serde(default)]
    pub connections: u64,
    /// Datagrams from it that were not the kernel's sync format, and those
    /// of another syncid (which this director's kernel drops).
    #[serde(default)]
    pub malformed: u64,
    #[serde(default)]
    pub other_syncid: u64,
    /// Seconds since its last sync datagram; none if it never sent one.
    #[serde(default)]
    pub last_sync_secs: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncBulkStatus {
    pub interface: String,
    pub syncid: u8,
    /// `--sync-bulk-interval`, if replays are periodic.
    pub interval_secs: Option<u64>,
    pub replays: u64,
    pub failures: u64,
    /// Replays that answered another director's table request.
    #[serde(default)]
    pub answered_requests: u64,
    /// The other directors heard on the sync group (their sync datagrams)
    /// or that asked for the table (kad's table request), by address.
    #[serde(default)]
    pub peers: Vec<SyncPeer>,
    /// The last replay that went out, and the last error.
    pub last: Option<SyncBulkReport>,
    pub last_error: Option<String>,
}

/// An instance's status and keepalived's counters (`keepalived.stats`, by
/// its JSON names): defined once, by the VRRP node that reports them.
pub use kad_vrrp::node::status::InstanceStatus as VrrpStatus;
pub use kad_vrrp::stats::Stats as VrrpCounters;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IpvsStatus {
    /// Whether the kernel has IPVS.
    pub available: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `virtual_server` blocks in the configuration.
    pub virtual_servers: usize,
    /// The kernel's services, as dumped now (those kad programmed and any
    /// others).
    #[serde(default)]
    pub services: Vec<ServiceStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// `TCP 10.0.0.1:80`, `UDP [2001:db8::1]:53` or `FWM 7`.
    pub service: String,
    pub scheduler: String,
    /// Persistence timeout in seconds (0 = not persistent).
    pub persistence: u32,
    pub real_servers: Vec<RealServerStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RealServerStatus {
    /// `ip:port` (`[ip]:port` for IPv6).
    pub address: String,
    /// `NAT`, `DR` or `TUN`.
    pub method: String,
    pub weight: u32,
    pub active_conns: u32,
    pub inactive_conns: u32,
    pub persistent_conns: u32,
    /// Packets and bytes per second, in and out (the kernel's estimates).
    pub in_pps: u64,
    pub out_pps: u64,
    pub in_bps: u64,
    pub out_bps: u64,
    /// Counters since the destination was added: connections, packets and
    /// bytes in and out.
    #[serde(default)]
    pub conns: u64,
    #[serde(default)]
    pub in_pkts: u64,
    #[serde(default)]
    pub out_pkts: u64,
    #[serde(default)]
    pub in_bytes: u64,
    #[serde(default)]
    pub out_bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecksStatus {
    /// Probes finished since start.
    pub probes: u64,
    /// Probes running now.
    pub in_flight: usize,
    /// How late probes started against their schedule, since start (ms).
    pub late_p50_ms: f64,
    pub late_p99_ms: f64,
    pub late_max_ms: f64,
    #[serde(default)]
    pub services: Vec<CheckedService>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckedService {
    /// As keepalived's LVS FIFO names it: `[10.0.0.1]:tcp:80`, `FWM 7`.
    pub service: String,
    pub quorum: u32,
    pub quorum_up: bool,
    /// The weight of the live real servers.
    pub live_weight: u64,
    /// Whether the sorry server stands in for the real servers now.
    pub sorry_server_active: bool,
    /// `ha_suspend`: checks paused (this node does not hold the address).
    pub suspended: bool,
    pub real_servers: Vec<CheckedServer>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckedServer {
    /// `[ip]:proto:port`.
    pub address: String,
    /// Up while every checker is up.
    pub alive: bool,
    /// The weight in use (a dynamic checker may change it).
    pub weight: u32,
    /// Seconds since `alive` last changed.
    pub since_change_secs: f64,
    pub checkers: Vec<CheckerStatus>,
    /// `drain` or `disable` by the operator, if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    /// The weight IPVS has for it now (None: not in the table).
    #[serde(default)]
    pub ipvs_weight: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckerStatus {
    /// `TCP_CHECK`, `HTTP_GET`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub up: bool,
    /// `pass` or `fail` (absent before the first result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_result: Option<String>,
    /// Why the last probe failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Failures counted towards `retry`.
    pub retries: u32,
    /// Seconds since `up` last changed.
    pub since_change_secs: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_requests_are_flat_json_beside_the_others() {
        let drain = Request::Operator(Operator::Drain {
            vs: "v".into(),
            rs: "r".into(),
        });
        let j = serde_json::to_string(&drain).unwrap();
        assert_eq!(j, r#"{"cmd":"drain","vs":"v","rs":"r"}"#);
        assert_eq!(serde_json::from_str::<Request>(&j).unwrap(), drain);
        assert_eq!(
            serde_json::from_str::<Request>(r#"{"cmd":"status"}"#).unwrap(),
            Request::Status
        );
        let p = r#"{"cmd":"priority","instance":"VI_1","priority":null}"#;
        assert_eq!(
            serde_json::from_str::<Request>(p).unwrap(),
            Request::Operator(Operator::Priority {
                instance: "VI_1".into(),
                priority: None
            })
        );
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"nope"}"#).is_err());
    }
}
