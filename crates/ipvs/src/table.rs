//! The wanted IPVS table, computed from the configuration model: what
//! `ipvsadm -Ln` should show, given the real servers' health.

use crate::check::Health;
use kad_config::model::{
    Config, Family, ForwardMethod, GroupEntry, Protocol, TunnelCsum, TunnelType, VirtualServer,
    VsKey,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Service flags (uapi ip_vs.h `IP_VS_SVC_F_*`).
pub mod flags {
    pub const PERSISTENT: u32 = 0x0001;
    pub const ONEPACKET: u32 = 0x0004;
    pub const SCHED1: u32 = 0x0008;
    pub const SCHED2: u32 = 0x0010;
    pub const SCHED3: u32 = 0x0020;
}

/// Forwarding methods (`IP_VS_CONN_F_*` & FWD_MASK).
pub mod fwd {
    pub const MASQ: u32 = 0;
    pub const TUNNEL: u32 = 2;
    pub const DROUTE: u32 = 3;
}

pub const IPPROTO_TCP: u16 = 6;
pub const IPPROTO_UDP: u16 = 17;
pub const IPPROTO_SCTP: u16 = 132;

/// What identifies a service in the kernel.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SvcId {
    Addr {
        protocol: u16,
        addr: IpAddr,
        port: u16,
    },
    Fwmark {
        af_inet6: bool,
        mark: u32,
    },
}

impl SvcId {
    pub fn is_ipv6(&self) -> bool {
        match self {
            SvcId::Addr { addr, .. } => addr.is_ipv6(),
            SvcId::Fwmark { af_inet6, .. } => *af_inet6,
        }
    }
}

impl std::fmt::Display for SvcId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SvcId::Addr {
                protocol,
                addr,
                port,
            } => {
                let p = match *protocol {
                    IPPROTO_TCP => "TCP",
                    IPPROTO_UDP => "UDP",
                    IPPROTO_SCTP => "SCTP",
                    _ => "?",
                };
                match addr {
                    IpAddr::V4(a) => write!(f, "{p} {a}:{port}"),
                    IpAddr::V6(a) => write!(f, "{p} [{a}]:{port}"),
                }
            }
            SvcId::Fwmark { mark, af_inet6 } => {
                write!(f, "FWM {mark}{}", if *af_inet6 { " IPv6" } else { "" })
            }
        }
    }
}

/// A service's own settings (not its destinations).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAttrs {
    pub scheduler: String,
    pub flags: u32,
    /// Persistence timeout in seconds (0 = not persistent).
    pub timeout: u32,
    /// IPv4: the netmask as a big-endian u32 value; IPv6: a prefix length.
    pub netmask: u32,
    pub pe_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DestId {
    pub addr: IpAddr,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestAttrs {
    pub fwd: u32,
    pub weight: u32,
    pub u_thresh: u32,
    pub l_thresh: u32,
    /// Tunnel type, port and flags (only for TUNNEL).
    pub tun_type: u8,
    pub tun_port: u16,
    pub tun_flags: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub attrs: ServiceAttrs,
    pub dests: BTreeMap<DestId, DestAttrs>,
}

/// The whole table: services by id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub services: BTreeMap<SvcId, Service>,
}

fn protocol(p: Protocol) -> u16 {
    match p {
        Protocol::Tcp => IPPROTO_TCP,
        Protocol::Udp => IPPROTO_UDP,
        Protocol::Sctp => IPPROTO_SCTP,
    }
}

fn method(m: ForwardMethod) -> (u32, u8, u16, u16) {
    match m {
        ForwardMethod::Nat => (fwd::MASQ, 0, 0, 0),
        ForwardMethod::Dr => (fwd::DROUTE, 0, 0, 0),
        ForwardMethod::Tun { kind, port, csum } => {
            let t = match kind {
                TunnelType::Ipip => 0,
                TunnelType::Gue => 1,
                TunnelType::Gre => 2,
            };
            let f = match csum {
                None | Some(TunnelCsum::Nocsum) => 0,
                Some(TunnelCsum::Csum) => 1,
                Some(TunnelCsum::Remcsum) => 2,
            };
            (fwd::TUNNEL, t, port.unwrap_or(0), f)
        }
    }
}

