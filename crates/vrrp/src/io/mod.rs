//! The real network: raw VRRP sockets, interface facts and virtual
//! addresses through rtnetlink, gratuitous ARPs on AF_PACKET, link events.
//! Thin wrappers: every decision is made by the pure cores.

pub mod addr;
pub mod addr_watch;
pub mod arp;
pub mod gone;
pub mod iface;
pub mod link;
pub mod macvlan;
pub mod proc_events;
pub use crate::received;
pub mod rcvbuf;
pub mod route;
pub mod rule;
pub mod socket;
pub mod socket6;

/// Errors of the I/O layer, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{what}: {source}")]
    Os {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Netlink {
        what: String,
        #[source]
        source: rtnetlink::Error,
    },
    #[error("interface {0} does not exist")]
    NoInterface(String),
}

/// Make a configured socket non-blocking and register it with tokio for
/// reading.
pub(crate) fn register_readable(
    s: socket2::Socket,
) -> Result<tokio::io::unix::AsyncFd<socket2::Socket>, IoError> {
    s.set_nonblocking(true).map_err(os("O_NONBLOCK"))?;
    // SAFETY: the socket is ours alone and registered once.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(s, tokio::io::Interest::READABLE) }
        .map_err(|e| os("registering the socket")(e.into()))
}

pub(crate) fn os(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> IoError {
    let what = what.into();
    move |source| IoError::Os { what, source }
}

pub(crate) fn nl(what: impl Into<String>) -> impl FnOnce(rtnetlink::Error) -> IoError {
    let what = what.into();
    move |source| IoError::Netlink { what, source }
}
