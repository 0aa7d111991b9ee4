//! Failover speed of kad against Debian's keepalived, in the same run, on
//! directors joined by a bridge (on a bare veth pair the backup loses carrier too; see docs/performance.md):
//!
//! (a) silent master (its link goes down): from its last advert to the
//!     backup's first gratuitous ARP, against Master_Down_Interval, for v2
//!     at 1 s and v3 at 0.1 s;
//! (b) SIGTERM of the master: from its priority-0 advert to the backup's
//!     first gratuitous ARP, against Skew_Time;
//! (c) planned switchover: a client pings the VIP every millisecond while
//!     the master is stopped; the longest run of lost replies.
//!
//! Times are read from tcpdump (nanosecond stamps) in the backup's
//! namespace. Usage: failover-bench [RUNS] (default 5); needs root.

use kad_integration::netns::{wait_for, Capture, Lab};
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Imp {
    Kad,
    Keepalived,
}

fn config(lab: &Lab, version: u8, advert: &str) -> String {
    format!(
        "global_defs {{\n  vrrp_version {version}\n}}\n\
         vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 77\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int {advert}\n\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

struct Setup {
    lab: Lab,
    procs: Vec<usize>,
}

fn setup(imp: Imp, version: u8, advert: &str) -> Setup {
    let mut lab = Lab::new(3);
    let conf = lab.write("k.conf", &config(&lab, version, advert));
    let mut procs = Vec::new();
    for h in 0..2 {
        let id = format!("h{h}");
        procs.push(match imp {
            Imp::Kad => lab.kad(h, &conf, &id),
            Imp::Keepalived => lab.keepalived(h, &conf, &id),
        });
    }
    let vip = lab.ip(100);
    assert!(
        wait_for(Duration::from_secs(15), || lab.has_addr(0, &vip)
            && !lab.has_addr(1, &vip)),
        "{imp:?}: h0 never became master"
    );
    std::thread::sleep(Duration::from_millis(1500));
    Setup { lab, procs }
}

/// (time, packet) of a tcpdump -tt -v reading; continuation lines (the
/// VRRP details) are joined to their packet.
fn lines(text: &str) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> = Vec::new();
    for l in text.lines() {
        match l
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<f64>().ok())
        {
            Some(t) if !l.starts_with(char::is_whitespace) => out.push((t, l.to_string())),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(l.trim());
                }
            }
        }
    }
    out
}

fn first_garp_after(text: &str, t0: f64, vip: &str, mac: &str) -> Option<f64> {
    lines(text)
        .into_iter()
        .find(|(t, l)| *t >= t0 && l.contains(mac) && l.contains(&format!("who-has {vip}")))
        .map(|(t, _)| t)
}

fn mac(lab: &Lab, h: usize) -> String {
    String::from_utf8_lossy(&lab.exec(h, "cat /sys/class/net/eth0/address").stdout)
        .trim()
        .to_string()
}

/// (a): last advert of the silent master → first GARP of the backup.
fn silent_master(imp: Imp, version: u8, advert: &str) -> f64 {
    let s = setup(imp, version, advert);
    let cap = Capture::start(&s.lab, 2, "vrrp or arp");
    std::thread::sleep(Duration::from_millis(700));
    s.lab.link(0, false);
    let vip = s.lab.ip(100);
    let t = std::time::Instant::now();
    assert!(wait_for(Duration::from_secs(10), || s
        .lab
        .has_addr(1, &vip)));
    let _ = t;
    std::thread::sleep(Duration::from_millis(300));
    let text = cap.stop();
    let master = s.lab.ip(1);
    let last_advert = lines(&text)
        .into_iter()
        .filter(|(_, l)| l.contains(&format!("{master} > ")) && l.contains("VRRP"))
        .map(|(t, _)| t)
        .fold(0.0, f64::max);
    let garp = first_garp_after(&text, last_advert, &vip, &mac(&s.lab, 1))
        .unwrap_or_else(|| panic!("no GARP:\n{text}"));
    garp - last_advert
}

