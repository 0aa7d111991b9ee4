//! `virtual_server_group`, `virtual_server` and `real_server`.

use super::check::{self, CheckDraft};
use super::ctx::{parse_c_int, Ctx, TIMER_MAX, UINT_MAX_US};
use super::net::parse_u32_any;
use super::table::{dispatch, ignored, kw, old, own, Kw};
use crate::model::*;
use crate::source::Pos;
use crate::tree::{Node, Tok};
use std::net::IpAddr;

/// Checker keywords accepted at virtual_server and real_server level and
/// inherited downwards.
pub struct Inherited {
    pub timing: CheckTiming,
    pub alpha: Option<bool>,
    pub inhibit_on_failure: Option<bool>,
    pub virtualhost: Option<String>,
}

pub struct RsDraft {
    pub rs: RealServer,
    pub inh: Inherited,
    pub method_set: bool,
    pub weight_set: bool,
    pub checks: Vec<CheckDraft>,
    pub pos: Pos,
}

pub struct VsDraft {
    pub vs: VirtualServer,
    pub pos: Pos,
    pub inh: Inherited,
    pub rs: Vec<RsDraft>,
    pub protocol_set: bool,
    pub sched_set: bool,
    pub method_set: bool,
    pub default_weight: u32,
    pub group_ref: Option<(String, Pos)>,
    pub sorry_pos: Option<Pos>,
}

impl AsMut<Inherited> for VsDraft {
    fn as_mut(&mut self) -> &mut Inherited {
        &mut self.inh
    }
}

impl AsMut<Inherited> for RsDraft {
    fn as_mut(&mut self) -> &mut Inherited {
        &mut self.inh
    }
}

/// `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`.
pub fn method(c: &mut Ctx, n: &Node) -> Option<ForwardMethod> {
    let m = c.arg(n, 0)?.clone();
    // keepalived compares with strcmp: `dr` is not a method.
    match m.text.as_str() {
        "NAT" => Some(ForwardMethod::Nat),
        "DR" => Some(ForwardMethod::Dr),
        "TUN" => {
            let mut kind = TunnelType::Ipip;
            let mut port = None;
            let mut csum = None;
            let mut i = 1;
            while i < n.args.len() {
                let a = n.args[i].clone();
                match a.text.as_str() {
                    "type" => {
                        match n.arg(i + 1).map(|t| t.text.as_str()) {
                            Some("ipip") => kind = TunnelType::Ipip,
                            Some("gue") => kind = TunnelType::Gue,
                            Some("gre") => kind = TunnelType::Gre,
                            _ => c.ignore(a.pos, "tunnel type must be ipip, gue or gre"),
                        }
                        i += 2;
                    }
                    "port" => {
                        port = c.int(n, i + 1, 1, 65535).map(|p| p as u16);
                        i += 2;
                    }
                    "nocsum" => (csum, i) = (Some(TunnelCsum::Nocsum), i + 1),
                    "csum" => (csum, i) = (Some(TunnelCsum::Csum), i + 1),
                    "remcsum" => (csum, i) = (Some(TunnelCsum::Remcsum), i + 1),
                    o => {
                        c.ignore(a.pos, format!("unknown tunnel option '{o}'"));
                        i += 1;
                    }
                }
            }
            if kind == TunnelType::Gue && port.is_none() {
                c.ignore(m.pos, "a gue tunnel needs 'port'");
            }
            Some(ForwardMethod::Tun { kind, port, csum })
        }
        _ => {
            c.ignore(
                m.pos,
                format!("invalid forwarding method '{}' (NAT, DR or TUN)", m.text),
            );
            None
        }
    }
}

