//! The process event connector's socket, for `vrrp_track_process`: opened,
//! given `process_monitor_rcv_bufs`, subscribed, and read without blocking
//! the runtime. keepalived's track_process.c does the same; the connector
//! answers only in the initial network namespace (elsewhere the
//! subscription fails with ECONNREFUSED), which the caller learns from
//! [`ProcEvents::subscribe`] failing.

use super::{os, rcvbuf, IoError};
use crate::cn_proc::{self, McastOp, ProcEvent};
use kad_config::model::RcvBuf;
use rustix::net::netlink::{SocketAddrNetlink, CONNECTOR};
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::time::Duration;
use tokio::io::unix::AsyncFd;

/// Messages read in one go before the caller gets to act on them: a storm
/// of forks does not starve the runtime.
const BATCH: usize = 256;

/// What one read brought.
#[derive(Debug)]
pub enum Recv {
    Events(Vec<ProcEvent>),
    /// The kernel dropped events (ENOBUFS): the counts must be taken
    /// afresh.
    Overrun,
}

/// A subscribed connector socket. Dropping it unsubscribes.
#[derive(Debug)]
pub struct ProcEvents {
    fd: AsyncFd<socket2::Socket>,
}

impl ProcEvents {
    /// Open and subscribe, and wait up to `wait` for the kernel's ack.
    /// The buffer is set only when a size is configured, as keepalived.
    pub async fn subscribe(buf: &RcvBuf, wait: Duration) -> Result<ProcEvents, IoError> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(CONNECTOR),
        )
        .map_err(|e| os("process connector socket")(e.into()))?;
        // Port 0: the kernel picks one (kad has other netlink sockets).
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, cn_proc::CN_IDX_PROC))
            .map_err(|e| os("binding the process connector socket")(e.into()))?;
        if buf.size != 0 {
            rcvbuf::set(&fd, buf.size, buf.force);
        }
        rustix::net::send(
            &fd,
            &cn_proc::subscription(McastOp::Listen),
            SendFlags::empty(),
        )
        .map_err(|e| os("subscribing to process events")(e.into()))?;
        let me = ProcEvents {
            fd: super::register_readable(socket2::Socket::from(fd))?,
        };
        let ack = tokio::time::timeout(wait, me.ack()).await;
        match ack {
            Ok(Ok(0)) => Ok(me),
            Ok(Ok(err)) => Err(os("process events subscription refused")(
                std::io::Error::from_raw_os_error(err as i32),
            )),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(os("process events subscription")(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no answer from the kernel",
            ))),
        }
    }

    /// The kernel's answer to the subscription (events before it are
    /// dropped: the caller's first scan follows).
    async fn ack(&self) -> Result<u32, IoError> {
        loop {
            match self.next().await? {
                Recv::Events(evs) => {
                    if let Some(err) = evs.iter().find_map(|e| match e {
                        ProcEvent::Ack { err } => Some(*err),
                        _ => None,
                    }) {
                        return Ok(err);
                    }
                }
                Recv::Overrun => {}
            }
        }
    }

    /// Wait for events and read those queued (up to a batch). Malformed
    /// messages and messages not from the kernel are dropped.
    pub async fn next(&self) -> Result<Recv, IoError> {
        loop {
            let mut guard = self
                .fd
                .readable()
                .await
                .map_err(os("waiting on the process connector"))?;
            let mut evs = Vec::new();
            let mut buf = [0u8; 256];
            while evs.len() < BATCH {
                match rustix::net::recvfrom(self.fd.get_ref(), &mut buf[..], RecvFlags::empty()) {
                    Ok((n, _, from)) => {
                        let kernel = from
                            .and_then(|a| SocketAddrNetlink::try_from(a).ok())
                            .is_some_and(|a| a.pid() == 0);
                        if !kernel {
                            continue;
                        }
                        match buf.get(..n).map(cn_proc::decode) {
                            Some(Ok(ev)) => evs.push(ev),
                            Some(Err(e)) => tracing::debug!("process event dropped: {e}"),
                            None => {}
                        }
                    }
                    Err(rustix::io::Errno::AGAIN) => {
                        guard.clear_ready();
                        break;
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    Err(rustix::io::Errno::NOBUFS) => return Ok(Recv::Overrun),
                    Err(e) => return Err(os("reading process events")(e.into())),
                }
            }
            if !evs.is_empty() {
                return Ok(Recv::Events(evs));
            }
        }
    }

    /// After an overrun keepalived doubles the buffer it has (and says to
    /// configure that); the size set is returned.
    pub fn grow(&self, force: bool) -> Option<u32> {
        let now = rustix::net::sockopt::socket_recv_buffer_size(self.fd.get_ref()).ok()?;
        let size = u32::try_from(now).ok()?.checked_mul(2)?;
        rcvbuf::set(self.fd.get_ref(), size, force);
        Some(size)
    }
}

impl Drop for ProcEvents {
    /// The kernel counts listeners: without this it would go on building
    /// events for no one.
    fn drop(&mut self) {
        let _ = rustix::net::send(
            self.fd.get_ref(),
            &cn_proc::subscription(McastOp::Ignore),
            SendFlags::DONTWAIT,
        );
    }
}
