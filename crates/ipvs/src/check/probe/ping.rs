//! PING_CHECK: one ICMP (or ICMPv6) echo. An unprivileged ICMP datagram
//! socket is tried first (it needs `ping_group_range`), then a raw one
//! (root).

use super::Spec;
use crate::check::Outcome;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::SocketAddr;
use tokio::io::unix::AsyncFd;

fn open(v6: bool) -> std::io::Result<(Socket, bool)> {
    let (d, p) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    match Socket::new(d, Type::DGRAM, Some(p)) {
        Ok(s) => Ok((s, false)),
        Err(_) => Ok((Socket::new(d, Type::RAW, Some(p))?, true)),
    }
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An echo request (the kernel fills the ICMPv6 checksum, and the id on
/// datagram sockets).
pub fn echo(v6: bool, id: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"kad-ping-check\0\0");
    if !v6 {
        let c = checksum(&p);
        p[2..4].copy_from_slice(&c.to_be_bytes());
    }
    p
}

/// Is this datagram our echo reply? (`raw4`: it starts with the IPv4
/// header.)
pub fn is_reply(b: &[u8], v6: bool, raw4: bool, id: Option<u16>, seq: u16) -> bool {
    let icmp = if raw4 {
        let ihl = usize::from(b.first().map_or(0, |x| x & 0x0f)) * 4;
        b.get(ihl..).unwrap_or(&[])
    } else {
        b
    };
    icmp.len() >= 8
        && icmp[0] == if v6 { 129 } else { 0 }
        && id.is_none_or(|i| icmp[4..6] == i.to_be_bytes())
        && icmp[6..8] == seq.to_be_bytes()
}

pub async fn probe(spec: &Spec) -> Outcome {
    let v6 = spec.target.is_ipv6();
    let run = async {
        let (s, raw) = open(v6).map_err(|e| format!("ICMP socket: {e}"))?;
        s.set_nonblocking(true).map_err(|e| e.to_string())?;
        if let Some(i) = &spec.bind_if {
            s.bind_device(Some(i.as_bytes()))
                .map_err(|e| e.to_string())?;
        }
        // SAFETY: the socket is owned by the AsyncFd for its whole life.
        let fd = unsafe { AsyncFd::register(s) }.map_err(|e| e.to_string())?;
        let id = (std::process::id() as u16) ^ (spec.target.port());
        let seq = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_micros())) as u16;
        let to = SockAddr::from(SocketAddr::new(spec.target.ip(), 0));
        fd.get_ref()
            .send_to(&echo(v6, id, seq), &to)
            .map_err(|e| format!("send: {e}"))?;
        let mut buf = [0u8; 2048];
        loop {
            let mut g = super::step(spec, "waiting for the echo reply", fd.readable()).await?;
            let recv = |f: &AsyncFd<Socket>| {
                rustix::net::recvfrom(f.get_ref(), &mut buf[..], rustix::net::RecvFlags::empty())
                    .map_err(std::io::Error::from)
            };
            match g.try_io(recv) {
                Ok(Ok((n, _, from))) => {
                    let b = &buf[..n];
                    let from = from.and_then(|a| SocketAddr::try_from(a).ok());
                    let from_ok = from.map(|a| a.ip()) == Some(spec.target.ip());
                    let want_id = raw.then_some(id);
                    if from_ok && is_reply(b, v6, raw && !v6, want_id, seq) {
                        return Ok(());
                    }
                }
                Ok(Err(e)) => return Err(format!("receive: {e}")),
                Err(_would_block) => continue,
            }
        }
    };
    match run.await {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_request_checksums_to_zero() {
        let p = echo(false, 0x1234, 7);
        assert_eq!(checksum(&p), 0);
        assert_eq!(&p[4..8], &[0x12, 0x34, 0, 7]);
        let mut reply = p.clone();
        reply[0] = 0;
        assert!(is_reply(&reply, false, false, Some(0x1234), 7));
        assert!(!is_reply(&reply, false, false, Some(0x1234), 8));
        assert!(
            !is_reply(&p, false, false, None, 7),
            "a request is not a reply"
        );
    }
}
