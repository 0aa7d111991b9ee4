//! VRRP advertisements on the wire: VRRPv2 (RFC 3768 §5) and VRRPv3
//! (RFC 5798 §5) for IPv4, VRRPv3 for IPv6, and the IPv4 header around them.
//!
//! ```text
//! v2:  |Ver=2|Type=1| VRID | Priority | Count |
//!      | Auth Type | Adver Int (s) | Checksum |
//!      | IPv4 address (1..n)                  |
//!      | Authentication data (8 bytes)        |
//! v3:  |Ver=3|Type=1| VRID | Priority | Count |
//!      |rsvd| Max Adver Int (cs, 12b)| Checksum|
//!      | IPv4 or IPv6 address (1..n)          |
//! ```

use crate::checksum;
use kad_config::model::Centis;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const IPPROTO_VRRP: u8 = 112;
pub const IPPROTO_AH: u8 = 51;
/// Multicast groups (RFC 3768 §5.2.2, RFC 5798 §5.1.2.2).
pub const MCAST4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
pub const MCAST6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Version {
    V2,
    V3,
}

impl Version {
    pub fn from_number(v: u8) -> Option<Version> {
        match v {
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }

    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

/// VRRPv2 authentication (RFC 2338 types, kept by keepalived).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Simple text password, zero-padded to 8 bytes.
    Pass([u8; 8]),
    /// keepalived's IPsec-AH variant: recognised, not implemented.
    Ah,
}

impl Auth {
    pub fn pass(password: &str) -> Auth {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(password.bytes()) {
            *d = s;
        }
        Auth::Pass(b)
    }

    pub fn type_code(self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Pass(_) => 1,
            Auth::Ah => 2,
        }
    }

    fn data(self) -> [u8; 8] {
        match self {
            Auth::Pass(b) => b,
            _ => [0; 8],
        }
    }
}

/// One decoded advertisement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// v2: the advert interval in whole seconds (as centiseconds);
    /// v3: Max Advert Interval.
    pub interval: Centis,
    pub addrs: Vec<IpAddr>,
    /// v2 only: the auth type code and the 8 bytes of auth data.
    pub auth_type: u8,
    pub auth_data: [u8; 8],
}

/// Why a received packet was dropped; each has a counter, as keepalived
/// keeps them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RxError {
    #[error("malformed IP header")]
    IpHeader,
    #[error("packet length does not match the address count")]
    Length,
    #[error("TTL or hop limit is not 255")]
    Ttl,
    #[error("unsupported VRRP version")]
    Version,
    #[error("not an advertisement")]
    InvalidType,
    #[error("bad checksum")]
    Checksum,
    #[error("unknown authentication type")]
    InvalidAuthType,
    #[error("authentication type differs from ours")]
    AuthTypeMismatch,
    #[error("authentication failed")]
    AuthFailure,
    #[error("advertisement interval differs from ours")]
    AdvertInterval,
    #[error("IPsec-AH authentication is not supported")]
    AhUnsupported,
    #[error("address family does not match the instance")]
    Family,
    #[error("unicast advert from a source that is not a configured peer")]
    NotAPeer,
}

/// Build a VRRPv2 advertisement.
pub fn encode_v2(
    vrid: u8,
    priority: u8,
    interval_secs: u8,
    addrs: &[Ipv4Addr],
    auth: Auth,
) -> Vec<u8> {
    let mut p = Vec::with_capacity(16 + 4 * addrs.len());
    p.extend_from_slice(&[
        0x21,
        vrid,
        priority,
        addrs.len() as u8,
        auth.type_code(),
        interval_secs,
        0,
        0,
    ]);
    for a in addrs {
        p.extend_from_slice(&a.octets());
    }
    p.extend_from_slice(&auth.data());
    let c = checksum::checksum(&p);
    p[6..8].copy_from_slice(&c.to_be_bytes());
    p
}

/// How the checksum of a VRRPv3 advert is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V3Checksum {
    /// RFC 5798: over a pseudo-header (src, dst, 112, length) and the message.
    Pseudo { src: IpAddr, dst: IpAddr },
    /// `v3_checksum_as_v2` (RFC 9568 for IPv4): over the message only.
    MessageOnly,
    /// Left zero for the kernel to fill in (IPv6 raw sockets, IPV6_CHECKSUM).
    Kernel,
}

/// Build a VRRPv3 advertisement (IPv4 or IPv6 addresses, not mixed).
pub fn encode_v3(
    vrid: u8,
    priority: u8,
    interval: Centis,
    addrs: &[IpAddr],
    csum: V3Checksum,
) -> Vec<u8> {
    let int = interval.0.min(0x0fff) as u16;
    let mut p = Vec::with_capacity(8 + 16 * addrs.len());
    p.extend_from_slice(&[0x31, vrid, priority, addrs.len() as u8]);
    p.extend_from_slice(&int.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    for a in addrs {
        match a {
            IpAddr::V4(a) => p.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => p.extend_from_slice(&a.octets()),
        }
    }
    let acc = match csum {
        V3Checksum::Pseudo { src, dst } => checksum::pseudo_header(src, dst, IPPROTO_VRRP, p.len()),
        V3Checksum::MessageOnly => 0,
        V3Checksum::Kernel => return p,
    };
    let c = checksum::finish(checksum::sum(&p, acc));
    p[6..8].copy_from_slice(&c.to_be_bytes());
    p
}

/// The parts of an IPv4 header a receiver checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Meta {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub protocol: u8,
}

