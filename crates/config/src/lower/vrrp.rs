//! `vrrp_script`, `vrrp_sync_group` and `vrrp_instance`.

use super::ctx::{parse_c_int, Ctx};
use super::net;
use super::table::{dispatch, ignored, kw, old, Kw};
use crate::model::*;
use crate::source::Pos;
use crate::tree::Node;
use std::time::Duration;

/// What a name in a tracking block refers to, checked once all is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Script,
    File,
    Process,
}

pub struct Ref {
    pub kind: RefKind,
    pub name: String,
    pub pos: Pos,
}

/// Instance keywords whose default comes from `global_defs`, which may
/// appear later in the file: applied when everything is read.
#[derive(Default)]
pub struct Overrides {
    pub version: Option<u8>,
    pub advert_int: Option<(Duration, Pos)>,
    pub garp_master_delay: Option<Duration>,
    pub garp_master_repeat: Option<u32>,
    pub garp_lower_prio_delay: Option<Duration>,
    pub garp_lower_prio_repeat: Option<u32>,
    pub garp_master_refresh: Option<Duration>,
    pub garp_master_refresh_repeat: Option<u32>,
    pub down_timer_adverts: Option<u32>,
    pub lower_prio_no_advert: Option<bool>,
    pub higher_prio_send_advert: Option<bool>,
    pub owner_ignore_adverts: Option<bool>,
    pub check_unicast_src: Option<bool>,
    pub skip_check_adv_addr: Option<bool>,
    pub strict_mode: Option<bool>,
    pub v3_checksum_as_v2: Option<bool>,
    pub accept: Option<bool>,
}

pub struct VrrpDraft {
    pub inst: VrrpInstance,
    pub pos: Pos,
    pub vrid_pos: Option<Pos>,
    pub state_set: bool,
    pub priority_set: bool,
    pub ov: Overrides,
    pub refs: Vec<Ref>,
    pub sync_daemon_interface: Option<(String, Pos)>,
    /// `vmac_xmit_base` was given (before or after `use_vmac`).
    pub vmac_xmit_base: bool,
}

fn track_refs(
    c: &mut Ctx,
    n: &Node,
    kind: Option<RefKind>,
    min: i64,
    max: i64,
    out: &mut Vec<TrackRef>,
    refs: &mut Vec<Ref>,
) {
    for e in n.children() {
        let mut r = TrackRef {
            name: e.kw.text.clone(),
            weight: None,
            reverse: false,
        };
        let mut i = 0;
        let mut bad = false;
        while i < e.args.len() {
            match e.args[i].text.as_str() {
                // keepalived ignores the whole entry when its weight is
                // out of range.
                "weight" => {
                    match c.int(e, i + 1, min, max) {
                        Some(w) => r.weight = Some(Delta(w as i32)),
                        None => bad = true,
                    }
                    i += 2;
                }
                "reverse" => {
                    r.reverse = true;
                    i += 1;
                }
                "noreverse" => {
                    r.reverse = false;
                    i += 1;
                }
                other => {
                    c.ignore(
                        e.args[i].pos,
                        format!("unknown option '{other}' for tracked '{}'", r.name),
                    );
                    i += 1;
                }
            }
        }
        if bad {
            continue;
        }
        if let Some(kind) = kind {
            refs.push(Ref {
                kind,
                name: r.name.clone(),
                pos: e.kw.pos,
            });
        }
        out.push(r);
    }
}

pub static VRRP_SCRIPT: &[Kw<VrrpScript>] = &[
    kw("script", |c, n, s| {
        if let Some(sc) = c.script(n) {
            s.script = sc
        }
    }),
    // keepalived 2.2.7 reads both as whole seconds, 0 made 1.
    kw("interval", |c, n, s| {
        let what = format!("({}): vrrp script interval", s.name);
        if let Some(v) = c.at_least_one(n, 4294, &what) {
            s.interval = Duration::from_secs(v.into())
        }
    }),
    kw("timeout", |c, n, s| {
        let what = format!("({}): vrrp script timeout", s.name);
        if let Some(v) = c.at_least_one(n, 4294, &what) {
            s.timeout = Duration::from_secs(v.into())
        }
    }),
    kw("weight", |c, n, s| {
        if let Some(v) = c.int(n, 0, -253, 253) {
            s.weight = v as i32
        }
        s.weight_reverse = n.arg(1).is_some_and(|a| a.text == "reverse");
    }),
    // An invalid rise or fall is 1 (keepalived: "defaulting to 1").
    kw("rise", |c, n, s| {
        s.rise = c.u32(n, 0, 1, i32::MAX as u32).unwrap_or(1)
    }),
    kw("fall", |c, n, s| {
        s.fall = c.u32(n, 0, 1, i32::MAX as u32).unwrap_or(1)
    }),
    kw("user", |c, n, s| {
        if let Some(u) = c.string(n, 0) {
            let (u, g) = match u.split_once(':') {
                Some((u, g)) => (u.to_string(), Some(g.to_string())),
                None => (u, n.arg(1).map(|t| t.text.clone())),
            };
            s.script.user = Some(u);
            s.script.group = g;
        }
    }),
    kw("init_fail", |_, _, s| s.init_fail = true),
];

