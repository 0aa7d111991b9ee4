//! `log_all_failures` (a checker's) and `checker_log_all_failures`
//! (global) through the daemon: with it, each failed check of a server
//! that is up is logged ("TCP connection to [127.0.0.1]:tcp:18081
//! failed."), then the transition; without it, the transition only; and
//! no failure line while the server stays down (keepalived 2.2.7,
//! check_api.c / check_tcp.c). keepalived's checker cannot run beside
//! without IPVS; the lines follow its source and the health core's
//! simulation (`crates/ipvs/tests/health_sim.rs`).

use kad_integration::netns::{wait_for, Lab};
use std::time::Duration;

/// A TCP listener on 127.0.0.1:port in host 0, accepting and closing.
fn listener(lab: &mut Lab, port: u16) -> usize {
    let py = format!(
        "import socket\n\
         s = socket.socket()\n\
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
         s.bind(('127.0.0.1', {port}))\n\
         s.listen(64)\n\
         while True:\n    c, _ = s.accept()\n    c.close()\n"
    );
    let script = lab.write(&format!("listen{port}.py"), &py);
    lab.spawn(
        0,
        &format!("exec python3 {}", script.display()),
        &format!("listen{port}.log"),
    )
}

/// keepalived's line for each failed check (check_tcp.c).
fn failures(log: &str, port: u16) -> usize {
    log.matches(&format!("TCP connection to [127.0.0.1]:tcp:{port} failed."))
        .count()
}

fn down(log: &str, port: u16) -> bool {
    log.contains(&format!(
        "TCP_CHECK on service [127.0.0.1]:tcp:{port} failed after 2 retries."
    ))
}

fn up(log: &str, port: u16) -> bool {
    log.contains(&format!(
        "TCP connection to [127.0.0.1]:tcp:{port} success."
    ))
}

fn real_server(port: u16, extra: &str) -> String {
    format!(
        " real_server 127.0.0.1 {port} {{\n  TCP_CHECK {{\n   connect_timeout 1\n   retry 2\n   delay_before_retry 1\n   warmup 0\n{extra}\n  }}\n }}\n"
    )
}

/// Servers on `ports` are checked with `checks` (one real-server block
/// each); all fail at once; returns kad's log once all are down and a
/// few more checks have passed.
fn run(global: &str, ports: &[u16], extras: &[&str]) -> String {
    let mut lab = Lab::new(1);
    let mut listeners = Vec::new();
    for &p in ports {
        listeners.push(listener(&mut lab, p));
    }
    // Listening before kad's first check: a server that starts down
    // would make other lines.
    for &p in ports {
        assert!(
            wait_for(Duration::from_secs(20), || {
                let o = lab.exec(0, &format!("ss -Hltn 'sport = :{p}'"));
                !String::from_utf8_lossy(&o.stdout).trim().is_empty()
            }),
            "listener {p}: {}",
            lab.log(&format!("listen{p}.log"))
        );
    }
    let servers: String = ports
        .iter()
        .zip(extras)
        .map(|(&p, e)| real_server(p, e))
        .collect();
    let conf = format!(
        "global_defs {{\n router_id laf\n{global}\n}}\n\
         virtual_server 10.{net}.7.1 80 {{\n delay_loop 1\n lb_kind DR\n protocol TCP\n{servers}}}\n",
        net = lab.net
    );
    let conf = lab.write("kad.conf", &conf);
    lab.kad(0, &conf, "laf");
    let log = || lab.log("kad0.log");
    assert!(
        wait_for(Duration::from_secs(10), || ports
            .iter()
            .all(|&p| up(&log(), p))),
        "{}",
        log()
    );
    for &l in &listeners {
        lab.signal(l, "KILL");
    }
    assert!(
        wait_for(Duration::from_secs(15), || ports
            .iter()
            .all(|&p| down(&log(), p))),
        "{}",
        log()
    );
    // Down now: more failed checks, none of them logged.
    std::thread::sleep(Duration::from_secs(3));
    log()
}

#[test]
fn log_all_failures_logs_every_failed_check_of_a_server_that_is_up() {
    let log = run(
        "",
        &[18081, 18082, 18083],
        &["   log_all_failures", "", "   log_all_failures off"],
    );
    // The first failure, then each retry's (retry 2): three lines.
    assert_eq!(failures(&log, 18081), 3, "{log}");
    assert_eq!(failures(&log, 18082), 0, "{log}");
    assert_eq!(failures(&log, 18083), 0, "{log}");
    // kad's reason follows keepalived's words.
    assert!(
        log.contains("TCP connection to [127.0.0.1]:tcp:18081 failed. (connect to 127.0.0.1:18081: Connection refused"),
        "{log}"
    );
}

#[test]
fn checker_log_all_failures_covers_every_checker() {
    let log = run(
        " checker_log_all_failures",
        &[18091, 18092],
        &["", "   log_all_failures off"],
    );
    assert_eq!(failures(&log, 18091), 3, "{log}");
    // keepalived tests the global flag or the checker's: a checker's own
    // `log_all_failures off` does not silence it.
    assert_eq!(failures(&log, 18092), 3, "{log}");
}
