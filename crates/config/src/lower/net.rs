//! `ip`-style address, route and rule lines (static and virtual).

use super::ctx::Ctx;
use crate::model::{IpAddress, Nexthop, Prefix, Route, RouteType, Rule};
use crate::tree::{Node, Tok};

/// All the words of a line: the keyword is the first value.
fn words(n: &Node) -> Vec<&Tok> {
    std::iter::once(&n.kw).chain(n.args.iter()).collect()
}

/// A VIP: an invalid address is skipped; a prefix length beyond the
/// family's is the host length (keepalived: "Invalid address prefix len
/// 33 for address ... - using 32").
fn vip_prefix(ctx: &mut Ctx, t: &Tok) -> Option<Prefix> {
    if let Some((a, len)) = t.text.split_once('/') {
        if let Ok(addr) = a.parse::<std::net::IpAddr>() {
            let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
            if len.parse::<u8>().map_or(true, |l| l > max) {
                ctx.correct(
                    t.pos,
                    format!(
                        "Invalid address prefix len {len} for address {} - using {max}",
                        t.text
                    ),
                    len,
                    &max.to_string(),
                );
                return Some(Prefix { addr, len: max });
            }
        }
    }
    match t.text.parse() {
        Ok(p) => Some(p),
        Err(_) => {
            ctx.ignore(
                t.pos,
                format!("VRRP parsed invalid IP {}. skipping IP...", t.text),
            );
            None
        }
    }
}

/// `IP[/M] [brd IP] [dev IF] [scope S] [label L] [peer IP] [no_track] ...`.
/// `default_dev` is the instance interface for VIPs without `dev`.
pub fn address(ctx: &mut Ctx, n: &Node) -> Option<IpAddress> {
    let w = words(n);
    let addr = vip_prefix(ctx, w[0])?;
    let mut a = IpAddress {
        addr,
        broadcast: None,
        dev: None,
        scope: None,
        label: None,
        peer: None,
        no_track: false,
        home: false,
        nodad: false,
        noprefixroute: false,
        mngtmpaddr: false,
        autojoin: false,
        use_vmac: false,
        preferred_lft: None,
    };
    let mut i = 1;
    while i < w.len() {
        let opt = w[i].text.as_str();
        let val = w.get(i + 1).copied();
        let takes_value = matches!(
            opt,
            "brd" | "broadcast" | "dev" | "scope" | "label" | "peer" | "preferred_lft"
        );
        if takes_value && val.is_none() {
            ctx.missing(w[i].pos, format!("'{opt}' needs a value"));
            return None;
        }
        match opt {
            "brd" | "broadcast" => {
                let v = val?;
                match v.text.parse() {
                    Ok(b) if addr.addr.is_ipv4() => a.broadcast = Some(b),
                    _ if v.text == "+" || v.text == "-" => {}
                    _ => ctx.ignore(v.pos, format!("invalid broadcast address '{}'", v.text)),
                }
            }
            "dev" => a.dev = val.map(|v| v.text.clone()),
            "scope" => {
                let v = val?;
                const SCOPES: [&str; 5] = ["global", "site", "link", "host", "nowhere"];
                if SCOPES.contains(&v.text.as_str()) || v.text.parse::<u8>().is_ok() {
                    a.scope = Some(v.text.clone());
                } else {
                    ctx.ignore(v.pos, format!("invalid scope '{}'", v.text));
                }
            }
            "label" => a.label = val.map(|v| v.text.clone()),
            "peer" => a.peer = val.and_then(|v| ctx.prefix_tok(v)),
            "preferred_lft" => {
                let v = val?;
                a.preferred_lft = if v.text == "forever" {
                    None
                } else {
                    ctx.int_exact(v, 0, u32::MAX.into()).map(|x| x as u32)
                };
            }
            "no_track" => a.no_track = true,
            "home" => a.home = true,
            "-nodad" | "nodad" => a.nodad = true,
            "noprefixroute" => a.noprefixroute = true,
            "mngtmpaddr" => a.mngtmpaddr = true,
            "autojoin" => a.autojoin = true,
            "use_vmac" => a.use_vmac = true,
            other => {
                ctx.ignore(w[i].pos, format!("unknown address option '{other}'"));
                return None;
            }
        }
        i += if takes_value { 2 } else { 1 };
    }
    Some(a)
}

