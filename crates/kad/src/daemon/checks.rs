//! The health checks in the daemon: a thread of their own (so thousands
//! of probes never delay a VRRP advert) running one tokio task per probe
//! in flight, the pure `Health` core deciding, and the IPVS writer
//! applying exactly the destinations that changed.

use super::fifo::Fifo;
use super::lvs::{Job, Programmed, Writer};
use super::sched;
use super::scripts;
use kad_config::model::{CheckKind, Config, RcvBuf, VsKey};
use kad_ipvs::check::probe::{probe, Spec};
use kad_ipvs::check::{Action, Admin, CheckId, Health, Micros, Outcome};
use kad_ipvs::netlink::client::IpvsError;
use kad_ipvs::{diff, services_of, Table};
use kad_vrrp::io::rcvbuf::Resizable;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// Lateness of probe starts, in 100 µs buckets up to 10 s.
struct Lateness {
    buckets: Vec<u64>,
    count: u64,
    max: Micros,
}

impl Lateness {
    fn new() -> Self {
        Lateness {
            buckets: vec![0; 100_001],
            count: 0,
            max: 0,
        }
    }
    fn add(&mut self, late: Micros) {
        let b = ((late / 100) as usize).min(self.buckets.len() - 1);
        self.buckets[b] += 1;
        self.count += 1;
        self.max = self.max.max(late);
    }
    fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let want = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= want {
                return (i as f64 + 1.0) / 10.0;
            }
        }
        self.max as f64 / 1000.0
    }
}

struct Shared {
    cfg: Arc<Config>,
    health: Health,
    epoch: Instant,
    probes: u64,
    in_flight: usize,
    late: Lateness,
    /// Each checker's probe durations (by slot; new on a reload).
    latency: Vec<super::metrics::Histogram>,
    /// kad's own `announce`: told of quorum changes.
    announce: Option<super::announce::Handle>,
}

type Owned = BTreeSet<kad_ipvs::table::SvcId>;

#[allow(
    clippy::large_enum_variant,
    reason = "a few commands per reload or operator request: boxing the Config gains nothing"
)]
enum Cmd {
    /// The new configuration, what kad owned before, where to answer.
    /// (`Instant`: when the reload began, for its timing line.)
    Reload(
        Arc<Config>,
        Owned,
        kactl::Overrides,
        Instant,
        oneshot::Sender<Option<Result<Programmed, IpvsError>>>,
    ),
    /// Shutting down: run `omega` notifiers, then stop.
    Stop(oneshot::Sender<()>),
    /// The operator's override of a real server (by `kactl status` labels).
    Admin(
        String,
        String,
        Admin,
        oneshot::Sender<Result<String, String>>,
    ),
}

/// How long shutdown waits for `omega` notify scripts.
const OMEGA_WAIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Checks {
    shared: Arc<RwLock<Shared>>,
    cmd: mpsc::UnboundedSender<Cmd>,
}

fn now(epoch: Instant) -> Micros {
    epoch.elapsed().as_micros() as Micros
}

