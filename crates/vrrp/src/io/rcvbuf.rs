//! Receive buffers of netlink sockets (`*_rcv_bufs`, `*_rcv_bufs_force`):
//! the one place that sets them, as keepalived's `netlink_set_rx_buf_size`
//! does, at start-up and again at a reload.

use kad_config::model::RcvBuf;
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::proto::Connection;
use rtnetlink::sys::AsyncSocket;
use std::os::fd::{AsFd, OwnedFd};

/// A netlink socket whose buffer a reload sets again, through a second
/// descriptor of it (the connection owns the socket once spawned).
#[derive(Debug)]
pub struct Resizable(OwnedFd);

impl Resizable {
    pub fn set(&self, b: &RcvBuf) {
        set(&self.0, b.netlink_bytes(), b.force);
    }
}

/// Set an rtnetlink connection's receive buffer before it is spawned.
/// keepalived always sets one, 64 KiB when no size is configured. The
/// handle for a reload is None when the descriptor cannot be duplicated
/// (the buffer then stays as set here).
pub fn set_rtnl(conn: &mut Connection<RouteNetlinkMessage>, b: &RcvBuf) -> Option<Resizable> {
    let s = conn.socket_mut().socket_ref();
    set(s, b.netlink_bytes(), b.force);
    match s.as_fd().try_clone_to_owned() {
        Ok(fd) => Some(Resizable(fd)),
        Err(e) => {
            tracing::warn!("netlink socket: no second descriptor ({e}): a reload keeps its buffer");
            None
        }
    }
}

/// `SO_RCVBUFFORCE` when forced (root passes `net.core.rmem_max`), else
/// `SO_RCVBUF` (capped at it). A failure is logged, in keepalived's words,
/// and the socket keeps the buffer it had. Sizes above `INT_MAX` fail
/// (EINVAL): the kernel takes an int.
pub fn set(fd: impl AsFd, bytes: u32, force: bool) {
    let size = bytes as usize;
    let r = if force {
        rustix::net::sockopt::set_socket_recv_buffer_size_force(fd, size)
    } else {
        rustix::net::sockopt::set_socket_recv_buffer_size(fd, size)
    };
    if let Err(e) = r {
        let errno = e.raw_os_error();
        let m = desc(errno);
        if force {
            tracing::info!("cant set SO_RCVBUFFORCE IP option. errno={errno} ({m})");
        } else {
            tracing::info!("Cannot set SO_RCVBUF IP option. errno={errno} ({m})");
        }
    }
}

/// strerror's text: std's rendering without its " (os error N)" tail.
fn desc(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcvbuf(s: &socket2::Socket) -> usize {
        rustix::net::sockopt::socket_recv_buffer_size(s).unwrap()
    }

    fn udp() -> socket2::Socket {
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap()
    }

    #[test]
    fn the_kernel_doubles_what_is_set() {
        let s = udp();
        set(&s, 8192, false);
        assert_eq!(rcvbuf(&s), 16384);
    }

    #[test]
    fn without_force_the_size_is_capped_at_rmem_max() {
        let max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let s = udp();
        set(&s, (max + 4096) as u32, false);
        assert_eq!(rcvbuf(&s), 2 * max);
    }

    #[test]
    fn a_failure_keeps_the_buffer() {
        let s = udp();
        set(&s, 8192, false);
        set(&s, u32::MAX, false);
        assert_eq!(rcvbuf(&s), 16384);
    }

    #[test]
    fn strerror_text() {
        assert_eq!(desc(libc::EPERM), "Operation not permitted");
    }
}
