//! The kernel's IPVS connection-sync datagrams (net/netfilter/ipvs/
//! ip_vs_sync.c): version 1 encoded and decoded, version 0 decoded.
//! Decoding applies the backup kernel's checks, so what we accept is what
//! a kernel backup would accept; anything malformed is an error value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use thiserror::Error;

/// Connection flags a backup keeps (`IP_VS_CONN_F_*` in the uapi header).
pub mod flags {
    pub const FWD_MASK: u32 = 0x0007;
    pub const MASQ: u32 = 0x0000;
    pub const LOCALNODE: u32 = 0x0001;
    pub const TUNNEL: u32 = 0x0002;
    pub const DROUTE: u32 = 0x0003;
    pub const NOOUTPUT: u32 = 0x0080;
    pub const INACTIVE: u32 = 0x0100;
    pub const SEQ_MASK: u32 = 0x0600;
    pub const NO_CPORT: u32 = 0x0800;
    pub const TEMPLATE: u32 = 0x1000;
    /// `IP_VS_CONN_F_BACKUP_MASK`: every other bit is cleared by a backup.
    pub const BACKUP_MASK: u32 = FWD_MASK | NOOUTPUT | INACTIVE | SEQ_MASK | NO_CPORT | TEMPLATE;
}

/// Default multicast group and port of the kernel's sync daemons.
pub const DEFAULT_GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 81);
pub const DEFAULT_PORT: u16 = 8848;
/// The master's default `sync_maxlen` on a 1500-byte MTU (IPv4).
pub const DEFAULT_MAXLEN: usize = 1500 - 20 - 8;

const HDR_V1: usize = 8;
const HDR_V0: usize = 4;
const FIXED_V4: usize = 36;
const FIXED_V6: usize = 72;
const OPT_SEQ: u8 = 1;
const OPT_PE_DATA: u8 = 2;
const OPT_PE_NAME: u8 = 3;
const OPT_OPTIONAL: u8 = 0x40;
const SEQ_LEN: usize = 24;

/// One connection (or persistence template) as the sync protocol carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conn {
    pub protocol: u8,
    pub flags: u32,
    pub state: u16,
    pub caddr: IpAddr,
    pub cport: u16,
    pub vaddr: IpAddr,
    pub vport: u16,
    pub daddr: IpAddr,
    pub dport: u16,
    pub fwmark: u32,
    /// Seconds; 0 lets the backup use its protocol's default for the state.
    pub timeout: u32,
    /// `ip_vs_sync_conn_options` (in_seq, out_seq), network order.
    pub seq: Option<[u8; SEQ_LEN]>,
    /// Persistence engine name and data (e.g. "sip" and a Call-ID).
    pub pe: Option<(String, Vec<u8>)>,
}

/// One datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub syncid: u8,
    pub conns: Vec<Conn>,
}

/// Why a datagram (or the rest of it) was refused.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("datagram of {0} bytes is shorter than a header")]
    Short(usize),
    #[error("header size {header} differs from the datagram's {got} bytes")]
    Size { header: usize, got: usize },
    #[error("entry {0} runs past the datagram")]
    Truncated(usize),
    #[error("entry {0} has version bits set")]
    EntryVersion(usize),
    #[error("entry {0} has unknown type {1}")]
    EntryType(usize, u8),
    #[error("entry {0} has a malformed option")]
    BadOption(usize),
}

/// Why a connection cannot be encoded.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("addresses of one connection mix IPv4 and IPv6")]
    MixedFamily,
    #[error("persistence engine name longer than 16 bytes or data longer than 255")]
    PeTooLong,
    #[error("connection of {0} bytes does not fit in a datagram of {1}")]
    TooBig(usize, usize),
}

impl Conn {
    fn is_v6(&self) -> bool {
        self.caddr.is_ipv6()
    }

    /// The entry's length without its alignment pad (`ver_size`).
    pub fn wire_len(&self) -> usize {
        let mut n = if self.is_v6() { FIXED_V6 } else { FIXED_V4 };
        if self.seq.is_some() {
            n += 2 + SEQ_LEN;
        }
        if let Some((name, data)) = &self.pe {
            n += 2 + data.len() + 2 + name.len();
        }
        n
    }

