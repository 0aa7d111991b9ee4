//! keepalived's -I, -P and -C where IPVS exists (the qemu VM): -I leaves
//! the IPVS services after a stop, -P programs none and holds the VIP, -C
//! programs them and runs no VRRP.

use kad_integration::vm::{self, block};
use std::time::Duration;

#[test]
fn dont_release_ipvs_vrrp_only_and_check_only_with_ipvs() {
    kad_integration::netns::require_root();
    let run = vm::run("daemon_flags", Duration::from_secs(600));
    let o = &run.output;
    let svc = |b: &str| {
        block(o, b)
            .iter()
            .any(|l| l.starts_with("TCP 10.9.0.100:80"))
    };
    let vip = |b: &str| block(o, b).iter().any(|l| l == "vips: 1");
    assert!(svc("run default") && vip("run default"), "{o}");
    assert!(!svc("stop default"), "services are removed on stop: {o}");
    assert!(svc("run -I") && svc("stop -I"), "-I keeps them: {o}");
    assert!(!svc("run -P") && vip("run -P"), "-P: VRRP only: {o}");
    assert!(svc("run -C") && !vip("run -C"), "-C: no VRRP: {o}");
}
