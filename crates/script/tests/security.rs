//! keepalived's script security rules on real files (root-owned temporary
//! directories, as the daemon meets them), with keepalived 2.2.7's lines.
//! `integration/tests/script_security.rs` runs the same rules through the
//! daemon beside keepalived.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_config::model::{CheckKind, Config};
use kad_script::security::apply;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn root() -> bool {
    let r = nix::unistd::geteuid().is_root();
    if !r {
        eprintln!("skipped: the rules for root's scripts need root");
    }
    r
}

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// `ok/` (0755), `open/` (0777), `sticky/` (1777) with `s.sh` (0755) in
/// each, and `ok/w.sh` (0777: the file itself writable).
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    mode(d.path(), 0o755);
    for (dir, m) in [("ok", 0o755), ("open", 0o777), ("sticky", 0o1777)] {
        let p = d.path().join(dir);
        std::fs::create_dir(&p).unwrap();
        mode(&p, m);
        std::fs::write(p.join("s.sh"), "#!/bin/sh\nexit 0\n").unwrap();
        mode(&p.join("s.sh"), 0o755);
    }
    let w = d.path().join("ok/w.sh");
    std::fs::write(&w, "#!/bin/sh\nexit 0\n").unwrap();
    mode(&w, 0o777);
    d
}

fn load(text: &str) -> Config {
    let l = kad_config::load_str(text, Path::new("/k.conf"), &Default::default());
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    l.config
}

