//! A sync group's own trackers (`track_interface`, `track_script`,
//! `track_file` in the `vrrp_sync_group` block): the group faults as one.
//! kad and Debian's keepalived 2.2.7 run the same configuration side by
//! side (each alone on its VRIDs, in its own namespace) and must agree on
//! every member's state after each tracker change.

use kad_integration::netns::{keepalived_state, status, wait_for, Lab};
use std::time::Duration;

/// Each member's state as keepalived last logged it.
fn keepalived_states(log: &str) -> Vec<String> {
    ["VI_1", "VI_2"]
        .iter()
        .map(|vi| keepalived_state(log, vi))
        .collect()
}

#[test]
fn a_sync_group_s_own_trackers_fault_the_group_as_keepalived() {
    let mut lab = Lab::new(2);
    for h in 0..2 {
        assert!(lab
            .exec(h, "ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up")
            .status
            .success());
    }
    let flag = lab.dir.path().join("fail");
    let file = lab.dir.path().join("tracked");
    std::fs::write(&file, "0\n").expect("write");
    let conf = |base: u8| {
        format!(
            "global_defs {{\n router_id sg\n}}\n\
             vrrp_script chk {{\n script \"/bin/sh -c '! test -e {flag}'\"\n interval 1\n fall 1\n rise 1\n}}\n\
             vrrp_track_file tf {{\n file {file}\n}}\n\
             vrrp_sync_group G {{\n group {{\n VI_1\n VI_2\n }}\n\
              track_interface {{\n trk0\n }}\n track_script {{\n chk\n }}\n track_file {{\n tf weight 0\n }}\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {a}\n priority 100\n advert_int 1\n\
              virtual_ipaddress {{\n 10.{net}.8.{a}/24\n }}\n}}\n\
             vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id {b}\n priority 100\n advert_int 1\n\
              virtual_ipaddress {{\n 10.{net}.8.{b}/24\n }}\n}}\n",
            flag = flag.display(),
            file = file.display(),
            net = lab.net,
            a = base,
            b = base + 1,
        )
    };
    let kad_conf = lab.write("kad.conf", &conf(71));
    let ka_conf = lab.write("ka.conf", &conf(81));
    lab.kad(0, &kad_conf, "sg");
    lab.keepalived(1, &ka_conf, "sg");
    let sock = lab.socket(0);
    let kad_states = || -> Vec<String> {
        status(&sock)
            .map(|s| s.vrrp.into_iter().map(|v| v.state).collect())
            .unwrap_or_default()
    };
    let both = |lab: &Lab, want: &str| {
        wait_for(Duration::from_secs(10), || {
            kad_states() == [want, want]
                && keepalived_states(&lab.log("keepalived1.log")) == [want, want]
        })
    };
    let show = |lab: &Lab| {
        format!(
            "kad {:?}, keepalived {:?}\n{}\n{}",
            kad_states(),
            keepalived_states(&lab.log("keepalived1.log")),
            lab.log("kad0.log"),
            lab.log("keepalived1.log")
        )
    };
    assert!(both(&lab, "MASTER"), "{}", show(&lab));

    // The group's track_interface goes down: both members FAULT.
    for h in 0..2 {
        lab.exec(h, "ip link set trk0 down");
    }
    assert!(both(&lab, "FAULT"), "{}", show(&lab));
    for h in 0..2 {
        lab.exec(h, "ip link set trk0 up");
    }
    assert!(both(&lab, "MASTER"), "{}", show(&lab));

    // The group's track_script fails.
    std::fs::write(&flag, "").expect("flag");
    assert!(both(&lab, "FAULT"), "{}", show(&lab));
    std::fs::remove_file(&flag).expect("flag");
    assert!(both(&lab, "MASTER"), "{}", show(&lab));

    // The group's track_file (weight 0) is not 0.
    std::fs::write(&file, "1\n").expect("write");
    assert!(both(&lab, "FAULT"), "{}", show(&lab));
    std::fs::write(&file, "0\n").expect("write");
    assert!(both(&lab, "MASTER"), "{}", show(&lab));
}
