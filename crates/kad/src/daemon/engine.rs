//! The VRRP engine: owns the instances, their sockets, trackers and
//! addresses, and turns the pure state machines' actions into packets,
//! addresses and notifications. One task, one event queue.

use super::fifo::{self, Fifo};
use super::{control::Query, scripts};
use kactl::{IpvsStatus, Request, Response, Status, VrrpCounters, VrrpStatus};
use kad_config::model::TrackFile;
use kad_config::model::{Config, GlobalDefs, IpAddress, Notify, Script, VrrpInstance};
use kad_vrrp::fsm::{Action, Input, Instance, State};
use kad_vrrp::io::socket::{Received, VrrpSocket, VrrpSocket4};
use kad_vrrp::io::socket6::VrrpSocket6;
use kad_vrrp::io::{addr, arp::GarpSender, iface, link};
use kad_vrrp::packet::{self, Auth, V3Checksum, Version};
use kad_vrrp::track::{self, ScriptState, Tracked};
use kad_vrrp::validate::{self, AddrList, RxPolicy};
use kad_vrrp::{group, params, Time};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stop may wait for masters to hand over before VIPs are
/// removed regardless.
const STOP_GRACE: Duration = Duration::from_secs(5);

mod operator;
mod release;
pub mod reload;
pub use release::Release;
mod snapshot;

pub enum Event {
    Rx(usize, Received),
    RxError(usize, String),
    Link(link::LinkEvent),
    Script(usize, bool),
    /// A `track_file` has a new value.
    File(usize, i64),
    /// A reloaded configuration (checked, without errors).
    Reload(Box<Config>),
    /// The state for keepalived's dumps (SIGUSR1, SIGUSR2, SIGRTMIN+2).
    Dump(tokio::sync::oneshot::Sender<super::dump::Snapshot>),
    /// SIGRTMAX-1: clear the counters.
    ClearStats,
    Stop,
}

struct Inst {
    cfg: VrrpInstance,
    fsm: Instance,
    ifindex: u32,
    sock: usize,
    garp: GarpSender,
    src: IpAddr,
    /// Where adverts go: the multicast group, or each unicast peer.
    dst: Vec<IpAddr>,
    unicast: bool,
    policy: RxPolicy,
    advertised: Vec<IpAddr>,
    auth: Auth,
    group: Option<usize>,
    fault_reasons: Vec<String>,
    /// State changes since start (for the metrics).
    transitions: u64,
}

struct Group {
    name: String,
    members: Vec<usize>,
    notify: Notify,
    state: Option<State>,
}

struct ScriptRt {
    name: String,
    state: ScriptState,
    weight: i32,
    reverse: bool,
}

pub struct Engine {
    started: std::time::Instant,
    handle: rtnetlink::Handle,
    insts: Vec<Inst>,
    groups: Vec<Group>,
    sockets: Vec<Arc<VrrpSocket>>,
    scripts: Vec<ScriptRt>,
    /// Each `track_file` and its current value.
    files: Vec<(kad_config::model::TrackFile, i64)>,
    links: HashMap<String, bool>,
    fifo: Option<Fifo>,
    global: GlobalDefs,
    ipvs: IpvsStatus,
    stopping: Option<Time>,
    /// `lvs_sync_daemon ... inst NAME`: the sync daemon follows NAME.
    sync: Option<(kad_ipvs::netlink::msg::DaemonSpec, String)>,
    checks: Option<super::checks::Checks>,
    /// `kactl sync-bulk` and the periodic replay (`--sync-bulk-interval`).
    bulk: Option<super::sync_bulk::Replays>,
    /// `-V` / `-X`.
    release: Release,
    /// The operator's priorities (`kactl priority` / `failover`), by
    /// instance name: they replace the configured priority under the
    /// trackers.
    prio_override: HashMap<String, u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("({instance}) {source}")]
    Io {
        instance: String,
        #[source]
        source: kad_vrrp::io::IoError,
    },
    #[error("({0}) has no IPv4 address to send adverts from: set mcast_src_ip / unicast_src_ip")]
    NoSource(String),
    #[error("netlink: {0}")]
    Netlink(std::io::Error),
}

