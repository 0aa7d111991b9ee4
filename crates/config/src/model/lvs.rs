//! `virtual_server_group`, `virtual_server` and `real_server`.

use super::check::{CheckTiming, Checker};
use super::global::Script;
use super::units::{Delta, Weight};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Inet,
    Inet6,
}

/// IPVS schedulers, by their kernel module names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheduler {
    Rr,
    Wrr,
    Lc,
    Wlc,
    Lblc,
    Lblcr,
    Sh,
    Mh,
    Dh,
    Fo,
    Ovf,
    Sed,
    Nq,
    Twos,
}

impl Scheduler {
    pub const ALL: [Scheduler; 14] = [
        Scheduler::Rr,
        Scheduler::Wrr,
        Scheduler::Lc,
        Scheduler::Wlc,
        Scheduler::Lblc,
        Scheduler::Lblcr,
        Scheduler::Sh,
        Scheduler::Mh,
        Scheduler::Dh,
        Scheduler::Fo,
        Scheduler::Ovf,
        Scheduler::Sed,
        Scheduler::Nq,
        Scheduler::Twos,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Rr => "rr",
            Scheduler::Wrr => "wrr",
            Scheduler::Lc => "lc",
            Scheduler::Wlc => "wlc",
            Scheduler::Lblc => "lblc",
            Scheduler::Lblcr => "lblcr",
            Scheduler::Sh => "sh",
            Scheduler::Mh => "mh",
            Scheduler::Dh => "dh",
            Scheduler::Fo => "fo",
            Scheduler::Ovf => "ovf",
            Scheduler::Sed => "sed",
            Scheduler::Nq => "nq",
            Scheduler::Twos => "twos",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Scheduler flags (`ipvsadm -b`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchedFlags {
    pub flag1: bool,
    pub flag2: bool,
    pub flag3: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelType {
    Ipip,
    Gue,
    Gre,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TunnelCsum {
    Nocsum,
    Csum,
    Remcsum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "UPPERCASE")]
pub enum ForwardMethod {
    Nat,
    Dr,
    Tun {
        #[serde(rename = "type")]
        kind: TunnelType,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        csum: Option<TunnelCsum>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum GroupEntry {
    /// `first` to `last` inclusive (one address when equal).
    Range {
        first: IpAddr,
        last: IpAddr,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
    },
    Fwmark {
        mark: u32,
        family: Family,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualServerGroup {
    pub name: String,
    pub entries: Vec<GroupEntry>,
}

/// What a `virtual_server` line names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum VsKey {
    Addr { addr: IpAddr, port: u16 },
    Fwmark { mark: u32, family: Family },
    Group { name: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SorryServer {
    pub addr: IpAddr,
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ForwardMethod>,
    /// Keep the sorry server at weight 0 while not in use.
    pub inhibit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualServer {
    pub key: VsKey,
    pub protocol: Protocol,
    pub scheduler: Scheduler,
    pub sched_flags: SchedFlags,
    pub ops: bool,
    pub method: ForwardMethod,
    /// Persistence in seconds (None = not persistent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence_timeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence_granularity: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence_engine: Option<String>,
    pub ha_suspend: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualhost: Option<String>,
    pub alpha: bool,
    pub omega: bool,
    pub quorum: u32,
    pub hysteresis: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum_up: Option<Box<Script>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum_down: Option<Box<Script>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sorry_server: Option<SorryServer>,
    pub inhibit_on_failure: bool,
    /// Checker timing set at this level, inherited by its real servers.
    pub timing: CheckTiming,
    pub real_servers: Vec<RealServer>,
    /// None: unset (keepalived's -1); the daemon resolves it from the globals.
    pub smtp_alert: Option<bool>,
    /// kad's own `announce { }`: announced over BGP while it has quorum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce: Option<super::announce::Announce>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFileRef {
    pub name: String,
    pub weight: Delta,
    pub reverse: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealServer {
    pub addr: IpAddr,
    pub port: u16,
    pub weight: Weight,
    pub method: ForwardMethod,
    /// Upper and lower connection thresholds (0 = none).
    pub uthreshold: u32,
    pub lthreshold: u32,
    pub inhibit_on_failure: bool,
    pub alpha: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_up: Option<Box<Script>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_down: Option<Box<Script>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualhost: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub track_files: Vec<TrackFileRef>,
    pub checkers: Vec<Checker>,
    /// None: unset (keepalived's -1); the daemon resolves it from the globals.
    pub smtp_alert: Option<bool>,
}
