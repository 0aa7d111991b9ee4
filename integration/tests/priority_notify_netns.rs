//! `notify_priority_changes` (an instance's) and
//! `vrrp_notify_priority_changes` (global): a new effective priority is a
//! FIFO line, `INSTANCE "VI_1" MASTER_PRIORITY 80`, as keepalived 2.2.7
//! writes it. kad and keepalived run the same configuration side by side
//! (each alone on its VRIDs) and their FIFOs must carry the same lines.

use kad_integration::netns::{wait_for, Lab};
use std::path::Path;
use std::time::Duration;

fn priority_lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("_PRIORITY "))
        .map(str::to_string)
        .collect()
}

/// The FIFO script: it appends what the FIFO carries to `FIFO.out`.
fn fifo_reader(lab: &Lab) -> std::path::PathBuf {
    let reader = lab.write("reader.sh", "#!/bin/sh\nexec cat \"$1\" >> \"$1.out\"\n");
    let _ = std::process::Command::new("chmod")
        .arg("755")
        .arg(&reader)
        .status();
    reader
}

fn run(global: &str, vi1_extra: &str, want: &[&str]) {
    let mut lab = Lab::new(2);
    let dir = lab.dir.path().to_path_buf();
    let flag = dir.join("fail");
    let reader = fifo_reader(&lab);
    let conf = |who: &str, base: u8| {
        format!(
            "global_defs {{\n router_id pn\n vrrp_notify_fifo {dir}/{who}.fifo\n vrrp_notify_fifo_script {reader}\n{global}\n}}\n\
             vrrp_script chk {{\n script \"/bin/sh -c '! test -e {flag}'\"\n interval 1\n weight -20\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {a}\n priority 100\n advert_int 1\n{vi1_extra}\n\
              track_script {{\n chk\n }}\n virtual_ipaddress {{\n 10.{net}.6.{a}/24\n }}\n}}\n\
             vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id {b}\n priority 100\n advert_int 1\n\
              track_script {{\n chk\n }}\n virtual_ipaddress {{\n 10.{net}.6.{b}/24\n }}\n}}\n",
            dir = dir.display(),
            reader = reader.display(),
            flag = flag.display(),
            net = lab.net,
            a = base,
            b = base + 1
        )
    };
    let kad_conf = lab.write("kad.conf", &conf("kad", 31));
    let ka_conf = lab.write("ka.conf", &conf("ka", 33));
    lab.kad(0, &kad_conf, "pn");
    lab.keepalived(1, &ka_conf, "pn");
    let (kad_out, ka_out) = (dir.join("kad.fifo.out"), dir.join("ka.fifo.out"));
    let masters = |f: &Path| {
        std::fs::read_to_string(f)
            .unwrap_or_default()
            .matches(" MASTER 100")
            .count()
    };
    assert!(
        wait_for(Duration::from_secs(10), || masters(&kad_out) == 2
            && masters(&ka_out) == 2),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    std::fs::write(&flag, "").expect("flag");
    std::thread::sleep(Duration::from_millis(2500));
    std::fs::remove_file(&flag).expect("flag");
    let done = |f: &Path| priority_lines(f).len() >= want.len();
    assert!(wait_for(Duration::from_secs(6), || done(&kad_out) && done(&ka_out)));
    // A moment more: no line beyond those.
    std::thread::sleep(Duration::from_millis(1500));
    let (kad, ka) = (priority_lines(&kad_out), priority_lines(&ka_out));
    assert_eq!(ka, want, "keepalived's FIFO");
    assert_eq!(kad, ka, "kad's FIFO against keepalived's");
}

#[test]
fn notify_priority_changes_writes_keepalived_s_fifo_lines() {
    run(
        "",
        " notify_priority_changes",
        &[
            "INSTANCE \"VI_1\" MASTER_PRIORITY 80",
            "INSTANCE \"VI_1\" MASTER_PRIORITY 100",
        ],
    );
}

#[test]
fn vrrp_notify_priority_changes_covers_every_instance() {
    run(
        " vrrp_notify_priority_changes",
        "",
        &[
            "INSTANCE \"VI_1\" MASTER_PRIORITY 80",
            "INSTANCE \"VI_2\" MASTER_PRIORITY 80",
            "INSTANCE \"VI_1\" MASTER_PRIORITY 100",
            "INSTANCE \"VI_2\" MASTER_PRIORITY 100",
        ],
    );
}

#[test]
fn fifo_write_vrrp_states_on_reload_repeats_the_states_as_keepalived() {
    let mut lab = Lab::new(2);
    // A tracked interface that is down holds VI_2 in FAULT.
    for h in 0..2 {
        assert!(lab
            .exec(h, "ip link add trk0 type veth peer name trk1")
            .status
            .success());
    }
    let dir = lab.dir.path().to_path_buf();
    let reader = fifo_reader(&lab);
    let conf = |who: &str, base: u8| {
        format!(
            "global_defs {{\n router_id fw\n vrrp_notify_fifo {dir}/{who}.fifo\n vrrp_notify_fifo_script {reader}\n fifo_write_vrrp_states_on_reload\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {a}\n priority 100\n advert_int 1\n\
              virtual_ipaddress {{\n 10.{net}.6.{a}/24\n }}\n}}\n\
             vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id {b}\n priority 90\n advert_int 1\n\
              track_interface {{\n trk0\n }}\n virtual_ipaddress {{\n 10.{net}.6.{b}/24\n }}\n}}\n",
            dir = dir.display(),
            reader = reader.display(),
            net = lab.net,
            a = base,
            b = base + 1
        )
    };
    let kad_conf = lab.write("kad.conf", &conf("kad", 35));
    let ka_conf = lab.write("ka.conf", &conf("ka", 37));
    let kad = lab.kad(0, &kad_conf, "fw");
    let ka = lab.keepalived(1, &ka_conf, "fw");
    let (kad_out, ka_out) = (dir.join("kad.fifo.out"), dir.join("ka.fifo.out"));
    let lines = |f: &Path| -> Vec<String> {
        std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let master = |f: &Path| lines(f).iter().any(|l| l == "INSTANCE \"VI_1\" MASTER 100");
    assert!(
        wait_for(Duration::from_secs(10), || master(&kad_out)
            && master(&ka_out)),
        "{:?}\n{:?}\n{}\n{}",
        lines(&kad_out),
        lines(&ka_out),
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    let before = (lines(&kad_out).len(), lines(&ka_out).len());
    // A reload of the same file: the FIFO hears every state again.
    lab.signal(kad, "HUP");
    lab.signal(ka, "HUP");
    let grew = |f: &Path, n: usize| lines(f).len() > n;
    assert!(
        wait_for(Duration::from_secs(10), || grew(&kad_out, before.0)
            && grew(&ka_out, before.1)),
        "{:?}\n{:?}",
        lines(&kad_out),
        lines(&ka_out)
    );
    std::thread::sleep(Duration::from_millis(1500));
    let after = |f: &Path, n: usize| lines(f)[n..].to_vec();
    let (k, a) = (after(&kad_out, before.0), after(&ka_out, before.1));
    // The MASTER stays silent (keepalived's reload-master path).
    assert_eq!(
        a,
        ["INSTANCE \"VI_2\" FAULT 90"],
        "keepalived's FIFO after the reload"
    );
    assert_eq!(k, a, "kad's FIFO after the reload against keepalived's");
}
