//! kad's IPVS audit on a kernel with IPVS (the VM), with kad's own
//! `lvs_audit_interval 1` (integration/vm/scenarios/audit.sh): what is
//! changed with ipvsadm in what kad owns is repaired within the audit
//! period and logged; a service added with ipvsadm is left alone.

use kad_integration::vm::{self, block};
use std::time::Duration;

/// The milliseconds a `wait_for` block reports, or a failure.
fn waited(o: &str, name: &str) -> u64 {
    let b = block(o, name);
    let ms = b
        .first()
        .and_then(|l| l.strip_prefix("after "))
        .and_then(|l| l.strip_suffix(" ms"))
        .and_then(|n| n.parse().ok());
    ms.unwrap_or_else(|| panic!("{name}: {b:?}\n{o}"))
}

#[test]
fn the_audit_repairs_what_kad_owns_and_leaves_the_rest() {
    kad_integration::netns::require_root();
    let run = vm::run("audit", Duration::from_secs(900));
    let o = &run.output;
    assert!(run.passed, "{o}");
    let before = block(o, "before");
    assert_eq!(
        before,
        [
            "TCP 10.0.0.50:80 rr",
            "-> 10.0.0.11:80 Masq 1 0 0",
            "-> 10.0.0.12:80 Masq 2 0 0"
        ],
        "{o}"
    );
    // Back within the audit period (1 s) plus the audit itself and the
    // poll, with a margin for the emulated VM on a host whose CPUs are
    // shared (a build beside it stretched one period to 2.7 s); an audit
    // that did not run would leave "never" (20 s).
    for name in ["deleted-back", "weight-back", "added-gone"] {
        let ms = waited(o, name);
        eprintln!("{name}: {ms} ms");
        assert!(ms <= 5000, "{name}: {ms} ms\n{o}");
    }
    // The foreign service: untouched through four audits.
    let fb = block(o, "foreign-before");
    let fa = block(o, "foreign-after");
    assert!(fb.iter().any(|l| l == "TCP 10.0.0.60:80 wlc"), "{o}");
    assert!(fb.iter().any(|l| l == "-> 10.0.0.13:80 Masq 3 0 0"), "{o}");
    assert!(fb.iter().any(|l| l == "-> 10.0.0.14:80 Route 0 0 0"), "{o}");
    assert_eq!(fa, fb, "{o}");
    // kad's part is as configured, after all that.
    let after: Vec<_> = block(o, "after")
        .into_iter()
        .filter(|l| {
            !l.contains("10.0.0.60") && !l.contains("10.0.0.13") && !l.contains("10.0.0.14")
        })
        .collect();
    assert_eq!(after, before, "{o}");
    // One log line per repair (which also shows each drift happened: the
    // audit may repair it before a look at the table would see it).
    let log = block(o, "log").join("\n");
    for line in [
        "IPVS audit: destination 10.0.0.12:80 of TCP 10.0.0.50:80 was missing, re-added",
        "IPVS audit: destination 10.0.0.11:80 of TCP 10.0.0.50:80 was changed (weight 5 → 1), restored",
        "IPVS audit: destination 10.0.0.19:80 of TCP 10.0.0.50:80 was added outside kad to a service kad owns, removed",
    ] {
        assert!(log.contains(line), "{line}\n{o}");
    }
    assert!(!log.contains("10.0.0.60"), "{o}");
    // On stop kad removes its own service and only that.
    let stopped = block(o, "stopped");
    assert!(!stopped.iter().any(|l| l.contains("10.0.0.50")), "{o}");
    assert!(stopped.iter().any(|l| l == "TCP 10.0.0.60:80 wlc"), "{o}");
}
