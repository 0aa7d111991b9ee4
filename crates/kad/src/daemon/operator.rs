//! kad's operator commands on the control socket (after Seesaw's
//! overrides): each change is checked by the part that owns the state
//! (the checks thread for real servers, the VRRP engine for instances),
//! then written to the state file and logged. `check` runs as `kad -t`.

use super::checks::Checks;
use super::control::Query;
use super::overrides::Store;
use super::reloader::Requests;
use crate::cli::Cli;
use kactl::{Done, Operator, Request, Response};
use kad_ipvs::check::Admin;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
pub struct Ops {
    pub cli: Cli,
    pub store: Arc<Mutex<Store>>,
    pub engine: mpsc::Sender<Query>,
    pub checks: Checks,
    pub reload: Requests,
}

fn err(e: impl Into<String>) -> Response {
    Response::Error { error: e.into() }
}

fn done(s: String) -> Response {
    Response::Done(Done {
        done: s,
        lines: vec![],
        ok: true,
    })
}

/// The labels `kactl status` shows for what the operator typed: a label
/// as shown (`[10.0.0.1]:tcp:80`), or `10.0.0.1:80` / `[2001:db8::1]:80`
/// when only one protocol has that address and port.
fn resolve(labels: &[(String, String)], vs: &str, rs: &str) -> Result<(String, String), String> {
    fn matches(label: &str, typed: &str) -> bool {
        if label == typed {
            return true;
        }
        // "[a]:proto:port" against "a:port" or "[a]:port".
        let Some((addr, rest)) = label.strip_prefix('[').and_then(|l| l.split_once(']')) else {
            return false;
        };
        let port = rest.rsplit(':').next().unwrap_or("");
        typed == format!("{addr}:{port}") || typed == format!("[{addr}]:{port}")
    }
    let found: Vec<_> = labels
        .iter()
        .filter(|(v, r)| matches(v, vs) && matches(r, rs))
        .collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!(
            "no real server {rs} in virtual server {vs} (see kactl status for the names)"
        )),
        _ => Err(format!(
            "{vs} {rs} names more than one real server: give the protocol, as kactl status shows"
        )),
    }
}

impl Ops {
    /// The engine's status with the overrides in force.
    pub async fn status(&self) -> Response {
        let (tx, rx) = oneshot::channel();
        if self.engine.send((Request::Status, tx)).await.is_err() {
            return err("kad is shutting down");
        }
        match rx.await {
            Ok(Response::Status(mut st)) => {
                if let Ok(s) = self.store.lock() {
                    st.overrides = s.data.clone();
                }
                Response::Status(st)
            }
            Ok(r) => r,
            Err(_) => err("no answer"),
        }
    }

