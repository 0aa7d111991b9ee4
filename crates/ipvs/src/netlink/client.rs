//! A synchronous IPVS client over a generic-netlink socket: resolve the
//! family, send requests (many in one batch), read acknowledgements and
//! dumps. IPVS is reconfigured rarely; the daemon runs this on a blocking
//! thread.

use super::msg::IpvsMessage;
use crate::reconcile::Op;
use crate::table::{Service, Table};
use netlink_packet_core::{NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

#[derive(Debug, thiserror::Error)]
pub enum IpvsError {
    #[error("this kernel has no IPVS (the generic netlink family \"IPVS\" does not exist)")]
    NotAvailable,
    #[error("the kernel refused {what}: {}", errno_text(*.errno, .what))]
    Kernel { what: String, errno: i32 },
    #[error("netlink: {0}")]
    Io(#[from] std::io::Error),
    #[error("unreadable netlink reply: {0}")]
    Decode(String),
}

impl IpvsError {
    pub fn errno(&self) -> Option<i32> {
        match self {
            IpvsError::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// What an errno means for IPVS (ip_vs_ctl.c), as ipvsadm explains it.
fn errno_text(e: i32, what: &str) -> String {
    let name = std::io::Error::from_raw_os_error(e).to_string();
    let meaning = match e {
        libc::EEXIST => "it already exists",
        libc::ESRCH => "no such service",
        libc::ENOENT if what.contains("service") => {
            "scheduler or persistence engine module not found (or no such destination)"
        }
        libc::ENOENT => "no such destination",
        libc::EINVAL => "invalid argument",
        libc::ERANGE => "value out of range (weight, or lower threshold above upper)",
        libc::EPERM => "needs CAP_NET_ADMIN",
        libc::ENODEV => "no such interface",
        _ => "",
    };
    if meaning.is_empty() {
        name
    } else {
        format!("{meaning} ({name})")
    }
}

pub struct Client {
    sock: Socket,
    family: u16,
    seq: u32,
}

impl Client {
    /// Open a socket and resolve the IPVS family.
    pub fn open() -> Result<Client, IpvsError> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        let mut c = Client {
            sock,
            family: 0,
            seq: 0,
        };
        c.family = c.resolve()?;
        Ok(c)
    }

    fn resolve(&mut self) -> Result<u16, IpvsError> {
        let mut g = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName("IPVS".into())],
        });
        g.finalize();
        let mut m = NetlinkMessage::from(g);
        m.header.flags = NLM_F_REQUEST | NLM_F_ACK;
        self.seq += 1;
        m.header.sequence_number = self.seq;
        m.finalize();
        let mut buf = vec![0u8; m.buffer_len()];
        m.serialize(&mut buf);
        self.sock.send(&buf, 0)?;
        let mut rx = Vec::with_capacity(16384);
        loop {
            rx.clear();
            let n = self.sock.recv(&mut rx, 0)?;
            let mut off = 0;
            while off < n {
                let msg = NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(&rx[off..n])
                    .map_err(|e| IpvsError::Decode(e.to_string()))?;
                let len = msg.header.length as usize;
                match msg.payload {
                    NetlinkPayload::InnerMessage(g) => {
                        for a in g.payload.nlas {
                            if let GenlCtrlAttrs::FamilyId(id) = a {
                                return Ok(id);
                            }
                        }
                    }
                    NetlinkPayload::Error(e) => {
                        return match e.code {
                            Some(c) if c.get() == -libc::ENOENT => Err(IpvsError::NotAvailable),
                            Some(c) => Err(IpvsError::Kernel {
                                what: "resolving IPVS".into(),
                                errno: -c.get(),
                            }),
                            None => Err(IpvsError::NotAvailable),
                        };
                    }
                    _ => {}
                }
                if len == 0 {
                    break;
                }
                off += len;
            }
        }
    }

    fn encode(&mut self, m: IpvsMessage, flags: u16) -> (u32, Vec<u8>) {
        let mut g = GenlMessage::from_payload(m);
        g.set_resolved_family_id(self.family);
        g.finalize();
        let mut nl = NetlinkMessage::from(g);
        nl.header.flags = flags;
        self.seq += 1;
        nl.header.sequence_number = self.seq;
        nl.finalize();
        let mut buf = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut buf);
        (self.seq, buf)
    }

    /// Read replies until every sequence number in `pending` is answered;
    /// data messages go to `data`, errors into the result by sequence.
    fn collect(
        &mut self,
        pending: &[u32],
        dump: bool,
        data: &mut Vec<IpvsMessage>,
    ) -> Result<Vec<(u32, i32)>, IpvsError> {
        let mut open: std::collections::BTreeSet<u32> = pending.iter().copied().collect();
        let mut errors = Vec::new();
        let mut rx = Vec::with_capacity(65536);
        while !open.is_empty() {
            rx.clear();
            let n = self.sock.recv(&mut rx, 0)?;
            let mut off = 0;
            while off < n {
                let msg = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&rx[off..n])
                    .map_err(|e| IpvsError::Decode(e.to_string()))?;
                let len = msg.header.length as usize;
                let seq = msg.header.sequence_number;
                match msg.payload {
                    NetlinkPayload::InnerMessage(g) => data.push(g.payload),
                    NetlinkPayload::Error(e) => {
                        if let Some(c) = e.code {
                            errors.push((seq, -c.get()));
                        }
                        if !dump || e.code.is_some() {
                            open.remove(&seq);
                        }
                    }
                    NetlinkPayload::Done(_) => {
                        open.remove(&seq);
                    }
                    _ => {}
                }
                if len == 0 {
                    break;
                }
                off += len;
            }
        }
        Ok(errors)
    }

    /// One request, acknowledged.
    pub fn request(&mut self, m: IpvsMessage, what: &str) -> Result<(), IpvsError> {
        let (seq, buf) = self.encode(m, NLM_F_REQUEST | NLM_F_ACK);
        self.sock.send(&buf, 0)?;
        let errs = self.collect(&[seq], false, &mut Vec::new())?;
        match errs.first() {
            Some((_, errno)) => Err(IpvsError::Kernel {
                what: what.into(),
                errno: *errno,
            }),
            None => Ok(()),
        }
    }

    /// A dump request: every reply message.
    pub fn dump(&mut self, m: IpvsMessage) -> Result<Vec<IpvsMessage>, IpvsError> {
        let (seq, buf) = self.encode(m, NLM_F_REQUEST | NLM_F_DUMP);
        self.sock.send(&buf, 0)?;
        let mut data = Vec::new();
        let errs = self.collect(&[seq], true, &mut data)?;
        if let Some((_, errno)) = errs.first() {
            return Err(IpvsError::Kernel {
                what: "a dump".into(),
                errno: *errno,
            });
        }
        Ok(data)
    }

    /// Apply operations in batches (many messages per send); the result of
    /// each, in order.
    pub fn apply(&mut self, ops: &[Op]) -> Vec<Result<(), IpvsError>> {
        let mut results = Vec::with_capacity(ops.len());
        for chunk in ops.chunks(256) {
            let mut batch = Vec::new();
            let mut seqs = Vec::new();
            for op in chunk {
                let (seq, buf) = self.encode(IpvsMessage::from_op(op), NLM_F_REQUEST | NLM_F_ACK);
                batch.extend_from_slice(&buf);
                seqs.push(seq);
            }
            if let Err(e) = self.sock.send(&batch, 0) {
                let msg = e.to_string();
                results.extend(
                    chunk
                        .iter()
                        .map(|_| Err(IpvsError::Io(std::io::Error::other(msg.clone())))),
                );
                continue;
            }
            match self.collect(&seqs, false, &mut Vec::new()) {
                Ok(errs) => {
                    for (op, seq) in chunk.iter().zip(&seqs) {
                        results.push(match errs.iter().find(|(s, _)| s == seq) {
                            Some((_, errno)) => Err(IpvsError::Kernel {
                                what: describe(op),
                                errno: *errno,
                            }),
                            None => Ok(()),
                        });
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    results.extend(chunk.iter().map(|_| Err(IpvsError::Decode(msg.clone()))));
                }
            }
        }
        results
    }

    /// The kernel's whole table (services, then each one's destinations).
    pub fn table(&mut self) -> Result<Table, IpvsError> {
        let mut t = Table::default();
        for m in self.dump(IpvsMessage::dump_services())? {
            let (id, attrs) =
                super::msg::parse_service(&m).map_err(|e| IpvsError::Decode(e.to_string()))?;
            t.services.insert(
                id,
                Service {
                    attrs,
                    dests: Default::default(),
                },
            );
        }
        let ids: Vec<_> = t.services.keys().cloned().collect();
        for id in ids {
            for m in self.dump(IpvsMessage::dump_dests(&id))? {
                let (d, a, _) = super::msg::parse_dest(&m, id.is_ipv6())
                    .map_err(|e| IpvsError::Decode(e.to_string()))?;
                if let Some(s) = t.services.get_mut(&id) {
                    s.dests.insert(d, a);
                }
            }
        }
        Ok(t)
    }
}