/// Split a received IPv4 packet (raw sockets deliver the header) into its
/// header fields and payload. Ethernet padding after `tot_len` is dropped.
pub fn parse_ipv4(pkt: &[u8]) -> Result<(Ipv4Meta, &[u8]), RxError> {
    if pkt.len() < 20 || pkt[0] >> 4 != 4 {
        return Err(RxError::IpHeader);
    }
    let ihl = usize::from(pkt[0] & 0x0f) * 4;
    let tot = usize::from(u16::from_be_bytes([pkt[2], pkt[3]]));
    if ihl < 20 || tot < ihl || tot > pkt.len() {
        return Err(RxError::IpHeader);
    }
    let meta = Ipv4Meta {
        src: Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]),
        dst: Ipv4Addr::new(pkt[16], pkt[17], pkt[18], pkt[19]),
        ttl: pkt[8],
        protocol: pkt[9],
    };
    Ok((meta, &pkt[ihl..tot]))
}

/// Build the IPv4 header kad sends adverts with (IP_HDRINCL): TOS 0xc0,
/// TTL 255 (multicast too), DF clear, protocol 112. The kernel fills in
/// the header checksum and, when 0, the id.
pub fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, id: u16, ttl: u8, payload_len: usize) -> [u8; 20] {
    let tot = (20 + payload_len) as u16;
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[1] = 0xc0;
    h[2..4].copy_from_slice(&tot.to_be_bytes());
    h[4..6].copy_from_slice(&id.to_be_bytes());
    h[8] = ttl;
    h[9] = IPPROTO_VRRP;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    let c = checksum::checksum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h
}

/// Decode an advertisement: the structural checks of RFC 3768 §7.1 and
/// RFC 5798 §7.1 that need no configuration. `ipv6` says which address
/// family the packet arrived on; `src`/`dst` feed the v3 pseudo-header.
pub fn decode(p: &[u8], ipv6: bool, src: IpAddr, dst: IpAddr) -> Result<Advert, RxError> {
    if p.len() < 8 {
        return Err(RxError::Length);
    }
    let version = Version::from_number(p[0] >> 4).ok_or(RxError::Version)?;
    if p[0] & 0x0f != 1 {
        return Err(RxError::InvalidType);
    }
    let (vrid, priority, count) = (p[1], p[2], usize::from(p[3]));
    let alen = if ipv6 { 16 } else { 4 };
    if ipv6 && version == Version::V2 {
        return Err(RxError::Version);
    }
    let want = match version {
        Version::V2 => 8 + 4 * count + 8,
        Version::V3 => 8 + alen * count,
    };
    // keepalived tolerates Ethernet padding after the message.
    if p.len() < want || (p.len() > want && p.len() > 64) {
        return Err(RxError::Length);
    }
    let p = &p[..want];
    let (interval, auth_type) = match version {
        Version::V2 => (Centis(u32::from(p[5]) * 100), p[4]),
        Version::V3 => (
            Centis(u32::from(u16::from_be_bytes([p[4], p[5]]) & 0x0fff)),
            0,
        ),
    };
    let ok = match version {
        Version::V2 => checksum::checksum(p) == 0,
        // IPv6: the kernel verified it (IPV6_CHECKSUM); checking again with
        // the pseudo-header costs little and catches a mis-set socket.
        // IPv4: accept the RFC 5798 pseudo-header form and the message-only
        // form (`v3_checksum_as_v2` peers), as keepalived does.
        Version::V3 => {
            let with = checksum::finish(checksum::sum(
                p,
                checksum::pseudo_header(src, dst, IPPROTO_VRRP, p.len()),
            ));
            with == 0 || (!ipv6 && checksum::checksum(p) == 0)
        }
    };
    if !ok {
        return Err(RxError::Checksum);
    }
    let addrs = p[8..8 + alen * count]
        .chunks_exact(alen)
        .map(|c| match c.len() {
            4 => IpAddr::from([c[0], c[1], c[2], c[3]]),
            _ => {
                let mut b = [0u8; 16];
                b.copy_from_slice(c);
                IpAddr::from(b)
            }
        })
        .collect();
    let mut auth_data = [0u8; 8];
    if version == Version::V2 {
        auth_data.copy_from_slice(&p[want - 8..want]);
    }
    Ok(Advert {
        version,
        vrid,
        priority,
        interval,
        addrs,
        auth_type,
        auth_data,
    })
}
