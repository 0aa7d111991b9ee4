//! The VRRP shell: sockets, rtnetlink, tasks and processes around the pure
//! [`Node`] (crates/vrrp/src/node), which holds every VRRP rule. Events go
//! into the node; its outputs come out here and are carried out in order.
//! One task, one event queue; deadlines on a timerfd.

use super::control::Query;
use super::fifo::Fifo;
use kactl::{IpvsStatus, Request, Response};
use kad_config::model::{Config, GlobalDefs};
use kad_vrrp::io::link;
use kad_vrrp::io::socket::{Received, VrrpSocket};
use kad_vrrp::node::{Node, NodeError};
use kad_vrrp::Time;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

mod appear;
mod exec;
mod garp_pace;
mod operator;
mod process_task;
mod promote;
pub mod reload;
mod setup;
mod snapshot;
mod statics;
mod status;
mod tasks;
mod vmac;

pub use kad_vrrp::node::Release;

pub enum Event {
    Rx(usize, Received),
    RxError(usize, String),
    Link(link::LinkEvent),
    /// An instance's interface as looked up after it appeared (created, or
    /// re-created under another index).
    Appeared(kad_vrrp::io::iface::Interface),
    /// A `vrrp_script` run ended (true: exit 0).
    Script(String, bool),
    /// A `track_file` has a new value.
    File(String, i64),
    /// A `vrrp_track_process` counts a new number of processes.
    Process(String, u32),
    /// Another director asks for the connection table (kad's own table
    /// request, from this address).
    TableRequest(std::net::IpAddr),
    /// A reloaded configuration (checked, without errors).
    Reload(Box<Config>),
    /// The state for keepalived's dumps (SIGUSR1, SIGUSR2, SIGRTMIN+2).
    Dump(tokio::sync::oneshot::Sender<super::dump::Snapshot>),
    /// SIGRTMAX-1: clear the counters.
    ClearStats,
    /// The kernel deleted an address, route or rule (a static one is put
    /// back).
    Gone(kad_vrrp::statics::Gone),
    /// An address added to or removed from an interface.
    Address(kad_vrrp::io::addr_watch::AddrEvent),
    Stop,
}

use kad_vrrp::io::rcvbuf::Resizable;

pub struct Engine {
    started: std::time::Instant,
    handle: rtnetlink::Handle,
    node: Node,
    tx: mpsc::Sender<Event>,
    /// Sockets by index (the receive loops' events name the index), each
    /// with its interface and family.
    sockets: Vec<Arc<VrrpSocket>>,
    sock_of: HashMap<(String, bool), usize>,
    /// Each socket's interface index and receive loop (a socket is bound
    /// to the index it was opened with: an interface re-created under
    /// another index needs a new one).
    bound: Vec<(u32, tokio::task::AbortHandle)>,
    /// The multicast groups each socket has joined.
    joined: HashMap<usize, Vec<std::net::IpAddr>>,
    garps: HashMap<String, garp_pace::Garps>,
    /// The interface index each GARP sender was opened on.
    garp_index: HashMap<String, u32>,
    ifindex: HashMap<String, u32>,
    tasks: tasks::Tasks,
    fifo: Option<Fifo>,
    ipvs: IpvsStatus,
    /// `lvs_sync_daemon ... inst NAME`: the spec the sync role applies to.
    sync: Option<kad_ipvs::netlink::msg::DaemonSpec>,
    checks: Option<super::checks::Checks>,
    /// `kactl sync-bulk` and the periodic replay (`--sync-bulk-interval`).
    bulk: Option<super::sync_bulk::Replays>,
    /// The static addresses, routes and rules in place.
    statics: kad_vrrp::statics::Statics,
    /// The interfaces whose promote_secondaries kad set.
    promoted: std::collections::BTreeSet<String>,
    /// The VMACs kad created (`use_vmac`) and what it changed for them.
    vmacs: vmac::Vmacs,
    /// The nftables thread, started when an instance first blocks VIPs.
    firewall: Option<super::firewall::Firewall>,
    firewall_settings: kad_config::model::Firewall,
    /// `vrrp_rt_priority`, `max_auto_priority`, ...: applied to this
    /// thread when it starts to run.
    scheduling: kad_config::model::Scheduling,
    /// The command socket and the monitors, whose receive buffers a
    /// reload sets again (keepalived's `kernel_netlink_set_recv_bufs`).
    netlink_cmd: Option<Resizable>,
    netlink_monitors: Vec<Resizable>,
    /// What the dumps show of the configuration beside the node's state:
    /// the running one's, replaced by each reload.
    dump_cfg: snapshot::DumpConfig,
    /// Which table requests get a replay.
    answers: super::sync_request::Answers,
    /// kad's own `announce`: VRRP states go to it, and the stop begins
    /// there (withdraw first).
    announce: Option<super::announce::Handle>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("({instance}) {source}")]
    Io {
        instance: String,
        #[source]
        source: kad_vrrp::io::IoError,
    },
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error("netlink: {0}")]
    Netlink(std::io::Error),
}

