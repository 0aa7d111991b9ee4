//! A received packet: which instance it is for (interface, family, VRID,
//! multicast group or unicast address), decoded and checked against that
//! instance's policy, counted when dropped, and fed to its machine.

use super::Node;
use crate::fsm::Input;
use crate::packet;
use crate::received::Received;
use crate::time::Time;
use crate::validate::{self, AddrList};

impl Node {
    pub(super) fn receive(&mut self, now: Time, iface: &str, pkt: Received) {
        let Received {
            src,
            dst,
            ttl,
            protocol,
            payload,
        } = pkt;
        // Our own adverts come back on multicast: never for us.
        if protocol != packet::IPPROTO_VRRP || self.slots.iter().any(|s| s.src == src) {
            return;
        }
        let multicast = dst.is_multicast();
        let vrid = payload.get(1).copied();
        let target = self.slots.iter().position(|s| {
            s.xmit_if == iface
                && s.ipv6() == dst.is_ipv6()
                && Some(s.cfg.vrid.0) == vrid
                && if multicast {
                    !s.unicast && s.dst.contains(&dst)
                } else {
                    s.unicast && dst == s.src
                }
        });
        let Some(t) = target else { return };
        let adv = match packet::decode(&payload, dst.is_ipv6(), src, dst) {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!(
                    "({}) dropped a packet from {src}: {e}",
                    self.slots[t].cfg.name
                );
                self.slots[t].fsm.stats.record(e);
                return;
            }
        };
        let fsm = &self.slots[t].fsm;
        let known =
            fsm.state() == crate::fsm::State::Backup && fsm.master().is_some_and(|(m, _)| m == src);
        match validate::check(&adv, ttl, src, multicast, known, &self.slots[t].policy) {
            Ok(list) => {
                if list == AddrList::Differs {
                    self.slots[t].fsm.stats.addr_list_err += 1;
                }
                let input = Input::Advert {
                    src,
                    priority: adv.priority,
                    interval: adv.interval,
                };
                self.drive(now, t, input);
            }
            Err(e) => {
                tracing::debug!(
                    "({}) dropped an advert from {src}: {e}",
                    self.slots[t].cfg.name
                );
                self.slots[t].fsm.stats.record(e);
            }
        }
    }
}