fn inherited_kws<T: AsMut<Inherited>>() -> Vec<Kw<T>> {
    vec![
        kw("delay_loop", |c, n, t| {
            let v = c.timer(n, 0, 0.000001, TIMER_MAX);
            t.as_mut().timing.delay_loop = v.or(t.as_mut().timing.delay_loop)
        }),
        kw("connect_timeout", |c, n, t| {
            let v = c.timer(n, 0, 0.000001, UINT_MAX_US);
            t.as_mut().timing.connect_timeout = v.or(t.as_mut().timing.connect_timeout)
        }),
        kw("retry", |c, n, t| {
            let v = c.u32_exact(n, 0, 1, u32::MAX);
            t.as_mut().timing.retry = v.or(t.as_mut().timing.retry)
        }),
        old("nb_get_retry", "'retry'", |c, n, t| {
            let v = c.u32_exact(n, 0, 1, u32::MAX);
            t.as_mut().timing.retry = v.or(t.as_mut().timing.retry)
        }),
        kw("delay_before_retry", |c, n, t| {
            let v = c.timer(n, 0, 0.0, TIMER_MAX);
            t.as_mut().timing.delay_before_retry = v.or(t.as_mut().timing.delay_before_retry)
        }),
        kw("warmup", |c, n, t| {
            let v = c.timer(n, 0, 0.0, TIMER_MAX);
            t.as_mut().timing.warmup = v.or(t.as_mut().timing.warmup)
        }),
        kw("alpha", |c, n, t| {
            t.as_mut().alpha = c.flag_opt(n).or(t.as_mut().alpha)
        }),
        kw("inhibit_on_failure", |c, n, t| {
            t.as_mut().inhibit_on_failure = c.flag_opt(n).or(t.as_mut().inhibit_on_failure)
        }),
        kw("virtualhost", |c, n, t| {
            t.as_mut().virtualhost = c.string(n, 0)
        }),
    ]
}

/// `flag-N` sets its bit whatever the scheduler; the named flags only
/// under the scheduler already set that they belong to, as keepalived's
/// lbflags_handler: `sh-*` under `mh` and `mh-*` under `sh` are ignored
/// without a word, any of them under another scheduler (or before
/// `lb_algo`) with its message.
fn sched_flag(c: &mut Ctx, n: &Node, d: &mut VsDraft) {
    let kw = n.kw.text.as_str();
    let sched = d.sched_set.then_some(d.vs.scheduler);
    let f = &mut d.vs.sched_flags;
    match (kw, sched) {
        ("flag-1", _) => f.flag1 = true,
        ("flag-2", _) => f.flag2 = true,
        ("flag-3", _) => f.flag3 = true,
        ("sh-fallback", Some(Scheduler::Sh)) | ("mh-fallback", Some(Scheduler::Mh)) => {
            f.flag1 = true
        }
        ("sh-port", Some(Scheduler::Sh)) | ("mh-port", Some(Scheduler::Mh)) => f.flag2 = true,
        (_, Some(Scheduler::Sh | Scheduler::Mh)) => c.quiet(
            n.kw.pos,
            format!("'{kw}' is not a flag of this scheduler: it is ignored"),
        ),
        _ => c.ignore(n.kw.pos, format!("{kw} only applies to sh scheduler")),
    }
}

