//! Announcing virtual servers to the local BGP daemon: the shell around
//! [`decide::Announcer`]. An announced address is a route
//! `ADDR/32 dev lo table T proto P` in a kernel routing table that the BGP
//! daemon imports (BIRD's `protocol kernel { kernel table T; learn; }`,
//! FRR's `ip import-table T`): an interface both daemons already have, so
//! kad speaks no BGP. The addresses themselves are made local (a route
//! `local ADDR dev lo table local`, unless `no_local_address`), for IPVS to
//! take their packets, from start until the planned stop's
//! `withdraw_delay` is over.
//!
//! One thread of its own with a small runtime: netlink round trips never
//! wait on the VRRP or the checks thread, which only send it events.

pub mod decide;

use decide::{Announcer, Change, Micros, Route, Spec};
use futures::TryStreamExt;
use kad_config::model::Config;
use rtnetlink::packet_route::route::{RouteAttribute, RouteMessage};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

enum Cmd {
    Quorum(String, bool),
    Instance(String, &'static str),
    Reload(Vec<Spec>),
    /// The planned stop begins: withdraw everything now.
    Stop,
    /// Answer once `withdraw_delay` is over and the local addresses are
    /// gone (withdrawing first if `Stop` did not come).
    Finish(oneshot::Sender<()>),
}

/// The daemon's side: events in, status out.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Cmd>,
    core: Arc<Mutex<Announcer>>,
    epoch: Instant,
}

fn now(epoch: Instant) -> Micros {
    epoch.elapsed().as_micros() as Micros
}

