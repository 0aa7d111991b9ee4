//! Issue 13, point 5: what flows lose when a director fails hard and at a
//! planned stop, an ECMP group of kads (BGP + BFD to a BIRD router) beside a
//! keepalived 2.2.7 VRRP pair, in the same VM run (scenario
//! `integration/vm/scenarios/bench_ecmp.sh`). Per run: 100 flows echoing
//! every 200 ms; the figure is the longest gap of any flow across the event
//! (the time from the event to the last flow resuming) and how many flows
//! survived.
//!
//! Usage: ecmp-bench [RUNS, default 5]; needs root (qemu).

use std::collections::BTreeMap;
use std::time::Duration;

/// One run's result: (survived, max gap in ms).
fn parse(o: &str) -> BTreeMap<String, Vec<(u32, u64)>> {
    let mut m: BTreeMap<String, Vec<(u32, u64)>> = BTreeMap::new();
    for l in o.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        // result NAME RUN summary flows N survived S max_gap_ms G p50_gap_ms P
        if w.len() >= 10 && w[0] == "result" && w[3] == "summary" {
            let (Ok(s), Ok(g)) = (w[7].parse(), w[9].parse()) else {
                continue;
            };
            m.entry(w[1].to_string()).or_default().push((s, g));
        }
    }
    m
}

fn median(v: &mut [u64]) -> u64 {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn main() {
    let runs: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("runs"), format!("{runs}\n")).expect("runs");
    std::env::set_var("KAD_VM_EXTRA", dir.path());
    std::env::set_var("KAD_VM_KEEPALIVED", "1");
    let run = kad_integration::vm::run("bench_ecmp", Duration::from_secs(3600));
    let results = parse(&run.output);
    if results.is_empty() {
        eprintln!("no results:\n{}", run.output);
        std::process::exit(1);
    }
    println!("{runs} runs per case, 100 flows each, an echo every 200 ms\n");
    println!("| case | runs | flows survived (worst run) | longest gap, median of runs | longest gap, worst run |");
    println!("|---|---:|---:|---:|---:|");
    let mut med = BTreeMap::new();
    for (name, rs) in &results {
        let worst = rs.iter().map(|r| r.0).min().unwrap_or(0);
        let mut gaps: Vec<u64> = rs.iter().map(|r| r.1).collect();
        let max = gaps.iter().copied().max().unwrap_or(0);
        let m = median(&mut gaps);
        med.insert(name.clone(), m);
        println!(
            "| {name} | {} | {worst} / 100 | {m} ms | {max} ms |",
            rs.len()
        );
    }
    for (kad, ka) in [("kad-kill", "ka-kill"), ("kad-stop", "ka-stop")] {
        if let (Some(a), Some(b)) = (med.get(kad), med.get(ka)) {
            println!(
                "\n{kad} / {ka}: {:.2} (median longest gap {a} ms against {b} ms)",
                *a as f64 / (*b).max(1) as f64
            );
        }
    }
}
