//! What the node asks its shell to do, in the order it must be done.

use crate::fsm::State;
use kad_config::model::{IpAddress, Route, Rule, Script};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Send a VRRP payload (the shell's socket adds the IP header for IPv4;
    /// IPv6 hop limit and checksum are the kernel's).
    Send {
        instance: String,
        interface: String,
        src: IpAddr,
        dst: IpAddr,
        ttl: u8,
        payload: Vec<u8>,
    },
    /// Add addresses: each on its own `dev`, else on `interface`.
    AddAddrs {
        instance: String,
        interface: String,
        addrs: Vec<IpAddress>,
    },
    DelAddrs {
        instance: String,
        interface: String,
        addrs: Vec<IpAddress>,
    },
    /// The addresses the firewall must now block for this instance (all
    /// of them, replacing what it blocked before; empty: none).
    Firewall {
        instance: String,
        interface: String,
        addrs: Vec<crate::firewall::Blocked>,
    },
    /// Add (or remove) routes (`virtual_routes`).
    Routes {
        instance: String,
        add: bool,
        routes: Vec<Route>,
    },
    /// Add (or remove) policy routing rules (`virtual_rules`): added after
    /// the routes, removed before them, as keepalived orders them.
    Rules {
        instance: String,
        add: bool,
        rules: Vec<Rule>,
    },
    /// `repeat` rounds of one gratuitous ARP / unsolicited NA per address,
    /// on `interface`; each ARP at least `arp_gap` after the interface's
    /// previous one, each NA `na_gap` after the previous NA (keepalived's
    /// per-interface garp_interval / gna_interval; zero: at once).
    Garp {
        instance: String,
        interface: String,
        addrs: Vec<IpAddr>,
        repeat: u32,
        arp_gap: std::time::Duration,
        na_gap: std::time::Duration,
    },
    /// Run a notify script with these arguments.
    Notify { script: Script, args: Vec<String> },
    /// A line for the notify FIFO (without the newline).
    Fifo(String),
    /// An event the e-mail alerts may report.
    Alert(Alert),
    /// The IPVS sync daemon follows the instance named in `lvs_sync_daemon
    /// ... inst`: it becomes the sync master (true) or backup (false).
    SyncRole { master: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    Instance { name: String, state: State },
    Group { name: String, state: State },
}

/// keepalived's word for a state (logs, FIFO lines, notify arguments).
pub fn state_word(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stopped => "STOP",
    }
}

/// The FIFO line for an instance or group state.
pub fn fifo_line(kind: &str, name: &str, state: &str, prio: u8) -> String {
    format!("{kind} \"{name}\" {state} {prio}")
}