pub fn vrrp_script(c: &mut Ctx, n: &Node) -> Option<VrrpScript> {
    let name = c.string(n, 0)?;
    let empty = Script {
        command: String::new(),
        argv: Vec::new(),
        user: None,
        group: None,
    };
    let mut s = VrrpScript {
        name,
        script: empty,
        interval: Duration::from_secs(1),
        timeout: Duration::ZERO,
        weight: 0,
        weight_reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
    };
    dispatch(c, "vrrp_script", VRRP_SCRIPT, n, &mut s);
    if s.script.command.is_empty() {
        // keepalived reports this at the closing brace.
        c.warn(
            n.end(),
            format!("No script set for vrrp_script {} - removing", s.name),
        );
        return None;
    }
    if s.timeout.is_zero() {
        s.timeout = s.interval;
    }
    Some(s)
}

pub struct SyncDraft {
    pub group: SyncGroup,
    pub pos: Pos,
    pub members: Vec<(String, Pos)>,
    pub refs: Vec<Ref>,
}

fn notify_kws<T: AsMut<Notify>>() -> [Kw<T>; 8] {
    [
        kw("notify_master", |c, n, t| t.as_mut().master = c.script(n)),
        kw("notify_backup", |c, n, t| t.as_mut().backup = c.script(n)),
        kw("notify_fault", |c, n, t| t.as_mut().fault = c.script(n)),
        kw("notify_stop", |c, n, t| t.as_mut().stop = c.script(n)),
        kw("notify_deleted", |c, n, t| {
            t.as_mut().deleted = if n.args.is_empty() {
                Some(Script {
                    command: String::new(),
                    argv: vec![],
                    user: None,
                    group: None,
                })
            } else {
                c.script(n)
            }
        }),
        kw("notify", |c, n, t| t.as_mut().any = c.script(n)),
        kw("notify_master_rx_lower_pri", |c, n, t| {
            t.as_mut().master_rx_lower_pri = c.script(n)
        }),
        kw("notify_priority_changes", |c, n, t| {
            t.as_mut().priority_changes = c.flag(n, t.as_mut().priority_changes)
        }),
    ]
}

impl AsMut<Notify> for SyncDraft {
    fn as_mut(&mut self) -> &mut Notify {
        &mut self.group.notify
    }
}

impl AsMut<Notify> for VrrpDraft {
    fn as_mut(&mut self) -> &mut Notify {
        &mut self.inst.notify
    }
}

fn sync_group_table() -> Vec<Kw<SyncDraft>> {
    let mut t: Vec<Kw<SyncDraft>> = vec![
        kw("group", |_, n, g| {
            for e in n.children() {
                for t in std::iter::once(&e.kw).chain(&e.args) {
                    g.members.push((t.text.clone(), t.pos));
                }
            }
        }),
        kw("track_interface", |c, n, g| {
            let mut none = Vec::new();
            track_refs(
                c,
                n,
                None,
                -253,
                253,
                &mut g.group.track.interfaces,
                &mut none,
            )
        }),
        kw("track_script", |c, n, g| {
            track_refs(
                c,
                n,
                Some(RefKind::Script),
                -253,
                253,
                &mut g.group.track.scripts,
                &mut g.refs,
            )
        }),
        kw("track_file", |c, n, g| {
            track_refs(
                c,
                n,
                Some(RefKind::File),
                -254,
                254,
                &mut g.group.track.files,
                &mut g.refs,
            )
        }),
        kw("track_process", |c, n, g| {
            track_refs(
                c,
                n,
                Some(RefKind::Process),
                -254,
                254,
                &mut g.group.track.processes,
                &mut g.refs,
            )
        }),
        kw("smtp_alert", |c, n, g| {
            g.group.smtp_alert = c.flag_opt(n).or(g.group.smtp_alert)
        }),
        kw("sync_group_tracking_weight", |_, _, g| {
            g.group.tracking_weight = true
        }),
        old(
            "global_tracking",
            "'sync_group_tracking_weight'",
            |c, n, g| {
                // keepalived reports this one.
                c.warn(
                    n.kw.pos,
                    format!(
                        "({}) global_tracking is deprecated. Use track_interface/script/file on the sync group",
                        g.group.name
                    ),
                );
                g.group.tracking_weight = true
            },
        ),
        ignored("track_bfd"),
    ];
    // keepalived's sync group has no `notify_deleted` and no
    // `notify_master_rx_lower_pri` (an instance's only): there they are
    // unknown keywords, as in keepalived.
    t.extend(
        notify_kws()
            .into_iter()
            .filter(|k| !matches!(k.name, "notify_deleted" | "notify_master_rx_lower_pri")),
    );
    t
}

