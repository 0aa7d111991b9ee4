//! A reload's VRRP part: the static addresses, routes and rules moved to
//! the new configuration's; the host facts for the new configuration looked
//! up, handed to the node (`kad_vrrp::node::reload` holds the rules), then
//! sockets opened and tracker tasks replaced as the new instances need.

use super::Engine;
use kad_config::model::Config;

impl Engine {
    pub(super) async fn reload(&mut self, cfg: &Config) {
        // keepalived sets its netlink buffers again first.
        let bufs = &cfg.global.netlink_bufs;
        if let Some(c) = &self.netlink_cmd {
            c.set(&bufs.vrrp_cmd);
        }
        for m in &self.netlink_monitors {
            m.set(&bufs.vrrp_monitor);
        }
        let known = self
            .node
            .instances()
            .map(|v| (v.cfg.name.clone(), v.src))
            // An instance still waiting for an address has none to keep.
            .filter(|(_, a)| !a.is_unspecified())
            .collect();
        let envir =
            match super::setup::lookup_env(&self.handle, cfg, &known, &mut self.ifindex, false)
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!("reload: {e}; VRRP keeps the running configuration");
                    return;
                }
            };
        // keepalived moves its static entries before the instances.
        self.statics_reload(kad_vrrp::statics::Statics::of(cfg))
            .await;
        let now = self.now();
        self.node.reload(now, cfg, &envir);
        // The removed instances' addresses go before their VMACs do.
        self.flush().await;
        self.vmacs_remove_unused().await;
        self.vmacs_create().await;
        if let Err(e) = self.open_sockets(cfg).await {
            tracing::warn!("reload: {e}");
        }
        self.tasks.sync(cfg, &self.tx);
        self.dump_cfg = super::snapshot::DumpConfig::of(cfg);
        self.promote_apply().await;
    }
}
