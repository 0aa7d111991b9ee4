//! IPVS for kad: the wanted table computed from the configuration and the
//! reconciliation that applies only the difference to the kernel. The
//! generic-netlink client is in `netlink`; the health checkers come next.

pub mod netlink;
pub mod reconcile;
pub mod table;

pub use reconcile::{diff, Op};
pub use table::{wanted, Table};
