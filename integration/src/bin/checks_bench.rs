//! Scale of the health checks: N real servers (default 10,000) with
//! TCP_CHECK every second against listeners on loopback addresses
//! (127.1.x.y:8080, served by this process). Reports kad's CPU (cores),
//! resident memory, probes per second and the lateness of checks against
//! their schedule (from `kactl status --json`).
//!
//! keepalived's checker cannot run on this host (it refuses to start
//! without IPVS), so `checks-bench vm N SECONDS` runs both, one after the
//! other on the same configuration, inside the VM (qemu TCG: absolute
//! figures are the emulator's, the ratio is the comparison); there this
//! binary serves the listeners (`checks-bench serve N`).
//!
//! Usage: checks-bench [N] [SECONDS] | vm [N] [SECONDS] | serve N

use std::io::Write;
use std::time::{Duration, Instant};

fn rlimit() {
    let _ = nix::sys::resource::setrlimit(
        nix::sys::resource::Resource::RLIMIT_NOFILE,
        1 << 20,
        1 << 20,
    );
}

fn addr(i: usize) -> String {
    format!("127.1.{}.{}", i / 250, i % 250 + 1)
}

fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are 12 and 13 after the ')'.
    f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn status(sock: &std::path::Path) -> Option<kactl::Status> {
    match kactl::client::request(sock, &kactl::Request::Status).ok()? {
        kactl::Response::Status(s) => Some(s),
        _ => None,
    }
}

/// Listeners on 127.1.x.y:8080 that accept and close at once.
fn serve(n: usize) -> tokio::runtime::Runtime {
    rlimit();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for i in 0..n {
            let l = tokio::net::TcpListener::bind(format!("{}:8080", addr(i)))
                .await
                .expect("bind a loopback listener");
            tokio::spawn(async move {
                while let Ok((s, _)) = l.accept().await {
                    drop(s);
                }
            });
        }
    });
    rt
}

/// The configuration: N real servers with TCP_CHECK every second, 100 per
/// virtual server.
fn write_config(conf: &std::path::Path, n: usize) {
    let mut f = std::fs::File::create(conf).expect("config");
    let per_vs = 100;
    for v in 0..n.div_ceil(per_vs) {
        let _ = writeln!(
            f,
            "virtual_server 10.{}.{}.1 80 {{\n protocol TCP\n lb_algo rr\n lb_kind DR\n delay_loop 1",
            v / 250,
            v % 250
        );
        for i in v * per_vs..((v + 1) * per_vs).min(n) {
            let _ = writeln!(
                f,
                " real_server {} 8080 {{ TCP_CHECK {{ connect_timeout 1 warmup 1 }} }}",
                addr(i)
            );
        }
        let _ = writeln!(f, "}}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("serve") => {
            let n = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
            let _rt = serve(n);
            println!("serving {n}");
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Some("vm") => return in_vm(&args[2..]),
        _ => {}
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);
    let _rt = serve(n);
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("checks.conf");
    write_config(&conf, n);
    let sock = dir.path().join("kad.sock");
    let kad = kad_integration::bin("kad");
    let mut child = std::process::Command::new(&kad)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("--socket")
        .arg(&sock)
        .arg("-p")
        .arg(dir.path().join("kad.pid"))
        .env("KAD_LOG", "warn")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start kad");
    let pid = child.id();
    let t0 = Instant::now();
    while status(&sock).is_none() && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Settle (warmup spreads the first checks over a second), then measure.
    std::thread::sleep(Duration::from_secs(5));
    let s0 = status(&sock).expect("status");
    let (c0, w0) = (cpu_ticks(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(secs));
    let (c1, w1) = (cpu_ticks(pid), Instant::now());
    let s1 = status(&sock).expect("status");
    let rss = rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    let hz = 100.0; // USER_HZ
    let wall = (w1 - w0).as_secs_f64();
    let cores = (c1 - c0) as f64 / hz / wall;
    let rate = (s1.checks.probes - s0.checks.probes) as f64 / wall;
    let alive: usize = s1
        .checks
        .services
        .iter()
        .flat_map(|v| &v.real_servers)
        .filter(|r| r.alive)
        .count();
    println!("checks-bench: {n} real servers, TCP_CHECK every 1 s, {secs} s measured");
    println!("  probes/s        {rate:.0}");
    println!("  kad CPU         {cores:.2} cores");
    println!("  kad RSS         {:.1} MiB", rss as f64 / 1024.0);
    println!(
        "  lateness        p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (since start)",
        s1.checks.late_p50_ms, s1.checks.late_p99_ms, s1.checks.late_max_ms
    );
    println!("  alive           {alive}/{n}");
    println!(
        "  aim (< 1 core, p99 < 50 ms): {}",
        if cores < 1.0 && s1.checks.late_p99_ms < 50.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// kad and keepalived's checker process on the same configuration in the
/// VM, one after the other.
fn in_vm(args: &[String]) {
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let secs: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(&dir.path().join("checks.conf"), n);
    std::fs::copy(
        std::env::current_exe().expect("exe"),
        dir.path().join("checks-bench"),
    )
    .expect("copy the listener");
    std::fs::write(dir.path().join("params"), format!("{n} {secs}\n")).expect("params");
    std::env::set_var("KAD_VM_EXTRA", dir.path());
    std::env::set_var("KAD_VM_KEEPALIVED", "1");
    let run = kad_integration::vm::run("bench_checks", Duration::from_secs(3000));
    let o = &run.output;
    let field = |key: &str| -> Vec<f64> {
        o.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|r| {
                r.split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect()
            })
            .unwrap_or_default()
    };
    let show = |who: &str, key: &str| -> Option<f64> {
        let v = field(key);
        let (ticks, wall, rss, alive) = (v.first()?, v.get(1)?, v.get(2)?, v.get(3)?);
        let checks = v.get(4).copied().unwrap_or(0.0) / wall;
        let cores = ticks / 100.0 / wall;
        println!(
            "  {who:<10} {checks:.0} checks/s, CPU {cores:.2} cores ({:.0} µs per check), RSS {:.1} MiB, {alive} of {n} real servers in ipvsadm",
            cores * 1e6 / checks.max(1.0),
            rss / 1024.0
        );
        Some(cores * 1e6 / checks.max(1.0))
    };
    println!("checks-bench in the VM (qemu TCG): {n} real servers, TCP_CHECK every 1 s, {secs} s measured");
    let k = show("kad", "KAD-CPU");
    let ka = show("keepalived", "KA-CPU");
    if let Some(l) = o.lines().find(|l| l.contains("Checks:")) {
        println!("  kad {}", l.trim());
    }
    match (k, ka) {
        (Some(k), Some(ka)) if k > 0.0 => {
            println!("  keepalived / kad CPU per check: {:.2}x", ka / k)
        }
        _ => println!("  (incomplete run)\n{o}"),
    }
}
