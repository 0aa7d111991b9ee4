//! `use_vmac` as keepalived 2.2.7 runs it (keepalived/vrrp/vrrp_vmac.c,
//! vrrp_if_config.c): a private-mode macvlan on the instance's interface
//! carrying the virtual router MAC (RFC 5798 §7.3: 00:00:5e:00:01:VRID,
//! IPv6 00:00:5e:00:02:VRID, or the MAC given to `use_vmac`). The
//! instance's VIPs go on it and their GARPs leave from it; so do the
//! adverts, unless `vmac_xmit_base` sends them from the base interface.
//! The macvlan exists in every state (BACKUP too) and is deleted at stop.
//! Pure: what to create and where each thing goes; the shell does it.

use super::node::env;
use kad_config::model::{GlobalDefs, VrrpInstance};

/// The VMAC an instance needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vmac {
    pub instance: String,
    /// The macvlan's name (`vrrp.VRID` unless given; config/lower).
    pub name: String,
    /// The interface it sits on (the instance's `interface`).
    pub base: String,
    pub mac: [u8; 6],
    pub ipv6: bool,
    pub xmit_base: bool,
    /// Some `virtual_ipaddress_excluded` entry is of the other family:
    /// keepalived then leaves IPv6 enabled on an IPv4 instance's VMAC.
    pub other_family: bool,
}

/// The VMAC of instance `c`, if it uses one.
pub fn of(c: &VrrpInstance, global: &GlobalDefs) -> Option<Vmac> {
    let v = c.vmac.as_ref()?;
    Some(Vmac {
        instance: c.name.clone(),
        name: v.name.clone(),
        base: env::interface_of(c, global),
        mac: mac(v.mac.as_deref(), c.vrid.0, c.ipv6),
        ipv6: c.ipv6,
        xmit_base: v.xmit_base,
        other_family: c
            .virtual_ipaddress_excluded
            .iter()
            .any(|a| a.addr.addr.is_ipv6() != c.ipv6),
    })
}

/// Where the instance's adverts go out (and come in): the VMAC, unless
/// `vmac_xmit_base`; without a VMAC its interface.
pub fn xmit_interface(c: &VrrpInstance, global: &GlobalDefs) -> String {
    match &c.vmac {
        Some(v) if !v.xmit_base => v.name.clone(),
        _ => env::interface_of(c, global),
    }
}

/// Where the instance's VIPs (those without a `dev` of their own) go, and
/// the GARPs / NAs that announce them: the VMAC when there is one.
pub fn vip_interface(c: &VrrpInstance, global: &GlobalDefs) -> String {
    match &c.vmac {
        Some(v) => v.name.clone(),
        None => env::interface_of(c, global),
    }
}

/// The VMAC's MAC address. A MAC given to `use_vmac` counts when it is six
/// octets (or five: the VRID is the sixth), not multicast and not one of
/// RFC 5798's; otherwise keepalived ignores it with an error and uses
/// RFC 5798's.
pub fn mac(given: Option<&str>, vrid: u8, ipv6: bool) -> [u8; 6] {
    given
        .and_then(|g| parse_mac(g, vrid))
        .filter(|m| m[0] & 1 == 0)
        .filter(|m| !(m[..4] == [0, 0, 0x5e, 0] && matches!(m[4], 1 | 2)))
        .unwrap_or([0, 0, 0x5e, 0, if ipv6 { 2 } else { 1 }, vrid])
}

fn parse_mac(text: &str, vrid: u8) -> Option<[u8; 6]> {
    let text = text.strip_suffix(':').unwrap_or(text);
    let parts: Vec<&str> = text.split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return None;
    }
    let mut out = [0u8; 6];
    for (o, p) in out.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    if parts.len() == 5 {
        out[5] = vrid;
    }
    Some(out)
}

/// One `net.ipv{4,6}.conf.IF.KEY` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sysctl {
    pub ipv6: bool,
    pub interface: String,
    pub key: &'static str,
    pub value: u32,
}

fn set(ipv6: bool, interface: &str, key: &'static str, value: u32) -> Sysctl {
    Sysctl {
        ipv6,
        interface: interface.to_string(),
        key,
        value,
    }
}