pub static SYNC_GROUP: std::sync::LazyLock<Vec<Kw<SyncDraft>>> =
    std::sync::LazyLock::new(sync_group_table);

pub fn sync_group(c: &mut Ctx, n: &Node) -> Option<SyncDraft> {
    let name = c.string(n, 0)?;
    let group = SyncGroup {
        name,
        members: Vec::new(),
        track: Trackers::default(),
        notify: Notify::default(),
        smtp_alert: None,
        tracking_weight: false,
    };
    let mut d = SyncDraft {
        group,
        pos: n.kw.pos,
        members: Vec::new(),
        refs: Vec::new(),
    };
    dispatch(c, "vrrp_sync_group", &SYNC_GROUP, n, &mut d);
    Some(d)
}

fn addresses(c: &mut Ctx, n: &Node, out: &mut Vec<IpAddress>) {
    for e in n.children() {
        if let Some(a) = net::address(c, e) {
            out.push(a);
        }
    }
}

fn vrrp_table() -> Vec<Kw<VrrpDraft>> {
    let mut t: Vec<Kw<VrrpDraft>> = vec![
        // keepalived's vrrp_state_handler.
        kw("state", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            let name = d.inst.name.clone();
            match a.text.as_str() {
                "MASTER" => d.inst.state = InitialState::Master,
                "BACKUP" if d.state_set && d.inst.state == InitialState::Master => c.warn(
                    a.pos,
                    format!("({name}) state previously set as MASTER - ignoring BACKUP"),
                ),
                "BACKUP" => d.inst.state = InitialState::Backup,
                o => {
                    c.correct(
                        a.pos,
                        format!("({name}) unknown state '{o}', defaulting to BACKUP"),
                        o,
                        "BACKUP",
                    );
                    d.inst.state = InitialState::Backup;
                }
            }
            d.state_set = true;
        }),
        kw("interface", |c, n, d| d.inst.interface = c.string(n, 0)),
        kw("virtual_router_id", |c, n, d| {
            d.vrid_pos = Some(n.kw.pos);
            if let Some(v) = c.u32_exact(n, 0, 1, 255) {
                d.inst.vrid = Vrid(v as u8)
            }
        }),
        // keepalived's vrrp_prio_handler: an invalid priority is 100.
        kw("priority", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            match parse_c_int(&a.text).filter(|v| (1..=255).contains(v)) {
                Some(v) => d.inst.priority = Priority(v as u8),
                None => {
                    c.correct(
                        a.pos,
                        format!(
                            "({}) Priority not valid! must be between 1 & 255. Using default 100",
                            d.inst.name
                        ),
                        &a.text,
                        "100",
                    );
                    d.inst.priority = Priority(100);
                }
            }
            d.priority_set = true;
        }),
        kw("advert_int", |c, n, d| {
            if let Some(v) = c.timer(n, 0, 0.01, 255.0) {
                d.ov.advert_int = Some((v, n.args[0].pos));
            }
        }),
        kw("version", |c, n, d| {
            d.ov.version = c.int(n, 0, 2, 3).map(|v| v as u8).or(d.ov.version)
        }),
        kw("authentication", |c, n, d| {
            let mut kind = None;
            let mut pass = None;
            for e in n.children() {
                match e.kw.text.as_str() {
                    "auth_type" => match c.arg(e, 0).map(|a| a.text.as_str()) {
                        Some("PASS") => kind = Some(AuthType::Pass),
                        // keepalived would run AH; kad does not implement
                        // it, and a pair where one side drops every advert
                        // elects two masters: refused.
                        Some("AH") => c.error(
                            e.args[0].pos,
                            format!(
                                "({}) auth_type AH: kad does not implement IPsec AH authentication; use auth_type PASS or no authentication block",
                                d.inst.name
                            ),
                        ),
                        Some(o) => c.ignore(
                            e.args[0].pos,
                            format!("({}) unknown authentication type '{o}'", d.inst.name),
                        ),
                        None => {}
                    },
                    "auth_pass" => {
                        if let Some(p) = c.string(e, 0) {
                            let mut cut = p.clone();
                            if p.len() > 8 {
                                let mut end = 8;
                                while !p.is_char_boundary(end) {
                                    end -= 1;
                                }
                                cut.truncate(end);
                                c.correct(
                                    e.args[0].pos,
                                    "Truncating auth_pass to 8 characters",
                                    &p,
                                    &cut,
                                );
                            }
                            pass = Some(cut);
                        }
                    }
                    o => c.warn(e.kw.pos, format!("unknown keyword '{o}' in authentication")),
                }
            }
            match (kind, pass) {
                (Some(auth_type), Some(password)) => {
                    d.inst.authentication = Some(Authentication {
                        auth_type,
                        password,
                    })
                }
                (Some(auth_type), None) => {
                    c.quiet(
                        n.end(),
                        "authentication without auth_pass: the password is empty",
                    );
                    d.inst.authentication = Some(Authentication {
                        auth_type,
                        password: String::new(),
                    });
                }
                // keepalived keeps no authentication without a valid type.
                (None, Some(_)) => c.quiet(
                    n.kw.pos,
                    "authentication without a valid auth_type: no authentication",
                ),
                (None, None) => {}
            }
        }),
        kw("virtual_ipaddress", |c, n, d| {
            addresses(c, n, &mut d.inst.virtual_ipaddress)
        }),
        kw("virtual_ipaddress_excluded", |c, n, d| {
            addresses(c, n, &mut d.inst.virtual_ipaddress_excluded)
        }),
        kw("no_virtual_ipaddress", |_, _, d| {
            d.inst.no_virtual_ipaddress = true
        }),
        kw("virtual_routes", |c, n, d| {
            for e in n.children() {
                d.inst.virtual_routes.extend(net::route(c, e));
            }
        }),
        kw("virtual_rules", |c, n, d| {
            for e in n.children() {
                d.inst.virtual_rules.extend(net::rule(c, e));
            }
        }),
        kw("track_interface", |c, n, d| {
            let mut none = Vec::new();
            track_refs(
                c,
                n,
                None,
                -253,
                253,
                &mut d.inst.track.interfaces,
                &mut none,
            )
        }),
        kw("track_script", |c, n, d| {
            track_refs(
                c,
                n,
                Some(RefKind::Script),
                -253,
                253,
                &mut d.inst.track.scripts,
                &mut d.refs,
            )
        }),
        kw("track_file", |c, n, d| {
            track_refs(
                c,
                n,
                Some(RefKind::File),
                -254,
                254,
                &mut d.inst.track.files,
                &mut d.refs,
            )
        }),
        kw("track_process", |c, n, d| {
            track_refs(
                c,
                n,
                Some(RefKind::Process),
                -254,
                254,
                &mut d.inst.track.processes,
                &mut d.refs,
            )
        }),
        kw("dont_track_primary", |_, _, d| {
            d.inst.dont_track_primary = true
        }),
        kw("mcast_src_ip", |c, n, d| d.inst.mcast_src_ip = c.ip(n, 0)),
        kw("unicast_src_ip", |c, n, d| {
            d.inst.unicast_src_ip = c.ip(n, 0)
        }),
        kw("mcast_dst_ip", |c, n, d| {
            d.inst.mcast_dst_ip = c.ip(n, 0).filter(|a| {
                let ok = a.is_multicast();
                if !ok {
                    c.ignore(n.args[0].pos, format!("mcast_dst_ip {a} not multicast"));
                }
                ok
            })
        }),
        kw("track_src_ip", |_, _, d| d.inst.track_src_ip = true),
        kw("unicast_peer", |c, n, d| {
            for e in n.children() {
                let Some(addr) = c.ip_tok(&e.kw.clone()) else {
                    continue;
                };
                let mut p = UnicastPeer {
                    addr,
                    min_ttl: None,
                    max_ttl: None,
                };
                let mut i = 0;
                while i < e.args.len() {
                    match e.args[i].text.as_str() {
                        "min_ttl" => p.min_ttl = c.int(e, i + 1, 0, 255).map(|v| v as u8),
                        "max_ttl" => p.max_ttl = c.int(e, i + 1, 0, 255).map(|v| v as u8),
                        o => c.ignore(e.args[i].pos, format!("unknown unicast_peer option '{o}'")),
                    }
                    i += 2;
                }
                d.inst.unicast_peers.push(p);
            }
        }),
        kw("unicast_ttl", |c, n, d| {
            if let Some(v) = c.u32_exact(n, 0, 0, 255) {
                d.inst.unicast_ttl = v as u8
            }
        }),
        kw("check_unicast_src", |c, n, d| {
            c.no_value(n);
            d.ov.check_unicast_src = Some(true)
        }),
        kw("unicast_fault_no_peer", |_, _, d| {
            d.inst.unicast_fault_no_peer = true
        }),
        kw("v3_checksum_as_v2", |c, n, d| {
            d.ov.v3_checksum_as_v2 = c.flag_opt(n).or(d.ov.v3_checksum_as_v2)
        }),
        kw("use_vmac", |c, n, d| {
            // keepalived (vrrp_vmac_handler): up to two words, a MAC (it
            // has a ':', which no interface name has) and a name, in either
            // order; without a name one is made once the instance is known
            // (vmac_names below).
            let mut name = String::new();
            let mut mac = None;
            for a in n.args.iter().take(2) {
                if a.text.contains(':') {
                    mac = Some(a.text.clone());
                } else if !name.is_empty() {
                    c.warn(a.pos, "VMAC interface name already specified");
                } else if a.text.len() >= 16 || a.text.contains('/') {
                    c.warn(
                        a.pos,
                        format!(
                            "VMAC interface name '{}' too long or invalid characters - ignoring",
                            a.text
                        ),
                    );
                } else {
                    name = a.text.clone();
                }
            }
            d.inst.vmac = Some(Vmac {
                name,
                mac,
                xmit_base: false,
            });
        }),
        kw("vmac_xmit_base", |_, _, d| d.vmac_xmit_base = true),
        kw("accept", |_, _, d| d.ov.accept = Some(true)),
        kw("no_accept", |_, _, d| d.ov.accept = Some(false)),
        kw("nopreempt", |_, _, d| d.inst.nopreempt = true),
        kw("preempt", |_, _, d| d.inst.nopreempt = false),
        kw("preempt_delay", |c, n, d| {
            if let Some(v) = c.timer(n, 0, 0.0, 1000.0) {
                d.inst.preempt_delay = v
            }
        }),
        kw("skip_check_adv_addr", |c, n, d| {
            d.ov.skip_check_adv_addr = c.flag_opt(n).or(d.ov.skip_check_adv_addr)
        }),
        kw("strict_mode", |c, n, d| {
            d.ov.strict_mode = c.flag_opt(n).or(d.ov.strict_mode)
        }),
        kw("promote_secondaries", |_, _, d| {
            d.inst.promote_secondaries = true
        }),
        kw("garp_master_delay", |c, n, d| {
            d.ov.garp_master_delay = c.secs(n, 0, 0, 4294).or(d.ov.garp_master_delay)
        }),
        kw("garp_master_repeat", |c, n, d| {
            let what = format!("({}): garp_master_repeat", d.inst.name);
            d.ov.garp_master_repeat = c
                .at_least_one(n, u32::MAX, &what)
                .or(d.ov.garp_master_repeat)
        }),
        kw("garp_lower_prio_delay", |c, n, d| {
            d.ov.garp_lower_prio_delay = c.secs(n, 0, 0, 4294).or(d.ov.garp_lower_prio_delay)
        }),
        kw("garp_lower_prio_repeat", |c, n, d| {
            d.ov.garp_lower_prio_repeat = c
                .u32(n, 0, 0, i32::MAX as u32)
                .or(d.ov.garp_lower_prio_repeat)
        }),
        kw("garp_master_refresh", |c, n, d| {
            d.ov.garp_master_refresh = c.secs(n, 0, 0, u32::MAX).or(d.ov.garp_master_refresh)
        }),
        kw("garp_master_refresh_repeat", |c, n, d| {
            let what = format!("({}): garp_master_refresh_repeat", d.inst.name);
            d.ov.garp_master_refresh_repeat = c
                .at_least_one(n, u32::MAX, &what)
                .or(d.ov.garp_master_refresh_repeat)
        }),
        kw("down_timer_adverts", |c, n, d| {
            d.ov.down_timer_adverts = c.u32(n, 0, 1, 100).or(d.ov.down_timer_adverts)
        }),
        kw("lower_prio_no_advert", |c, n, d| {
            d.ov.lower_prio_no_advert = c.flag_opt(n).or(d.ov.lower_prio_no_advert)
        }),
        kw("higher_prio_send_advert", |c, n, d| {
            d.ov.higher_prio_send_advert = c.flag_opt(n).or(d.ov.higher_prio_send_advert)
        }),
        kw("owner_ignore_adverts", |c, n, d| {
            d.ov.owner_ignore_adverts = c.flag_opt(n).or(d.ov.owner_ignore_adverts)
        }),
        kw("timer_expired_backup", |c, n, d| {
            d.inst.timer_expired_backup = match n.arg(0) {
                None => Some(Priority(254)),
                Some(_) => c.int(n, 0, 1, 254).map(|v| Priority(v as u8)),
            }
        }),
        old(
            "thread_timer_expired",
            "'timer_expired_backup'",
            |_, _, d| d.inst.timer_expired_backup = Some(Priority(254)),
        ),
        kw("smtp_alert", |c, n, d| {
            d.inst.smtp_alert = c.flag_opt(n).or(d.inst.smtp_alert)
        }),
        old(
            "lvs_sync_daemon_interface",
            "global 'lvs_sync_daemon IF inst NAME'",
            |c, n, d| {
                // keepalived reports this one.
                c.warn(
                    n.kw.pos,
                    format!(
                        "({}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.",
                        d.inst.name
                    ),
                );
                d.sync_daemon_interface = c.string(n, 0).map(|s| (s, n.kw.pos))
            },
        ),
        old(
            "native_ipv6",
            "addresses of the family (it is taken from the VIPs)",
            |_, _, d| d.inst.ipv6 = true,
        ),
        ignored("vrf"),
        ignored("use_vmac_addr"),
        ignored("use_ipvlan"),
        ignored("garp_extra_if"),
        ignored("track_bfd"),
        ignored("auth_hmac"),
        ignored("old_unicast_checksum"),
        ignored("kernel_rx_buf_size"),
        ignored("linkbeat_use_polling"),
        ignored("debug"),
    ];
    t.extend(notify_kws());
    t
}