/// A running sync daemon, as `GET_DAEMON` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Daemon {
    /// 1 master, 2 backup.
    pub state: u32,
    pub ifname: String,
    pub sync_id: u32,
}

impl Client {
    /// IPVS version (e.g. 0x010201) and connection table size.
    pub fn info(&mut self) -> Result<(u32, u32), IpvsError> {
        let (seq, buf) = self.encode(IpvsMessage::get_info(), NLM_F_REQUEST);
        self.sock.send(&buf, 0)?;
        let mut data = Vec::new();
        let errs = self.collect(&[seq], false, &mut data)?;
        if let Some((_, errno)) = errs.first() {
            return Err(IpvsError::Kernel {
                what: "reading IPVS info".into(),
                errno: *errno,
            });
        }
        let m = data
            .first()
            .ok_or_else(|| IpvsError::Decode("no info reply".into()))?;
        let get = |k: u16| {
            m.attrs
                .iter()
                .find(|a| a.kind & 0x3fff == k)
                .map(|a| super::attr::get_u32(a.payload()))
        };
        let version = get(1)
            .transpose()
            .map_err(|e| IpvsError::Decode(e.to_string()))?
            .unwrap_or(0);
        let size = get(2)
            .transpose()
            .map_err(|e| IpvsError::Decode(e.to_string()))?
            .unwrap_or(0);
        Ok((version, size))
    }

