//! systemd's notification protocol (`Type=notify`): `READY=1` once the
//! engine has set the instances' initial states, `RELOADING=1` and
//! `READY=1` around a reload, `STOPPING=1`, `WATCHDOG=1` at half of
//! `WATCHDOG_USEC` while the engine answers, and a `STATUS=` line with the
//! instances' states. Nothing is sent without `NOTIFY_SOCKET`.

use super::control::Query;
use kactl::{Request, Response, Status};
use sd_notify::NotifyState;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How often the status line is refreshed without a watchdog.
const STATUS_EVERY: Duration = Duration::from_secs(5);

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!("sd_notify: {e}");
    }
}

/// The `STATUS=` text: each VRRP instance and its state, then how many
/// real servers are up.
pub fn status_line(s: &Status) -> String {
    let mut parts: Vec<String> = s
        .vrrp
        .iter()
        .map(|v| format!("{} {}", v.name, v.state))
        .collect();
    let rs: Vec<bool> = s
        .checks
        .services
        .iter()
        .flat_map(|v| v.real_servers.iter().map(|r| r.alive))
        .collect();
    if !rs.is_empty() {
        parts.push(format!(
            "{}/{} real servers up",
            rs.iter().filter(|a| **a).count(),
            rs.len()
        ));
    }
    if parts.is_empty() {
        "running, nothing configured".into()
    } else {
        parts.join(", ")
    }
}

/// The watchdog ping period: half of `WATCHDOG_USEC` (for this pid).
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}

/// `RELOADING=1` (with `MONOTONIC_USEC`, which systemd wants beside it)
/// when made, `READY=1` when dropped: whichever way the reload ends.
pub struct Reloading(());

impl Reloading {
    pub fn start() -> Reloading {
        match NotifyState::monotonic_usec_now() {
            Ok(m) => send(&[NotifyState::Reloading, m]),
            Err(_) => send(&[NotifyState::Reloading]),
        }
        Reloading(())
    }
}

impl Drop for Reloading {
    fn drop(&mut self) {
        send(&[NotifyState::Ready]);
    }
}

pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

async fn ask(engine: &mpsc::Sender<Query>) -> Option<Status> {
    let (tx, rx) = oneshot::channel();
    engine.send((Request::Status, tx)).await.ok()?;
    match rx.await.ok()? {
        Response::Status(s) => Some(s),
        _ => None,
    }
}

/// Ask the engine for its status: the first answer (it comes once the
/// initial states are set) sends `READY=1`; then every period the status
/// line and, with a watchdog, `WATCHDOG=1` — only while the engine answers.
pub fn spawn(engine: mpsc::Sender<Query>) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    let dog = watchdog_period();
    let every = dog.unwrap_or(STATUS_EVERY).min(STATUS_EVERY);
    tokio::spawn(async move {
        let Some(first) = ask(&engine).await else {
            return;
        };
        let mut shown = status_line(&first);
        send(&[
            NotifyState::Ready,
            NotifyState::Status(&shown),
            NotifyState::MainPid(std::process::id()),
        ]);
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(s) = ask(&engine).await else {
                return;
            };
            let line = status_line(&s);
            let mut msg = Vec::new();
            if dog.is_some() {
                msg.push(NotifyState::Watchdog);
            }
            if line != shown {
                msg.push(NotifyState::Status(&line));
            }
            if !msg.is_empty() {
                send(&msg);
            }
            shown = line.clone();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_each_instance_and_its_state() {
        let mut s = Status::default();
        assert_eq!(status_line(&s), "running, nothing configured");
        for (n, st) in [("VI_1", "MASTER"), ("VI_2", "BACKUP")] {
            s.vrrp.push(kactl::VrrpStatus {
                name: n.into(),
                state: st.into(),
                ..Default::default()
            });
        }
        assert_eq!(status_line(&s), "VI_1 MASTER, VI_2 BACKUP");
        let rs = |alive| kactl::CheckedServer {
            alive,
            ..Default::default()
        };
        s.checks.services.push(kactl::CheckedService {
            real_servers: vec![rs(true), rs(false), rs(true)],
            ..Default::default()
        });
        assert_eq!(
            status_line(&s),
            "VI_1 MASTER, VI_2 BACKUP, 2/3 real servers up"
        );
    }
}
