//! IPVS generic-netlink messages (uapi `linux/ip_vs.h`, kernel
//! `ip_vs_ctl.c`): building requests from the wanted table's types and
//! reading dump replies back into them. Byte order follows the kernel:
//! ports (and the tunnel port) in network order, the IPv4 persistence
//! netmask in network order, everything else in host order.

use super::attr::{self, get_be16, get_be32, get_counter, get_string, get_u16, get_u32, Attr};
use crate::table::{DestAttrs, DestId, ServiceAttrs, SvcId};
use netlink_packet_core::{DecodeError, Emitable, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};
use std::net::IpAddr;

pub mod cmd {
    pub const NEW_SERVICE: u8 = 1;
    pub const SET_SERVICE: u8 = 2;
    pub const DEL_SERVICE: u8 = 3;
    pub const GET_SERVICE: u8 = 4;
    pub const NEW_DEST: u8 = 5;
    pub const SET_DEST: u8 = 6;
    pub const DEL_DEST: u8 = 7;
    pub const GET_DEST: u8 = 8;
    pub const NEW_DAEMON: u8 = 9;
    pub const DEL_DAEMON: u8 = 10;
    pub const GET_DAEMON: u8 = 11;
    pub const SET_CONFIG: u8 = 12;
    pub const GET_CONFIG: u8 = 13;
    pub const SET_INFO: u8 = 14;
    pub const GET_INFO: u8 = 15;
    pub const ZERO: u8 = 16;
    pub const FLUSH: u8 = 17;
}

/// Top level (`IPVS_CMD_ATTR_*`).
pub mod cmd_attr {
    pub const SERVICE: u16 = 1;
    pub const DEST: u16 = 2;
    pub const DAEMON: u16 = 3;
    pub const TIMEOUT_TCP: u16 = 4;
    pub const TIMEOUT_TCP_FIN: u16 = 5;
    pub const TIMEOUT_UDP: u16 = 6;
}

/// `IPVS_SVC_ATTR_*`.
pub mod svc {
    pub const AF: u16 = 1;
    pub const PROTOCOL: u16 = 2;
    pub const ADDR: u16 = 3;
    pub const PORT: u16 = 4;
    pub const FWMARK: u16 = 5;
    pub const SCHED_NAME: u16 = 6;
    pub const FLAGS: u16 = 7;
    pub const TIMEOUT: u16 = 8;
    pub const NETMASK: u16 = 9;
    pub const STATS: u16 = 10;
    pub const PE_NAME: u16 = 11;
    pub const STATS64: u16 = 12;
}

/// `IPVS_DEST_ATTR_*`.
pub mod dest {
    pub const ADDR: u16 = 1;
    pub const PORT: u16 = 2;
    pub const FWD_METHOD: u16 = 3;
    pub const WEIGHT: u16 = 4;
    pub const U_THRESH: u16 = 5;
    pub const L_THRESH: u16 = 6;
    pub const ACTIVE_CONNS: u16 = 7;
    pub const INACT_CONNS: u16 = 8;
    pub const PERSIST_CONNS: u16 = 9;
    pub const STATS: u16 = 10;
    pub const ADDR_FAMILY: u16 = 11;
    pub const STATS64: u16 = 12;
    pub const TUN_TYPE: u16 = 13;
    pub const TUN_PORT: u16 = 14;
    pub const TUN_FLAGS: u16 = 15;
}

/// `IPVS_DAEMON_ATTR_*`.
pub mod daemon {
    pub const STATE: u16 = 1;
    pub const MCAST_IFN: u16 = 2;
    pub const SYNC_ID: u16 = 3;
    pub const SYNC_MAXLEN: u16 = 4;
    pub const MCAST_GROUP: u16 = 5;
    pub const MCAST_GROUP6: u16 = 6;
    pub const MCAST_PORT: u16 = 7;
    pub const MCAST_TTL: u16 = 8;
}

/// What a sync daemon is started with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonSpec {
    pub ifname: String,
    pub sync_id: u32,
    pub maxlen: Option<u16>,
    pub port: Option<u16>,
    pub ttl: Option<u8>,
    pub group: Option<IpAddr>,
}

pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;

/// One IPVS message: a command and its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvsMessage {
    pub cmd: u8,
    pub attrs: Vec<Attr>,
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        "IPVS"
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        1
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(IpvsMessage {
            cmd: header.cmd,
            attrs: attr::parse(buf)?,
        })
    }
}

