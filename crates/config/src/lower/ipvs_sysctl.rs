//! kad's own `global_defs` keywords for IPVS's sysctls
//! (`model::ipvs_sysctl`), and the check that a virtual server using the
//! `mh` scheduler is not left without the sloppy setting its protocol
//! needs.

use super::ctx::Ctx;
use crate::model::{GlobalDefs, Protocol, Scheduler, VirtualServer, VsKey, CONN_REUSE_MODE_MAX};
use crate::source::Pos;
use crate::tree::Node;

/// `lvs_sloppy_tcp [on|off]` and the other switches: no value is on.
fn switch(c: &mut Ctx, n: &Node) -> Option<bool> {
    c.flag_opt(n)
}

pub fn sloppy_tcp(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    if let Some(v) = switch(c, n) {
        g.lvs_sysctls.lvs_sloppy_tcp = Some(v);
    }
}

pub fn sloppy_sctp(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    if let Some(v) = switch(c, n) {
        g.lvs_sysctls.lvs_sloppy_sctp = Some(v);
    }
}

pub fn schedule_icmp(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    if let Some(v) = switch(c, n) {
        g.lvs_sysctls.lvs_schedule_icmp = Some(v);
    }
}

pub fn expire_nodest_conn(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    if let Some(v) = switch(c, n) {
        g.lvs_sysctls.lvs_expire_nodest_conn = Some(v);
    }
}

/// `lvs_conn_reuse_mode N`, 0..=3 (the kernel takes any integer, but only
/// two bits mean anything: a larger value is a mistake).
pub fn conn_reuse_mode(c: &mut Ctx, n: &Node, g: &mut GlobalDefs) {
    if let Some(v) = c.u32_exact(n, 0, 0, CONN_REUSE_MODE_MAX.into()) {
        g.lvs_sysctls.lvs_conn_reuse_mode = Some(v as u8);
    }
}

/// A virtual server scheduled by `mh` is meant to choose as its peers do,
/// for packets of flows it has not seen; with the protocol's sloppy switch
/// turned off in this file, such a packet (not a SYN, not an INIT) goes to
/// the director's own stack, which resets the connection. Only an explicit
/// `off` is reported here: without the keyword the running kernel decides,
/// and `kad -t` notes it when it can read it (`envcheck`).
pub fn check_mh(c: &mut Ctx, vs: &VirtualServer, pos: Pos, g: &GlobalDefs) {
    if vs.scheduler != Scheduler::Mh {
        return;
    }
    let (keyword, off) = match (&vs.key, vs.protocol) {
        (VsKey::Fwmark { .. }, _) | (_, Protocol::Tcp) => (
            "lvs_sloppy_tcp",
            g.lvs_sysctls.lvs_sloppy_tcp == Some(false),
        ),
        (_, Protocol::Sctp) => (
            "lvs_sloppy_sctp",
            g.lvs_sysctls.lvs_sloppy_sctp == Some(false),
        ),
        (_, Protocol::Udp) => return,
    };
    if off {
        c.warn(
            pos,
            format!(
                "Virtual server {} uses mh while {keyword} is off: a packet of a connection this director has not seen (one the router moved from another director) is reset, not sent to the real server mh chooses",
                super::lvs::vs_name(vs)
            ),
        );
    }
}
