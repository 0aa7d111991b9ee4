//! The typed model of a director's configuration: what every engine
//! consumes. Built by [`crate::lower`], serialisable with serde.

pub mod announce;
pub mod check;
pub mod global;
pub mod ipvs_sysctl;
pub mod lvs;
pub mod net;
pub mod rcvbuf;
pub mod sched;
pub mod units;
pub mod vrrp;

pub use announce::*;
pub use check::*;
pub use global::*;
pub use ipvs_sysctl::*;
pub use lvs::*;
pub use net::*;
pub use rcvbuf::*;
pub use sched::*;
pub use units::*;
pub use vrrp::*;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub global: GlobalDefs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_ipaddress: Vec<IpAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vrrp_scripts: Vec<VrrpScript>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub track_files: Vec<TrackFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub track_processes: Vec<TrackProcess>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub garp_groups: Vec<GarpGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interface_up_down_delays: Vec<UpDownDelay>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_groups: Vec<SyncGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vrrp_instances: Vec<VrrpInstance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_servers: Vec<VirtualServer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslConfig>,
    /// Keywords read but not acted on by kad (each also warned about).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<Unsupported>,
    /// Keywords read that kad does not act on yet (each also noted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inert: Vec<Unsupported>,
}
