//! VRRP for kad: packets (v2, v3, IPv4, IPv6), the per-instance state
//! machine, trackers and sync groups, and the node that runs every instance
//! of a router — all pure — and, under the `io` feature (default), the
//! sockets, addresses and gratuitous ARPs of the real network.

pub mod checksum;
pub mod cn_proc;
pub mod firewall;
pub mod fsm;
pub mod garp;
pub mod group;
pub mod node;
pub mod packet;
pub mod params;
pub mod received;
pub mod statics;
pub mod stats;
pub mod time;
pub mod track;
pub mod track_process;
pub mod validate;
pub mod vmac;

#[cfg(feature = "io")]
pub mod io;

pub use fsm::{Action, Input, Instance, Params, State};
pub use packet::{Advert, Auth, RxError, Version};
pub use time::Time;