    pub async fn handle(&self, op: Operator, uid: u32) -> Response {
        match op {
            Operator::Drain { vs, rs } => self.admin(&vs, &rs, Admin::Drain, uid).await,
            Operator::Disable { vs, rs } => self.admin(&vs, &rs, Admin::Disable, uid).await,
            Operator::Enable { vs, rs } => self.admin(&vs, &rs, Admin::Auto, uid).await,
            Operator::Failover { ref instance } | Operator::Priority { ref instance, .. } => {
                let instance = instance.clone();
                let failover = matches!(op, Operator::Failover { .. });
                let (tx, rx) = oneshot::channel();
                if self
                    .engine
                    .send((Request::Operator(op.clone()), tx))
                    .await
                    .is_err()
                {
                    return err("kad is shutting down");
                }
                let r = rx.await.unwrap_or_else(|_| err("no answer"));
                if let Response::Done(d) = &r {
                    let p = match op {
                        Operator::Priority { priority, .. } => priority.map(|p| (p, false)),
                        _ => Some((1, true)),
                    };
                    tracing::info!("operator (uid {uid}): {}", d.done);
                    let what = if failover { "failover" } else { "priority" };
                    if let Err(e) = self.remember(move |s| s.set_priority(&instance, p)).await {
                        return err(format!("{what} applied, but {e}"));
                    }
                }
                r
            }
            Operator::Reload => {
                let (tx, rx) = oneshot::channel();
                if self.reload.send(tx).await.is_err() {
                    return err("reloads have stopped");
                }
                tracing::info!("operator (uid {uid}): reload");
                match rx.await {
                    Ok(d) => Response::Done(d),
                    Err(_) => err("no answer"),
                }
            }
            Operator::Check => {
                let cli = self.cli.clone();
                match tokio::task::spawn_blocking(move || {
                    let mut loaded = crate::configtest::load(&cli);
                    loaded.check_environment();
                    let code = loaded.exit_code();
                    let lines: Vec<String> =
                        loaded.diagnostics.iter().map(|d| d.to_string()).collect();
                    (code, lines, cli.file.display().to_string())
                })
                .await
                {
                    Ok((code, lines, file)) => Response::Done(Done {
                        done: if code == 0 {
                            format!("{file}: configuration OK")
                        } else {
                            format!("{file}: configuration problems (kad -t exits {code})")
                        },
                        lines,
                        ok: code == 0,
                    }),
                    Err(e) => err(e.to_string()),
                }
            }
        }
    }

    async fn admin(&self, vs: &str, rs: &str, admin: Admin, uid: u32) -> Response {
        // The checks' state is behind a lock the checks thread takes: read
        // it on a blocking thread, never on the VRRP runtime.
        let checks = self.checks.clone();
        let labels = tokio::task::spawn_blocking(move || checks.labels())
            .await
            .unwrap_or_default();
        let (vs, rs) = match resolve(&labels, vs, rs) {
            Ok(l) => l,
            Err(e) => return err(e),
        };
        match self.checks.admin(&vs, &rs, admin).await {
            Ok(msg) => {
                tracing::info!("operator (uid {uid}): {msg}");
                let (v, r) = (vs.clone(), rs.clone());
                if let Err(e) = self.remember(move |s| s.set_rs(&v, &r, admin.name())).await {
                    return err(format!("{msg}, but {e}"));
                }
                done(msg)
            }
            Err(e) => err(e),
        }
    }

    /// Change the store and write the state file (on a blocking thread:
    /// the operator is served on the VRRP runtime, which never waits for
    /// a disk).
    async fn remember(&self, f: impl FnOnce(&mut Store) + Send + 'static) -> Result<(), String> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let Ok(mut s) = store.lock() else {
                return Err("the override store is unusable".into());
            };
            f(&mut s);
            s.save().map_err(|e| {
                tracing::error!("state file {}: {e}", s.path().display());
                format!(
                    "the state file {} cannot be written: {e}",
                    s.path().display()
                )
            })
        })
        .await
        .unwrap_or_else(|e| Err(format!("the state file was not written: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn names_as_shown_or_without_the_protocol() {
        let l = vec![
            (
                "[10.0.0.1]:tcp:80".to_string(),
                "[10.0.1.1]:tcp:80".to_string(),
            ),
            (
                "[10.0.0.1]:udp:53".to_string(),
                "[10.0.1.1]:udp:53".to_string(),
            ),
            (
                "[10.0.0.1]:tcp:53".to_string(),
                "[10.0.1.1]:tcp:53".to_string(),
            ),
        ];
        let want = (l[0].0.clone(), l[0].1.clone());
        assert_eq!(
            resolve(&l, "[10.0.0.1]:tcp:80", "[10.0.1.1]:tcp:80"),
            Ok(want.clone())
        );
        assert_eq!(resolve(&l, "10.0.0.1:80", "10.0.1.1:80"), Ok(want));
        assert!(resolve(&l, "10.0.0.1:53", "10.0.1.1:53").is_err());
        assert!(resolve(&l, "10.0.0.1:81", "10.0.1.1:80").is_err());
    }
}
