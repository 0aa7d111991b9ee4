//! A simulated LAN of whole VRRP nodes (`kad_vrrp::node::Node`, every
//! instance, sync group and tracker of a router) in virtual time: adverts
//! travel as bytes with random delay, loss and partitions, in order between
//! two hosts as on a LAN. No root, no sockets, no sleeping.

#![allow(dead_code)]

use kad_config::model::Config;
use kad_vrrp::node::{Alert, Env, Node, Output, Release};
use kad_vrrp::received::Received;
use kad_vrrp::{State, Time};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

pub const IFACE: &str = "eth0";

/// A configuration from keepalived's language (errors fail the test).
pub fn config(text: &str) -> Config {
    let l = kad_config::load_str(text, std::path::Path::new("sim.conf"), &Default::default());
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    l.config
}

/// One `vrrp_instance` block on the LAN's interface.
pub fn instance(name: &str, vrid: u8, prio: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface {IFACE}\n virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n {extra}\n virtual_ipaddress {{\n 10.9.{vrid}.1/24\n }}\n}}\n"
    )
}

pub fn addr(i: usize) -> IpAddr {
    IpAddr::from([10, 0, 0, i as u8 + 1])
}

pub struct Host {
    pub node: Node,
    pub addr: IpAddr,
    /// Each instance's state, as its transitions said.
    pub states: HashMap<String, State>,
    /// The instances whose addresses are on the host.
    pub holding: HashSet<String>,
    pub vrid_of: HashMap<String, u8>,
    /// Every output, with its time (for the scenarios' checks).
    pub outputs: Vec<(Time, Output)>,
}

struct Delivery {
    to: usize,
    pkt: Received,
}

pub struct Lan {
    pub hosts: Vec<Host>,
    pub now: Time,
    queue: BTreeMap<(Time, u64), Delivery>,
    seq: u64,
    rng: u64,
    /// Delay of each frame: uniform in this range (µs).
    pub delay_us: (u64, u64),
    /// Frames lost, per million.
    pub loss_ppm: u64,
    /// The segment of each host: frames pass only within a segment.
    pub segment: Vec<usize>,
    link_clock: Vec<Vec<Time>>,
    /// (time, vrid, masters) each time the number of masters of a VRID
    /// changed.
    pub masters_log: Vec<(Time, u8, usize)>,
    pub keep_outputs: bool,
}

impl Lan {
    /// Hosts with these configurations, started at time zero in order.
    pub fn new(configs: &[Config], seed: u64) -> Lan {
        let mut hosts = Vec::new();
        for (i, cfg) in configs.iter().enumerate() {
            let env = env_for(cfg, i);
            let node = Node::new(cfg, &env, Release::default()).expect("node");
            hosts.push(Host {
                node,
                addr: addr(i),
                states: HashMap::new(),
                holding: HashSet::new(),
                vrid_of: cfg
                    .vrrp_instances
                    .iter()
                    .map(|c| (c.name.clone(), c.vrid.0))
                    .collect(),
                outputs: Vec::new(),
            });
        }
        let n = hosts.len();
        Lan {
            hosts,
            now: Time::ZERO,
            queue: BTreeMap::new(),
            seq: 0,
            rng: seed | 1,
            delay_us: (100, 2_000),
            loss_ppm: 0,
            segment: vec![0; n],
            link_clock: vec![vec![Time::ZERO; n]; n],
            masters_log: Vec::new(),
            keep_outputs: true,
        }
    }

    pub fn start(&mut self, i: usize) {
        let now = self.now;
        self.hosts[i].node.start(now);
        self.pump(i);
    }

    pub fn start_all(&mut self) {
        for i in 0..self.hosts.len() {
            self.start(i);
        }
    }

    /// Do something to host `i`'s node now, then carry out its outputs.
    pub fn with<R>(&mut self, i: usize, f: impl FnOnce(&mut Node, Time) -> R) -> R {
        let now = self.now;
        let r = f(&mut self.hosts[i].node, now);
        self.pump(i);
        r
    }

    pub fn reload(&mut self, i: usize, cfg: &Config) {
        let env = env_for(cfg, i);
        self.with(i, |n, now| n.reload(now, cfg, &env));
        self.hosts[i].vrid_of = cfg
            .vrrp_instances
            .iter()
            .map(|c| (c.name.clone(), c.vrid.0))
            .collect();
    }

