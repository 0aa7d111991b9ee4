//! Reloads (SIGHUP and kad's `kactl reload`): re-read and validate the
//! configuration; one with errors changes nothing; otherwise the VRRP
//! engine takes what it can in place, the checkers carry their state over
//! and IPVS is reconciled (only the difference is applied). Each reload
//! says what changed, or why nothing did, and is counted for the metrics.

use super::checks::Checks;
use super::engine;
use super::metrics::Reloads;
use super::overrides::Store;
use super::Owned;
use crate::cli::Cli;
use kactl::Done;
use kad_config::model::Config;
use kad_ipvs::check::health::vs_label;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

pub struct Reloader {
    pub cli: Cli,
    /// The configuration running (shared with the checks thread).
    pub running: Arc<Config>,
    pub owned: Owned,
    pub checks: Checks,
    pub events: mpsc::Sender<engine::Event>,
    pub store: Arc<Mutex<Store>>,
    pub stats: Reloads,
}

/// What a new configuration changes against the running one, one line
/// per change (empty: nothing).
pub fn changes(old: &Config, new: &Config) -> Vec<String> {
    let mut out: Vec<String> = kad_vrrp::node::reload::changes(old, new)
        .iter()
        .map(ToString::to_string)
        .collect();
    if old.sync_groups != new.sync_groups {
        out.push("vrrp_sync_group changed, applied".into());
    }
    // By key: a search of the old list for each new server was quadratic,
    // half a second at 10,000 services.
    let by_key = |c: &Config| -> std::collections::HashMap<_, usize> {
        c.virtual_servers
            .iter()
            .enumerate()
            .map(|(i, vs)| ((vs.key.clone(), vs.protocol), i))
            .collect()
    };
    let (olds, news) = (by_key(old), by_key(new));
    for n in &new.virtual_servers {
        let l = vs_label(n);
        match olds.get(&(n.key.clone(), n.protocol)) {
            None => out.push(format!("virtual_server {l} added")),
            Some(&o) if old.virtual_servers[o] != *n => {
                out.push(format!("virtual_server {l} changed"))
            }
            Some(_) => {}
        }
    }
    for o in &old.virtual_servers {
        if !news.contains_key(&(o.key.clone(), o.protocol)) {
            out.push(format!("virtual_server {} removed", vs_label(o)));
        }
    }
    if old.global != new.global {
        out.push("global_defs changed".into());
    }
    if old.vrrp_scripts != new.vrrp_scripts || old.track_files != new.track_files {
        out.push("vrrp_script / track_file changed, applied".into());
    }
    if statics_changed(old, new) {
        out.push("static_ipaddress / static_routes / static_rules changed, applied".into());
    }
    out
}

/// Whether the VRRP engine has anything to apply: its instances, groups,
/// trackers, globals, statics — or the FIFO, which hears the states on
/// every reload, as keepalived's.
fn vrrp_changed(old: &Config, new: &Config) -> bool {
    new.vrrp_instances != old.vrrp_instances
        || new.sync_groups != old.sync_groups
        || new.vrrp_scripts != old.vrrp_scripts
        || new.track_files != old.track_files
        || new.track_processes != old.track_processes
        || new.garp_groups != old.garp_groups
        || new.global != old.global
        || statics_changed(old, new)
        || new.global.fifo_write_vrrp_states_on_reload
}

/// The configuration without its virtual servers, which the VRRP engine
/// never reads: a 10,000-service table is neither copied to nor freed on
/// the VRRP runtime.
fn vrrp_part(cfg: &mut Config) -> Config {
    let servers = std::mem::take(&mut cfg.virtual_servers);
    let part = cfg.clone();
    cfg.virtual_servers = servers;
    part
}

/// The engine holds the static addresses, routes and rules too.
fn statics_changed(old: &Config, new: &Config) -> bool {
    old.static_ipaddress != new.static_ipaddress
        || old.static_routes != new.static_routes
        || old.static_rules != new.static_rules
}