pub static VRRP_INSTANCE: std::sync::LazyLock<Vec<Kw<VrrpDraft>>> =
    std::sync::LazyLock::new(vrrp_table);

pub fn vrrp_instance(c: &mut Ctx, n: &Node) -> Option<VrrpDraft> {
    let name = c.string(n, 0)?;
    let inst = VrrpInstance {
        name,
        state: InitialState::Backup,
        interface: None,
        ifname: String::new(),
        vrid: Vrid(0),
        priority: Priority(100),
        advert_int: DEFAULT_ADVERT_INT,
        version: 2,
        ipv6: false,
        authentication: None,
        virtual_ipaddress: Vec::new(),
        virtual_ipaddress_excluded: Vec::new(),
        virtual_routes: Vec::new(),
        virtual_rules: Vec::new(),
        no_virtual_ipaddress: false,
        track: Trackers::default(),
        dont_track_primary: false,
        mcast_src_ip: None,
        unicast_src_ip: None,
        mcast_dst_ip: None,
        track_src_ip: false,
        unicast_peers: Vec::new(),
        unicast_ttl: 255,
        check_unicast_src: false,
        unicast_fault_no_peer: false,
        v3_checksum_as_v2: false,
        vmac: None,
        accept: true,
        nopreempt: false,
        preempt_delay: Duration::ZERO,
        skip_check_adv_addr: false,
        strict_mode: false,
        promote_secondaries: false,
        garp: GarpTimers::default(),
        down_timer_adverts: 3,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        owner_ignore_adverts: false,
        timer_expired_backup: None,
        notify: Notify::default(),
        smtp_alert: None,
    };
    let mut d = VrrpDraft {
        inst,
        pos: n.kw.pos,
        vrid_pos: None,
        state_set: false,
        priority_set: false,
        ov: Overrides::default(),
        refs: Vec::new(),
        sync_daemon_interface: None,
        vmac_xmit_base: false,
    };
    dispatch(c, "vrrp_instance", &VRRP_INSTANCE, n, &mut d);
    if d.inst.vrid.0 == 0 {
        c.error(
            d.vrid_pos.unwrap_or(n.kw.pos),
            format!("({}) the virtual router id must be set", d.inst.name),
        );
        return None;
    }
    Some(d)
}

