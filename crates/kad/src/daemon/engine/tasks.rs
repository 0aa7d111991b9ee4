//! The tracker tasks: one loop per `vrrp_script` (run, report, sleep), one
//! poller per `track_file`, each reporting by name, and one process
//! counter for all `vrrp_track_process`es (`process_task`) reporting
//! changed counts. A reload keeps
//! the tasks whose tracker did not change and replaces the others.

use super::super::proc_scan::Scanner;
use super::super::scripts;
use super::Event;
use kad_config::model::{Config, RcvBuf, TrackFile, TrackProcess, VrrpScript};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

#[derive(Default)]
pub(super) struct Tasks {
    scripts: HashMap<String, (VrrpScript, AbortHandle)>,
    files: HashMap<String, (TrackFile, AbortHandle)>,
    processes: Option<(Vec<TrackProcess>, RcvBuf, AbortHandle)>,
}

impl Tasks {
    /// Run exactly the trackers of `cfg`.
    pub fn sync(&mut self, cfg: &Config, tx: &mpsc::Sender<Event>) {
        self.sync_processes(cfg, tx);
        self.scripts.retain(|name, (s, h)| {
            let keep = cfg.vrrp_scripts.iter().any(|n| n == s && &n.name == name);
            if !keep {
                h.abort();
            }
            keep
        });
        for s in &cfg.vrrp_scripts {
            if self.scripts.contains_key(&s.name) {
                continue;
            }
            let (c, tx) = (s.clone(), tx.clone());
            let h = tokio::spawn(async move {
                loop {
                    let ok = scripts::check(&c.script, c.timeout).await;
                    if tx.send(Event::Script(c.name.clone(), ok)).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(c.interval).await;
                }
            });
            self.scripts
                .insert(s.name.clone(), (s.clone(), h.abort_handle()));
        }
        self.files.retain(|name, (f, h)| {
            let keep = cfg.track_files.iter().any(|n| n == f && &n.name == name);
            if !keep {
                h.abort();
            }
            keep
        });
        for f in &cfg.track_files {
            if self.files.contains_key(&f.name) {
                continue;
            }
            let (c, tx, mut last) = (
                f.clone(),
                tx.clone(),
                kad_script::track_file::read(f.file.as_ref()),
            );
            let h = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    // The read runs off the VRRP runtime: a file on a
                    // stalled filesystem must not delay adverts.
                    let path = c.file.clone();
                    let Ok(v) = tokio::task::spawn_blocking(move || {
                        kad_script::track_file::read(path.as_ref())
                    })
                    .await
                    else {
                        continue;
                    };
                    if v != last {
                        last = v;
                        if tx.send(Event::File(c.name.clone(), v)).await.is_err() {
                            return;
                        }
                    }
                }
            });
            self.files
                .insert(f.name.clone(), (f.clone(), h.abort_handle()));
        }
    }

    /// The process counter: replaced when the trackers or the connector's
    /// buffer change. A new one reports every count once (the node ignores
    /// a count it has), so no change between the node's start counts and
    /// its first count is lost.
    fn sync_processes(&mut self, cfg: &Config, tx: &mpsc::Sender<Event>) {
        let buf = cfg.global.netlink_bufs.process_monitor;
        if let Some((running, b, h)) = &self.processes {
            if *running == cfg.track_processes && *b == buf {
                return;
            }
            h.abort();
        }
        self.processes = None;
        let scanner = Scanner::new(&cfg.track_processes);
        if scanner.is_empty() {
            return;
        }
        let h = tokio::spawn(super::process_task::run(scanner, buf, tx.clone()));
        self.processes = Some((cfg.track_processes.clone(), buf, h.abort_handle()));
    }

    pub fn abort_all(&mut self) {
        if let Some((_, _, h)) = self.processes.take() {
            h.abort();
        }
        for (_, (_, h)) in self.scripts.drain() {
            h.abort();
        }
        for (_, (_, h)) in self.files.drain() {
            h.abort();
        }
    }
}

/// `init_file`: write the initial value when the file is missing (or
/// always, with `overwrite`). Done once, at start.
pub(super) fn init_track_files(cfg: &Config) {
    for f in &cfg.track_files {
        let path = std::path::Path::new(&f.file);
        if let Some(init) = f.init_value {
            if f.init_overwrite || !path.exists() {
                if let Err(e) = std::fs::write(path, format!("{init}\n")) {
                    tracing::warn!("track_file {}: cannot write {}: {e}", f.name, f.file);
                }
            }
        }
    }
}

/// Every `vrrp_track_process`'s count now (blocking: reads /proc).
pub(super) fn process_counts(cfg: &Config) -> HashMap<String, u32> {
    Scanner::new(&cfg.track_processes).count()
}

/// Every `track_file`'s value now.
pub(super) fn track_file_values(cfg: &Config) -> HashMap<String, i64> {
    cfg.track_files
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                kad_script::track_file::read(f.file.as_ref()),
            )
        })
        .collect()
}
