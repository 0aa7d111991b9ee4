//! The node's receive path (node/rx.rs, validate.rs, stats.rs) on its own:
//! which instance a packet reaches, which checks drop it and which counter
//! each drop goes to (keepalived's `keepalived.stats` names), and that no
//! input, however malformed, panics or moves the state machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers of the simulated LAN sit outside #[test] functions"
)]

mod lan;

use kad_vrrp::node::{Node, Release};
use kad_vrrp::packet::{self, Auth};
use kad_vrrp::received::Received;
use kad_vrrp::stats::Stats;
use kad_vrrp::Time;
use lan::{config, env_for, instance, secs};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 9);

/// One node with VI_1 (VRID 51, VRRPv2, 10.9.51.1) and VI_2 (VRID 52), as
/// a backup that has heard nothing yet.
fn node() -> Node {
    let text = format!(
        "{}{}",
        instance("VI_1", 51, 100, ""),
        instance("VI_2", 52, 100, "")
    );
    let cfg = config(&text);
    let mut n = Node::new(&cfg, &env_for(&cfg, 0), Release::default()).expect("node");
    n.start(Time::ZERO);
    n.drain();
    for s in n.status(Time::ZERO) {
        assert_eq!(s.state, "BACKUP", "{}", s.name);
    }
    n
}

fn stats(n: &Node, name: &str) -> Stats {
    n.status(Time::ZERO)
        .into_iter()
        .find(|s| s.name == name)
        .map(|s| s.stats)
        .expect("instance")
}

fn advert(vrid: u8, prio: u8, interval: u8, vip: Ipv4Addr) -> Vec<u8> {
    packet::encode_v2(vrid, prio, interval, &[vip], Auth::None)
}

fn rx(payload: Vec<u8>, ttl: u8) -> Received {
    Received {
        src: PEER.into(),
        dst: GROUP.into(),
        ttl,
        protocol: 112,
        payload,
    }
}

fn vip(vrid: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 9, vrid, 1)
}

#[test]
fn a_good_advert_reaches_its_own_instance_only() {
    let mut n = node();
    n.handle_packet(
        Time::ZERO + secs(0.1),
        "eth0",
        rx(advert(52, 200, 1, vip(52)), 255),
    );
    assert_eq!(stats(&n, "VI_2").advert_rcvd, 1);
    assert_eq!(stats(&n, "VI_1").advert_rcvd, 0);
    // The higher-priority master is VI_2's master now.
    let st = n.status(Time::ZERO + secs(0.1));
    let vi2 = st.iter().find(|s| s.name == "VI_2").expect("VI_2");
    assert_eq!(vi2.master_addr.as_deref(), Some("10.0.0.9"));
    assert_eq!(vi2.master_priority, Some(200));
    // A VRID nobody has, or another interface: no instance counts it.
    n.handle_packet(
        Time::ZERO + secs(0.2),
        "eth0",
        rx(advert(77, 200, 1, vip(77)), 255),
    );
    n.handle_packet(
        Time::ZERO + secs(0.3),
        "eth1",
        rx(advert(51, 200, 1, vip(51)), 255),
    );
    assert_eq!(stats(&n, "VI_1").advert_rcvd, 0);
    assert_eq!(stats(&n, "VI_2").advert_rcvd, 1);
}

#[test]
fn each_bad_advert_is_dropped_and_counted_as_keepalived_counts_it() {
    let at = |i: u32| Time::ZERO + secs(0.01 * f64::from(i));
    let mut n = node();
    // TTL other than 255 (RFC 3768 5.3.2.1): ip_ttl_err.
    n.handle_packet(at(1), "eth0", rx(advert(51, 200, 1, vip(51)), 64));
    // Another advert interval: advert_interval_err.
    n.handle_packet(at(2), "eth0", rx(advert(51, 200, 3, vip(51)), 255));
    // Another address list: addr_list_err (counted; whether the advert
    // is then taken is the policy's, validate.rs).
    n.handle_packet(
        at(3),
        "eth0",
        rx(advert(51, 200, 1, Ipv4Addr::new(10, 9, 99, 1)), 255),
    );
    // A broken checksum: checksum_err.
    let mut bad = advert(51, 200, 1, vip(51));
    bad[6] ^= 0xff;
    n.handle_packet(at(4), "eth0", rx(bad, 255));
    // Authentication where none is configured: authtype_mismatch (or
    // invalid_authtype), never a received advert.
    n.handle_packet(
        at(5),
        "eth0",
        rx(
            packet::encode_v2(51, 200, 1, &[vip(51)], Auth::pass("x")),
            255,
        ),
    );
    // Truncated: packet_len_err.
    let short = advert(51, 200, 1, vip(51))[..6].to_vec();
    n.handle_packet(at(6), "eth0", rx(short, 255));
    let s = stats(&n, "VI_1");
    // Only the one with the other address list can have been taken.
    assert!(s.advert_rcvd <= 1, "{s:?}");
    assert_eq!(s.ip_ttl_err, 1, "{s:?}");
    assert_eq!(s.advert_interval_err, 1, "{s:?}");
    assert_eq!(s.addr_list_err, 1, "{s:?}");
    assert_eq!(s.checksum_err, 1, "{s:?}");
    assert_eq!(s.authtype_mismatch + s.invalid_authtype, 1, "{s:?}");
    // The short one names VI_1 (its second byte): VI_1's, not VI_2's.
    assert_eq!(s.packet_len_err, 1, "{s:?}");
    assert_eq!(stats(&n, "VI_2"), Stats::default());
    // A packet too short to name a VRID reaches no instance.
    n.handle_packet(at(7), "eth0", rx(vec![0x21], 255));
    assert_eq!(stats(&n, "VI_1").packet_len_err, 1);
    assert_eq!(stats(&n, "VI_2"), Stats::default());
    for s in n.status(at(8)) {
        assert_eq!(s.state, "BACKUP", "{}", s.name);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    /// Any bytes, from any source, with any TTL and protocol, on either
    /// interface: no panic, no transition, and never more received adverts
    /// than packets.
    #[test]
    fn no_input_panics_or_moves_the_machine(
        packets in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..80), any::<u8>(), any::<u8>(), any::<bool>(), any::<[u8; 4]>()),
            1..40,
        )
    ) {
        let mut n = node();
        let count = packets.len() as u64;
        for (i, (mut payload, ttl, proto, other_if, src)) in packets.into_iter().enumerate() {
            // Half of them look like VRRPv2 for VI_1 so that they pass the
            // first checks and reach the later ones.
            if i % 2 == 0 && payload.len() >= 2 {
                payload[0] = 0x21;
                payload[1] = 51;
            }
            let p = Received {
                src: IpAddr::from(src),
                dst: GROUP.into(),
                ttl,
                protocol: proto,
                payload,
            };
            n.handle_packet(Time::ZERO + secs(0.001 * i as f64), if other_if { "eth1" } else { "eth0" }, p);
        }
        for s in n.status(Time::ZERO + secs(0.5)) {
            prop_assert_eq!(s.state.as_str(), "BACKUP");
            // INIT to BACKUP at start, and nothing since.
            prop_assert_eq!(s.transitions, 1);
            prop_assert!(s.stats.advert_rcvd <= count);
            prop_assert_eq!(s.stats.become_master, 0);
        }
    }
}
