//! `dynamic_interfaces` on the simulated LAN (tests/lan), against
//! keepalived's rules: an instance whose interface is missing at start
//! runs in FAULT (its link down, no address) while the node's other
//! instances run; the interface created is not enough, its address ends
//! the fault; deleted, the instance faults again; re-created, it is back.
//! Without `dynamic_interfaces` such an instance cannot be set up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::node::{Env, Node, NodeError, Release};
use kad_vrrp::State;
use lan::{addr, config, secs, Lan, IFACE};

/// Host 0: VI_1 on the LAN's interface (missing at start), priority 200,
/// and VI_2 alone on an interface that exists; host 1: VI_1, priority 100.
fn configs(dynamic: bool) -> (String, String) {
    let g = if dynamic {
        "global_defs {\n dynamic_interfaces\n}\n"
    } else {
        ""
    };
    let a = format!(
        "{g}{}{}",
        lan::instance("VI_1", 1, 200, ""),
        "vrrp_instance VI_2 {\n interface eth1\n virtual_router_id 2\n priority 100\n advert_int 1\n virtual_ipaddress {\n 10.9.2.1/24\n }\n}\n"
    );
    (a, lan::instance("VI_1", 1, 100, ""))
}

/// What host 0's shell finds: eth1 with its address, the LAN's interface
/// missing (no link, no address).
fn missing_env() -> Env {
    let mut env = Env::default();
    env.links.insert("eth1".into(), true);
    env.links.insert(IFACE.into(), false);
    env.sources
        .insert("VI_2".into(), "10.1.0.1".parse().unwrap());
    env
}

fn reasons(lan: &Lan, i: usize, name: &str) -> Vec<String> {
    lan.hosts[i]
        .node
        .status(lan.now)
        .into_iter()
        .find(|s| s.name == name)
        .expect("instance")
        .fault_reasons
}

#[test]
fn dynamic_interfaces_an_instance_waits_in_fault_for_its_interface_and_its_address() {
    let (a, b) = configs(true);
    let (a, b) = (config(&a), config(&b));
    let mut lan = Lan::new(&[a.clone(), b], 5);
    lan.hosts[0].node = Node::new(&a, &missing_env(), Release::default()).expect("node");
    lan.start_all();
    lan.run_for(secs(5.0));
    // The instance without its interface is in FAULT; the node's other
    // instance runs, and the peer is MASTER meanwhile.
    assert_eq!(lan.state(0, "VI_1"), Some(State::Fault));
    assert_eq!(
        reasons(&lan, 0, "VI_1"),
        ["interface eth0 is down", "no IPv4 address for interface"]
    );
    assert_eq!(lan.state(0, "VI_2"), Some(State::Master));
    assert_eq!(lan.state(1, "VI_1"), Some(State::Master));

    // The interface is created (and up): still no address, still FAULT.
    lan.with(0, |n, now| n.handle_link(now, IFACE, true));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Fault));
    assert_eq!(reasons(&lan, 0, "VI_1"), ["no IPv4 address for interface"]);
    // One of the instance's own VIPs is no source.
    lan.with(0, |n, now| {
        n.handle_address(now, IFACE, "10.9.1.1".parse().unwrap(), true)
    });
    lan.run_for(secs(1.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Fault));

    // Addressed: out of FAULT, and (the higher priority) MASTER.
    lan.with(0, |n, now| n.handle_address(now, IFACE, addr(0), true));
    lan.run_for(secs(1.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Backup));
    lan.run_for(secs(4.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
    assert_eq!(lan.state(1, "VI_1"), Some(State::Backup));
    assert_eq!(lan.masters(1), 1);
    let src = lan.hosts[0]
        .node
        .instances()
        .find(|v| v.cfg.name == "VI_1")
        .map(|v| v.src);
    assert_eq!(src, Some(addr(0)));

    // Deleted (the link goes, then its addresses): FAULT, the peer takes
    // over; the other instance is untouched.
    lan.with(0, |n, now| {
        n.handle_link(now, IFACE, false);
        n.handle_address(now, IFACE, addr(0), false);
    });
    assert_eq!(lan.state(0, "VI_1"), Some(State::Fault));
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(1, "VI_1"), Some(State::Master));
    assert_eq!(lan.state(0, "VI_2"), Some(State::Master));

    // Re-created and addressed: back, MASTER again.
    lan.with(0, |n, now| {
        n.handle_link(now, IFACE, true);
        n.handle_address(now, IFACE, addr(0), true);
    });
    lan.run_for(secs(5.0));
    assert_eq!(lan.state(0, "VI_1"), Some(State::Master));
    assert_eq!(lan.state(1, "VI_1"), Some(State::Backup));
    assert_eq!(lan.masters(1), 1);
}

#[test]
fn without_dynamic_interfaces_an_instance_without_its_interface_is_not_set_up() {
    let (a, _) = configs(false);
    let err = Node::new(&config(&a), &missing_env(), Release::default()).err();
    assert_eq!(err, Some(NodeError::NoSource("VI_1".into())));
}
