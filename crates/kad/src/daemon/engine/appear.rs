//! Interfaces that come and go (keepalived's `dynamic_interfaces`, and any
//! instance interface deleted and re-created at run time): the node hears
//! every link change (a missing or deleted link is down, so its instances
//! are in FAULT); when an instance's interface appears under an index kad
//! has no socket for, it is looked up off the loop, its sockets and GARP
//! sender are opened for the new index, and the node hears its link and
//! addresses (the instance leaves FAULT once it has a source address).
//! Nothing here decides a state.

use super::{Engine, Event};
use kad_vrrp::io::iface::{self, Interface};
use kad_vrrp::io::link::LinkEvent;
use kad_vrrp::Time;

impl Engine {
    pub(super) fn on_link(&mut self, now: Time, l: LinkEvent) {
        self.node.handle_link(now, &l.name, l.running);
        if l.deleted {
            // The index is kept: the deletions of the interface's
            // addresses that follow still name it.
            if self.ifindex.contains_key(&l.name) && self.instance_interface(&l.name) {
                tracing::info!("Interface {} deleted", l.name);
            }
            return;
        }
        if !self.instance_interface(&l.name) || self.ifindex.get(&l.name) == Some(&l.index) {
            return;
        }
        tracing::info!("Interface {} added", l.name);
        // Known at once, so that the addresses reported from now on are
        // mapped to it; the lookup below finds those added before.
        self.ifindex.insert(l.name.clone(), l.index);
        let (handle, tx, name) = (self.handle.clone(), self.tx.clone(), l.name);
        tokio::spawn(async move {
            match iface::lookup(&handle, &name).await {
                Ok(ifc) => {
                    let _ = tx.send(Event::Appeared(ifc)).await;
                }
                // Gone again: its next appearance is looked up anew.
                Err(e) => tracing::warn!("interface {name}: {e}"),
            }
        });
    }

    /// An instance's interface as looked up after it appeared.
    pub(super) fn appeared(&mut self, now: Time, ifc: Interface) {
        // A lookup overtaken by a newer appearance (or a deletion and
        // re-creation) is dropped: the newer one is on its way.
        if self.ifindex.get(&ifc.name) != Some(&ifc.index) {
            return;
        }
        let cfg_owner: Vec<(String, kad_vrrp::node::SocketNeed)> = self
            .node
            .sockets()
            .into_iter()
            .filter(|n| n.interface == ifc.name)
            .map(|n| {
                let who = self
                    .node
                    .instances()
                    .find(|v| v.interface == n.interface)
                    .map(|v| v.cfg.name.clone())
                    .unwrap_or_default();
                (who, n)
            })
            .collect();
        for (who, need) in &cfg_owner {
            if let Err(e) = self.open_on(&ifc, need, who) {
                tracing::warn!("{e}");
            }
        }
        self.node.handle_link(now, &ifc.name, ifc.running);
        // The instances' sources: one no longer on the interface is gone
        // (its deletion may have been reported under the old index after
        // the new one was known), and the addresses there now are offered.
        let gone: Vec<_> = self
            .node
            .instances()
            .filter(|v| v.interface == ifc.name)
            .map(|v| v.src)
            .filter(|a| !a.is_unspecified() && !ifc.addrs.contains(a))
            .collect();
        for a in gone {
            self.node.handle_address(now, &ifc.name, a, false);
        }
        for &a in &ifc.addrs {
            self.node.handle_address(now, &ifc.name, a, true);
        }
    }

    /// Whether an instance runs on `name`.
    fn instance_interface(&self, name: &str) -> bool {
        self.node.instances().any(|v| v.interface == name)
    }
}
