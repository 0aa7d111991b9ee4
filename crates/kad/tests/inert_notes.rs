//! A keyword kad reads but does not act on (inert, see
//! `crates/config/src/acts.rs`) is named at start-up, not only by `kad -t`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn inert_keyword_is_noted_at_start_up_and_in_config_test() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("k.conf");
    std::fs::write(&conf, "global_defs {\n  nftables_ifindex\n}\n").unwrap();
    let note = "'nftables_ifindex' is read but kad does not act on it yet";

    let t = Command::new(env!("CARGO_BIN_EXE_kad"))
        .args(["-t", "--no-env-check", "-f"])
        .arg(&conf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&t.stderr);
    assert!(stderr.contains(note), "{stderr}");
    assert!(stderr.contains("k.conf:2:3: note:"), "{stderr}");
    // A note is not a configuration problem: keepalived -t is clean here.
    assert_eq!(t.status.code(), Some(0), "{stderr}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_kad"))
        .args(["-n", "-P", "--socket"])
        .arg(dir.path().join("kad.sock"))
        .arg("-p")
        .arg(dir.path().join("kad.pid"))
        .arg("-f")
        .arg(&conf)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    let found = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(note) => break true,
            Ok(l) => seen.push(l),
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(found, "no start-up note; stderr: {seen:?}");
}
