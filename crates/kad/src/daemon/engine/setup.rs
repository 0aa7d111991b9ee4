//! Start-up and what a reload needs of the host: each instance's interface
//! and source address, links, sockets (one per interface and family) and
//! GARP senders (one per interface), looked up here and handed to the node.

use super::{Engine, SetupError};
use kactl::IpvsStatus;
use kad_config::model::Config;
use kad_vrrp::io::arp::GarpSender;
use kad_vrrp::io::socket::{VrrpSocket, VrrpSocket4};
use kad_vrrp::io::socket6::VrrpSocket6;
use kad_vrrp::io::{iface, link};
use kad_vrrp::node::{env, Env, Node, SocketNeed};
use kad_vrrp::params;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

use super::super::fifo::Fifo;
use super::Event;

fn wrap(name: &str) -> impl FnOnce(kad_vrrp::io::IoError) -> SetupError {
    let instance = name.to_string();
    move |source| SetupError::Io { instance, source }
}

impl Engine {
    pub async fn new(cfg: &Config, tx: mpsc::Sender<Event>) -> Result<Engine, SetupError> {
        let bufs = cfg.global.netlink_bufs;
        let (mut conn, handle, _) = rtnetlink::new_connection().map_err(SetupError::Netlink)?;
        let netlink_cmd = kad_vrrp::io::rcvbuf::set_rtnl(&mut conn, &bufs.vrrp_cmd);
        tokio::spawn(conn);
        let mut ifindex = HashMap::new();
        super::tasks::init_track_files(cfg);
        let envir = lookup_env(&handle, cfg, &Default::default(), &mut ifindex, true).await?;
        let node = Node::new(cfg, &envir, Default::default())?;
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
        let available = super::super::ipvs_probe::available();
        let message = (!available).then(|| {
            "this kernel has no IPVS: virtual servers cannot be programmed (VRRP runs)".to_string()
        });
        let mut e = Engine {
            started: std::time::Instant::now(),
            handle,
            node,
            tx: tx.clone(),
            sockets: Vec::new(),
            sock_of: HashMap::new(),
            bound: Vec::new(),
            joined: HashMap::new(),
            garps: HashMap::new(),
            garp_index: HashMap::new(),
            ifindex,
            tasks: Default::default(),
            fifo,
            ipvs: IpvsStatus {
                available,
                message,
                virtual_servers: cfg.virtual_servers.len(),
                services: Vec::new(),
            },
            sync: None,
            checks: None,
            bulk: None,
            statics: kad_vrrp::statics::Statics::of(cfg),
            promoted: Default::default(),
            vmacs: Default::default(),
            firewall: None,
            firewall_settings: cfg.global.firewall.clone(),
            scheduling: cfg.global.scheduling.clone(),
            netlink_cmd,
            netlink_monitors: Vec::new(),
            dump_cfg: super::snapshot::DumpConfig::of(cfg),
            answers: Default::default(),
            announce: None,
        };
        // The VMACs first: sockets bind to them.
        e.vmacs_create().await;
        if let Err(err) = e.open_sockets(cfg).await {
            // A failed start leaves nothing behind.
            e.vmacs_remove_all().await;
            return Err(err);
        }
        // The watchers feed the event queue: links (track_interface),
        // addresses coming and going (the instances' advert sources), and
        // deletions, so that static entries deleted by others come back
        // (watched without static entries too: a reload may bring some).
        let (ltx, lrx) = mpsc::unbounded_channel();
        match link::watch(ltx, &bufs.vrrp_monitor) {
            Ok(r) => e.netlink_monitors.extend(r),
            Err(e) => tracing::warn!("no link events (track_interface will not react): {e}"),
        }
        forward(lrx, tx, Event::Link);
        let (atx, arx) = mpsc::unbounded_channel();
        match kad_vrrp::io::addr_watch::watch(atx, &bufs.vrrp_monitor) {
            Ok(r) => e.netlink_monitors.extend(r),
            Err(err) => tracing::warn!("a removed source address will not be noticed: {err}"),
        }
        forward(arx, e.tx.clone(), Event::Address);
        let (gtx, grx) = mpsc::unbounded_channel();
        match kad_vrrp::io::gone::watch(gtx, &bufs.vrrp_monitor) {
            Ok(r) => e.netlink_monitors.extend(r),
            Err(err) => {
                tracing::warn!("static entries deleted by others will not come back: {err}")
            }
        }
        forward(grx, e.tx.clone(), Event::Gone);
        e.tasks.sync(cfg, &e.tx);
        Ok(e)
    }

