//! Lowering statements to the typed model: one keyword table per block kind,
//! then the cross-checks keepalived makes once everything is read.

pub mod announce;
pub mod check;
pub mod ctx;
pub mod global;
mod ipvs_sysctl;
pub mod lvs;
pub mod net;
mod sched;
pub mod table;
mod track_weights;
pub mod vrrp;

use crate::model::*;
use crate::source::Pos;
use crate::tree::Node;
use ctx::Ctx;
use std::collections::{HashMap, HashSet};
use table::{dispatch, dispatch_one, ignored, kw, old, Kw};

/// Everything read so far, before the cross-checks.
#[derive(Default)]
pub struct Builder {
    pub cfg: Config,
    vrrp: Vec<vrrp::VrrpDraft>,
    sync: Vec<vrrp::SyncDraft>,
    /// Per virtual server: the group it names and where it starts.
    vs_meta: Vec<(Option<(String, Pos)>, Pos)>,
    names: HashMap<(&'static str, String), Pos>,
    sync_daemon_pos: Option<Pos>,
    /// global_defs set the lower priority garp values itself (otherwise
    /// keepalived takes them from vrrp_garp_master_delay/repeat).
    lower_prio_delay_set: bool,
    lower_prio_repeat_set: bool,
}

impl Builder {
    /// Note a named definition; a second one with the same name is reported.
    fn define(&mut self, c: &mut Ctx, kind: &'static str, name: &str, pos: Pos) -> bool {
        if self.names.contains_key(&(kind, name.to_string())) {
            // keepalived: "vrrp instance X already defined", the block
            // skipped.
            c.warn(
                pos,
                format!("{kind} {name} already defined - ignoring this one"),
            );
            return false;
        }
        self.names.insert((kind, name.to_string()), pos);
        true
    }
}

fn top_table() -> Vec<Kw<Builder>> {
    vec![
        kw("global_defs", |c, n, b| {
            dispatch(c, "global_defs", global::GLOBAL_DEFS, n, &mut b.cfg.global)
        }),
        kw("static_ipaddress", |c, n, b| {
            for e in n.children() {
                b.cfg.static_ipaddress.extend(net::address(c, e));
            }
        }),
        kw("static_routes", |c, n, b| {
            for e in n.children() {
                b.cfg.static_routes.extend(net::route(c, e));
            }
        }),
        kw("static_rules", |c, n, b| {
            for e in n.children() {
                b.cfg.static_rules.extend(net::rule(c, e));
            }
        }),
        kw("vrrp_script", |c, n, b| {
            if let Some(s) = vrrp::vrrp_script(c, n) {
                if b.define(c, "vrrp_script", &s.name.clone(), n.kw.pos) {
                    b.cfg.vrrp_scripts.push(s);
                }
            }
        }),
        kw("track_file", add_track_file),
        old("vrrp_track_file", "'track_file'", add_track_file),
        kw("vrrp_track_process", |c, n, b| {
            if let Some(t) = global::track_process(c, n) {
                if b.define(c, "vrrp_track_process", &t.name.clone(), n.kw.pos) {
                    b.cfg.track_processes.push(t);
                }
            }
        }),
        kw("garp_group", |c, n, b| {
            let mut g = GarpGroup::default();
            dispatch(c, "garp_group", global::GARP_GROUP, n, &mut g);
            b.cfg.garp_groups.push(g);
        }),
        kw("interface_up_down_delays", |c, n, b| {
            b.cfg
                .interface_up_down_delays
                .extend(global::up_down_delays(c, n))
        }),
        kw("vrrp_sync_group", |c, n, b| {
            if let Some(g) = vrrp::sync_group(c, n) {
                if b.define(c, "vrrp_sync_group", &g.group.name.clone(), n.kw.pos) {
                    b.sync.push(g);
                }
            }
        }),
        kw("vrrp_instance", |c, n, b| {
            if let Some(d) = vrrp::vrrp_instance(c, n) {
                if b.define(c, "vrrp_instance", &d.inst.name.clone(), n.kw.pos) {
                    b.vrrp.push(d);
                }
            }
        }),
        kw("virtual_server_group", |c, n, b| {
            if let Some(g) = lvs::vs_group(c, n) {
                if b.define(c, "virtual_server_group", &g.name.clone(), n.kw.pos) {
                    b.cfg.virtual_server_groups.push(g);
                }
            }
        }),
        kw("virtual_server", |c, n, b| {
            if let Some(d) = lvs::virtual_server(c, n) {
                b.vs_meta.push((d.group_ref, d.pos));
                b.cfg.virtual_servers.push(d.vs);
            }
        }),
        kw("SSL", |c, n, b| {
            let mut s = SslConfig::default();
            dispatch(c, "SSL", global::SSL, n, &mut s);
            b.cfg.ssl = Some(s);
        }),
        kw("net_namespace", |c, n, b| {
            let id = &mut b.cfg.global.identity;
            match (n.arg(0), &id.net_namespace) {
                (None, _) => c.warn(n.kw.pos, "net_namespace name missing - ignoring"),
                (Some(t), Some(_)) => c.warn(
                    n.kw.pos,
                    format!("Duplicate net_namespace definition {} - ignoring", t.text),
                ),
                (Some(t), None) => {
                    id.net_namespace = Some(t.text.clone());
                    id.use_pid_dir = true;
                }
            }
        }),
        kw("net_namespace_ipvs", |c, n, b| {
            let id = &mut b.cfg.global.identity;
            if id.net_namespace_ipvs.is_some() {
                let name = n.arg(0).map_or("", |t| t.text.as_str());
                c.warn(
                    n.kw.pos,
                    format!("Duplicate net_namespace_ipvs definition {name} - ignoring"),
                );
                return;
            }
            // No name: the default namespace.
            id.net_namespace_ipvs = Some(n.arg(0).map_or(String::new(), |t| t.text.clone()));
        }),
        ignored("namespace_with_ipsets"),
        kw("instance", |c, n, b| {
            let id = &mut b.cfg.global.identity;
            match (n.arg(0), &id.instance) {
                (None, _) => c.warn(n.kw.pos, "instance name missing - ignoring"),
                (Some(t), Some(_)) => c.warn(
                    n.kw.pos,
                    format!("Duplicate instance definition {} - ignoring", t.text),
                ),
                (Some(t), None) => {
                    id.instance = Some(t.text.clone());
                    id.use_pid_dir = true;
                }
            }
        }),
        kw("use_pid_dir", |_, _, b| {
            b.cfg.global.identity.use_pid_dir = true
        }),
        ignored("linkbeat_use_polling"),
        ignored("linkbeat_interfaces"),
        ignored("child_wait_time"),
        ignored("track_group"),
        ignored("bfd_instance"),
    ]
}

fn add_track_file(c: &mut Ctx, n: &Node, b: &mut Builder) {
    if let Some(t) = global::track_file(c, n) {
        if b.define(c, "track_file", &t.name.clone(), n.kw.pos) {
            b.cfg.track_files.push(t);
        }
    }
}

pub static TOP: std::sync::LazyLock<Vec<Kw<Builder>>> = std::sync::LazyLock::new(top_table);

impl Builder {
    /// Read one complete top-level statement.
    pub fn statement(&mut self, c: &mut Ctx, n: &Node) {
        dispatch_one(c, "the top level", &TOP, n, self);
        if n.kw.text == "global_defs" {
            let has = |k: &str| n.children().iter().any(|x| x.kw.text == k);
            let min_garp = has("vrrp_min_garp");
            self.lower_prio_delay_set |= has("vrrp_garp_lower_prio_delay") || min_garp;
            self.lower_prio_repeat_set |= has("vrrp_garp_lower_prio_repeat") || min_garp;
            if let Some(d) = n.children().iter().find(|x| x.kw.text == "lvs_sync_daemon") {
                self.sync_daemon_pos = Some(d.kw.pos);
            }
        }
    }

