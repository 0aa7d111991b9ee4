//! The health checks wired through the daemon, on the host (no IPVS here:
//! kad still checks and reports): real servers the test starts and stops,
//! each checker type's transitions seen in `kactl status --json`, with the
//! failure reason, dynamic weights, notify scripts and the LVS FIFO.

use kad_integration::netns::{status, wait_for};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A server on 127.0.0.1:port answering HTTP (and plain TCP) until stopped.
///
/// Its body changes in place (`set_body`): restarting the listener to change
/// it would let a probe meet the gap (refused) or sit in the backlog of the
/// closing listener (reset by peer) instead of the body under test. Each
/// connection's request is read to its end before the answer, so closing it
/// never resets a connection with unread data.
struct Server {
    stop: Arc<AtomicBool>,
    body: Arc<Mutex<&'static str>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(port: u16, body: &'static str) -> (Server, u16) {
        let l = TcpListener::bind(("127.0.0.1", port)).expect("bind");
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let body = Arc::new(Mutex::new(body));
        let (s2, b2) = (stop.clone(), body.clone());
        let thread = std::thread::spawn(move || {
            while !s2.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((mut c, _)) => {
                        c.set_nonblocking(false).unwrap();
                        c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                        // The request ends with an empty line (a TCP_CHECK
                        // sends nothing and closes: EOF).
                        let mut req = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                            match c.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => req.extend_from_slice(&buf[..n]),
                            }
                        }
                        let body = *b2.lock().unwrap();
                        let _ = write!(
                            c,
                            "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        (
            Server {
                stop,
                body,
                thread: Some(thread),
            },
            port,
        )
    }

    fn set_body(&self, body: &'static str) {
        *self.body.lock().unwrap() = body;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// kad, stopped with SIGTERM when the test ends (or fails).
struct Kad(std::process::Child);

impl Drop for Kad {
    fn drop(&mut self) {
        use nix::sys::signal::{kill, Signal};
        let _ = kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            Signal::SIGTERM,
        );
        let _ = self.0.wait();
    }
}

fn server_state(sock: &std::path::Path, addr: &str) -> Option<(bool, u32, String)> {
    let st = status(sock)?;
    let rs = st
        .checks
        .services
        .iter()
        .flat_map(|v| &v.real_servers)
        .find(|r| r.address == addr)?
        .clone();
    let reason = rs
        .checkers
        .iter()
        .filter_map(|c| c.reason.clone())
        .collect::<Vec<_>>()
        .join("; ");
    Some((rs.alive, rs.weight, reason))
}

fn until(
    sock: &std::path::Path,
    addr: &str,
    f: impl Fn(&(bool, u32, String)) -> bool,
) -> (bool, u32, String) {
    let mut last = None;
    let ok = wait_for(Duration::from_secs(10), || {
        last = server_state(sock, addr);
        last.as_ref().is_some_and(&f)
    });
    let last = last.unwrap_or((false, 0, "no status".into()));
    let log = std::fs::read_to_string(sock.with_file_name("kad.log")).unwrap_or_default();
    assert!(ok, "{addr}: never reached the state; last {last:?}\n{log}");
    last
}

#[test]
fn each_checker_type_goes_down_and_up_through_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let (http, hport) = Server::start(0, "hello\n");
    let (tcp, tport) = Server::start(0, "");
    std::fs::write(format!("{d}/misc"), "0").unwrap();
    std::fs::write(format!("{d}/file"), "0").unwrap();
    let conf = format!(
        r#"
global_defs {{ lvs_notify_fifo {d}/lvs.fifo }}
track_file tf {{ file {d}/file }}
virtual_server 127.0.0.1 80 {{
    protocol TCP
    delay_loop 1
    omega
    quorum_down "/bin/sh -c 'touch {d}/quorum-down'"
    real_server 127.0.0.1 {tport} {{
        notify_down "/bin/sh -c 'touch {d}/tcp-down'"
        notify_up "/bin/sh -c 'touch {d}/tcp-up'"
        TCP_CHECK {{
            connect_timeout 1
            retry 0
            warmup 0
        }}
    }}
    real_server 127.0.0.1 {hport} {{
        HTTP_GET {{
            url {{
                path /
                digest b1946ac92492d2347c6235b4d2611184
            }}
            connect_timeout 1
            retry 0
            warmup 0
        }}
    }}
    real_server 127.0.0.2 80 {{
        weight 5
        MISC_CHECK {{
            misc_path "/bin/sh -c 'exit $(cat {d}/misc)'"
            misc_dynamic
            retry 0
            warmup 0
        }}
    }}
    real_server 127.0.0.3 80 {{
        FILE_CHECK {{
            track_file tf
            retry 0
            warmup 0
        }}
    }}
    real_server 127.0.0.1 9 {{
        notify_down "/bin/sh -c 'touch {d}/ping-down'"
        PING_CHECK {{
            retry 0
            warmup 0
        }}
    }}
}}
virtual_server 10.99.99.99 80 {{
    protocol TCP
    delay_loop 1
    ha_suspend
    real_server 127.0.0.1 {tport} {{
        TCP_CHECK {{
            retry 0
            warmup 0
        }}
    }}
}}
"#
    );
    let cfg = dir.path().join("k.conf");
    std::fs::write(&cfg, conf).unwrap();
    let sock = dir.path().join("kad.sock");
    let kad = Kad(std::process::Command::new(kad_integration::bin("kad"))
        .args(["-n", "-f"])
        .arg(&cfg)
        .arg("--socket")
        .arg(&sock)
        .arg("-p")
        .arg(dir.path().join("kad.pid"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("kad.log")).unwrap())
        .spawn()
        .unwrap());
    // Read the FIFO as soon as kad has made it.
    let fifo = dir.path().join("lvs.fifo");
    assert!(wait_for(Duration::from_secs(10), || fifo.exists()));
    let f2 = fifo.clone();
    let t = format!("[127.0.0.1]:tcp:{tport}");
    let rs_up = format!("RS {t} [127.0.0.1]:tcp:80 UP");
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::open(f2).unwrap();
        let mut all = String::new();
        let mut buf = [0u8; 4096];
        while !all.contains(&rs_up) {
            match f.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => all.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        all
    });

    let h = format!("[127.0.0.1]:tcp:{hport}");
    until(&sock, &t, |s| s.0);
    until(&sock, &h, |s| s.0);
    until(&sock, "[127.0.0.2]:tcp:80", |s| s.0 && s.1 == 5);
    until(&sock, "[127.0.0.3]:tcp:80", |s| s.0);

    // TCP: the server stops, then comes back on the same port.
    drop(tcp);
    let s = until(&sock, &t, |s| !s.0);
    assert!(s.2.contains("refused"), "{s:?}");
    let (_tcp, _) = Server::start(tport, "");
    until(&sock, &t, |s| s.0);
    assert!(wait_for(Duration::from_secs(5), || {
        dir.path().join("tcp-down").exists() && dir.path().join("tcp-up").exists()
    }));

    // HTTP: a wrong body fails the digest; the right one passes again.
    http.set_body("other\n");
    let s = until(&sock, &h, |s| !s.0);
    assert!(s.2.contains("digest"), "{s:?}");
    http.set_body("hello\n");
    until(&sock, &h, |s| s.0);

    // MISC: exit 1 is down; exit 12 with misc_dynamic is up at weight 10;
    // exit 0 restores the configured weight.
    std::fs::write(format!("{d}/misc"), "1").unwrap();
    let s = until(&sock, "[127.0.0.2]:tcp:80", |s| !s.0);
    assert!(s.2.contains("exit status 1"), "{s:?}");
    std::fs::write(format!("{d}/misc"), "12").unwrap();
    until(&sock, "[127.0.0.2]:tcp:80", |s| s.0 && s.1 == 10);
    std::fs::write(format!("{d}/misc"), "0").unwrap();
    until(&sock, "[127.0.0.2]:tcp:80", |s| s.0 && s.1 == 5);

    // FILE: a non-zero value is down.
    std::fs::write(format!("{d}/file"), "3").unwrap();
    until(&sock, "[127.0.0.3]:tcp:80", |s| !s.0);
    std::fs::write(format!("{d}/file"), "0").unwrap();
    until(&sock, "[127.0.0.3]:tcp:80", |s| s.0);

    // ha_suspend: this node does not hold 10.99.99.99, so its checks wait.
    let st = status(&sock).unwrap();
    let susp = st
        .checks
        .services
        .iter()
        .find(|v| v.service == "[10.99.99.99]:tcp:80")
        .expect("the suspended service");
    assert!(susp.suspended, "{susp:?}");
    assert_eq!(
        susp.real_servers[0].checkers[0].last_result, None,
        "{susp:?}"
    );
    // The address arrives: the checks resume on the address event (the
    // safety-net poll runs only every 5 s).
    if nix::unistd::geteuid().is_root() {
        struct Addr;
        impl Drop for Addr {
            fn drop(&mut self) {
                let _ = std::process::Command::new("ip")
                    .args(["addr", "del", "10.99.99.99/32", "dev", "lo"])
                    .status();
            }
        }
        let _addr = Addr;
        let t = std::time::Instant::now();
        let added = std::process::Command::new("ip")
            .args(["addr", "add", "10.99.99.99/32", "dev", "lo"])
            .status()
            .unwrap();
        assert!(added.success());
        let resumed = || {
            status(&sock).is_some_and(|st| {
                st.checks
                    .services
                    .iter()
                    .any(|v| v.service == "[10.99.99.99]:tcp:80" && !v.suspended)
            })
        };
        assert!(wait_for(Duration::from_secs(3), resumed));
        assert!(
            t.elapsed() < Duration::from_millis(1500),
            "resumed after {:?}",
            t.elapsed()
        );
    }

    // PING of loopback (root, or ping_group_range) stays up.
    let st = status(&sock).unwrap();
    let ping = st
        .checks
        .services
        .iter()
        .flat_map(|v| &v.real_servers)
        .find(|r| r.address == "[127.0.0.1]:tcp:9")
        .unwrap();
    if nix::unistd::geteuid().is_root() {
        assert!(ping.alive, "{ping:?}");
    }
    assert_eq!(ping.checkers[0].kind, "PING_CHECK");

    assert!(!dir.path().join("quorum-down").exists());
    drop(kad);
    // omega: the down notifiers ran on shutdown.
    if nix::unistd::geteuid().is_root() {
        assert!(dir.path().join("ping-down").exists(), "omega notify_down");
    }
    assert!(dir.path().join("quorum-down").exists(), "omega quorum_down");
    let lines = reader.join().unwrap();
    assert!(
        lines.contains(&format!("RS {t} [127.0.0.1]:tcp:80 DOWN"))
            && lines.contains(&format!("RS {t} [127.0.0.1]:tcp:80 UP")),
        "{lines}"
    );
    // As keepalived, each virtual server starting with quorum says so
    // first (no sorry servers here, so none starting without it speaks).
    let first: Vec<&str> = lines.lines().take(2).collect();
    assert!(
        first.contains(&"VS [127.0.0.1]:tcp:80 UP")
            && first.contains(&"VS [10.99.99.99]:tcp:80 UP"),
        "{lines}"
    );
}