fn addr16(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => {
            let mut b = v.octets().to_vec();
            b.resize(16, 0);
            b
        }
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

fn af(ipv6: bool) -> u16 {
    if ipv6 {
        AF_INET6
    } else {
        AF_INET
    }
}

/// The attributes that identify a service.
pub fn service_id(id: &SvcId) -> Vec<Attr> {
    match id {
        SvcId::Addr {
            protocol,
            addr,
            port,
        } => vec![
            Attr::u16(svc::AF, af(addr.is_ipv6())),
            Attr::u16(svc::PROTOCOL, *protocol),
            Attr::bytes(svc::ADDR, addr16(*addr)),
            Attr::be16(svc::PORT, *port),
        ],
        SvcId::Fwmark { af_inet6, mark } => vec![
            Attr::u16(svc::AF, af(*af_inet6)),
            Attr::u32(svc::FWMARK, *mark),
        ],
    }
}

/// A whole service (id and settings).
pub fn service(id: &SvcId, a: &ServiceAttrs) -> Vec<Attr> {
    let mut v = service_id(id);
    v.push(Attr::string(svc::SCHED_NAME, &a.scheduler));
    if let Some(pe) = &a.pe_name {
        v.push(Attr::string(svc::PE_NAME, pe));
    }
    let mut flags = a.flags.to_ne_bytes().to_vec();
    flags.extend(u32::MAX.to_ne_bytes());
    v.push(Attr::bytes(svc::FLAGS, flags));
    v.push(Attr::u32(svc::TIMEOUT, a.timeout));
    v.push(if id.is_ipv6() {
        Attr::u32(svc::NETMASK, a.netmask)
    } else {
        Attr::be32(svc::NETMASK, a.netmask)
    });
    v
}

/// A destination (address, port and settings).
pub fn destination(d: &DestId, a: &DestAttrs) -> Vec<Attr> {
    let mut v = vec![
        Attr::bytes(dest::ADDR, addr16(d.addr)),
        Attr::be16(dest::PORT, d.port),
        Attr::u32(dest::FWD_METHOD, a.fwd),
        Attr::u32(dest::WEIGHT, a.weight),
        Attr::u32(dest::U_THRESH, a.u_thresh),
        Attr::u32(dest::L_THRESH, a.l_thresh),
        Attr::u16(dest::ADDR_FAMILY, af(d.addr.is_ipv6())),
    ];
    // Tunnel attributes only for tunnels, as keepalived sends them.
    if a.fwd == crate::table::fwd::TUNNEL {
        v.push(Attr::u8(dest::TUN_TYPE, a.tun_type));
        if a.tun_type == 1 {
            v.push(Attr::be16(dest::TUN_PORT, a.tun_port));
        }
        if a.tun_type != 0 {
            v.push(Attr::u16(dest::TUN_FLAGS, a.tun_flags));
        }
    }
    v
}

impl IpvsMessage {
    pub fn new(cmd: u8, attrs: Vec<Attr>) -> IpvsMessage {
        IpvsMessage { cmd, attrs }
    }

    pub fn flush() -> IpvsMessage {
        IpvsMessage::new(cmd::FLUSH, vec![])
    }

    pub fn get_info() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_INFO, vec![])
    }

    pub fn dump_services() -> IpvsMessage {
        IpvsMessage::new(cmd::GET_SERVICE, vec![])
    }

    pub fn dump_dests(id: &SvcId) -> IpvsMessage {
        IpvsMessage::new(
            cmd::GET_DEST,
            vec![Attr::nested(cmd_attr::SERVICE, service_id(id))],
        )
    }

    pub fn set_timeouts(tcp: u32, tcpfin: u32, udp: u32) -> IpvsMessage {
        IpvsMessage::new(
            cmd::SET_CONFIG,
            vec![
                Attr::u32(cmd_attr::TIMEOUT_TCP, tcp),
                Attr::u32(cmd_attr::TIMEOUT_TCP_FIN, tcpfin),
                Attr::u32(cmd_attr::TIMEOUT_UDP, udp),
            ],
        )
    }

    /// Start a sync daemon (state 1 master, 2 backup).
    pub fn new_daemon(state: u32, ifname: &str, sync_id: u32) -> IpvsMessage {
        IpvsMessage::start_daemon(
            state,
            &DaemonSpec {
                ifname: ifname.into(),
                sync_id,
                ..DaemonSpec::default()
            },
        )
    }

    /// Start a sync daemon with every option `lvs_sync_daemon` can give.
    pub fn start_daemon(state: u32, d: &DaemonSpec) -> IpvsMessage {
        let mut a = vec![
            Attr::u32(daemon::STATE, state),
            Attr::string(daemon::MCAST_IFN, &d.ifname),
            Attr::u32(daemon::SYNC_ID, d.sync_id),
        ];
        if let Some(m) = d.maxlen {
            a.push(Attr::u16(daemon::SYNC_MAXLEN, m));
        }
        match d.group {
            Some(IpAddr::V4(g)) => a.push(Attr::bytes(daemon::MCAST_GROUP, g.octets().to_vec())),
            Some(IpAddr::V6(g)) => a.push(Attr::bytes(daemon::MCAST_GROUP6, g.octets().to_vec())),
            None => {}
        }
        if let Some(p) = d.port {
            a.push(Attr::u16(daemon::MCAST_PORT, p));
        }
        if let Some(t) = d.ttl {
            a.push(Attr::u8(daemon::MCAST_TTL, t));
        }
        IpvsMessage::new(cmd::NEW_DAEMON, vec![Attr::nested(cmd_attr::DAEMON, a)])
    }

    pub fn del_daemon(state: u32) -> IpvsMessage {
        IpvsMessage::new(
            cmd::DEL_DAEMON,
            vec![Attr::nested(
                cmd_attr::DAEMON,
                vec![Attr::u32(daemon::STATE, state)],
            )],
        )
    }

    /// The message carrying out one reconciliation step.
    pub fn from_op(op: &crate::reconcile::Op) -> IpvsMessage {
        use crate::reconcile::Op;
        let svc_nest = |a| Attr::nested(cmd_attr::SERVICE, a);
        let dest_nest = |a| Attr::nested(cmd_attr::DEST, a);
        match op {
            Op::NewService(id, a) => {
                IpvsMessage::new(cmd::NEW_SERVICE, vec![svc_nest(service(id, a))])
            }
            Op::SetService(id, a) => {
                IpvsMessage::new(cmd::SET_SERVICE, vec![svc_nest(service(id, a))])
            }
            Op::DelService(id) => {
                IpvsMessage::new(cmd::DEL_SERVICE, vec![svc_nest(service_id(id))])
            }
            Op::NewDest(id, d, a) => IpvsMessage::new(
                cmd::NEW_DEST,
                vec![svc_nest(service_id(id)), dest_nest(destination(d, a))],
            ),
            Op::SetDest(id, d, a) => IpvsMessage::new(
                cmd::SET_DEST,
                vec![svc_nest(service_id(id)), dest_nest(destination(d, a))],
            ),
            Op::DelDest(id, d) => IpvsMessage::new(
                cmd::DEL_DEST,
                vec![
                    svc_nest(service_id(id)),
                    dest_nest(vec![
                        Attr::bytes(dest::ADDR, addr16(d.addr)),
                        Attr::be16(dest::PORT, d.port),
                    ]),
                ],
            ),
        }
    }

    fn nested(&self, kind: u16) -> Result<Vec<Attr>, DecodeError> {
        let a = self
            .attrs
            .iter()
            .find(|a| a.kind & 0x3fff == kind)
            .ok_or_else(|| DecodeError::from("missing nest"))?;
        attr::parse(a.payload())
    }
}