impl Engine {
    pub async fn new(cfg: &Config, tx: mpsc::Sender<Event>) -> Result<Engine, SetupError> {
        let (conn, handle, _) = rtnetlink::new_connection().map_err(SetupError::Netlink)?;
        tokio::spawn(conn);
        let mut sockets: Vec<Arc<VrrpSocket>> = Vec::new();
        let mut sock_of_if: HashMap<(String, bool), usize> = HashMap::new();
        let mut insts = Vec::new();
        let mut links = HashMap::new();
        let wrap = |name: &str| {
            let instance = name.to_string();
            move |source| SetupError::Io { instance, source }
        };
        let ifname_of = |o: &VrrpInstance| o.ifname.clone();
        // The multicast group of an instance, in its family.
        let group_of = |o: &VrrpInstance| -> IpAddr {
            match (o.ipv6, o.mcast_dst_ip) {
                (false, Some(a @ IpAddr::V4(_))) | (true, Some(a @ IpAddr::V6(_))) => a,
                (false, _) => cfg.global.vrrp_mcast_group4,
                (true, _) => cfg.global.vrrp_mcast_group6,
            }
        };
        for c in &cfg.vrrp_instances {
            let v6 = c.ipv6;
            let ifname = ifname_of(c);
            let ifc = iface::lookup(&handle, &ifname)
                .await
                .map_err(wrap(&c.name))?;
            links.insert(ifname.clone(), ifc.running);
            let vips: Vec<IpAddr> = params::advertised(c);
            let configured = c
                .unicast_src_ip
                .or(c.mcast_src_ip)
                .filter(|a| a.is_ipv6() == v6);
            // A link that just came up may not have its (link-local)
            // address yet: give it a few seconds.
            let mut src = configured.or_else(|| ifc.source_addr(v6, &vips));
            let mut waited = Duration::ZERO;
            while src.is_none() && waited < Duration::from_secs(5) {
                tokio::time::sleep(Duration::from_millis(100)).await;
                waited += Duration::from_millis(100);
                src = iface::lookup(&handle, &ifname)
                    .await
                    .ok()
                    .and_then(|i| i.source_addr(v6, &vips));
            }
            let Some(src) = src else {
                return Err(SetupError::NoSource(c.name.clone()));
            };
            let unicast = !c.unicast_peers.is_empty();
            let dst: Vec<IpAddr> = if unicast {
                c.unicast_peers
                    .iter()
                    .map(|p| p.addr)
                    .filter(|a| a.is_ipv6() == v6)
                    .collect()
            } else {
                vec![group_of(c)]
            };
            let sock = match sock_of_if.get(&(ifname.clone(), v6)) {
                Some(&s) => s,
                None => {
                    let mut groups: Vec<IpAddr> = cfg
                        .vrrp_instances
                        .iter()
                        .filter(|o| {
                            ifname_of(o) == ifname && o.unicast_peers.is_empty() && o.ipv6 == v6
                        })
                        .map(group_of)
                        .collect();
                    groups.sort();
                    groups.dedup();
                    let s = if v6 {
                        let g: Vec<_> = groups
                            .iter()
                            .filter_map(|a| {
                                if let IpAddr::V6(a) = a {
                                    Some(*a)
                                } else {
                                    None
                                }
                            })
                            .collect();
                        VrrpSocket::V6(
                            VrrpSocket6::open(&ifname, ifc.index, &g).map_err(wrap(&c.name))?,
                        )
                    } else {
                        let g: Vec<_> = groups
                            .iter()
                            .filter_map(|a| {
                                if let IpAddr::V4(a) = a {
                                    Some(*a)
                                } else {
                                    None
                                }
                            })
                            .collect();
                        VrrpSocket::V4(
                            VrrpSocket4::open(&ifname, ifc.index, &g).map_err(wrap(&c.name))?,
                        )
                    };
                    sockets.push(Arc::new(s));
                    sock_of_if.insert((ifname.clone(), v6), sockets.len() - 1);
                    sockets.len() - 1
                }
            };
            let garp = GarpSender::open(ifc.index, ifc.mac).map_err(wrap(&c.name))?;
            let fsm = Instance::new(params::params(c, src, true));
            let advertised = vips.iter().copied().filter(|a| a.is_ipv6() == v6).collect();
            for t in &c.track.interfaces {
                let running = iface::lookup(&handle, &t.name)
                    .await
                    .map(|i| i.running)
                    .unwrap_or(false);
                links.insert(t.name.clone(), running);
            }
            insts.push(Inst {
                cfg: c.clone(),
                fsm,
                ifindex: ifc.index,
                sock,
                garp,
                src,
                dst,
                unicast,
                policy: params::rx_policy(c),
                advertised,
                auth: params::auth(c),
                group: None,
                fault_reasons: Vec::new(),
                transitions: 0,
            });
        }
        let mut groups = Vec::new();
        for g in &cfg.sync_groups {
            let members: Vec<usize> = g
                .members
                .iter()
                .filter_map(|m| insts.iter().position(|i: &Inst| &i.cfg.name == m))
                .collect();
            for &m in &members {
                insts[m].group = Some(groups.len());
            }
            groups.push(Group {
                name: g.name.clone(),
                members,
                notify: g.notify.clone(),
                state: None,
            });
        }
        let scripts = cfg
            .vrrp_scripts
            .iter()
            .map(|s| ScriptRt {
                name: s.name.clone(),
                state: ScriptState::new(s.rise, s.fall, s.init_fail),
                weight: s.weight,
                reverse: s.weight_reverse,
            })
            .collect();
        // Receive loops and the link watcher feed the event queue.
        for (i, s) in sockets.iter().enumerate() {
            let s = s.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                loop {
                    match s.recv().await {
                        Ok(p) => {
                            if tx.send(Event::Rx(i, p)).await.is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Event::RxError(i, e.to_string())).await;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            });
        }
        let (ltx, mut lrx) = mpsc::unbounded_channel();
        if let Err(e) = link::watch(ltx) {
            tracing::warn!("no link events (track_interface will not react): {e}");
        }
        let tx2 = tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = lrx.recv().await {
                if tx2.send(Event::Link(ev)).await.is_err() {
                    return;
                }
            }
        });
        for (idx, s) in cfg.vrrp_scripts.iter().enumerate() {
            let s = s.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                loop {
                    let ok = scripts::check(&s.script, s.timeout).await;
                    if tx.send(Event::Script(idx, ok)).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(s.interval).await;
                }
            });
        }
        cfg.track_files.iter().for_each(init_track_file);
        let files: Vec<(TrackFile, i64)> = cfg
            .track_files
            .iter()
            .map(|f| (f.clone(), read_track_file(f)))
            .collect();
        for (idx, (f, first)) in files.iter().enumerate() {
            let (f, tx, mut last) = (f.clone(), tx.clone(), *first);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    let v = read_track_file(&f);
                    if v != last {
                        last = v;
                        if tx.send(Event::File(idx, v)).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
        let fifo = cfg
            .global
            .vrrp_notify_fifo
            .as_ref()
            .or(cfg.global.notify_fifo.as_ref())
            .and_then(|f| {
                Fifo::open(f)
                    .map_err(|e| tracing::warn!("notify FIFO {}: {e}", f.path))
                    .ok()
            });
        let available = super::ipvs_probe::available();
        let message = (!available).then(|| {
            "this kernel has no IPVS: virtual servers cannot be programmed (VRRP runs)".to_string()
        });
        Ok(Engine {
            started: std::time::Instant::now(),
            handle,
            insts,
            groups,
            sockets,
            scripts,
            files,
            links,
            fifo,
            global: cfg.global.clone(),
            ipvs: IpvsStatus {
                available,
                message,
                virtual_servers: cfg.virtual_servers.len(),
                services: Vec::new(),
            },
            stopping: None,
            release: Release::default(),
            sync: None,
            checks: None,
            bulk: None,
            prio_override: HashMap::new(),
        })
    }

    /// Enable connection-table replays to the sync backups.
    pub fn set_sync_bulk(&mut self, r: super::sync_bulk::Replays) {
        self.bulk = Some(r);
    }

    /// Replay the table now, on a blocking thread; answer `reply` if asked.
    fn sync_bulk(&self, reply: Option<tokio::sync::oneshot::Sender<Response>>) {
        let Some(r) = self.bulk.clone() else {
            if let Some(tx) = reply {
                let _ = tx.send(Response::Error {
                    error: "no lvs_sync_daemon in the configuration (or no IPVS)".into(),
                });
            }
            return;
        };
        tokio::task::spawn_blocking(move || match (reply, r.run()) {
            (Some(tx), Ok(r)) => {
                let _ = tx.send(Response::SyncBulk(r));
            }
            (Some(tx), Err(error)) => {
                let _ = tx.send(Response::Error { error });
            }
            (None, Err(e)) => tracing::warn!("sync bulk: {e}"),
            (None, Ok(_)) => {}
        });
    }

    /// Whether this node is the sync master (always, without `inst`).
    fn sync_master(&self) -> bool {
        match &self.sync {
            Some((_, name)) => self
                .insts
                .iter()
                .any(|i| &i.cfg.name == name && i.fsm.state() == State::Master),
            None => true,
        }
    }

    /// Let the IPVS sync daemon follow `instance`'s state (keepalived's
    /// `lvs_sync_daemon IF inst NAME`).
    pub fn follow_sync(&mut self, spec: kad_ipvs::netlink::msg::DaemonSpec, instance: String) {
        self.sync = Some((spec, instance));
    }

    /// Show the health checks in `kactl status`.
    pub fn set_checks(&mut self, c: super::checks::Checks) {
        self.checks = Some(c);
    }

    fn now(&self) -> Time {
        Time::from_micros(self.started.elapsed().as_micros() as u64)
    }

    fn instant(&self, t: Time) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.started + Duration::from_micros(t.as_micros()))
    }

    /// Run until stopped; returns when every instance has let go.
    pub async fn run(
        mut self,
        mut events: mpsc::Receiver<Event>,
        mut queries: mpsc::Receiver<Query>,
    ) {
        for i in 0..self.insts.len() {
            self.recompute(i, false).await;
        }
        for i in 0..self.insts.len() {
            self.drive(i, Input::Start).await;
        }
        // The periodic replay (the first one a period after start).
        let bulk_every = self.bulk.as_ref().and_then(|b| b.every);
        let period = bulk_every.unwrap_or(Duration::from_secs(3600));
        let mut bulk_tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let timer = match super::timer::Timer::new() {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("cannot create a timer: {e}");
                return;
            }
        };
        loop {
            let deadline = self
                .insts
                .iter()
                .filter_map(|i| i.fsm.next_deadline())
                .min();
            let stop_by = self.stopping.map(|t| t + STOP_GRACE);
            let wake = [deadline, stop_by].into_iter().flatten().min();
            if let Err(e) = timer.set(wake.map(|t| self.instant(t).into_std())) {
                tracing::error!("timer: {e}");
            }
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(ev) => self.on_event(ev).await,
                    None => break,
                },
                q = queries.recv() => {
                    match q {
                        Some((Request::SyncBulk, reply)) => self.sync_bulk(Some(reply)),
                        Some((Request::Status, reply)) => self.status_reply(reply),
                        Some((Request::Operator(op), reply)) => {
                            let r = self.operator(op).await;
                            let _ = reply.send(r);
                        }
                        None => {}
                    }
                }
                _ = bulk_tick.tick(), if bulk_every.is_some() => {
                    if self.sync_master() && self.stopping.is_none() {
                        self.sync_bulk(None);
                    }
                }
                r = timer.wait(), if wake.is_some() => {
                    if r.is_ok() {
                        for i in 0..self.insts.len() {
                            self.drive(i, Input::Tick).await;
                        }
                    }
                }
            }
            if let Some(since) = self.stopping {
                let done = self.insts.iter().all(|i| !i.fsm.holds_vips());
                if done || self.now() >= since + STOP_GRACE {
                    break;
                }
            }
        }
        // Never leave a VIP behind.
        for i in 0..self.insts.len() {
            if self.insts[i].fsm.holds_vips() || self.stopping.is_some() {
                self.remove_vips(i).await;
            }
        }
    }

    async fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Rx(sock, pkt) => self.on_packet(sock, pkt).await,
            Event::RxError(sock, e) => {
                tracing::warn!("receiving on {}: {e}", self.sockets[sock].ifname())
            }
            Event::Link(l) => {
                let known = self.links.insert(l.name.clone(), l.running);
                if known.is_some() && known != Some(l.running) {
                    tracing::info!(
                        "interface {} is {}",
                        l.name,
                        if l.running { "up" } else { "down" }
                    );
                    for i in 0..self.insts.len() {
                        self.recompute(i, true).await;
                    }
                }
            }
            Event::Script(idx, ok) => {
                if self.scripts[idx].state.result(ok) {
                    let s = &self.scripts[idx];
                    tracing::info!(
                        "VRRP_Script({}) {}",
                        s.name,
                        if s.state.up { "succeeded" } else { "failed" }
                    );
                    for i in 0..self.insts.len() {
                        self.recompute(i, true).await;
                    }
                }
            }
            Event::File(idx, v) => {
                tracing::info!("track_file {} is now {v}", self.files[idx].0.name);
                self.files[idx].1 = v;
                for i in 0..self.insts.len() {
                    self.recompute(i, true).await;
                }
            }
            Event::Reload(cfg) => {
                if self.stopping.is_none() {
                    self.reload(&cfg).await;
                }
            }
            Event::Dump(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Event::ClearStats => self.clear_stats(),
            Event::Stop => {
                if self.stopping.is_none() {
                    self.stopping = Some(self.now());
                    for i in 0..self.insts.len() {
                        self.drive(i, Input::Stop).await;
                    }
                }
            }
        }
    }

    async fn on_packet(&mut self, sock: usize, pkt: Received) {
        let Received {
            src,
            dst,
            ttl,
            protocol,
            payload,
        } = pkt;
        if protocol != packet::IPPROTO_VRRP || self.insts.iter().any(|i| i.src == src) {
            return;
        }
        let multicast = dst.is_multicast();
        let vrid = payload.get(1).copied();
        let target = self.insts.iter().position(|i| {
            i.sock == sock
                && Some(i.cfg.vrid.0) == vrid
                && if multicast {
                    !i.unicast && i.dst.contains(&dst)
                } else {
                    i.unicast && dst == i.src
                }
        });
        let Some(t) = target else { return };
        let adv = match packet::decode(&payload, dst.is_ipv6(), src, dst) {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!(
                    "({}) dropped a packet from {src}: {e}",
                    self.insts[t].cfg.name
                );
                self.insts[t].fsm.stats.record(e);
                return;
            }
        };
        match validate::check(&adv, ttl, src, multicast, &self.insts[t].policy) {
            Ok(list) => {
                if list == AddrList::Differs {
                    self.insts[t].fsm.stats.addr_list_err += 1;
                }
                let input = Input::Advert {
                    src,
                    priority: adv.priority,
                    interval: adv.interval,
                };
                self.drive(t, input).await;
            }
            Err(e) => {
                tracing::debug!(
                    "({}) dropped an advert from {}: {e}",
                    self.insts[t].cfg.name,
                    src
                );
                self.insts[t].fsm.stats.record(e);
            }
        }
    }

    /// Recompute trackers of instance `i` and feed changes to its machine
    /// (and, for faults, to its sync group).
    async fn recompute(&mut self, i: usize, feed: bool) {
        let inst = &self.insts[i];
        let mut tracked = Vec::new();
        let mut reasons = Vec::new();
        let ifname = inst.cfg.ifname.clone();
        if !inst.cfg.dont_track_primary && !self.links.get(&ifname).copied().unwrap_or(true) {
            reasons.push(format!("interface {ifname} is down"));
        }
        for t in &inst.cfg.track.interfaces {
            let up = self.links.get(&t.name).copied().unwrap_or(false);
            let weight = t.weight.map_or(0, |w| w.0);
            tracked.push(Tracked {
                weight,
                reverse: t.reverse,
                up,
            });
            if weight == 0 && up == t.reverse {
                reasons.push(format!("tracked interface {} is down", t.name));
            }
        }
        for t in &inst.cfg.track.scripts {
            if let Some(s) = self.scripts.iter().find(|s| s.name == t.name) {
                let weight = t.weight.map_or(s.weight, |w| w.0);
                let reverse = t.reverse || s.reverse;
                tracked.push(Tracked {
                    weight,
                    reverse,
                    up: s.state.up,
                });
                if weight == 0 && s.state.up == reverse {
                    reasons.push(format!("track script {} failed", t.name));
                }
            }
        }
        let mut extra = 0i64;
        for t in &inst.cfg.track.files {
            let Some((f, value)) = self.files.iter().find(|(f, _)| f.name == t.name) else {
                continue;
            };
            let weight = t.weight.map_or(f.weight, |w| w.0);
            match track::file_delta(*value, weight, t.reverse || f.reverse) {
                Some(d) => extra += d,
                None => reasons.push(format!("track file {} is {value}", t.name)),
            }
        }
        let base = self
            .prio_override
            .get(&inst.cfg.name)
            .copied()
            .unwrap_or(inst.cfg.priority.0);
        let (prio, own_fault) = match track::effective_with(base, &tracked, extra) {
            track::Effective::Priority(p) => (p, !reasons.is_empty()),
            track::Effective::Fault => (inst.fsm.priority(), true),
        };
        self.insts[i].fault_reasons = reasons;
        if !feed {
            // Before Start: set the initial priority and fault quietly.
            self.insts[i].fsm.handle(Time::ZERO, Input::Priority(prio));
            if own_fault {
                self.insts[i].fsm.handle(Time::ZERO, Input::Fault(true));
            }
            return;
        }
        if prio != self.insts[i].fsm.priority() {
            tracing::info!(
                "({}) effective priority {} -> {prio}",
                self.insts[i].cfg.name,
                self.insts[i].fsm.priority()
            );
            self.drive(i, Input::Priority(prio)).await;
        }
        // A group faults as one.
        let members = match self.insts[i].group {
            Some(g) => self.groups[g].members.clone(),
            None => vec![i],
        };
        let own: Vec<bool> = members
            .iter()
            .map(|&m| {
                if m == i {
                    own_fault
                } else {
                    !self.insts[m].fault_reasons.is_empty()
                }
            })
            .collect();
        for (m, f) in members.into_iter().zip(group::faults(&own)) {
            self.drive(m, Input::Fault(f)).await;
        }
    }

    /// Feed one input and carry out the actions, following sync groups.
    async fn drive(&mut self, first: usize, input: Input) {
        let mut queue = VecDeque::from([(first, input)]);
        while let Some((i, input)) = queue.pop_front() {
            let now = self.now();
            let actions = self.insts[i].fsm.handle(now, input);
            for a in actions {
                if let Action::Transition { from, to } = a {
                    if let (Some(g), Some(follow)) = (self.insts[i].group, group::follow(from, to))
                    {
                        if self.stopping.is_none() {
                            for &m in &self.groups[g].members {
                                if m != i {
                                    queue.push_back((m, follow));
                                }
                            }
                        }
                    }
                }
                self.execute(i, a).await;
            }
        }
    }

    async fn execute(&mut self, i: usize, a: Action) {
        match a {
            Action::SendAdvert { priority } => self.send_advert(i, priority),
            Action::AddVips => self.add_vips(i).await,
            Action::RemoveVips => self.remove_vips(i).await,
            Action::Garp { repeat } => self.garp(i, repeat),
            Action::Transition { from, to } => {
                self.transitioned(i, from, to);
                self.release_on(i, to).await;
            }
            Action::MasterRxLowerPriority { src, priority } => {
                let inst = &self.insts[i];
                tracing::info!("({}) received lower priority advert ({priority}) from {src}, forcing a new election", inst.cfg.name);
                if let Some(s) = &inst.cfg.notify.master_rx_lower_pri {
                    scripts::notify(s, vec![], NOTIFY_TIMEOUT);
                }
                let line =
                    fifo::vrrp_line("INSTANCE", &inst.cfg.name, "MASTER_RX_LOWER_PRI", priority);
                if let Some(f) = &mut self.fifo {
                    f.line(&line);
                }
            }
        }
    }

    fn send_advert(&mut self, i: usize, priority: u8) {
        let inst = &self.insts[i];
        let vrid = inst.cfg.vrid.0;
        let ttl = if inst.unicast {
            inst.cfg.unicast_ttl
        } else {
            255
        };
        for &dst in &inst.dst {
            let payload = match params::version(&inst.cfg) {
                Version::V2 => {
                    let secs = (inst.cfg.advert_int.0 / 100).clamp(1, 255) as u8;
                    let v4: Vec<std::net::Ipv4Addr> = inst
                        .advertised
                        .iter()
                        .filter_map(|a| {
                            if let IpAddr::V4(v) = a {
                                Some(*v)
                            } else {
                                None
                            }
                        })
                        .collect();
                    packet::encode_v2(vrid, priority, secs, &v4, inst.auth)
                }
                Version::V3 => {
                    let csum = if dst.is_ipv6() {
                        V3Checksum::Kernel
                    } else if inst.cfg.v3_checksum_as_v2 {
                        V3Checksum::MessageOnly
                    } else {
                        V3Checksum::Pseudo { src: inst.src, dst }
                    };
                    packet::encode_v3(vrid, priority, inst.cfg.advert_int, &inst.advertised, csum)
                }
            };
            if let Err(e) = self.sockets[inst.sock].send(inst.src, dst, ttl, &payload) {
                tracing::warn!("({}) {e}", inst.cfg.name);
            }
        }
    }

    fn all_vips(inst: &Inst) -> Vec<IpAddress> {
        inst.cfg
            .virtual_ipaddress
            .iter()
            .chain(&inst.cfg.virtual_ipaddress_excluded)
            .cloned()
            .collect()
    }

    async fn index_of(&self, inst: &Inst, a: &IpAddress) -> Option<u32> {
        match &a.dev {
            None => Some(inst.ifindex),
            Some(d) if *d == inst.cfg.ifname => Some(inst.ifindex),
            Some(d) => iface::lookup(&self.handle, d).await.ok().map(|i| i.index),
        }
    }

    async fn add_vips(&mut self, i: usize) {
        let vips = Self::all_vips(&self.insts[i]);
        self.add_addrs(i, &vips).await;
        self.routes(i, true).await;
    }

    /// Add addresses of instance `i`; returns those that went in.
    async fn add_addrs(&mut self, i: usize, addrs: &[IpAddress]) -> Vec<IpAddress> {
        let inst = &self.insts[i];
        let mut added = Vec::new();
        for a in addrs {
            let Some(idx) = self.index_of(inst, a).await else {
                tracing::warn!(
                    "({}) interface {:?} for {} does not exist",
                    inst.cfg.name,
                    a.dev,
                    a.addr
                );
                continue;
            };
            match addr::add(&self.handle, idx, a).await {
                Ok(()) => added.push(a.clone()),
                Err(e) => tracing::warn!("({}) {e}", inst.cfg.name),
            }
        }
        added
    }

    async fn del_addrs(&self, i: usize, addrs: &[IpAddress]) {
        let inst = &self.insts[i];
        for a in addrs {
            let Some(idx) = self.index_of(inst, a).await else {
                continue;
            };
            if let Err(e) = addr::del(&self.handle, idx, a.addr.addr, a.addr.len).await {
                tracing::warn!("({}) {e}", inst.cfg.name);
            }
        }
    }

    /// Add (or remove) the instance's `virtual_routes`.
    async fn routes(&self, i: usize, add: bool) {
        let inst = &self.insts[i];
        let mut index = HashMap::new();
        for r in &inst.cfg.virtual_routes {
            for d in r
                .dev
                .iter()
                .chain(r.nexthops.iter().filter_map(|h| h.dev.as_ref()))
            {
                if let Ok(ifc) = iface::lookup(&self.handle, d).await {
                    index.insert(d.clone(), ifc.index);
                }
            }
        }
        for r in &inst.cfg.virtual_routes {
            let what = r.dst.to_string();
            let msg = match kad_vrrp::io::route::message(r, |d| index.get(d).copied()) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("({}) route {what}: {e}", inst.cfg.name);
                    continue;
                }
            };
            let res = if add {
                kad_vrrp::io::route::add(&self.handle, msg, &what).await
            } else {
                kad_vrrp::io::route::del(&self.handle, msg, &what).await
            };
            if let Err(e) = res {
                tracing::warn!("({}) {e}", inst.cfg.name);
            }
        }
    }

    async fn remove_vips(&mut self, i: usize) {
        if self.keeps_vips() {
            return;
        }
        self.routes(i, false).await;
        let vips = Self::all_vips(&self.insts[i]);
        self.del_addrs(i, &vips).await;
    }

    fn garp(&mut self, i: usize, repeat: u32) {
        let vips = Self::all_vips(&self.insts[i]);
        for _ in 0..repeat {
            self.announce(i, &vips);
        }
    }

    /// One gratuitous ARP / unsolicited NA for each address on the
    /// instance's own interface.
    fn announce(&mut self, i: usize, addrs: &[IpAddress]) {
        let inst = &self.insts[i];
        for a in addrs {
            if a.dev.as_ref().is_some_and(|d| *d != inst.cfg.ifname) {
                continue;
            }
            if let Err(e) = inst.garp.announce(a.addr.addr) {
                tracing::warn!("({}) {e}", inst.cfg.name);
            }
        }
    }

    fn transitioned(&mut self, i: usize, from: State, to: State) {
        if let Some((spec, name)) = &self.sync {
            if name == &self.insts[i].cfg.name && (to == State::Master || from == State::Master) {
                let states = if to == State::Master {
                    vec![super::lvs::MASTER]
                } else {
                    vec![super::lvs::BACKUP]
                };
                let spec = spec.clone();
                tokio::task::spawn_blocking(move || super::lvs::sync_set(&spec, &states));
            }
        }
        self.insts[i].transitions += 1;
        let inst = &self.insts[i];
        let name = inst.cfg.name.clone();
        let prio = inst.fsm.priority();
        let word = state_word(to);
        tracing::info!("({name}) Entering {word} STATE");
        notify(&inst.cfg.notify, "INSTANCE", &name, to, prio);
        super::smtp::vrrp_instance(&name, to);
        if let Some(f) = &mut self.fifo {
            f.line(&fifo::vrrp_line("INSTANCE", &name, word, prio));
        }
        if let Some(g) = self.insts[i].group {
            let all = self.groups[g]
                .members
                .iter()
                .all(|&m| self.insts[m].fsm.state() == to);
            if all && self.groups[g].state != Some(to) {
                self.groups[g].state = Some(to);
                let group = &self.groups[g];
                tracing::info!(
                    "VRRP_Group({}) Syncing instances to {word} state",
                    group.name
                );
                notify(&group.notify, "GROUP", &group.name, to, 0);
                super::smtp::vrrp_group(&group.name, to);
                let line = fifo::vrrp_line("GROUP", &group.name, word, 0);
                if let Some(f) = &mut self.fifo {
                    f.line(&line);
                }
            }
        }
    }

    fn status(&self) -> Status {
        let now = self.now();
        let vrrp = self
            .insts
            .iter()
            .map(|inst| {
                let st = inst.fsm.state();
                let (master_addr, master_priority) = match (st, inst.fsm.master()) {
                    (State::Backup, Some((a, p))) => (Some(a.to_string()), Some(p)),
                    _ => (None, None),
                };
                let s = &inst.fsm.stats;
                VrrpStatus {
                    name: inst.cfg.name.clone(),
                    state: state_word(st).to_string(),
                    interface: inst.cfg.ifname.clone(),
                    vrid: inst.cfg.vrid.0,
                    version: params::version(&inst.cfg).number(),
                    priority: inst.cfg.priority.0,
                    effective_priority: inst.fsm.priority(),
                    advert_int: f64::from(inst.cfg.advert_int.0) / 100.0,
                    vips: Self::all_vips(inst)
                        .iter()
                        .map(|a| a.addr.to_string())
                        .collect(),
                    vips_held: inst.fsm.holds_vips(),
                    master_addr,
                    master_priority,
                    since_transition_secs: (now - inst.fsm.last_transition()).as_secs_f64(),
                    sync_group: inst.group.map(|g| self.groups[g].name.clone()),
                    fault_reasons: if st == State::Fault {
                        inst.fault_reasons.clone()
                    } else {
                        Vec::new()
                    },
                    stats: VrrpCounters {
                        advert_rcvd: s.advert_rcvd,
                        advert_sent: s.advert_sent,
                        become_master: s.become_master,
                        release_master: s.release_master,
                        packet_len_err: s.packet_len_err,
                        ip_ttl_err: s.ip_ttl_err,
                        invalid_type_rcvd: s.invalid_type_rcvd,
                        advert_interval_err: s.advert_interval_err,
                        addr_list_err: s.addr_list_err,
                        invalid_authtype: s.invalid_authtype,
                        authtype_mismatch: s.authtype_mismatch,
                        auth_failure: s.auth_failure,
                        pri_zero_rcvd: s.pri_zero_rcvd,
                        pri_zero_sent: s.pri_zero_sent,
                        checksum_err: s.checksum_err,
                        version_err: s.version_err,
                        other_err: s.other_err,
                    },
                    transitions: inst.transitions,
                    priority_override: self.prio_override.get(&inst.cfg.name).copied(),
                }
            })
            .collect();
        let _ = &self.global;
        Status {
            version: env!("CARGO_PKG_VERSION").to_string(),
            uptime_secs: self.started.elapsed().as_secs_f64(),
            vrrp,
            ipvs: self.ipvs.clone(),
            checks: Default::default(),
            sync_bulk: self.bulk.as_ref().and_then(|b| b.status()),
            overrides: Default::default(),
        }
    }

    /// The status: the VRRP part copied here, the checks' state and the
    /// kernel's IPVS table gathered on a blocking thread, so that the
    /// VRRP loop never waits for the checks' lock or a netlink dump.
    fn status_reply(&self, reply: tokio::sync::oneshot::Sender<Response>) {
        let mut st = self.status();
        let checks = self.checks.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(c) = checks {
                st.checks = c.status();
            }
            if st.ipvs.available {
                st.ipvs.services = ipvs_services();
            }
            let _ = reply.send(Response::Status(st));
        });
    }
}

