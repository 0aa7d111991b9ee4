//! `vrrp_script`, `vrrp_sync_group` and `vrrp_instance`.

use super::global::{GarpTimers, Script};
use super::net::{IpAddress, Route, Rule};
use super::units::{secs, Centis, Delta, Priority, Vrid};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpScript {
    pub name: String,
    pub script: Script,
    #[serde(with = "secs")]
    pub interval: Duration,
    /// Kill and count as a failure after this long (default: interval).
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// 0 = a failure puts tracking instances in FAULT.
    pub weight: i32,
    pub weight_reverse: bool,
    pub rise: u32,
    pub fall: u32,
    pub init_fail: bool,
}

/// A reference from an instance or group to a tracker, with an optional
/// weight that overrides the tracker's own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Delta>,
    #[serde(default)]
    pub reverse: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<Script>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<Script>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Script>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Script>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Script>,
    /// The generic script, called with `INSTANCE|GROUP name STATE prio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Script>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_rx_lower_pri: Option<Script>,
    pub priority_changes: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trackers {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<TrackRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<TrackRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<TrackRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<TrackRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroup {
    pub name: String,
    pub members: Vec<String>,
    pub track: Trackers,
    pub notify: Notify,
    /// None: unset (keepalived's -1); the daemon resolves it from the globals.
    pub smtp_alert: Option<bool>,
    pub tracking_weight: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InitialState {
    Master,
    Backup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuthType {
    Pass,
    Ah,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub auth_type: AuthType,
    /// The password, truncated to 8 bytes (zero-padded on the wire).
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnicastPeer {
    pub addr: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ttl: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vmac {
    /// Interface name (default `vrrp.<VRID>`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub xmit_base: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VrrpInstance {
    pub name: String,
    /// The configured wish; the instance still starts in BACKUP unless its
    /// priority is 255.
    pub state: InitialState,
    /// The `interface` keyword as written (dumps print what was configured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The interface the instance runs on: `interface`, or global_defs'
    /// `default_interface` for a unicast instance that names none. Resolved
    /// once, by the reader, so that no consumer picks a default of its own.
    #[serde(default)]
    pub ifname: String,
    pub vrid: Vrid,
    pub priority: Priority,
    pub advert_int: Centis,
    pub version: u8,
    /// The address family of the adverts (from the VIPs).
    pub ipv6: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    pub virtual_ipaddress: Vec<IpAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_ipaddress_excluded: Vec<IpAddress>,
    /// `no_virtual_ipaddress`: an instance meant to have no VIPs (keepalived
    /// master: no warning for VRRPv2, allowed at all for VRRPv3).
    #[serde(default)]
    pub no_virtual_ipaddress: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_rules: Vec<Rule>,
    pub track: Trackers,
    pub dont_track_primary: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_src_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unicast_src_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcast_dst_ip: Option<IpAddr>,
    pub track_src_ip: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unicast_peers: Vec<UnicastPeer>,
    pub unicast_ttl: u8,
    pub check_unicast_src: bool,
    pub unicast_fault_no_peer: bool,
    pub v3_checksum_as_v2: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vmac: Option<Vmac>,
    pub accept: bool,
    pub nopreempt: bool,
    #[serde(with = "secs")]
    pub preempt_delay: Duration,
    pub skip_check_adv_addr: bool,
    pub strict_mode: bool,
    pub promote_secondaries: bool,
    pub garp: GarpTimers,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub owner_ignore_adverts: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timer_expired_backup: Option<Priority>,
    pub notify: Notify,
    /// None: unset (keepalived's -1); the daemon resolves it from the globals.
    pub smtp_alert: Option<bool>,
}
