//! A small lab of network namespaces on one bridge, for tests that run
//! real daemons: every namespace, link and process it creates is removed
//! when it is dropped, also when the test fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Fail clearly when not root: these tests need namespaces (CI is root).
pub fn require_root() {
    if !nix::unistd::geteuid().is_root() {
        panic!("this test needs root (network namespaces); run ./test.sh as root");
    }
}

pub fn sh(cmd: &str) -> Output {
    Command::new("sh").arg("-c").arg(cmd).output().expect("sh")
}

fn must(cmd: &str) {
    let o = sh(cmd);
    assert!(
        o.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Hosts `0..n` on one bridge, host i with address 10.<net>.0.<i+1>/24 on
/// its `eth0`.
pub struct Lab {
    pub id: String,
    pub net: u8,
    pub hosts: usize,
    pub dir: tempfile::TempDir,
    procs: Vec<Child>,
}

impl Lab {
    pub fn new(hosts: usize) -> Lab {
        require_root();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        // The whole pid and a separator: test processes run side by side
        // (several suites at once), and two labs with one name would
        // delete each other's namespaces. `{id}v{h}` stays within the 15
        // characters of an interface name (pid_max has 7 digits).
        let id = format!("k{}x{}", std::process::id(), n);
        let net = 100 + (std::process::id() % 50) as u8 + (n % 100) as u8;
        let lab = Lab {
            id,
            net,
            hosts,
            dir: tempfile::tempdir().expect("tempdir"),
            procs: Vec::new(),
        };
        must(&format!("ip netns add {}br", lab.id));
        must(&format!("ip netns exec {}br ip link add br0 type bridge && ip netns exec {}br ip link set br0 up", lab.id, lab.id));
        for h in 0..hosts {
            let ns = lab.ns(h);
            must(&format!("ip netns add {ns}"));
            must(&format!(
                "ip link add {id}v{h} type veth peer name eth0 netns {ns}",
                id = lab.id
            ));
            must(&format!("ip link set {id}v{h} netns {id}br", id = lab.id));
            must(&format!(
                "ip netns exec {id}br ip link set {id}v{h} master br0 up",
                id = lab.id
            ));
            must(&format!(
                "ip netns exec {ns} sh -c 'sysctl -qw net.ipv6.conf.eth0.accept_dad=0 && ip addr add 10.{}.0.{}/24 dev eth0 && ip link set eth0 up && ip link set lo up'",
                lab.net,
                h + 1
            ));
        }
        lab
    }

    pub fn ns(&self, h: usize) -> String {
        format!("{}h{h}", self.id)
    }

    /// Address `i` (1-based last octet) on the lab's subnet.
    pub fn ip(&self, last: u8) -> String {
        format!("10.{}.0.{last}", self.net)
    }

    pub fn exec(&self, h: usize, cmd: &str) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns(h), "sh", "-c", cmd])
            .output()
            .expect("ip netns exec")
    }

    /// Set host h's link on the bridge up or down (a hard failure: the host
    /// itself loses carrier, the others keep theirs).
    pub fn link(&self, h: usize, up: bool) {
        must(&format!(
            "ip netns exec {id}br ip link set {id}v{h} {}",
            if up { "up" } else { "down" },
            id = self.id
        ));
    }

    pub fn has_addr(&self, h: usize, addr: &str) -> bool {
        let o = self.exec(h, "ip -o addr show");
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .any(|w| w.split('/').next() == Some(addr))
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    pub fn socket(&self, h: usize) -> PathBuf {
        self.dir.path().join(format!("kad{h}.sock"))
    }

    /// Run `cmd` (through `sh -c`, use `exec`) in host h until the lab
    /// ends; output to `name`.
    pub fn spawn(&mut self, h: usize, cmd: &str, name: &str) -> usize {
        let log = std::fs::File::create(self.dir.path().join(name)).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(h), "sh", "-c", cmd])
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn");
        self.procs.push(child);
        self.procs.len() - 1
    }

    /// An HTTP GET from inside host h (python3's urllib): the body, or
    /// None on any error.
    pub fn http_get(&self, h: usize, url: &str) -> Option<String> {
        let o = Command::new("ip")
            .args(["netns", "exec", &self.ns(h), "python3", "-c"])
            .arg("import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1],timeout=5).read().decode())")
            .arg(url)
            .output()
            .ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// Start kad on host h with `conf` and config id `id`; returns its index.
    pub fn kad(&mut self, h: usize, conf: &Path, id: &str) -> usize {
        self.kad_with(h, conf, id, &[])
    }

    /// The pid file of the kad on host h.
    pub fn pid_file(&self, h: usize) -> PathBuf {
        self.dir.path().join(format!("kad{h}.pid"))
    }

    /// `kad` with more flags.
    pub fn kad_with(&mut self, h: usize, conf: &Path, id: &str, extra: &[&str]) -> usize {
        // Appended: a restarted kad keeps the earlier run's lines.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("kad{h}.log")))
            .expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(h)])
            .arg(crate::bin("kad"))
            .args(["-n", "-l", "-f"])
            .arg(conf)
            .args(["-i", id, "--socket"])
            .arg(self.socket(h))
            .arg("-p")
            .arg(self.pid_file(h))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start kad");
        self.procs.push(child);
        self.procs.len() - 1
    }

    /// Start Debian's keepalived (VRRP only) on host h.
    pub fn keepalived(&mut self, h: usize, conf: &Path, id: &str) -> usize {
        let ka = crate::require("keepalived");
        let d = self.dir.path();
        let log = std::fs::File::create(d.join(format!("keepalived{h}.log"))).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(h)])
            .arg(ka)
            .args(["--vrrp", "-n", "-l", "-D", "-f"])
            .arg(conf)
            .args(["-i", id, "-p"])
            .arg(d.join(format!("ka{h}.pid")))
            .arg("-r")
            .arg(d.join(format!("kav{h}.pid")))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start keepalived");
        self.procs.push(child);
        self.procs.len() - 1
    }

    /// Start `program` with `args` on host h with extra environment
    /// variables, its stderr in the lab's file `log`; returns its index.
    pub fn spawn_env(
        &mut self,
        h: usize,
        program: &Path,
        args: &[&std::ffi::OsStr],
        env: &[(&str, &std::ffi::OsStr)],
        log: &str,
    ) -> usize {
        let log = std::fs::File::create(self.dir.path().join(log)).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns(h)])
            .arg(program)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start");
        self.procs.push(child);
        self.procs.len() - 1
    }

    /// The pid of a started process (`ip netns exec` runs it in place).
    pub fn pid(&self, p: usize) -> u32 {
        self.procs[p].id()
    }

    /// How many processes the lab has started (the last one is this - 1).
    pub fn procs_len(&self) -> usize {
        self.procs.len()
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    /// Send `sig` to a process started by the lab.
    pub fn signal(&self, p: usize, sig: &str) {
        let pid = self.procs[p].id();
        must(&format!("kill -{sig} {pid}"));
    }

    /// Wait for a started process to exit; its exit status.
    pub fn wait(&mut self, p: usize, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.procs[p].try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for p in &mut self.procs {
            let _ = p.kill();
            let _ = p.wait();
        }
        for h in 0..self.hosts {
            let _ = sh(&format!("ip netns del {}", self.ns(h)));
        }
        let _ = sh(&format!("ip netns del {}br", self.id));
    }
}

