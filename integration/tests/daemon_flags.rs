//! keepalived's daemon flags on kad, in namespaces: one instance per pid
//! file and socket, syslog on /dev/log (a socket the test binds, seen
//! through a mount namespace), -l / -g / -G, -P / -C, -V / -X, -s, -r / -c.

use kad_integration::netns::{state_of, status, wait_for, Lab};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const VI: &str = "VI_1";

fn vrrp(lab: &Lab, prio: &str, vip: u8) -> String {
    format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 51\n  {prio}\n  advert_int 1\n\
         virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(vip)
    )
}

/// A virtual server whose real server is this host's own TCP port.
fn vs(lab: &Lab) -> String {
    format!(
        "virtual_server {} 80 {{\n  lb_kind DR\n  protocol TCP\n  real_server {} 22 {{\n    TCP_CHECK {{\n      connect_timeout 1\n    }}\n  }}\n}}\n",
        lab.ip(200),
        lab.ip(1)
    )
}

fn master(lab: &Lab, h: usize) -> bool {
    wait_for(Duration::from_secs(10), || {
        state_of(&lab.socket(h), VI).as_deref() == Some("MASTER")
    })
}

fn pid_of(p: &Path) -> Option<u32> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

/// kad on host h with flags, waited for: its output.
fn kad_once(lab: &Lab, h: usize, args: &[&str]) -> std::process::Output {
    Command::new("ip")
        .args(["netns", "exec", &lab.ns(h)])
        .arg(kad_integration::bin("kad"))
        .args(args)
        .output()
        .expect("kad")
}

#[test]
fn a_second_kad_stops_naming_the_first_which_keeps_answering() {
    let mut lab = Lab::new(1);
    let c = lab.write("k.conf", &vrrp(&lab, "priority 150", 100));
    lab.kad(0, &c, "h0");
    assert!(master(&lab, 0), "{}", lab.log("kad0.log"));
    let pidf = lab.pid_file(0);
    let first = pid_of(&pidf).expect("the first kad wrote its pid");
    assert!(alive(first));
    let conf = c.to_str().unwrap().to_string();
    let other_sock = lab.dir.path().join("other.sock");
    let other_pid = lab.dir.path().join("other.pid");
    // The same pid file (another socket), then the same socket (another
    // pid file): both refused, naming the running kad.
    for (sock, pid) in [
        (other_sock.as_path(), pidf.as_path()),
        (lab.socket(0).as_path(), other_pid.as_path()),
    ] {
        let t = Instant::now();
        let out = kad_once(
            &lab,
            0,
            &[
                "-n",
                "-l",
                "-f",
                &conf,
                "--socket",
                sock.to_str().unwrap(),
                "-p",
                pid.to_str().unwrap(),
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(
            err.contains(&format!("already running (pid {first}")),
            "{err}"
        );
        assert!(!other_sock.exists(), "the second kad bound no socket");
    }
    // The first one is untouched.
    assert_eq!(pid_of(&pidf), Some(first));
    assert!(!other_pid.exists());
    for _ in 0..3 {
        assert_eq!(state_of(&lab.socket(0), VI).as_deref(), Some("MASTER"));
    }
    assert!(lab.has_addr(0, &lab.ip(100)));
}

/// Start kad detached inside host h's network namespace and a mount
/// namespace of its own whose /dev/log is the test's socket at `log`.
fn kad_detached(lab: &Lab, h: usize, log: &Path, args: &str, stderr: &Path) {
    let kad = kad_integration::bin("kad");
    let cmd = format!(
        "mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && ln -s {log} /dev/log && exec {kad} {args} 2>{err}",
        log = log.display(),
        kad = kad.display(),
        err = stderr.display()
    );
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns(h),
            "unshare",
            "-m",
            "--propagation",
            "private",
        ])
        .args(["sh", "-c", &cmd])
        .output()
        .expect("unshare");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(stderr).unwrap_or_default()
    );
}

fn receive(
    sock: &UnixDatagram,
    until: Duration,
    mut done: impl FnMut(&[String]) -> bool,
) -> Vec<String> {
    let end = Instant::now() + until;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 8192];
    while Instant::now() < end && !done(&got) {
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        if let Ok(n) = sock.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).to_string());
        }
    }
    got
}

