//! Issue 13, point 4: active-active directors behind a BIRD router's ECMP,
//! announced over BGP with BFD, in the VM (Debian's kernel and BIRD 2).

use kad_integration::vm::{self, block};
use std::time::Duration;

#[test]
fn every_flow_goes_on_when_a_director_is_killed_hard() {
    kad_integration::netns::require_root();
    let run = vm::run("ecmp_failover", Duration::from_secs(900));
    let o = &run.output;
    // Three equal next hops for the VIP at the router.
    assert_eq!(
        block(o, "hops"),
        ["10.0.1.11", "10.0.1.12", "10.0.1.13"],
        "{o}"
    );
    // The flows spread over every director (each one's IPVS table).
    let spread = block(o, "spread");
    assert_eq!(spread.len(), 3, "{o}");
    for l in &spread {
        let n: u32 = l
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(n > 0, "a director has no flow: {spread:?}\n{o}");
    }
    // d1 gone: two next hops, and every flow went on.
    assert_eq!(block(o, "hops-after"), ["10.0.1.12", "10.0.1.13"], "{o}");
    let flows = block(o, "flows");
    assert!(
        flows.len() == 1 && flows[0].starts_with("summary flows 100 survived 100 "),
        "{flows:?}\n{o}"
    );
    println!("{}", flows[0]);
}

/// Packets per director over a window: "dN COUNT" lines.
fn shares(lines: &[String]) -> Vec<(String, u64)> {
    lines
        .iter()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_joining_director_takes_a_share_without_a_reset_and_a_lost_real_server_breaks_only_its_flows() {
    kad_integration::netns::require_root();
    let run = vm::run("ecmp_join", Duration::from_secs(900));
    let o = &run.output;
    let before = shares(&block(o, "share-3"));
    assert_eq!(before.len(), 3, "{o}");
    assert!(before.iter().all(|(_, n)| *n > 0), "{before:?}\n{o}");
    assert_eq!(
        block(o, "hops-4"),
        ["10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14"],
        "{o}"
    );
    let after = shares(&block(o, "share-4"));
    assert_eq!(after.len(), 4, "{o}");
    let total: u64 = after.iter().map(|(_, n)| n).sum();
    let d4 = after.iter().find(|(d, _)| d == "d4").map_or(0, |(_, n)| *n);
    let share = d4 as f64 / total.max(1) as f64;
    println!(
        "before {before:?}; after {after:?}: d4 carries {:.0} %",
        share * 100.0
    );
    // About a quarter (the router hashes 100 flows: not exactly).
    assert!((0.10..=0.45).contains(&share), "d4's share {share}\n{o}");
    // Only the flows that were on r4 broke (those on the others went on,
    // across the join too).
    let on_r4: Vec<u16> = block(o, "on-r4")
        .iter()
        .filter_map(|p| u16::from_str_radix(p, 16).ok())
        .collect();
    assert!(!on_r4.is_empty(), "no flow on r4\n{o}");
    let flows = block(o, "flows");
    let summary = flows.last().cloned().unwrap_or_default();
    let broken: Vec<u16> = flows
        .iter()
        .filter(|l| l.starts_with("flow "))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    for p in &broken {
        assert!(on_r4.contains(p), "flow {p} broke but was not on r4\n{o}");
    }
    let survived = 100 - broken.len();
    assert!(
        summary.starts_with(&format!("summary flows 100 survived {survived} ")),
        "{summary}\n{o}"
    );
    assert!(survived >= 100 - on_r4.len(), "{o}");
    println!(
        "{} flows on r4, {} broke; {summary}",
        on_r4.len(),
        broken.len()
    );
    // r4 went out of every director's table while the flows ran.
    assert_eq!(block(o, "r4-out"), ["3", "3", "3", "3"], "{o}");
}

#[test]
fn a_director_that_loses_quorum_withdraws_and_its_flows_move_without_reset() {
    kad_integration::netns::require_root();
    let run = vm::run("ecmp_quorum", Duration::from_secs(900));
    let o = &run.output;
    assert!(
        block(o, "status-before").join(" ").contains("announced"),
        "{o}"
    );
    // d2 carried flows of its own before.
    let d2: u32 = block(o, "d2-before")
        .first()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(d2 > 0, "{o}");
    // d2 withdrew: the router keeps the other two.
    assert_eq!(block(o, "hops-after"), ["10.0.1.11", "10.0.1.13"], "{o}");
    let status = block(o, "status-after").join("\n");
    assert!(
        status.contains("withdrawn") && status.contains("no quorum"),
        "{status}\n{o}"
    );
    // Every flow went on, d2's included.
    let flows = block(o, "flows");
    assert!(
        flows.len() == 1 && flows[0].starts_with("summary flows 100 survived 100 "),
        "{flows:?}\n{o}"
    );
    println!("d2 had {d2} flows; {}", flows[0]);
}