fn vs_table() -> Vec<Kw<VsDraft>> {
    let mut t: Vec<Kw<VsDraft>> = vec![
        kw("lb_algo", set_sched),
        kw("lvs_sched", set_sched),
        kw("lb_kind", set_method),
        kw("lvs_method", set_method),
        kw("flag-1", sched_flag),
        kw("flag-2", sched_flag),
        kw("flag-3", sched_flag),
        kw("sh-port", sched_flag),
        kw("sh-fallback", sched_flag),
        kw("mh-port", sched_flag),
        kw("mh-fallback", sched_flag),
        old("hashed", "'flag-1'", |_, _, d| {
            d.vs.sched_flags.flag1 = true
        }),
        kw("ops", |_, _, d| d.vs.ops = true),
        kw("persistence_timeout", |c, n, d| {
            d.vs.persistence_timeout = match n.arg(0) {
                None => Some(360),
                Some(_) => c
                    .u32_exact(n, 0, 1, 86400 * 31)
                    .or(d.vs.persistence_timeout),
            }
        }),
        kw("persistence_granularity", |c, n, d| {
            let Some(t) = c.arg(n, 0).cloned() else {
                return;
            };
            d.vs.persistence_granularity = match t.text.parse::<u8>() {
                // keepalived's pgr_handler: 1..=128 (0 is not a mask).
                Ok(len) if (1..=128).contains(&len) => Some(prefix_mask(len)),
                _ => c.ip_tok(&t),
            }
        }),
        kw("persistence_engine", |c, n, d| {
            d.vs.persistence_engine = c.string(n, 0)
        }),
        kw("protocol", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            d.vs.protocol = match a.text.to_ascii_uppercase().as_str() {
                "TCP" => Protocol::Tcp,
                "UDP" => Protocol::Udp,
                "SCTP" => Protocol::Sctp,
                _ => {
                    c.ignore(a.pos, format!("Unknown protocol {}", a.text));
                    return;
                }
            };
            d.protocol_set = true;
        }),
        kw("ip_family", |c, n, d| {
            match n.arg(0).map(|a| a.text.as_str()) {
                Some("inet") => set_family(&mut d.vs.key, Family::Inet),
                Some("inet6") => set_family(&mut d.vs.key, Family::Inet6),
                _ => c.ignore(n.kw.pos, "ip_family must be inet or inet6"),
            }
        }),
        kw("ha_suspend", |_, _, d| d.vs.ha_suspend = true),
        kw("omega", |_, _, d| d.vs.omega = true),
        kw("quorum", |c, n, d| {
            // keepalived: "Quorum 0 must be in [1, 4294967295]. Setting to 1."
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            d.vs.quorum = match parse_c_int(&a.text).filter(|v| (1..=u32::MAX.into()).contains(v)) {
                Some(v) => v as u32,
                None => {
                    c.correct(
                        a.pos,
                        format!(
                            "Quorum {} must be in [1, 4294967295]. Setting to 1.",
                            a.text
                        ),
                        &a.text,
                        "1",
                    );
                    1
                }
            }
        }),
        kw("hysteresis", |c, n, d| {
            if let Some(v) = c.u32(n, 0, 0, u32::MAX) {
                d.vs.hysteresis = v
            }
        }),
        kw("quorum_up", |c, n, d| {
            d.vs.quorum_up = c.script(n).map(Box::new)
        }),
        kw("quorum_down", |c, n, d| {
            d.vs.quorum_down = c.script(n).map(Box::new)
        }),
        kw("sorry_server", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            let Some(addr) = c.ip_tok(&a) else { return };
            let port = match n.arg(1) {
                Some(p) => c.port_tok(&p.clone()).unwrap_or(0),
                None => 0,
            };
            let inhibit = d.vs.sorry_server.as_ref().is_some_and(|s| s.inhibit);
            let method = d.vs.sorry_server.as_ref().and_then(|s| s.method);
            d.sorry_pos = Some(n.kw.pos);
            d.vs.sorry_server = Some(SorryServer {
                addr,
                port,
                method,
                inhibit,
            });
        }),
        kw("sorry_server_inhibit", |c, n, d| {
            match &mut d.vs.sorry_server {
                Some(s) => s.inhibit = c.flag(n, s.inhibit),
                None => c.ignore(
                    n.kw.pos,
                    "sorry_server_inhibit needs sorry_server before it",
                ),
            }
        }),
        kw("sorry_server_lvs_method", |c, n, d| {
            let m = method(c, n);
            match &mut d.vs.sorry_server {
                Some(s) => s.method = m,
                None => c.ignore(
                    n.kw.pos,
                    "sorry_server_lvs_method needs sorry_server before it",
                ),
            }
        }),
        kw("weight", |c, n, d| {
            if let Some(w) = c.u32(n, 0, 1, i32::MAX as u32) {
                d.default_weight = w
            }
        }),
        kw("smtp_alert", |c, n, d| {
            d.vs.smtp_alert = c.flag_opt(n).or(d.vs.smtp_alert)
        }),
        kw("real_server", |c, n, d| {
            let default_weight = d.default_weight;
            if let Some(rs) = real_server(c, n, default_weight) {
                d.rs.push(rs)
            }
        }),
        // keepalived's vs_alpha_handler and vs_inhibit_handler take no
        // value: `alpha 1`, even `alpha off`, turns alpha on.
        kw("alpha", |c, n, d| {
            c.no_value(n);
            d.inh.alpha = Some(true)
        }),
        kw("inhibit_on_failure", |c, n, d| {
            c.no_value(n);
            d.inh.inhibit_on_failure = Some(true)
        }),
        ignored("snmp_name"),
        own("announce", |c, n, d| {
            d.vs.announce = super::announce::block(c, n, &d.vs.key)
        }),
    ];
    t.extend(
        inherited_kws()
            .into_iter()
            .filter(|k| k.name != "alpha" && k.name != "inhibit_on_failure"),
    );
    t
}

