//! Bulk replay: the connection table read from `/proc/net/ip_vs_conn`,
//! turned into sync entries a backup's kernel installs. The kernel's
//! master only sends a connection when packets move it past
//! `sync_threshold` or change its state, so a backup that starts (or
//! restarts) while connections sit idle never learns them; replaying the
//! table closes that gap. /proc lacks flags and fwmarks: they come from
//! the services as configured (a bound backup takes the forwarding method
//! from its own destination anyway).

use crate::conns::{state_number, ProcConn};
use crate::wire::{flags, Conn};
use std::collections::HashMap;
use std::net::IpAddr;

/// A service as the bulk replay needs to see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceView {
    pub key: ViewKey,
    /// Real servers: address, port and forwarding method (`flags::FWD_MASK` bits).
    pub dests: Vec<(IpAddr, u16, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViewKey {
    Addr {
        protocol: u8,
        addr: IpAddr,
        port: u16,
    },
    Fwmark(u32),
}

/// Rows left out, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// A protocol or state the sync protocol cannot say (e.g. SCTP here).
    pub state: usize,
    /// No configured service and real server matches the row.
    pub service: usize,
}

fn protocol(name: &str) -> Option<u8> {
    match name {
        "TCP" => Some(6),
        "UDP" => Some(17),
        "IP" => Some(0),
        _ => None,
    }
}

/// The services indexed for lookups by address (a replay of a million
/// rows against ten thousand services must not scan them per row).
#[derive(Clone, Debug, Default)]
pub struct Services {
    views: Vec<ServiceView>,
    /// The first view of each (protocol, address, port).
    by_addr: HashMap<(u8, IpAddr, u16), usize>,
    /// The fwmark views, in order.
    fwmarks: Vec<usize>,
}

impl Services {
    pub fn new(views: Vec<ServiceView>) -> Services {
        let (mut by_addr, mut fwmarks) = (HashMap::new(), Vec::new());
        for (i, v) in views.iter().enumerate() {
            match v.key {
                ViewKey::Addr {
                    protocol,
                    addr,
                    port,
                } => {
                    by_addr.entry((protocol, addr, port)).or_insert(i);
                }
                ViewKey::Fwmark(_) => fwmarks.push(i),
            }
        }
        Services {
            views,
            by_addr,
            fwmarks,
        }
    }

    fn fwmark(&self, mark: u32) -> Option<&ServiceView> {
        self.fwmarks
            .iter()
            .map(|&i| &self.views[i])
            .find(|s| s.key == ViewKey::Fwmark(mark))
    }

    /// The service (fwmark, forwarding method) a row belongs to: an
    /// address service first, then a fwmark service with that real server
    /// (a fwmark connection shows its real virtual address in /proc).
    fn route(&self, row: &ProcConn, proto: u8) -> Option<(u32, u32)> {
        let dest = |s: &ServiceView| {
            s.dests
                .iter()
                .find(|d| d.0 == row.daddr && d.1 == row.dport)
                .map(|d| d.2)
        };
        // A fwmark template prints its mark as the virtual address.
        if proto == 0 {
            let mark = match row.vaddr {
                IpAddr::V4(a) => u32::from(a),
                IpAddr::V6(_) => return None,
            };
            return self
                .fwmark(mark)
                .and_then(|s| Some((mark, dest(s).or_else(|| port0(s, row))?)));
        }
        let by_addr = self
            .by_addr
            .get(&(proto, row.vaddr, row.vport))
            .map(|&i| &self.views[i]);
        if let Some(fwd) = by_addr.and_then(|s| dest(s).or_else(|| port0(s, row))) {
            return Some((0, fwd));
        }
        self.fwmarks
            .iter()
            .map(|&i| &self.views[i])
            .find_map(|s| match s.key {
                ViewKey::Fwmark(m) => dest(s).or_else(|| port0(s, row)).map(|f| (m, f)),
                _ => None,
            })
    }
}

/// Templates (and DR/TUN servers of port-0 services) show port 0.
fn port0(s: &ServiceView, row: &ProcConn) -> Option<u32> {
    s.dests
        .iter()
        .find(|d| d.0 == row.daddr && (row.dport == 0 || d.1 == 0))
        .map(|d| d.2)
}

/// Why a row is left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// A protocol or state the sync protocol cannot say.
    State,
    /// No configured service and real server matches it.
    Service,
}

impl Skipped {
    pub fn count(&mut self, why: Skip) {
        match why {
            Skip::State => self.state += 1,
            Skip::Service => self.service += 1,
        }
    }
}

