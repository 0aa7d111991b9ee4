//! Programming a large table inside the VM: kad (from a configuration)
//! against `ipvsadm -R` (the same table) in the same boot, and a reload
//! that changes one destination. Prints the times and the ratio.
//! Usage: ipvs-bench [SERVICES] (default 10000); needs root and qemu.

use std::fmt::Write;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut conf, mut rules) = (String::new(), String::new());
    for i in 0..n {
        let vip = format!("10.{}.{}.{}", 100 + i / 65536, (i / 256) % 256, i % 256);
        let _ = writeln!(
            conf,
            "virtual_server {vip} 80 {{\n protocol TCP\n lb_algo wlc\n lb_kind NAT"
        );
        let _ = writeln!(rules, "-A -t {vip}:80 -s wlc");
        for r in 1..=4 {
            let rip = format!("172.16.{}.{}", i % 250, r);
            let _ = writeln!(conf, " real_server {rip} 8080 {{ weight {r} }}");
            let _ = writeln!(rules, "-a -t {vip}:80 -r {rip}:8080 -m -w {r}");
        }
        let _ = writeln!(conf, "}}");
    }
    // One destination differs in the reload: the first weight 4 becomes 9
    // (the scenario's sed changes only the first match per line: all of
    // them, so make exactly one line say "weight 4 }").
    let conf =
        conf.replace(" { weight 4 }", " {weight 4}")
            .replacen(" {weight 4}", " { weight 4 }", 1);
    std::fs::write(dir.path().join("bench.conf"), conf).expect("write bench.conf");
    std::fs::write(dir.path().join("bench.rules"), rules).expect("write bench.rules");
    std::env::set_var("KAD_VM_EXTRA", dir.path());
    std::env::set_var("KAD_VM_KEEPALIVED", "1");
    let run = kad_integration::vm::run("bench_ipvs", std::time::Duration::from_secs(3000));
    let line = |tag: &str| {
        run.output
            .lines()
            .find(|l| l.starts_with(tag))
            .unwrap_or("")
            .to_string()
    };
    let kad_ms: f64 = line("KAD-APPLY")
        .rsplit("in ")
        .next()
        .and_then(|t| t.trim_end_matches(" ms").trim().parse().ok())
        .unwrap_or(f64::NAN);
    let restore = line("IPVSADM-RESTORE");
    let mut it = restore
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse::<f64>().ok());
    let (s, e) = (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0));
    let restore_ms = (e - s) * 1000.0;
    println!("{}", line("KAD-APPLY"));
    println!("{}  {}", line("KAD-COUNT"), line("IPVSADM-COUNT"));
    println!("{}", line("KAD-RELOAD"));
    println!("services {n} × 4 destinations, in the VM (qemu TCG):");
    println!("  kad from its configuration: {kad_ms:.0} ms (dump, diff, batched netlink)");
    println!("  ipvsadm -R of the same table: {restore_ms:.0} ms (/proc/uptime resolution 10 ms)");
    println!("  ratio ipvsadm/kad: {:.2}x", restore_ms / kad_ms);
    let ka = line("KEEPALIVED-APPLY");
    let mut it = ka
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse::<f64>().ok());
    if let (Some(s), Some(e), Some(n)) = (it.next(), it.next(), it.next()) {
        let ka_ms = (e - s) * 1000.0;
        println!("  keepalived --check, same configuration: {ka_ms:.0} ms until {n} lines were in the table (polled every 2 s)");
        println!("  ratio keepalived/kad: {:.2}x", ka_ms / kad_ms);
    } else {
        println!("  keepalived: did not run in the VM ({ka:?})");
    }
}