fn set_sched(c: &mut Ctx, n: &Node, d: &mut VsDraft) {
    let Some(a) = c.arg(n, 0).cloned() else {
        return;
    };
    match Scheduler::from_name(&a.text) {
        Some(s) => {
            d.vs.scheduler = s;
            d.sched_set = true;
        }
        None => c.ignore(a.pos, format!("Invalid lvs_scheduler '{}'", a.text)),
    }
}

fn set_method(c: &mut Ctx, n: &Node, d: &mut VsDraft) {
    if let Some(m) = method(c, n) {
        d.vs.method = m;
        d.method_set = true;
    }
}

fn set_family(key: &mut VsKey, f: Family) {
    if let VsKey::Fwmark { family, .. } = key {
        *family = f;
    }
}

fn prefix_mask(len: u8) -> IpAddr {
    if len <= 32 {
        let m = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        IpAddr::from(m.to_be_bytes())
    } else {
        let m = u128::MAX << (128 - len as u32);
        IpAddr::from(m.to_be_bytes())
    }
}

pub static VIRTUAL_SERVER: std::sync::LazyLock<Vec<Kw<VsDraft>>> =
    std::sync::LazyLock::new(vs_table);

fn rs_table() -> Vec<Kw<RsDraft>> {
    let mut t: Vec<Kw<RsDraft>> = vec![
        kw("weight", |c, n, r| {
            if let Some(w) = c.int(n, 0, 0, i32::MAX.into()) {
                r.rs.weight = Weight(w as u32);
                r.weight_set = true;
            }
        }),
        kw("lb_kind", set_rs_method),
        kw("lvs_method", set_rs_method),
        kw("notify_up", |c, n, r| {
            r.rs.notify_up = c.script(n).map(Box::new)
        }),
        kw("notify_down", |c, n, r| {
            r.rs.notify_down = c.script(n).map(Box::new)
        }),
        kw("uthreshold", |c, n, r| {
            if let Some(v) = c.u32(n, 0, 0, u32::MAX) {
                r.rs.uthreshold = v
            }
        }),
        kw("lthreshold", |c, n, r| {
            if let Some(v) = c.u32(n, 0, 0, u32::MAX) {
                r.rs.lthreshold = v
            }
        }),
        kw("smtp_alert", |c, n, r| {
            r.rs.smtp_alert = c.flag_opt(n).or(r.rs.smtp_alert)
        }),
        kw("track_file", |c, n, r| {
            for e in n.children() {
                let mut w = Delta(1);
                let mut reverse = false;
                let mut i = 0;
                while i < e.args.len() {
                    match e.args[i].text.as_str() {
                        "weight" => {
                            w = c.int(e, i + 1, -254, 254).map_or(w, |v| Delta(v as i32));
                            i += 2;
                        }
                        "reverse" => (reverse, i) = (true, i + 1),
                        o => {
                            c.ignore(e.args[i].pos, format!("unknown track_file option '{o}'"));
                            i += 1;
                        }
                    }
                }
                r.rs.track_files.push(TrackFileRef {
                    name: e.kw.text.clone(),
                    weight: w,
                    reverse,
                });
            }
        }),
        ignored("snmp_name"),
        ignored("track_bfd"),
    ];
    t.extend(inherited_kws());
    for name in check::CHECKER_NAMES {
        t.push(kw(name, |c, n, r| r.checks.extend(check::checkers(c, n))));
    }
    t.push(ignored("BFD_CHECK"));
    t
}

fn set_rs_method(c: &mut Ctx, n: &Node, r: &mut RsDraft) {
    if let Some(m) = method(c, n) {
        r.rs.method = m;
        r.method_set = true;
    }
}