fn stop(pidf: &Path) {
    let pid = pid_of(pidf).expect("pid");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    assert!(wait_for(Duration::from_secs(10), || !alive(pid)));
}

#[test]
fn detached_kad_logs_to_syslog_with_keepalived_idents_and_facility() {
    let lab = Lab::new(1);
    let c = lab.write("k.conf", &vrrp(&lab, "priority 150", 100));
    let logp = lab.dir.path().join("devlog");
    let rx = UnixDatagram::bind(&logp).unwrap();
    let pidf = lab.pid_file(0);
    let args = format!(
        "-f {} -i h0 --socket {} -p {} -S local3",
        c.display(),
        lab.socket(0).display(),
        pidf.display()
    );
    let err = lab.dir.path().join("stderr");
    kad_detached(&lab, 0, &logp, &args, &err);
    assert!(master(&lab, 0));
    let pid = pid_of(&pidf).expect("pid");
    let vrrp_tag = format!(" Keepalived_vrrp[{pid}]: ");
    let lines = receive(&rx, Duration::from_secs(5), |l| {
        l.iter()
            .any(|l| l.contains(&vrrp_tag) && l.contains("MASTER"))
    });
    // local3 (19) * 8 + info (6) = 158.
    let master_line = lines
        .iter()
        .find(|l| l.contains(&vrrp_tag) && l.contains("MASTER"))
        .unwrap_or_else(|| panic!("no VRRP line on /dev/log: {lines:#?}"));
    assert!(master_line.starts_with("<158>"), "{master_line}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!(" Keepalived[{pid}]: kad ")) && l.contains("starting")),
        "{lines:#?}"
    );
    // Detached without -l: nothing on stderr.
    stop(&pidf);
    let rest = receive(&rx, Duration::from_secs(2), |l| {
        l.iter().any(|l| l.contains("stopped"))
    });
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("Keepalived[{pid}]: stopped"))),
        "{rest:#?}"
    );
    assert_eq!(std::fs::read_to_string(&err).unwrap_or_default(), "");
    assert!(!pidf.exists(), "the pid file is removed on stop");
}

#[test]
fn no_syslog_console_and_log_file_flags() {
    let lab = Lab::new(1);
    let c = lab.write("k.conf", &vrrp(&lab, "priority 150", 100));
    let logp = lab.dir.path().join("devlog");
    let rx = UnixDatagram::bind(&logp).unwrap();
    let pidf = lab.pid_file(0);
    let file = lab.dir.path().join("kad-file.log");
    let args = format!(
        "-f {} -i h0 --socket {} -p {} -G -l -g{}",
        c.display(),
        lab.socket(0).display(),
        pidf.display(),
        file.display()
    );
    let err = lab.dir.path().join("stderr");
    kad_detached(&lab, 0, &logp, &args, &err);
    assert!(master(&lab, 0));
    stop(&pidf);
    let lines = receive(&rx, Duration::from_millis(500), |_| false);
    assert!(lines.is_empty(), "-G: nothing to syslog: {lines:#?}");
    let console = std::fs::read_to_string(&err).unwrap();
    assert!(
        console.contains("Entering MASTER") || console.contains("MASTER"),
        "{console}"
    );
    let f = std::fs::read_to_string(&file).unwrap();
    assert!(f.contains("MASTER") && f.contains("stopped"), "{f}");
}

#[test]
fn vrrp_only_and_check_only() {
    let mut lab = Lab::new(2);
    let conf = format!("{}{}", vrrp(&lab, "priority 150", 100), vs(&lab));
    let c = lab.write("k.conf", &conf);
    lab.kad_with(0, &c, "h0", &["-P"]);
    lab.kad_with(1, &c, "h1", &["-C"]);
    assert!(master(&lab, 0), "{}", lab.log("kad0.log"));
    let p = status(&lab.socket(0)).unwrap();
    assert_eq!(p.vrrp.len(), 1);
    assert!(
        p.checks.services.is_empty(),
        "-P runs no checkers: {:?}",
        p.checks
    );
    assert!(wait_for(Duration::from_secs(5), || status(&lab.socket(1)).is_some()));
    let c = status(&lab.socket(1)).unwrap();
    assert!(c.vrrp.is_empty(), "-C runs no VRRP: {:?}", c.vrrp);
    assert_eq!(c.checks.services.len(), 1, "-C runs the checkers");
    // Host 1 never takes the VIP, even though host 0 is its only peer.
    assert!(!lab.has_addr(1, &lab.ip(100)));
}

