//! The receive buffers keepalived gives its netlink sockets
//! (`global_defs` `*_rcv_bufs` and `*_rcv_bufs_force`).

use serde::{Deserialize, Serialize};

/// One socket's receive buffer as configured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RcvBuf {
    /// Bytes asked of the kernel; 0 when the keyword is absent (keepalived
    /// keeps 0 for "unset", and a 0 in the file leaves it so).
    pub size: u32,
    /// `SO_RCVBUFFORCE` (root may pass `net.core.rmem_max`) rather than
    /// `SO_RCVBUF`.
    pub force: bool,
}

impl RcvBuf {
    /// What keepalived sets on its rtnetlink sockets when no size is
    /// configured (IF_DEFAULT_BUFSIZE in keepalived_netlink.c).
    pub const NETLINK_DEFAULT: u32 = 64 * 1024;

    /// The size for an rtnetlink socket: keepalived always sets one,
    /// its default when the keyword is absent.
    pub fn netlink_bytes(&self) -> u32 {
        if self.size == 0 {
            Self::NETLINK_DEFAULT
        } else {
            self.size
        }
    }
}

/// Each netlink socket's buffer, named as keepalived names the socket:
/// `cmd` is the socket requests are sent on, `monitor` the one the
/// kernel's change events arrive on; `vrrp` the VRRP side, `lvs` the
/// checker side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetlinkBufs {
    pub vrrp_cmd: RcvBuf,
    pub vrrp_monitor: RcvBuf,
    pub lvs_cmd: RcvBuf,
    pub lvs_monitor: RcvBuf,
    /// The process event connector of `vrrp_track_process`; keepalived
    /// sets it only when a size is given.
    pub process_monitor: RcvBuf,
}

impl NetlinkBufs {
    pub fn is_default(&self) -> bool {
        *self == NetlinkBufs::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_size_is_keepalived_s_64k() {
        assert_eq!(RcvBuf::default().netlink_bytes(), 65536);
        let b = RcvBuf {
            size: 1_048_576,
            force: false,
        };
        assert_eq!(b.netlink_bytes(), 1_048_576);
    }
}
