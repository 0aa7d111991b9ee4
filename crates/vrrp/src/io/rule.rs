//! Policy routing rules (`virtual_rules`, `static_rules`) through
//! rtnetlink's rule handle, as `ip rule add` / `ip rule del` would.

use super::{nl, IoError};
use kad_config::model::Rule;
use netlink_packet_route::route::{RouteHeader, RouteProtocol};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage};
use netlink_packet_route::AddressFamily;
use std::net::IpAddr;

/// The netlink message for `r`. A rule without `from`/`to` is IPv4, as
/// keepalived takes it.
pub fn message(r: &Rule) -> RuleMessage {
    let mut m = RuleMessage::default();
    let v6 = [r.from, r.to].iter().flatten().any(|p| p.addr.is_ipv6());
    m.header.family = if v6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    };
    m.header.action = match r.action.as_deref() {
        Some("blackhole") => RuleAction::Blackhole,
        Some("unreachable") => RuleAction::Unreachable,
        Some("prohibit") => RuleAction::Prohibit,
        _ => RuleAction::ToTable,
    };
    if m.header.action == RuleAction::ToTable {
        // Tables above 255 go in an attribute (the header's byte is 0).
        match r.table.unwrap_or(u32::from(RouteHeader::RT_TABLE_MAIN)) {
            t @ 0..=255 => m.header.table = t as u8,
            t => m.attributes.push(RuleAttribute::Table(t)),
        }
    }
    if let Some(p) = r.from {
        m.header.src_len = p.len;
        m.attributes.push(RuleAttribute::Source(p.addr));
    }
    if let Some(p) = r.to {
        m.header.dst_len = p.len;
        m.attributes.push(RuleAttribute::Destination(p.addr));
    }
    if let Some(p) = r.priority {
        m.attributes.push(RuleAttribute::Priority(p));
    }
    if let Some(f) = r.fwmark {
        m.attributes.push(RuleAttribute::FwMark(f));
    }
    if let Some(i) = &r.iif {
        m.attributes.push(RuleAttribute::Iifname(i.clone()));
    }
    if let Some(o) = &r.oif {
        m.attributes.push(RuleAttribute::Oifname(o.clone()));
    }
    // keepalived marks the rules it tracks `proto keepalived` (18).
    if !r.no_track {
        m.attributes
            .push(RuleAttribute::Protocol(RouteProtocol::KeepAlived));
    }
    m
}

/// What the logs call a rule: `from P to P lookup T pref N`.
pub fn describe(r: &Rule) -> String {
    let all = |p: Option<IpAddr>, len: u8| p.map_or("all".to_string(), |a| format!("{a}/{len}"));
    let mut s = format!(
        "from {}",
        all(r.from.map(|p| p.addr), r.from.map_or(0, |p| p.len))
    );
    if let Some(t) = r.to {
        s += &format!(" to {}/{}", t.addr, t.len);
    }
    if let Some(p) = r.priority {
        s += &format!(" pref {p}");
    }
    s
}

/// Add `r`. A rule already there is fine: it is ours from now on, as
/// keepalived takes it (it clears its rules before adding them at start).
pub async fn add(handle: &rtnetlink::Handle, r: &Rule) -> Result<(), IoError> {
    let mut req = handle.rule().add();
    *req.message_mut() = message(r);
    match req.execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(nl(format!("adding rule {}", describe(r)))(e)),
    }
}

/// Remove `r`. A rule already gone is fine.
pub async fn del(handle: &rtnetlink::Handle, r: &Rule) -> Result<(), IoError> {
    match handle.rule().del(message(r)).execute().await {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e))
            if e.raw_code() == -libc::ENOENT || e.raw_code() == -libc::ESRCH =>
        {
            Ok(())
        }
        Err(e) => Err(nl(format!("removing rule {}", describe(r)))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kad_config::model::Prefix;

    fn rule(from: &str, table: Option<u32>) -> Rule {
        let (a, l) = from.split_once('/').unwrap();
        Rule {
            from: Some(Prefix {
                addr: a.parse().unwrap(),
                len: l.parse().unwrap(),
            }),
            to: None,
            table,
            priority: Some(100),
            fwmark: None,
            iif: None,
            oif: None,
            action: None,
            no_track: false,
        }
    }

    #[test]
    fn small_tables_in_the_header_large_ones_in_an_attribute() {
        let m = message(&rule("10.0.0.0/24", Some(100)));
        assert_eq!(m.header.table, 100);
        assert_eq!(m.header.src_len, 24);
        assert_eq!(m.header.family, AddressFamily::Inet);
        let m = message(&rule("2001:db8::/64", Some(1000)));
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RuleAttribute::Table(1000)));
        assert_eq!(m.header.family, AddressFamily::Inet6);
        assert_eq!(message(&rule("10.0.0.0/8", None)).header.table, 254);
    }
}
