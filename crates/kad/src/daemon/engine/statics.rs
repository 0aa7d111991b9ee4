//! Carrying out `static_ipaddress`, `static_routes` and `static_rules`:
//! the steps `kad_vrrp::statics` plans for start, reload and stop, through
//! the engine's rtnetlink handle. Nothing here decides anything.

use super::Engine;
use kad_vrrp::io::{addr, iface, rule};
use kad_vrrp::statics::{Gone, Statics, Step};

/// What the logs call the static entries (where an instance's name goes).
const WHO: &str = "static";

impl Engine {
    /// Add the configuration's static entries (at start).
    pub(super) async fn statics_start(&mut self) {
        let steps = self.statics.start();
        self.statics_steps(steps).await;
    }

    /// Move from the running static entries to `new`'s.
    pub(super) async fn statics_reload(&mut self, new: Statics) {
        let steps = self.statics.reload(&new);
        self.statics = new;
        self.statics_steps(steps).await;
    }

    /// Remove every static entry (at stop).
    pub(super) async fn statics_stop(&mut self) {
        let steps = self.statics.stop();
        self.statics_steps(steps).await;
    }

    /// Put back a static entry someone else deleted (keepalived's
    /// "Restoring deleted static ...").
    pub(super) async fn statics_reinstate(&mut self, gone: &Gone) {
        let Some(step) = self.statics.reinstate(gone) else {
            return;
        };
        let what = match &step {
            Step::AddAddrs(a) => a.first().map(|a| format!("address {}", a.addr)),
            Step::AddRoutes(r) => r.first().map(|r| format!("route {}", r.dst)),
            Step::AddRules(r) => r.first().map(|r| format!("rule {}", rule::describe(r))),
            _ => None,
        };
        tracing::info!("Restoring deleted static {}", what.unwrap_or_default());
        self.statics_steps(vec![step]).await;
    }

    async fn statics_steps(&mut self, steps: Vec<Step>) {
        for s in steps {
            match s {
                Step::AddAddrs(a) => self.static_addrs(true, &a).await,
                Step::DelAddrs(a) => self.static_addrs(false, &a).await,
                Step::AddRoutes(r) => self.routes(WHO, true, &r).await,
                Step::DelRoutes(r) => self.routes(WHO, false, &r).await,
                Step::AddRules(r) => self.rules(WHO, true, &r).await,
                Step::DelRules(r) => self.rules(WHO, false, &r).await,
            }
        }
    }

    /// Each static address names its interface (the configuration gives
    /// those without `dev` the default interface).
    async fn static_addrs(&self, add: bool, addrs: &[kad_config::model::IpAddress]) {
        for a in addrs {
            let Some(dev) = a.dev.as_deref() else {
                continue;
            };
            let idx = match iface::lookup(&self.handle, dev).await {
                Ok(i) => i.index,
                Err(e) => {
                    tracing::warn!("({WHO}) {}: {e}", a.addr);
                    continue;
                }
            };
            let res = if add {
                addr::add(&self.handle, idx, a).await
            } else {
                addr::del(&self.handle, idx, a.addr.addr, a.addr.len).await
            };
            if let Err(e) = res {
                tracing::warn!("({WHO}) {e}");
            }
        }
    }

    /// Add or remove policy routing rules, one by one (a failed one is
    /// logged and the others still go).
    pub(super) async fn rules(&self, who: &str, add: bool, rules: &[kad_config::model::Rule]) {
        for r in rules {
            let res = if add {
                rule::add(&self.handle, r).await
            } else {
                rule::del(&self.handle, r).await
            };
            if let Err(e) = res {
                tracing::warn!("({who}) {e}");
            }
        }
    }
}