/// `[src IP] [TYPE] DST [via|gw IP] [dev IF] [table N] [metric N] ...`.
pub fn route(ctx: &mut Ctx, n: &Node) -> Option<Route> {
    let w = words(n);
    let mut r = Route {
        dst: Prefix::host([0, 0, 0, 0].into()),
        kind: RouteType::Unicast,
        src: None,
        via: None,
        dev: None,
        table: None,
        metric: None,
        scope: None,
        protocol: None,
        onlink: false,
        nexthops: Vec::new(),
        no_track: false,
    };
    let mut have_dst = false;
    let mut i = 0;
    while i < w.len() {
        let t = w[i];
        let val = w.get(i + 1).copied();
        let need = |ctx: &mut Ctx| -> Option<&Tok> {
            if val.is_none() {
                ctx.missing(t.pos, format!("'{}' needs a value", t.text));
            }
            val
        };
        let mut step = 2;
        match t.text.as_str() {
            "src" => {
                let v = need(ctx)?;
                r.src = ctx.ip_tok(v)
            }
            "via" | "gw" => {
                if t.text == "gw" {
                    ctx.warn(t.pos, "\"gw\" for routes is deprecated. Please use \"via\"");
                }
                let v = need(ctx)?;
                r.via = ctx.ip_tok(v);
            }
            "dev" | "oif" => r.dev = Some(need(ctx)?.text.clone()),
            "table" => {
                let v = need(ctx)?;
                r.table = match v.text.as_str() {
                    "main" => Some(254),
                    "local" => Some(255),
                    "default" => Some(253),
                    _ => ctx.int_exact(v, 0, u32::MAX.into()).map(|x| x as u32),
                };
            }
            "metric" | "priority" | "preference" => {
                let v = need(ctx)?;
                r.metric = ctx.int_exact(v, 0, u32::MAX.into()).map(|x| x as u32)
            }
            "scope" => r.scope = Some(need(ctx)?.text.clone()),
            "proto" | "protocol" => r.protocol = Some(need(ctx)?.text.clone()),
            "onlink" => {
                r.onlink = true;
                step = 1;
            }
            "no_track" => {
                r.no_track = true;
                step = 1;
            }
            "blackhole" | "unreachable" | "prohibit" | "throw" => {
                r.kind = match t.text.as_str() {
                    "blackhole" => RouteType::Blackhole,
                    "unreachable" => RouteType::Unreachable,
                    "prohibit" => RouteType::Prohibit,
                    _ => RouteType::Throw,
                };
                step = 1;
            }
            "nexthop" | "or" => {
                if t.text == "or" {
                    ctx.warn(
                        t.pos,
                        "\"or\" for routes is deprecated. Please use \"nexthop\"",
                    );
                    // `via A or B`: the first gateway becomes a nexthop too.
                    if r.nexthops.is_empty() {
                        if let Some(via) = r.via.take() {
                            r.nexthops.push(Nexthop {
                                via: Some(via),
                                dev: r.dev.clone(),
                                weight: None,
                            });
                        }
                    }
                    let v = need(ctx)?;
                    r.nexthops.push(Nexthop {
                        via: ctx.ip_tok(v),
                        dev: None,
                        weight: None,
                    });
                } else {
                    let mut nh = Nexthop {
                        via: None,
                        dev: None,
                        weight: None,
                    };
                    let mut j = i + 1;
                    while j + 1 < w.len() {
                        match w[j].text.as_str() {
                            "via" => nh.via = ctx.ip_tok(w[j + 1]),
                            "dev" => nh.dev = Some(w[j + 1].text.clone()),
                            "weight" => {
                                nh.weight = ctx.int_exact(w[j + 1], 1, 256).map(|x| (x - 1) as u8)
                            }
                            _ => break,
                        }
                        j += 2;
                    }
                    r.nexthops.push(nh);
                    step = j - i;
                }
            }
            "to" => {
                let v = need(ctx)?;
                r.dst = ctx.prefix_tok(v)?;
                have_dst = true;
            }
            s if !have_dst && (s.contains('.') || s.contains(':') || s == "default") => {
                r.dst = if s == "default" {
                    Prefix {
                        addr: [0, 0, 0, 0].into(),
                        len: 0,
                    }
                } else {
                    ctx.prefix_tok(t)?
                };
                have_dst = true;
                step = 1;
            }
            other => {
                ctx.ignore(t.pos, format!("unknown route option '{other}'"));
                return None;
            }
        }
        i += step;
    }
    if !have_dst {
        ctx.ignore(n.kw.pos, "route has no destination");
        return None;
    }
    let has_dev = r.dev.is_some() || r.nexthops.iter().any(|h| h.dev.is_some());
    if !r.no_track && !has_dev {
        ctx.warn(
            n.kw.pos,
            format!(
                "cannot track route {} with no interface specified, not tracking",
                r.dst
            ),
        );
        r.no_track = true;
    }
    Some(r)
}