impl Handle {
    /// Start announcing `cfg`'s virtual servers, whose quorum at start is
    /// `quorum` (by the checks' labels). None when nothing is announced
    /// (a reload cannot add announcing to a kad started without it).
    pub fn spawn(cfg: &Config, quorum: HashMap<String, bool>) -> Option<Handle> {
        let specs = decide::specs(cfg);
        if specs.is_empty() {
            return None;
        }
        let epoch = Instant::now();
        let core = Arc::new(Mutex::new(Announcer::new(specs, quorum, 0)));
        let (tx, rx) = mpsc::unbounded_channel();
        let c2 = core.clone();
        let spawned = std::thread::Builder::new()
            .name("kad-announce".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(run(c2, rx, epoch)),
                    Err(e) => tracing::error!("announce: cannot start a runtime: {e}"),
                }
            });
        if let Err(e) = spawned {
            tracing::error!("announce: cannot start: {e}");
            return None;
        }
        Some(Handle { tx, core, epoch })
    }

    pub fn quorum(&self, label: &str, up: bool) {
        let _ = self.tx.send(Cmd::Quorum(label.to_string(), up));
    }

    pub fn instance(&self, name: &str, state: &'static str) {
        let _ = self.tx.send(Cmd::Instance(name.to_string(), state));
    }

    pub fn reload(&self, cfg: &Config) {
        let _ = self.tx.send(Cmd::Reload(decide::specs(cfg)));
    }

    /// The planned stop begins (SIGTERM): withdraw now, without waiting.
    pub fn begin_stop(&self) {
        let _ = self.tx.send(Cmd::Stop);
    }

    /// Wait until the IPVS entries may go: `withdraw_delay` after the
    /// withdrawal, the local addresses removed.
    pub async fn finish(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Cmd::Finish(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    pub fn status(&self) -> Vec<kactl::AnnouncementStatus> {
        match self.core.lock() {
            Ok(c) => c.status(now(self.epoch)),
            Err(_) => vec![],
        }
    }
}

/// The netlink side: kad's routes, announced and local.
struct Kernel {
    handle: rtnetlink::Handle,
    lo: u32,
    /// The addresses kad made local, with the protocol of their route
    /// (those local already stay at stop).
    added: BTreeSet<(IpAddr, u8)>,
}

impl Kernel {
    fn message(&self, r: &Route) -> Option<RouteMessage> {
        let route = kad_config::model::Route {
            dst: kad_config::model::Prefix {
                addr: r.addr,
                len: if r.addr.is_ipv4() { 32 } else { 128 },
            },
            kind: Default::default(),
            src: None,
            via: None,
            dev: Some("lo".into()),
            table: Some(r.table),
            metric: r.metric,
            scope: None,
            protocol: Some(r.protocol.to_string()),
            onlink: false,
            nexthops: vec![],
            no_track: true,
        };
        kad_vrrp::io::route::message(&route, |_| Some(self.lo))
            .map_err(|e| tracing::warn!("announce: route {}: {e}", r.addr))
            .ok()
    }

    async fn apply(&self, changes: Vec<Change>) {
        for c in changes {
            match c {
                Change::Log(line) => tracing::info!("{line}"),
                Change::Add(r) => {
                    let Some(m) = self.message(&r) else { continue };
                    let what = format!("{}/{} table {}", r.addr, host_len(r.addr), r.table);
                    if let Err(e) = kad_vrrp::io::route::add(&self.handle, m, &what).await {
                        tracing::warn!("announce: {e}");
                    }
                }
                Change::Del(r) => {
                    let Some(m) = self.message(&r) else { continue };
                    let what = format!("{}/{} table {}", r.addr, host_len(r.addr), r.table);
                    if let Err(e) = kad_vrrp::io::route::del(&self.handle, m, &what).await {
                        tracing::warn!("announce: {e}");
                    }
                }
            }
        }
    }

    /// Routes of kad's protocol in kad's tables that it does not want: a
    /// kad that was killed left them (the BGP daemon still announces them).
    async fn remove_stale(&self, specs: &[Spec], want: &BTreeSet<Route>) {
        let ours: BTreeSet<(u32, u8)> = specs
            .iter()
            .map(|s| (s.announce.table, s.announce.protocol))
            .collect();
        for (m, table, proto, dst) in self.dump(&ours).await {
            let wanted = dst.is_some_and(|addr| {
                want.iter()
                    .any(|r| r.addr == addr && r.table == table && r.protocol == proto)
            });
            if wanted {
                continue;
            }
            let what = dst.map_or("?".to_string(), |d| d.to_string());
            tracing::info!("announce: removing {what}, left by an earlier run");
            if let Err(e) = kad_vrrp::io::route::del(&self.handle, m, &what).await {
                tracing::warn!("announce: {e}");
            }
        }
    }

    /// kad's routes (`proto P`) in the kernel's tables `ours`: each with
    /// its table, protocol and destination.
    async fn dump(
        &self,
        ours: &BTreeSet<(u32, u8)>,
    ) -> Vec<(RouteMessage, u32, u8, Option<IpAddr>)> {
        let dumps = [
            rtnetlink::RouteMessageBuilder::<Ipv4Addr>::new().build(),
            rtnetlink::RouteMessageBuilder::<Ipv6Addr>::new().build(),
        ];
        let mut out = Vec::new();
        for d in dumps {
            let mut routes = self.handle.route().get(d).execute();
            loop {
                match routes.try_next().await {
                    Ok(Some(m)) => {
                        let table = m
                            .attributes
                            .iter()
                            .find_map(|a| match a {
                                RouteAttribute::Table(t) => Some(*t),
                                _ => None,
                            })
                            .unwrap_or(u32::from(m.header.table));
                        let proto = u8::from(m.header.protocol);
                        if !ours.contains(&(table, proto)) {
                            continue;
                        }
                        let dst = m.attributes.iter().find_map(|a| match a {
                            RouteAttribute::Destination(d) => ip_of(d),
                            _ => None,
                        });
                        out.push((m, table, proto, dst));
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!("announce: reading the routes: {e}");
                        break;
                    }
                }
            }
        }
        out
    }

    /// `local ADDR/32 dev lo table local proto P`: the address is this
    /// node's (IPVS takes its packets) without being an interface address,
    /// which FRR would prefer (as connected) to kad's imported route.
    fn local_message(&self, a: IpAddr, protocol: u8) -> RouteMessage {
        use rtnetlink::packet_route::route::{RouteProtocol, RouteScope, RouteType};
        match a {
            IpAddr::V4(v) => rtnetlink::RouteMessageBuilder::<Ipv4Addr>::new()
                .destination_prefix(v, 32)
                .output_interface(self.lo)
                .table_id(LOCAL_TABLE)
                .kind(RouteType::Local)
                .scope(RouteScope::Host)
                .protocol(RouteProtocol::from(protocol))
                .build(),
            IpAddr::V6(v) => rtnetlink::RouteMessageBuilder::<Ipv6Addr>::new()
                .destination_prefix(v, 128)
                .output_interface(self.lo)
                .table_id(LOCAL_TABLE)
                .kind(RouteType::Local)
                .scope(RouteScope::Host)
                .protocol(RouteProtocol::from(protocol))
                .build(),
        }
    }

    /// Every announced address local (unless `no_local_address`), from
    /// start to the end of the planned stop. One that is local already
    /// (an interface address) is left alone; kad's own from an earlier run
    /// are taken over, or removed when no longer wanted.
    async fn local_addresses(&mut self, specs: &[Spec]) {
        let want: BTreeSet<(IpAddr, u8)> = specs
            .iter()
            .filter(|s| !s.announce.no_local_address)
            .flat_map(|s| s.addrs.iter().map(|&a| (a, s.announce.protocol)))
            .collect();
        if self.added.is_empty() {
            let protos: BTreeSet<(u32, u8)> = specs
                .iter()
                .map(|s| (LOCAL_TABLE, s.announce.protocol))
                .collect();
            for (_, _, proto, dst) in self.dump(&protos).await {
                if let Some(a) = dst {
                    self.added.insert((a, proto));
                }
            }
        }
        for &(a, p) in want.difference(&self.added.clone()) {
            match self
                .handle
                .route()
                .add(self.local_message(a, p))
                .execute()
                .await
            {
                Ok(()) => {
                    tracing::info!("announce: {a} is local (table local, dev lo)");
                    self.added.insert((a, p));
                }
                Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::EEXIST => {
                    tracing::info!("announce: {a} is local already");
                }
                Err(e) => tracing::warn!("announce: making {a} local: {e}"),
            }
        }
        // A reload that dropped an address (or an earlier run's): kad's own goes.
        let gone: Vec<(IpAddr, u8)> = self.added.difference(&want).copied().collect();
        for x in gone {
            self.remove_local(x).await;
        }
    }

    async fn remove_local(&mut self, (a, p): (IpAddr, u8)) {
        self.added.remove(&(a, p));
        let what = format!("local {a}");
        match kad_vrrp::io::route::del(&self.handle, self.local_message(a, p), &what).await {
            Ok(()) => tracing::info!("announce: {a} is no longer local"),
            Err(e) => tracing::warn!("announce: {e}"),
        }
    }
}

/// The kernel's `local` table.
const LOCAL_TABLE: u32 = 255;

fn host_len(a: IpAddr) -> u8 {
    if a.is_ipv4() {
        32
    } else {
        128
    }
}

fn ip_of(d: &rtnetlink::packet_route::route::RouteAddress) -> Option<IpAddr> {
    use rtnetlink::packet_route::route::RouteAddress;
    match d {
        RouteAddress::Inet(v) => Some(IpAddr::V4(*v)),
        RouteAddress::Inet6(v) => Some(IpAddr::V6(*v)),
        _ => None,
    }
}

async fn open() -> Option<Kernel> {
    let (conn, handle, _) = rtnetlink::new_connection()
        .map_err(|e| tracing::error!("announce: no netlink: {e}"))
        .ok()?;
    tokio::spawn(conn);
    let lo = kad_vrrp::io::iface::lookup(&handle, "lo")
        .await
        .map_err(|e| tracing::error!("announce: {e}"))
        .ok()?
        .index;
    Some(Kernel {
        handle,
        lo,
        added: BTreeSet::new(),
    })
}

async fn run(core: Arc<Mutex<Announcer>>, mut rx: mpsc::UnboundedReceiver<Cmd>, epoch: Instant) {
    let Some(mut k) = open().await else {
        // Without netlink nothing is announced; the stop must not wait.
        while let Some(c) = rx.recv().await {
            if let Cmd::Finish(reply) = c {
                let _ = reply.send(());
            }
        }
        return;
    };
    let Some((specs, first, want)) = core.lock().ok().map(|mut c| {
        let first = c.start(now(epoch));
        (c.specs().to_vec(), first, c.routes().clone())
    }) else {
        return;
    };
    k.local_addresses(&specs).await;
    k.remove_stale(&specs, &want).await;
    k.apply(first).await;
    let mut until: Option<Micros> = None;
    while let Some(cmd) = rx.recv().await {
        let t = now(epoch);
        // The decision under the lock; the netlink work after it.
        let next = {
            let Ok(mut c) = core.lock() else { return };
            match cmd {
                Cmd::Quorum(label, up) => Next::Apply(c.quorum(t, &label, up)),
                Cmd::Instance(name, state) => Next::Apply(c.instance(t, &name, state)),
                Cmd::Reload(specs) => {
                    let changes = c.reload(t, specs);
                    Next::Reload(changes, c.specs().to_vec())
                }
                Cmd::Stop => {
                    let (changes, at) = c.stop(t);
                    until.get_or_insert(at);
                    Next::Apply(changes)
                }
                Cmd::Finish(reply) => {
                    let (changes, at) = c.stop(t);
                    Next::Finish(changes, *until.get_or_insert(at), reply)
                }
            }
        };
        match next {
            Next::Apply(changes) => k.apply(changes).await,
            Next::Reload(changes, specs) => {
                k.local_addresses(&specs).await;
                k.apply(changes).await;
            }
            Next::Finish(changes, at, reply) => {
                k.apply(changes).await;
                let wait = Duration::from_micros(at.saturating_sub(now(epoch)));
                if !wait.is_zero() {
                    tracing::info!(
                        "announce: withdrawn; the IPVS entries stay {:.1} s more (withdraw_delay)",
                        wait.as_secs_f64()
                    );
                    tokio::time::sleep(wait).await;
                }
                let added: Vec<(IpAddr, u8)> = k.added.iter().copied().collect();
                for x in added {
                    k.remove_local(x).await;
                }
                tracing::info!("announce: withdraw_delay over: the IPVS entries go");
                let _ = reply.send(());
                return;
            }
        }
    }
}

/// What the loop does once the core has decided.
enum Next {
    Apply(Vec<Change>),
    Reload(Vec<Change>, Vec<Spec>),
    Finish(Vec<Change>, Micros, oneshot::Sender<()>),
}
