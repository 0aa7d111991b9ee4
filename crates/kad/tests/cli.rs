//! `kad`'s command line: keepalived's `-t` exit codes and `--dump-config`.
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

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn missing_config_file_cannot_run() {
    let (code, _, err) = kad(&["-t", "-f", "/nonexistent/kad.conf"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("/nonexistent/kad.conf"), "{err}");
}

#[test]
fn clean_config_exits_zero_and_dumps_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "k.conf",
        "vrrp_instance VI_1 {\n interface lo\n state MASTER\n virtual_router_id 9\n virtual_ipaddress {\n  10.9.9.9/24\n }\n}\n",
    );
    let (code, _, err) = kad(&["-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = kad(&["--dump-config", "-f", &f]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let inst = &v["vrrp_instances"][0];
    assert_eq!(inst["name"], "VI_1");
    // state MASTER without a priority is the address owner.
    assert_eq!(inst["priority"], 255);
    assert_eq!(inst["virtual_ipaddress"][0]["addr"], "10.9.9.9/24");
    assert_eq!(inst["advert_int"], 100);
}

#[test]
fn environment_check_finds_missing_interface_and_can_be_turned_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "k.conf",
        "vrrp_instance VI_1 {\n interface kadnosuchif0\n virtual_router_id 9\n\
         virtual_ipaddress {\n 10.9.9.9/24\n }\n}\n",
    );
    let (code, _, err) = kad(&["-t", "-f", &f]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("kadnosuchif0"), "{err}");
    let (code, _, err) = kad(&["-t", "--no-env-check", "-f", &f]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn insecure_script_is_exit_6() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write(dir.path(), "chk.sh", "#!/bin/sh\nexit 0\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let f = write(
        dir.path(),
        "k.conf",
        &format!("global_defs {{\n enable_script_security\n}}\nvrrp_script chk {{\n script \"{script}\"\n}}\n"),
    );
    let (code, _, err) = kad(&["-t", "-f", &f]);
    assert_eq!(code, 6, "{err}");
}

#[test]
fn config_id_selects_conditional_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "k.conf",
        "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 9\n@high priority 170\n@low priority 85\n@^high advert_int 3\n}\n",
    );
    let (_, out, _) = kad(&["--dump-config", "-i", "high", "-f", &f]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["vrrp_instances"][0]["priority"], 170);
    assert_eq!(v["vrrp_instances"][0]["advert_int"], 100);
    let (_, out, _) = kad(&["--dump-config", "--config-id", "low", "-f", &f]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["vrrp_instances"][0]["priority"], 85);
    assert_eq!(v["vrrp_instances"][0]["advert_int"], 300);
}

/// `kad -T` (keepalived's genhash) prints the digest of a URL's body.
#[test]
fn genhash_prints_md5_and_sha1_of_the_body() {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let mut s = s.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n");
        }
    });
    let run = |extra: &[&str]| {
        let mut args = vec!["-T", "-s", "127.0.0.1", "-u", "/"];
        let p = port.to_string();
        args.extend(["-p", &p]);
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_kad"))
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(run(&[]), "MD5SUM = b1946ac92492d2347c6235b4d2611184\n");
    assert_eq!(
        run(&["-H", "sha1"]),
        "SHA1SUM = f572d396fae9206628714fb2ce00f72e94f2258f\n"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_kad"))
        .args(["-T", "-s", "127.0.0.1", "-p", "1", "-u", "/"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("refused"));
}