/// `[from P] [to P] [table N] [priority N] [fwmark N] [iif IF] [oif IF]`.
pub fn rule(ctx: &mut Ctx, n: &Node) -> Option<Rule> {
    let w = words(n);
    let mut r = Rule {
        from: None,
        to: None,
        table: None,
        priority: None,
        fwmark: None,
        iif: None,
        oif: None,
        action: None,
        no_track: false,
    };
    let mut i = 0;
    while i < w.len() {
        let t = w[i];
        if matches!(
            t.text.as_str(),
            "no_track" | "blackhole" | "unreachable" | "prohibit"
        ) {
            if t.text == "no_track" {
                r.no_track = true;
            } else {
                r.action = Some(t.text.clone());
            }
            i += 1;
            continue;
        }
        let Some(v) = w.get(i + 1).copied() else {
            ctx.missing(t.pos, format!("'{}' needs a value", t.text));
            return None;
        };
        match t.text.as_str() {
            "from" => {
                r.from = if v.text == "all" {
                    None
                } else {
                    Some(ctx.prefix_tok(v)?)
                }
            }
            "to" => {
                r.to = if v.text == "all" {
                    None
                } else {
                    Some(ctx.prefix_tok(v)?)
                }
            }
            "table" | "lookup" => r.table = ctx.int_exact(v, 0, u32::MAX.into()).map(|x| x as u32),
            "priority" | "preference" | "pref" => {
                r.priority = ctx.int_exact(v, 0, u32::MAX.into()).map(|x| x as u32)
            }
            "fwmark" => {
                let s = v.text.split('/').next().unwrap_or("");
                r.fwmark = parse_u32_any(s);
                if r.fwmark.is_none() {
                    ctx.ignore(v.pos, format!("invalid fwmark '{}'", v.text));
                }
            }
            "iif" | "dev" => r.iif = Some(v.text.clone()),
            "oif" => r.oif = Some(v.text.clone()),
            other => {
                ctx.ignore(t.pos, format!("unknown rule option '{other}'"));
                return None;
            }
        }
        i += 2;
    }
    if r.priority.is_none() {
        let v6 = [r.from, r.to].iter().flatten().any(|p| p.addr.is_ipv6());
        let next = &mut ctx.next_rule_prio[usize::from(v6)];
        let prio = *next;
        *next = next.saturating_sub(1);
        r.priority = Some(prio);
        ctx.warn(
            n.kw.pos,
            format!(
                "Rule has no preference specified - setting to {prio}. This is probably not what you want."
            ),
        );
    }
    Some(r)
}

/// Decimal or 0x-hex.
pub fn parse_u32_any(s: &str) -> Option<u32> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}
