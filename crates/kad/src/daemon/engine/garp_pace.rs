//! Gratuitous ARPs and unsolicited NAs, one interface's at a time, with
//! keepalived's gaps (`vrrp_garp_interval`, `vrrp_gna_interval`,
//! `garp_group`): without a gap a burst goes out at once from the VRRP
//! loop; with one, the interface's own task sends each packet no sooner
//! than the gap after that interface's previous one, so the loop never
//! sleeps for it.

use kad_vrrp::io::arp::GarpSender;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

struct Job {
    instance: String,
    addr: IpAddr,
    gap: Duration,
}

/// One interface's sender and, once a gap is asked for, its pacing task.
pub(super) struct Garps {
    sender: Arc<GarpSender>,
    paced: Option<mpsc::UnboundedSender<Job>>,
}

impl Garps {
    pub fn new(sender: GarpSender) -> Garps {
        Garps {
            sender: Arc::new(sender),
            paced: None,
        }
    }

    /// `repeat` rounds over `addrs`, ARPs `arp_gap` apart and NAs `na_gap`
    /// apart.
    pub fn burst(
        &mut self,
        instance: &str,
        addrs: &[IpAddr],
        repeat: u32,
        arp_gap: Duration,
        na_gap: Duration,
    ) {
        for _ in 0..repeat {
            for a in addrs {
                let gap = if a.is_ipv4() { arp_gap } else { na_gap };
                if gap.is_zero() && self.paced.is_none() {
                    send(&self.sender, instance, *a);
                    continue;
                }
                let tx = self.paced.get_or_insert_with(|| pace(self.sender.clone()));
                let _ = tx.send(Job {
                    instance: instance.to_string(),
                    addr: *a,
                    gap,
                });
            }
        }
    }
}

fn send(g: &GarpSender, instance: &str, a: IpAddr) {
    if let Err(e) = g.announce(a) {
        tracing::warn!("({instance}) {e}");
    }
}

/// The pacing task: ARPs and NAs each keep their own next-send time, as
/// keepalived's garp_next_time and gna_next_time do.
fn pace(sender: Arc<GarpSender>) -> mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        let (mut next_arp, mut next_na) = (Instant::now(), Instant::now());
        while let Some(j) = rx.recv().await {
            let next = if j.addr.is_ipv4() {
                &mut next_arp
            } else {
                &mut next_na
            };
            tokio::time::sleep_until(*next).await;
            send(&sender, &j.instance, j.addr);
            *next = Instant::now() + j.gap;
        }
    });
    tx
}