#[test]
fn dont_release_vrrp_keeps_vips_on_stop() {
    let mut lab = Lab::new(1);
    let c = lab.write("k.conf", &vrrp(&lab, "priority 150", 100));
    let vip = lab.ip(100);
    for (flags, kept) in [(&[][..], false), (&["-V"][..], true)] {
        let _ = lab.exec(0, &format!("ip addr del {vip}/24 dev eth0"));
        let p = lab.kad_with(0, &c, "h0", flags);
        assert!(master(&lab, 0));
        assert!(lab.has_addr(0, &vip));
        lab.signal(p, "TERM");
        assert!(lab.wait(p, Duration::from_secs(10)).is_some());
        assert_eq!(lab.has_addr(0, &vip), kept, "{flags:?}");
    }
}

#[test]
fn release_vips_removes_a_stale_vip_on_backup() {
    let mut lab = Lab::new(2);
    let c = lab.write(
        "k.conf",
        &vrrp(&lab, "@h0 priority 200\n@h1 priority 100", 100),
    );
    let vip = lab.ip(100);
    lab.kad(0, &c, "h0");
    assert!(master(&lab, 0));
    for (flags, stays) in [(&[][..], true), (&["-X"][..], false)] {
        // A VIP left behind (as by a run stopped with -V).
        lab.exec(1, &format!("ip addr add {vip}/24 dev eth0"));
        let p = lab.kad_with(1, &c, "h1", flags);
        assert!(wait_for(Duration::from_secs(10), || state_of(
            &lab.socket(1),
            VI
        )
        .as_deref()
            == Some("BACKUP")));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            lab.has_addr(1, &vip),
            stays,
            "{flags:?}: {}",
            lab.log("kad1.log")
        );
        lab.signal(p, "TERM");
        assert!(lab.wait(p, Duration::from_secs(10)).is_some());
        let _ = lab.exec(1, &format!("ip addr del {vip}/24 dev eth0"));
    }
}

#[test]
fn namespace_flag_and_extra_pid_files() {
    let lab = Lab::new(1);
    let c = lab.write("k.conf", &vrrp(&lab, "priority 150", 100));
    let d = lab.dir.path();
    let (vp, cp) = (d.join("vrrp.pid"), d.join("checkers.pid"));
    // Started in the root namespace: -s moves it into the lab's.
    let mut child = Command::new(kad_integration::bin("kad"))
        .args(["-n", "-l", "-s", &lab.ns(0), "-f"])
        .arg(&c)
        .args(["-i", "h0", "--socket"])
        .arg(lab.socket(0))
        .arg("-p")
        .arg(lab.pid_file(0))
        .arg("-r")
        .arg(&vp)
        .arg("-c")
        .arg(&cp)
        .arg("-P")
        .stderr(std::fs::File::create(d.join("kad0.log")).unwrap())
        .spawn()
        .unwrap();
    let ok = master(&lab, 0) && lab.has_addr(0, &lab.ip(100));
    let pid = child.id();
    let vpid = pid_of(&vp);
    let cexists = cp.exists();
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "{}", lab.log("kad0.log"));
    assert_eq!(vpid, Some(pid), "-r holds kad's pid");
    assert!(!cexists, "-P: no checkers, no checkers pid file");
}

#[test]
fn version_flag() {
    let out = Command::new(kad_integration::bin("kad"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("kad {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn log_detail_adds_debug_lines() {
    let mut lab = Lab::new(1);
    let c = lab.write("k.conf", &vs(&lab));
    for (flags, detail) in [(&[][..], false), (&["-DD"][..], true)] {
        let p = lab.kad_with(0, &c, "h0", flags);
        assert!(wait_for(Duration::from_secs(10), || status(&lab.socket(0)).is_some()));
        lab.signal(p, "HUP");
        assert!(wait_for(Duration::from_secs(10), || lab
            .log("kad0.log")
            .contains("reload: checkers updated")));
        lab.signal(p, "TERM");
        assert!(lab.wait(p, Duration::from_secs(10)).is_some());
        let log = lab.log("kad0.log");
        assert_eq!(log.contains("reload: health"), detail, "{flags:?}: {log}");
    }
}
