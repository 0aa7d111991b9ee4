//! Sending gratuitous ARPs and unsolicited NAs on an AF_PACKET socket bound
//! to the interface (it never receives: protocol 0 until sent).

use super::{os, IoError};
use crate::garp;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub struct GarpSender {
    fd: OwnedFd,
    ifindex: i32,
    mac: [u8; 6],
}

impl GarpSender {
    pub fn open(ifindex: u32, mac: [u8; 6]) -> Result<GarpSender, IoError> {
        // SAFETY: plain socket(2); the descriptor is owned below.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(os("opening an AF_PACKET socket")(
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(GarpSender {
            fd,
            ifindex: ifindex as i32,
            mac,
        })
    }

    fn send_frame(&self, frame: &[u8], proto: u16, dst: [u8; 6]) -> Result<(), IoError> {
        // SAFETY: sockaddr_ll is plain old data; zeroed is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto.to_be();
        sll.sll_ifindex = self.ifindex;
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&dst);
        // SAFETY: frame and sll outlive the call; lengths are theirs.
        let rc = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(os("sending a gratuitous ARP/NA")(
                std::io::Error::last_os_error(),
            ));
        }
        Ok(())
    }

    /// One gratuitous ARP (IPv4) or unsolicited NA (IPv6) for `vip`.
    pub fn announce(&self, vip: IpAddr) -> Result<(), IoError> {
        match vip {
            IpAddr::V4(v) => {
                self.send_frame(&garp::arp_frame(self.mac, v), garp::ETH_P_ARP, [0xff; 6])
            }
            IpAddr::V6(v) => self.send_frame(
                &garp::na_frame(self.mac, v, false),
                garp::ETH_P_IPV6,
                [0x33, 0x33, 0, 0, 0, 1],
            ),
        }
    }
}
