//! The IPVS writer: one thread that owns the IPVS netlink socket after
//! start-up, so that health changes, reloads and audits reach the kernel
//! in the order they were decided and never interleave. The audit (kad's
//! own `lvs_audit_interval`) runs here between jobs: it compares the
//! kernel's dump with the wanted table the writer keeps (the last reload's,
//! with every health change since applied) and repairs what kad owns, so it
//! can never fight a reload or a health change half-way; it puts back the
//! configured IPVS sysctls (`lvs_sloppy_tcp`, ...) too.

use super::lvs::{apply, Programmed};
use kad_config::model::LvsSysctls;
use kad_config::Config;
use kad_ipvs::netlink::client::{Client, IpvsError};
use kad_ipvs::{diff, Op, Table};
use std::collections::BTreeSet;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

pub enum Job {
    /// Health changes: exactly these operations.
    Ops(Vec<Op>),
    /// A reload: bring IPVS from `previous` (what kad last made it) to
    /// `want`.
    Apply {
        cfg: std::sync::Arc<Config>,
        want: Table,
        previous: Table,
        before: BTreeSet<kad_ipvs::table::SvcId>,
        reply: tokio::sync::oneshot::Sender<Result<Programmed, IpvsError>>,
    },
    /// Stop (before kad removes its services on the way out, so that no
    /// audit puts them back); answered once the writer is done.
    Stop(tokio::sync::oneshot::Sender<()>),
}

pub type Writer = std::sync::mpsc::Sender<Job>;

/// A reload while every operation so far succeeded: the kernel holds what
/// kad last made it (`previous`), so the difference between the old and
/// new wanted tables is exactly what to apply — no dump of thousands of
/// services (keepalived's reload diffs configurations the same way).
/// After any refusal the writer reconciles against the kernel's dump.
fn apply_difference(
    c: &mut Client,
    want: &Table,
    previous: &Table,
    before: &BTreeSet<kad_ipvs::table::SvcId>,
) -> Programmed {
    let owned: BTreeSet<_> = want.services.keys().cloned().collect();
    let mut may_touch = owned.clone();
    may_touch.extend(before.iter().cloned());
    let ops = diff(want, previous, &may_touch);
    let mut refused = 0;
    for r in c.apply(&ops) {
        if let Err(e) = r {
            refused += 1;
            tracing::error!("IPVS: {e}");
        }
    }
    Programmed {
        owned,
        ops: ops.len(),
        refused,
    }
}

struct State {
    client: Option<Client>,
    /// The start-up programming, and every job since, had no refusal.
    in_sync: bool,
    /// What kad wants in the kernel now: what the audit restores.
    wanted: Table,
    /// `lvs_audit_interval` (zero: no audit).
    every: Duration,
    /// The IPVS sysctls configured (`lvs_sloppy_tcp`, ...): the audit puts
    /// back one changed outside kad, as it does a service.
    sysctls: LvsSysctls,
}

impl State {
    fn client(&mut self) -> Option<&mut Client> {
        if self.client.is_none() {
            self.client = super::ipvs_netns::open_client()
                .map_err(|e| tracing::error!("IPVS: {e}"))
                .ok();
        }
        self.client.as_mut()
    }

    fn ops(&mut self, ops: Vec<Op>) {
        for op in &ops {
            // The checks thread diffs its own copy of each virtual server's
            // table, so every operation applies to this one too.
            if let Err(e) = kad_ipvs::audit::apply(&mut self.wanted, op) {
                tracing::debug!("IPVS writer's table: {e}");
            }
        }
        let Some(c) = self.client() else { return };
        let results = c.apply(&ops);
        for (op, r) in ops.iter().zip(results) {
            match r {
                Ok(()) => tracing::info!("IPVS: {}", describe(op)),
                Err(e) => {
                    self.in_sync = false;
                    tracing::error!("IPVS: {e}");
                }
            }
        }
    }