    fn rand(&mut self) -> u64 {
        // xorshift: deterministic per seed.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Carry out host `i`'s outputs.
    fn pump(&mut self, i: usize) {
        let now = self.now;
        let outs = self.hosts[i].node.drain();
        for o in outs {
            match &o {
                Output::Send {
                    src,
                    dst,
                    ttl,
                    payload,
                    ..
                } => {
                    for to in 0..self.hosts.len() {
                        if to == i
                            || self.segment[to] != self.segment[i]
                            || (!dst.is_multicast() && self.hosts[to].addr != *dst)
                        {
                            continue;
                        }
                        if self.loss_ppm > 0 && self.rand() % 1_000_000 < self.loss_ppm {
                            continue;
                        }
                        let (lo, hi) = self.delay_us;
                        let d = lo + self.rand() % (hi - lo + 1);
                        let at = (now + Duration::from_micros(d)).max(self.link_clock[i][to]);
                        self.link_clock[i][to] = at;
                        self.seq += 1;
                        let pkt = Received {
                            src: *src,
                            dst: *dst,
                            ttl: *ttl,
                            protocol: kad_vrrp::packet::IPPROTO_VRRP,
                            payload: payload.clone(),
                        };
                        self.queue.insert((at, self.seq), Delivery { to, pkt });
                    }
                }
                Output::Alert(Alert::Instance { name, state }) => {
                    let vrid = self.hosts[i].vrid_of.get(name).copied().unwrap_or(0);
                    let before = self.masters(vrid);
                    self.hosts[i].states.insert(name.clone(), *state);
                    let after = self.masters(vrid);
                    if after != before {
                        self.masters_log.push((now, vrid, after));
                    }
                }
                Output::AddAddrs { instance, .. } => {
                    self.hosts[i].holding.insert(instance.clone());
                }
                Output::DelAddrs { instance, .. } => {
                    self.hosts[i].holding.remove(instance);
                }
                _ => {}
            }
            if self.keep_outputs {
                self.hosts[i].outputs.push((now, o));
            }
        }
    }

    /// How many hosts are MASTER of `vrid`.
    pub fn masters(&self, vrid: u8) -> usize {
        self.hosts
            .iter()
            .filter(|h| {
                h.states
                    .iter()
                    .any(|(n, s)| *s == State::Master && h.vrid_of.get(n).copied() == Some(vrid))
            })
            .count()
    }

    /// The state of instance `name` on host `i`.
    pub fn state(&self, i: usize, name: &str) -> Option<State> {
        self.hosts[i].states.get(name).copied()
    }

    /// Run every delivery and deadline up to `end`.
    pub fn run_until(&mut self, end: Time) {
        loop {
            let net = self.queue.keys().next().map(|k| k.0);
            let timer = self
                .hosts
                .iter()
                // A node whose stop is over has nothing left to time.
                .filter(|h| !h.node.stopped(self.now))
                .filter_map(|h| h.node.next_deadline())
                .min();
            let next = match (net, timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            if net == Some(next) {
                let Some((_, d)) = self.queue.pop_first() else {
                    break;
                };
                let now = self.now;
                self.hosts[d.to].node.handle_packet(now, IFACE, d.pkt);
                self.pump(d.to);
            } else {
                for i in 0..self.hosts.len() {
                    let h = &self.hosts[i].node;
                    if !h.stopped(self.now) && h.next_deadline().is_some_and(|t| t <= self.now) {
                        let now = self.now;
                        self.hosts[i].node.handle_timeout(now);
                        self.pump(i);
                    }
                }
            }
        }
        self.now = self.now.max(end);
    }

    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until(end);
    }
}

/// The host facts a shell would look up: its address, its link up.
pub fn env_for(cfg: &Config, i: usize) -> Env {
    let mut env = Env::default();
    for c in &cfg.vrrp_instances {
        env.sources.insert(c.name.clone(), addr(i));
        for t in &c.track.interfaces {
            env.links.insert(t.name.clone(), true);
        }
    }
    env.links.insert(IFACE.to_string(), true);
    env
}

pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}
