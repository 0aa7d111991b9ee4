//! `net_namespace` and `instance`: started in the root namespace, kad
//! moves into the configured namespace before it opens anything (its VIP is
//! there, not in the root namespace), and the namespace and instance name
//! its pid file, control socket and — with `data_use_instance` — its dump
//! files. Debian's keepalived 2.2.7 runs the same configuration (for the
//! next host's namespace) beside it, from the root namespace too: the two
//! elect each other over the lab's bridge, and their files follow the same
//! rule. A reload that changes the namespace is refused, as keepalived's.

use kad_integration::netns::{state_of, wait_for, Lab};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const VI: &str = "VI_1";

fn conf(lab: &Lab, ns: &str, priority: u8) -> String {
    format!(
        "net_namespace {ns}\ninstance lb1\n\
         global_defs {{\n router_id nsid\n data_use_instance\n}}\n\
         vrrp_instance {VI} {{\n interface eth0\n virtual_router_id 77\n priority {priority}\n advert_int 1\n\
          virtual_ipaddress {{\n {vip}/24\n }}\n}}\n",
        vip = lab.ip(100)
    )
}

/// A daemon started by the test, killed when the test ends however it
/// ends: started in the root namespace, it must not outlive a failure.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Daemon {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// Run `program args` from the root namespace with TMPDIR set.
fn start(program: &Path, args: &[&str], tmp: &Path, log: &Path) -> Daemon {
    std::fs::create_dir_all(tmp).unwrap();
    Daemon(
        Command::new(program)
            .args(args)
            .env("TMPDIR", tmp)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    )
}

/// SIGTERM, and wait until it has exited.
fn stop(d: &mut Daemon) {
    signal(d.id(), nix::sys::signal::Signal::SIGTERM);
    assert!(wait_for(Duration::from_secs(10), || d
        .try_wait()
        .ok()
        .flatten()
        .is_some()));
}

fn root_has(addr: &str) -> bool {
    let o = Command::new("ip")
        .args(["-o", "addr", "show"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .any(|w| w.split('/').next() == Some(addr))
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig);
}

/// The only file in `dir` whose name starts with `keepalived.`.
fn dump_file(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("keepalived.") && n.ends_with(".data"))
}