pub static REAL_SERVER: std::sync::LazyLock<Vec<Kw<RsDraft>>> = std::sync::LazyLock::new(rs_table);

fn addr_port(c: &mut Ctx, n: &Node, what: &str) -> Option<(IpAddr, u16, Option<Tok>)> {
    let a = c.arg(n, 0)?.clone();
    let addr = match a.text.parse::<IpAddr>() {
        Ok(x) => x,
        Err(_) => {
            c.ignore(a.pos, format!("invalid {what} address '{}'", a.text));
            return None;
        }
    };
    let port_tok = n.arg(1).cloned();
    let port = match &port_tok {
        Some(p) => c.port_tok(p)?,
        None => 0,
    };
    Some((addr, port, port_tok))
}

pub fn real_server(c: &mut Ctx, n: &Node, default_weight: u32) -> Option<RsDraft> {
    let (addr, port, _) = addr_port(c, n, "real server")?;
    let rs = RealServer {
        addr,
        port,
        weight: Weight(default_weight),
        method: ForwardMethod::Nat,
        uthreshold: 0,
        lthreshold: 0,
        inhibit_on_failure: false,
        alpha: false,
        notify_up: None,
        notify_down: None,
        virtualhost: None,
        track_files: Vec::new(),
        checkers: Vec::new(),
        smtp_alert: None,
    };
    let inh = Inherited {
        timing: CheckTiming::default(),
        alpha: None,
        inhibit_on_failure: None,
        virtualhost: None,
    };
    let mut d = RsDraft {
        rs,
        inh,
        method_set: false,
        weight_set: false,
        checks: Vec::new(),
        pos: n.kw.pos,
    };
    dispatch(c, "real_server", &REAL_SERVER, n, &mut d);
    Some(d)
}

pub fn virtual_server(c: &mut Ctx, n: &Node) -> Option<VsDraft> {
    let first = c.arg(n, 0)?.clone();
    let mut group_ref = None;
    let key = match first.text.as_str() {
        "fwmark" => {
            let t = c.arg(n, 1)?.clone();
            let mark = match parse_u32_any(&t.text) {
                Some(m) if m > 0 => m,
                _ => {
                    c.ignore(t.pos, format!("invalid fwmark '{}'", t.text));
                    return None;
                }
            };
            let family = match n.arg(2).map(|a| a.text.as_str()) {
                Some("inet6") => Family::Inet6,
                _ => Family::Inet,
            };
            VsKey::Fwmark { mark, family }
        }
        "group" => {
            let name = c.string(n, 1)?;
            group_ref = Some((name.clone(), n.args[1].pos));
            VsKey::Group { name }
        }
        _ => {
            let (addr, port, port_tok) = addr_port(c, n, "virtual server")?;
            if port_tok.is_none() {
                c.warn(
                    first.pos,
                    format!("virtual server {addr} has no port: port 0 forces persistence"),
                );
            }
            VsKey::Addr { addr, port }
        }
    };
    let vs = VirtualServer {
        key,
        protocol: Protocol::Udp,
        scheduler: Scheduler::Wlc,
        sched_flags: SchedFlags::default(),
        ops: false,
        method: ForwardMethod::Nat,
        persistence_timeout: None,
        persistence_granularity: None,
        persistence_engine: None,
        ha_suspend: false,
        virtualhost: None,
        alpha: false,
        omega: false,
        quorum: 1,
        hysteresis: 0,
        quorum_up: None,
        quorum_down: None,
        sorry_server: None,
        inhibit_on_failure: false,
        timing: CheckTiming::default(),
        real_servers: Vec::new(),
        smtp_alert: None,
        announce: None,
    };
    let inh = Inherited {
        timing: CheckTiming::default(),
        alpha: None,
        inhibit_on_failure: None,
        virtualhost: None,
    };
    let mut d = VsDraft {
        vs,
        pos: n.kw.pos,
        inh,
        rs: Vec::new(),
        protocol_set: false,
        sched_set: false,
        method_set: false,
        default_weight: 1,
        group_ref,
        sorry_pos: None,
    };
    dispatch(c, "virtual_server", &VIRTUAL_SERVER, n, &mut d);
    finish(c, &mut d);
    Some(d)
}