    /// Open the sockets and GARP senders the node's instances need and do
    /// not have yet, with a receive loop for each socket. Under
    /// `dynamic_interfaces` an interface that does not exist is skipped: its
    /// sockets open when it appears (engine/appear.rs).
    pub(super) async fn open_sockets(&mut self, cfg: &Config) -> Result<(), SetupError> {
        for need in self.node.sockets() {
            let who = owner(cfg, &need.interface);
            let ifc = match iface::lookup(&self.handle, &need.interface).await {
                Ok(i) => i,
                Err(kad_vrrp::io::IoError::NoInterface(_)) if cfg.global.dynamic_interfaces => {
                    continue
                }
                Err(e) => return Err(wrap(&who)(e)),
            };
            self.open_on(&ifc, &need, &who)?;
        }
        Ok(())
    }

    /// The socket `need` asks for on `ifc` and the interface's GARP
    /// sender: opened when missing, joined to groups it lacks, and opened
    /// anew (the old receive loop ended) when the interface came back
    /// under another index, since a socket is bound to the index it was
    /// opened with.
    pub(super) fn open_on(
        &mut self,
        ifc: &iface::Interface,
        need: &SocketNeed,
        who: &str,
    ) -> Result<(), SetupError> {
        let interface = &need.interface;
        let (ipv6, groups) = (need.ipv6, &need.groups);
        self.ifindex.insert(interface.clone(), ifc.index);
        if self.garp_index.get(interface) != Some(&ifc.index) {
            let g = GarpSender::open(ifc.index, ifc.mac).map_err(wrap(who))?;
            self.garps
                .insert(interface.clone(), super::garp_pace::Garps::new(g));
            self.garp_index.insert(interface.clone(), ifc.index);
        }
        let known = self.sock_of.get(&(interface.clone(), ipv6)).copied();
        if let Some(i) = known {
            if self.bound[i].0 == ifc.index {
                // A reload may bring a group this socket has not joined.
                let joined = self.joined.entry(i).or_default();
                let missing: Vec<IpAddr> = groups
                    .iter()
                    .filter(|g| !joined.contains(g))
                    .copied()
                    .collect();
                for g in missing {
                    match self.sockets[i].join(g, ifc.index) {
                        Ok(()) => joined.push(g),
                        Err(e) => tracing::warn!("({who}) {e}"),
                    }
                }
                return Ok(());
            }
        }
        let s = if ipv6 {
            let g: Vec<_> = groups
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V6(a) => Some(*a),
                    IpAddr::V4(_) => None,
                })
                .collect();
            VrrpSocket::V6(VrrpSocket6::open(interface, ifc.index, &g).map_err(wrap(who))?)
        } else {
            let g: Vec<_> = groups
                .iter()
                .filter_map(|a| match a {
                    IpAddr::V4(a) => Some(*a),
                    IpAddr::V6(_) => None,
                })
                .collect();
            VrrpSocket::V4(VrrpSocket4::open(interface, ifc.index, &g).map_err(wrap(who))?)
        };
        let s = Arc::new(s);
        let i = match known {
            Some(i) => {
                self.bound[i].1.abort();
                self.sockets[i] = s.clone();
                i
            }
            None => {
                self.sockets.push(s.clone());
                self.sock_of
                    .insert((interface.clone(), ipv6), self.sockets.len() - 1);
                self.sockets.len() - 1
            }
        };
        self.joined.insert(i, groups.clone());
        let tx = self.tx.clone();
        let rx = tokio::spawn(async move {
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
        })
        .abort_handle();
        let b = (ifc.index, rx);
        match self.bound.get_mut(i) {
            Some(slot) => *slot = b,
            None => self.bound.push(b),
        }
        Ok(())
    }
}

