//! The one task that counts for all `vrrp_track_process`es and reports
//! changed counts to the engine: it follows the kernel's process events
//! where the connector answers, else scans /proc every
//! [`SCAN_EVERY`]. /proc is always read off the VRRP runtime.

use super::super::proc_follow::Follower;
use super::super::proc_scan::{Scanner, SCAN_EVERY};
use super::Event;
use kad_config::model::RcvBuf;
use kad_vrrp::io::proc_events::{ProcEvents, Recv};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the kernel has to acknowledge the subscription; keepalived
/// warns after 100 ms that proc events do not work.
const ACK_WAIT: Duration = Duration::from_millis(500);

/// After lost events keepalived lets things settle this long, then
/// rescans.
const SETTLE: Duration = Duration::from_secs(1);

/// Why following the events ended.
enum Stop {
    /// The engine went away.
    Closed,
    /// The socket or a count failed: the /proc scan takes over.
    Failed(String),
}

/// Report every count once (the node ignores a count it has), then only
/// changes.
struct Reporter {
    tx: mpsc::Sender<Event>,
    last: HashMap<String, u32>,
}

impl Reporter {
    async fn send(&mut self, counts: HashMap<String, u32>) -> Result<(), Stop> {
        for (name, n) in counts {
            if self.last.get(&name) != Some(&n) {
                self.last.insert(name.clone(), n);
                self.tx
                    .send(Event::Process(name, n))
                    .await
                    .map_err(|_| Stop::Closed)?;
            }
        }
        Ok(())
    }
}

pub(super) async fn run(scanner: Scanner, buf: RcvBuf, tx: mpsc::Sender<Event>) {
    let mut out = Reporter {
        tx,
        last: HashMap::new(),
    };
    match ProcEvents::subscribe(&buf, ACK_WAIT).await {
        Ok(events) => {
            tracing::info!("vrrp_track_process: following the kernel's process events");
            let f = Follower::new(scanner.clone());
            match follow(&events, f, buf.force, &mut out).await {
                Err(Stop::Failed(e)) => {
                    tracing::warn!("vrrp_track_process: {e}; scanning /proc instead")
                }
                Err(Stop::Closed) | Ok(()) => return,
            }
        }
        Err(e) => tracing::info!(
            "vrrp_track_process: no process event connector ({e}); scanning /proc every {} ms",
            SCAN_EVERY.as_millis()
        ),
    }
    let _ = poll(scanner, &mut out).await;
}

/// Follow the events until the socket fails.
async fn follow(
    events: &ProcEvents,
    mut f: Follower,
    force: bool,
    out: &mut Reporter,
) -> Result<(), Stop> {
    let mut rescan = true;
    loop {
        if rescan {
            rescan = false;
            f = blocking(f, |f| f.rescan(), out).await?;
        }
        match events.next().await {
            Ok(Recv::Events(evs)) => f = blocking(f, move |f| f.apply(&evs), out).await?,
            Ok(Recv::Overrun) => {
                tracing::info!("vrrp_track_process: process events were lost; rescanning /proc");
                tokio::time::sleep(SETTLE).await;
                if let Some(size) = events.grow(force) {
                    tracing::info!(
                        "Setting global_def process_monitor_rcv_bufs to {size} - recommend updating configuration file"
                    );
                }
                rescan = true;
            }
            Err(e) => return Err(Stop::Failed(e.to_string())),
        }
    }
}

/// Run `op` on the follower on a blocking thread and report the counts.
async fn blocking(
    mut f: Follower,
    op: impl FnOnce(&mut Follower) + Send + 'static,
    out: &mut Reporter,
) -> Result<Follower, Stop> {
    let done = tokio::task::spawn_blocking(move || {
        op(&mut f);
        let counts = f.counts();
        (f, counts)
    })
    .await;
    match done {
        Ok((f, counts)) => {
            out.send(counts).await?;
            Ok(f)
        }
        Err(e) => Err(Stop::Failed(format!("counting failed ({e})"))),
    }
}

/// Scan every [`SCAN_EVERY`].
async fn poll(scanner: Scanner, out: &mut Reporter) -> Result<(), Stop> {
    loop {
        tokio::time::sleep(SCAN_EVERY).await;
        let s = scanner.clone();
        let Ok(counts) = tokio::task::spawn_blocking(move || s.count()).await else {
            continue;
        };
        out.send(counts).await?;
    }
}
