//! Programming IPVS from the daemon: on start, reconcile the kernel's table
//! with the wanted one (adopting what already matches, flushing only with
//! `lvs_flush`); on stop, remove what kad owns (kept with `-I`, flushed
//! with `lvs_flush_on_stop`). Runs on a blocking thread: netlink here is
//! synchronous.

use kad_config::Config;
use kad_ipvs::netlink::client::{Client, IpvsError};
use kad_ipvs::netlink::msg::IpvsMessage;
use kad_ipvs::{diff, wanted, Op};
use std::collections::BTreeSet;

pub struct Programmed {
    pub owned: BTreeSet<kad_ipvs::table::SvcId>,
}

/// Bring the kernel to the configuration. `Err(NotAvailable)` when the
/// kernel has no IPVS.
pub fn apply(cfg: &Config) -> Result<Programmed, IpvsError> {
    let mut c = Client::open()?;
    if cfg.global.lvs_flush {
        c.request(IpvsMessage::flush(), "flushing IPVS")?;
    }
    if let Some(t) = &cfg.global.lvs_timeouts {
        let (tcp, fin, udp) = (
            t.tcp.unwrap_or(0),
            t.tcpfin.unwrap_or(0),
            t.udp.unwrap_or(0),
        );
        if let Err(e) = c.request(
            IpvsMessage::set_timeouts(tcp, fin, udp),
            "setting lvs_timeouts",
        ) {
            tracing::warn!("{e}");
        }
    }
    let want = wanted(cfg);
    let current = c.table()?;
    let owned: BTreeSet<_> = want.services.keys().cloned().collect();
    let ops = diff(&want, &current, &owned);
    let results = c.apply(&ops);
    let mut failed = 0;
    for r in &results {
        if let Err(e) = r {
            failed += 1;
            tracing::error!("IPVS: {e}");
        }
    }
    tracing::info!(
        "IPVS: {} services wanted, {} changes applied, {failed} refused",
        want.services.len(),
        ops.len()
    );
    Ok(Programmed { owned })
}

/// On stop: remove the services kad owns, or flush.
pub fn release(owned: &BTreeSet<kad_ipvs::table::SvcId>, flush: bool) {
    let Ok(mut c) = Client::open() else { return };
    if flush {
        if let Err(e) = c.request(IpvsMessage::flush(), "flushing IPVS") {
            tracing::warn!("{e}");
        }
        return;
    }
    let ops: Vec<Op> = owned.iter().cloned().map(Op::DelService).collect();
    for r in c.apply(&ops) {
        if let Err(e) = r {
            if e.errno() != Some(libc::ESRCH) {
                tracing::warn!("IPVS: {e}");
            }
        }
    }
}
