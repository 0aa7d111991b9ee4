//! kad's sd_notify messages on a NOTIFY_SOCKET the test binds (as systemd
//! does for Type=notify): READY=1 with a STATUS= line once the instance has
//! its initial state, STATUS= following the state, WATCHDOG=1 at half of
//! WATCHDOG_USEC, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a
//! SIGHUP, STOPPING=1 on SIGTERM.

use kad_integration::netns::{wait_for, Lab};
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Msg {
    at: Instant,
    text: String,
}

fn recv_until(
    sock: &UnixDatagram,
    got: &mut Vec<Msg>,
    limit: Duration,
    mut done: impl FnMut(&[Msg]) -> bool,
) -> bool {
    let end = Instant::now() + limit;
    let mut buf = vec![0u8; 4096];
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    while Instant::now() < end {
        if done(got) {
            return true;
        }
        if let Ok(n) = sock.recv(&mut buf) {
            got.push(Msg {
                at: Instant::now(),
                text: String::from_utf8_lossy(&buf[..n]).to_string(),
            });
        }
    }
    done(got)
}

fn has(m: &Msg, line: &str) -> bool {
    m.text.lines().any(|l| l == line)
}

#[test]
fn notifications_for_ready_status_watchdog_reload_and_stop() {
    let lab = Lab::new(1);
    let c = lab.write(
        "k.conf",
        &format!(
            "vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
            lab.ip(100)
        ),
    );
    let np = lab.dir.path().join("notify");
    let sock = UnixDatagram::bind(&np).unwrap();
    let mut kad = Command::new("ip")
        .args(["netns", "exec", &lab.ns(0)])
        .arg(kad_integration::bin("kad"))
        .args(["-n", "-l", "-f"])
        .arg(&c)
        .arg("--socket")
        .arg(lab.socket(0))
        .arg("-p")
        .arg(lab.pid_file(0))
        .env("NOTIFY_SOCKET", &np)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(lab.dir.path().join("kad.log")).unwrap())
        .spawn()
        .unwrap();
    let pid = kad.id();
    let mut got = Vec::new();
    // READY=1 once started, with the initial state in STATUS=.
    let ready = recv_until(&sock, &mut got, Duration::from_secs(10), |g| {
        g.iter().any(|m| has(m, "READY=1"))
    });
    assert!(ready, "no READY=1: {}", lab.log("kad.log"));
    let first = got.iter().find(|m| has(m, "READY=1")).unwrap();
    assert!(
        first.text.contains("STATUS=VI_1 BACKUP") && first.text.contains(&format!("MAINPID={pid}")),
        "{}",
        first.text
    );
    // The status follows the transition to MASTER.
    assert!(recv_until(&sock, &mut got, Duration::from_secs(10), |g| {
        g.iter().any(|m| has(m, "STATUS=VI_1 MASTER"))
    }));
    // Watchdog pings every 200 ms (half of 400 ms): count them over 2 s.
    let t0 = Instant::now();
    let before = got.len();
    recv_until(&sock, &mut got, Duration::from_secs(2), |_| false);
    let pings: Vec<Instant> = got[before..]
        .iter()
        .filter(|m| has(m, "WATCHDOG=1"))
        .map(|m| m.at)
        .collect();
    assert!(
        (7..=13).contains(&pings.len()),
        "{} pings in {:?}",
        pings.len(),
        t0.elapsed()
    );
    let max_gap = pings.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(max_gap < Duration::from_millis(400), "a gap of {max_gap:?}");
    // A reload: RELOADING=1 with MONOTONIC_USEC, then READY=1.
    let before = got.len();
    Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(recv_until(&sock, &mut got, Duration::from_secs(5), |g| {
        g[before..].iter().any(|m| has(m, "READY=1"))
    }));
    let rel = got[before..]
        .iter()
        .position(|m| has(m, "RELOADING=1"))
        .expect("RELOADING=1");
    let m = &got[before + rel];
    assert!(
        m.text.lines().any(|l| l.starts_with("MONOTONIC_USEC=")),
        "{}",
        m.text
    );
    let ready_after = got[before..]
        .iter()
        .position(|m| has(m, "READY=1"))
        .unwrap();
    assert!(ready_after > rel, "READY=1 after RELOADING=1");
    // Stop: STOPPING=1.
    let before = got.len();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(recv_until(&sock, &mut got, Duration::from_secs(5), |g| {
        g[before..].iter().any(|m| has(m, "STOPPING=1"))
    }));
    assert!(wait_for(Duration::from_secs(10), || matches!(
        kad.try_wait(),
        Ok(Some(_))
    )));
}

#[test]
fn nothing_is_sent_without_notify_socket_and_no_watchdog_without_watchdog_usec() {
    let lab = Lab::new(1);
    let c = lab.write(
        "k.conf",
        &format!(
            "vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 52\n  priority 150\n  advert_int 1\n  virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
            lab.ip(101)
        ),
    );
    let np = lab.dir.path().join("notify");
    let sock = UnixDatagram::bind(&np).unwrap();
    let mut kad = Command::new("ip")
        .args(["netns", "exec", &lab.ns(0)])
        .arg(kad_integration::bin("kad"))
        .args(["-n", "-l", "-f"])
        .arg(&c)
        .arg("--socket")
        .arg(lab.socket(0))
        .arg("-p")
        .arg(lab.pid_file(0))
        .env("NOTIFY_SOCKET", &np)
        .env_remove("WATCHDOG_USEC")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut got = Vec::new();
    assert!(recv_until(&sock, &mut got, Duration::from_secs(10), |g| {
        g.iter().any(|m| has(m, "READY=1"))
    }));
    recv_until(&sock, &mut got, Duration::from_secs(1), |_| false);
    assert!(
        !got.iter().any(|m| has(m, "WATCHDOG=1")),
        "no watchdog asked for"
    );
    let _ = kad.kill();
    let _ = kad.wait();
}
