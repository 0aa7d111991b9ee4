//! Raw VRRP sockets (IP protocol 112), set up as keepalived does: the
//! IPv4 header is ours (IP_HDRINCL: TTL 255, TOS 0xc0, our source), the
//! multicast TTL is 255 too (multicast ignores IP_TTL), bound to the device,
//! multicast loop off; the receive side joins the group on the interface.

use super::{os, IoError};
use crate::packet::{self, IPPROTO_VRRP};
pub use crate::received::Received;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use tokio::io::unix::AsyncFd;

/// One IPv4 VRRP socket on one interface, for sending and receiving.
pub struct VrrpSocket4 {
    fd: AsyncFd<Socket>,
    ifname: String,
    id: std::sync::atomic::AtomicU16,
}

/// The socket of one interface and address family.
pub enum VrrpSocket {
    V4(VrrpSocket4),
    V6(super::socket6::VrrpSocket6),
}

impl std::os::fd::AsRawFd for VrrpSocket {
    /// The socket's descriptor (it both sends and receives), for the state
    /// dumps.
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        match self {
            VrrpSocket::V4(s) => s.fd.get_ref().as_raw_fd(),
            VrrpSocket::V6(s) => s.raw_fd(),
        }
    }
}

impl VrrpSocket {
    pub fn ifname(&self) -> &str {
        match self {
            VrrpSocket::V4(s) => s.ifname(),
            VrrpSocket::V6(s) => s.ifname(),
        }
    }

    pub fn send(&self, src: IpAddr, dst: IpAddr, ttl: u8, payload: &[u8]) -> Result<(), IoError> {
        match (self, src, dst) {
            (VrrpSocket::V4(s), IpAddr::V4(a), IpAddr::V4(b)) => s.send(a, b, ttl, payload),
            (VrrpSocket::V6(s), IpAddr::V6(a), IpAddr::V6(b)) => s.send(a, b, ttl, payload),
            _ => Err(IoError::Os {
                what: format!("sending from {src} to {dst} on {}", self.ifname()),
                source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
            }),
        }
    }

    /// Join one more multicast group (an instance a reload added).
    pub fn join(&self, group: IpAddr, ifindex: u32) -> Result<(), IoError> {
        let what = format!("joining {group} on {}", self.ifname());
        match (self, group) {
            (VrrpSocket::V4(s), IpAddr::V4(g)) => {
                s.fd.get_ref()
                    .join_multicast_v4_n(&g, &socket2::InterfaceIndexOrAddress::Index(ifindex))
                    .map_err(os(what))
            }
            (VrrpSocket::V6(s), IpAddr::V6(g)) => s.join(&g).map_err(os(what)),
            _ => Err(os(what)(std::io::Error::from(
                std::io::ErrorKind::InvalidInput,
            ))),
        }
    }

    pub async fn recv(&self) -> Result<Received, IoError> {
        match self {
            VrrpSocket::V4(s) => s.recv().await,
            VrrpSocket::V6(s) => s.recv().await,
        }
    }
}

impl VrrpSocket4 {
    /// Open on `ifname` (index `ifindex`) and join `groups`.
    pub fn open(ifname: &str, ifindex: u32, groups: &[Ipv4Addr]) -> Result<VrrpSocket4, IoError> {
        let s = Socket::new(
            Domain::IPV4,
            Type::RAW,
            Some(Protocol::from(i32::from(IPPROTO_VRRP))),
        )
        .map_err(os("opening a raw VRRP socket"))?;
        s.set_header_included_v4(true).map_err(os("IP_HDRINCL"))?;
        s.bind_device(Some(ifname.as_bytes()))
            .map_err(os(format!("binding to {ifname}")))?;
        s.set_multicast_all_v4(false)
            .map_err(os("IP_MULTICAST_ALL"))?;
        s.set_multicast_loop_v4(false)
            .map_err(os("IP_MULTICAST_LOOP"))?;
        s.set_multicast_ttl_v4(255)
            .map_err(os("IP_MULTICAST_TTL"))?;
        s.set_tos_v4(0xc0).map_err(os("IP_TOS"))?;
        set_multicast_if_index(&s, ifindex).map_err(os("IP_MULTICAST_IF"))?;
        for g in groups {
            s.join_multicast_v4_n(g, &socket2::InterfaceIndexOrAddress::Index(ifindex))
                .map_err(os(format!("joining {g} on {ifname}")))?;
        }
        let fd = super::register_readable(s)?;
        Ok(VrrpSocket4 {
            fd,
            ifname: ifname.to_string(),
            id: std::sync::atomic::AtomicU16::new(0),
        })
    }

    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// Send one advert (VRRP payload) from `src` to `dst` with `ttl`.
    pub fn send(
        &self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ttl: u8,
        payload: &[u8],
    ) -> Result<(), IoError> {
        // keepalived counts its own ids, skipping 0 (which would let the
        // kernel pick one).
        let mut id = self
            .id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .wrapping_add(1);
        if id == 0 {
            id = self
                .id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .wrapping_add(1);
        }
        let mut pkt = Vec::with_capacity(20 + payload.len());
        pkt.extend_from_slice(&packet::ipv4_header(src, dst, id, ttl, payload.len()));
        pkt.extend_from_slice(payload);
        let to = SockAddr::from(SocketAddr::V4(SocketAddrV4::new(dst, 0)));
        self.fd
            .get_ref()
            .send_to(&pkt, &to)
            .map_err(os(format!("sending an advert on {}", self.ifname)))?;
        Ok(())
    }

    /// Wait for the next packet.
    pub async fn recv(&self) -> Result<Received, IoError> {
        let mut buf = [0u8; 2048];
        loop {
            let mut guard = self
                .fd
                .readable()
                .await
                .map_err(os("waiting for adverts"))?;
            // `Read for &Socket`: recv(2) into initialised bytes.
            match guard.try_io(|inner| std::io::Read::read(&mut inner.get_ref(), &mut buf)) {
                Ok(Ok(n)) => match packet::parse_ipv4(&buf[..n]) {
                    Ok((meta, payload)) => {
                        return Ok(Received {
                            src: meta.src.into(),
                            dst: meta.dst.into(),
                            ttl: meta.ttl,
                            protocol: meta.protocol,
                            payload: payload.to_vec(),
                        })
                    }
                    Err(_) => continue,
                },
                Ok(Err(e)) => return Err(os(format!("receiving on {}", self.ifname))(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

/// IP_MULTICAST_IF by interface index (struct ip_mreqn), which socket2
/// does not offer.
fn set_multicast_if_index(s: &Socket, ifindex: u32) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let m = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as i32,
    };
    // SAFETY: m lives across the call and its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            (&m as *const libc::ip_mreqn).cast(),
            std::mem::size_of::<libc::ip_mreqn>() as u32,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