impl Engine {
    /// Enable connection-table replays to the sync backups.
    pub fn set_sync_bulk(&mut self, r: super::sync_bulk::Replays) {
        self.bulk = Some(r);
    }

    /// Let the IPVS sync daemon follow `instance`'s state (keepalived's
    /// `lvs_sync_daemon IF inst NAME`).
    pub fn follow_sync(&mut self, spec: kad_ipvs::netlink::msg::DaemonSpec, instance: String) {
        self.sync = Some(spec);
        self.node.follow_sync(instance);
    }

    /// Announcements follow the instances' states (`track_instance`).
    pub fn set_announce(&mut self, a: super::announce::Handle) {
        self.announce = Some(a);
    }

    /// Show the health checks in `kactl status`.
    pub fn set_checks(&mut self, c: super::checks::Checks) {
        self.checks = Some(c);
    }

    pub fn set_release(&mut self, r: Release) {
        self.node.set_release(r);
    }

    fn global(&self) -> &GlobalDefs {
        self.node.global()
    }

    fn now(&self) -> Time {
        Time::from_micros(self.started.elapsed().as_micros() as u64)
    }

    fn instant(&self, t: Time) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.started + Duration::from_micros(t.as_micros()))
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

    /// Another director asked for the table: a sync master answers with a
    /// replay now, at most one per [`super::sync_request::ANSWER_GAP`].
    fn table_request(&mut self, from: std::net::IpAddr) {
        let Some(b) = self.bulk.clone() else { return };
        let answer = self.node.sync_master()
            && !self.node.stopping()
            && self.answers.take(std::time::Instant::now());
        b.asked(from, answer);
        if answer {
            tracing::info!("sync table request from {from}: replaying the table");
            self.sync_bulk(None);
        }
    }

    /// Run until stopped; returns when every instance has let go.
    pub async fn run(
        mut self,
        mut events: mpsc::Receiver<Event>,
        mut queries: mpsc::Receiver<Query>,
    ) {
        // keepalived sets its static entries once the instances are set up,
        // before the first VRRP event; here, once nothing can fail any more
        // before the run (a failed start leaves nothing behind).
        self.statics_start().await;
        self.promote_apply().await;
        let now = self.now();
        self.node.start(now);
        self.flush().await;
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
        // This thread is keepalived's VRRP process.
        let mut climber =
            super::sched::Climber::enter(super::sched::Process::Vrrp, &self.scheduling);
        loop {
            let wake = self.node.next_deadline();
            let due = wake.map(|t| self.instant(t).into_std());
            if let Err(e) = timer.set(due) {
                tracing::error!("timer: {e}");
            }
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(ev) => {
                        self.catch_up(wake);
                        self.on_event(ev).await
                    }
                    None => break,
                },
                q = queries.recv() => {
                    match q {
                        Some((Request::SyncBulk, reply)) => self.sync_bulk(Some(reply)),
                        Some((Request::Status, reply)) => self.status_reply(reply),
                        Some((Request::Operator(op), reply)) => {
                            let r = self.operator(op);
                            let _ = reply.send(r);
                        }
                        None => {}
                    }
                }
                _ = bulk_tick.tick(), if bulk_every.is_some() => {
                    if self.node.sync_master() && !self.node.stopping() {
                        self.sync_bulk(None);
                    }
                }
                r = timer.wait(), if wake.is_some() => {
                    if r.is_ok() {
                        if let Some(due) = due {
                            climber.fired(due.elapsed());
                        }
                        // How late (timer_expired_backup) before anything
                        // else: keepalived checks it as epoll_wait returns.
                        self.catch_up(wake);
                        // A thread kept off the CPU wakes with its timer and
                        // its packets both ready. Packets first, as in
                        // keepalived (a read event wins over its timeout):
                        // an advert that came in time is not silence. The
                        // yield lets the receive tasks queue what the
                        // sockets hold.
                        tokio::task::yield_now().await;
                        while let Ok(ev) = events.try_recv() {
                            self.on_event(ev).await;
                        }
                        let now = self.now();
                        self.node.handle_timeout(now);
                    }
                }
            }
            self.flush().await;
            if self.node.stopped(self.now()) {
                break;
            }
        }
        // Never leave a VIP behind.
        self.node.finish();
        self.flush().await;
        // The static entries go too, even with `-V` (as keepalived).
        self.statics_stop().await;
        self.promote_reset().await;
        // keepalived deletes its VMACs on the way out.
        self.vmacs_remove_all().await;
        if let Some(f) = self.firewall.take() {
            f.stop().await;
        }
        self.tasks.abort_all();
    }

    /// Woken after the deadline the timer was set for: tell the node how
    /// late (keepalived checks this as soon as its loop wakes, before the
    /// events that piled up meanwhile).
    fn catch_up(&mut self, wake: Option<Time>) {
        let now = self.now();
        if let Some(w) = wake.filter(|w| *w < now) {
            let late = Duration::from_micros(now.as_micros() - w.as_micros());
            self.node.handle_late(now, late);
        }
    }

    async fn on_event(&mut self, ev: Event) {
        let now = self.now();
        match ev {
            Event::Rx(sock, pkt) => {
                let Some(s) = self.sockets.get(sock) else {
                    return;
                };
                let iface = s.ifname().to_string();
                self.node.handle_packet(now, &iface, pkt);
            }
            Event::RxError(sock, e) => {
                if let Some(s) = self.sockets.get(sock) {
                    tracing::warn!("receiving on {}: {e}", s.ifname())
                }
            }
            Event::Link(l) => self.on_link(now, l),
            Event::Appeared(ifc) => self.appeared(now, ifc),
            Event::Script(name, ok) => self.node.handle_script(now, &name, ok),
            Event::File(name, v) => self.node.handle_file(now, &name, v),
            Event::Process(name, n) => self.node.handle_process(now, &name, n),
            Event::Reload(cfg) => {
                if !self.node.stopping() {
                    self.reload(&cfg).await;
                }
            }
            Event::Dump(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Event::ClearStats => self.node.clear_stats(),
            Event::Address(a) => {
                let name = self
                    .ifindex
                    .iter()
                    .find(|(_, &i)| i == a.index)
                    .map(|(n, _)| n.clone());
                if let Some(name) = name {
                    self.node.handle_address(now, &name, a.addr, a.added);
                }
            }
            Event::Gone(g) => {
                if !self.node.stopping() {
                    self.statics_reinstate(&g).await;
                }
            }
            Event::TableRequest(from) => self.table_request(from),
            Event::Stop => {
                // Make-before-break: the routes go before anything else.
                if let Some(a) = &self.announce {
                    a.begin_stop();
                }
                self.node.stop(now)
            }
        }
    }
}