    fn reload(
        &mut self,
        cfg: &Config,
        want: Table,
        previous: &Table,
        before: &BTreeSet<kad_ipvs::table::SvcId>,
    ) -> Result<Programmed, IpvsError> {
        self.every = cfg.global.lvs_audit_interval;
        self.sysctls = cfg.global.lvs_sysctls;
        super::ipvs_sysctl::apply(&self.sysctls);
        let in_sync = self.in_sync;
        let r = match (self.client(), in_sync) {
            (Some(c), true) => {
                tracing::info!("IPVS: applying the configuration's difference");
                Ok(apply_difference(c, &want, previous, before))
            }
            _ => {
                tracing::info!("IPVS: reconciling with the kernel's table");
                apply(cfg, &want, before, false)
            }
        };
        self.in_sync = matches!(&r, Ok(p) if p.refused == 0);
        self.wanted = want;
        r
    }

    /// One audit: the kernel's dump against the wanted table; each repair
    /// logged in one line.
    fn audit(&mut self) {
        let started = Instant::now();
        super::ipvs_sysctl::apply(&self.sysctls);
        let Some(c) = self.client() else { return };
        let dumped = c.table();
        let kernel = match dumped {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("IPVS audit: cannot read the kernel's table: {e}");
                // A fresh socket next time.
                self.client = None;
                return;
            }
        };
        let fixes = kad_ipvs::audit::repairs(&self.wanted, &kernel);
        if fixes.is_empty() {
            tracing::trace!("IPVS audit: in order, {:?}", started.elapsed());
            return;
        }
        let ops: Vec<Op> = fixes.iter().map(|f| f.op.clone()).collect();
        let Some(c) = self.client() else { return };
        let results = c.apply(&ops);
        let mut refused = false;
        for (f, r) in fixes.iter().zip(results) {
            match r {
                Ok(()) => tracing::warn!("{}", f.line),
                Err(e) => {
                    refused = true;
                    tracing::error!("{} failed: {e}", f.line);
                }
            }
        }
        // Repaired: the kernel holds the wanted table again, and a reload's
        // difference applies to it; otherwise the next reload dumps.
        self.in_sync = !refused;
        tracing::info!(
            "IPVS audit: {} repairs in {:?}",
            fixes.len(),
            started.elapsed()
        );
    }
}

/// `in_sync`: the start-up programming had no refusal; `wanted`: what it
/// programmed; `every`: `lvs_audit_interval`; `sysctls`: the IPVS sysctls
/// it set.
/// `checker`: the `checker_*` scheduling (keepalived's checker process
/// writes IPVS).
pub fn spawn_writer(
    in_sync: bool,
    wanted: Table,
    every: Duration,
    sysctls: LvsSysctls,
    checker: kad_config::model::ThreadSched,
) -> Writer {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new()
        .name("kad-ipvs".into())
        .spawn(move || {
            super::sched::apply::enter("checker", Some(&checker));
            let mut st = State {
                client: None,
                in_sync,
                wanted,
                every,
                sysctls,
            };
            let mut next_audit = Instant::now() + st.every;
            loop {
                let job = if st.every.is_zero() {
                    rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
                } else {
                    rx.recv_timeout(next_audit.saturating_duration_since(Instant::now()))
                };
                match job {
                    Err(RecvTimeoutError::Disconnected) => return,
                    Err(RecvTimeoutError::Timeout) => {
                        st.audit();
                        next_audit = Instant::now() + st.every;
                    }
                    Ok(Job::Ops(ops)) => st.ops(ops),
                    Ok(Job::Apply {
                        cfg,
                        want,
                        previous,
                        before,
                        reply,
                    }) => {
                        let was = st.every;
                        let r = st.reload(&cfg, want, &previous, &before);
                        if st.every != was {
                            next_audit = Instant::now() + st.every;
                        }
                        let _ = reply.send(r);
                    }
                    Ok(Job::Stop(reply)) => {
                        let _ = reply.send(());
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the IPVS writer: {e}");
    }
    tx
}

/// A log line for a health change.
fn describe(op: &Op) -> String {
    match op {
        Op::NewDest(s, d, a) => format!("{s}: adding {}:{} weight {}", d.addr, d.port, a.weight),
        Op::SetDest(s, d, a) => format!("{s}: {}:{} weight {}", d.addr, d.port, a.weight),
        Op::DelDest(s, d) => format!("{s}: removing {}:{}", d.addr, d.port),
        other => format!("{other:?}"),
    }
}
