//! Issue 9 point 1: kad runs what keepalived runs, with keepalived's
//! corrections, warns where keepalived warns, and refuses with `--strict`,
//! on `auth_type AH` and where keepalived aborts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use std::process::Command;

fn kad(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kad"))
        .args(args)
        .output()
        .expect("run kad");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &std::path::Path, text: &str) -> String {
    let p = dir.join("k.conf");
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

/// The configurations of the issue, in one file.
const ISSUE: &str = "global_defs {
  vrrp_garp_interval 0
  vrrp_gna_interval 1.5
}
vrrp_instance VI_1 {
  state SLAVE
  interface eth0
  virtual_router_id 51
  priority False
  virtual_ipaddress {
    10.1.1.1
  }
  virtual_rules {
    from 10.0.0.1 table 100
  }
}
vrrp_instance VI_2 {
  state EQUAL
  interface eth0
  virtual_router_id 52
}
virtual_server 10.1.1.1 80 {
  lb_algo loadbalance
  lb_kind FNAT
  persistence_timeout 0
  protocol TCP
  alpha 1
  real_server 10.2.2.2 80 {
    weight 1
    TCP_CHECK {
      warmup True
    }
  }
  real_server 10.2.2.2 80 {
    weight 3
  }
}
";

#[test]
fn the_issue_configurations_run_with_keepalived_corrections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), ISSUE);
    let (code, _, err) = kad(&["-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 5, "{err}");
    assert!(!err.contains(": error:"), "{err}");
    for line in [2, 6, 9, 14, 18, 23, 24, 25, 31, 34] {
        assert!(
            err.lines().any(|l| l.contains(&format!("k.conf:{line}:"))),
            "line {line} not reported:\n{err}"
        );
    }
    let (code, out, err) = kad(&["--dump-config", "-f", &f]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(c["global"]["garp_interval"], 0.0);
    assert_eq!(c["global"]["gna_interval"], 1.5);
    let v1 = &c["vrrp_instances"][0];
    assert_eq!(
        (v1["state"].as_str(), v1["priority"].as_u64()),
        (Some("BACKUP"), Some(100))
    );
    assert_eq!(v1["virtual_rules"][0]["priority"], 16384);
    assert_eq!(c["vrrp_instances"][1]["state"], "BACKUP");
    let vs = &c["virtual_servers"][0];
    assert_eq!(vs["scheduler"], "wlc");
    assert_eq!(vs["method"]["method"], "NAT");
    assert!(vs["persistence_timeout"].is_null());
    assert_eq!(vs["alpha"], true);
    let rs = vs["real_servers"].as_array().expect("real servers");
    assert_eq!(rs.len(), 1, "the duplicate is removed");
    assert_eq!(rs[0]["weight"], 1, "the first one stays");
    // `warmup True`: keepalived's strtoull reads 0.
    assert_eq!(rs[0]["checkers"][0]["timing"]["warmup"], 0.0);
}

#[test]
fn strict_makes_every_correction_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), ISSUE);
    let (code, _, err) = kad(&["--strict", "-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("k.conf:6:9: error:"), "{err}");
    let (code, _, err) = kad(&["--strict", "--dump-config", "-f", &f]);
    assert_ne!(code, 0, "{err}");
    // The daemon refuses before it starts anything.
    let (code, _, err) = kad(&[
        "--strict",
        "-n",
        "-f",
        &f,
        "--socket",
        "/nonexistent/kad.sock",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was started"), "{err}");
}

#[test]
fn auth_type_ah_is_refused_in_check_and_at_start_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 9\n authentication {\n  auth_type AH\n  auth_pass secret\n }\n virtual_ipaddress {\n  10.9.9.9\n }\n}\n",
    );
    let (code, _, err) = kad(&["-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("k.conf:5:13: error:") && err.contains("does not implement"),
        "{err}"
    );
    let (code, _, err) = kad(&["-n", "-f", &f, "--socket", "/nonexistent/kad.sock"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing was started"), "{err}");
}

#[test]
fn a_keyword_without_its_parameter_aborts_as_keepalived_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 9\n priority\n}\n",
    );
    let (code, _, err) = kad(&["-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("k.conf:4:2: error:"), "{err}");
    let (code, _, _) = kad(&["--dump-config", "-f", &f]);
    assert_ne!(code, 0);
}