/// keepalived's `reload_check_config`: the new configuration checked as
/// `-t` checks it (the report in `file`, emptied first); a refusal line
/// when the check fails.
fn check_first(cli: &crate::cli::Cli, file: &str) -> Option<String> {
    let mut out: Vec<u8> = Vec::new();
    let code = crate::configtest::check_into(crate::configtest::load(cli), &mut out);
    if let Err(e) = std::fs::write(file, &out) {
        tracing::warn!("config check log {file}: {e}");
    }
    (code != kad_config::exit::OK)
        .then(|| format!("New config failed validation, see {file} for details"))
}

impl Reloader {
    pub async fn reload(&mut self) -> Done {
        let t = std::time::Instant::now();
        let _reloading = super::notify::Reloading::start();
        // Reading, parsing and lowering the file (and script security's
        // look at the scripts) off the runtime: it is the VRRP engine's,
        // and a 10,000-service file takes tens of milliseconds.
        let cli = self.cli.clone();
        let running = self.running.clone();
        let store = self.store.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            let loaded = crate::configtest::load(&cli);
            // `reload_check_config` (of the running configuration, as
            // keepalived reads it): the new file must pass `kad -t`.
            if let Some(file) = &running.global.reload_check_config {
                if let Some(refusal) = check_first(&cli, file) {
                    return Err((vec![refusal], "the new configuration failed its check"));
                }
            }
            if loaded.has_errors() {
                let lines: Vec<String> = loaded
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.to_string())
                    .collect();
                return Err((lines, "the configuration has errors"));
            }
            let mut cfg = super::scripts::secure(super::sides::filter(&cli, loaded.config));
            let running_id = &running.global.identity;
            if let Some(m) =
                super::sides::reload_refusal(&cli, running_id, &mut cfg.global.identity)
            {
                return Err((vec![m.to_string()], "a reload cannot change that"));
            }
            // Also here, off the runtime: what changed (a walk of every
            // virtual server), the e-mail settings (the host and user
            // names), and the VRRP engine's part of the configuration.
            super::smtp::install(&cfg);
            let lines = changes(&running, &cfg);
            let vrrp = vrrp_changed(&running, &cfg).then(|| Box::new(vrrp_part(&mut cfg)));
            let overrides = store.lock().map(|s| s.data.clone()).unwrap_or_default();
            Ok((Arc::new(cfg), lines, vrrp, overrides))
        })
        .await;
        let (cfg, mut lines, vrrp, overrides) = match prepared {
            Ok(Ok(p)) => p,
            Ok(Err((lines, why))) => {
                for l in &lines {
                    tracing::error!("{l}");
                }
                let done = format!("reload refused: {why}; the running one stays");
                tracing::error!("{done}");
                self.count(false, t);
                return Done {
                    done,
                    lines,
                    ok: false,
                };
            }
            Err(e) => {
                tracing::error!("reload: {e}");
                self.count(false, t);
                return Done {
                    done: format!("reload failed: {e}"),
                    lines: vec![],
                    ok: false,
                };
            }
        };
        tracing::debug!("reload: configuration read in {:?}", t.elapsed());
        if let Some(v) = vrrp {
            let _ = self.events.send(engine::Event::Reload(v)).await;
        }
        let before = self.owned.lock().ok().and_then(|o| o.clone());
        let r = self
            .checks
            .reload(
                cfg.clone(),
                before.clone().unwrap_or_default(),
                overrides,
                t,
            )
            .await;
        let mut ok = true;
        match (before, r) {
            (None, _) => {
                tracing::info!("reload: checkers updated in {:?} (no IPVS)", t.elapsed())
            }
            (Some(_), Some(Ok(p))) => {
                tracing::info!(
                    "reload: IPVS reconciled in {:?} ({} changes, {} refused)",
                    t.elapsed(),
                    p.ops,
                    p.refused
                );
                if p.ops > 0 || p.refused > 0 {
                    lines.push(format!(
                        "IPVS: {} changes, {} refused by the kernel",
                        p.ops, p.refused
                    ));
                }
                if let Ok(mut o) = self.owned.lock() {
                    *o = Some(p.owned);
                }
            }
            (Some(_), Some(Err(e))) => {
                tracing::error!("reload: IPVS: {e}");
                lines.push(format!("IPVS: {e}"));
                ok = false;
            }
            (Some(_), None) => {
                tracing::error!("reload: the checks stopped");
                lines.push("the checks have stopped".into());
                ok = false;
            }
        }
        // The old configuration is freed off the runtime (10,000 services
        // take milliseconds to drop).
        let old = std::mem::replace(&mut self.running, cfg);
        tokio::task::spawn_blocking(move || drop(old));
        self.count(ok, t);
        let done = if lines.is_empty() {
            "reload: nothing changed (the file is the configuration running)".to_string()
        } else {
            format!("reload: {} change(s)", lines.len())
        };
        tracing::info!("{done}");
        Done { done, lines, ok }
    }

    fn count(&self, ok: bool, t: std::time::Instant) {
        if let Ok(mut s) = self.stats.lock() {
            if ok {
                s.ok += 1;
            } else {
                s.failed += 1;
            }
            s.last_ok = Some(ok);
            s.last_secs = Some(t.elapsed().as_secs_f64());
            s.last_at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs_f64());
        }
    }
}

