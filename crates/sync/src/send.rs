//! Sending sync datagrams the way the kernel's master does: UDP to the
//! multicast group on one interface, loop off, the configured TTL. A
//! backup's kernel only takes datagrams that arrive on its sync interface
//! addressed to the group, so this is all it needs.

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

pub struct Sender {
    sock: Socket,
}

/// Where the datagrams go.
#[derive(Clone, Debug)]
pub struct Target {
    pub ifname: String,
    pub group: IpAddr,
    pub port: u16,
    pub ttl: u8,
}

impl Sender {
    pub fn open(t: &Target) -> std::io::Result<Sender> {
        let v6 = t.group.is_ipv6();
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
        sock.bind_device(Some(t.ifname.as_bytes()))?;
        let index = rustix::net::netdevice::name_to_index(&sock, &t.ifname)?;
        if v6 {
            sock.set_multicast_if_v6(index)?;
            sock.set_multicast_hops_v6(u32::from(t.ttl))?;
            sock.set_multicast_loop_v6(false)?;
        } else {
            // IP_MULTICAST_IF by index (socket2 only takes an address).
            let any = std::net::Ipv4Addr::UNSPECIFIED;
            rustix::net::sockopt::set_ip_multicast_if_with_ifindex(&sock, &any, &any, index)?;
            sock.set_multicast_ttl_v4(u32::from(t.ttl))?;
            sock.set_multicast_loop_v4(false)?;
        }
        sock.connect(&SockAddr::from(SocketAddr::new(t.group, t.port)))?;
        Ok(Sender { sock })
    }

    /// One datagram, now.
    pub fn send(&self, datagram: &[u8]) -> std::io::Result<()> {
        self.sock.send(datagram).map(|_| ())
    }

    /// Send each datagram, `gap` apart so a backup's receive buffer is
    /// never overrun; returns how many were sent. A sleep that overshoots
    /// is made up for, but never by more than `BURST` datagrams at once.
    pub fn send_paced(&self, datagrams: &[Vec<u8>], gap: Duration) -> std::io::Result<usize> {
        let mut pace = Pace::new(Instant::now(), gap);
        for d in datagrams {
            let now = Instant::now();
            if let Some(wait) = pace.wait(now) {
                std::thread::sleep(wait);
            }
            self.sock.send(d)?;
            pace.sent(Instant::now());
        }
        Ok(datagrams.len())
    }
}

/// A non-blocking socket that receives the group's datagrams to `t.port`
/// on the interface only (kad's table requests).
pub fn listener(t: &Target) -> std::io::Result<std::net::UdpSocket> {
    let v6 = t.group.is_ipv6();
    let sock = Socket::new(
        if v6 { Domain::IPV6 } else { Domain::IPV4 },
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    sock.set_reuse_address(true)?;
    sock.bind_device(Some(t.ifname.as_bytes()))?;
    let index = rustix::net::netdevice::name_to_index(&sock, &t.ifname)?;
    match t.group {
        IpAddr::V4(g) => {
            sock.join_multicast_v4_n(&g, &socket2::InterfaceIndexOrAddress::Index(index))?;
            sock.bind(&SockAddr::from(SocketAddr::new(
                Ipv4Addr::UNSPECIFIED.into(),
                t.port,
            )))?;
        }
        IpAddr::V6(g) => {
            sock.set_only_v6(true)?;
            sock.join_multicast_v6(&g, index)?;
            sock.bind(&SockAddr::from(SocketAddr::new(
                Ipv6Addr::UNSPECIFIED.into(),
                t.port,
            )))?;
        }
    }
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

/// At most this many datagrams go back to back to catch up.
const BURST: u32 = 8;

/// The pacing schedule (pure: times in, waits out).
#[derive(Clone, Debug)]
pub struct Pace {
    next: Instant,
    gap: Duration,
}

impl Pace {
    pub fn new(start: Instant, gap: Duration) -> Pace {
        Pace { next: start, gap }
    }

    /// How long to wait before the next datagram, if at all.
    pub fn wait(&self, now: Instant) -> Option<Duration> {
        (self.next > now).then(|| self.next - now)
    }

    /// One datagram went out at `now`.
    pub fn sent(&mut self, now: Instant) {
        let floor = now.checked_sub(self.gap * (BURST - 1)).unwrap_or(now);
        self.next = self.next.max(floor) + self.gap;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_and_bounds_catch_up_bursts() {
        let t0 = Instant::now();
        let gap = Duration::from_millis(1);
        let mut p = Pace::new(t0, gap);
        assert_eq!(p.wait(t0), None);
        p.sent(t0);
        assert_eq!(p.wait(t0), Some(gap));
        // A sleep overshoots by 50 ms: only BURST datagrams go at once.
        let late = t0 + Duration::from_millis(51);
        let mut burst = 0;
        while p.wait(late).is_none() {
            p.sent(late);
            burst += 1;
        }
        assert_eq!(burst, BURST);
        // Then one per gap again.
        assert_eq!(p.wait(late), Some(gap));
    }

    /// The interface is found by name and used by index (IP_MULTICAST_IF
    /// with ip_mreqn); a missing one is an error, not a socket on the
    /// default route. bind_device needs root.
    #[test]
    fn opens_on_the_named_interface_only() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipped: needs root");
            return;
        }
        let t = |ifname: &str, group: &str| Target {
            ifname: ifname.into(),
            group: group.parse().unwrap(),
            port: 8848,
            ttl: 1,
        };
        assert!(Sender::open(&t("lo", "224.0.0.81")).is_ok());
        assert!(Sender::open(&t("kad-no-such0", "224.0.0.81")).is_err());
    }
}
