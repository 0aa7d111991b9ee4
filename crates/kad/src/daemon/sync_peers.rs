//! The other directors' sync traffic, for `kactl status`: a socket of our
//! own on the sync group and port hears every director that sends (its
//! kernel's master daemon, its kad's replays) and counts it per sender in
//! `kad_sync::peers`. The kernel's backup socket is bound with
//! SO_REUSEADDR on the same port (net/netfilter/ipvs/ip_vs_sync.c,
//! make_receive_sock), so both get every datagram; the kernel's own master
//! sends with multicast loop off, so this director never hears itself.
//! A thread of its own: a replay of a million connections is thousands of
//! datagrams a second, none of which is the VRRP loop's work.

use super::sync_bulk::BulkTarget;
use kad_sync::peers::Peers;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Listen on the sync port of `t` and record each datagram in `heard`.
pub fn start(t: &BulkTarget, heard: Arc<Mutex<Peers>>) {
    let target = t.target.clone();
    let sock = match kad_sync::send::listener(&target).and_then(|s| {
        s.set_nonblocking(false)?;
        Ok(s)
    }) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                "sync peers: cannot listen on {} port {}: {e}",
                target.ifname,
                target.port
            );
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("kad-sync-peers".into())
        .spawn(move || {
            super::sched::as_helper();
            // A sync datagram is at most 65535 bytes (sync_maxlen's bound).
            let mut buf = vec![0u8; 65536];
            loop {
                match sock.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        if let (Some(b), Ok(mut peers)) = (buf.get(..n), heard.lock()) {
                            peers.datagram(from.ip(), b, Instant::now());
                        }
                    }
                    Err(e) => {
                        tracing::warn!("sync peers: {e}");
                        std::thread::sleep(Duration::from_secs(1));
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("sync peers: no thread ({e})");
    }
}
