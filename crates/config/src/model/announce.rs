//! kad's own `announce` block of a `virtual_server`: the virtual server's
//! addresses are announced to the local BGP daemon (through a kernel
//! routing table it imports) while the virtual server has quorum, and
//! withdrawn when it loses it or kad stops (docs/operations.md,
//! "Announcing over BGP").

use super::units::secs;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The routing table kad puts its routes in unless `table` says otherwise.
pub const DEFAULT_TABLE: u32 = 200;
/// The routes' protocol number (`ip route ... proto 44`): kad's mark, by
/// which it finds its own routes again (after a crash, at start).
pub const DEFAULT_PROTOCOL: u8 = 44;
/// The planned stop's wait between the withdrawal and the removal of the
/// IPVS entries.
pub const DEFAULT_WITHDRAW_DELAY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announce {
    /// The kernel routing table the routes go in (the BGP daemon imports it).
    pub table: u32,
    /// The routes' `rtm_protocol`.
    pub protocol: u8,
    /// The routes' metric (none: the kernel's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<u32>,
    /// Announced only while this VRRP instance is MASTER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_instance: Option<String>,
    /// On a planned stop: how long kad waits after withdrawing before it
    /// removes the IPVS entries and the local addresses (make-before-break).
    #[serde(with = "secs")]
    pub withdraw_delay: Duration,
    /// kad does not make the addresses local (`local ADDR dev lo table
    /// local`): the operator, or VRRP, has them on the director.
    pub no_local_address: bool,
}

impl Default for Announce {
    fn default() -> Self {
        Announce {
            table: DEFAULT_TABLE,
            protocol: DEFAULT_PROTOCOL,
            metric: None,
            track_instance: None,
            withdraw_delay: DEFAULT_WITHDRAW_DELAY,
            no_local_address: false,
        }
    }
}
