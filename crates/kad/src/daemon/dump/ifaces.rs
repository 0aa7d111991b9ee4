//! The `Interfaces` section of `keepalived.data`: every interface of the
//! namespace, as keepalived 2.2.7 describes it. [`read`] takes the facts
//! from the system (sysfs and an rtnetlink address dump); [`render`] is pure.

use super::{Instance, Snapshot};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One interface as the dump needs it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Iface {
    pub name: String,
    pub index: u32,
    /// IPv4 addresses, in the kernel's order.
    pub v4: Vec<Ipv4Addr>,
    /// IPv6 link-local addresses (keepalived keeps no others).
    pub v6: Vec<Ipv6Addr>,
    /// Hardware and broadcast addresses (none on a loopback).
    pub mac: Option<(String, String)>,
    pub up: bool,
    pub running: bool,
    /// `IFF_*` flags (/sys/class/net/NAME/flags).
    pub flags: u32,
    pub mtu: u32,
    /// `ARPHRD_*`.
    pub hw_type: u32,
}

fn sys(name: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(format!("/sys/class/net/{name}/{file}"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// The interfaces of this namespace, by index. Reads the system.
pub async fn read() -> Vec<Iface> {
    let mut out: Vec<Iface> = Vec::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return out;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let num = |f: &str| sys(&name, f).and_then(|v| v.parse::<u32>().ok());
        let flags = sys(&name, "flags")
            .and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok())
            .unwrap_or(0);
        let hw_type = num("type").unwrap_or(0);
        let mac = match (sys(&name, "address"), sys(&name, "broadcast")) {
            (Some(a), Some(b)) if hw_type != 772 && !a.is_empty() => Some((a, b)),
            _ => None,
        };
        out.push(Iface {
            index: num("ifindex").unwrap_or(0),
            up: flags & libc::IFF_UP as u32 != 0,
            running: flags & libc::IFF_UP as u32 != 0 && num("carrier") == Some(1),
            flags,
            mtu: num("mtu").unwrap_or(0),
            hw_type,
            mac,
            name,
            ..Default::default()
        });
    }
    for (index, a) in addresses().await {
        if let Some(i) = out.iter_mut().find(|i| i.index == index) {
            match a {
                IpAddr::V4(v4) => i.v4.push(v4),
                IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => i.v6.push(v6),
                IpAddr::V6(_) => {}
            }
        }
    }
    out.sort_by_key(|i| i.index);
    out
}

/// Every address of every interface, by interface index, in the kernel's
/// order: an rtnetlink address dump (what getifaddrs reads too, and what
/// it reports: the local address of an IPv4 one).
async fn addresses() -> Vec<(u32, IpAddr)> {
    use futures::TryStreamExt;
    use rtnetlink::packet_route::address::AddressAttribute;
    let mut out = Vec::new();
    let Ok((conn, handle, _)) = rtnetlink::new_connection() else {
        return out;
    };
    let conn = tokio::spawn(conn);
    let mut stream = handle.address().get().execute();
    while let Ok(Some(msg)) = stream.try_next().await {
        let local = msg.attributes.iter().find_map(|a| match a {
            AddressAttribute::Local(ip) => Some(*ip),
            _ => None,
        });
        let addr = msg.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        });
        if let Some(a) = local.or(addr) {
            out.push((msg.header.index, a));
        }
    }
    conn.abort();
    out
}

/// keepalived's lines for the interfaces; its own VIPs are not counted as
/// the interfaces' addresses.
pub fn render(o: &mut Vec<String>, s: &Snapshot) {
    let vips: Vec<IpAddr> = s
        .instances
        .iter()
        .flat_map(|i| {
            i.cfg
                .virtual_ipaddress
                .iter()
                .chain(&i.cfg.virtual_ipaddress_excluded)
        })
        .map(|a| a.addr.addr)
        .collect();
    for f in &s.ifaces {
        iface(o, s, f, &vips);
    }
}

