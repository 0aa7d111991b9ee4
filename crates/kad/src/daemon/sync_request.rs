//! kad's table requests (`kad_sync::request`): at start a director with
//! `lvs_sync_daemon` asks the others for their connection tables, a few
//! times (multicast may lose one); it also listens for the others' asks
//! and hands each to the engine, which answers with a replay when it is a
//! sync master. Both on the sync interface, the group, the sync port + 1.

use super::engine::Event;
use super::sync_bulk::BulkTarget;
use kad_sync::request;
use kad_sync::send::{Sender, Target};

use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How many asks at start, and how far apart.
const ASKS: u32 = 3;
const ASK_GAP: Duration = Duration::from_secs(1);

/// A master answers at most one ask in this long: a director's three asks,
/// or several directors starting together, get one replay.
pub const ANSWER_GAP: Duration = Duration::from_secs(5);

/// Whether an ask that comes now is answered (pure: times in).
#[derive(Debug, Default)]
pub struct Answers {
    last: Option<Instant>,
}

impl Answers {
    pub fn take(&mut self, now: Instant) -> bool {
        let due = self
            .last
            .is_none_or(|t| now.saturating_duration_since(t) >= ANSWER_GAP);
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// Listen for asks and send this director's own.
pub fn start(t: &BulkTarget, events: mpsc::Sender<Event>) {
    let target = Target {
        port: request::port(t.target.port),
        ..t.target.clone()
    };
    let syncid = t.syncid;
    match listener(&target) {
        Ok(sock) => {
            tokio::spawn(listen(sock, syncid, events));
        }
        Err(e) => tracing::warn!(
            "sync table requests: cannot listen on {} port {}: {e}",
            target.ifname,
            target.port
        ),
    }
    tokio::task::spawn_blocking(move || ask(&target, syncid));
}

/// The asks at start (a blocking thread: sleeps between them).
fn ask(target: &Target, syncid: u8) {
    let sender = match Sender::open(target) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("sync table requests: cannot send on {}: {e}", target.ifname);
            return;
        }
    };
    tracing::info!(
        "sync table request: asking the other directors for their tables on {}",
        target.ifname
    );
    for i in 0..ASKS {
        if i > 0 {
            std::thread::sleep(ASK_GAP);
        }
        if let Err(e) = sender.send(&request::encode(syncid)) {
            tracing::warn!("sync table requests: sending on {}: {e}", target.ifname);
            return;
        }
    }
}

fn listener(t: &Target) -> std::io::Result<tokio::net::UdpSocket> {
    tokio::net::UdpSocket::from_std(kad_sync::send::listener(t)?)
}

async fn listen(sock: tokio::net::UdpSocket, syncid: u8, events: mpsc::Sender<Event>) {
    let mut buf = [0u8; 64];
    loop {
        let (n, from) = match sock.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("sync table requests: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // Another syncid's ask, or not an ask at all: not ours to answer.
        if buf.get(..n).and_then(request::decode) != Some(syncid) {
            continue;
        }
        if events.send(Event::TableRequest(from.ip())).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_answer_per_gap() {
        let t0 = Instant::now();
        let mut a = Answers::default();
        assert!(a.take(t0));
        assert!(!a.take(t0 + Duration::from_secs(1)));
        assert!(!a.take(t0 + Duration::from_secs(2)));
        assert!(a.take(t0 + ANSWER_GAP));
        assert!(!a.take(t0 + ANSWER_GAP + Duration::from_millis(1)));
    }
}