    /// The cross-checks and corrections once everything is read.
    pub fn finish(mut self, c: &mut Ctx) -> Config {
        let garp = &mut self.cfg.global.garp;
        if !self.lower_prio_delay_set {
            garp.lower_prio_delay = garp.master_delay;
        }
        if !self.lower_prio_repeat_set {
            garp.lower_prio_repeat = garp.master_repeat;
        }
        let g = self.cfg.global.clone();
        // keepalived puts a static address without `dev` on the default
        // interface (get_default_if); instances resolve theirs in finalize.
        for a in &mut self.cfg.static_ipaddress {
            a.dev.get_or_insert_with(|| g.default_interface.clone());
        }
        let scripts: HashSet<String> = self
            .cfg
            .vrrp_scripts
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let files: HashSet<String> = self
            .cfg
            .track_files
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let procs: HashSet<String> = self
            .cfg
            .track_processes
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let known = |k: vrrp::RefKind, name: &str| match k {
            vrrp::RefKind::Script => scripts.contains(name),
            vrrp::RefKind::File => files.contains(name),
            vrrp::RefKind::Process => procs.contains(name),
        };
        let what = |k: vrrp::RefKind| match k {
            vrrp::RefKind::Script => "track script",
            vrrp::RefKind::File => "track file",
            vrrp::RefKind::Process => "track process",
        };
        let prune = |c: &mut Ctx, owner: &str, refs: &[vrrp::Ref], t: &mut Trackers| {
            for r in refs.iter().filter(|r| !known(r.kind, &r.name)) {
                c.warn(
                    r.pos,
                    format!(
                        "({owner}) {} {} not found, ignoring...",
                        what(r.kind),
                        r.name
                    ),
                );
            }
            t.scripts.retain(|x| known(vrrp::RefKind::Script, &x.name));
            t.files.retain(|x| known(vrrp::RefKind::File, &x.name));
            t.processes
                .retain(|x| known(vrrp::RefKind::Process, &x.name));
        };

        for d in &mut self.vrrp {
            vrrp::finalize(c, d, &g);
            let name = d.inst.name.clone();
            prune(c, &name, &d.refs, &mut d.inst.track);
            if let Some((ifname, pos)) = d.sync_daemon_interface.take() {
                if self.cfg.global.lvs_sync_daemon.is_none() {
                    self.cfg.global.lvs_sync_daemon = Some(LvsSyncDaemon {
                        interface: ifname,
                        instance: Some(name.clone()),
                        sync_id: None,
                        maxlen: None,
                        port: None,
                        ttl: None,
                        group: None,
                    });
                    self.sync_daemon_pos = Some(pos);
                }
            }
        }
        vrrp::vmac_names(c, &mut self.vrrp);
        self.check_vrids(c);

        let instances: HashSet<String> = self.vrrp.iter().map(|d| d.inst.name.clone()).collect();
        let mut member_of: HashMap<String, String> = HashMap::new();
        for s in &mut self.sync {
            let gname = s.group.name.clone();
            prune(c, &gname, &s.refs, &mut s.group.track);
            for (m, pos) in &s.members {
                if !instances.contains(m) {
                    c.warn(*pos, format!("Virtual router {m} specified in sync group {gname} doesn't exist - ignoring"));
                } else if let Some(other) = member_of.get(m) {
                    c.warn(
                        *pos,
                        format!("VRRP instance {m} is already in sync group {other} - ignoring"),
                    );
                } else {
                    member_of.insert(m.clone(), gname.clone());
                    s.group.members.push(m.clone());
                }
            }
            if s.group.members.is_empty() {
                c.warn(
                    s.pos,
                    format!("sync group {gname} has no members - removing"),
                );
            }
        }
        self.sync.retain(|s| !s.group.members.is_empty());
        track_weights::correct(c, &self.cfg, &mut self.vrrp, &mut self.sync);

        if let Some(sd) = &self.cfg.global.lvs_sync_daemon {
            if let Some(inst) = &sd.instance {
                if !instances.contains(inst) {
                    let pos = self.sync_daemon_pos.unwrap_or_default();
                    c.error(
                        pos,
                        format!("lvs_sync_daemon: vrrp instance {inst} not found"),
                    );
                }
            }
        }

        let groups: HashSet<String> = self
            .cfg
            .virtual_server_groups
            .iter()
            .map(|g| g.name.clone())
            .collect();
        let mut seen_vs: HashMap<(VsKey, Protocol), Pos> = HashMap::new();
        // Filtered in place: a second vector of every service would double
        // the peak memory of a large configuration.
        let mut meta = self.vs_meta.iter();
        self.cfg.virtual_servers.retain(|vs| {
            let Some((gref, pos)) = meta.next() else {
                return true;
            };
            if let Some((gname, gpos)) = gref {
                if !groups.contains(gname) {
                    c.warn(
                        *gpos,
                        format!("virtual_server_group {gname} not found - removing virtual server"),
                    );
                    return false;
                }
            }
            let proto = if matches!(vs.key, VsKey::Fwmark { .. }) {
                Protocol::Tcp
            } else {
                vs.protocol
            };
            if let Some(inst) = vs.announce.as_ref().and_then(|a| a.track_instance.as_ref()) {
                if !instances.contains(inst) {
                    c.error(
                        *pos,
                        format!("announce: vrrp instance {inst} not found (track_instance)"),
                    );
                }
            }
            if vs.real_servers.is_empty() {
                c.warn(
                    *pos,
                    format!(
                        "Virtual server {} has no real servers - ignoring",
                        lvs::vs_name(vs)
                    ),
                );
                return false;
            }
            if seen_vs.insert((vs.key.clone(), proto), *pos).is_some() {
                // keepalived 2.2.7 says nothing and its second IPVS add
                // fails: the first one is the service.
                c.quiet(
                    *pos,
                    format!(
                        "virtual server {} is defined twice: the second is ignored",
                        lvs::vs_name(vs)
                    ),
                );
                return false;
            }
            ipvs_sysctl::check_mh(c, vs, *pos, &g);
            for rs in &vs.real_servers {
                for ch in &rs.checkers {
                    if let CheckKind::File { track_file, .. } = &ch.kind {
                        if !files.contains(track_file) {
                            c.warn(
                                *pos,
                                format!("FILE_CHECK track_file {track_file} not found"),
                            );
                        }
                    }
                }
                for tf in &rs.track_files {
                    if !files.contains(&tf.name) {
                        c.warn(
                            *pos,
                            format!("real server track_file {} not found", tf.name),
                        );
                    }
                }
            }
            true
        });

        self.cfg.vrrp_instances = self.vrrp.into_iter().map(|d| d.inst).collect();
        self.cfg.sync_groups = self.sync.into_iter().map(|s| s.group).collect();
        self.cfg.unsupported = std::mem::take(&mut c.unsupported);
        self.cfg.inert = std::mem::take(&mut c.inert);
        self.cfg
    }

    /// Two instances may not share a VRID on one interface and family,
    /// unless they use different multicast groups or unicast.
    fn check_vrids(&self, c: &mut Ctx) {
        let mut seen: HashMap<(String, bool, u8, String), String> = HashMap::new();
        for d in &self.vrrp {
            let i = &d.inst;
            if !i.unicast_peers.is_empty() {
                continue;
            }
            let dst = i.mcast_dst_ip.map(|a| a.to_string()).unwrap_or_default();
            let key = (i.ifname.clone(), i.ipv6, i.vrid.0, dst);
            if let Some(other) = seen.get(&key) {
                let pos = d.vrid_pos.unwrap_or(d.pos);
                c.error(
                    pos,
                    format!(
                        "({}) VRID {} is already used by {other} on interface {}",
                        i.name, i.vrid.0, key.0
                    ),
                );
            } else {
                seen.insert(key, i.name.clone());
            }
        }
    }
}