/// (b): priority-0 advert of the stopping master → first GARP of the backup.
fn sigterm(imp: Imp) -> f64 {
    let s = setup(imp, 2, "1");
    let cap = Capture::start(&s.lab, 2, "vrrp or arp");
    std::thread::sleep(Duration::from_millis(300));
    s.lab.signal(s.procs[0], "TERM");
    let vip = s.lab.ip(100);
    assert!(wait_for(Duration::from_secs(10), || s
        .lab
        .has_addr(1, &vip)
        && !s.lab.has_addr(0, &vip)));
    std::thread::sleep(Duration::from_millis(300));
    let text = cap.stop();
    let master = s.lab.ip(1);
    let prio0 = lines(&text)
        .into_iter()
        .find(|(_, l)| l.contains(&format!("{master} > ")) && l.contains("prio 0"))
        .map(|(t, _)| t)
        .expect("a priority-0 advert");
    first_garp_after(&text, prio0, &vip, &mac(&s.lab, 1)).expect("a GARP") - prio0
}

/// (c): across a planned stop of the master, the longest time between two
/// ping replies (pings 1 ms apart), the longest run of lost replies, and
/// how many duplicate replies the client saw.
fn switchover_gap(imp: Imp) -> (f64, f64, usize) {
    let s = setup(imp, 2, "1");
    let vip = s.lab.ip(100);
    let ns = s.lab.ns(2);
    let ping = std::process::Command::new("ip")
        .args([
            "netns", "exec", &ns, "ping", "-D", "-n", "-i", "0.001", "-c", "3000", "-W", "1", &vip,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ping (apt-get install iputils-ping)");
    std::thread::sleep(Duration::from_millis(800));
    s.lab.signal(s.procs[0], "TERM");
    let out = ping.wait_with_output().expect("ping output");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut got = std::collections::BTreeSet::new();
    let mut dups = 0;
    let mut max_seq = 0;
    let mut last_reply: Option<f64> = None;
    let mut max_silence = 0.0f64;
    for l in text.lines() {
        if l.contains("bytes from") {
            if let Some(t) = l
                .strip_prefix('[')
                .and_then(|r| r.split(']').next())
                .and_then(|t| t.parse::<f64>().ok())
            {
                if let Some(p) = last_reply {
                    max_silence = max_silence.max(t - p);
                }
                last_reply = Some(t);
            }
        }
        let Some(seq) = l
            .split("icmp_seq=")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        max_seq = max_seq.max(seq);
        if l.contains("DUP!") {
            dups += 1;
        } else {
            got.insert(seq);
        }
    }
    let (mut run, mut longest) = (0u32, 0u32);
    for seq in 1..=max_seq {
        if got.contains(&seq) {
            run = 0;
        } else {
            run += 1;
            longest = longest.max(run);
        }
    }
    (max_silence * 1000.0, f64::from(longest), dups)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let imps = [Imp::Kad, Imp::Keepalived];
    println!("failover benchmark, median of {runs} runs, milliseconds");
    println!(
        "{:<34} {:>10} {:>12} {:>10} {:>14} {:>16}",
        "scenario", "bound", "kad", "kad-bound", "keepalived", "keepalived-bound"
    );
    let row = |name: &str, bound_ms: f64, f: &dyn Fn(Imp) -> f64| {
        let mut med = Vec::new();
        for imp in imps {
            let v: Vec<f64> = (0..runs).map(|_| f(imp) * 1000.0).collect();
            med.push(median(v));
        }
        println!(
            "{:<34} {:>10.1} {:>12.1} {:>10.1} {:>14.1} {:>16.1}",
            name,
            bound_ms,
            med[0],
            med[0] - bound_ms,
            med[1],
            med[1] - bound_ms
        );
    };
    row("(a) link down, v2 1 s", 3609.4, &|i| {
        silent_master(i, 2, "1")
    });
    row("(a) link down, v3 0.1 s", 360.9, &|i| {
        silent_master(i, 3, "0.1")
    });
    row("(b) SIGTERM, v2 1 s", 609.4, &|i| sigterm(i));
    println!();
    println!("(c) planned switchover, client pinging the VIP every 1 ms (median of {runs})");
    for imp in imps {
        let (mut silences, mut runs_lost) = (Vec::new(), Vec::new());
        let mut dups = 0;
        for _ in 0..runs {
            let (silence, lost, d) = switchover_gap(imp);
            silences.push(silence);
            runs_lost.push(lost);
            dups += d;
        }
        println!(
            "{:<12} longest silence between replies {:>7.1} ms, longest run of lost replies {:>5.0}, duplicate replies {dups}",
            format!("{imp:?}"),
            median(silences),
            median(runs_lost)
        );
    }
}
