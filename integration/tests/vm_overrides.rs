//! kad's operator overrides on a kernel with IPVS (the VM): `kactl drain`
//! puts the real server at weight 0 in `ipvsadm -Ln` (the client is served
//! by the other), `disable` takes one out, `enable` restores it; a drain
//! survives a reload and a restart; `/metrics` has the kernel's counters.

use kad_integration::vm::{self, block};
use std::time::Duration;

fn weight(lines: &[String], rs: &str) -> Option<String> {
    lines
        .iter()
        .find(|l| l.contains(rs))
        .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
}

fn answers(o: &str, phase: &str) -> Vec<String> {
    let mut v = block(o, phase);
    v.sort();
    v.dedup();
    v
}

#[test]
fn drain_disable_enable_reach_the_kernel_s_table() {
    kad_integration::netns::require_root();
    let run = vm::run("overrides", Duration::from_secs(900));
    let o = &run.output;
    let t = block(o, "before");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("1"), "{o}");
    assert_eq!(answers(o, "before-requests"), ["r1", "r2"], "{o}");
    let t = block(o, "drained");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("0"), "{o}");
    assert_eq!(weight(&t, "10.0.0.12:80").as_deref(), Some("1"), "{o}");
    assert_eq!(answers(o, "drained-requests"), ["r2"], "{o}");
    let t = block(o, "disabled");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("0"), "{o}");
    assert_eq!(weight(&t, "10.0.0.12:80"), None, "{o}");
    let st = block(o, "status").join("\n");
    assert!(st.contains("drained by the operator"), "{o}");
    assert!(st.contains("disabled by the operator"), "{o}");
    let t = block(o, "reloaded");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("0"), "{o}");
    assert_eq!(weight(&t, "10.0.0.12:80").as_deref(), Some("1"), "{o}");
    let t = block(o, "restarted");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("0"), "{o}");
    let t = block(o, "enabled");
    assert_eq!(weight(&t, "10.0.0.11:80").as_deref(), Some("1"), "{o}");
    assert_eq!(answers(o, "enabled-requests"), ["r1", "r2"], "{o}");
    let m = block(o, "metrics").join("\n");
    assert!(
        m.contains("kad_ipvs_weight{service=\"TCP 10.0.0.50:80\",real_server=\"10.0.0.11:80\"} 1"),
        "{o}"
    );
    assert!(m.contains("kad_ipvs_connections_total{"), "{o}");
    assert!(m.contains("direction=\"in\""), "{o}");
    // Requests went through: the counters are not all zero.
    assert!(
        m.lines()
            .filter(|l| l.starts_with("kad_ipvs_connections_total"))
            .any(|l| !l.ends_with(" 0")),
        "{o}"
    );
}