/// Defaults and inheritance inside one virtual server, as keepalived
/// applies them when the block is complete.
fn finish(c: &mut Ctx, d: &mut VsDraft) {
    let name = vs_name(&d.vs);
    let fwmark = matches!(d.vs.key, VsKey::Fwmark { .. });
    if fwmark && d.protocol_set {
        c.warn(
            d.pos,
            format!(
                "Virtual server {name}: protocol specified for fwmark - protocol will be ignored"
            ),
        );
    }
    if !fwmark && !d.protocol_set {
        c.warn(
            d.pos,
            format!("Virtual server {name}: no protocol set - defaulting to UDP"),
        );
    }
    if !d.sched_set {
        c.warn(
            d.pos,
            format!("Virtual server {name}: no scheduler set, setting default 'wlc'"),
        );
    }
    if let VsKey::Addr { port: 0, .. } = d.vs.key {
        if d.vs.persistence_timeout.is_none() {
            d.vs.persistence_timeout = Some(360);
        }
    }
    if d.vs.ops && d.vs.protocol != Protocol::Udp && !fwmark {
        c.warn(d.pos, format!("Virtual server {name}: one-packet scheduling is for UDP or fwmark only - disabling"));
        d.vs.ops = false;
    }
    if d.vs.ha_suspend && fwmark {
        c.warn(
            d.pos,
            format!("Virtual server {name}: ha_suspend is not possible with fwmark - disabling"),
        );
        d.vs.ha_suspend = false;
    }
    d.vs.alpha = d.inh.alpha.unwrap_or(false);
    d.vs.inhibit_on_failure = d.inh.inhibit_on_failure.unwrap_or(false);
    d.vs.virtualhost = d.inh.virtualhost.clone();
    d.vs.timing = d.inh.timing.clone();
    let mut seen = std::collections::HashSet::new();
    for r in std::mem::take(&mut d.rs) {
        let mut rs = r.rs;
        if rs.port == 0 && !fwmark {
            if let VsKey::Addr { port, .. } = d.vs.key {
                rs.port = port;
            }
        }
        // keepalived: "real server ... is duplicated - removing second rs"
        // (an include glob that matches a file twice does this).
        if !seen.insert((rs.addr, rs.port)) {
            c.correct(
                r.pos,
                format!(
                    "VS {name}: real server [{}]:{} is duplicated - removing second rs",
                    rs.addr, rs.port
                ),
                "two real servers",
                "the first",
            );
            continue;
        }
        if !r.method_set {
            rs.method = d.vs.method;
        }
        rs.alpha = r.inh.alpha.unwrap_or(d.vs.alpha);
        rs.inhibit_on_failure = r.inh.inhibit_on_failure.unwrap_or(d.vs.inhibit_on_failure);
        rs.virtualhost = r
            .inh
            .virtualhost
            .clone()
            .or_else(|| d.vs.virtualhost.clone());
        if rs.port == 0 && !fwmark {
            if let VsKey::Addr { port, .. } = d.vs.key {
                rs.port = port;
            }
        }
        let alpha = rs.alpha;
        rs.checkers = r
            .checks
            .into_iter()
            .map(|ch| check::resolve(ch, &r.inh, &d.inh, alpha))
            .collect();
        // Vectors keep room for 4 after one push: trim what a large
        // configuration keeps for its lifetime.
        rs.checkers.shrink_to_fit();
        d.vs.real_servers.push(rs);
    }
    d.vs.real_servers.shrink_to_fit();
}

pub fn vs_name(vs: &VirtualServer) -> String {
    match &vs.key {
        VsKey::Addr { addr, port } => format!(
            "[{addr}]:{}:{port}",
            format!("{:?}", vs.protocol).to_lowercase()
        ),
        VsKey::Fwmark { mark, .. } => format!("FWM {mark}"),
        VsKey::Group { name } => format!("group {name}"),
    }
}

