//! Adverts on the wire: version 2 (seconds, authentication, IPv4 list) or
//! 3 (centiseconds, pseudo-header checksum or keepalived's
//! `v3_checksum_as_v2`; IPv6's checksum is the kernel's), to the group or
//! each unicast peer, with TTL 255 (or `unicast_ttl`).

use super::output::Output;
use super::Node;
use crate::packet::{self, V3Checksum, Version};
use crate::params;
use std::net::{IpAddr, Ipv4Addr};

impl Node {
    pub(super) fn send_advert(&mut self, i: usize, priority: u8) {
        let s = &self.slots[i];
        let vrid = s.cfg.vrid.0;
        let ttl = if s.unicast { s.cfg.unicast_ttl } else { 255 };
        for &dst in &s.dst {
            let payload = match params::version(&s.cfg) {
                Version::V2 => {
                    let secs = (s.cfg.advert_int.0 / 100).clamp(1, 255) as u8;
                    let v4: Vec<Ipv4Addr> = s
                        .advertised
                        .iter()
                        .filter_map(|a| match a {
                            IpAddr::V4(v) => Some(*v),
                            IpAddr::V6(_) => None,
                        })
                        .collect();
                    packet::encode_v2(vrid, priority, secs, &v4, s.auth)
                }
                Version::V3 => {
                    let csum = if dst.is_ipv6() {
                        V3Checksum::Kernel
                    } else if s.cfg.v3_checksum_as_v2 {
                        V3Checksum::MessageOnly
                    } else {
                        V3Checksum::Pseudo { src: s.src, dst }
                    };
                    packet::encode_v3(vrid, priority, s.cfg.advert_int, &s.advertised, csum)
                }
            };
            self.out.push_back(Output::Send {
                instance: s.cfg.name.clone(),
                interface: s.xmit_if.clone(),
                src: s.src,
                dst,
                ttl,
                payload,
            });
        }
    }
}