fn specs(cfg: &Config) -> Vec<Arc<Spec>> {
    let mut v = Vec::new();
    for vs in &cfg.virtual_servers {
        for rs in &vs.real_servers {
            for ck in &rs.checkers {
                v.push(Arc::new(Spec::new(cfg, vs, rs, ck)));
            }
        }
    }
    v
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

impl Checks {
    /// Start checking. `writer`: where IPVS changes go (None without IPVS:
    /// the checks still run and show in `kactl status`).
    /// The start-up health (alpha servers down, the rest up) and each
    /// virtual server's wanted services under it: computed once, programmed
    /// by the daemon, then handed to `spawn`.
    pub fn initial(cfg: &Config, overrides: &kactl::Overrides) -> (Health, Vec<Table>) {
        let mut health = Health::new(cfg, 0, seed());
        apply_overrides(&mut health, 0, overrides);
        let tables = Loop::tables(cfg, &health);
        (health, tables)
    }

    /// All the services of per-virtual-server tables.
    pub fn joined(tables: &[Table]) -> Table {
        Table {
            services: tables.iter().flat_map(|t| t.services.clone()).collect(),
        }
    }

    pub fn spawn(
        cfg: Arc<Config>,
        (health, tables): (Health, Vec<Table>),
        writer: Option<Writer>,
        announce: Option<super::announce::Handle>,
    ) -> Checks {
        let epoch = Instant::now();
        let latency = vec![Default::default(); health.slots.len()];
        let shared = Arc::new(RwLock::new(Shared {
            cfg,
            health,
            epoch,
            probes: 0,
            in_flight: 0,
            late: Lateness::new(),
            latency,
            announce,
        }));
        let (tx, rx) = mpsc::unbounded_channel();
        let s2 = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("kad-checks".into())
            .spawn(move || {
                // This thread is keepalived's checker process; the threads
                // its runtime starts get the process's own settings.
                let sched = s2.read().ok().map(|s| s.cfg.global.scheduling.clone());
                let climber =
                    sched::Climber::enter(sched::Process::Checker, &sched.unwrap_or_default());
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .on_thread_start(sched::as_helper)
                    .build()
                {
                    Ok(rt) => rt.block_on(run(s2, rx, writer, tables, climber)),
                    Err(e) => tracing::error!("checks: cannot start a runtime: {e}"),
                }
            });
        if let Err(e) = spawned {
            tracing::error!("checks: cannot start: {e}");
        }
        Checks { shared, cmd: tx }
    }

    /// A reload: carry the checkers' state over, then reconcile IPVS with
    /// the new configuration and the health (None without IPVS).
    pub async fn reload(
        &self,
        cfg: Arc<Config>,
        before: Owned,
        overrides: kactl::Overrides,
        began: Instant,
    ) -> Option<Result<Programmed, IpvsError>> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(Cmd::Reload(cfg, before, overrides, began, tx))
            .ok()?;
        rx.await.ok().flatten()
    }

    /// Drain, disable or enable a real server (the checks thread applies
    /// it; the answer says what was done or why not).
    pub async fn admin(&self, vs: &str, rs: &str, admin: Admin) -> Result<String, String> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(Cmd::Admin(vs.into(), rs.into(), admin, tx))
            .map_err(|_| "the checks have stopped".to_string())?;
        rx.await
            .unwrap_or_else(|_| Err("the checks have stopped".into()))
    }

    /// The real servers an override may name, as (VS label, RS label).
    pub fn labels(&self) -> Vec<(String, String)> {
        let Ok(s) = self.shared.read() else {
            return vec![];
        };
        s.health
            .services
            .iter()
            .flat_map(|v| v.rs.iter().map(|r| (v.label.clone(), r.label.clone())))
            .collect()
    }

    /// Each checker's probe durations, for the metrics: (VS label, RS
    /// label, checker type, its place among the server's checkers).
    pub fn latencies(&self) -> Vec<(String, String, &'static str, u32, super::metrics::Histogram)> {
        let Ok(s) = self.shared.read() else {
            return vec![];
        };
        let mut out = Vec::with_capacity(s.latency.len());
        for (i, slot) in s.health.slots.iter().enumerate() {
            let (vi, ri, ci) = (slot.vs as usize, slot.rs as usize, slot.ck as usize);
            let (Some(v), Some(vs)) = (s.health.services.get(vi), s.cfg.virtual_servers.get(vi))
            else {
                continue;
            };
            let (Some(r), Some(rc)) = (v.rs.get(ri), vs.real_servers.get(ri)) else {
                continue;
            };
            let Some(ck) = rc.checkers.get(ci) else {
                continue;
            };
            let h = s.latency.get(i).cloned().unwrap_or_default();
            out.push((
                v.label.clone(),
                r.label.clone(),
                kind_name(&ck.kind),
                ci as u32,
                h,
            ));
        }
        out
    }

    /// Stop checking; `omega` notifiers run first (waited for, up to 5 s).
    pub async fn stop(&self) {
        let (tx, rx) = oneshot::channel();
        if self.cmd.send(Cmd::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    pub fn status(&self) -> kactl::ChecksStatus {
        let Ok(s) = self.shared.read() else {
            return Default::default();
        };
        let t = now(s.epoch);
        let ago = |at: Micros| t.saturating_sub(at) as f64 / 1e6;
        let services = s
            .health
            .services
            .iter()
            .zip(&s.cfg.virtual_servers)
            .enumerate()
            .filter(|(_, (_, vs))| vs.real_servers.iter().any(|r| !r.checkers.is_empty()))
            .map(|(vi, (v, vs))| kactl::CheckedService {
                service: v.label.clone(),
                quorum: v.quorum,
                quorum_up: v.quorum_up,
                live_weight: v.live_weight(),
                sorry_server_active: v.sorry_active(),
                suspended: v.suspended,
                real_servers: v
                    .rs
                    .iter()
                    .zip(&vs.real_servers)
                    .enumerate()
                    .map(|(ri, (r, rc))| kactl::CheckedServer {
                        address: r.label.clone(),
                        alive: r.alive(),
                        weight: r.weight,
                        since_change_secs: ago(r.changed_at),
                        admin: r.admin.name().map(str::to_string),
                        ipvs_weight: s.health.dest_weight(vi, ri),
                        checkers: (r.first..r.first + r.count)
                            .zip(&rc.checkers)
                            .map(|(i, ck)| {
                                let st = &s.health.slots[i as usize].state;
                                kactl::CheckerStatus {
                                    kind: kind_name(&ck.kind).into(),
                                    up: st.up,
                                    last_result: st.last.as_ref().map(|o| {
                                        if o.is_pass() { "pass" } else { "fail" }.to_string()
                                    }),
                                    reason: match &st.last {
                                        Some(Outcome::Fail(r)) => Some(r.clone()),
                                        _ => None,
                                    },
                                    retries: st.retry_it,
                                    since_change_secs: ago(st.changed_at),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        kactl::ChecksStatus {
            probes: s.probes,
            in_flight: s.in_flight,
            late_p50_ms: s.late.quantile_ms(0.5),
            late_p99_ms: s.late.quantile_ms(0.99),
            late_max_ms: s.late.max as f64 / 1000.0,
            services,
        }
    }
}

pub fn kind_name(k: &CheckKind) -> &'static str {
    match k {
        CheckKind::Tcp => "TCP_CHECK",
        CheckKind::Http(_) => "HTTP_GET",
        CheckKind::Ssl(_) => "SSL_GET",
        CheckKind::Misc(_) => "MISC_CHECK",
        CheckKind::Smtp { .. } => "SMTP_CHECK",
        CheckKind::Dns { .. } => "DNS_CHECK",
        CheckKind::Udp { .. } => "UDP_CHECK",
        CheckKind::Ping => "PING_CHECK",
        CheckKind::File { .. } => "FILE_CHECK",
    }
}

fn open_fifo(cfg: &Config) -> Option<Fifo> {
    // notify_fifo is shared with VRRP, whose engine starts its script.
    let (f, with_script) = match (&cfg.global.lvs_notify_fifo, &cfg.global.notify_fifo) {
        (Some(f), _) => (f, true),
        (None, Some(f)) => (f, false),
        _ => return None,
    };
    let r = if with_script {
        Fifo::open(f)
    } else {
        Fifo::open_quiet(f)
    };
    r.map_err(|e| tracing::warn!("LVS notify FIFO {}: {e}", f.path))
        .ok()
}

/// The node's addresses, for `ha_suspend`, dumped with rtnetlink when a
/// virtual server uses it (an empty set when netlink fails: every such
/// server waits, as when its address is missing).
struct LocalAddrs(Option<(rtnetlink::Handle, Option<Resizable>)>);

impl LocalAddrs {
    /// On the checks runtime, which drives the connection; its buffer is
    /// keepalived's checker command socket's (`lvs_netlink_cmd_rcv_bufs`).
    fn new(buf: &RcvBuf) -> LocalAddrs {
        match rtnetlink::new_connection() {
            Ok((mut conn, handle, _)) => {
                let r = kad_vrrp::io::rcvbuf::set_rtnl(&mut conn, buf);
                tokio::spawn(conn);
                LocalAddrs(Some((handle, r)))
            }
            Err(e) => {
                tracing::warn!("checks: no netlink for ha_suspend ({e})");
                LocalAddrs(None)
            }
        }
    }

    /// A reload's size (keepalived's checker has closed this socket by
    /// then; kad keeps it, so it follows the configuration).
    fn set_buf(&self, buf: &RcvBuf) {
        if let Some((_, Some(r))) = &self.0 {
            r.set(buf);
        }
    }

    async fn for_cfg(&self, cfg: &Config) -> BTreeSet<std::net::IpAddr> {
        let Some((h, _)) = self
            .0
            .as_ref()
            .filter(|_| cfg.virtual_servers.iter().any(|v| v.ha_suspend))
        else {
            return BTreeSet::new();
        };
        kad_vrrp::io::iface::node_addrs(h)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!("checks: ha_suspend: {e}");
                BTreeSet::new()
            })
    }
}

struct Loop {
    shared: Arc<RwLock<Shared>>,
    writer: Option<Writer>,
    specs: Vec<Arc<Spec>>,
    /// Each virtual server's services as last sent to IPVS.
    last: Vec<Table>,
    fifo: Option<Fifo>,
    generation: u64,
    /// The quorum last told to the announcer, by label.
    told: std::collections::HashMap<String, bool>,
}

impl Loop {
    /// The tables after a reload: a virtual server whose configuration and
    /// health are unchanged keeps its table (cloned from `last`, which
    /// still describes the kernel); the others are computed.
    fn reuse_tables(
        cfg: &Config,
        h: &Health,
        old_cfg: &Config,
        old_h: &Health,
        last: &mut [Table],
    ) -> Vec<Table> {
        let old: std::collections::HashMap<_, _> = old_cfg
            .virtual_servers
            .iter()
            .enumerate()
            .map(|(i, vs)| ((&vs.key, vs.protocol), i))
            .collect();
        cfg.virtual_servers
            .iter()
            .enumerate()
            .map(|(vi, vs)| match old.get(&(&vs.key, vs.protocol)) {
                Some(&ovi)
                    if old_cfg.virtual_servers[ovi] == *vs
                        && h.same_as(vi, old_h, ovi)
                        && ovi < last.len() =>
                {
                    last[ovi].clone()
                }
                _ => Table {
                    services: services_of(cfg, vi, h).into_iter().collect(),
                },
            })
            .collect()
    }

    fn tables(cfg: &Config, h: &Health) -> Vec<Table> {
        (0..cfg.virtual_servers.len())
            .map(|vi| Table {
                services: services_of(cfg, vi, h).into_iter().collect(),
            })
            .collect()
    }

    fn act(&mut self, s: &Shared, acts: Vec<Action>) {
        for a in acts {
            match a {
                Action::Changed { vs } => {
                    let now = Table {
                        services: services_of(&s.cfg, vs, &s.health).into_iter().collect(),
                    };
                    let owned: BTreeSet<_> = now.services.keys().cloned().collect();
                    let ops = diff(&now, &self.last[vs], &owned);
                    self.last[vs] = now;
                    if let (Some(w), false) = (&self.writer, ops.is_empty()) {
                        let _ = w.send(Job::Ops(ops));
                    }
                }
                Action::Script(sc) => scripts::notify(&sc, vec![], NOTIFY_TIMEOUT),
                // keepalived's checker lines (transitions; every failure
                // with log_all_failures).
                Action::Log(line) => tracing::info!("{line}"),
                Action::Fifo(line) => {
                    tracing::info!("{line}");
                    if let Some(f) = &mut self.fifo {
                        f.line(&line);
                    }
                }
            }
        }
        self.tell_quorum(s);
    }

    /// The announced virtual servers' quorum, when it changed.
    fn tell_quorum(&mut self, s: &Shared) {
        let Some(a) = &s.announce else { return };
        for (v, vs) in s.health.services.iter().zip(&s.cfg.virtual_servers) {
            if vs.announce.is_some() && self.told.get(&v.label) != Some(&v.quorum_up) {
                self.told.insert(v.label.clone(), v.quorum_up);
                a.quorum(&v.label, v.quorum_up);
            }
        }
    }
}

async fn run(
    shared: Arc<RwLock<Shared>>,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    writer: Option<Writer>,
    tables: Vec<Table>,
    mut climber: sched::Climber,
) {
    let (rtx, mut results) = mpsc::unbounded_channel::<(u64, CheckId, Outcome, Duration)>();
    let Some(cfg) = shared.read().ok().map(|s| s.cfg.clone()) else {
        return;
    };
    let addrs = LocalAddrs::new(&cfg.global.netlink_bufs.lvs_cmd);
    let local = addrs.for_cfg(&cfg).await;
    let (epoch, mut l) = {
        let Ok(mut s) = shared.write() else { return };
        // Before any check runs.
        update_suspension(&mut s, &local);
        let mut l = Loop {
            shared: shared.clone(),
            writer,
            specs: specs(&s.cfg),
            last: tables,
            fifo: open_fifo(&s.cfg),
            generation: 0,
            told: Default::default(),
        };
        // The start-up quorum state's scripts and FIFO lines.
        l.act(&s, s.health.startup());
        super::smtp::startup(&s.cfg, &s.health);
        (s.epoch, l)
    };
    // ha_suspend follows address events; the slow tick is a safety net.
    let (mut addr_events, addr_monitor) = watch_addrs(&cfg.global.netlink_bufs.lvs_monitor);
    let mut suspend_tick = tokio::time::interval(Duration::from_secs(5));
    // One timer, moved only when the next deadline moves.
    let far = || tokio::time::Instant::now() + Duration::from_secs(3600);
    let sleep = tokio::time::sleep_until(far());
    tokio::pin!(sleep);
    let mut armed: Option<Micros> = None;
    loop {
        let next = l
            .shared
            .write()
            .ok()
            .and_then(|mut s| s.health.next_deadline());
        if next != armed {
            armed = next;
            let at = next.map_or_else(far, |t| (epoch + Duration::from_micros(t)).into());
            sleep.as_mut().reset(at);
        }
        tokio::select! {
            _ = &mut sleep => {
                let t = now(epoch);
                if let Some(due) = armed.take() {
                    climber.fired(Duration::from_micros(t.saturating_sub(due)));
                }
                let Ok(mut s) = l.shared.write() else { return };
                for (id, due) in s.health.due_at(t) {
                    s.late.add(t.saturating_sub(due));
                    s.in_flight += 1;
                    let spec = l.specs[id.0 as usize].clone();
                    let (tx, g) = (rtx.clone(), l.generation);
                    tokio::spawn(async move {
                        let began = Instant::now();
                        let o = probe(&spec).await;
                        let _ = tx.send((g, id, o, began.elapsed()));
                    });
                }
            }
            Some(first) = results.recv() => {
                // Take every result already waiting, under one lock.
                let shared = l.shared.clone();
                let Ok(mut s) = shared.write() else { return };
                let t = now(epoch);
                let mut next = Some(first);
                while let Some((g, id, o, took)) = next {
                    s.in_flight = s.in_flight.saturating_sub(1);
                    if g == l.generation {
                        s.probes += 1;
                        if let Some(h) = s.latency.get_mut(id.0 as usize) {
                            h.observe(took.as_secs_f64());
                        }
                        let acts = super::smtp::checked(&s.cfg.clone(), &mut s.health, t, id, o);
                        if !acts.is_empty() {
                            l.act(&s, acts);
                        }
                    }
                    next = results.try_recv().ok();
                }
            }
            Some(cmd) = cmds.recv() => match cmd {
                Cmd::Stop(reply) => {
                    let acts = match l.shared.write() {
                        Ok(s) => s.health.shutdown(),
                        Err(_) => vec![],
                    };
                    let mut waiting = tokio::task::JoinSet::new();
                    for a in acts {
                        match a {
                            Action::Script(sc) => {
                                waiting.spawn(async move {
                                    let _ = kad_script::exec::run(&sc, OMEGA_WAIT).await;
                                });
                            }
                            Action::Fifo(line) => {
                                if let Some(f) = &mut l.fifo {
                                    f.line(&line);
                                }
                            }
                            Action::Changed { .. } | Action::Log(_) => {}
                        }
                    }
                    let _ = tokio::time::timeout(OMEGA_WAIT, async {
                        while waiting.join_next().await.is_some() {}
                    })
                    .await;
                    let _ = reply.send(());
                    return;
                }
                Cmd::Admin(vs, rs, admin, reply) => {
                    let shared = l.shared.clone();
                    let Ok(mut s) = shared.write() else { return };
                    let answer = match s.health.find(&vs, &rs) {
                        None => Err(format!("no real server {rs} in virtual server {vs}")),
                        Some((vi, ri)) => {
                            let t = now(epoch);
                            let acts = s.health.set_admin(t, vi, ri, admin);
                            let what = admin.name().unwrap_or("enable");
                            let msg = if acts.is_empty() {
                                format!("{rs} of {vs}: already {what}")
                            } else {
                                format!("{rs} of {vs}: {what}")
                            };
                            l.act(&s, acts);
                            Ok(msg)
                        }
                    };
                    let _ = reply.send(answer);
                }
                Cmd::Reload(cfg, before, overrides, began, reply) => {
                    // As keepalived's checker at a reload.
                    let bufs = &cfg.global.netlink_bufs;
                    if let Some(m) = &addr_monitor {
                        m.set(&bufs.lvs_monitor);
                    }
                    addrs.set_buf(&bufs.lvs_cmd);
                    let local = addrs.for_cfg(&cfg).await;
                    let shared = l.shared.clone();
                    // The new health and tables are computed under a read
                    // lock (this thread is the only writer, so nothing
                    // changes meanwhile): `kactl status`, the metrics and
                    // the operator's label lookup go on reading during the
                    // ~150 ms of a 10,000-service rebuild. The write lock
                    // is held only for the swap.
                    let (want, cfg, previous, h) = {
                        let Ok(s) = shared.read() else { return };
                        let t = now(epoch);
                        let clock = Instant::now();
                        let mut h = Health::new(&cfg, t, seed());
                        // Before the migration, which keeps them for the
                        // servers it carries over and counts them in quorum.
                        apply_overrides(&mut h, t, &overrides);
                        let notices = h.migrate(&cfg, &s.health, &s.cfg);
                        super::smtp::reloaded(&s.cfg, &s.health, &cfg);
                        let t_health = clock.elapsed();
                        // Each virtual server's services once: kept per
                        // server for health changes, joined for IPVS. A
                        // server with the same configuration and health
                        // keeps its table.
                        let tables = Loop::reuse_tables(&cfg, &h, &s.cfg, &s.health, &mut l.last);
                        let t_tables = clock.elapsed();
                        let want = Checks::joined(&tables);
                        let previous = Table {
                            services: std::mem::replace(&mut l.last, tables)
                                .into_iter()
                                .flat_map(|t| t.services)
                                .collect(),
                        };
                        tracing::debug!(
                            "reload: health {t_health:?}, tables {:?}, all {:?}",
                            t_tables - t_health,
                            clock.elapsed()
                        );
                        (want, cfg, previous, (h, notices))
                    };
                    {
                        let (h, notices) = h;
                        // SSL{} files are read again, as keepalived does.
                        kad_ipvs::check::probe::forget_client_configs();
                        l.specs = specs(&cfg);
                        l.generation += 1;
                        let latency = vec![Default::default(); h.slots.len()];
                        let Ok(mut s) = shared.write() else { return };
                        // The old state is dropped after the lock is let go.
                        let old = (
                            std::mem::replace(&mut s.latency, latency),
                            std::mem::replace(&mut s.health, h),
                            std::mem::replace(&mut s.cfg, cfg.clone()),
                        );
                        update_suspension(&mut s, &local);
                        // The new announced servers before their quorum.
                        if let Some(a) = &s.announce {
                            a.reload(&cfg);
                        }
                        l.act(&s, notices);
                        drop(s);
                        drop(old);
                    }
                    // The end of the reload's own work: from here the IPVS
                    // writer's netlink round trips (reload_bench measures up
                    // to this line on a host without IPVS).
                    tracing::info!(
                        "reload: IPVS tables of {} services {} in {:.1} ms since the reload began",
                        want.services.len(),
                        if l.writer.is_some() { "handed to the IPVS writer" } else { "ready (no IPVS writer)" },
                        began.elapsed().as_secs_f64() * 1000.0
                    );
                    match &l.writer {
                        Some(w) => {
                            let (tx, rx) = oneshot::channel();
                            let _ = w.send(Job::Apply { cfg, want, previous, before, reply: tx });
                            let r = rx.await.ok();
                            let _ = reply.send(r);
                        }
                        None => { let _ = reply.send(None); }
                    }
                }
            },
            Some(()) = async { addr_events.as_mut()?.recv().await } => {
                // Take every event already waiting: one look at the addresses.
                while addr_events.as_mut().is_some_and(|r| r.try_recv().is_ok()) {}
                let Some(cfg) = l.shared.read().ok().map(|s| s.cfg.clone()) else { return };
                let local = addrs.for_cfg(&cfg).await;
                let Ok(mut s) = l.shared.write() else { return };
                update_suspension(&mut s, &local);
            }
            _ = suspend_tick.tick() => {
                let Some(cfg) = l.shared.read().ok().map(|s| s.cfg.clone()) else { return };
                let local = addrs.for_cfg(&cfg).await;
                let Ok(mut s) = l.shared.write() else { return };
                update_suspension(&mut s, &local);
            }
        }
    }
}

/// Address added or removed anywhere on this node (rtnetlink events), or
/// None when the monitor cannot be opened (the tick then does the work).
/// Its buffer is keepalived's checker monitor's
/// (`lvs_netlink_monitor_rcv_bufs`).
fn watch_addrs(buf: &RcvBuf) -> (Option<mpsc::UnboundedReceiver<()>>, Option<Resizable>) {
    use futures::StreamExt;
    use rtnetlink::MulticastGroup;
    let groups = [MulticastGroup::Ipv4Ifaddr, MulticastGroup::Ipv6Ifaddr];
    let (mut conn, _handle, mut messages) = match rtnetlink::new_multicast_connection(&groups) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("checks: no address events ({e}); ha_suspend polls every 5 s");
            return (None, None);
        }
    };
    let resizable = kad_vrrp::io::rcvbuf::set_rtnl(&mut conn, buf);
    tokio::spawn(conn);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while messages.next().await.is_some() {
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    (Some(rx), resizable)
}

/// `ha_suspend`: checks of a virtual server whose address is not on this
/// node wait, and resume when it arrives (address events, as keepalived).
fn update_suspension(s: &mut Shared, local: &BTreeSet<std::net::IpAddr>) {
    let want: Vec<(usize, std::net::IpAddr)> = s
        .cfg
        .virtual_servers
        .iter()
        .enumerate()
        .filter(|(_, vs)| vs.ha_suspend)
        .filter_map(|(i, vs)| match vs.key {
            VsKey::Addr { addr, .. } => Some((i, addr)),
            _ => None,
        })
        .collect();
    if want.is_empty() {
        return;
    }
    let t = now(s.epoch);
    for (i, a) in want {
        s.health.suspend(t, i, !local.contains(&a));
    }
}

/// The operator's real-server overrides onto a fresh health (start-up):
/// those naming servers the configuration no longer has are kept in the
/// state file but change nothing.
fn apply_overrides(h: &mut Health, t: Micros, o: &kactl::Overrides) {
    for r in &o.real_servers {
        let admin = match r.state.as_str() {
            "drain" => Admin::Drain,
            "disable" => Admin::Disable,
            _ => continue,
        };
        match h.find(&r.vs, &r.rs) {
            Some((vi, ri)) => {
                h.set_admin(t, vi, ri, admin);
                tracing::info!("override: {} of {} stays {}", r.rs, r.vs, r.state);
            }
            None => tracing::warn!(
                "override: {} of {} ({}) is not in the configuration",
                r.rs,
                r.vs,
                r.state
            ),
        }
    }
}
