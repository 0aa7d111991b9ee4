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
