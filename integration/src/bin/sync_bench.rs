//! Bulk replay at scale, in the VM (qemu TCG, Debian's kernel): N idle
//! connections are put into a director's IPVS table (namespace m) through
//! its kernel's backup sync daemon, then kad in m replays the table with
//! `kactl sync-bulk` to a second kernel backup (namespace b). Reports the
//! replay's time and how many connections b installed, and how long it took
//! — against what the kernel's own sync gives b for idle connections: none.
//!
//! Usage: sync-bench [N:RATE ...]       (default 10000:2000 100000:2000 100000:500)
//!        sync-bench inject N IF SYNCID (inside the VM)

use kad_sync::send::{Sender, Target};
use kad_sync::wire::{self, flags, Conn};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("inject") => inject(&args[1..]),
        _ => in_vm(&args),
    }
}

/// N established DR connections of 10.0.0.50:80 → 10.0.0.11:80 from
/// distinct clients, multicast as a kernel master would.
fn inject(a: &[String]) {
    let n: usize = a.first().and_then(|x| x.parse().ok()).unwrap_or(1000);
    let ifname = a.get(1).cloned().unwrap_or_else(|| "br0".into());
    let syncid: u8 = a.get(2).and_then(|x| x.parse().ok()).unwrap_or(0);
    let conns: Vec<Conn> = (0..n)
        .map(|i| Conn {
            protocol: 6,
            flags: flags::DROUTE | flags::NOOUTPUT,
            state: 1,
            caddr: IpAddr::V4(Ipv4Addr::from(0xac10_0000u32 + (i / 50_000) as u32)),
            cport: 10_000 + (i % 50_000) as u16,
            vaddr: "10.0.0.50".parse().expect("literal"),
            vport: 80,
            daddr: "10.0.0.11".parse().expect("literal"),
            dport: 80,
            fwmark: 0,
            timeout: 900,
            seq: None,
            pe: None,
        })
        .collect();
    let started = Instant::now();
    let d = wire::encode_all(syncid, wire::DEFAULT_MAXLEN, &conns).expect("encodable");
    let s = Sender::open(&Target {
        ifname,
        group: wire::DEFAULT_GROUP.into(),
        port: wire::DEFAULT_PORT,
        ttl: 1,
    })
    .expect("sync socket");
    // Slow enough for an emulated kernel: the injection is not measured.
    s.send_paced(&d, Duration::from_millis(2)).expect("send");
    println!(
        "injected {n} connections in {} datagrams in {} ms",
        d.len(),
        started.elapsed().as_millis()
    );
}

fn in_vm(args: &[String]) {
    // "N:RATE": N connections, kad sending RATE datagrams a second.
    let runs: Vec<(usize, u32)> = if args.is_empty() {
        vec![(10_000, 2_000), (100_000, 2_000), (100_000, 500)]
    } else {
        args.iter()
            .filter_map(|a| {
                let (n, r) = a.split_once(':').unwrap_or((a, "2000"));
                Some((n.parse().ok()?, r.parse().ok()?))
            })
            .collect()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        std::env::current_exe().expect("exe"),
        dir.path().join("sync-bench"),
    )
    .expect("copy the injector");
    let lines: Vec<String> = runs.iter().map(|(n, r)| format!("{n} {r}\n")).collect();
    std::fs::write(dir.path().join("params"), lines.concat()).expect("params");
    std::env::set_var("KAD_VM_EXTRA", dir.path());
    let run = kad_integration::vm::run("bench_sync", Duration::from_secs(3000));
    println!("sync-bench in the VM (qemu TCG): idle connections replayed to a kernel backup");
    let mut complete = 0;
    for (n, rate) in &runs {
        let key = format!("RESULT {n} {rate} ");
        let found = run.output.lines().find_map(|l| l.strip_prefix(&key));
        let v: Vec<f64> = found
            .map(|r| {
                r.split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if let [in_table, before, sent, datagrams, ms, installed, secs, send_ms] = v[..] {
            println!(
                "  {n:>7} connections, {rate} datagrams/s: master's table {in_table}, the kernel's own sync gave the backup {before}; \
                 kad replayed {sent} in {datagrams} datagrams in {ms} ms ({send_ms} ms sending); the backup installed {installed} ({:.1} % of the table) within {secs:.1} s",
                100.0 * installed / in_table.max(1.0)
            );
            complete += 1;
        } else {
            println!("  {n} at {rate}: no result");
        }
    }
    if complete != runs.len() {
        println!("{}", run.output);
    }
}
