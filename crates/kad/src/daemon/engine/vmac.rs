//! `use_vmac`: the macvlans the node's instances need (kad_vrrp::vmac says
//! which, with which MAC and settings), created before the sockets open —
//! they exist in every state, as keepalived's do — and deleted at stop,
//! the base interfaces' ARP settings and `all.rp_filter` put back as
//! keepalived puts them back. /proc writes run off the VRRP runtime.

use super::Engine;
use kad_config::model::{IpAddress, Prefix};
use kad_vrrp::io::arp::GarpSender;
use kad_vrrp::io::{addr, iface, macvlan};
use kad_vrrp::vmac::{self, Sysctl, Vmac};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Settings of an interface before kad changed them: (key, old value).
type Saved = Vec<(&'static str, u32)>;

/// What kad changed for the VMACs, to put back at stop.
#[derive(Default)]
pub struct Vmacs {
    /// The macvlans kad created, by name: index and what they are for.
    created: BTreeMap<String, (u32, Vmac)>,
    /// Per base interface: how many VMACs need its settings, and the
    /// values it had before (`reset_interface_parameters`).
    base: HashMap<String, (usize, Saved)>,
    /// `all.rp_filter` cleared: its old value, `default`'s if raised, and
    /// each interface raised to it (`clear_rp_filter`).
    rp_filter: Option<RpFilter>,
}

struct RpFilter {
    all: u32,
    raised: Vec<(String, u32)>,
}

/// Apply settings (blocking), each failure logged.
fn apply(who: &str, sysctls: &[Sysctl]) {
    for s in sysctls {
        if let Err(e) = macvlan::sysctl_set(s.ipv6, &s.interface, s.key, s.value) {
            tracing::warn!("({who}) {e}");
        }
    }
}

/// keepalived's `clear_rp_filter`: with `all.rp_filter` set, the VMAC's
/// rp_filter 0 would not count (the kernel takes the higher of the two),
/// so every interface (and `default`) is raised to the `all` value and
/// `all` set to 0 (blocking).
fn clear_rp_filter() -> Option<RpFilter> {
    let all = macvlan::sysctl_get(false, "all", "rp_filter").ok()?;
    if all == 0 {
        return None;
    }
    let mut raised = Vec::new();
    for name in macvlan::ipv4_conf_names() {
        if name == "all" {
            continue;
        }
        match macvlan::sysctl_get(false, &name, "rp_filter") {
            Ok(v) if v < all && macvlan::sysctl_set(false, &name, "rp_filter", all).is_ok() => {
                raised.push((name, v));
            }
            _ => {}
        }
    }
    tracing::info!("NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from {all} to 0");
    if let Err(e) = macvlan::sysctl_set(false, "all", "rp_filter", 0) {
        tracing::warn!("{e}");
    }
    Some(RpFilter { all, raised })
}

/// `restore_rp_filter`: each value back if it is still what kad set.
fn restore_rp_filter(r: &RpFilter) {
    if macvlan::sysctl_get(false, "all", "rp_filter").ok() == Some(0) {
        tracing::info!(
            "NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to {}",
            r.all
        );
        let _ = macvlan::sysctl_set(false, "all", "rp_filter", r.all);
    }
    for (name, old) in &r.raised {
        if macvlan::sysctl_get(false, name, "rp_filter").ok() == Some(r.all) {
            let _ = macvlan::sysctl_set(false, name, "rp_filter", *old);
        }
    }
}

/// Set the base's ARP settings where they differ, returning the old values
/// (blocking).
fn set_base(v: &Vmac) -> Saved {
    let mut old = Vec::new();
    for s in vmac::on_base(v) {
        match macvlan::sysctl_get(false, &s.interface, s.key) {
            Ok(cur) if cur != s.value => {
                if let Err(e) = macvlan::sysctl_set(false, &s.interface, s.key, s.value) {
                    tracing::warn!("({}) {e}", v.instance);
                } else {
                    old.push((s.key, cur));
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("({}) {e}", v.instance),
        }
    }
    old
}

impl Engine {
    /// Create the VMACs the instances need and kad has not created yet
    /// (at start and after a reload). A missing base interface (under
    /// dynamic_interfaces) leaves its instance without a VMAC.
    pub(super) async fn vmacs_create(&mut self) {
        let sources: HashMap<String, IpAddr> = self
            .node
            .instances()
            .map(|v| (v.cfg.name.clone(), v.src))
            .collect();
        for v in self.node.vmacs() {
            if self.vmacs.created.contains_key(&v.name) {
                continue;
            }
            if let Err(e) = self
                .vmac_create(&v, sources.get(&v.instance).copied())
                .await
            {
                tracing::warn!(
                    "({}) Unable to create VMAC interface {}: {e}",
                    v.instance,
                    v.name
                );
            }
        }
    }

    async fn vmac_create(
        &mut self,
        v: &Vmac,
        src: Option<IpAddr>,
    ) -> Result<(), kad_vrrp::io::IoError> {
        let base = iface::lookup(&self.handle, &v.base).await?;
        macvlan::create(&self.handle, &v.name, base.index, v.mac).await?;
        let index = iface::lookup(&self.handle, &v.name).await?.index;
        self.vmacs
            .created
            .insert(v.name.clone(), (index, v.clone()));
        // Settings before the link comes up: no automatic link-local
        // address may appear.
        let (vc, first_base) = (v.clone(), !v.ipv6 && !self.vmacs.base.contains_key(&v.base));
        let need_rp = !v.ipv6 && self.vmacs.rp_filter.is_none();
        let (old_base, rp) = tokio::task::spawn_blocking(move || {
            apply(&vc.instance, &vmac::on_vmac(&vc));
            let old = if first_base {
                set_base(&vc)
            } else {
                Vec::new()
            };
            let rp = if need_rp { clear_rp_filter() } else { None };
            (old, rp)
        })
        .await
        .unwrap_or_default();
        if !v.ipv6 {
            let e = self.vmacs.base.entry(v.base.clone()).or_default();
            e.0 += 1;
            if first_base {
                e.1 = old_base;
            }
        }
        if rp.is_some() {
            self.vmacs.rp_filter = rp;
        }
        macvlan::up(&self.handle, index, &v.name).await?;
        // IPv6 adverts leave the VMAC from the instance's link-local
        // address, which it must therefore carry (keepalived's
        // set_link_local_address).
        if let Some(ll) = src.and_then(|s| vmac::link_local(v, s)) {
            let a = IpAddress {
                addr: Prefix {
                    addr: IpAddr::V6(ll),
                    len: 64,
                },
                broadcast: None,
                dev: None,
                scope: Some("link".into()),
                label: None,
                peer: None,
                no_track: false,
                home: false,
                nodad: true,
                noprefixroute: false,
                mngtmpaddr: false,
                autojoin: false,
                use_vmac: false,
                preferred_lft: None,
            };
            addr::add(&self.handle, index, &a).await?;
        }
        tracing::info!(
            "({}) Success creating VMAC interface {}",
            v.instance,
            v.name
        );
        // The VIPs' GARPs leave from the VMAC, with its MAC.
        let ifc = iface::lookup(&self.handle, &v.name).await?;
        let g = GarpSender::open(ifc.index, ifc.mac)?;
        self.garps
            .insert(v.name.clone(), super::garp_pace::Garps::new(g));
        self.garp_index.insert(v.name.clone(), ifc.index);
        self.ifindex.insert(v.name.clone(), ifc.index);
        Ok(())
    }

    /// Delete the VMACs no instance needs any more (after a reload; every
    /// one at stop), putting back what was changed for them.
    pub(super) async fn vmacs_remove_unused(&mut self) {
        let wanted: Vec<String> = self.node.vmacs().into_iter().map(|v| v.name).collect();
        let gone: Vec<String> = self
            .vmacs
            .created
            .keys()
            .filter(|n| !wanted.contains(n))
            .cloned()
            .collect();
        self.vmacs_remove(&gone).await;
    }

    pub(super) async fn vmacs_remove_all(&mut self) {
        let all: Vec<String> = self.vmacs.created.keys().cloned().collect();
        self.vmacs_remove(&all).await;
        if let Some(rp) = self.vmacs.rp_filter.take() {
            let _ = tokio::task::spawn_blocking(move || restore_rp_filter(&rp)).await;
        }
    }

    async fn vmacs_remove(&mut self, names: &[String]) {
        let mut reset: Vec<(String, Saved)> = Vec::new();
        for name in names {
            let Some((index, v)) = self.vmacs.created.remove(name) else {
                continue;
            };
            self.garps.remove(name);
            self.garp_index.remove(name);
            self.ifindex.remove(name);
            match macvlan::delete(&self.handle, index, name).await {
                Ok(()) => tracing::info!("({}) Success removing VMAC interface {name}", v.instance),
                Err(e) => tracing::warn!("({}) {e}", v.instance),
            }
            if v.ipv6 {
                continue;
            }
            if let Some(e) = self.vmacs.base.get_mut(&v.base) {
                e.0 = e.0.saturating_sub(1);
                if e.0 == 0 {
                    if let Some((_, old)) = self.vmacs.base.remove(&v.base) {
                        reset.push((v.base.clone(), old));
                    }
                }
            }
        }
        if reset.is_empty() {
            return;
        }
        let _ = tokio::task::spawn_blocking(move || {
            for (base, old) in reset {
                for (key, value) in old {
                    if let Err(e) = macvlan::sysctl_set(false, &base, key, value) {
                        tracing::warn!("{e}");
                    }
                }
            }
        })
        .await;
    }
}