/// Requests for a reload; each gets the report.
pub type Requests = mpsc::Sender<oneshot::Sender<Done>>;

/// Run reloads one at a time, on SIGHUP (the stream installed at start-up,
/// so a SIGHUP during start-up is applied now) and on request.
pub fn spawn(mut r: Reloader, mut hup: tokio::signal::unix::Signal) -> Requests {
    let (tx, mut rx) = mpsc::channel::<oneshot::Sender<Done>>(8);
    tokio::spawn(async move {
        loop {
            let reply = tokio::select! {
                Some(()) = hup.recv() => None,
                q = rx.recv() => match q {
                    Some(q) => Some(q),
                    None => return,
                },
            };
            let done = r.reload().await;
            if let Some(q) = reply {
                let _ = q.send(done);
            }
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::changes;

    fn cfg(text: &str) -> kad_config::Config {
        let l = kad_config::load_str(text, std::path::Path::new("t.conf"), &Default::default());
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.config
    }

    fn conf(prio: u8, vrid: u8, weight: u8, rs2: bool) -> String {
        let extra = if rs2 {
            "real_server 10.0.1.2 80 { weight 1 }"
        } else {
            ""
        };
        format!(
            "vrrp_instance VI {{ interface lo\n virtual_router_id {vrid}\n priority {prio}\n \
             virtual_ipaddress {{ 10.0.0.1 }} }}\n\
             virtual_server 10.0.0.1 80 {{ lb_algo rr\n protocol TCP\n \
             real_server 10.0.1.1 80 {{ weight {weight} }}\n {extra} }}\n"
        )
    }

    #[test]
    fn a_reload_says_what_changed() {
        let a = cfg(&conf(100, 7, 1, false));
        assert!(changes(&a, &a).is_empty());
        let b = cfg(&conf(120, 7, 2, false));
        assert_eq!(
            changes(&a, &b),
            [
                "vrrp_instance VI: changed, applied",
                "virtual_server [10.0.0.1]:tcp:80 changed"
            ]
        );
        let c = cfg(&conf(100, 8, 1, true));
        let ch = changes(&a, &c);
        assert_eq!(
            ch[0],
            "vrrp_instance VI: VRID, interface, family, version or peers changed: deleted and started again"
        );
        assert_eq!(ch[1], "virtual_server [10.0.0.1]:tcp:80 changed");
        let d = cfg("vrrp_instance VJ { interface lo\n virtual_router_id 9\n priority 100\n virtual_ipaddress { 10.0.0.2 } }\n");
        let ch = changes(&a, &d);
        assert!(
            ch.contains(&"vrrp_instance VJ is new: started".to_string()),
            "{ch:?}"
        );
        assert!(ch.contains(&"vrrp_instance VI was removed: deleted".to_string()));
        assert!(ch.contains(&"virtual_server [10.0.0.1]:tcp:80 removed".to_string()));
    }
}