/// `virtual_server_group NAME { IP [PORT] | IP-RANGE [PORT] | fwmark N }`.
pub fn vs_group(c: &mut Ctx, n: &Node) -> Option<VirtualServerGroup> {
    let name = c.string(n, 0)?;
    let mut g = VirtualServerGroup {
        name,
        entries: Vec::new(),
    };
    for e in n.children() {
        if e.kw.text == "fwmark" {
            let Some(t) = c.arg(e, 0).cloned() else {
                continue;
            };
            match parse_u32_any(&t.text) {
                Some(mark) if mark > 0 => {
                    let family = if e.arg(1).is_some_and(|f| f.text == "inet6") {
                        Family::Inet6
                    } else {
                        Family::Inet
                    };
                    g.entries.push(GroupEntry::Fwmark { mark, family });
                }
                _ => c.ignore(t.pos, format!("invalid fwmark '{}'", t.text)),
            }
            continue;
        }
        let port = match e.arg(0) {
            Some(p) => match c.port_tok(&p.clone()) {
                Some(p) => Some(p),
                None => continue,
            },
            None => None,
        };
        match range(&e.kw.text) {
            Ok((first, last)) => g.entries.push(GroupEntry::Range { first, last, port }),
            Err(m) => c.ignore(e.kw.pos, m),
        }
    }
    if g.entries.is_empty() {
        c.warn(
            n.end(),
            format!("virtual server group {} has no entries - removing", g.name),
        );
        return None;
    }
    Some(g)
}

/// `a.b.c.d`, `a.b.c.d-e`, `a.b.c.d-e.f.g.h`, CIDR `a.b.c.d/n`, IPv6 alike.
pub fn range(s: &str) -> Result<(IpAddr, IpAddr), String> {
    let bad = || format!("invalid address range '{s}'");
    if let Some((a, len)) = s.split_once('/') {
        let p: Prefix = s.parse().map_err(|_| bad())?;
        let _ = (a, len);
        return Ok(match p.addr {
            IpAddr::V4(v) => {
                let host = if p.len == 32 { 0 } else { u32::MAX >> p.len };
                let base = u32::from(v) & !host;
                (
                    IpAddr::from(base.to_be_bytes()),
                    IpAddr::from((base | host).to_be_bytes()),
                )
            }
            IpAddr::V6(v) => {
                let host = if p.len == 128 { 0 } else { u128::MAX >> p.len };
                let base = u128::from(v) & !host;
                (
                    IpAddr::from(base.to_be_bytes()),
                    IpAddr::from((base | host).to_be_bytes()),
                )
            }
        });
    }
    let Some((a, b)) = s.split_once('-') else {
        let a: IpAddr = s.parse().map_err(|_| bad())?;
        return Ok((a, a));
    };
    let first: IpAddr = a.parse().map_err(|_| bad())?;
    let last = match (first, b.parse::<IpAddr>()) {
        (_, Ok(full)) if full.is_ipv4() == first.is_ipv4() => full,
        (IpAddr::V4(f), _) => {
            let end: u8 = b.parse().map_err(|_| bad())?;
            let mut o = f.octets();
            o[3] = end;
            IpAddr::from(o)
        }
        (IpAddr::V6(f), _) => {
            let end = u16::from_str_radix(b, 16).map_err(|_| bad())?;
            let mut s = f.segments();
            s[7] = end;
            IpAddr::from(s)
        }
    };
    let ord = match (first, last) {
        (IpAddr::V4(x), IpAddr::V4(y)) => u32::from(x) <= u32::from(y),
        (IpAddr::V6(x), IpAddr::V6(y)) => u128::from(x) <= u128::from(y),
        _ => false,
    };
    if !ord {
        return Err(format!("address range '{s}' ends before it starts"));
    }
    Ok((first, last))
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn ranges() {
        let r = |s| range(s).map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(
            r("192.168.200.3-10"),
            Ok(("192.168.200.3".into(), "192.168.200.10".into()))
        );
        assert_eq!(r("10.0.0.0/30"), Ok(("10.0.0.0".into(), "10.0.0.3".into())));
        assert_eq!(r("ae00::2-9"), Ok(("ae00::2".into(), "ae00::9".into())));
        assert!(r("10.0.0.9-3").is_err());
        assert!(r("10.0.0.300").is_err());
    }
}
