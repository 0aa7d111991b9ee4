//! IPVS for kad: the wanted table computed from the configuration and the
//! servers' health, the reconciliation that applies only the difference to
//! the kernel, the generic-netlink client, and the health checkers.

pub mod audit;
pub mod check;
pub mod netlink;
pub mod reconcile;
pub mod table;

pub use reconcile::{diff, Op};
pub use table::{services_of, wanted, wanted_with, Table};
