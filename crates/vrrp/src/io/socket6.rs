//! The IPv6 VRRP socket (always VRRPv3): the kernel computes and checks
//! the checksum (IPV6_CHECKSUM at offset 6), hop limit 255, the source is
//! given per packet (IPV6_PKTINFO), and the hop limit and destination of
//! received packets come as control messages (raw IPv6 sockets do not
//! deliver the header).

use super::{os, IoError};
use crate::packet::IPPROTO_VRRP;
use crate::received::Received;
use socket2::{Domain, Protocol, Socket, Type};
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::AsRawFd;
use tokio::io::unix::AsyncFd;

pub struct VrrpSocket6 {
    fd: AsyncFd<Socket>,
    ifname: String,
    ifindex: u32,
}

fn setsockopt_int(s: &Socket, level: i32, name: i32, value: i32) -> std::io::Result<()> {
    // SAFETY: value lives across the call; its size is passed.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as u32,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

impl VrrpSocket6 {
    /// The socket's descriptor.
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.get_ref().as_raw_fd()
    }
}

impl VrrpSocket6 {
    pub fn open(ifname: &str, ifindex: u32, groups: &[Ipv6Addr]) -> Result<VrrpSocket6, IoError> {
        let s = Socket::new(
            Domain::IPV6,
            Type::RAW,
            Some(Protocol::from(i32::from(IPPROTO_VRRP))),
        )
        .map_err(os("opening a raw IPv6 VRRP socket"))?;
        setsockopt_int(&s, libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM, 6)
            .map_err(os("IPV6_CHECKSUM"))?;
        s.bind_device(Some(ifname.as_bytes()))
            .map_err(os(format!("binding to {ifname}")))?;
        s.set_multicast_hops_v6(255)
            .map_err(os("IPV6_MULTICAST_HOPS"))?;
        s.set_unicast_hops_v6(255)
            .map_err(os("IPV6_UNICAST_HOPS"))?;
        s.set_multicast_if_v6(ifindex)
            .map_err(os("IPV6_MULTICAST_IF"))?;
        s.set_multicast_loop_v6(false)
            .map_err(os("IPV6_MULTICAST_LOOP"))?;
        s.set_tclass_v6(0xc0).map_err(os("IPV6_TCLASS"))?;
        setsockopt_int(&s, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1)
            .map_err(os("IPV6_RECVHOPLIMIT"))?;
        setsockopt_int(&s, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)
            .map_err(os("IPV6_RECVPKTINFO"))?;
        for g in groups {
            s.join_multicast_v6(g, ifindex)
                .map_err(os(format!("joining {g} on {ifname}")))?;
        }
        let fd = super::register_readable(s)?;
        Ok(VrrpSocket6 {
            fd,
            ifname: ifname.to_string(),
            ifindex,
        })
    }

    pub fn ifname(&self) -> &str {
        &self.ifname
    }

    /// Join one more group on our interface.
    pub fn join(&self, g: &Ipv6Addr) -> std::io::Result<()> {
        self.fd.get_ref().join_multicast_v6(g, self.ifindex)
    }

    /// Send one advert from `src` (our link-local address) to `dst`; the
    /// kernel fills in the checksum.
    pub fn send(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hops: u8,
        payload: &[u8],
    ) -> Result<(), IoError> {
        // SAFETY: all structures are plain data, zero-initialised, and live
        // across the sendmsg call; lengths are their own.
        unsafe {
            let mut to: libc::sockaddr_in6 = std::mem::zeroed();
            to.sin6_family = libc::AF_INET6 as u16;
            to.sin6_addr.s6_addr = dst.octets();
            to.sin6_scope_id = self.ifindex;
            let info = libc::in6_pktinfo {
                ipi6_addr: libc::in6_addr {
                    s6_addr: src.octets(),
                },
                ipi6_ifindex: self.ifindex,
            };
            let hop = i32::from(hops);
            let space = libc::CMSG_SPACE(std::mem::size_of::<libc::in6_pktinfo>() as u32)
                + libc::CMSG_SPACE(4);
            // cmsghdr needs 8-byte alignment: a u64 buffer gives it.
            let mut control = vec![0u64; (space as usize).div_ceil(8)];
            let mut iov = libc::iovec {
                iov_base: payload.as_ptr() as *mut _,
                iov_len: payload.len(),
            };
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_name = (&mut to as *mut libc::sockaddr_in6).cast();
            msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in6>() as u32;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = space as usize;
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::IPPROTO_IPV6;
            (*c).cmsg_type = libc::IPV6_PKTINFO;
            (*c).cmsg_len =
                libc::CMSG_LEN(std::mem::size_of::<libc::in6_pktinfo>() as u32) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast(), info);
            let c2 = libc::CMSG_NXTHDR(&msg, c);
            (*c2).cmsg_level = libc::IPPROTO_IPV6;
            (*c2).cmsg_type = libc::IPV6_HOPLIMIT;
            (*c2).cmsg_len = libc::CMSG_LEN(4) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(c2).cast(), hop);
            if libc::sendmsg(self.fd.get_ref().as_raw_fd(), &msg, 0) < 0 {
                return Err(os(format!("sending an advert on {}", self.ifname))(
                    std::io::Error::last_os_error(),
                ));
            }
        }
        Ok(())
    }

    /// Wait for the next packet.
    pub async fn recv(&self) -> Result<Received, IoError> {
        loop {
            let mut guard = self
                .fd
                .readable()
                .await
                .map_err(os("waiting for adverts"))?;
            match guard.try_io(|inner| recv_one(inner.get_ref())) {
                Ok(Ok(r)) => return Ok(r),
                Ok(Err(e)) => return Err(os(format!("receiving on {}", self.ifname))(e)),
                Err(_would_block) => continue,
            }
        }
    }
}

fn recv_one(s: &Socket) -> std::io::Result<Received> {
    let mut buf = [0u8; 2048];
    // cmsghdr needs 8-byte alignment: a u64 buffer gives it.
    let mut control = [0u64; 32];
    // SAFETY: msghdr points at buffers that live across recvmsg; control
    // messages are read within msg_controllen as the kernel wrote them.
    unsafe {
        let mut from: libc::sockaddr_in6 = std::mem::zeroed();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_name = (&mut from as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = std::mem::size_of::<libc::sockaddr_in6>() as u32;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        let n = libc::recvmsg(s.as_raw_fd(), &mut msg, 0);
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut ttl = 0u8;
        let mut dst = Ipv6Addr::UNSPECIFIED;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::IPPROTO_IPV6 && (*c).cmsg_type == libc::IPV6_HOPLIMIT {
                let v: i32 = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                ttl = v.clamp(0, 255) as u8;
            } else if (*c).cmsg_level == libc::IPPROTO_IPV6 && (*c).cmsg_type == libc::IPV6_PKTINFO
            {
                let info: libc::in6_pktinfo = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                dst = Ipv6Addr::from(info.ipi6_addr.s6_addr);
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        Ok(Received {
            src: IpAddr::V6(Ipv6Addr::from(from.sin6_addr.s6_addr)),
            dst: IpAddr::V6(dst),
            ttl,
            protocol: IPPROTO_VRRP,
            payload: buf[..n as usize].to_vec(),
        })
    }
}