/// What keepalived sets on a VMAC it created, before bringing it up
/// (`set_interface_parameters`, `link_set_ipv6`, IFLA_INET6_ADDR_GEN_MODE):
/// for IPv4, arp_ignore 1 (it answers ARP only for its own addresses),
/// accept_local 1, rp_filter 0 (packets to the VIP arrive here while the
/// route back leaves by the base), promote_secondaries 1; IPv6 off unless
/// an address of that family is wanted; no automatic link-local address
/// (RFC 5798 §7.4: the instance adds the one it sends from).
pub fn on_vmac(v: &Vmac) -> Vec<Sysctl> {
    let mut out = Vec::new();
    if !v.ipv6 {
        out.push(set(false, &v.name, "arp_ignore", 1));
        out.push(set(false, &v.name, "accept_local", 1));
        out.push(set(false, &v.name, "rp_filter", 0));
        out.push(set(false, &v.name, "promote_secondaries", 1));
    }
    let ipv6_on = v.ipv6 || v.other_family;
    out.push(set(true, &v.name, "disable_ipv6", u32::from(!ipv6_on)));
    if ipv6_on {
        out.push(set(true, &v.name, "addr_gen_mode", 1));
    }
    out
}

/// What keepalived sets on the base interface of an IPv4 VMAC, restoring
/// the old values when the last such VMAC goes: arp_ignore 1 and
/// arp_filter 1, so the base no longer answers ARP for the VIPs with its
/// own MAC.
pub fn on_base(v: &Vmac) -> Vec<Sysctl> {
    if v.ipv6 {
        return Vec::new();
    }
    vec![
        set(false, &v.base, "arp_ignore", 1),
        set(false, &v.base, "arp_filter", 1),
    ]
}

/// The address an IPv6 VMAC needs to send its adverts from: the
/// instance's source (its link-local), unless adverts leave by the base.
pub fn link_local(v: &Vmac, src: std::net::IpAddr) -> Option<std::net::Ipv6Addr> {
    match src {
        std::net::IpAddr::V6(a) if v.ipv6 && !v.xmit_base && !a.is_unspecified() => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_5798_macs_by_family() {
        assert_eq!(mac(None, 51, false), [0, 0, 0x5e, 0, 1, 51]);
        assert_eq!(mac(None, 51, true), [0, 0, 0x5e, 0, 2, 51]);
    }

    #[test]
    fn given_macs_as_keepalived_reads_them() {
        assert_eq!(
            mac(Some("02:11:22:33:44:55"), 7, false),
            [2, 0x11, 0x22, 0x33, 0x44, 0x55]
        );
        // Five octets: the VRID is the sixth.
        assert_eq!(
            mac(Some("02:11:22:33:44"), 7, false),
            [2, 0x11, 0x22, 0x33, 0x44, 7]
        );
        assert_eq!(
            mac(Some("02:11:22:33:44:"), 7, false),
            [2, 0x11, 0x22, 0x33, 0x44, 7]
        );
        // Multicast, RFC 5798's own, malformed: the default.
        for bad in [
            "03:11:22:33:44:55",
            "00:00:5e:00:02:09",
            "02:11:2233:44:55",
            "zz:1:2:3:4:5",
        ] {
            assert_eq!(mac(Some(bad), 7, false), [0, 0, 0x5e, 0, 1, 7], "{bad}");
        }
    }

    fn vmac(ipv6: bool, other_family: bool) -> Vmac {
        Vmac {
            instance: "VI".into(),
            name: "vrrp.5".into(),
            base: "eth0".into(),
            mac: mac(None, 5, ipv6),
            ipv6,
            xmit_base: false,
            other_family,
        }
    }

    #[test]
    fn ipv4_vmac_sysctls() {
        let keys: Vec<_> = on_vmac(&vmac(false, false))
            .into_iter()
            .map(|s| (s.ipv6, s.key, s.value))
            .collect();
        assert_eq!(
            keys,
            [
                (false, "arp_ignore", 1),
                (false, "accept_local", 1),
                (false, "rp_filter", 0),
                (false, "promote_secondaries", 1),
                (true, "disable_ipv6", 1)
            ]
        );
        let base: Vec<_> = on_base(&vmac(false, false))
            .into_iter()
            .map(|s| (s.interface, s.key, s.value))
            .collect();
        assert_eq!(
            base,
            [
                ("eth0".to_string(), "arp_ignore", 1),
                ("eth0".to_string(), "arp_filter", 1)
            ]
        );
        // IPv6 stays on for an IPv6 excluded address.
        assert!(on_vmac(&vmac(false, true)).contains(&set(true, "vrrp.5", "disable_ipv6", 0)));
    }

    #[test]
    fn ipv6_vmac_keeps_ipv6_without_automatic_link_local() {
        let s = on_vmac(&vmac(true, false));
        assert_eq!(
            s,
            [
                set(true, "vrrp.5", "disable_ipv6", 0),
                set(true, "vrrp.5", "addr_gen_mode", 1)
            ]
        );
        assert!(on_base(&vmac(true, false)).is_empty());
        let ll: std::net::IpAddr = "fe80::1".parse().unwrap();
        assert!(link_local(&vmac(true, false), ll).is_some());
        let mut xb = vmac(true, false);
        xb.xmit_base = true;
        assert!(link_local(&xb, ll).is_none());
    }
}
