//! Long-lived TCP flows for the ECMP tests (issue 13): N connections to
//! ADDR:PORT (an echo server behind the VIP), each sending a numbered line
//! every INTERVAL ms and reading its echo, for SECS seconds. At the end,
//! one line per flow and a summary, so a test can say which flows went on
//! across a failover and how long each waited at worst:
//!
//!   flow PORT ok|broken ECHOES MAXGAP_MS [REASON]
//!   summary flows N survived M max_gap_ms G p50_gap_ms P
//!
//! MAXGAP is the longest time between two answered echoes (or from the
//! connection's start to the first): a flow whose packets went nowhere for a second
//! shows about a second. A flow is broken when its connection is reset,
//! closed, or answers with the wrong line.
//!
//! Usage: echo-flows ADDR:PORT N SECS [INTERVAL_MS, default 200]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Between the starts of two flows.
const RAMP: Duration = Duration::from_millis(20);

struct Flow {
    port: u16,
    echoes: u64,
    max_gap: Duration,
    broken: Option<String>,
}

fn run_flow(to: SocketAddr, secs: Duration, interval: Duration) -> Flow {
    let start = Instant::now();
    let mut f = Flow {
        port: 0,
        echoes: 0,
        max_gap: Duration::ZERO,
        broken: None,
    };
    let s = match TcpStream::connect_timeout(&to, Duration::from_secs(10)) {
        Ok(s) => s,
        Err(e) => {
            f.broken = Some(format!("connect: {e}"));
            return f;
        }
    };
    f.port = s.local_addr().map(|a| a.port()).unwrap_or(0);
    let _ = s.set_nodelay(true);
    // A read waits at most one interval; a late echo is read later.
    let _ = s.set_read_timeout(Some(interval));
    let Ok(mut w) = s.try_clone() else {
        f.broken = Some("clone".into());
        return f;
    };
    let mut r = BufReader::new(s);
    // Gaps count from the connection's start, not from the connect's.
    let (mut sent, mut last_ok) = (0u64, Instant::now());
    let mut line = String::new();
    let mut next = Instant::now();
    while start.elapsed() < secs {
        if Instant::now() >= next {
            sent += 1;
            if let Err(e) = writeln!(w, "{} {sent}", f.port) {
                f.broken = Some(format!("write: {e}"));
                break;
            }
            next += interval;
        }
        match r.read_line(&mut line) {
            Ok(0) => {
                f.broken = Some("closed".into());
                break;
            }
            Ok(_) if line.ends_with('\n') => {
                let want = format!("{} {}\n", f.port, f.echoes + 1);
                if line != want {
                    f.broken = Some(format!("answer {line:?}, want {want:?}"));
                    break;
                }
                f.echoes += 1;
                let now = Instant::now();
                f.max_gap = f.max_gap.max(now - last_ok);
                last_ok = now;
                line.clear();
            }
            // A partial line: the rest comes with the next read.
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                f.broken = Some(format!("read: {e}"));
                break;
            }
        }
    }
    // Silence at the end counts too (a flow that stopped answering).
    if f.broken.is_none() {
        f.max_gap = f.max_gap.max(last_ok.elapsed().saturating_sub(interval));
    }
    f
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: echo-flows ADDR:PORT N SECS [INTERVAL_MS]";
    let (Some(to), Some(n), Some(secs)) = (
        args.get(1).and_then(|a| a.parse::<SocketAddr>().ok()),
        args.get(2).and_then(|a| a.parse::<usize>().ok()),
        args.get(3).and_then(|a| a.parse::<u64>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let interval = Duration::from_millis(args.get(4).and_then(|a| a.parse().ok()).unwrap_or(200));
    let secs = Duration::from_secs(secs);
    // The flows open RAMP apart, as clients do: a hundred SYNs in the same
    // millisecond overflow a real server's accept queue (busybox nc's is
    // small), and a connection whose final ACK was dropped there is reset
    // at its first data, which would be the test's doing, not the
    // directors'.
    let flows: Vec<_> = (0..n)
        .map(|i| {
            let delay = RAMP * i as u32;
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                run_flow(to, secs, interval)
            })
        })
        .collect();
    let mut gaps = Vec::new();
    let mut survived = 0;
    for h in flows {
        let Ok(f) = h.join() else { continue };
        let ms = f.max_gap.as_millis();
        match &f.broken {
            None => {
                survived += 1;
                gaps.push(ms);
                println!("flow {} ok {} {ms}", f.port, f.echoes);
            }
            Some(why) => println!("flow {} broken {} {ms} {why}", f.port, f.echoes),
        }
    }
    gaps.sort();
    let max = gaps.last().copied().unwrap_or(0);
    let p50 = gaps.get(gaps.len() / 2).copied().unwrap_or(0);
    println!("summary flows {n} survived {survived} max_gap_ms {max} p50_gap_ms {p50}");
}
