//! `net_namespace_ipvs` on a kernel with IPVS (the VM,
//! integration/vm/scenarios/net_namespace_ipvs.sh): kad programs IPVS in
//! the named namespace and nothing in its own, while its health checks run
//! in its own (the real server answers only there); without a name, IPVS
//! goes to the initial namespace while kad runs in `net_namespace`'s.

use kad_integration::vm::{self, block};
use std::time::Duration;

#[test]
fn net_namespace_ipvs_programs_ipvs_where_it_says_and_checks_where_kad_runs() {
    kad_integration::netns::require_root();
    let run = vm::run("net_namespace_ipvs", Duration::from_secs(600));
    let o = &run.output;
    let up = block(o, "up");
    assert!(up.first().is_some_and(|l| l.starts_with("after ")), "{o}");
    assert!(
        block(o, "root").is_empty(),
        "nothing in kad's own namespace: {o}"
    );
    assert_eq!(
        block(o, "lvs"),
        ["TCP 10.9.0.100:80 rr", "-> 10.9.0.1:8080 Masq 1 0 0"],
        "{o}"
    );
    // The check runs in kad's namespace: the server's end is seen there.
    assert!(
        block(o, "down")
            .first()
            .is_some_and(|l| l.starts_with("after ")),
        "{o}"
    );
    assert!(
        block(o, "lvs after stop").is_empty(),
        "released on stop: {o}"
    );
    // No name: the initial namespace, kad itself in `vrrp`.
    assert_eq!(
        block(o, "default root"),
        ["TCP 10.9.0.101:80 rr", "-> 10.9.0.3:80 Masq 1 0 0"],
        "{o}"
    );
    assert!(block(o, "default vrrp").is_empty(), "{o}");
    assert!(block(o, "default root after stop").is_empty(), "{o}");
}
