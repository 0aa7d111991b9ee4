//! Gratuitous ARP (RFC 3768 §6.4.2 as keepalived sends it: an ARP request
//! whose target hardware address is ff:ff:ff:ff:ff:ff) and unsolicited
//! Neighbour Advertisements (RFC 4861 §7.2.6, Override set) for IPv6 VIPs.

use crate::checksum;
use std::net::{Ipv4Addr, Ipv6Addr};

pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_IPV6: u16 = 0x86dd;
const BROADCAST: [u8; 6] = [0xff; 6];

/// The 42-byte Ethernet frame of a gratuitous ARP for `vip` from `mac`.
pub fn arp_frame(mac: [u8; 6], vip: Ipv4Addr) -> [u8; 42] {
    let mut f = [0u8; 42];
    f[0..6].copy_from_slice(&BROADCAST);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    // htype Ethernet, ptype IPv4, hlen 6, plen 4, op request.
    f[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&BROADCAST);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

/// The 86-byte frame of an unsolicited NA for `vip` to all nodes, with the
/// target link-layer address option; `router` sets the R flag.
pub fn na_frame(mac: [u8; 6], vip: Ipv6Addr, router: bool) -> [u8; 86] {
    let all_nodes = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
    let mut f = [0u8; 86];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    let ip = &mut f[14..54];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&32u16.to_be_bytes());
    ip[6] = 58;
    ip[7] = 255;
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&all_nodes.octets());
    let icmp = &mut f[54..86];
    icmp[0] = 136;
    icmp[4] = 0x20 | if router { 0x80 } else { 0 };
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = 2;
    icmp[25] = 1;
    icmp[26..32].copy_from_slice(&mac);
    let acc = checksum::pseudo_header(vip.into(), all_nodes.into(), 58, 32);
    let c = checksum::finish(checksum::sum(&f[54..86], acc));
    f[56..58].copy_from_slice(&c.to_be_bytes());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arp_matches_keepalived_capture() {
        // The second frame of keepalived's v2_pass_garp capture.
        let want: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x96, 0x72, 0xd6, 0x71, 0x20, 0x21, 0x08, 0x06, 0,
            1, 8, 0, 6, 4, 0, 1, 0x96, 0x72, 0xd6, 0x71, 0x20, 0x21, 192, 168, 200, 16, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 192, 168, 200, 16,
        ];
        assert_eq!(
            arp_frame(
                [0x96, 0x72, 0xd6, 0x71, 0x20, 0x21],
                Ipv4Addr::new(192, 168, 200, 16)
            ),
            want
        );
    }

    #[test]
    fn na_checksum_verifies() {
        let f = na_frame([2, 0, 0, 0, 0, 1], "2001:db8::10".parse().unwrap(), false);
        let vip: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let dst = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
        let acc = checksum::pseudo_header(vip.into(), dst.into(), 58, 32);
        assert_eq!(checksum::finish(checksum::sum(&f[54..86], acc)), 0);
        assert_eq!(f[54 + 4], 0x20);
    }
}