/// Apply global defaults and keepalived's corrections, once `global_defs`
/// is known.
pub fn finalize(c: &mut Ctx, d: &mut VrrpDraft, g: &GlobalDefs) {
    let (i, ov) = (&mut d.inst, &d.ov);
    let v6 = i
        .virtual_ipaddress
        .first()
        .is_some_and(|a| a.addr.addr.is_ipv6());
    i.ipv6 |= v6;
    i.version = if i.ipv6 {
        3
    } else {
        ov.version.unwrap_or(g.vrrp_version)
    };
    if i.ipv6 && ov.version == Some(2) {
        c.warn(
            d.pos,
            format!("({}) IPv6 needs VRRP version 3: using 3", i.name),
        );
    }
    if let Some((dur, pos)) = ov.advert_int {
        let cs = (dur.as_micros() as f64 / 10_000.0).round() as u32;
        i.advert_int = if i.version == 2 {
            let secs = ((cs + 50) / 100).clamp(1, 255);
            if secs * 100 != cs {
                c.warn(
                    pos,
                    format!(
                        "({}) VRRPv2 advert_int must be whole seconds: using {secs}",
                        i.name
                    ),
                );
            }
            Centis(secs * 100)
        } else if cs > 4095 {
            c.correct(
                pos,
                format!(
                    "({}) VRRPv3 advertisement interval will be limited to 40.95s",
                    i.name
                ),
                &format!("{}.{:02}", cs / 100, cs % 100),
                "40.95",
            );
            Centis(4095)
        } else {
            Centis(cs.max(1))
        };
    }
    // `state MASTER` with no priority means the address owner.
    if i.state == InitialState::Master && !d.priority_set {
        i.priority = Priority(255);
    }
    if !d.state_set && i.priority.0 == 255 {
        i.state = InitialState::Master;
    }
    i.garp = GarpTimers {
        master_delay: ov.garp_master_delay.unwrap_or(g.garp.master_delay),
        master_repeat: ov.garp_master_repeat.unwrap_or(g.garp.master_repeat),
        // keepalived (vrrp_complete_instance): from the global values, not
        // from this instance's garp_master_*.
        lower_prio_delay: ov.garp_lower_prio_delay.unwrap_or(g.garp.lower_prio_delay),
        lower_prio_repeat: ov
            .garp_lower_prio_repeat
            .unwrap_or(g.garp.lower_prio_repeat),
        master_refresh: ov.garp_master_refresh.unwrap_or(g.garp.master_refresh),
        master_refresh_repeat: ov
            .garp_master_refresh_repeat
            .unwrap_or(g.garp.master_refresh_repeat),
    };
    i.down_timer_adverts = ov.down_timer_adverts.unwrap_or(g.down_timer_adverts);
    i.strict_mode = ov.strict_mode.unwrap_or(g.strict);
    if i.strict_mode {
        // keepalived: no lower priority garps in strict mode.
        match ov.garp_lower_prio_repeat {
            Some(r) if r > 0 => c.correct(
                d.pos,
                format!(
                    "({}) Strict mode requires no repeat garps. resetting",
                    i.name
                ),
                &r.to_string(),
                "0",
            ),
            _ => {}
        }
        match ov.garp_lower_prio_delay {
            Some(v) if !v.is_zero() => c.correct(
                d.pos,
                format!(
                    "({}) Strict mode requires no repeat garp delay. resetting",
                    i.name
                ),
                &v.as_secs().to_string(),
                "0",
            ),
            _ => {}
        }
        i.garp.lower_prio_repeat = 0;
        i.garp.lower_prio_delay = Duration::ZERO;
    }
    i.lower_prio_no_advert = ov
        .lower_prio_no_advert
        .unwrap_or(g.lower_prio_no_advert || i.strict_mode);
    i.higher_prio_send_advert = ov
        .higher_prio_send_advert
        .unwrap_or(g.higher_prio_send_advert);
    i.owner_ignore_adverts = ov.owner_ignore_adverts.unwrap_or(g.owner_ignore_adverts);
    i.check_unicast_src = ov.check_unicast_src.unwrap_or(g.check_unicast_src);
    i.skip_check_adv_addr = ov.skip_check_adv_addr.unwrap_or(g.skip_check_adv_addr);
    i.v3_checksum_as_v2 = ov.v3_checksum_as_v2.unwrap_or(g.v3_checksum_as_v2);
    i.accept = ov.accept.unwrap_or(!i.strict_mode || i.priority.0 == 255);

    // Combinations keepalived corrects.
    if i.authentication
        .as_ref()
        .is_some_and(|a| a.auth_type == AuthType::Ah)
        && i.state == InitialState::Master
    {
        c.warn(
            d.pos,
            format!(
                "({}) Initial state master is incompatible with AH authentication - clearing",
                i.name
            ),
        );
        i.state = InitialState::Backup;
    }
    if i.authentication.is_some() && i.version == 3 {
        c.warn(
            d.pos,
            format!(
                "({}) authentication is not supported with VRRPv3 - removing",
                i.name
            ),
        );
        i.authentication = None;
    }
    if i.nopreempt && (i.state == InitialState::Master || i.priority.0 == 255) {
        c.warn(d.pos, format!("({}) nopreempt is incompatible with initial state MASTER or priority 255 - resetting", i.name));
        i.nopreempt = false;
    }
    // keepalived's own message names it "expired_timer_backup".
    if i.timer_expired_backup.is_some() && !i.nopreempt {
        c.warn(
            d.pos,
            format!(
                "({}) expired_timer_backup requires nopreempt - resetting",
                i.name
            ),
        );
        i.timer_expired_backup = None;
    }
    if !i.preempt_delay.is_zero() && (i.nopreempt || i.state == InitialState::Master) {
        c.warn(d.pos, format!("({}) preempt_delay is incompatible with nopreempt or initial state MASTER - clearing", i.name));
        i.preempt_delay = Duration::ZERO;
    }
    if i.strict_mode {
        if !i.unicast_peers.is_empty() {
            c.error(
                d.pos,
                format!("({}) strict mode does not allow unicast peers", i.name),
            );
        }
        if i.authentication.is_some() {
            c.warn(
                d.pos,
                format!(
                    "({}) strict mode does not allow authentication - removing",
                    i.name
                ),
            );
            i.authentication = None;
        }
    }
    if d.vmac_xmit_base {
        match &mut i.vmac {
            None => c.warn(
                d.pos,
                format!("({}) vmac_xmit_base is only valid with a vmac", i.name),
            ),
            Some(_) if i.strict_mode => c.warn(
                d.pos,
                format!(
                    "({}) xmit_base is incompatible with strict mode - resetting",
                    i.name
                ),
            ),
            Some(v) => v.xmit_base = true,
        }
    }
    if i.interface.is_none() && i.unicast_peers.is_empty() {
        c.error(d.pos, format!("({}) no interface set", i.name));
    }
    i.ifname = i
        .interface
        .clone()
        .unwrap_or_else(|| g.default_interface.clone());
    // keepalived: "address family must match VRRP instance - ignoring".
    let v6 = i.ipv6;
    let name = i.name.clone();
    i.virtual_ipaddress.retain(|a| {
        let same = a.addr.addr.is_ipv6() == v6;
        if !same {
            c.warn(d.pos, format!("({name}) virtual address {} is of the other address family - ignoring (put it in virtual_ipaddress_excluded)", a.addr));
        }
        same
    });
    no_vips(c, d.pos, i);
}

