//! What both VRRP sockets (`socket` for IPv4, `socket6`) deliver: its own
//! module, so that neither socket module imports the other for it.

use std::net::IpAddr;

/// A received packet: the header fields a receiver checks and the VRRP
/// payload.
pub struct Received {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    pub protocol: u8,
    pub payload: Vec<u8>,
}