fn attrs(vs: &VirtualServer, ipv6: bool) -> ServiceAttrs {
    let mut f = 0;
    if vs.persistence_timeout.is_some() {
        f |= flags::PERSISTENT;
    }
    if vs.ops {
        f |= flags::ONEPACKET;
    }
    if vs.sched_flags.flag1 {
        f |= flags::SCHED1;
    }
    if vs.sched_flags.flag2 {
        f |= flags::SCHED2;
    }
    if vs.sched_flags.flag3 {
        f |= flags::SCHED3;
    }
    let netmask = match (ipv6, vs.persistence_granularity) {
        (false, Some(IpAddr::V4(m))) => u32::from(m),
        (false, _) => 0xffff_ffff,
        (true, Some(IpAddr::V6(m))) => u128::from(m).count_ones(),
        (true, _) => 128,
    };
    ServiceAttrs {
        scheduler: vs.scheduler.name().to_string(),
        flags: f,
        timeout: vs.persistence_timeout.unwrap_or(0),
        netmask,
        pe_name: vs.persistence_engine.clone(),
    }
}

/// Every address of an inclusive range (IPv4 or the last 16 bits of IPv6).
fn expand(first: IpAddr, last: IpAddr) -> Vec<IpAddr> {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a)..=u32::from(b))
            .map(|x| IpAddr::from(x.to_be_bytes()))
            .collect(),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a)..=u128::from(b))
            .take(65536)
            .map(|x| IpAddr::from(x.to_be_bytes()))
            .collect(),
        _ => vec![first],
    }
}

/// The services one `virtual_server` stands for (a group gives several).
fn ids(vs: &VirtualServer, cfg: &Config) -> Vec<SvcId> {
    let proto = protocol(vs.protocol);
    match &vs.key {
        VsKey::Addr { addr, port } => vec![SvcId::Addr {
            protocol: proto,
            addr: *addr,
            port: *port,
        }],
        VsKey::Fwmark { mark, family } => vec![SvcId::Fwmark {
            af_inet6: *family == Family::Inet6,
            mark: *mark,
        }],
        VsKey::Group { name } => {
            let Some(g) = cfg.virtual_server_groups.iter().find(|g| &g.name == name) else {
                return vec![];
            };
            let mut out = Vec::new();
            for e in &g.entries {
                match e {
                    GroupEntry::Range { first, last, port } => {
                        for a in expand(*first, *last) {
                            out.push(SvcId::Addr {
                                protocol: proto,
                                addr: a,
                                port: port.unwrap_or(0),
                            });
                        }
                    }
                    GroupEntry::Fwmark { mark, family } => out.push(SvcId::Fwmark {
                        af_inet6: *family == Family::Inet6,
                        mark: *mark,
                    }),
                }
            }
            out
        }
    }
}

/// The wanted table at start-up: every real server up, except those with
/// `alpha`, which wait for their first successful check.
pub fn wanted(cfg: &Config) -> Table {
    wanted_with(cfg, &Health::new(cfg, 0, 1))
}

/// The wanted table for a configuration and the servers' health.
pub fn wanted_with(cfg: &Config, health: &Health) -> Table {
    let mut t = Table::default();
    for vi in 0..cfg.virtual_servers.len() {
        t.services.extend(services_of(cfg, vi, health));
    }
    t
}

fn dest_attrs(m: ForwardMethod, weight: u32, u_thresh: u32, l_thresh: u32) -> DestAttrs {
    let (fwd, tun_type, tun_port, tun_flags) = method(m);
    DestAttrs {
        fwd,
        weight,
        u_thresh,
        l_thresh,
        tun_type,
        tun_port,
        tun_flags,
    }
}

/// The services of virtual server `vi` (a group gives several), with the
/// destinations its health wants: a real server that is down is absent
/// (weight 0 with `inhibit_on_failure`); while quorum is lost the sorry
/// server stands in for all of them.
pub fn services_of(cfg: &Config, vi: usize, health: &Health) -> Vec<(SvcId, Service)> {
    let vs = &cfg.virtual_servers[vi];
    let mut dests = BTreeMap::new();
    for (ri, rs) in vs.real_servers.iter().enumerate() {
        if let Some(w) = health.dest_weight(vi, ri) {
            dests.insert(
                DestId {
                    addr: rs.addr,
                    port: rs.port,
                },
                dest_attrs(rs.method, w, rs.uthreshold, rs.lthreshold),
            );
        }
    }
    if let (Some(s), Some(w)) = (&vs.sorry_server, health.sorry_weight(vi)) {
        dests.insert(
            DestId {
                addr: s.addr,
                port: s.port,
            },
            dest_attrs(s.method.unwrap_or(vs.method), w, 0, 0),
        );
    }
    ids(vs, cfg)
        .into_iter()
        .map(|id| {
            let a = attrs(vs, id.is_ipv6());
            (
                id,
                Service {
                    attrs: a,
                    dests: dests.clone(),
                },
            )
        })
        .collect()
}