fn vrrp(d: &Path, global: &str) -> Config {
    let d = d.display();
    load(&format!(
        "global_defs {{\n{global}\n}}
vrrp_script good {{\n script \"{d}/ok/s.sh good\"\n}}
vrrp_script bad {{\n script \"{d}/open/s.sh bad\"\n}}
vrrp_script badfile {{\n script \"{d}/ok/w.sh\"\n}}
vrrp_script sticky {{\n script \"{d}/sticky/s.sh\"\n}}
vrrp_script missing {{\n script \"{d}/ok/nope.sh\"\n}}
vrrp_instance V {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n 10.255.7.7/32\n }}
 track_script {{\n good\n bad\n badfile\n sticky\n missing\n }}
 notify_master \"{d}/open/s.sh master\"\n notify_backup \"{d}/ok/s.sh backup\"\n}}\n"
    ))
}

fn names(c: &Config) -> (Vec<String>, Vec<String>) {
    (
        c.vrrp_scripts.iter().map(|s| s.name.clone()).collect(),
        c.vrrp_instances[0]
            .track
            .scripts
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    )
}

#[test]
fn insecure_scripts_are_removed_under_script_security() {
    if !root() {
        return;
    }
    let t = tree();
    let d = t.path().display();
    let mut c = vrrp(t.path(), "enable_script_security\nscript_user root");
    let lines = apply(&mut c);
    // keepalived 2.2.7's lines for this configuration, in its order.
    assert_eq!(
        lines,
        [
            format!("Unsafe permissions found for script '{d}/open/s.sh' - disabling."),
            "Disabling track script bad due to insecure".into(),
            format!("Unsafe permissions found for script '{d}/ok/w.sh' - disabling."),
            "Disabling track script badfile due to insecure".into(),
            format!("Script {d}/ok/nope.sh cannot be accessed - No such file or directory"),
            "Disabling track script missing since not found/accessible".into(),
            format!("Unsafe permissions found for script '{d}/open/s.sh' - disabling."),
        ]
    );
    let keep = vec!["good".to_string(), "sticky".to_string()];
    assert_eq!(names(&c), (keep.clone(), keep));
    let n = &c.vrrp_instances[0].notify;
    assert!(n.master.is_none(), "the insecure notify_master is dropped");
    let backup = n.backup.as_ref().expect("the safe notify_backup stays");
    assert_eq!(
        backup.user.as_deref(),
        Some("root"),
        "script_user is put on it"
    );
}

#[test]
fn without_script_security_insecure_scripts_run_and_are_reported() {
    if !root() {
        return;
    }
    let t = tree();
    let d = t.path().display();
    let mut c = vrrp(t.path(), "script_user root");
    let lines = apply(&mut c);
    assert_eq!(
        lines,
        [
            format!("Unsafe permissions found for script '{d}/open/s.sh'."),
            format!("Unsafe permissions found for script '{d}/ok/w.sh'."),
            format!("Script {d}/ok/nope.sh cannot be accessed - No such file or directory"),
            "Disabling track script missing since not found/accessible".into(),
            format!("Unsafe permissions found for script '{d}/open/s.sh'."),
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.".into(),
        ]
    );
    assert_eq!(names(&c).0, ["good", "bad", "badfile", "sticky"]);
    assert!(c.vrrp_instances[0].notify.master.is_some());
}

/// Under script security with no `script_user` and no keepalived_script
/// user, keepalived runs none of the scripts that name no user.
#[test]
fn no_default_user_under_script_security_removes_the_scripts() {
    if !root()
        || nix::unistd::User::from_name("keepalived_script")
            .ok()
            .flatten()
            .is_some()
    {
        return;
    }
    let t = tree();
    let d = t.path().display();
    let mut c = vrrp(t.path(), "enable_script_security");
    let lines = apply(&mut c);
    assert_eq!(
        lines[..2],
        [
            "Script user 'keepalived_script' does not exist".to_string(),
            "Unable to set default user keepalived_script for script".into()
        ]
    );
    assert!(lines.contains(&"Unable to set default user for vrrp script good - removing".into()));
    assert!(lines.contains(&"(V) track script good not found, ignoring...".into()));
    assert!(lines.contains(&format!(
        "Failed to set default user for notify script {d}/ok/s.sh - ignoring"
    )));
    assert_eq!(names(&c), (vec![], vec![]));
    assert!(c.vrrp_instances[0].notify.backup.is_none());
}

/// A script that runs as a non-root user needs no protection: its path
/// is not checked (keepalived's need_script_protection).
#[test]
fn a_non_root_script_user_is_not_checked() {
    if !root() {
        return;
    }
    let t = tree();
    let mut c = vrrp(t.path(), "enable_script_security\nscript_user nobody");
    let lines = apply(&mut c);
    assert!(lines.iter().all(|l| !l.starts_with("Unsafe")), "{lines:?}");
    assert!(names(&c).0.contains(&"bad".to_string()));
    assert_eq!(c.vrrp_scripts[0].script.user.as_deref(), Some("nobody"));
}

#[test]
fn bare_names_are_found_in_path_and_resolved() {
    if !root() {
        return;
    }
    let mut c = load(
        "global_defs {\n enable_script_security\n script_user root\n}
vrrp_script t {\n script \"true\"\n}
vrrp_script n {\n script \"kad-no-such-command\"\n}
vrrp_instance V {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 10.255.7.7/32\n }\n track_script {\n t\n n\n }\n}\n",
    );
    let lines = apply(&mut c);
    assert_eq!(
        lines,
        [
            "Cannot find script kad-no-such-command in path - disabling",
            "Disabling track script n since not found/accessible",
        ]
    );
    let argv0 = &c.vrrp_scripts[0].script.argv[0];
    assert!(
        argv0.starts_with('/') && argv0.ends_with("/true"),
        "{argv0}"
    );
}

#[test]
fn an_insecure_misc_check_is_removed() {
    if !root() {
        return;
    }
    let t = tree();
    let d = t.path().display();
    let mut c = load(&format!(
        "global_defs {{\n enable_script_security\n script_user root\n}}
virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n MISC_CHECK {{\n misc_path \"{d}/open/s.sh\"\n }}\n TCP_CHECK {{\n }}\n }}
 real_server 10.0.0.3 80 {{\n MISC_CHECK {{\n misc_path \"{d}/ok/s.sh\"\n }}\n }}\n}}\n"
    ));
    let lines = apply(&mut c);
    assert_eq!(
        lines,
        [
            format!("Unsafe permissions found for script '{d}/open/s.sh' - disabling."),
            format!("Disabling misc script {d}/open/s.sh due to insecure"),
        ]
    );
    let rs = &c.virtual_servers[0].real_servers;
    assert!(matches!(rs[0].checkers[..], [ref t] if matches!(t.kind, CheckKind::Tcp)));
    assert!(matches!(rs[1].checkers[0].kind, CheckKind::Misc(_)));
}

/// A symbolic link is followed: the file it names and that file's
/// directories are what is checked.
#[test]
fn a_link_to_an_insecure_script_is_insecure() {
    if !root() {
        return;
    }
    let t = tree();
    let d = t.path().display();
    std::os::unix::fs::symlink(t.path().join("open/s.sh"), t.path().join("ok/link.sh")).unwrap();
    let mut c = load(&format!(
        "global_defs {{\n enable_script_security\n script_user root\n}}
vrrp_script l {{\n script \"{d}/ok/link.sh\"\n}}
vrrp_instance V {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n 10.255.7.7/32\n }}\n track_script {{\n l\n }}\n}}\n"
    ));
    let lines = apply(&mut c);
    assert_eq!(
        lines,
        [
            format!("Unsafe permissions found for script '{d}/open/s.sh' - disabling."),
            "Disabling track script l due to insecure".to_string(),
        ]
    );
}
