//! kad reads what keepalived reads: for every sample configuration, every
//! line keepalived 2.2.7 (Debian's) complains about, kad reports too
//! (keepalived's messages about interfaces missing on the test machine
//! aside), and `kad --dump-config` succeeds.

use kad_integration::report_lines::{kad_lines, keepalived_lines};
use kad_integration::{bin, require, sample_configs};
use std::process::Command;

/// Lines keepalived reports that kad does not yet, per sample: each is a
/// known gap with its reason. The test fails when a gap closes (remove it
/// here) as well as when a new one opens.
const KNOWN_GAPS: &[(&str, &[u32], &str)] = &[];

/// Samples with configuration errors keepalived reports too: `--dump-config`
/// refuses them (exit 5) and names the lines.
const BROKEN_SAMPLES: &[(&str, &[u32])] = &[
    // (none since keepalived's corrections are applied: the rules sample's
    // `to 192.168.100./24` is skipped with a warning, as keepalived does)
];

fn name(conf: &std::path::Path) -> String {
    conf.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn kad_reports_every_line_keepalived_reports() {
    let keepalived = require("keepalived");
    let kad = bin("kad");
    let mut failures = Vec::new();
    let mut table = Vec::new();
    for conf in sample_configs() {
        let ka = Command::new(&keepalived)
            .arg("-t")
            .arg("-f")
            .arg(&conf)
            .output()
            .expect("keepalived -t");
        let ka_err = String::from_utf8_lossy(&ka.stderr);
        let want = keepalived_lines(&ka_err);
        let k = Command::new(&kad)
            .args(["-t", "--no-env-check", "-f"])
            .arg(&conf)
            .output()
            .expect("kad -t");
        let k_err = String::from_utf8_lossy(&k.stderr);
        let got = kad_lines(&k_err);
        let missing: Vec<u32> = want.difference(&got).copied().collect();
        table.push(format!(
            "{:<45} keepalived rc={} lines={:?}  kad rc={} lines={:?}",
            name(&conf),
            ka.status.code().unwrap_or(-1),
            want,
            k.status.code().unwrap_or(-1),
            got
        ));
        let known: &[u32] = KNOWN_GAPS
            .iter()
            .find(|(n, _, _)| *n == name(&conf))
            .map_or(&[], |(_, l, _)| l);
        if missing != known && !known.is_empty() {
            failures.push(format!(
                "{}: known gap {known:?} is now {missing:?}: update KNOWN_GAPS",
                conf.display()
            ));
        } else if missing != known {
            failures.push(format!(
                "{}: kad misses lines {missing:?}\nkeepalived:\n{ka_err}\nkad:\n{k_err}",
                conf.display()
            ));
        }
    }
    println!("{}", table.join("\n"));
    assert!(
        table.len() >= 19 + 4,
        "expected keepalived's samples and conf.d"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn dump_config_succeeds_on_every_sample() {
    let kad = bin("kad");
    for conf in sample_configs() {
        let out = Command::new(&kad)
            .arg("--dump-config")
            .arg("-f")
            .arg(&conf)
            .output()
            .expect("kad --dump-config");
        // kad refuses auth_type AH (issue 9): keepalived's SSL_GET sample
        // uses it.
        if String::from_utf8_lossy(&out.stderr).contains("auth_type AH: kad does not implement") {
            assert_ne!(out.status.code(), Some(0), "{}", conf.display());
            continue;
        }
        if let Some((_, lines)) = BROKEN_SAMPLES.iter().find(|(n, _)| *n == name(&conf)) {
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(5), "{}: {err}", conf.display());
            let got: Vec<u32> = kad_lines(&err).into_iter().collect();
            assert_eq!(&got, lines, "{}: {err}", conf.display());
            continue;
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            conf.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert!(v.get("global").is_some(), "{}", conf.display());
    }
}

#[test]
fn conf_d_examples_are_clean() {
    let kad = bin("kad");
    for conf in sample_configs()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("/conf.d/"))
    {
        for id in ["kad1", "kad2"] {
            let out = Command::new(&kad)
                .args(["-t", "--no-env-check", "-i", id, "-f"])
                .arg(&conf)
                .output()
                .expect("kad -t");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                conf.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A sync group takes fewer notify keywords than an instance: keepalived
/// 2.2.7 reports `notify_deleted` and `notify_master_rx_lower_pri` in a
/// `vrrp_sync_group` as unknown keywords (and reads them in an instance);
/// kad reports the same lines and no others.
#[test]
fn sync_group_notify_deleted_is_unknown_as_in_keepalived() {
    let (ka_err, k_err) = both_check(
        "sg-notify",
        "vrrp_sync_group G {
    group {
        VI_1
    }
    notify_deleted
    notify_master_rx_lower_pri /bin/true
    notify_master /bin/true
}
vrrp_instance VI_1 {
    interface lo
    virtual_router_id 51
    priority 100
    notify_deleted
    notify_master_rx_lower_pri /bin/true
    virtual_ipaddress {
        192.0.2.1/32
    }
}
",
    );
    let want = keepalived_lines(&ka_err);
    let got = kad_lines(&k_err);
    // Lines 5 and 6: the two keywords keepalived does not know in a group.
    assert!(
        want.contains(&5) && want.contains(&6),
        "keepalived:\n{ka_err}"
    );
    assert_eq!(want, got, "keepalived:\n{ka_err}\nkad:\n{k_err}");
    assert!(
        k_err.contains("unknown keyword 'notify_deleted' in vrrp_sync_group"),
        "kad:\n{k_err}"
    );
}

/// The scheduling keywords' corrections and refusals, line for line as
/// keepalived 2.2.7 reports them.
#[test]
fn scheduling_keywords_are_corrected_as_keepalived_corrects_them() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let conf = format!(
        "global_defs {{
    vrrp_rt_priority 200
    checker_rt_priority 0
    vrrp_priority 30
    max_auto_priority 200
    min_auto_priority_delay 0
    vrrp_cpu_affinity 0 {cpus}
    checker_rlimit_rttime x
    checker_priority -20
    vrrp_rlimit_rttime 1
}}
vrrp_instance VI_1 {{
    interface lo
    virtual_router_id 51
    priority 100
    virtual_ipaddress {{
        192.0.2.1/32
    }}
}}
"
    );
    let (ka_err, k_err) = both_check("sched", &conf);
    let want: Vec<u32> = keepalived_lines(&ka_err)
        .into_iter()
        .filter(|&l| l <= 11)
        .collect();
    let got: Vec<u32> = kad_lines(&k_err).into_iter().filter(|&l| l <= 11).collect();
    assert_eq!(want, vec![2, 3, 4, 5, 6, 7, 8], "keepalived:\n{ka_err}");
    assert_eq!(want, got, "keepalived:\n{ka_err}\nkad:\n{k_err}");
    for m in [
        "vrrp process real-time priority 200 greater than maximum 99 - setting to maximum",
        "checker process real-time priority 0 less than minimum 1 - setting to minimum",
        "Invalid vrrp process priority specified",
        "max_auto_priority '200' must be in [0, 99] (or -1 to disable) - ignoring",
        "min_auto_priority_delay '0' must be in [1, 10000000] - ignoring",
        "specified for vrrp process",
        "Invalid checker real-time limit - x",
    ] {
        assert!(ka_err.contains(m), "keepalived:\n{ka_err}");
        assert!(k_err.contains(m), "kad:\n{k_err}");
    }
}

/// `keepalived -t` and `kad -t` on the same text: their standard errors.
fn both_check(name: &str, text: &str) -> (String, String) {
    let keepalived = require("keepalived");
    let dir = std::env::temp_dir().join(format!("kad-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("keepalived.conf");
    std::fs::write(&conf, text).unwrap();
    let ka = Command::new(&keepalived)
        .args(["-t", "-f"])
        .arg(&conf)
        .output()
        .expect("keepalived -t");
    let k = Command::new(bin("kad"))
        .args(["-t", "--no-env-check", "-f"])
        .arg(&conf)
        .output()
        .expect("kad -t");
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&ka.stderr).into_owned(),
        String::from_utf8_lossy(&k.stderr).into_owned(),
    )
}
