//! Health checks on a kernel with IPVS (the VM): a DR service with two
//! real servers checked by TCP_CHECK, then HTTP_GET. Stopping one server's
//! daemon takes it out of `ipvsadm -Ln` within `connect_timeout`, plus
//! `retry` × `delay_before_retry`, plus `delay_loop`; restarting it brings
//! it back; inhibit_on_failure keeps it at weight 0; losing quorum installs
//! the sorry server; the client keeps being served by the live server.

use kad_integration::vm::{self, block};
use std::time::Duration;

fn secs(lines: &[String], key: &str) -> f64 {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
        .unwrap_or(f64::MAX)
}

fn answers(o: &str, phase: &str) -> Vec<String> {
    let mut v = block(o, phase);
    v.sort();
    v.dedup();
    v
}

#[test]
fn checkers_remove_restore_inhibit_and_install_the_sorry_server() {
    kad_integration::netns::require_root();
    let run = vm::run("checks", Duration::from_secs(900));
    let o = &run.output;
    // delay_loop 2, connect_timeout 1, retry 1, delay_before_retry 1:
    // within 4 s, for TCP_CHECK (first phase) and HTTP_GET (the others).
    let bound = 1.0 + 1.0 * 1.0 + 2.0;
    let both = block(o, "both-up");
    assert!(both.iter().any(|l| l.contains("10.0.0.11:80")), "{o}");
    assert!(both.iter().any(|l| l.contains("10.0.0.12:80")), "{o}");
    assert_eq!(answers(o, "both-up-requests"), ["r1", "r2"], "{o}");

    let down = block(o, "r2-stopped");
    let t = secs(&down, "down_secs");
    assert!(
        t <= bound,
        "TCP_CHECK: r2 removed after {t} s (bound {bound}):\n{o}"
    );
    assert!(!down.iter().any(|l| l.contains("10.0.0.12:80")), "{o}");
    assert_eq!(answers(o, "r2-stopped-requests"), ["r1"], "{o}");
    let st = block(o, "status-down").join("\n");
    assert!(st.contains("DOWN") && st.contains("refused"), "{o}");

    // Back within delay_loop (a server just found down is next checked a
    // delay_loop later, then every delay_before_retry).
    let t = secs(&block(o, "r2-restarted"), "up_secs");
    assert!(t <= 2.0 + 1.0, "r2 back after {t} s:\n{o}");
    assert_eq!(answers(o, "r2-restarted-requests"), ["r1", "r2"], "{o}");

    let inh = block(o, "inhibit");
    let t = secs(&inh, "down_secs");
    assert!(t <= bound, "r2 at weight 0 after {t} s:\n{o}");
    assert!(
        inh.iter()
            .any(|l| l.contains("10.0.0.12:80") && l.contains("Route") && l.contains(" 0 ")),
        "{o}"
    );
    assert_eq!(answers(o, "inhibit-requests"), ["r1"], "{o}");
    // HTTP_GET recovers as keepalived's HTTP epilogue does: the first good
    // pass only clears the failure, the next one (a delay_loop later)
    // brings the server up.
    let t = secs(&block(o, "inhibit-restarted"), "up_secs");
    assert!(
        t <= 2.0 * 2.0 + 1.0,
        "r2 back at weight 1 after {t} s:\n{o}"
    );

    let q = block(o, "quorum-lost");
    let t = secs(&q, "sorry_secs");
    assert!(t <= bound, "sorry server after {t} s:\n{o}");
    assert!(q.iter().any(|l| l.contains("10.0.0.13:80")), "{o}");
    assert!(
        !q.iter().any(|l| l.contains("10.0.0.11:80")),
        "the pool is removed:\n{o}"
    );
    assert_eq!(answers(o, "quorum-lost-requests"), ["sorry"], "{o}");

    let back = block(o, "quorum-back");
    let t = secs(&back, "back_secs");
    // The servers come back by HTTP_GET's second good pass (as above).
    assert!(
        t <= 2.0 * 2.0 + 1.0,
        "sorry server removed after {t} s:\n{o}"
    );
    assert!(!back.iter().any(|l| l.contains("10.0.0.13:80")), "{o}");
    assert_eq!(answers(o, "quorum-back-requests"), ["r1", "r2"], "{o}");

    eprintln!(
        "VM timings: {:?}",
        o.lines()
            .filter(|l| l.contains("_secs") || l.contains("Checks:"))
            .collect::<Vec<_>>()
    );
    assert_eq!(block(o, "config-warnings"), ["0"], "{o}");
    // Each health change touched exactly the affected destination: the log
    // lines after the first DOWN, up to the next RS event.
    let log = block(o, "log");
    let first_down = log.iter().position(|l| l.contains("DOWN")).expect("a DOWN");
    let ops: Vec<&String> = log[first_down + 1..]
        .iter()
        .take_while(|l| !l.contains(" RS "))
        .filter(|l| l.contains("IPVS: TCP"))
        .collect();
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(
        ops[0].ends_with("TCP 10.0.0.50:80: removing 10.0.0.12:80"),
        "{ops:?}"
    );
    let fifo = block(o, "fifo").join("\n");
    assert!(
        fifo.contains("RS [10.0.0.12]:tcp:80 [10.0.0.50]:tcp:80 DOWN"),
        "{o}"
    );
    assert!(
        fifo.contains("RS [10.0.0.12]:tcp:80 [10.0.0.50]:tcp:80 UP"),
        "{o}"
    );
    // Quorum lost, then regained (a start-up "UP" line may come first).
    let down = fifo.find("VS [10.0.0.50]:tcp:80 DOWN");
    assert!(down.is_some(), "{o}");
    let after = &fifo[down.unwrap_or(0)..];
    assert!(after.contains("VS [10.0.0.50]:tcp:80 UP"), "{o}");
}
