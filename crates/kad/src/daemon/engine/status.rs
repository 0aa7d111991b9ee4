//! `kactl status`: the node's instances, with the health checks and the
//! kernel's IPVS table gathered on a blocking thread.

use super::Engine;
use kactl::{Response, Status};
use std::net::IpAddr;

impl Engine {
    fn status(&self) -> Status {
        Status {
            version: env!("CARGO_PKG_VERSION").to_string(),
            uptime_secs: self.started.elapsed().as_secs_f64(),
            vrrp: self.node.status(self.now()),
            ipvs: self.ipvs.clone(),
            checks: Default::default(),
            sync_bulk: self.bulk.as_ref().and_then(|b| b.status()),
            overrides: Default::default(),
            announcements: Vec::new(),
        }
    }

    /// The status: the VRRP part copied here, the checks' state and the
    /// kernel's IPVS table gathered on a blocking thread, so that the
    /// VRRP loop never waits for the checks' lock or a netlink dump.
    pub(super) fn status_reply(&self, reply: tokio::sync::oneshot::Sender<Response>) {
        let mut st = self.status();
        let checks = self.checks.clone();
        let announce = self.announce.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(c) = checks {
                st.checks = c.status();
            }
            if let Some(a) = announce {
                st.announcements = a.status();
            }
            if st.ipvs.available {
                st.ipvs.services = ipvs_services();
            }
            let _ = reply.send(Response::Status(st));
        });
    }
}

/// The kernel's IPVS table with counters, for `kactl status`.
fn ipvs_services() -> Vec<kactl::ServiceStatus> {
    use kad_ipvs::table::{fwd, SvcId};
    let Ok(mut c) = super::super::ipvs_netns::open_client() else {
        return Vec::new();
    };
    let Ok(dump) = c.dump_with_stats() else {
        return Vec::new();
    };
    let addr = |a: IpAddr, p: u16| match a {
        IpAddr::V4(v) => format!("{v}:{p}"),
        IpAddr::V6(v) => format!("[{v}]:{p}"),
    };
    dump.into_iter()
        .map(|s| kactl::ServiceStatus {
            service: match &s.id {
                SvcId::Addr { .. } => s.id.to_string(),
                SvcId::Fwmark { .. } => s.id.to_string(),
            },
            scheduler: s.attrs.scheduler.clone(),
            persistence: s.attrs.timeout,
            real_servers: s
                .dests
                .iter()
                .map(|(d, a, st)| kactl::RealServerStatus {
                    address: addr(d.addr, d.port),
                    method: match a.fwd {
                        fwd::DROUTE => "DR",
                        fwd::TUNNEL => "TUN",
                        _ => "NAT",
                    }
                    .to_string(),
                    weight: a.weight,
                    active_conns: st.active_conns,
                    inactive_conns: st.inact_conns,
                    persistent_conns: st.persist_conns,
                    in_pps: st.inpps,
                    out_pps: st.outpps,
                    in_bps: st.inbps,
                    out_bps: st.outbps,
                    conns: st.conns,
                    in_pkts: st.inpkts,
                    out_pkts: st.outpkts,
                    in_bytes: st.inbytes,
                    out_bytes: st.outbytes,
                })
                .collect(),
        })
        .collect()
}
