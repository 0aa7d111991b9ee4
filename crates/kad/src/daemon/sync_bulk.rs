//! Replaying the IPVS connection table to the sync backups: read
//! /proc/net/ip_vs_conn, take flags and fwmarks from the kernel's own
//! services, and multicast the entries as the kernel's master would. Runs
//! on a blocking thread (a big table is a big file).

use kactl::{SyncBulkReport, SyncBulkStatus};
use kad_ipvs::netlink::msg::DaemonSpec;
use kad_ipvs::table::{SvcId, Table};
use kad_sync::bulk::{ServiceView, Services, ViewKey};
use kad_sync::send::{Pace, Sender, Target};
use kad_sync::stream;
use kad_sync::wire::{self, Packer};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Seconds between periodic replays when `--sync-bulk-interval` is not
/// given: a backup that cannot ask (the kernel's own, keepalived's) learns
/// the idle connections within this long.
pub const DEFAULT_INTERVAL: u64 = 60;

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

/// One replay of the whole table, streamed: the file is read a line at a
/// time (twice: templates, then connections) and each datagram goes out,
/// paced, as soon as it is full, so the table is never held in memory.
pub fn replay(t: &BulkTarget) -> Result<SyncBulkReport, String> {
    let started = Instant::now();
    let table = super::ipvs_netns::open_client()
        .and_then(|mut c| c.table())
        .map_err(|e| e.to_string())?;
    let services = Services::new(views(&table));
    drop(table);
    let sender =
        Sender::open(&t.target).map_err(|e| format!("sync socket on {}: {e}", t.target.ifname))?;
    let mut pace = Pace::new(Instant::now(), t.gap);
    let mut send = |d: &[u8]| {
        if let Some(wait) = pace.wait(Instant::now()) {
            std::thread::sleep(wait);
        }
        sender.send(d)?;
        pace.sent(Instant::now());
        Ok(())
    };
    // The IPVS namespace's table (net_namespace_ipvs): a /proc/net file
    // shows the namespace of the thread that opens it, read from anywhere.
    let open = || {
        super::ipvs_netns::within(|| std::fs::File::open("/proc/thread-self/net/ip_vs_conn"))
            .and_then(|r| r)
            .map(std::io::BufReader::new)
    };
    let mut packer = Packer::new(t.syncid, t.maxlen);
    let c = stream::replay(open, &services, &mut packer, &mut send)
        .map_err(|e| format!("replaying on {}: {e}", t.target.ifname))?;
    let report = SyncBulkReport {
        rows: c.rows,
        sent: c.sent,
        datagrams: c.datagrams,
        skipped_state: c.skipped.state,
        skipped_service: c.skipped.service + c.unencodable,
        unparsed: c.unparsed,
        interface: t.target.ifname.clone(),
        syncid: t.syncid,
        millis: started.elapsed().as_millis() as u64,
        // Reading and sending are one stream now.
        send_millis: started.elapsed().as_millis() as u64,
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

/// A director that asked: its requests, those answered, the last one.
type Asker = (u64, u64, Instant);

/// The replays of one daemon: where they go, how often, and what they did
/// (for `kactl status`).
#[derive(Clone)]
pub struct Replays {
    pub target: BulkTarget,
    pub every: Option<Duration>,
    status: Arc<Mutex<SyncBulkStatus>>,
    /// The directors that asked.
    peers: Arc<Mutex<std::collections::BTreeMap<std::net::IpAddr, Asker>>>,
    /// The directors heard on the sync group (`sync_peers` fills it).
    heard: Arc<Mutex<kad_sync::peers::Peers>>,
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
            every,
            status: Arc::new(Mutex::new(status)),
            peers: Arc::default(),
            heard: Arc::new(Mutex::new(kad_sync::peers::Peers::new(target.syncid))),
            target,
        }
    }

    /// Where the sync listener records what it hears.
    pub fn heard(&self) -> Arc<Mutex<kad_sync::peers::Peers>> {
        self.heard.clone()
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

    /// Another director asked for the table; `answered`: a replay answers.
    pub fn asked(&self, from: std::net::IpAddr, answered: bool) {
        if let Ok(mut st) = self.status.lock() {
            st.answered_requests += u64::from(answered);
        }
        if let Ok(mut peers) = self.peers.lock() {
            let p = peers.entry(from).or_insert((0, 0, Instant::now()));
            p.0 += 1;
            p.1 += u64::from(answered);
            p.2 = Instant::now();
        }
    }

    pub fn status(&self) -> Option<SyncBulkStatus> {
        let mut st = self.status.lock().ok().map(|s| s.clone())?;
        let mut peers: std::collections::BTreeMap<std::net::IpAddr, kactl::SyncPeer> =
            Default::default();
        let now = Instant::now();
        if let Ok(heard) = self.heard.lock() {
            for (a, h) in heard.iter() {
                peers.insert(
                    *a,
                    kactl::SyncPeer {
                        address: a.to_string(),
                        syncid: Some(h.syncid),
                        datagrams: h.datagrams,
                        connections: h.connections,
                        malformed: h.malformed,
                        other_syncid: h.other_syncid,
                        last_sync_secs: Some(now.saturating_duration_since(h.last).as_secs_f64()),
                        ..Default::default()
                    },
                );
            }
        }
        if let Ok(asked) = self.peers.lock() {
            for (a, (asks, answered, at)) in asked.iter() {
                let p = peers.entry(*a).or_insert_with(|| kactl::SyncPeer {
                    address: a.to_string(),
                    ..Default::default()
                });
                p.asks = *asks;
                p.answered = *answered;
                p.last_ask_secs = Some(now.saturating_duration_since(*at).as_secs_f64());
            }
        }
        st.peers = peers.into_values().collect();
        Some(st)
    }
}
