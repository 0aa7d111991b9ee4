//! keepalived master's keywords for its dumps (newer than Debian's 2.2.7,
//! so kad alone is run; the rules are read from keepalived's source):
//! - `state_dump_file` moves the data dump (SIGUSR1) out of `$TMPDIR`: a
//!   path naming directory and file, or (ending in `/`) a directory for
//!   `keepalived.data`; `data_use_instance` puts the instance name before
//!   the extension;
//! - `json_version 2` makes the JSON dump (SIGRTMIN+2) an object holding
//!   the instances in `vrrp` and the process trackers in `track_process`.

use kad_integration::netns::{kill, read_complete, state_of, wait_for, Lab};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

const VI: &str = "VI_1";

/// `top` goes before global_defs, `global` in it.
fn conf(lab: &Lab, top: &str, global: &str) -> String {
    format!(
        "{top}\nglobal_defs {{\n  router_id dumpkw\n{global}\n}}\n\
         vrrp_track_process nothere {{\n  process kad_no_such_process\n  quorum 1\n}}\n\
         vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 61\n  priority 150\n\
           advert_int 1\n  virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

/// kad on h0 with `$TMPDIR` = the lab's `tmp`, MASTER of VI_1; its pid.
fn start(lab: &mut Lab, top: &str, global: &str) -> (u32, PathBuf) {
    let tmp = lab.dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let c = lab.write("k.conf", &conf(lab, top, global));
    let (sock, pidf) = (lab.socket(0), lab.pid_file(0));
    let args: Vec<&OsStr> = vec![
        "-p".as_ref(),
        pidf.as_os_str(),
        "-n".as_ref(),
        "-l".as_ref(),
        "-f".as_ref(),
        c.as_os_str(),
        "-i".as_ref(),
        "h0".as_ref(),
        "--socket".as_ref(),
        sock.as_os_str(),
    ];
    let env = [("TMPDIR", tmp.as_os_str())];
    let p = lab.spawn_env(0, &kad_integration::bin("kad"), &args, &env, "kad0.log");
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&sock, VI).as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    (lab.pid(p), tmp)
}

#[test]
fn state_dump_file_places_the_data_dump() {
    let mut lab = Lab::new(1);
    let state = lab.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let global = format!(
        "  data_use_instance\n  state_dump_file {}/kad-state.txt",
        state.display()
    );
    let (pid, tmp) = start(&mut lab, "instance lb1", &global);
    kill(pid, libc::SIGUSR1);
    let want = state.join("kad-state.lb1.txt");
    assert!(
        wait_for(Duration::from_secs(5), || want.exists()),
        "{:?} {:?}\n{}",
        std::fs::read_dir(&state).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>()),
        std::fs::read_dir(&tmp).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>()),
        lab.log("kad0.log")
    );
    let text = read_complete(&want);
    assert!(text.contains(&format!("VRRP Instance = {VI}")), "{text}");
    assert!(
        !tmp.join("keepalived.lb1.data").exists() && !tmp.join("keepalived.data").exists(),
        "the data dump still went to $TMPDIR"
    );
    // The other dumps stay in $TMPDIR (keepalived master steers only the
    // data dump with it).
    kill(pid, libc::SIGUSR2);
    read_complete(&tmp.join("keepalived.stats"));
}

#[test]
fn state_dump_file_ending_in_a_slash_is_a_directory() {
    let mut lab = Lab::new(1);
    let state = lab.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let global = format!("  state_dump_file {}/", state.display());
    let (pid, tmp) = start(&mut lab, "", &global);
    kill(pid, libc::SIGUSR1);
    let text = read_complete(&state.join("keepalived.data"));
    assert!(text.contains(&format!("VRRP Instance = {VI}")), "{text}");
    assert!(!tmp.join("keepalived.data").exists());
}

#[test]
fn json_version_2_names_the_instance_array_and_adds_track_process() {
    let mut lab = Lab::new(1);
    let (pid, tmp) = start(&mut lab, "", "  json_version 2");
    kill(pid, libc::SIGRTMIN() + 2);
    let text = read_complete(&tmp.join("keepalived.json"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert!(v.is_object(), "{text}");
    assert_eq!(v["vrrp"][0]["data"]["iname"], VI, "{text}");
    assert_eq!(v["vrrp"][0]["data"]["state"], 2, "{text}");
    let tp = &v["track_process"][0];
    assert_eq!(tp["process"], "nothere", "{text}");
    assert_eq!(tp["min_processes"], 1, "{text}");
    assert_eq!(tp["current_processes"], 0, "{text}");
    assert_eq!(tp["have_quorum"], false, "{text}");
}

/// The data dump lists the running configuration's scripts and sync
/// groups: after a reload that adds them, not the start-up ones.
#[test]
fn the_data_dump_follows_a_reload() {
    let mut lab = Lab::new(1);
    let (pid, tmp) = start(&mut lab, "", "");
    let dump = tmp.join("keepalived.data");
    kill(pid, libc::SIGUSR1);
    let before = read_complete(&dump);
    assert!(!before.contains("VRRP Script = chk_new"), "{before}");
    std::fs::remove_file(&dump).unwrap();
    let more = "vrrp_script chk_new {\n  script \"/bin/true\"\n  interval 1\n}\n\
                vrrp_sync_group G_new {\n  group {\n    VI_1\n  }\n}\n";
    let c = lab.write("k.conf", &format!("{more}{}", conf(&lab, "", "")));
    assert!(c.exists());
    kill(pid, libc::SIGHUP);
    assert!(
        wait_for(Duration::from_secs(10), || lab
            .log("kad0.log")
            .contains("reload")),
        "{}",
        lab.log("kad0.log")
    );
    // The dump after the reload has them (asked until the reload is in).
    let ok = wait_for(Duration::from_secs(10), || {
        let _ = std::fs::remove_file(&dump);
        kill(pid, libc::SIGUSR1);
        let text = read_complete(&dump);
        text.contains("VRRP Script = chk_new") && text.contains("VRRP Sync Group = G_new")
    });
    assert!(
        ok,
        "{}\n{}",
        std::fs::read_to_string(&dump).unwrap_or_default(),
        lab.log("kad0.log")
    );
}