/// An instance without VIPs (keepalived master's vrrp_complete_instance):
/// VRRPv3 (RFC 5798 wants at least one address) and strict mode refuse
/// it, VRRPv2 warns, unless `no_virtual_ipaddress` says it is meant —
/// which strict mode does not allow.
fn no_vips(c: &mut Ctx, pos: Pos, i: &mut VrrpInstance) {
    if i.no_virtual_ipaddress && i.strict_mode {
        c.warn(
            pos,
            format!(
                "({}) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress",
                i.name
            ),
        );
        i.no_virtual_ipaddress = false;
    }
    if i.no_virtual_ipaddress || !i.virtual_ipaddress.is_empty() {
        return;
    }
    if i.version == 3 || i.strict_mode {
        c.error(
            pos,
            format!("({}) No VIP specified; at least one is required", i.name),
        );
    } else {
        c.warn(
            pos,
            format!("({}) No VIP specified; at least one is sensible", i.name),
        );
    }
}

/// keepalived's names for the VMACs given none (`create_vmac_name`):
/// `vrrp.VRID`, unless another instance has that name, then for IPv6
/// `vrrp6.VRID`, then `vrrp1.VRID`, `vrrp2.VRID`, ... (skipping 6 for
/// IPv6, already tried). Given names are taken first, in order; a given
/// name another instance already has is dropped, as keepalived drops it.
pub fn vmac_names(c: &mut Ctx, drafts: &mut [VrrpDraft]) {
    let mut taken: Vec<String> = Vec::new();
    for d in drafts.iter_mut() {
        let (iname, pos) = (d.inst.name.clone(), d.pos);
        let Some(v) = &mut d.inst.vmac else { continue };
        if v.name.is_empty() {
            continue;
        }
        if taken.contains(&v.name) {
            c.warn(
                pos,
                format!(
                    "({iname}) VMAC interface {} is already used by another instance - ignoring name",
                    v.name
                ),
            );
            v.name.clear();
        } else {
            taken.push(v.name.clone());
        }
    }
    for d in drafts.iter_mut() {
        let (vrid, v6) = (d.inst.vrid.0, d.inst.ipv6);
        let Some(v) = &mut d.inst.vmac else { continue };
        if !v.name.is_empty() {
            continue;
        }
        let mut num: u32 = 0;
        let mut name = format!("vrrp.{vrid}");
        while taken.contains(&name) {
            num = match (v6, num) {
                (true, 0) => 6,
                (true, 6) => 1,
                (true, n) if n + 1 == 6 => 7,
                (_, n) => n + 1,
            };
            name = format!("vrrp{num}.{vrid}");
        }
        taken.push(name.clone());
        v.name = name;
    }
}
