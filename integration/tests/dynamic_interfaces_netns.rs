//! `dynamic_interfaces`: an instance whose interface is missing at start
//! is in FAULT while the other instance runs; the interface created (a
//! veth) is not enough, its address ends the fault; deleted, FAULT again;
//! re-created, back. kad (host 0) and Debian's keepalived 2.2.7 (host 1)
//! run the same configuration side by side, and must agree on both
//! instances' states at every step. Each one's dyn0 is a veth to a host of
//! its own (2 for kad, 3 for keepalived) where a keepalived of higher
//! priority speaks for the same VRID: kad stays BACKUP only if it hears
//! it, so the sockets opened for a re-created interface (a new index)
//! must receive. Without `dynamic_interfaces` both refuse to start, with
//! the same exit code, kad naming the interface.

use kad_integration::netns::{keepalived_state, state_of, wait_for, Lab};
use std::time::Duration;

/// The pair on dyn0: (host, its speaker, the /24 of the link, the VRIDs).
const KAD: (usize, usize, u8, u8) = (0, 2, 20, 61);
const KA: (usize, usize, u8, u8) = (1, 3, 21, 71);

fn conf(lab: &Lab, dynamic: bool, (_, _, sub, vrid): (usize, usize, u8, u8)) -> String {
    format!(
        "global_defs {{\n router_id dyn\n{dynamic}}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.8.{vrid}/24\n }}\n}}\n\
         vrrp_instance VI_2 {{\n interface dyn0\n virtual_router_id {v2}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.{sub}.100/24\n }}\n}}\n",
        dynamic = if dynamic { " dynamic_interfaces\n" } else { "" },
        net = lab.net,
        v2 = vrid + 1,
    )
}

/// The speaker: VI_2's VRID on dyn0, at a higher priority (it waits for
/// its end of the veth as the instance under test does).
fn speaker(lab: &Lab, (_, _, sub, vrid): (usize, usize, u8, u8)) -> String {
    format!(
        "global_defs {{\n router_id spk\n dynamic_interfaces\n}}\n\
         vrrp_instance VI_2 {{\n interface dyn0\n virtual_router_id {v2}\n priority 250\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.{sub}.100/24\n }}\n}}\n",
        net = lab.net,
        v2 = vrid + 1,
    )
}