    fn check(&self) -> Result<(), EncodeError> {
        let v6 = self.is_v6();
        if self.vaddr.is_ipv6() != v6 || self.daddr.is_ipv6() != v6 {
            return Err(EncodeError::MixedFamily);
        }
        if let Some((name, data)) = &self.pe {
            if name.len() > 16 || name.is_empty() || data.len() > 255 || data.is_empty() {
                return Err(EncodeError::PeTooLong);
            }
        }
        Ok(())
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.is_v6()));
        out.push(self.protocol);
        out.extend_from_slice(&(self.wire_len() as u16 & 0x0fff).to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&self.state.to_be_bytes());
        out.extend_from_slice(&self.cport.to_be_bytes());
        out.extend_from_slice(&self.vport.to_be_bytes());
        out.extend_from_slice(&self.dport.to_be_bytes());
        out.extend_from_slice(&self.fwmark.to_be_bytes());
        out.extend_from_slice(&self.timeout.to_be_bytes());
        for a in [self.caddr, self.vaddr, self.daddr] {
            match a {
                IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
                IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
            }
        }
        if let Some(seq) = &self.seq {
            out.extend_from_slice(&[OPT_SEQ, SEQ_LEN as u8]);
            out.extend_from_slice(seq);
        }
        if let Some((name, data)) = &self.pe {
            out.extend_from_slice(&[OPT_PE_DATA, data.len() as u8]);
            out.extend_from_slice(data);
            out.extend_from_slice(&[OPT_PE_NAME, name.len() as u8]);
            out.extend_from_slice(name.as_bytes());
        }
    }
}

/// Packs connections into version-1 datagrams of at most `maxlen` bytes
/// and 255 connections each, as the kernel's master fills its buffers.
pub struct Packer {
    syncid: u8,
    maxlen: usize,
    buf: Vec<u8>,
    count: u8,
}

impl Packer {
    pub fn new(syncid: u8, maxlen: usize) -> Packer {
        Packer {
            syncid,
            maxlen: maxlen.clamp(HDR_V1 + FIXED_V4, 65535 - 28),
            buf: Vec::new(),
            count: 0,
        }
    }

    /// Add one connection; returns a full datagram when this one did not
    /// fit in the current one.
    pub fn push(&mut self, c: &Conn) -> Result<Option<Vec<u8>>, EncodeError> {
        c.check()?;
        let len = c.wire_len();
        if HDR_V1 + len > self.maxlen {
            return Err(EncodeError::TooBig(len, self.maxlen));
        }
        let pad = (4 - self.buf.len() % 4) % 4;
        let full =
            !self.buf.is_empty() && (self.buf.len() + pad + len > self.maxlen || self.count == 255);
        let done = if full { self.finish() } else { None };
        if self.buf.is_empty() {
            self.buf
                .extend_from_slice(&[0, self.syncid, 0, 0, 0, 1, 0, 0]);
        }
        // The pad goes before the entry and counts in the header's size.
        let pad = (4 - self.buf.len() % 4) % 4;
        self.buf.resize(self.buf.len() + pad, 0);
        c.encode_into(&mut self.buf);
        self.count += 1;
        Ok(done)
    }

    /// The datagram being filled, if any.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        if self.buf.is_empty() {
            return None;
        }
        let mut b = std::mem::take(&mut self.buf);
        let size = b.len() as u16;
        b[2..4].copy_from_slice(&size.to_be_bytes());
        b[4] = self.count;
        self.count = 0;
        Some(b)
    }
}

/// Encode connections into as many datagrams as they need.
pub fn encode_all(syncid: u8, maxlen: usize, conns: &[Conn]) -> Result<Vec<Vec<u8>>, EncodeError> {
    let mut p = Packer::new(syncid, maxlen);
    let mut out = Vec::new();
    for c in conns {
        out.extend(p.push(c)?);
    }
    out.extend(p.finish());
    Ok(out)
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn addr(b: &[u8], v6: bool) -> IpAddr {
    if v6 {
        let mut o = [0u8; 16];
        o.copy_from_slice(&b[..16]);
        IpAddr::V6(Ipv6Addr::from(o))
    } else {
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    }
}

/// What a backup takes from one datagram: the message, and the entries it
/// skipped (a bad entry drops itself; a broken layout drops the rest).
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    pub message: Message,
    pub version: u8,
    /// Entries dropped on their own (unknown mandatory option, PE data
    /// without a name).
    pub skipped: usize,
    /// Set when the rest of the datagram was dropped at an entry.
    pub stopped: Option<DecodeError>,
}