/// `init_file`: write the initial value when the file is missing (or
/// always, with `overwrite`). Done once, at start.
fn init_track_file(f: &TrackFile) {
    let path = std::path::Path::new(&f.file);
    if let Some(init) = f.init_value {
        if f.init_overwrite || !path.exists() {
            if let Err(e) = std::fs::write(path, format!("{init}\n")) {
                tracing::warn!("track_file {}: cannot write {}: {e}", f.name, f.file);
            }
        }
    }
}

/// A track_file's value: its leading number (0 when missing or not a
/// number), read as FILE_CHECK reads it.
fn read_track_file(f: &TrackFile) -> i64 {
    kad_script::track_file::read(std::path::Path::new(&f.file))
}

/// The kernel's IPVS table with counters, for `kactl status`.
fn ipvs_services() -> Vec<kactl::ServiceStatus> {
    use kad_ipvs::table::{fwd, SvcId};
    let Ok(mut c) = kad_ipvs::netlink::client::Client::open() else {
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

pub fn state_word(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stopped => "STOP",
    }
}

/// keepalived's notify scripts: the state's own script without arguments,
/// and the generic one with `INSTANCE|GROUP name STATE prio`.
fn notify(n: &Notify, kind: &str, name: &str, to: State, prio: u8) {
    let own: Option<&Script> = match to {
        State::Master => n.master.as_ref(),
        State::Backup => n.backup.as_ref(),
        State::Fault => n.fault.as_ref(),
        State::Stopped => n.stop.as_ref(),
        State::Init => None,
    };
    if let Some(s) = own {
        scripts::notify(s, vec![], NOTIFY_TIMEOUT);
    }
    if let Some(s) = &n.any {
        let args = vec![
            kind.to_string(),
            name.to_string(),
            state_word(to).to_string(),
            prio.to_string(),
        ];
        scripts::notify(s, args, NOTIFY_TIMEOUT);
    }
}
