//! Sending gratuitous ARPs and unsolicited NAs on an AF_PACKET socket bound
//! to the interface (it never receives: protocol 0 until sent).

use super::{os, IoError};
use crate::garp;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};

pub struct GarpSender {
    fd: OwnedFd,
    ifindex: i32,
    mac: [u8; 6],
}

impl GarpSender {
    pub fn open(ifindex: u32, mac: [u8; 6]) -> Result<GarpSender, IoError> {
        let s = socket2::Socket::new(socket2::Domain::PACKET, socket2::Type::RAW, None)
            .map_err(os("opening an AF_PACKET socket"))?;
        Ok(GarpSender {
            fd: s.into(),
            ifindex: ifindex as i32,
            mac,
        })
    }

    fn send_frame(&self, frame: &[u8], proto: u16, dst: [u8; 6]) -> Result<(), IoError> {
        let mut sll = libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: proto.to_be(),
            sll_ifindex: self.ifindex,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 6,
            sll_addr: [0; 8],
        };
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
