//! `vrrp_track_process` in the initial network namespace, where the
//! kernel's process event connector answers: kad follows its events (it
//! says so, and scans /proc no more), so an instance leaves MASTER on the
//! tracked process's exit event, and the connector socket has the receive buffer `process_monitor_rcv_bufs`
//! with `process_monitor_rcv_bufs_force` asks for (the kernel doubles it;
//! forced, it passes net.core.rmem_max). Events lost while kad could not
//! read (ENOBUFS) are made up by a rescan of /proc, as keepalived does.
//!
//! It runs in the root namespace on a veth pair of its own (the build
//! machines lack the dummy link type), removed on drop with the kad.

use kad_integration::netns::{require_root, sh, state_of, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The veth pair, a kad and a tracked process, all gone on drop.
struct Root {
    link: String,
    dir: tempfile::TempDir,
    kad: Option<Child>,
    tracked: Option<Child>,
}

impl Drop for Root {
    fn drop(&mut self) {
        for c in [self.tracked.as_mut(), self.kad.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = sh(&format!("ip link del {}a", self.link));
    }
}

impl Root {
    fn sock(&self) -> PathBuf {
        self.dir.path().join("kad.sock")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kad.log")).unwrap_or_default()
    }

    fn state(&self) -> String {
        state_of(&self.sock(), "VI_1").unwrap_or_default()
    }
}

fn rmem_max() -> u64 {
    std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .expect("rmem_max")
        .trim()
        .parse()
        .expect("rmem_max number")
}

/// The receive buffer (`rb` of `ss -m`) of the process connector socket
/// (netlink protocol 11) that process `pid` holds, if it holds one.
fn connector_rb(pid: u32) -> Option<u64> {
    // The socket inodes of the process...
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            l.strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .map(str::to_string)
        })
        .collect();
    // ...one of which is a protocol 11 socket in /proc/net/netlink (its
    // columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode), whose
    // port id ss shows after the process name.
    let table = std::fs::read_to_string("/proc/net/netlink").ok()?;
    let port = table.lines().skip(1).find_map(|l| {
        let c: Vec<&str> = l.split_whitespace().collect();
        (c.len() >= 10 && c[1] == "11" && inodes.iter().any(|i| i == c[9]))
            .then(|| c[2].to_string())
    })?;
    let ss = sh("ss -f netlink -e -m -p");
    let out = String::from_utf8_lossy(&ss.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("connector:") && l.contains(&format!("/{port} ")))?;
    let rb = line.split("rb").nth(1)?;
    rb.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

fn start_kad(dir: &Path, conf: &Path) -> Child {
    let log = std::fs::File::create(dir.join("kad.log")).expect("log");
    Command::new(kad_integration::bin("kad"))
        .args(["-n", "-l", "-f"])
        .arg(conf)
        .args(["-i", "pc", "--socket"])
        .arg(dir.join("kad.sock"))
        .arg("-p")
        .arg(dir.join("kad.pid"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start kad")
}

#[test]
fn track_process_follows_the_process_event_connector_in_the_root_namespace() {
    require_root();
    let me = std::process::id();
    let link = format!("kpc{me}");
    let mut root = Root {
        link: link.clone(),
        dir: tempfile::tempdir().expect("tempdir"),
        kad: None,
        tracked: None,
    };
    let o = sh(&format!(
        "ip link add {link}a type veth peer name {link}b && ip link set {link}a up && \
         ip link set {link}b up && ip addr add 10.252.{}.1/24 dev {link}a",
        me % 250
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Forced, a size above rmem_max is granted (doubled by the kernel);
    // unforced it would be capped at 2 * rmem_max.
    let size = rmem_max() + 1024 * 1024;
    // A sleep with an argument no other process has.
    let arg = format!("100000.{me}");
    let conf = format!(
        "global_defs {{\n router_id pc\n process_monitor_rcv_bufs {size}\n process_monitor_rcv_bufs_force\n}}\n\
         vrrp_track_process tracked {{\n process /bin/sleep {arg}\n param_match exact\n full_command\n quorum 1\n}}\n\
         vrrp_instance VI_1 {{\n interface {link}a\n virtual_router_id 77\n priority 100\n version 3\n advert_int 0.1\n\
          track_process {{\n tracked\n }}\n virtual_ipaddress {{\n 10.252.{net}.100/24\n }}\n}}\n",
        net = me % 250
    );
    let conf_path = root.dir.path().join("kad.conf");
    std::fs::write(&conf_path, conf).expect("conf");
    let kad = start_kad(root.dir.path(), &conf_path);
    let kad_pid = kad.id();
    root.kad = Some(kad);

    assert!(
        wait_for(Duration::from_secs(10), || root.state() == "FAULT"),
        "{}",
        root.log()
    );
    assert!(
        root.log()
            .contains("vrrp_track_process: following the kernel's process events"),
        "{}",
        root.log()
    );
    // The socket's buffer is the configured one.
    assert_eq!(connector_rb(kad_pid), Some(2 * size), "{}", root.log());

    // Following events, kad scans /proc only at the start and after lost
    // events: that the state leaves MASTER at all after the exit shows the
    // exit event was read. The times (from the kill to leaving MASTER) are
    // printed, not asserted: speed belongs to benchmarks.
    let mut took = Vec::new();
    for _ in 0..10 {
        let child = Command::new("/bin/sleep")
            .arg(&arg)
            .spawn()
            .expect("spawn sleep");
        root.tracked = Some(child);
        assert!(
            wait_for(Duration::from_secs(5), || root.state() == "MASTER"),
            "{}",
            root.log()
        );
        let start = Instant::now();
        if let Some(c) = root.tracked.as_mut() {
            c.kill().expect("kill");
        }
        let mut left = false;
        while start.elapsed() < Duration::from_secs(2) {
            if root.state() != "MASTER" {
                left = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        took.push(start.elapsed());
        assert!(left, "still MASTER after the exit\n{}", root.log());
        if let Some(mut c) = root.tracked.take() {
            let _ = c.wait();
        }
    }
    took.sort();
    eprintln!("from exit to FAULT: {took:?}");
}

#[test]
fn lost_process_events_are_made_up_by_a_rescan() {
    require_root();
    let me = std::process::id();
    let link = format!("kpo{me}");
    let mut root = Root {
        link: link.clone(),
        dir: tempfile::tempdir().expect("tempdir"),
        kad: None,
        tracked: None,
    };
    let net = (me + 1) % 250;
    let o = sh(&format!(
        "ip link add {link}a type veth peer name {link}b && ip link set {link}a up && \
         ip link set {link}b up && ip addr add 10.251.{net}.1/24 dev {link}a"
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The smallest buffer the kernel grants: a few events fill it.
    let arg = format!("100000.{me}1");
    let conf = format!(
        "global_defs {{\n router_id po\n process_monitor_rcv_bufs 1\n}}\n\
         vrrp_track_process tracked {{\n process /bin/sleep {arg}\n param_match exact\n full_command\n quorum 1\n}}\n\
         vrrp_instance VI_1 {{\n interface {link}a\n virtual_router_id 78\n priority 100\n version 3\n advert_int 0.1\n\
          track_process {{\n tracked\n }}\n virtual_ipaddress {{\n 10.251.{net}.100/24\n }}\n}}\n"
    );
    let conf_path = root.dir.path().join("kad.conf");
    std::fs::write(&conf_path, conf).expect("conf");
    let kad = start_kad(root.dir.path(), &conf_path);
    let kad_pid = kad.id();
    root.kad = Some(kad);
    assert!(
        wait_for(Duration::from_secs(10), || root.state() == "FAULT"
            && root.log().contains("following the kernel's process events")),
        "{}",
        root.log()
    );
    let small = connector_rb(kad_pid).expect("connector socket");

    // kad stopped, a burst of processes overflows its socket, and the
    // tracked process's own events are lost behind them.
    let o = sh(&format!("kill -STOP {kad_pid}"));
    assert!(o.status.success());
    for _ in 0..100 {
        let _ = Command::new("/bin/true").status();
    }
    root.tracked = Some(
        Command::new("/bin/sleep")
            .arg(&arg)
            .spawn()
            .expect("spawn sleep"),
    );
    std::thread::sleep(Duration::from_millis(100));
    let o = sh(&format!("kill -CONT {kad_pid}"));
    assert!(o.status.success());

    // kad learns of the loss, doubles the buffer as keepalived does, and
    // the rescan finds the process.
    assert!(
        wait_for(Duration::from_secs(10), || root.state() == "MASTER"),
        "{}",
        root.log()
    );
    let log = root.log();
    assert!(
        log.contains("process events were lost; rescanning /proc")
            && log.contains("Setting global_def process_monitor_rcv_bufs to"),
        "{log}"
    );
    assert!(connector_rb(kad_pid).unwrap_or(0) > small, "{log}");
}
