//! VRRP for kad: packets (v2, v3, IPv4, IPv6), the per-instance state
//! machine, trackers and sync groups — all pure — and, under `io`, the
//! sockets, addresses and gratuitous ARPs of the real network.

pub mod checksum;
pub mod fsm;
pub mod garp;
pub mod group;
pub mod packet;
pub mod params;
pub mod stats;
pub mod time;
pub mod track;
pub mod track_process;
pub mod validate;

pub mod io;

pub use fsm::{Action, Input, Instance, Params, State};
pub use packet::{Advert, Auth, RxError, Version};
pub use time::Time;
