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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Response {
    Status(Status),
    SyncBulk(SyncBulkReport),
    Error { error: String },
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
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncBulkStatus {
    pub interface: String,
    pub syncid: u8,
    /// `--sync-bulk-interval`, if replays are periodic.
    pub interval_secs: Option<u64>,
    pub replays: u64,
    pub failures: u64,
    /// The last replay that went out, and the last error.
    pub last: Option<SyncBulkReport>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VrrpStatus {
    pub name: String,
    /// `INIT`, `BACKUP`, `MASTER`, `FAULT` or `STOPPED`.
    pub state: String,
    pub interface: String,
    pub vrid: u8,
    pub version: u8,
    /// Configured priority.
    pub priority: u8,
    /// Priority after trackers.
    pub effective_priority: u8,
    /// Advert interval in seconds.
    pub advert_int: f64,
    /// Virtual addresses (`addr/len`), advertised and excluded.
    pub vips: Vec<String>,
    /// Whether this node holds the addresses now.
    pub vips_held: bool,
    /// The current master and its priority, as seen in BACKUP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_priority: Option<u8>,
    /// Seconds since the last state change.
    pub since_transition_secs: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_group: Option<String>,
    /// Why the instance is in FAULT, if it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault_reasons: Vec<String>,
    pub stats: VrrpCounters,
}

/// keepalived's counters (`keepalived.stats`), by its JSON names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpCounters {
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub packet_len_err: u64,
    pub ip_ttl_err: u64,
    pub invalid_type_rcvd: u64,
    pub advert_interval_err: u64,
    pub addr_list_err: u64,
    pub invalid_authtype: u64,
    pub authtype_mismatch: u64,
    pub auth_failure: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    pub checksum_err: u64,
    pub version_err: u64,
    pub other_err: u64,
}

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