fn iface(o: &mut Vec<String>, s: &Snapshot, f: &Iface, vips: &[IpAddr]) {
    let v4: Vec<&Ipv4Addr> =
        f.v4.iter()
            .filter(|a| !vips.contains(&IpAddr::V4(**a)))
            .collect();
    let v6: Vec<&Ipv6Addr> =
        f.v6.iter()
            .filter(|a| !vips.contains(&IpAddr::V6(**a)))
            .collect();
    o.push(format!(" Name = {}", f.name));
    o.push(format!("   index = {}", f.index));
    match v4.first() {
        Some(a) => o.push(format!("   IPv4 address = {a}")),
        None => o.push("   IPv4 address = (none)".into()),
    }
    if v4.len() > 1 {
        o.push("   Additional IPv4 addresses :".into());
        for a in &v4[1..] {
            o.push(format!("     {a}"));
        }
    }
    match v6.first() {
        Some(a) => o.push(format!("   IPv6 address = {a}")),
        None => o.push("   IPv6 address = (none)".into()),
    }
    if v6.len() > 1 {
        o.push("   Additional IPv6 addresses :".into());
        for a in &v6[1..] {
            o.push(format!("     {a}"));
        }
    }
    if let Some((mac, bcast)) = &f.mac {
        o.push(format!("   MAC = {mac}"));
        o.push(format!("   MAC broadcast = {bcast}"));
    }
    let flag = |b: i32| f.flags & b as u32 != 0;
    o.push(format!(
        "   State = {}UP, {}RUNNING{}{}{}{}{}",
        if f.up { "" } else { "not " },
        if f.running { "" } else { "not " },
        if flag(libc::IFF_BROADCAST) {
            ""
        } else {
            ", no broadcast"
        },
        if flag(libc::IFF_LOOPBACK) {
            ", loopback"
        } else {
            ""
        },
        if flag(libc::IFF_POINTOPOINT) {
            ", point to point"
        } else {
            ""
        },
        if flag(libc::IFF_NOARP) {
            ", no arp"
        } else {
            ""
        },
        if flag(libc::IFF_MULTICAST) {
            ""
        } else {
            ", no multicast"
        },
    ));
    o.push(format!("   Seen up = {}", u8::from(f.up && f.running)));
    o.push("   Delayed state change running = false".into());
    let delay = s.up_down_delays.iter().find(|d| d.interface == f.name);
    let us = |d: Option<std::time::Duration>| d.map(|d| d.as_micros()).unwrap_or(0);
    o.push(format!(
        "   Up debounce timer = {}us",
        us(delay.map(|d| d.up))
    ));
    o.push(format!(
        "   Down debounce timer = {}us",
        us(delay.map(|d| d.down))
    ));
    o.push(format!("   MTU = {}", f.mtu));
    o.push(match f.hw_type {
        772 => "   HW Type = LOOPBACK".into(),
        1 => "   HW Type = ETHERNET".into(),
        t => format!("   HW Type = UNKNOWN ({t})"),
    });
    o.push("   NIC netlink status update".into());
    o.push("   Reset ARP config counter 0".into());
    o.push("   Original arp_ignore 0".into());
    o.push("   Original arp_filter 0".into());
    o.push("   Original promote_secondaries 0".into());
    o.push("   Reset promote_secondaries counter 0".into());
    // keepalived's order: each instance adds itself to the interfaces it
    // tracks, then to its own.
    let mut tracking: Vec<String> = Vec::new();
    for i in &s.instances {
        for t in super::tracked_ifs(i).iter().filter(|t| t.name == f.name) {
            tracking.push(format!(
                "     {}, weight {}{}",
                i.cfg.name,
                t.weight.map(|d| d.0).unwrap_or(0),
                if t.reverse { " reverse" } else { "" }
            ));
        }
        if own(i, f) {
            tracking.push(format!("     {}, weight 0", i.cfg.name));
        }
    }
    if !tracking.is_empty() {
        o.push("   Tracking VRRP instances :".into());
        o.extend(tracking);
    }
}

fn own(i: &Instance, f: &Iface) -> bool {
    i.interface == f.name && !i.cfg.dont_track_primary
}

#[cfg(test)]
mod tests {
    use super::super::tests::{snapshot, CONF};
    use super::*;

    fn eth0() -> Iface {
        Iface {
            name: "eth0".into(),
            index: 2,
            v4: vec![
                "10.77.0.1".parse().unwrap(),
                "10.77.0.100".parse().unwrap(),
                "10.77.0.101".parse().unwrap(),
            ],
            v6: vec!["fe80::58f0:99ff:fe71:db45".parse().unwrap()],
            mac: Some(("5a:f0:99:71:db:45".into(), "ff:ff:ff:ff:ff:ff".into())),
            up: true,
            running: true,
            flags: 0x1003,
            mtu: 1500,
            hw_type: 1,
        }
    }

    /// keepalived 2.2.7's lines for the same interface (its capture).
    #[test]
    fn as_keepalived_wrote_it() {
        let mut s = snapshot(CONF, "MASTER");
        s.ifaces = vec![eth0()];
        let mut o = Vec::new();
        render(&mut o, &s);
        assert_eq!(
            o.join("\n"),
            " Name = eth0
   index = 2
   IPv4 address = 10.77.0.1
   IPv6 address = fe80::58f0:99ff:fe71:db45
   MAC = 5a:f0:99:71:db:45
   MAC broadcast = ff:ff:ff:ff:ff:ff
   State = UP, RUNNING
   Seen up = 1
   Delayed state change running = false
   Up debounce timer = 0us
   Down debounce timer = 0us
   MTU = 1500
   HW Type = ETHERNET
   NIC netlink status update
   Reset ARP config counter 0
   Original arp_ignore 0
   Original arp_filter 0
   Original promote_secondaries 0
   Reset promote_secondaries counter 0
   Tracking VRRP instances :
     VI_1, weight 0"
        );
    }

    #[test]
    fn loopback_and_a_down_link() {
        let mut s = snapshot(CONF, "MASTER");
        s.ifaces = vec![Iface {
            name: "lo".into(),
            index: 1,
            v4: vec!["127.0.0.1".parse().unwrap()],
            up: true,
            running: true,
            flags: 0x9,
            mtu: 65536,
            hw_type: 772,
            ..Default::default()
        }];
        let mut o = Vec::new();
        render(&mut o, &s);
        assert!(o.contains(&"   State = UP, RUNNING, no broadcast, loopback, no multicast".into()));
        assert!(o.contains(&"   IPv6 address = (none)".into()));
        assert!(o.contains(&"   HW Type = LOOPBACK".into()));
        assert!(!o.iter().any(|l| l.starts_with("   MAC")));
        assert!(!o.iter().any(|l| l.starts_with("   Tracking")));
        let mut down = eth0();
        down.running = false;
        s.ifaces = vec![down];
        let mut o = Vec::new();
        render(&mut o, &s);
        assert!(o.contains(&"   State = UP, not RUNNING".into()));
        assert!(o.contains(&"   Seen up = 0".into()));
    }
}
