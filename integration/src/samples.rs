//! keepalived's sample configurations, from the keepalived package that
//! `test.sh` and `.ci/run` install (Debian ships them in
//! `/usr/share/doc/keepalived/samples`, some distributions gzip them).
//!
//! The tests of `kad-config` and `kad-ipvs` include this file by path
//! (`#[path = ...] mod samples;`): it uses std only. A missing package is a
//! failure with the reason, never a silent pass.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the package puts the samples; `KAD_KEEPALIVED_SAMPLES` overrides it
/// (kad's own variable, for a keepalived installed elsewhere).
pub fn dir() -> PathBuf {
    let d = std::env::var_os("KAD_KEEPALIVED_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/doc/keepalived/samples"));
    assert!(
        d.is_dir(),
        "keepalived's samples are not at {}: install the keepalived package \
         (test.sh and .ci/run do: apt-get install keepalived) or set KAD_KEEPALIVED_SAMPLES",
        d.display()
    );
    d
}

/// Every `keepalived.conf.*` sample, sorted by name, gzipped ones unpacked
/// (into a directory of this process under the temporary directory, named as
/// the sample without `.gz`, so diagnostics name the sample).
pub fn configs() -> Vec<PathBuf> {
    let d = dir();
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("keepalived.conf."))
        .collect();
    names.sort();
    let v: Vec<PathBuf> = names.iter().map(|n| plain(&d.join(n))).collect();
    assert!(
        v.len() >= 19,
        "only {} keepalived.conf.* samples in {}: is this keepalived's package?",
        v.len(),
        d.display()
    );
    v
}

/// The sample `name` (e.g. `keepalived.conf.sample`), plain or gzipped.
pub fn path(name: &str) -> PathBuf {
    let d = dir();
    let p = d.join(name);
    if p.is_file() {
        return p;
    }
    let gz = d.join(format!("{name}.gz"));
    assert!(
        gz.is_file(),
        "keepalived's sample {name} is neither in {} nor gzipped there",
        d.display()
    );
    plain(&gz)
}

/// `p` itself, or for `X.gz` the unpacked `X`.
fn plain(p: &Path) -> PathBuf {
    let Some(stem) = p
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".gz"))
    else {
        return p.to_path_buf();
    };
    let out_dir = std::env::temp_dir().join(format!("kad-samples-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("{}: {e}", out_dir.display()));
    let out = out_dir.join(stem);
    if !out.is_file() {
        let o = Command::new("gzip")
            .arg("-dc")
            .arg(p)
            .output()
            .unwrap_or_else(|e| panic!("gzip -dc {}: {e}", p.display()));
        assert!(o.status.success(), "gzip -dc {} failed", p.display());
        // Written whole under another name, then renamed: a parallel test
        // never reads half a file.
        let tmp = out_dir.join(format!("{stem}.part{:?}", std::thread::current().id()));
        std::fs::write(&tmp, &o.stdout).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
        std::fs::rename(&tmp, &out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
    out
}
