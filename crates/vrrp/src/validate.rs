//! The receive checks that depend on the instance's configuration
//! (RFC 3768 §7.1, RFC 5798 §7.1, keepalived's `vrrp_check_packet`), in
//! keepalived's order.

use crate::packet::{Advert, Auth, RxError, Version};
use kad_config::model::Centis;
use std::net::IpAddr;

/// What an instance expects of the adverts it accepts.
#[derive(Clone, Debug)]
pub struct RxPolicy {
    pub version: Version,
    pub auth: Auth,
    pub interval: Centis,
    pub addrs: Vec<IpAddr>,
    pub unicast_peers: Vec<IpAddr>,
    pub check_unicast_src: bool,
    /// `skip_check_adv_addr`: a BACKUP does not compare the address list
    /// of adverts from the master it already knows (keepalived's
    /// `vrrp_state_backup`; a new master's first advert is compared).
    pub skip_check_adv_addr: bool,
}

/// How the advert's address list compares with ours (a mismatch is
/// accepted and counted, as keepalived does since 2.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrList {
    Same,
    Differs,
}

/// Check an advert that arrived with `ttl` from `src`, to a multicast group
/// when `multicast`; `from_known_master` when we are BACKUP and `src` is
/// the master we follow.
pub fn check(
    adv: &Advert,
    ttl: u8,
    src: IpAddr,
    multicast: bool,
    from_known_master: bool,
    p: &RxPolicy,
) -> Result<AddrList, RxError> {
    if multicast && ttl != 255 {
        return Err(RxError::Ttl);
    }
    if adv.version != p.version {
        return Err(RxError::Version);
    }
    if adv.version == Version::V2 {
        if adv.auth_type > 2 {
            return Err(RxError::InvalidAuthType);
        }
        if adv.auth_type != p.auth.type_code() {
            return Err(RxError::AuthTypeMismatch);
        }
        match p.auth {
            Auth::Pass(want) => {
                // Compare all 8 bytes without an early exit.
                let diff = want
                    .iter()
                    .zip(adv.auth_data.iter())
                    .fold(0u8, |d, (a, b)| d | (a ^ b));
                if diff != 0 {
                    return Err(RxError::AuthFailure);
                }
            }
            Auth::Ah => return Err(RxError::AhUnsupported),
            Auth::None => {}
        }
        if adv.interval != p.interval {
            return Err(RxError::AdvertInterval);
        }
    }
    if !multicast && p.check_unicast_src && !p.unicast_peers.contains(&src) {
        return Err(RxError::NotAPeer);
    }
    if p.skip_check_adv_addr && from_known_master {
        return Ok(AddrList::Same);
    }
    // Priority 0 adverts carry the list too; compare as a set.
    let same = adv.addrs.len() == p.addrs.len() && adv.addrs.iter().all(|a| p.addrs.contains(a));
    Ok(if same {
        AddrList::Same
    } else {
        AddrList::Differs
    })
}
