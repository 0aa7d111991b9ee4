//! Replaying the IPVS connection table to the sync backups: read
//! /proc/net/ip_vs_conn, take flags and fwmarks from the kernel's own
//! services, and multicast the entries as the kernel's master would. Runs
//! on a blocking thread (a big table is a big file).

use kactl::{SyncBulkReport, SyncBulkStatus};
use kad_ipvs::netlink::msg::DaemonSpec;
use kad_ipvs::table::{SvcId, Table};
use kad_sync::bulk::{entries, ServiceView, ViewKey};
use kad_sync::conns;
use kad_sync::send::{Sender, Target};
use kad_sync::wire::{self, Packer};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where and how `lvs_sync_daemon` says the backups listen.
#[derive(Clone, Debug)]
pub struct BulkTarget {
    pub target: Target,
    pub syncid: u8,
    pub maxlen: usize,
    /// Between datagrams: multicast has no flow control, and a backup's
    /// kernel drops what overflows its receive buffer (about 90 full
    /// datagrams by default), so the replay is paced.
    pub gap: Duration,
}

impl BulkTarget {
    /// `rate`: datagrams per second (of up to 40 connections each).
    pub fn from_spec(spec: &DaemonSpec, rate: u32) -> BulkTarget {
        BulkTarget {
            target: Target {
                ifname: spec.ifname.clone(),
                group: spec.group.unwrap_or(wire::DEFAULT_GROUP.into()),
                port: spec.port.unwrap_or(wire::DEFAULT_PORT),
                ttl: spec.ttl.unwrap_or(1),
            },
            syncid: spec.sync_id as u8,
            maxlen: spec.maxlen.map_or(wire::DEFAULT_MAXLEN, usize::from),
            gap: Duration::from_secs(1) / rate.max(1),
        }
    }
}

/// The kernel's services as the replay needs them.
pub fn views(t: &Table) -> Vec<ServiceView> {
    t.services
        .iter()
        .map(|(id, s)| ServiceView {
            key: match id {
                SvcId::Addr {
                    protocol,
                    addr,
                    port,
                } => ViewKey::Addr {
                    protocol: *protocol as u8,
                    addr: *addr,
                    port: *port,
                },
                SvcId::Fwmark { mark, .. } => ViewKey::Fwmark(*mark),
            },
            dests: s
                .dests
                .iter()
                .map(|(d, a)| (d.addr, d.port, a.fwd))
                .collect(),
        })
        .collect()
}

/// One replay of the whole table.
pub fn replay(t: &BulkTarget) -> Result<SyncBulkReport, String> {
    let started = Instant::now();
    // The IPVS namespace's table (net_namespace_ipvs).
    let text =
        super::ipvs_netns::within(|| std::fs::read_to_string("/proc/thread-self/net/ip_vs_conn"))
            .and_then(|r| r)
            .map_err(|e| format!("reading /proc/net/ip_vs_conn: {e}"))?;
    let (rows, bad) = conns::parse(&text);
    let table = super::ipvs_netns::open_client()
        .and_then(|mut c| c.table())
        .map_err(|e| e.to_string())?;
    let (conns, skipped) = entries(&rows, &views(&table));
    let mut p = Packer::new(t.syncid, t.maxlen);
    let (mut datagrams, mut sent) = (Vec::new(), 0);
    for c in &conns {
        match p.push(c) {
            Ok(d) => {
                datagrams.extend(d);
                sent += 1;
            }
            Err(e) => tracing::debug!("sync bulk: {e}"),
        }
    }
    datagrams.extend(p.finish());
    let sender =
        Sender::open(&t.target).map_err(|e| format!("sync socket on {}: {e}", t.target.ifname))?;
    let sending = Instant::now();
    sender
        .send_paced(&datagrams, t.gap)
        .map_err(|e| format!("sending on {}: {e}", t.target.ifname))?;
    let report = SyncBulkReport {
        rows: rows.len(),
        sent,
        datagrams: datagrams.len(),
        skipped_state: skipped.state,
        skipped_service: skipped.service + (conns.len() - sent),
        unparsed: bad.len(),
        interface: t.target.ifname.clone(),
        syncid: t.syncid,
        millis: started.elapsed().as_millis() as u64,
        send_millis: sending.elapsed().as_millis() as u64,
    };
    tracing::info!(
        "sync bulk: {} connections in {} datagrams on {} ({} rows, {} left out) in {} ms",
        report.sent,
        report.datagrams,
        report.interface,
        report.rows,
        report.skipped_state + report.skipped_service + report.unparsed,
        report.millis
    );
    Ok(report)
}

/// The replays of one daemon: where they go, how often, and what they did
/// (for `kactl status`).
#[derive(Clone)]
pub struct Replays {
    pub target: BulkTarget,
    pub every: Option<Duration>,
    status: Arc<Mutex<SyncBulkStatus>>,
}

impl Replays {
    pub fn new(target: BulkTarget, every: Option<Duration>) -> Replays {
        let status = SyncBulkStatus {
            interface: target.target.ifname.clone(),
            syncid: target.syncid,
            interval_secs: every.map(|d| d.as_secs()),
            ..Default::default()
        };
        Replays {
            target,
            every,
            status: Arc::new(Mutex::new(status)),
        }
    }

    /// One replay, counted (blocking).
    pub fn run(&self) -> Result<SyncBulkReport, String> {
        let r = replay(&self.target);
        if let Ok(mut st) = self.status.lock() {
            match &r {
                Ok(r) => {
                    st.replays += 1;
                    st.last = Some(r.clone());
                }
                Err(e) => {
                    st.failures += 1;
                    st.last_error = Some(e.clone());
                }
            }
        }
        r
    }

    pub fn status(&self) -> Option<SyncBulkStatus> {
        self.status.lock().ok().map(|s| s.clone())
    }
}
