//! Per-instance counters, named as keepalived names them in its stats and
//! JSON dumps.

use crate::packet::RxError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub advert_rcvd: u64,
    pub advert_sent: u64,
    pub become_master: u64,
    pub release_master: u64,
    pub packet_len_err: u64,
    pub ip_ttl_err: u64,
    pub invalid_type_rcvd: u64,
    pub advert_interval_err: u64,
    pub addr_list_err: u64,
    pub invalid_authtype: u64,
    pub authtype_mismatch: u64,
    pub auth_failure: u64,
    pub pri_zero_rcvd: u64,
    pub pri_zero_sent: u64,
    /// Not in keepalived's list: checksum, version and other header errors.
    pub checksum_err: u64,
    pub version_err: u64,
    pub other_err: u64,
}

impl Stats {
    /// Count a dropped packet under its reason.
    pub fn record(&mut self, e: RxError) {
        let c = match e {
            RxError::Length | RxError::IpHeader => &mut self.packet_len_err,
            RxError::Ttl => &mut self.ip_ttl_err,
            RxError::InvalidType => &mut self.invalid_type_rcvd,
            RxError::AdvertInterval => &mut self.advert_interval_err,
            RxError::InvalidAuthType => &mut self.invalid_authtype,
            RxError::AuthTypeMismatch | RxError::AhUnsupported => &mut self.authtype_mismatch,
            RxError::AuthFailure => &mut self.auth_failure,
            RxError::Checksum => &mut self.checksum_err,
            RxError::Version => &mut self.version_err,
            RxError::Family | RxError::NotAPeer => &mut self.other_err,
        };
        *c += 1;
    }
}
