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
    /// Operations sent to the kernel, and how many it refused.
    pub ops: usize,
    pub refused: usize,
}

/// Bring the kernel to the configuration. `before` is what kad owned
/// until now (empty at start): services it owned that the configuration no
/// longer has are removed; others' services are never touched. At start
/// (`startup`) `lvs_flush` and `lvs_timeouts` apply too.
/// `Err(NotAvailable)` when the kernel has no IPVS.
pub fn apply(
    cfg: &Config,
    before: &BTreeSet<kad_ipvs::table::SvcId>,
    startup: bool,
) -> Result<Programmed, IpvsError> {
    let mut c = Client::open()?;
    if startup && cfg.global.lvs_flush {
        c.request(IpvsMessage::flush(), "flushing IPVS")?;
    }
    if let (true, Some(t)) = (startup, &cfg.global.lvs_timeouts) {
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
    let started = std::time::Instant::now();
    let want = wanted(cfg);
    let current = c.table()?;
    let owned: BTreeSet<_> = want.services.keys().cloned().collect();
    let mut may_touch = owned.clone();
    may_touch.extend(before.iter().cloned());
    let ops = diff(&want, &current, &may_touch);
    let results = c.apply(&ops);
    let mut refused = 0;
    for r in &results {
        if let Err(e) = r {
            refused += 1;
            tracing::error!("IPVS: {e}");
        }
    }
    tracing::info!(
        "IPVS: {} services wanted, {} changes applied, {refused} refused, in {} ms",
        want.services.len(),
        ops.len(),
        started.elapsed().as_millis()
    );
    Ok(Programmed {
        owned,
        ops: ops.len(),
        refused,
    })
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
