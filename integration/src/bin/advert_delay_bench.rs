//! How late adverts are while a large configuration is reloaded (#11
//! point 4): a VRRPv3 master at 100 ms adverts, with 10,000 services × 4
//! real servers (one TCP_CHECK each) in the same file, reloaded every 3 s
//! while `kactl status` is asked in a loop; beside it keepalived 2.2.7
//! (VRRP process) on the same file, reloaded the same way. A third
//! namespace captures both masters' adverts with tcpdump; an advert's
//! delay is its gap from the one before less the advert interval.
//!
//! `advert-delay-bench [SERVICES] [RELOADS] [GLOBAL_DEFS LINE...]` (default
//! 10000, 10; e.g. `10000 10 vrrp_rt_priority 50`), as root,
//! by hand: `cargo run --release -p kad-integration --bin
//! advert-delay-bench`. Not a timed test; figures: docs/performance.md.

use kad_integration::netns::{status, wait_for, Capture, Lab};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ADVERT_MS: f64 = 100.0;
/// After a SIGHUP, how long counts as "during the reload".
const WINDOW: Duration = Duration::from_millis(2500);

fn config(lab: &Lab, vrid: u8, n: usize, changed: bool, extra: &str) -> String {
    format!(
        "global_defs {{\n lvs_audit_interval 0\n {extra}\n}}\n\
         vrrp_instance VI_{vrid} {{\n interface eth0\n virtual_router_id {vrid}\n version 3\n \
         priority 200\n advert_int 0.1\n virtual_ipaddress {{\n  {}/24\n }}\n}}\n{}",
        lab.ip(100 + vrid - 50),
        kad_integration::bench_config::services(n, changed, true)
    )
}

/// (seconds, source address) of each VRRP advert in the capture.
fn adverts(pcap: &std::path::Path) -> Vec<(f64, String)> {
    let o = Command::new(kad_integration::require("tcpdump"))
        .arg("-r")
        .arg(pcap)
        .args(["-n", "-tt", "--time-stamp-precision=nano", "ip proto 112"])
        .output()
        .expect("tcpdump -r");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let t: f64 = w.next()?.parse().ok()?;
            let _ip = w.next()?;
            Some((t, w.next()?.to_string()))
        })
        .collect()
}

struct Figures {
    baseline_max: f64,
    during_max: f64,
    during_p99: f64,
    during_n: usize,
}

/// Delays (ms) of `src`'s adverts, split by whether the advert fell in a
/// reload window (from a SIGHUP, in capture seconds).
fn figures(ads: &[(f64, String)], src: &str, hups: &[f64]) -> Figures {
    let times: Vec<f64> = ads
        .iter()
        .filter(|(_, s)| s == src)
        .map(|(t, _)| *t)
        .collect();
    let (mut base, mut during) = (Vec::new(), Vec::new());
    for w in times.windows(2) {
        let delay = (w[1] - w[0]) * 1000.0 - ADVERT_MS;
        let inside = hups
            .iter()
            .any(|h| w[1] >= *h && w[1] <= h + WINDOW.as_secs_f64());
        if inside {
            during.push(delay);
        } else {
            base.push(delay);
        }
    }
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    let mut sorted = during.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p99 = sorted
        .get(((sorted.len() as f64 * 0.99).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(f64::NAN);
    Figures {
        baseline_max: max(&base),
        during_max: max(&during),
        during_p99: p99,
        during_n: during.len(),
    }
}

fn wall() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let reloads: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    // The rest: one more global_defs line for both daemons (e.g.
    // `vrrp_rt_priority 50`).
    let extra = args.get(2..).map(|a| a.join(" ")).unwrap_or_default();
    let mut lab = Lab::new(3);
    let (kad_src, ka_src) = (lab.ip(1), lab.ip(2));
    let kconf = lab.write("kad.conf", &config(&lab, 51, n, false, &extra));
    let aconf = lab.write("keepalived.conf", &config(&lab, 52, n, false, &extra));
    let kad = lab.kad(0, &kconf, "bench");
    let ka = lab.keepalived(1, &aconf, "bench");
    let sock = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(120), || status(&sock)
            .is_some_and(|s| s.vrrp.iter().any(|i| i.state == "MASTER"))),
        "kad did not become MASTER: {}",
        lab.log("kad0.log")
    );
    assert!(
        wait_for(Duration::from_secs(120), || lab.has_addr(1, &lab.ip(102))),
        "keepalived did not become MASTER: {}",
        lab.log("keepalived1.log")
    );
    let cap = Capture::start(&lab, 2, "ip proto 112");
    std::thread::sleep(Duration::from_secs(2));
    // `kactl status` in a loop, as fast as it answers.
    let stop = Arc::new(AtomicBool::new(false));
    let asked = Arc::new(AtomicU64::new(0));
    let poller = {
        let (stop, asked, sock) = (stop.clone(), asked.clone(), sock.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if status(&sock).is_some() {
                    asked.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let (mut kad_hups, mut ka_hups) = (Vec::new(), Vec::new());
    let began = Instant::now();
    for r in 0..reloads {
        let changed = r % 2 == 0;
        std::fs::write(&kconf, config(&lab, 51, n, changed, &extra)).expect("rewrite");
        std::fs::write(&aconf, config(&lab, 52, n, changed, &extra)).expect("rewrite");
        kad_hups.push(wall());
        lab.signal(kad, "HUP");
        std::thread::sleep(Duration::from_secs(3));
        ka_hups.push(wall());
        lab.signal(ka, "HUP");
        std::thread::sleep(Duration::from_secs(3));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = poller.join();
    let secs = began.elapsed().as_secs_f64();
    let file = cap.file.clone();
    let _ = cap.stop();
    let ads = adverts(&file);
    let reloaded = lab.log("kad0.log").matches("reload: 1 change").count();
    // Whether kad still runs (a real-time thread over its RLIMIT_RTTIME is
    // killed by the kernel, and says nothing).
    let exited = lab.wait(kad, Duration::from_millis(10));
    assert_eq!(
        reloaded,
        reloads,
        "kad did not report each reload (kad exited: {exited:?}):\n{}",
        lab.log("kad0.log")
    );
    let k = figures(&ads, &kad_src, &kad_hups);
    let a = figures(&ads, &ka_src, &ka_hups);
    println!(
        "{n} services × 4 (one TCP_CHECK each), VRRPv3 at {ADVERT_MS} ms, {reloads} reloads each, \
         kactl status {:.0}/s on kad:",
        asked.load(Ordering::Relaxed) as f64 / secs
    );
    for (who, f) in [("kad", &k), ("keepalived", &a)] {
        println!(
            "  {who:<10}: advert delay outside reloads max {:.1} ms; during reloads ({} adverts) p99 {:.1} ms, max {:.1} ms",
            f.baseline_max, f.during_n, f.during_p99, f.during_max
        );
    }
    println!(
        "  ratio kad/keepalived, max delay during reloads: {:.3}",
        k.during_max / a.during_max
    );
}
