//! One instance as the node runs it: its configuration, its state machine
//! and what follows from both (addresses, receive policy, where adverts
//! go); and the sync groups.

use super::env::{self, Env};
use super::NodeError;
use crate::fsm::{Instance, State};
use crate::packet::Auth;
use crate::params;
use crate::validate::RxPolicy;
use kad_config::model::{GlobalDefs, IpAddress, Notify, VrrpInstance};
use std::net::IpAddr;

pub(super) struct Slot {
    pub cfg: VrrpInstance,
    pub fsm: Instance,
    /// The configured interface: source address, link tracking.
    pub ifname: String,
    /// Where adverts go out and come in (the VMAC unless vmac_xmit_base).
    pub xmit_if: String,
    /// Where the VIPs go and are announced from (the VMAC if any).
    pub vip_if: String,
    /// The VMAC the instance needs (`use_vmac`).
    pub vmac: Option<crate::vmac::Vmac>,
    pub src: IpAddr,
    /// The source address was removed from the interface (node/source.rs).
    pub src_gone: bool,
    /// Where adverts go: the multicast group, or each unicast peer.
    pub dst: Vec<IpAddr>,
    pub unicast: bool,
    pub policy: RxPolicy,
    pub advertised: Vec<IpAddr>,
    pub auth: Auth,
    pub group: Option<usize>,
    pub fault_reasons: Vec<String>,
    /// State changes since start (for the metrics).
    pub transitions: u64,
}

pub(super) struct Group {
    pub name: String,
    pub members: Vec<usize>,
    pub notify: Notify,
    pub state: Option<State>,
    /// The group's own trackers: each member tracks them as its own.
    pub track: kad_config::model::Trackers,
}

/// An instance as the shell may see it (dumps, sockets).
pub struct View<'a> {
    pub cfg: &'a VrrpInstance,
    pub fsm: &'a Instance,
    pub interface: &'a str,
    /// Where the VIPs are (the VMAC with use_vmac).
    pub vip_interface: &'a str,
    pub vmac: Option<&'a crate::vmac::Vmac>,
    pub src: IpAddr,
    pub dst: &'a [IpAddr],
    pub unicast: bool,
}

/// A socket the instances need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketNeed {
    pub interface: String,
    pub ipv6: bool,
    /// The multicast groups to join (sorted, each once).
    pub groups: Vec<IpAddr>,
}

impl Slot {
    pub fn new(c: &VrrpInstance, global: &GlobalDefs, env: &Env) -> Result<Slot, NodeError> {
        let v6 = c.ipv6;
        let found = env
            .sources
            .get(&c.name)
            .copied()
            .filter(|a| !a.is_unspecified())
            .or_else(|| env::configured_source(c));
        // With `dynamic_interfaces` an instance whose interface is missing
        // (or has no address yet) runs without a source, in FAULT for "no
        // address", and takes the first usable address that comes
        // (node/source.rs), as keepalived does; without it there is no
        // instance.
        let (src, src_gone) = match found {
            Some(a) => (a, false),
            None if global.dynamic_interfaces => (unspecified(v6), true),
            None => return Err(NodeError::NoSource(c.name.clone())),
        };
        let unicast = !c.unicast_peers.is_empty();
        let dst: Vec<IpAddr> = if unicast {
            c.unicast_peers
                .iter()
                .map(|p| p.addr)
                .filter(|a| a.is_ipv6() == v6)
                .collect()
        } else {
            vec![env::group_of(c, global)]
        };
        Ok(Slot {
            cfg: c.clone(),
            fsm: Instance::new(params::params(c, src, true)),
            ifname: env::interface_of(c, global),
            xmit_if: crate::vmac::xmit_interface(c, global),
            vip_if: crate::vmac::vip_interface(c, global),
            vmac: crate::vmac::of(c, global),
            src,
            src_gone,
            dst,
            unicast,
            policy: params::rx_policy(c),
            advertised: advertised(c),
            auth: params::auth(c),
            group: None,
            fault_reasons: Vec::new(),
            transitions: 0,
        })
    }

    pub fn view(&self) -> View<'_> {
        View {
            cfg: &self.cfg,
            fsm: &self.fsm,
            interface: &self.ifname,
            vip_interface: &self.vip_if,
            vmac: self.vmac.as_ref(),
            src: self.src,
            dst: &self.dst,
            unicast: self.unicast,
        }
    }

    /// Every address the instance holds as MASTER: advertised and excluded.
    pub fn all_vips(&self) -> Vec<IpAddress> {
        self.cfg
            .virtual_ipaddress
            .iter()
            .chain(&self.cfg.virtual_ipaddress_excluded)
            .cloned()
            .collect()
    }

    pub fn ipv6(&self) -> bool {
        self.cfg.ipv6
    }
}

fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
    }
}

/// The addresses listed in an instance's adverts, in its family.
pub(super) fn advertised(c: &VrrpInstance) -> Vec<IpAddr> {
    params::advertised(c)
        .into_iter()
        .filter(|a| a.is_ipv6() == c.ipv6)
        .collect()
}

pub(super) fn sockets(slots: &[Slot]) -> Vec<SocketNeed> {
    let mut out: Vec<SocketNeed> = Vec::new();
    for s in slots {
        let i = match out
            .iter()
            .position(|n| n.interface == s.xmit_if && n.ipv6 == s.ipv6())
        {
            Some(i) => i,
            None => {
                out.push(SocketNeed {
                    interface: s.xmit_if.clone(),
                    ipv6: s.ipv6(),
                    groups: Vec::new(),
                });
                out.len() - 1
            }
        };
        if !s.unicast {
            out[i].groups.extend(s.dst.iter().copied());
        }
    }
    for n in &mut out {
        n.groups.sort();
        n.groups.dedup();
    }
    out
}

impl super::Node {
    /// Index the sync groups' members (after instances changed).
    pub(super) fn set_groups(&mut self, cfg: &kad_config::model::Config) {
        for s in &mut self.slots {
            s.group = None;
        }
        let old: Vec<Group> = std::mem::take(&mut self.groups);
        for g in &cfg.sync_groups {
            let members: Vec<usize> = g
                .members
                .iter()
                .filter_map(|m| self.slots.iter().position(|s| &s.cfg.name == m))
                .collect();
            for &m in &members {
                self.slots[m].group = Some(self.groups.len());
            }
            let state = old.iter().find(|o| o.name == g.name).and_then(|o| o.state);
            self.groups.push(Group {
                name: g.name.clone(),
                members,
                notify: g.notify.clone(),
                state,
                track: g.track.clone(),
            });
        }
    }

    pub(super) fn find_slot(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.cfg.name == name)
    }
}