fn find(attrs: &[Attr], kind: u16) -> Option<&[u8]> {
    attrs
        .iter()
        .find(|a| a.kind & 0x3fff == kind)
        .map(|a| a.payload())
}

fn addr_of(b: &[u8], af: u16) -> Result<IpAddr, DecodeError> {
    match (af, b.len()) {
        (AF_INET, n) if n >= 4 => Ok(IpAddr::from([b[0], b[1], b[2], b[3]])),
        (AF_INET6, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Ok(IpAddr::from(a))
        }
        _ => Err(DecodeError::from("bad address")),
    }
}

/// A service from a GET_SERVICE dump reply.
pub fn parse_service(m: &IpvsMessage) -> Result<(SvcId, ServiceAttrs), DecodeError> {
    let s = m.nested(cmd_attr::SERVICE)?;
    let need =
        |k| find(&s, k).ok_or_else(|| DecodeError::from(format!("service attribute {k} missing")));
    let family = get_u16(need(svc::AF)?)?;
    let id = match find(&s, svc::FWMARK) {
        Some(f) => SvcId::Fwmark {
            af_inet6: family == AF_INET6,
            mark: get_u32(f)?,
        },
        None => SvcId::Addr {
            protocol: get_u16(need(svc::PROTOCOL)?)?,
            addr: addr_of(need(svc::ADDR)?, family)?,
            port: get_be16(need(svc::PORT)?)?,
        },
    };
    let netmask = match find(&s, svc::NETMASK) {
        Some(n) if family == AF_INET6 => get_u32(n)?,
        Some(n) => get_be32(n)?,
        None => 0,
    };
    let attrs = ServiceAttrs {
        scheduler: get_string(need(svc::SCHED_NAME)?),
        // HASHED is kernel-internal.
        flags: find(&s, svc::FLAGS).map(get_u32).transpose()?.unwrap_or(0) & !0x0002,
        timeout: find(&s, svc::TIMEOUT)
            .map(get_u32)
            .transpose()?
            .unwrap_or(0),
        netmask,
        pe_name: find(&s, svc::PE_NAME)
            .map(get_string)
            .filter(|p| !p.is_empty()),
    };
    Ok((id, attrs))
}

