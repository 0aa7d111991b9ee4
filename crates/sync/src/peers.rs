//! The other directors' sync traffic as a director hears it: every
//! datagram that arrives on the sync group and port, from whichever
//! director sent it (a kernel master or a kad replay), counted per sender
//! for `kactl status`. The kernel's sync protocol has no membership: who
//! sends is the only peer state there is to see. Pure: datagrams and times
//! in, a table out.

use crate::wire;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Instant;

/// What one sender has sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heard {
    /// The syncid of its last datagram.
    pub syncid: u8,
    /// Datagrams that decoded, and the connections (templates included)
    /// they carried.
    pub datagrams: u64,
    pub connections: u64,
    /// Datagrams that did not decode as the kernel's format.
    pub malformed: u64,
    /// Datagrams of another syncid than ours: a backup's kernel drops them.
    pub other_syncid: u64,
    pub first: Instant,
    pub last: Instant,
}

/// Every sender heard so far, by address.
#[derive(Debug)]
pub struct Peers {
    syncid: u8,
    heard: BTreeMap<IpAddr, Heard>,
    /// At most this many senders are kept (a flood of forged sources must
    /// not grow the table without bound); the one heard longest ago goes.
    limit: usize,
}

/// Senders kept at most.
pub const LIMIT: usize = 256;

impl Peers {
    /// `syncid`: this director's (`lvs_sync_daemon ... id N`).
    pub fn new(syncid: u8) -> Peers {
        Peers {
            syncid,
            heard: BTreeMap::new(),
            limit: LIMIT,
        }
    }

    /// A datagram from `from` at `now`.
    pub fn datagram(&mut self, from: IpAddr, b: &[u8], now: Instant) {
        if !self.heard.contains_key(&from) && self.heard.len() >= self.limit {
            if let Some(oldest) = self
                .heard
                .iter()
                .min_by_key(|(_, h)| h.last)
                .map(|(a, _)| *a)
            {
                self.heard.remove(&oldest);
            }
        }
        let h = self.heard.entry(from).or_insert(Heard {
            syncid: 0,
            datagrams: 0,
            connections: 0,
            malformed: 0,
            other_syncid: 0,
            first: now,
            last: now,
        });
        h.last = now;
        match wire::decode(b) {
            Ok(d) => {
                h.syncid = d.message.syncid;
                h.datagrams += 1;
                h.connections += d.message.conns.len() as u64;
                h.other_syncid += u64::from(d.message.syncid != self.syncid);
            }
            Err(_) => h.malformed += 1,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&IpAddr, &Heard)> {
        self.heard.iter()
    }

    pub fn get(&self, a: &IpAddr) -> Option<&Heard> {
        self.heard.get(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{encode_all, Conn};
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn conn(cport: u16) -> Conn {
        Conn {
            protocol: 6,
            cport,
            vport: 80,
            dport: 80,
            caddr: Ipv4Addr::new(10, 0, 2, 100).into(),
            vaddr: Ipv4Addr::new(10, 9, 9, 9).into(),
            daddr: Ipv4Addr::new(10, 0, 1, 21).into(),
            flags: wire::flags::DROUTE,
            state: 1,
            fwmark: 0,
            timeout: 900,
            seq: None,
            pe: None,
        }
    }

    #[test]
    fn counts_datagrams_and_connections_per_sender() {
        let t0 = Instant::now();
        let mut p = Peers::new(7);
        let d2: IpAddr = Ipv4Addr::new(10, 0, 1, 12).into();
        let d3: IpAddr = Ipv4Addr::new(10, 0, 1, 13).into();
        let conns: Vec<Conn> = (1000..1100).map(conn).collect();
        let datagrams = encode_all(7, wire::DEFAULT_MAXLEN, &conns).expect("encode");
        assert!(datagrams.len() > 1);
        for (i, d) in datagrams.iter().enumerate() {
            p.datagram(d2, d, t0 + Duration::from_millis(i as u64));
        }
        let one = encode_all(9, wire::DEFAULT_MAXLEN, &conns[..1]).expect("encode");
        p.datagram(d3, &one[0], t0 + Duration::from_secs(1));
        p.datagram(d3, b"KADTREQ1\x07\0\0\0", t0 + Duration::from_secs(2));

        let h2 = p.get(&d2).expect("d2 heard");
        assert_eq!(h2.syncid, 7);
        assert_eq!(h2.datagrams, datagrams.len() as u64);
        assert_eq!(h2.connections, 100);
        assert_eq!((h2.malformed, h2.other_syncid), (0, 0));
        assert_eq!(h2.first, t0);
        assert_eq!(
            h2.last,
            t0 + Duration::from_millis(datagrams.len() as u64 - 1)
        );
        let h3 = p.get(&d3).expect("d3 heard");
        assert_eq!((h3.syncid, h3.datagrams, h3.connections), (9, 1, 1));
        assert_eq!((h3.malformed, h3.other_syncid), (1, 1));
        assert_eq!(h3.last, t0 + Duration::from_secs(2));
        assert_eq!(p.iter().count(), 2);
    }

    #[test]
    fn a_flood_of_sources_keeps_the_table_bounded() {
        let t0 = Instant::now();
        let mut p = Peers::new(1);
        for i in 0..(LIMIT as u32 + 50) {
            let a: IpAddr = Ipv4Addr::from(0x0a00_0000 + i).into();
            p.datagram(a, &[0u8; 3], t0 + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(p.iter().count(), LIMIT);
        // The oldest went; the newest stayed.
        assert!(p.get(&Ipv4Addr::from(0x0a00_0000).into()).is_none());
        assert!(p
            .get(&Ipv4Addr::from(0x0a00_0000 + LIMIT as u32 + 49).into())
            .is_some());
    }
}
