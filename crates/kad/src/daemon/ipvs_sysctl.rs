//! kad's own `lvs_sloppy_tcp`, `lvs_schedule_icmp`, ...: the IPVS sysctls
//! (net.ipv4.vs.*) written in the IPVS namespace at start — once the
//! ip_vs module is loaded, as /proc/sys/net/ipv4/vs exists only then —
//! and on reload, and put back by each IPVS audit when changed outside kad.
//! Only those configured and differing are written, each change logged;
//! one that is removed from the file keeps its value (as `lvs_timeouts`).
//! Which to write is `LvsSysctls::differing`.

use kad_config::model::{parse_value, LvsSysctls};

pub fn apply(s: &LvsSysctls) {
    if s.is_default() {
        return;
    }
    // /proc/sys/net is the namespace of the thread that opens the file.
    let done = super::ipvs_netns::within(|| {
        let read = |name: &str| {
            std::fs::read_to_string(format!("{}/{name}", kad_config::model::SYSCTL_DIR))
                .ok()
                .and_then(|t| parse_value(&t))
        };
        for d in s.differing(read) {
            let path = d.sysctl.path();
            match std::fs::write(&path, format!("{}\n", d.sysctl.value)) {
                Ok(()) => tracing::info!(
                    "IPVS: net.ipv4.vs.{} = {} ({}; was {})",
                    d.sysctl.name,
                    d.sysctl.value,
                    d.sysctl.keyword,
                    d.running
                        .map_or_else(|| "unreadable".to_string(), |v| v.to_string())
                ),
                Err(e) => tracing::warn!("{}: cannot write {path}: {e}", d.sysctl.keyword),
            }
        }
    });
    if let Err(e) = done {
        tracing::warn!("IPVS sysctls not set: {e}");
    }
}
