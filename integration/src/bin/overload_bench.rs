//! VRRP on an oversubscribed CPU (#12 pt 11): a VRRPv3 pair at 10 ms
//! adverts, kad and Debian's keepalived side by side in the same run
//! (each pair in its own namespaces, under the same load), while busy
//! loops oversubscribe the CPUs FACTOR times. A false takeover is the
//! backup entering MASTER while the master still runs: each one counted
//! from the backups' logs ("(VI_1) Entering MASTER STATE", which both
//! write). Each phase adds its lines to global_defs: none (the default),
//! `max_auto_priority`, and `max_auto_priority` with a 10 ms
//! `min_auto_priority_delay`.
//!
//! Usage: overload-bench [SECONDS per phase, default 600] [FACTOR, default 12]
//! [PHASE[:SECONDS]...: default, auto, auto10ms, rt]; needs root.

use kad_integration::netns::{wait_for, Lab};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Imp {
    Kad,
    Keepalived,
}

impl Imp {
    fn name(self) -> &'static str {
        match self {
            Imp::Kad => "kad",
            Imp::Keepalived => "keepalived",
        }
    }
}

fn phase_global(phase: &str) -> Option<&'static str> {
    Some(match phase {
        "default" => "",
        "auto" => "  max_auto_priority\n",
        "auto10ms" => "  max_auto_priority\n  min_auto_priority_delay 10000\n",
        "rt" => "  vrrp_rt_priority 50\n",
        _ => return None,
    })
}

fn config(lab: &Lab, global: &str) -> String {
    format!(
        "global_defs {{\n  vrrp_version 3\n{global}}}\n\
         vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 78\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int 0.01\n\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

struct Pair {
    imp: Imp,
    lab: Lab,
    /// Each daemon's log length when the load started.
    mark: [usize; 2],
}

fn log_name(imp: Imp, h: usize) -> String {
    match imp {
        Imp::Kad => format!("kad{h}.log"),
        Imp::Keepalived => format!("keepalived{h}.log"),
    }
}

fn start(imp: Imp, global: &str) -> Pair {
    let mut lab = Lab::new(2);
    let conf = lab.write("k.conf", &config(&lab, global));
    for h in 0..2 {
        let id = format!("h{h}");
        match imp {
            Imp::Kad => lab.kad(h, &conf, &id),
            Imp::Keepalived => lab.keepalived(h, &conf, &id),
        };
    }
    let vip = lab.ip(100);
    assert!(
        wait_for(Duration::from_secs(15), || lab.has_addr(0, &vip)
            && !lab.has_addr(1, &vip)),
        "{imp:?}: h0 never became master"
    );
    std::thread::sleep(Duration::from_millis(1500));
    Pair {
        imp,
        lab,
        mark: [0; 2],
    }
}

fn since_mark(p: &Pair, h: usize) -> String {
    let log = p.lab.log(&log_name(p.imp, h));
    log.get(p.mark[h].min(log.len())..)
        .unwrap_or("")
        .to_string()
}

struct Outcome {
    takeovers: usize,
    master_lost: usize,
    late_lines: usize,
    top_priority: u32,
}

fn outcome(p: &Pair) -> Outcome {
    let (master, backup) = (since_mark(p, 0), since_mark(p, 1));
    let top = |log: &str| {
        log.lines()
            .filter_map(|l| l.split("Set realtime priority ").nth(1))
            .filter_map(|v| v.trim().parse::<u32>().ok())
            .max()
            .unwrap_or(0)
    };
    Outcome {
        takeovers: backup.matches("Entering MASTER STATE").count(),
        master_lost: master.matches("Entering BACKUP STATE").count(),
        late_lines: master.matches("A thread timer expired").count()
            + backup.matches("A thread timer expired").count(),
        top_priority: top(&master).max(top(&backup)),
    }
}

/// `n` threads that spin until `stop`, at the daemons' own nice value.
fn load(n: usize, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(600);
    let factor: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(12);
    let mut phases: Vec<String> = args.iter().skip(2).cloned().collect();
    if phases.is_empty() {
        phases = vec!["default".into(), "auto".into(), "auto10ms".into()];
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let spinners = factor * cpus;
    println!("VRRPv3 pairs at 10 ms adverts, {spinners} busy loops on {cpus} CPUs ({factor}x)");
    println!();
    println!("| phase | seconds | implementation | false takeovers by the backup | master fell to BACKUP | late-timer lines | highest auto priority |");
    println!("|---|---:|---|---:|---:|---:|---:|");
    for spec in &phases {
        let (phase, secs) = match spec.split_once(':') {
            Some((p, t)) => (p, t.parse().unwrap_or(secs)),
            None => (spec.as_str(), secs),
        };
        let Some(global) = phase_global(phase) else {
            eprintln!("unknown phase {phase}");
            std::process::exit(2);
        };
        // Both pairs run at once: the same load for each.
        let mut pairs = vec![start(Imp::Kad, global), start(Imp::Keepalived, global)];
        for p in &mut pairs {
            for h in 0..2 {
                p.mark[h] = p.lab.log(&log_name(p.imp, h)).len();
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let threads = load(spinners, stop.clone());
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(secs) {
            std::thread::sleep(Duration::from_millis(500));
        }
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        for p in &pairs {
            let o = outcome(p);
            println!(
                "| {phase} | {secs} | {} | {} | {} | {} | {} |",
                p.imp.name(),
                o.takeovers,
                o.master_lost,
                o.late_lines,
                o.top_priority
            );
        }
        drop(pairs);
    }
}
