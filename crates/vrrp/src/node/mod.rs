//! One router's VRRP: every instance, sync group and tracker, with no
//! sockets, clocks, netlink or processes — in the manner of
//! `kad_ipvs::check::health` and quinn-proto's `Endpoint`. The shell feeds
//! it what happened (a received packet, a link or tracker change, an
//! operator command, a reload, a stop, the time) and carries out what it
//! asks for ([`Output`]): packets to send, addresses and routes to add or
//! remove, GARP/NA bursts, notify scripts and FIFO lines, the sync daemon's
//! role. It wakes the node at [`Node::next_deadline`].
//!
//! Where each rule lives: `rx.rs` (which instance a packet is for, decode,
//! receive checks, counters), `trackers.rs` (effective priority and
//! faults), `drive.rs` (the state machines' actions, sync-group following,
//! group states, notifications), `advert.rs` (adverts on the wire),
//! `vips.rs` (addresses, routes, GARPs), `release.rs` (stop and `-V`/`-X`),
//! `operator.rs` (`kactl priority` / `failover`), `reload.rs` (SIGHUP),
//! `late.rs` (`timer_expired_backup` when the shell ran late),
//! `status.rs` (what `kactl status` shows).

mod advert;
mod debounce;
mod drive;
pub mod env;
mod late;
mod operator;
mod output;
mod reconfigure;
pub mod release;
pub mod reload;
mod removed;
mod rx;
mod slot;
mod source;
pub mod status;
mod trackers;
mod vips;

pub use env::Env;
pub use output::{fifo_line, state_word, Alert, Output};
pub use release::Release;
pub use slot::{SocketNeed, View};
pub use trackers::{ProcessView, ScriptView};

use crate::fsm::Input;
use crate::received::Received;
use crate::time::Time;
use kad_config::model::{Config, GlobalDefs};
use slot::{Group, Slot};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use trackers::Trackers;

/// How long a stop may wait for masters to hand over before VIPs are
/// removed regardless.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NodeError {
    #[error("({0}) has no address to send adverts from: set mcast_src_ip / unicast_src_ip")]
    NoSource(String),
}

pub struct Node {
    slots: Vec<Slot>,
    groups: Vec<Group>,
    trackers: Trackers,
    global: GlobalDefs,
    release: Release,
    stopping: Option<Time>,
    /// `lvs_sync_daemon ... inst NAME`: the sync daemon follows NAME.
    sync_follow: Option<String>,
    /// The operator's priorities (`kactl priority` / `failover`), by
    /// instance name: they replace the configured priority under the
    /// trackers.
    prio_override: HashMap<String, u8>,
    started: bool,
    out: VecDeque<Output>,
    /// `garp_group`s: the interfaces they name, with their gaps.
    garp_groups: Vec<kad_config::model::GarpGroup>,
    /// `interface_up_down_delays`: link changes held for their delay.
    debounce: debounce::Debounce,
}

impl Node {
    /// The instances of `cfg`, with the facts of the host the shell looked
    /// up (`env`: each instance's source address, links, track_file values).
    pub fn new(cfg: &Config, env: &Env, release: Release) -> Result<Node, NodeError> {
        let mut node = Node {
            slots: Vec::new(),
            groups: Vec::new(),
            trackers: Trackers::new(cfg, env),
            global: cfg.global.clone(),
            release,
            stopping: None,
            sync_follow: None,
            prio_override: HashMap::new(),
            started: false,
            out: VecDeque::new(),
            garp_groups: cfg.garp_groups.clone(),
            debounce: debounce::Debounce::new(cfg, &env.links),
        };
        for c in &cfg.vrrp_instances {
            if c.unicast_fault_no_peer && c.unicast_peers.is_empty() {
                tracing::info!(
                    "({}) Cannot use unicast without any peers - going to fault state",
                    c.name
                );
            }
            let s = Slot::new(c, &cfg.global, env)?;
            node.slots.push(s);
        }
        node.set_groups(cfg);
        Ok(node)
    }

    /// Let the IPVS sync daemon follow `instance` ([`Output::SyncRole`]).
    pub fn follow_sync(&mut self, instance: String) {
        self.sync_follow = Some(instance);
    }

    /// Begin: initial priorities and faults quietly, then every machine
    /// starts.
    pub fn start(&mut self, now: Time) {
        if self.started {
            return;
        }
        self.started = true;
        let delay = self.global.vrrp_startup_delay;
        if !delay.is_zero() {
            tracing::info!("Delaying startup for {} seconds", delay.as_secs_f64());
            for s in &mut self.slots {
                s.fsm.hold_start_until(now + delay);
            }
        }
        let all: Vec<usize> = (0..self.slots.len()).collect();
        self.start_slots(now, &all);
    }

    /// The next thing the shell must do, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Everything the shell must do now, in order.
    pub fn drain(&mut self) -> Vec<Output> {
        self.out.drain(..).collect()
    }