impl Decoded {
    fn new(syncid: u8, version: u8, entries: usize) -> Decoded {
        Decoded {
            message: Message {
                syncid,
                conns: Vec::with_capacity(entries),
            },
            version,
            skipped: 0,
            stopped: None,
        }
    }
}

/// Decode a datagram as a kernel backup would (`ip_vs_process_message`).
pub fn decode(b: &[u8]) -> Result<Decoded, DecodeError> {
    if b.len() < HDR_V0 {
        return Err(DecodeError::Short(b.len()));
    }
    let size = usize::from(be16(b, 2));
    if size != b.len() {
        return Err(DecodeError::Size {
            header: size,
            got: b.len(),
        });
    }
    let syncid = b[1];
    if b.len() >= HDR_V1 && b[5] == 1 && b[0] == 0 && be16(b, 6) == 0 {
        decode_v1(b, syncid)
    } else {
        Ok(decode_v0(b, syncid))
    }
}

fn decode_v1(b: &[u8], syncid: u8) -> Result<Decoded, DecodeError> {
    let n = usize::from(b[4]);
    let mut d = Decoded::new(syncid, 1, n);
    let mut p = HDR_V1;
    for i in 0..n {
        // Entries start on 4-byte boundaries.
        p = (p + 3) & !3;
        if p + FIXED_V4 > b.len() {
            d.stopped = Some(DecodeError::Truncated(i));
            break;
        }
        let e = &b[p..];
        let ver_size = be16(e, 2);
        let size = usize::from(ver_size & 0x0fff);
        if ver_size >> 12 != 0 {
            d.stopped = Some(DecodeError::EntryVersion(i));
            break;
        }
        if p + size > b.len() {
            d.stopped = Some(DecodeError::Truncated(i));
            break;
        }
        let v6 = match e[0] {
            0 => false,
            1 => true,
            t => {
                d.stopped = Some(DecodeError::EntryType(i, t));
                break;
            }
        };
        let fixed = if v6 { FIXED_V6 } else { FIXED_V4 };
        if size < fixed {
            d.stopped = Some(DecodeError::Truncated(i));
            break;
        }
        let al = if v6 { 16 } else { 4 };
        let mut c = Conn {
            protocol: e[1],
            flags: be32(e, 4),
            state: be16(e, 8),
            cport: be16(e, 10),
            vport: be16(e, 12),
            dport: be16(e, 14),
            fwmark: be32(e, 16),
            timeout: be32(e, 20),
            caddr: addr(&e[24..], v6),
            vaddr: addr(&e[24 + al..], v6),
            daddr: addr(&e[24 + 2 * al..], v6),
            seq: None,
            pe: None,
        };
        match options(&e[fixed..size], &mut c) {
            Ok(true) => d.message.conns.push(c),
            Ok(false) => d.skipped += 1,
            Err(()) => {
                d.stopped = Some(DecodeError::BadOption(i));
                break;
            }
        }
        p += size;
    }
    Ok(d)
}

/// The options after an entry's fixed part. Ok(false): the entry is
/// skipped; Err: the rest of the datagram is dropped.
fn options(mut o: &[u8], c: &mut Conn) -> Result<bool, ()> {
    let (mut pe_data, mut pe_name) = (None, None);
    let mut keep = true;
    while !o.is_empty() {
        if o.len() < 2 {
            return Err(());
        }
        let (ty, len) = (o[0], usize::from(o[1]));
        if len == 0 || 2 + len > o.len() {
            return Err(());
        }
        let data = &o[2..2 + len];
        match ty & !OPT_OPTIONAL {
            OPT_SEQ if len == SEQ_LEN => {
                let mut s = [0u8; SEQ_LEN];
                s.copy_from_slice(data);
                c.seq = Some(s);
            }
            OPT_SEQ => return Err(()),
            OPT_PE_DATA => pe_data = Some(data.to_vec()),
            OPT_PE_NAME if len <= 16 => pe_name = Some(String::from_utf8_lossy(data).into_owned()),
            OPT_PE_NAME => return Err(()),
            _ if ty & OPT_OPTIONAL != 0 => {}
            // An unknown mandatory option drops the entry, not the rest.
            _ => keep = false,
        }
        o = &o[2 + len..];
    }
    match (pe_name, pe_data) {
        (Some(n), Some(d)) => c.pe = Some((n, d)),
        (None, Some(_)) => keep = false,
        _ => {}
    }
    Ok(keep)
}

