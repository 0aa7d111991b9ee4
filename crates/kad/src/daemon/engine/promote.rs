//! `promote_secondaries`: while kad runs, the interface of such an
//! instance has net.ipv4.conf.IF.promote_secondaries set, so deleting its
//! primary address promotes the VIPs (secondaries in that subnet) instead
//! of deleting them with it. As keepalived: an interface already set is
//! left alone; one kad set is reset when kad stops.

use std::collections::BTreeSet;

fn path(ifname: &str) -> String {
    format!("/proc/sys/net/ipv4/conf/{ifname}/promote_secondaries")
}

/// Set it on the interfaces (instance, interface) that do not have it
/// (blocking: writes /proc); those kad set are added to `set`.
pub fn apply(wanted: &[(String, String)], set: &mut BTreeSet<String>) {
    for (name, ifname) in wanted {
        if set.contains(ifname) {
            continue;
        }
        match std::fs::read_to_string(path(ifname)) {
            Ok(v) if v.trim() == "1" => {}
            Ok(_) => match std::fs::write(path(ifname), "1") {
                Ok(()) => {
                    set.insert(ifname.clone());
                }
                Err(e) => tracing::warn!("({name}) promote_secondaries on {ifname}: {e}"),
            },
            Err(e) => tracing::warn!("({name}) promote_secondaries on {ifname}: {e}"),
        }
    }
}

/// Reset what kad set (blocking).
pub fn reset(set: &BTreeSet<String>) {
    for ifname in set {
        if let Err(e) = std::fs::write(path(ifname), "0") {
            tracing::warn!("promote_secondaries on {ifname}: {e}");
        }
    }
}

impl super::Engine {
    /// Set promote_secondaries for the node's instances that ask for it
    /// (at start and after a reload), off the VRRP runtime.
    pub(super) async fn promote_apply(&mut self) {
        let wanted: Vec<(String, String)> = self
            .node
            .instances()
            .filter(|v| v.cfg.promote_secondaries)
            .map(|v| (v.cfg.name.clone(), v.interface.to_string()))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mut set = std::mem::take(&mut self.promoted);
        self.promoted = tokio::task::spawn_blocking(move || {
            apply(&wanted, &mut set);
            set
        })
        .await
        .unwrap_or_default();
    }

    /// Reset what kad set, at stop.
    pub(super) async fn promote_reset(&mut self) {
        let set = std::mem::take(&mut self.promoted);
        if !set.is_empty() {
            let _ = tokio::task::spawn_blocking(move || reset(&set)).await;
        }
    }
}