/// Poll `f` every 20 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A tcpdump running in a namespace, writing a pcap.
pub struct Capture {
    child: Child,
    pub file: PathBuf,
}

impl Capture {
    pub fn start(lab: &Lab, h: usize, filter: &str) -> Capture {
        let tcpdump = crate::require("tcpdump");
        let file = lab.dir.path().join(format!(
            "cap{h}-{}.pcap",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let child = Command::new("ip")
            .args(["netns", "exec", &lab.ns(h)])
            .arg(tcpdump)
            .args([
                "-i",
                "eth0",
                "-U",
                "--immediate-mode",
                "-n",
                "--time-stamp-precision=nano",
                "-w",
            ])
            .arg(&file)
            .arg(filter)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tcpdump");
        // tcpdump needs a moment to attach.
        wait_for(Duration::from_secs(3), || file.exists());
        std::thread::sleep(Duration::from_millis(300));
        Capture { child, file }
    }

    /// Stop and return tcpdump's verbose reading of what was captured.
    pub fn stop(mut self) -> String {
        std::thread::sleep(Duration::from_millis(200));
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let o = Command::new(crate::require("tcpdump"))
            .args(["-r"])
            .arg(&self.file)
            .args(["-n", "-e", "-v", "-tt", "--time-stamp-precision=nano"])
            .output()
            .expect("tcpdump -r");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status kad reports over its control socket.
pub fn status(sock: &Path) -> Option<kactl::Status> {
    match kactl::client::request(sock, &kactl::Request::Status) {
        Ok(kactl::Response::Status(s)) => Some(s),
        _ => None,
    }
}

pub fn state_of(sock: &Path, instance: &str) -> Option<String> {
    status(sock)?
        .vrrp
        .into_iter()
        .find(|v| v.name == instance)
        .map(|v| v.state)
}

/// The state keepalived last logged for `instance` ("(VI_1) Entering
/// MASTER STATE", or at start-up "(VI_1) entering FAULT state" and
/// "(VI_1): entering FAULT state (reason)"), or "" before any.
pub fn keepalived_state(log: &str, instance: &str) -> String {
    let tags = [
        format!("({instance}) Entering "),
        format!("({instance}) entering "),
        format!("({instance}): entering "),
    ];
    log.lines()
        .rev()
        .find_map(|l| {
            tags.iter().find_map(|tag| {
                Some(
                    l[l.find(tag.as_str())? + tag.len()..]
                        .split(' ')
                        .next()?
                        .to_uppercase(),
                )
            })
        })
        .unwrap_or_default()
}

/// Send the raw signal `sig` (SIGRTMIN+2 and the like, which nix's
/// `Signal` cannot name) to `pid`.
pub fn kill(pid: u32, sig: i32) {
    // SAFETY: kill has no memory-safety preconditions; the pid is a child
    // the test started and has not reaped.
    let r = unsafe { libc::kill(pid as libc::pid_t, sig) };
    assert_eq!(r, 0, "kill -{sig} {pid}");
}

/// The file once it is complete (it ends with a newline and stopped
/// growing), within 5 s.
pub fn read_complete(p: &Path) -> String {
    let mut last = String::new();
    let ok = wait_for(Duration::from_secs(5), || {
        let now = std::fs::read_to_string(p).unwrap_or_default();
        let done = !now.is_empty() && now.ends_with('\n') && now == last;
        last = now;
        done
    });
    assert!(ok, "{} was not written", p.display());
    last
}