#[test]
fn net_namespace_and_instance_place_the_daemon_as_keepalived() {
    kad_integration::netns::require_root();
    let lab = Lab::new(2);
    let (ns0, ns1) = (lab.ns(0), lab.ns(1));
    let d = lab.dir.path();
    let kad_conf = lab.write("kad.conf", &conf(&lab, &ns0, 150));
    let ka_conf = lab.write("ka.conf", &conf(&lab, &ns1, 100));
    let (kad_tmp, ka_tmp) = (d.join("kad-tmp"), d.join("ka-tmp"));
    let kad_log = d.join("kad.log");
    let mut kad = start(
        &kad_integration::bin("kad"),
        &["-n", "-l", "-f", kad_conf.to_str().unwrap()],
        &kad_tmp,
        &kad_log,
    );
    let ka = kad_integration::require("keepalived");
    let keepalived = start(
        &ka,
        &["--vrrp", "-n", "-l", "-D", "-f", ka_conf.to_str().unwrap()],
        &ka_tmp,
        &d.join("ka.log"),
    );
    let log = || std::fs::read_to_string(&kad_log).unwrap_or_default();
    let sock = PathBuf::from(format!("/run/kad/{ns0}/kad_lb1.sock"));
    let pidf = PathBuf::from(format!("/run/kad/{ns0}/kad_lb1.pid"));
    let ka_pidf = PathBuf::from(format!("/run/keepalived/{ns1}/keepalived_lb1.pid"));
    let vip = lab.ip(100);

    assert!(
        wait_for(Duration::from_secs(15), || state_of(&sock, VI).as_deref()
            == Some("MASTER")),
        "kad is not MASTER on {}: {}",
        sock.display(),
        log()
    );
    // The VIP is in the configured namespace, not where kad was started.
    assert!(wait_for(Duration::from_secs(5), || lab.has_addr(0, &vip)));
    assert!(!root_has(&vip), "the VIP is in the root namespace");
    // keepalived, in the other namespace, hears kad's adverts there.
    assert!(
        wait_for(Duration::from_secs(10), || lab
            .log("ka.log")
            .contains(&format!("({VI}) Entering BACKUP STATE"))),
        "{}",
        lab.log("ka.log")
    );
    assert!(!lab.has_addr(1, &vip));
    let pid_in = |p: &Path| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
    };
    assert_eq!(pid_in(&pidf), Some(kad.id()), "{}", pidf.display());
    assert!(
        wait_for(Duration::from_secs(5), || pid_in(&ka_pidf).is_some()),
        "keepalived's pid file {} (the rule kad's follows)",
        ka_pidf.display()
    );

    // data_use_instance: both put namespace and instance in the name.
    signal(kad.id(), nix::sys::signal::Signal::SIGUSR1);
    signal(keepalived.id(), nix::sys::signal::Signal::SIGUSR1);
    assert!(wait_for(Duration::from_secs(10), || dump_file(&kad_tmp)
        .is_some()
        && dump_file(&ka_tmp).is_some()));
    assert_eq!(
        dump_file(&kad_tmp).unwrap(),
        format!("keepalived.{ns0}_lb1.data")
    );
    assert_eq!(
        dump_file(&ka_tmp).unwrap(),
        format!("keepalived.{ns1}_lb1.data")
    );

    // A reload that would move kad is refused; it runs on.
    std::fs::write(&kad_conf, conf(&lab, &ns1, 150)).unwrap();
    signal(kad.id(), nix::sys::signal::Signal::SIGHUP);
    assert!(
        wait_for(Duration::from_secs(10), || log().contains(
            "Cannot change network namespace at a reload - please restart kad"
        )),
        "{}",
        log()
    );
    assert_eq!(state_of(&sock, VI).as_deref(), Some("MASTER"));
    assert!(lab.has_addr(0, &vip));

    stop(&mut kad);
    assert!(!pidf.exists(), "the pid file is removed on stop");
    assert!(!lab.has_addr(0, &vip), "the VIP is released on stop");
    drop(keepalived);
}

#[test]
fn a_missing_net_namespace_stops_start_up_naming_it() {
    kad_integration::netns::require_root();
    let lab = Lab::new(1);
    let missing = format!("{}-none", lab.ns(0));
    let c = lab.write("k.conf", &conf(&lab, &missing, 150));
    let log = lab.dir.path().join("kad.log");
    let tmp = lab.dir.path().join("tmp");
    let mut kad = start(
        &kad_integration::bin("kad"),
        &["-n", "-l", "-f", c.to_str().unwrap()],
        &tmp,
        &log,
    );
    let mut code = None;
    assert!(wait_for(Duration::from_secs(10), || {
        code = kad.try_wait().ok().flatten().map(|s| s.code());
        code.is_some()
    }));
    let err = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(code, Some(Some(1)), "{err}");
    assert!(
        err.contains(&format!("Unable to set network namespace {missing}")),
        "{err}"
    );
}

#[test]
fn use_pid_dir_moves_the_pid_file_under_run_kad() {
    kad_integration::netns::require_root();
    let lab = Lab::new(1);
    let text =
        conf(&lab, "unused", 150).replace("net_namespace unused\ninstance lb1\n", "use_pid_dir\n");
    let c = lab.write("k.conf", &text);
    let log = lab.dir.path().join("kad.log");
    let sock = lab.socket(0);
    // In the lab's namespace (no net_namespace), its own socket: only the
    // pid file is left to the default, which use_pid_dir moves.
    let kad = Daemon(
        Command::new("ip")
            .args(["netns", "exec", &lab.ns(0)])
            .arg(kad_integration::bin("kad"))
            .args(["-n", "-l", "-f"])
            .arg(&c)
            .arg("--socket")
            .arg(&sock)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let pidf = Path::new("/run/kad/kad.pid");
    assert!(
        wait_for(Duration::from_secs(15), || state_of(&sock, VI).as_deref()
            == Some("MASTER")),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let pid = std::fs::read_to_string(pidf).unwrap_or_default();
    assert_eq!(pid.trim(), kad.id().to_string());
    let mut kad = kad;
    stop(&mut kad);
    assert!(!pidf.exists(), "the pid file is removed on stop");
}