/// Connection counts and traffic counters of a destination.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DestStats {
    pub active_conns: u32,
    pub inact_conns: u32,
    pub persist_conns: u32,
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
    pub cps: u64,
    pub inpps: u64,
    pub outpps: u64,
    pub inbps: u64,
    pub outbps: u64,
}

/// A destination from a GET_DEST dump reply.
pub fn parse_dest(
    m: &IpvsMessage,
    svc_ipv6: bool,
) -> Result<(DestId, DestAttrs, DestStats), DecodeError> {
    let d = m.nested(cmd_attr::DEST)?;
    let need = |k| {
        find(&d, k).ok_or_else(|| DecodeError::from(format!("destination attribute {k} missing")))
    };
    let family = find(&d, dest::ADDR_FAMILY)
        .map(get_u16)
        .transpose()?
        .unwrap_or(if svc_ipv6 { AF_INET6 } else { AF_INET });
    let id = DestId {
        addr: addr_of(need(dest::ADDR)?, family)?,
        port: get_be16(need(dest::PORT)?)?,
    };
    let u32_or0 = |k| find(&d, k).map(get_u32).transpose().map(|v| v.unwrap_or(0));
    let fwd = u32_or0(dest::FWD_METHOD)? & 0x7;
    let tun_type = find(&d, dest::TUN_TYPE)
        .and_then(|b| b.first().copied())
        .unwrap_or(0);
    let is_tun = fwd == crate::table::fwd::TUNNEL;
    let attrs = DestAttrs {
        fwd,
        weight: u32_or0(dest::WEIGHT)?,
        u_thresh: u32_or0(dest::U_THRESH)?,
        l_thresh: u32_or0(dest::L_THRESH)?,
        tun_type: if is_tun { tun_type } else { 0 },
        tun_port: if is_tun && tun_type == 1 {
            find(&d, dest::TUN_PORT)
                .map(get_be16)
                .transpose()?
                .unwrap_or(0)
        } else {
            0
        },
        tun_flags: if is_tun && tun_type != 0 {
            find(&d, dest::TUN_FLAGS)
                .map(get_u16)
                .transpose()?
                .unwrap_or(0)
        } else {
            0
        },
    };
    let mut st = DestStats {
        active_conns: u32_or0(dest::ACTIVE_CONNS)?,
        inact_conns: u32_or0(dest::INACT_CONNS)?,
        persist_conns: u32_or0(dest::PERSIST_CONNS)?,
        ..DestStats::default()
    };
    let stats = find(&d, dest::STATS64).or_else(|| find(&d, dest::STATS));
    if let Some(b) = stats {
        for a in attr::parse(b)? {
            let v = get_counter(a.payload());
            match a.kind & 0x3fff {
                1 => st.conns = v,
                2 => st.inpkts = v,
                3 => st.outpkts = v,
                4 => st.inbytes = v,
                5 => st.outbytes = v,
                6 => st.cps = v,
                7 => st.inpps = v,
                8 => st.outpps = v,
                9 => st.inbps = v,
                10 => st.outbps = v,
                _ => {}
            }
        }
    }
    Ok((id, attrs, st))
}
