//! Connection sync: the kernel's IPVS sync datagrams (`wire`), the
//! connection table as `/proc/net/ip_vs_conn` shows it (`conns`), and the
//! bulk replay that turns that table into datagrams for a backup's kernel
//! (`bulk`) — the kernel's own master only syncs connections that see
//! traffic, so a backup started late never learns the idle ones.

pub mod bulk;
pub mod conns;
pub mod peers;
pub mod request;
pub mod send;
pub mod stream;
pub mod wire;