    /// The connection timeouts (tcp, tcpfin, udp) in seconds.
    pub fn timeouts(&mut self) -> Result<(u32, u32, u32), IpvsError> {
        let (seq, buf) = self.encode(
            IpvsMessage::new(super::msg::cmd::GET_CONFIG, vec![]),
            NLM_F_REQUEST,
        );
        self.sock.send(&buf, 0)?;
        let mut data = Vec::new();
        let errs = self.collect(&[seq], false, &mut data)?;
        if let Some((_, errno)) = errs.first() {
            return Err(IpvsError::Kernel {
                what: "reading IPVS timeouts".into(),
                errno: *errno,
            });
        }
        let m = data
            .first()
            .ok_or_else(|| IpvsError::Decode("no config reply".into()))?;
        let get = |k: u16| {
            m.attrs
                .iter()
                .find(|a| a.kind & 0x3fff == k)
                .map_or(Ok(0), |a| super::attr::get_u32(a.payload()))
        };
        let d = |e: netlink_packet_core::DecodeError| IpvsError::Decode(e.to_string());
        Ok((get(4).map_err(d)?, get(5).map_err(d)?, get(6).map_err(d)?))
    }

    /// The sync daemons running now.
    pub fn daemons(&mut self) -> Result<Vec<Daemon>, IpvsError> {
        let mut out = Vec::new();
        for m in self.dump(IpvsMessage::new(super::msg::cmd::GET_DAEMON, vec![]))? {
            let Some(nest) = m
                .attrs
                .iter()
                .find(|a| a.kind & 0x3fff == super::msg::cmd_attr::DAEMON)
            else {
                continue;
            };
            let attrs =
                super::attr::parse(nest.payload()).map_err(|e| IpvsError::Decode(e.to_string()))?;
            let find = |k: u16| {
                attrs
                    .iter()
                    .find(|a| a.kind & 0x3fff == k)
                    .map(|a| a.payload().to_vec())
            };
            out.push(Daemon {
                state: find(1)
                    .map(|b| super::attr::get_u32(&b).unwrap_or(0))
                    .unwrap_or(0),
                ifname: find(2)
                    .map(|b| super::attr::get_string(&b))
                    .unwrap_or_default(),
                sync_id: find(3)
                    .map(|b| super::attr::get_u32(&b).unwrap_or(0))
                    .unwrap_or(0),
            });
        }
        Ok(out)
    }
}

/// One service as dumped, with its destinations and their counters.
pub struct DumpedService {
    pub id: crate::table::SvcId,
    pub attrs: crate::table::ServiceAttrs,
    pub dests: Vec<(
        crate::table::DestId,
        crate::table::DestAttrs,
        super::msg::DestStats,
    )>,
}

impl Client {
    /// The table with every destination's connection counts and rates.
    pub fn dump_with_stats(&mut self) -> Result<Vec<DumpedService>, IpvsError> {
        let mut out = Vec::new();
        for m in self.dump(IpvsMessage::dump_services())? {
            let (id, attrs) =
                super::msg::parse_service(&m).map_err(|e| IpvsError::Decode(e.to_string()))?;
            let mut dests = Vec::new();
            for d in self.dump(IpvsMessage::dump_dests(&id))? {
                dests.push(
                    super::msg::parse_dest(&d, id.is_ipv6())
                        .map_err(|e| IpvsError::Decode(e.to_string()))?,
                );
            }
            out.push(DumpedService { id, attrs, dests });
        }
        Ok(out)
    }
}

fn describe(op: &Op) -> String {
    match op {
        Op::NewService(id, a) => format!("adding service {id} (scheduler {})", a.scheduler),
        Op::SetService(id, _) => format!("changing service {id}"),
        Op::DelService(id) => format!("removing service {id}"),
        Op::NewDest(id, d, _) => {
            format!("adding destination {}:{} to service {id}", d.addr, d.port)
        }
        Op::SetDest(id, d, _) => {
            format!("changing destination {}:{} of service {id}", d.addr, d.port)
        }
        Op::DelDest(id, d) => format!(
            "removing destination {}:{} from service {id}",
            d.addr, d.port
        ),
    }
}