    /// When the shell must call [`Node::handle_timeout`] next.
    pub fn next_deadline(&self) -> Option<Time> {
        let machines = self
            .slots
            .iter()
            .filter_map(|s| s.fsm.next_deadline())
            .min();
        let stop_by = self.stopping.map(|t| t + STOP_GRACE);
        let processes = self.trackers.deadline();
        let links = self.debounce.deadline();
        [machines, stop_by, processes, links]
            .into_iter()
            .flatten()
            .min()
    }

    /// Run the deadlines that have passed.
    pub fn handle_timeout(&mut self, now: Time) {
        for (name, up) in self.debounce.tick(now) {
            self.apply_link(now, &name, up);
        }
        let changed = self.trackers.tick(now);
        for (name, up) in &changed {
            quorum_log(name, *up);
        }
        if !changed.is_empty() {
            self.recompute_all(now);
        }
        for i in 0..self.slots.len() {
            self.drive(now, i, Input::Tick);
        }
    }

    /// A packet received on interface `iface`.
    pub fn handle_packet(&mut self, now: Time, iface: &str, pkt: Received) {
        self.receive(now, iface, pkt);
    }

    /// A link (interface) went up or down.
    pub fn handle_link(&mut self, now: Time, name: &str, running: bool) {
        if let Some(up) = self.debounce.report(now, name, running) {
            self.apply_link(now, name, up);
        }
    }

    /// A link change that counts (after its `interface_up_down_delays`).
    fn apply_link(&mut self, now: Time, name: &str, running: bool) {
        if self.trackers.link(name, running) {
            tracing::info!(
                "interface {name} is {}",
                if running { "up" } else { "down" }
            );
            self.recompute_all(now);
        }
    }

    /// One run of `vrrp_script` `name` ended (`ok`: exit 0).
    pub fn handle_script(&mut self, now: Time, name: &str, ok: bool) {
        if let Some(up) = self.trackers.script(name, ok) {
            tracing::info!(
                "VRRP_Script({name}) {}",
                if up { "succeeded" } else { "failed" }
            );
            self.recompute_all(now);
        }
    }

    /// `track_file` `name` holds a new value.
    pub fn handle_file(&mut self, now: Time, name: &str, value: i64) {
        if self.trackers.file(name, value) {
            tracing::info!("track_file {name} is now {value}");
            self.recompute_all(now);
        }
    }

    /// `vrrp_track_process` `name` counts `count` processes now.
    pub fn handle_process(&mut self, now: Time, name: &str, count: u32) {
        if let Some(up) = self.trackers.process(name, count, now) {
            quorum_log(name, up);
            self.recompute_all(now);
        }
    }

    fn recompute_all(&mut self, now: Time) {
        for i in 0..self.slots.len() {
            self.recompute(now, i, true);
        }
    }

    /// Whether this node is the sync master (always, without `inst`).
    pub fn sync_master(&self) -> bool {
        match &self.sync_follow {
            Some(name) => self
                .slots
                .iter()
                .any(|s| &s.cfg.name == name && s.fsm.state() == crate::fsm::State::Master),
            None => true,
        }
    }

    /// Every instance's counters back to zero (keepalived's SIGRTMAX-1).
    pub fn clear_stats(&mut self) {
        for s in &mut self.slots {
            s.fsm.stats = Default::default();
        }
    }

    /// The gaps between gratuitous ARPs and between unsolicited NAs sent
    /// on `interface`: its `garp_group`'s, else `vrrp_garp_interval` /
    /// `vrrp_gna_interval` (keepalived's set_default_garp_delay).
    pub fn garp_gaps(&self, interface: &str) -> (Duration, Duration) {
        match self
            .garp_groups
            .iter()
            .find(|g| g.interfaces.iter().any(|i| i == interface))
        {
            Some(g) => (
                g.garp_interval.unwrap_or_default(),
                g.gna_interval.unwrap_or_default(),
            ),
            None => (self.global.garp_interval, self.global.gna_interval),
        }
    }

    /// The running configuration's globals.
    pub fn global(&self) -> &GlobalDefs {
        &self.global
    }

    /// The instances as the dumps show them.
    pub fn instances(&self) -> impl Iterator<Item = View<'_>> {
        self.slots.iter().map(Slot::view)
    }

    /// The `vrrp_script`s and their state.
    pub fn scripts(&self) -> Vec<ScriptView> {
        self.trackers.scripts()
    }

    /// The `vrrp_track_process`es and their state.
    pub fn processes(&self) -> Vec<ProcessView> {
        self.trackers.processes()
    }

    /// The sockets the instances need: one per interface and family, with
    /// the multicast groups it must join.
    pub fn sockets(&self) -> Vec<SocketNeed> {
        slot::sockets(&self.slots)
    }

    /// The VMACs the instances need (`use_vmac`).
    pub fn vmacs(&self) -> Vec<crate::vmac::Vmac> {
        self.slots.iter().filter_map(|s| s.vmac.clone()).collect()
    }
}

/// keepalived's line for a process tracker's quorum.
fn quorum_log(name: &str, up: bool) {
    tracing::info!(
        "Quorum {} for tracked process {name}",
        if up { "gained" } else { "lost" }
    );
}