/// Create dyn0 on the pair's host, its peer end (also dyn0) on the
/// speaker's, both up; addressed if asked.
fn create(lab: &Lab, (h, spk, sub, _): (usize, usize, u8, u8), addressed: bool) {
    let o = lab.exec(
        h,
        &format!(
            "ip link add dyn0 type veth peer name dyn0 netns {} && ip link set dyn0 up",
            lab.ns(spk)
        ),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(lab.exec(spk, "ip link set dyn0 up").status.success());
    if addressed {
        address(lab, (h, spk, sub, 0));
    }
}

fn address(lab: &Lab, (h, spk, sub, _): (usize, usize, u8, u8)) {
    let net = lab.net;
    for (host, last) in [(h, 1), (spk, 3)] {
        let o = lab.exec(
            host,
            &format!("ip addr add 10.{net}.{sub}.{last}/24 dev dyn0"),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn dynamic_interfaces_instances_follow_their_interface_as_keepalived() {
    let mut lab = Lab::new(4);

    // Without dynamic_interfaces: neither starts, both with
    // KEEPALIVED_EXIT_CONFIG (2); kad names the interface.
    let kad_conf = lab.write("kad-static.conf", &conf(&lab, false, KAD));
    let ka_conf = lab.write("ka-static.conf", &conf(&lab, false, KA));
    let k = lab.kad(0, &kad_conf, "dyn");
    let ka = lab.keepalived(1, &ka_conf, "dyn");
    let kad_exit = lab.wait(k, Duration::from_secs(15));
    let ka_exit = lab.wait(ka, Duration::from_secs(15));
    let ka_log = lab.log("keepalived1.log");
    assert_eq!(
        ka_exit.and_then(|s| s.code()),
        Some(2),
        "keepalived: {ka_exit:?}\n{ka_log}"
    );
    assert!(ka_log.contains("interface dyn0 for vrrp_instance VI_2 doesn't exist"));
    assert_eq!(
        kad_exit.and_then(|s| s.code()),
        Some(2),
        "kad: {kad_exit:?}\n{}",
        lab.log("kad0.log")
    );
    assert!(
        lab.log("kad0.log")
            .contains("(VI_2) interface dyn0 does not exist"),
        "{}",
        lab.log("kad0.log")
    );

    // With dynamic_interfaces.
    let kad_conf = lab.write("kad.conf", &conf(&lab, true, KAD));
    let ka_conf = lab.write("ka.conf", &conf(&lab, true, KA));
    let kad_spk = lab.write("kad-speaker.conf", &speaker(&lab, KAD));
    let ka_spk = lab.write("ka-speaker.conf", &speaker(&lab, KA));
    lab.kad(0, &kad_conf, "dyn");
    lab.keepalived(1, &ka_conf, "dyn");
    lab.keepalived(KAD.1, &kad_spk, "spk");
    lab.keepalived(KA.1, &ka_spk, "spk");
    let sock = lab.socket(0);
    let states = |lab: &Lab| -> [String; 4] {
        let log = lab.log("keepalived1.log");
        [
            state_of(&sock, "VI_1").unwrap_or_default(),
            state_of(&sock, "VI_2").unwrap_or_default(),
            keepalived_state(&log, "VI_1"),
            keepalived_state(&log, "VI_2"),
        ]
    };
    let show = |lab: &Lab| {
        format!(
            "kad VI_1, VI_2, keepalived VI_1, VI_2: {:?}\n--- kad\n{}\n--- keepalived\n{}\n--- speakers\n{}\n{}",
            states(lab),
            lab.log("kad0.log"),
            lab.log("keepalived1.log"),
            lab.log("keepalived2.log"),
            lab.log("keepalived3.log"),
        )
    };
    // Both instances of each daemon in these states (VI_1, VI_2).
    let reach = |lab: &Lab, vi2: &str| {
        wait_for(Duration::from_secs(15), || {
            states(lab) == ["MASTER", vi2, "MASTER", vi2]
        })
    };
    let speakers_master = |lab: &Lab| {
        wait_for(Duration::from_secs(15), || {
            [2, 3].iter().all(|h| {
                keepalived_state(&lab.log(&format!("keepalived{h}.log")), "VI_2") == "MASTER"
            })
        })
    };

    // dyn0 missing: VI_2 in FAULT, VI_1 MASTER.
    assert!(reach(&lab, "FAULT"), "{}", show(&lab));
    assert!(
        lab.log("kad0.log")
            .contains("Configuration specifies interface dyn0 which doesn't currently exist"),
        "{}",
        show(&lab)
    );

    // Created and up, without an address: still FAULT.
    create(&lab, KAD, false);
    create(&lab, KA, false);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        states(&lab),
        ["MASTER", "FAULT", "MASTER", "FAULT"],
        "{}",
        show(&lab)
    );

    // Addressed: out of FAULT; the speakers (priority 250) are MASTER and
    // both stay BACKUP, hearing them (longer than Master_Down).
    address(&lab, KAD);
    address(&lab, KA);
    assert!(reach(&lab, "BACKUP"), "{}", show(&lab));
    assert!(speakers_master(&lab), "{}", show(&lab));
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        states(&lab),
        ["MASTER", "BACKUP", "MASTER", "BACKUP"],
        "{}",
        show(&lab)
    );

    // Deleted: FAULT.
    for h in [KAD.0, KA.0] {
        assert!(lab.exec(h, "ip link del dyn0").status.success());
    }
    assert!(reach(&lab, "FAULT"), "{}", show(&lab));

    // Re-created (under a new index) with its address: back, BACKUP to
    // the speaker again, heard on the new interface.
    create(&lab, KAD, true);
    create(&lab, KA, true);
    assert!(reach(&lab, "BACKUP"), "{}", show(&lab));
    assert!(speakers_master(&lab), "{}", show(&lab));
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        states(&lab),
        ["MASTER", "BACKUP", "MASTER", "BACKUP"],
        "{}",
        show(&lab)
    );
}
