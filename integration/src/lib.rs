//! Helpers shared by the integration tests: finding kad's binaries and the
//! real peers and oracles (keepalived, ipvsadm, tcpdump) they run against.

pub mod bench_config;
pub mod netns;
pub mod report_lines;
pub mod samples;
pub mod vm;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Path of a binary of this workspace (next to the running executable:
/// tests run from target/<profile>/deps/, tools from target/<profile>/),
/// built once per process so that a test never runs a stale daemon.
pub fn bin(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().expect("executable");
    let dir = exe.parent().expect("target dir");
    let profile_dir = if dir.ends_with("deps") {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    let path = profile_dir.join(name);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args(["build", "-q", "--bin", name]).current_dir(root());
        if profile_dir.ends_with("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo build");
        assert!(status.success(), "building {name} failed");
        built.push(name.to_string());
    }
    path
}

/// A tool the test needs from the system; CI installs it, so its absence
/// is a failure, not a skip.
pub fn require(tool: &str) -> PathBuf {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = Path::new(dir).join(tool);
        if p.exists() {
            return p;
        }
    }
    panic!("{tool} is not installed: `.ci/run` installs it (apt-get install {tool})");
}

/// Every sample configuration: keepalived's (from its package, see
/// [`samples`]) and kad's `conf.d/`.
pub fn sample_configs() -> Vec<PathBuf> {
    let mut v = samples::configs();
    let dir = root().join("conf.d");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_file() {
            v.push(p);
        } else if p.join("keepalived.conf").is_file() {
            v.push(p.join("keepalived.conf"));
        }
    }
    v
}
