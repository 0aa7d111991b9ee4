//! Reload speed end to end, for a 10,000-service configuration in which
//! one real server's weight changes: SIGHUP to the point where the IPVS
//! operations are handed to the IPVS writer, parse included.
//!
//! - `reload-bench [SERVICES] [RUNS]` (default 10000, 7): natively, on a
//!   host without IPVS. Starts kad with the generated configuration, then
//!   RUNS times: rewrites the file with the one weight changed (4 ↔ 9),
//!   sends SIGHUP, and reads kad's log line "reload: IPVS tables of N
//!   services ... in X ms since the reload began". Prints each run, the
//!   median and the max, both as kad measured it and from the SIGHUP sent
//!   to the line read.
//! - `reload-bench --vm [SERVICES] [RUNS]`: in the VM (Debian's kernel with
//!   IPVS, qemu TCG), kad and then keepalived 2.2.7 on the same
//!   configuration and change (`integration/vm/scenarios/bench_reload.sh`):
//!   SIGHUP to the changed weight in the kernel (a tight `ipvsadm` poll of
//!   the one service), and the ratio kad/keepalived.
//!
//! Run by hand, as root, with `cargo run --release -p kad-integration --bin
//! reload-bench [-- --vm]`; not a timed test. Figures: docs/performance.md.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The configuration: SERVICES NAT services × 4 real servers, no checkers
/// (every server up); `changed`: the one real server the reload changes.
fn config(n: usize, changed: bool) -> String {
    // The audit is kad's own and keepalived has none: off, so that both
    // measure the reload alone (keepalived reports the keyword unknown).
    "global_defs {\n lvs_audit_interval 0\n}\n".to_string()
        + &kad_integration::bench_config::services(n, changed, false)
}

fn median_max(v: &[f64]) -> (f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let m = if s.is_empty() {
        f64::NAN
    } else if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    };
    (m, s.last().copied().unwrap_or(f64::NAN))
}

fn native(n: usize, runs: usize) {
    assert!(
        !std::path::Path::new("/proc/net/ip_vs").exists(),
        "this host has IPVS: the native bench is for a host without it (use --vm)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("bench.conf");
    std::fs::write(&conf, config(n, false)).expect("write bench.conf");
    let mut kad = Command::new(kad_integration::bin("kad"))
        .args(["-n", "-l", "-f"])
        .arg(&conf)
        .arg("-p")
        .arg(dir.path().join("kad.pid"))
        .arg("--socket")
        .arg(dir.path().join("kad.sock"))
        .arg("--state-file")
        .arg(dir.path().join("state.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kad");
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    let err = kad.stderr.take().expect("stderr");
    let parts = std::env::var_os("KAD_LOG")
        .map(|_| std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new())));
    let p2 = parts.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(p) = &p2 {
                if l.contains("reload: ") && l.contains("DEBUG") {
                    if let Ok(mut p) = p.lock() {
                        p.push(l.clone());
                    }
                }
            }
            if tx.send((Instant::now(), l)).is_err() {
                return;
            }
        }
    });
    let wait_for = |what: &str, limit: Duration| -> Option<(Instant, String)> {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok((t, l)) if l.contains(what) => return Some((t, l)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    };
    // Started: the checks run once the control socket is up.
    let sock = dir.path().join("kad.sock");
    let started = Instant::now();
    while !sock.exists() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(sock.exists(), "kad did not start");
    println!(
        "kad started with {n} services × 4 in {:?}",
        started.elapsed()
    );
    std::thread::sleep(Duration::from_secs(1));
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    for run in 0..runs {
        std::fs::write(&conf, config(n, run % 2 == 0)).expect("rewrite bench.conf");
        // Drain what kad said before this run.
        while rx.try_recv().is_ok() {}
        let sent = Instant::now();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(kad.id() as i32),
            nix::sys::signal::Signal::SIGHUP,
        )
        .expect("SIGHUP");
        let (seen, line) = wait_for("reload: IPVS tables of", Duration::from_secs(60))
            .expect("no reload line from kad within 60 s");
        let ms: f64 = line
            .rsplit(" in ")
            .next()
            .and_then(|t| t.split(" ms").next())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(f64::NAN);
        let out = (seen - sent).as_secs_f64() * 1000.0;
        // The reload's own summary, which says one server changed.
        let done = wait_for("reload: 1 change", Duration::from_secs(60));
        assert!(done.is_some(), "the reload did not report one change");
        println!(
            "run {}: kad {ms:.1} ms, SIGHUP to line {out:.1} ms",
            run + 1
        );
        // With KAD_LOG=debug: where the time went.
        if let Some(p) = &parts {
            for l in p
                .lock()
                .map(|mut p| std::mem::take(&mut *p))
                .unwrap_or_default()
            {
                println!("    {l}");
            }
        }
        inside.push(ms);
        outside.push(out);
        std::thread::sleep(Duration::from_millis(300));
    }
    let (m, x) = median_max(&inside);
    let (mo, xo) = median_max(&outside);
    println!("{n} services × 4, one weight changed, {runs} reloads, natively (no IPVS):");
    println!("  kad's reload until the IPVS writer: median {m:.1} ms, max {x:.1} ms");
    println!("  SIGHUP sent to kad's line read:     median {mo:.1} ms, max {xo:.1} ms");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(kad.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = kad.wait();
}

fn vm(n: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("bench.conf"), config(n, false)).expect("write bench.conf");
    std::fs::write(dir.path().join("bench2.conf"), config(n, true)).expect("write bench2.conf");
    std::fs::write(dir.path().join("runs"), format!("{runs}\n")).expect("write runs");
    std::env::set_var("KAD_VM_EXTRA", dir.path());
    std::env::set_var("KAD_VM_KEEPALIVED", "1");
    let run = kad_integration::vm::run("bench_reload", Duration::from_secs(5400));
    let times = |tag: &str| -> Vec<f64> {
        run.output
            .lines()
            .filter_map(|l| l.strip_prefix(tag))
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect()
    };
    for l in run.output.lines().filter(|l| {
        l.starts_with("KAD-") || l.starts_with("KEEPALIVED-") || l.contains("reload: IPVS")
    }) {
        println!("{l}");
    }
    let kad = times("KAD-RELOAD ");
    let ka = times("KEEPALIVED-RELOAD ");
    let (km, kx) = median_max(&kad);
    let (am, ax) = median_max(&ka);
    println!("{n} services × 4, one weight changed, in the VM (qemu TCG, one CPU):");
    println!("  SIGHUP to the weight in the kernel (polled, 10 ms clock):");
    println!("  kad        {kad:?} ms: median {km:.0}, max {kx:.0}");
    println!("  keepalived {ka:?} ms: median {am:.0}, max {ax:.0}");
    println!("  ratio kad/keepalived (medians): {:.3}", km / am);
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let in_vm = args.first().is_some_and(|a| a == "--vm");
    if in_vm {
        args.remove(0);
    }
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    if in_vm {
        vm(n, runs);
    } else {
        native(n, runs);
    }
}
