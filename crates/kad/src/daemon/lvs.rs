//! Programming IPVS from the daemon: on start, reconcile the kernel's table
//! with the wanted one (adopting what already matches, flushing only with
//! `lvs_flush`); on stop, remove what kad owns (kept with `-I`, flushed
//! with `lvs_flush_on_stop`). Runs on a blocking thread: netlink here is
//! synchronous.

use kad_config::Config;
use kad_ipvs::netlink::client::IpvsError;
use kad_ipvs::netlink::msg::IpvsMessage;
use kad_ipvs::{diff, Op, Table};

pub use super::ipvs_writer::{spawn_writer, Job, Writer};
use std::collections::BTreeSet;

pub struct Programmed {
    pub owned: BTreeSet<kad_ipvs::table::SvcId>,
    /// Operations sent to the kernel, and how many it refused.
    pub ops: usize,
    pub refused: usize,
}

/// Bring the kernel to `want` (the configuration's table given the real
/// servers' health). `before` is what kad owned
/// until now (empty at start): services it owned that the configuration no
/// longer has are removed; others' services are never touched. At start
/// (`startup`) `lvs_flush`, `lvs_timeouts` and the IPVS sysctls
/// (`lvs_sloppy_tcp`, ...) apply too.
/// `Err(NotAvailable)` when the kernel has no IPVS.
pub fn apply(
    cfg: &Config,
    want: &Table,
    before: &BTreeSet<kad_ipvs::table::SvcId>,
    startup: bool,
) -> Result<Programmed, IpvsError> {
    let mut c = super::ipvs_netns::open_client()?;
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
    // The client's open loaded ip_vs: its sysctls exist now.
    if startup {
        super::ipvs_sysctl::apply(&cfg.global.lvs_sysctls);
    }
    let started = std::time::Instant::now();
    let current = c.table()?;
    let owned: BTreeSet<_> = want.services.keys().cloned().collect();
    let mut may_touch = owned.clone();
    may_touch.extend(before.iter().cloned());
    let ops = diff(want, &current, &may_touch);
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
    let Ok(mut c) = super::ipvs_netns::open_client() else {
        return;
    };
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

/// `lvs_sync_daemon` from the configuration: the daemon spec, and the VRRP
/// instance that chooses master or backup (None: both run all the time).
pub fn sync_spec(cfg: &Config) -> Option<(kad_ipvs::netlink::msg::DaemonSpec, Option<String>)> {
    let sd = cfg.global.lvs_sync_daemon.as_ref()?;
    let vrid = sd
        .instance
        .as_ref()
        .and_then(|n| cfg.vrrp_instances.iter().find(|i| &i.name == n))
        .map_or(0, |i| u32::from(i.vrid.0));
    let spec = kad_ipvs::netlink::msg::DaemonSpec {
        ifname: sd.interface.clone(),
        sync_id: sd.sync_id.map_or(vrid, u32::from),
        maxlen: sd.maxlen,
        port: sd.port,
        ttl: sd.ttl,
        group: sd.group,
    };
    Some((spec, sd.instance.clone()))
}

pub const MASTER: u32 = 1;
pub const BACKUP: u32 = 2;

/// Run exactly the sync daemons in `states` (stopping the others first, as
/// keepalived does to clean up after a crash).
pub fn sync_set(spec: &kad_ipvs::netlink::msg::DaemonSpec, states: &[u32]) {
    let Ok(mut c) = super::ipvs_netns::open_client() else {
        return;
    };
    for st in [MASTER, BACKUP] {
        if !states.contains(&st) {
            if let Err(e) = c.request(IpvsMessage::del_daemon(st), "stopping a sync daemon") {
                if e.errno() != Some(libc::ESRCH) {
                    tracing::warn!("{e}");
                }
            }
        }
    }
    for &st in states {
        match c.request(
            IpvsMessage::start_daemon(st, spec),
            "starting a sync daemon",
        ) {
            Ok(()) => tracing::info!(
                "IPVS sync daemon {} on {} (syncid {})",
                if st == MASTER { "master" } else { "backup" },
                spec.ifname,
                spec.sync_id
            ),
            Err(e) if e.errno() == Some(libc::EEXIST) => {}
            Err(e) => tracing::warn!("{e}"),
        }
    }
}
