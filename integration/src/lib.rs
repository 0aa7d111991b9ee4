//! Helpers shared by the integration tests: finding kad's binaries and the
//! real peers and oracles (keepalived, ipvsadm, tcpdump) they run against.

pub mod netns;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// `../shared` beside the project: reference material and corpora.
pub fn shared() -> PathBuf {
    root().join("../shared")
}

/// Path of a binary of this workspace, built if it is not there yet.
pub fn bin(name: &str) -> PathBuf {
    // Tests run from target/<profile>/deps/; binaries live one level up.
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let path = dir.join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--bin", name])
            .current_dir(root())
            .status()
            .expect("cargo build");
        assert!(status.success(), "building {name} failed");
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

/// Every sample configuration: the shared keepalived corpus and `conf.d/`.
pub fn sample_configs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in [
        shared().join("corpus/keepalived-samples"),
        root().join("conf.d"),
    ] {
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
    }
    v
}
