//! From the configuration model to what the state machine and the receive
//! checks need.

use crate::fsm::Params;
use crate::packet::{Auth, Version};
use crate::validate::RxPolicy;
use kad_config::model::{AuthType, VrrpInstance};
use std::net::IpAddr;

pub fn params(i: &VrrpInstance, local_addr: IpAddr, hold_vips_on_stop: bool) -> Params {
    Params {
        vrid: i.vrid.0,
        version: version(i),
        base_priority: i.priority.0,
        advert_int: i.advert_int,
        preempt: !i.nopreempt,
        preempt_delay: i.preempt_delay,
        down_timer_adverts: i.down_timer_adverts,
        lower_prio_no_advert: i.lower_prio_no_advert,
        higher_prio_send_advert: i.higher_prio_send_advert,
        owner_ignore_adverts: i.owner_ignore_adverts,
        garp: i.garp.clone(),
        local_addr,
        hold_vips_on_stop,
    }
}

pub fn version(i: &VrrpInstance) -> Version {
    if i.version == 3 || i.ipv6 {
        Version::V3
    } else {
        Version::V2
    }
}

pub fn auth(i: &VrrpInstance) -> Auth {
    match &i.authentication {
        Some(a) if a.auth_type == AuthType::Pass => Auth::pass(&a.password),
        Some(_) => Auth::Ah,
        None => Auth::None,
    }
}

/// The addresses listed in our adverts.
pub fn advertised(i: &VrrpInstance) -> Vec<IpAddr> {
    i.virtual_ipaddress
        .iter()
        .map(|a| a.addr.addr)
        .take(255)
        .collect()
}

pub fn rx_policy(i: &VrrpInstance) -> RxPolicy {
    RxPolicy {
        version: version(i),
        auth: auth(i),
        interval: i.advert_int,
        addrs: advertised(i),
        unicast_peers: i.unicast_peers.iter().map(|p| p.addr).collect(),
        check_unicast_src: i.check_unicast_src,
        skip_check_adv_addr: i.skip_check_adv_addr,
    }
}
