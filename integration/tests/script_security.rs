//! Script security in the daemon, beside keepalived 2.2.7: with
//! `enable_script_security` a script that a non-root user could change is
//! not run (a vrrp_script is no longer tracked, a notify script is not
//! started), and the reasons are logged in keepalived's words and order;
//! `script_user` is who the scripts run as.

use kad_integration::netns::{state_of, wait_for, Lab};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

/// `root/ok` (0755) and `root/open` (0777, a directory anyone may change)
/// each with `s.sh` (0755), and `ok/w.sh` (0777: the file itself
/// writable). Each script leaves `root/ran.<its argument>` behind.
fn tree(root: &Path) {
    std::fs::create_dir(root).expect("mkdir");
    mode(root, 0o755);
    let body = "#!/bin/sh\ntouch \"$(dirname \"$0\")/../ran.$1\"\nexit 0\n";
    for (dir, m) in [("ok", 0o755), ("open", 0o777)] {
        let d = root.join(dir);
        std::fs::create_dir(&d).expect("mkdir");
        mode(&d, m);
        std::fs::write(d.join("s.sh"), body).expect("write");
        mode(&d.join("s.sh"), 0o755);
    }
    std::fs::write(root.join("ok/w.sh"), body).expect("write");
    mode(&root.join("ok/w.sh"), 0o777);
}

fn conf(lab: &Lab, root: &Path, vrid: u8) -> String {
    let d = root.display();
    format!(
        "global_defs {{\n  enable_script_security\n  script_user root\n}}
vrrp_script good {{\n  script \"{d}/ok/s.sh good\"\n  interval 1\n}}
vrrp_script bad {{\n  script \"{d}/open/s.sh bad\"\n  interval 1\n}}
vrrp_script badfile {{\n  script \"{d}/ok/w.sh badfile\"\n  interval 1\n}}
vrrp_script missing {{\n  script \"{d}/ok/nope.sh\"\n  interval 1\n}}
vrrp_instance VI_1 {{
  interface eth0
  virtual_router_id {vrid}
  priority 100
  advert_int 1
  virtual_ipaddress {{\n    {}/24\n  }}
  track_script {{\n    good\n    bad\n    badfile\n    missing\n  }}
  notify_master \"{d}/open/s.sh master\"
  notify_backup \"{d}/ok/s.sh backup\"
}}\n",
        lab.ip(vrid)
    )
}

/// The script-security lines of a log, with the tree's path made neutral
/// and what comes before the message (time stamps, levels) left out.
fn security_lines(log: &str, root: &Path) -> Vec<String> {
    const MESSAGES: [&str; 5] = [
        "Unsafe permissions found",
        "Disabling track script",
        "cannot be accessed",
        "SECURITY VIOLATION",
        "is not executable",
    ];
    let root = root.display().to_string();
    log.lines()
        .filter_map(|l| {
            let at = MESSAGES.iter().filter_map(|m| l.find(m)).min()?;
            // "Script X cannot be accessed" starts before its key words.
            let at = l[..at]
                .rfind("Script ")
                .filter(|_| l[at..].starts_with("cannot"))
                .unwrap_or(at);
            Some(l[at..].trim_end().replace(&root, "TREE"))
        })
        .collect()
}

fn ran(root: &Path, what: &str) -> bool {
    root.join(format!("ran.{what}")).exists()
}

#[test]
fn insecure_scripts_are_not_run_and_the_reasons_logged_as_keepalived() {
    let mut lab = Lab::new(2);
    mode(lab.dir.path(), 0o755);
    let kad_tree: PathBuf = lab.dir.path().join("kad-tree");
    let ka_tree: PathBuf = lab.dir.path().join("ka-tree");
    tree(&kad_tree);
    tree(&ka_tree);
    let kc = lab.write("kad.conf", &conf(&lab, &kad_tree, 61));
    let kac = lab.write("ka.conf", &conf(&lab, &ka_tree, 62));
    lab.kad(0, &kc, "h0");
    lab.keepalived(1, &kac, "h1");
    let vip_ka = lab.ip(62);
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&lab.socket(0), "VI_1")
            .as_deref()
            == Some("MASTER")),
        "kad: {}",
        lab.log("kad0.log")
    );
    assert!(
        wait_for(Duration::from_secs(10), || lab.has_addr(1, &vip_ka)),
        "keepalived: {}",
        lab.log("keepalived1.log")
    );
    // The secure track script runs (every second), the secure notify ran.
    for root in [&kad_tree, &ka_tree] {
        assert!(
            wait_for(Duration::from_secs(5), || ran(root, "good")
                && ran(root, "backup")),
            "{}: {}",
            root.display(),
            lab.log("kad0.log")
        );
    }
    // Long enough for an insecure track script to have run twice.
    std::thread::sleep(Duration::from_millis(2500));
    for root in [&kad_tree, &ka_tree] {
        for what in ["bad", "badfile", "master"] {
            assert!(!ran(root, what), "{}: ran.{what}", root.display());
        }
    }
    let ka = security_lines(&lab.log("keepalived1.log"), &ka_tree);
    let kad = security_lines(&lab.log("kad0.log"), &kad_tree);
    assert_eq!(
        ka,
        [
            "Unsafe permissions found for script 'TREE/open/s.sh' - disabling.",
            "Disabling track script bad due to insecure",
            "Unsafe permissions found for script 'TREE/ok/w.sh' - disabling.",
            "Disabling track script badfile due to insecure",
            "Script TREE/ok/nope.sh cannot be accessed - No such file or directory",
            "Disabling track script missing since not found/accessible",
            "Unsafe permissions found for script 'TREE/open/s.sh' - disabling.",
        ],
        "keepalived's lines (the oracle) changed"
    );
    assert_eq!(kad, ka, "kad: {}", lab.log("kad0.log"));
}

/// `script_user`: scripts that name no user run as that user.
#[test]
fn script_user_is_who_the_scripts_run_as() {
    let mut lab = Lab::new(1);
    mode(lab.dir.path(), 0o755);
    let out = lab.dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    mode(&out, 0o1777);
    let script = lab.write(
        "id.sh",
        &format!("#!/bin/sh\nid -u > {}/$1\n", out.display()),
    );
    mode(&script, 0o755);
    let text = format!(
        "global_defs {{\n  enable_script_security\n  script_user nobody\n}}
vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 63\n  priority 100\n  advert_int 1
  virtual_ipaddress {{\n    {}/24\n  }}
  notify_backup \"{} backup\"\n  notify_master \"{} master\"\n}}\n",
        lab.ip(63),
        script.display(),
        script.display()
    );
    let c = lab.write("k.conf", &text);
    lab.kad(0, &c, "h0");
    let uid = nix::unistd::User::from_name("nobody")
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw().to_string())
        .expect("user nobody");
    for what in ["backup", "master"] {
        let p = out.join(what);
        assert!(
            wait_for(Duration::from_secs(10), || std::fs::read_to_string(&p)
                .is_ok_and(|t| t.trim() == uid)),
            "{what}: {:?} {}",
            std::fs::read_to_string(&p),
            lab.log("kad0.log")
        );
    }
}