/// The first instance on `interface` (to name in errors).
fn owner(cfg: &Config, interface: &str) -> String {
    cfg.vrrp_instances
        .iter()
        .find(|c| kad_vrrp::vmac::xmit_interface(c, &cfg.global) == interface)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// What the node needs of the host for `cfg`'s instances: links, each
/// instance's source address (the configured one, else the interface's
/// primary address, waited for a few seconds at start-up on a link that
/// just came up — never on a reload, where the loop must keep its
/// schedule), the `track_file` values. Sources already in `known` are kept.
pub(super) async fn lookup_env(
    handle: &rtnetlink::Handle,
    cfg: &Config,
    known: &HashMap<String, IpAddr>,
    ifindex: &mut HashMap<String, u32>,
    wait: bool,
) -> Result<Env, SetupError> {
    let mut out = Env::default();
    for c in &cfg.vrrp_instances {
        let v6 = c.ipv6;
        let ifname = env::interface_of(c, &cfg.global);
        let ifc = match iface::lookup(handle, &ifname).await {
            Ok(i) => i,
            // keepalived's dynamic_interfaces: the instance starts in FAULT
            // (its link down, no address) and runs once the interface
            // comes (engine/appear.rs).
            Err(kad_vrrp::io::IoError::NoInterface(_)) if cfg.global.dynamic_interfaces => {
                if wait {
                    tracing::info!(
                        "Configuration specifies interface {ifname} which doesn't currently exist - will use if created"
                    );
                }
                out.links.insert(ifname.clone(), false);
                if let Some(src) = env::configured_source(c).or_else(|| known.get(&c.name).copied())
                {
                    out.sources.insert(c.name.clone(), src);
                }
                continue;
            }
            Err(e) => return Err(wrap(&c.name)(e)),
        };
        ifindex.insert(ifname.clone(), ifc.index);
        out.links.insert(ifname.clone(), ifc.running);
        for t in &c.track.interfaces {
            let running = iface::lookup(handle, &t.name)
                .await
                .map(|i| i.running)
                .unwrap_or(false);
            out.links.insert(t.name.clone(), running);
        }
        let vips: Vec<IpAddr> = params::advertised(c);
        let mut src = env::configured_source(c)
            .or_else(|| known.get(&c.name).copied())
            .or_else(|| ifc.source_addr(v6, &vips));
        let mut waited = Duration::ZERO;
        // Under dynamic_interfaces an address may come at any time: the
        // instance waits for it in FAULT rather than holding the start.
        while wait
            && src.is_none()
            && !cfg.global.dynamic_interfaces
            && waited < Duration::from_secs(5)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
            src = iface::lookup(handle, &ifname)
                .await
                .ok()
                .and_then(|i| i.source_addr(v6, &vips));
        }
        if let Some(src) = src {
            out.sources.insert(c.name.clone(), src);
        }
    }
    for t in cfg.sync_groups.iter().flat_map(|g| &g.track.interfaces) {
        let running = iface::lookup(handle, &t.name)
            .await
            .map(|i| i.running)
            .unwrap_or(false);
        out.links.insert(t.name.clone(), running);
    }
    // Files and /proc are read off the VRRP runtime: a reload must not
    // hold the loop on a stalled filesystem.
    let c = cfg.clone();
    let (files, processes) = tokio::task::spawn_blocking(move || {
        (
            super::tasks::track_file_values(&c),
            super::tasks::process_counts(&c),
        )
    })
    .await
    .unwrap_or_default();
    out.files = files;
    out.processes = processes;
    Ok(out)
}

/// Pass a watcher's events on to the engine's queue, each wrapped by `ev`,
/// until either side closes.
fn forward<T: Send + 'static>(
    mut rx: mpsc::UnboundedReceiver<T>,
    tx: mpsc::Sender<Event>,
    ev: fn(T) -> Event,
) {
    tokio::spawn(async move {
        while let Some(x) = rx.recv().await {
            if tx.send(ev(x)).await.is_err() {
                return;
            }
        }
    });
}