/// Version 0: 24-byte IPv4 entries, 16-bit flags, options raw after an
/// entry whose flags carry SEQ_MASK; no timeout nor fwmark.
fn decode_v0(b: &[u8], syncid: u8) -> Decoded {
    let n = usize::from(b[0]);
    let mut d = Decoded::new(syncid, 0, n);
    let mut p = HDR_V0;
    for i in 0..n {
        if p + 24 > b.len() {
            d.stopped = Some(DecodeError::Truncated(i));
            break;
        }
        let e = &b[p..];
        let flags = u32::from(be16(e, 20));
        let mut c = Conn {
            protocol: e[1],
            flags,
            state: be16(e, 22),
            cport: be16(e, 2),
            vport: be16(e, 4),
            dport: be16(e, 6),
            fwmark: 0,
            timeout: 0,
            caddr: addr(&e[8..], false),
            vaddr: addr(&e[12..], false),
            daddr: addr(&e[16..], false),
            seq: None,
            pe: None,
        };
        p += 24;
        if flags & flags::SEQ_MASK != 0 {
            if p + SEQ_LEN > b.len() {
                d.stopped = Some(DecodeError::Truncated(i));
                break;
            }
            let mut s = [0u8; SEQ_LEN];
            s.copy_from_slice(&b[p..p + SEQ_LEN]);
            c.seq = Some(s);
            p += SEQ_LEN;
        }
        d.message.conns.push(c);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn dr_conn() -> Conn {
        Conn {
            protocol: 6,
            flags: flags::DROUTE | flags::NOOUTPUT,
            state: 1,
            caddr: "198.51.100.7".parse().unwrap(),
            cport: 40000,
            vaddr: "192.0.2.1".parse().unwrap(),
            vport: 80,
            daddr: "10.0.0.2".parse().unwrap(),
            dport: 80,
            fwmark: 0,
            timeout: 900,
            seq: None,
            pe: None,
        }
    }

    /// The byte example of a DR TCP connection and its persistence
    /// template (syncid 7), written from the kernel's struct layout.
    const EXAMPLE: &str = "00 07 00 50 02 01 00 00
        00 06 00 24 00 00 00 83 00 01 9c 40 00 50 00 50
        00 00 00 00 00 00 03 84 c6 33 64 07 c0 00 02 01 0a 00 00 02
        00 06 00 24 00 00 10 03 00 00 00 00 00 50 00 50
        00 00 00 00 00 00 01 2c c6 33 64 07 c0 00 02 01 0a 00 00 02";

    fn template() -> Conn {
        Conn {
            flags: flags::TEMPLATE | flags::DROUTE,
            state: 0,
            cport: 0,
            timeout: 300,
            ..dr_conn()
        }
    }

    #[test]
    fn encodes_the_reference_example_byte_for_byte() {
        let d = encode_all(7, DEFAULT_MAXLEN, &[dr_conn(), template()]).unwrap();
        assert_eq!(d, vec![hex(EXAMPLE)]);
    }

    #[test]
    fn decodes_the_reference_example() {
        let d = decode(&hex(EXAMPLE)).unwrap();
        assert_eq!(d.version, 1);
        assert_eq!(d.message.syncid, 7);
        assert_eq!(d.message.conns, vec![dr_conn(), template()]);
        assert_eq!((d.skipped, d.stopped), (0, None));
    }

    #[test]
    fn options_pad_and_ipv6_round_trip() {
        let v6 = Conn {
            caddr: "2001:db8::7".parse().unwrap(),
            vaddr: "2001:db8::1".parse().unwrap(),
            daddr: "2001:db8:1::2".parse().unwrap(),
            seq: Some([9; 24]),
            pe: Some(("sip".into(), b"call-1".to_vec())),
            ..dr_conn()
        };
        let with_seq = Conn {
            seq: Some([1; 24]),
            ..dr_conn()
        };
        let conns = vec![with_seq, v6, dr_conn()];
        let d = encode_all(3, DEFAULT_MAXLEN, &conns).unwrap();
        assert_eq!(d.len(), 1);
        // The second entry starts after a 2-byte pad (36 + 26 = 62).
        assert_eq!(usize::from(be16(&d[0], 2)), d[0].len());
        let back = decode(&d[0]).unwrap();
        assert_eq!(back.message.conns, conns);
    }

    #[test]
    fn packs_within_maxlen_and_255_entries() {
        let conns: Vec<Conn> = (0..1000u16)
            .map(|i| Conn {
                cport: i,
                ..dr_conn()
            })
            .collect();
        let d = encode_all(1, DEFAULT_MAXLEN, &conns).unwrap();
        // 8 + 40 × 36 = 1448 ≤ 1472: 40 per datagram.
        assert_eq!(d.len(), 25);
        assert!(d.iter().all(|m| m.len() <= DEFAULT_MAXLEN));
        let back: Vec<Conn> = d
            .iter()
            .flat_map(|m| decode(m).unwrap().message.conns)
            .collect();
        assert_eq!(back, conns);
        let d = encode_all(1, 65000, &conns).unwrap();
        assert_eq!(d[0][4], 255);
        assert_eq!(d.len(), 4);
    }

    #[test]
    fn refusals_follow_the_backup_kernel() {
        let good = hex(EXAMPLE);
        assert_eq!(decode(&good[..3]), Err(DecodeError::Short(3)));
        assert!(matches!(decode(&good[..60]), Err(DecodeError::Size { .. })));
        // Entry type 2: the rest dropped.
        let mut b = good.clone();
        b[8] = 2;
        let d = decode(&b).unwrap();
        assert_eq!(d.stopped, Some(DecodeError::EntryType(0, 2)));
        assert!(d.message.conns.is_empty());
        // Version bits in ver_size.
        let mut b = good.clone();
        b[10] |= 0x10;
        assert_eq!(
            decode(&b).unwrap().stopped,
            Some(DecodeError::EntryVersion(0))
        );
        // An unknown mandatory option drops its entry only; an optional
        // one is skipped.
        for (ty, kept) in [(5u8, 1usize), (0x45, 2)] {
            let a = Conn {
                seq: Some([0; 24]),
                ..dr_conn()
            };
            let mut m = encode_all(7, DEFAULT_MAXLEN, &[a, template()])
                .unwrap()
                .remove(0);
            m[8 + 36] = ty;
            assert_eq!(
                decode(&m).unwrap().message.conns.len(),
                kept,
                "type {ty:#x}"
            );
        }
        // A reserved byte makes it version 0 (nr_conns = 0 there too).
        let mut b = good;
        b[0] = 0;
        b[6] = 1;
        assert_eq!(decode(&b).unwrap().version, 0);
    }

    #[test]
    fn decodes_version_0() {
        let mut b = vec![1, 9, 0, 28];
        b.extend_from_slice(&[0, 6, 0x9c, 0x40, 0, 80, 0, 80]);
        b.extend_from_slice(&[198, 51, 100, 7, 192, 0, 2, 1, 10, 0, 0, 2]);
        b.extend_from_slice(&[0, 0x83, 0, 1]);
        let d = decode(&b).unwrap();
        assert_eq!(d.version, 0);
        assert_eq!(
            d.message.conns,
            vec![Conn {
                timeout: 0,
                ..dr_conn()
            }]
        );
    }

    #[test]
    fn encoding_refuses_mixed_families_and_oversize() {
        let c = Conn {
            daddr: "::1".parse().unwrap(),
            ..dr_conn()
        };
        assert_eq!(
            encode_all(1, DEFAULT_MAXLEN, &[c]),
            Err(EncodeError::MixedFamily)
        );
        let c = Conn {
            pe: Some(("x".repeat(17), vec![1])),
            ..dr_conn()
        };
        assert_eq!(
            encode_all(1, DEFAULT_MAXLEN, &[c]),
            Err(EncodeError::PeTooLong)
        );
        assert!(matches!(
            encode_all(
                1,
                50,
                &[Conn {
                    seq: Some([0; 24]),
                    ..dr_conn()
                }]
            ),
            Err(EncodeError::TooBig(..))
        ));
    }
}
