//! Carrying out the node's outputs: packets on the instance's socket,
//! addresses, routes and rules through rtnetlink, GARPs on AF_PACKET, notify
//! scripts as processes, FIFO lines, e-mail alerts, the sync daemon's role.
//! Nothing here decides anything.

use super::Engine;
use kad_config::model::{IpAddress, Route};
use kad_vrrp::io::{addr, iface};
use kad_vrrp::node::{Alert, Output};
use std::collections::HashMap;
use std::time::Duration;

const NOTIFY_TIMEOUT: Duration = Duration::from_secs(30);

impl Engine {
    /// Carry out everything the node asked for, in order.
    pub(super) async fn flush(&mut self) {
        while let Some(o) = self.node.poll_output() {
            self.execute(o).await;
        }
    }

    async fn execute(&mut self, o: Output) {
        match o {
            Output::Send {
                instance,
                interface,
                src,
                dst,
                ttl,
                payload,
            } => {
                let Some(&s) = self.sock_of.get(&(interface, dst.is_ipv6())) else {
                    return;
                };
                if let Err(e) = self.sockets[s].send(src, dst, ttl, &payload) {
                    tracing::warn!("({instance}) {e}");
                }
            }
            Output::AddAddrs {
                instance,
                interface,
                addrs,
            } => {
                for a in &addrs {
                    let Some(idx) = self.index_of(&interface, a).await else {
                        tracing::warn!(
                            "({instance}) interface {:?} for {} does not exist",
                            a.dev,
                            a.addr
                        );
                        continue;
                    };
                    if let Err(e) = addr::add(&self.handle, idx, a).await {
                        tracing::warn!("({instance}) {e}");
                    }
                }
            }
            Output::DelAddrs {
                instance,
                interface,
                addrs,
            } => {
                for a in &addrs {
                    let Some(idx) = self.index_of(&interface, a).await else {
                        continue;
                    };
                    if let Err(e) = addr::del(&self.handle, idx, a.addr.addr, a.addr.len).await {
                        tracing::warn!("({instance}) {e}");
                    }
                }
            }
            Output::Firewall {
                instance,
                interface,
                addrs,
            } => {
                let settings = &self.firewall_settings;
                self.firewall
                    .get_or_insert_with(|| super::super::firewall::Firewall::start(settings))
                    .want(instance, interface, addrs);
            }
            Output::Routes {
                instance,
                add,
                routes,
            } => self.routes(&instance, add, &routes).await,
            Output::Rules {
                instance,
                add,
                rules,
            } => self.rules(&instance, add, &rules).await,
            Output::Garp {
                instance,
                interface,
                addrs,
                repeat,
                arp_gap,
                na_gap,
            } => {
                if let Some(g) = self.garps.get_mut(&interface) {
                    g.burst(&instance, &addrs, repeat, arp_gap, na_gap);
                }
            }
            Output::Notify { script, args } => {
                super::super::scripts::notify(&script, args, NOTIFY_TIMEOUT)
            }
            Output::Fifo(line) => {
                if let Some(f) = &mut self.fifo {
                    f.line(&line);
                }
            }
            Output::Alert(Alert::Instance { name, state }) => {
                if let Some(a) = &self.announce {
                    a.instance(&name, kad_vrrp::node::state_word(state));
                }
                super::super::smtp::vrrp_instance(&name, state)
            }
            Output::Alert(Alert::Group { name, state }) => {
                super::super::smtp::vrrp_group(&name, state)
            }
            Output::SyncRole { master } => {
                if let Some(spec) = &self.sync {
                    let states = if master {
                        vec![super::super::lvs::MASTER]
                    } else {
                        vec![super::super::lvs::BACKUP]
                    };
                    let spec = spec.clone();
                    tokio::task::spawn_blocking(move || {
                        super::super::lvs::sync_set(&spec, &states)
                    });
                }
            }
        }
    }

    /// The interface index for an address: its own `dev`, else the
    /// instance's interface.
    async fn index_of(&mut self, interface: &str, a: &IpAddress) -> Option<u32> {
        let name = a.dev.as_deref().unwrap_or(interface);
        if let Some(&i) = self.ifindex.get(name) {
            if name == interface {
                return Some(i);
            }
        }
        iface::lookup(&self.handle, name)
            .await
            .ok()
            .map(|i| i.index)
    }

    pub(super) async fn routes(&self, instance: &str, add: bool, routes: &[Route]) {
        let mut index = HashMap::new();
        for r in routes {
            for d in r
                .dev
                .iter()
                .chain(r.nexthops.iter().filter_map(|h| h.dev.as_ref()))
            {
                if let Ok(ifc) = iface::lookup(&self.handle, d).await {
                    index.insert(d.clone(), ifc.index);
                }
            }
        }
        for r in routes {
            let what = r.dst.to_string();
            let msg = match kad_vrrp::io::route::message(r, |d| index.get(d).copied()) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("({instance}) route {what}: {e}");
                    continue;
                }
            };
            let res = if add {
                kad_vrrp::io::route::add(&self.handle, msg, &what).await
            } else {
                kad_vrrp::io::route::del(&self.handle, msg, &what).await
            };
            if let Err(e) = res {
                tracing::warn!("({instance}) {e}");
            }
        }
    }
}