/// One row as a sync entry.
pub fn entry(r: &ProcConn, services: &Services) -> Result<Conn, Skip> {
    let template = r.is_template();
    let (Some(proto), Some(state)) = (
        protocol(&r.proto),
        state_number(&r.proto, &r.state, template),
    ) else {
        return Err(Skip::State);
    };
    let (fwmark, fwd) = services.route(r, proto).ok_or(Skip::Service)?;
    let fwd = fwd & flags::FWD_MASK;
    // As the kernel's destinations set them (__ip_vs_update_dest).
    let mut f = fwd;
    if fwd != flags::MASQ {
        f |= flags::NOOUTPUT;
    }
    if template {
        f |= flags::TEMPLATE;
    } else if !(proto == 6 && state == 1) {
        // Only an established TCP connection is active.
        f |= flags::INACTIVE;
    }
    Ok(Conn {
        protocol: proto,
        flags: f,
        state,
        caddr: r.caddr,
        cport: r.cport,
        vaddr: r.vaddr,
        vport: r.vport,
        daddr: r.daddr,
        dport: r.dport,
        fwmark,
        // 0 would mean "the protocol's default" to the backup.
        timeout: r.expires.max(1),
        seq: None,
        pe: r
            .pe
            .as_ref()
            .map(|(n, d)| (n.clone(), d.as_bytes().to_vec())),
    })
}

/// Turn rows into sync entries (templates first, so a backup holds a
/// client's persistence before its connections).
pub fn entries(rows: &[ProcConn], services: &[ServiceView]) -> (Vec<Conn>, Skipped) {
    let services = Services::new(services.to_vec());
    let mut skipped = Skipped::default();
    let mut out: Vec<Conn> = Vec::with_capacity(rows.len());
    for r in rows {
        match entry(r, &services) {
            Ok(c) => out.push(c),
            Err(why) => skipped.count(why),
        }
    }
    out.sort_by_key(|c| c.flags & flags::TEMPLATE == 0);
    (out, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conns::parse;

    fn services() -> Vec<ServiceView> {
        vec![
            ServiceView {
                key: ViewKey::Addr {
                    protocol: 6,
                    addr: "192.0.2.1".parse().unwrap(),
                    port: 80,
                },
                dests: vec![("10.0.0.2".parse().unwrap(), 80, flags::DROUTE)],
            },
            ServiceView {
                key: ViewKey::Addr {
                    protocol: 17,
                    addr: "192.0.2.1".parse().unwrap(),
                    port: 53,
                },
                dests: vec![("10.0.0.3".parse().unwrap(), 53, flags::MASQ)],
            },
            ServiceView {
                key: ViewKey::Fwmark(1),
                dests: vec![("10.0.0.4".parse().unwrap(), 0, flags::TUNNEL)],
            },
        ]
    }

    const TABLE: &str = "\
Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C6336407 9C40 C0000201 0050 0A000002 0050 ESTABLISHED     899
TCP C6336407 9C41 C0000201 0050 0A000002 0050 FIN_WAIT         50
TCP C6336407 0000 C0000201 0050 0A000002 0050 NONE            299
UDP 0A004FB6 A000 C0000201 0035 0A000003 0035 UDP               0
IP  C6336407 0000 00000001 0000 0A000004 0000 ASSURED          60
TCP C6336407 9C42 C0000209 01BB 0A000004 01BB ESTABLISHED     700
TCP C6336407 9C43 C0000299 0050 0A000099 0050 ESTABLISHED     700
SCTP C6336407 9C44 C0000201 0050 0A000002 0050 ESTABLISHED    700
";

    #[test]
    fn rows_become_entries_with_flags_fwmarks_and_timeouts() {
        let (rows, errs) = parse(TABLE);
        assert!(errs.is_empty());
        let (e, skipped) = entries(&rows, &services());
        assert_eq!(
            skipped,
            Skipped {
                state: 1,
                service: 1
            }
        );
        let summary: Vec<(u16, u32, u32, u32)> = e
            .iter()
            .map(|c| (c.cport, c.flags, c.fwmark, c.timeout))
            .collect();
        assert_eq!(
            summary,
            [
                // Templates first: DR address service, then the fwmark one.
                (0, 0x1083, 0, 299),
                (0, 0x1082, 1, 60),
                // Established DR: active; FIN_WAIT: inactive.
                (40000, 0x83, 0, 899),
                (40001, 0x183, 0, 50),
                // UDP NAT: inactive, expiry 0 sent as 1 s.
                (40960, 0x100, 0, 1),
                // A connection of the fwmark service (its real VIP shows).
                (40002, 0x82, 1, 700),
            ]
        );
        assert_eq!(e[1].protocol, 0);
        assert_eq!(e[4].protocol, 17);
    }

    #[test]
    fn entries_survive_the_wire_as_a_backup_reads_them() {
        let (rows, _) = parse(TABLE);
        let (e, _) = entries(&rows, &services());
        let d = crate::wire::encode_all(5, crate::wire::DEFAULT_MAXLEN, &e).unwrap();
        let back: Vec<Conn> = d
            .iter()
            .flat_map(|m| crate::wire::decode(m).unwrap().message.conns)
            .collect();
        assert_eq!(back, e);
    }
}
