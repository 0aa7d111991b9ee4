//! VRRP on SIGHUP, in namespaces: a running instance takes new virtual
//! addresses and a new priority without leaving its state; a new VRID
//! makes it another instance: deleted and started again, as keepalived
//! does.

use kad_integration::netns::{state_of, status, wait_for, Lab};
use std::time::Duration;

const VI: &str = "VI_1";

fn conf(lab: &Lab, prios: [u8; 2], vrid: u8, vips: &[u8]) -> String {
    let vips: String = vips
        .iter()
        .map(|v| format!("    {}/24\n", lab.ip(*v)))
        .collect();
    format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id {vrid}\n\
         @h0 priority {}\n@h1 priority {}\n  advert_int 1\n\
         virtual_ipaddress {{\n{vips}  }}\n}}\n",
        prios[0], prios[1]
    )
}

fn held(lab: &Lab, h: usize, vips: &[u8]) -> Vec<u8> {
    vips.iter()
        .copied()
        .filter(|v| lab.has_addr(h, &lab.ip(*v)))
        .collect()
}

fn became_master(lab: &Lab, h: usize) -> u64 {
    status(&lab.socket(h)).map_or(0, |s| s.vrrp[0].stats.become_master)
}

#[test]
fn reload_changes_addresses_and_priority_in_place() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(&lab, [150, 100], 42, &[100]));
    let p0 = lab.kad(0, &c, "h0");
    let p1 = lab.kad(1, &c, "h1");
    let all = [100, 101, 102];
    assert!(wait_for(Duration::from_secs(8), || held(&lab, 0, &all) == [100]));
    assert!(wait_for(Duration::from_secs(3), || state_of(
        &lab.socket(1),
        VI
    )
    .as_deref()
        == Some("BACKUP")));
    assert_eq!(became_master(&lab, 0), 1);

    // One more address: the master adds it at once, stays MASTER; then
    // one address replaced by another.
    for vips in [&[100, 101][..], &[101, 102]] {
        lab.write("k.conf", &conf(&lab, [150, 100], 42, vips));
        lab.signal(p0, "HUP");
        lab.signal(p1, "HUP");
        assert!(
            wait_for(Duration::from_secs(3), || held(&lab, 0, &all) == vips),
            "{}",
            lab.log("kad0.log")
        );
        assert!(held(&lab, 1, &all).is_empty());
    }
    assert_eq!(state_of(&lab.socket(0), VI).as_deref(), Some("MASTER"));
    assert_eq!(became_master(&lab, 0), 1, "no transition on reload");
    assert!(lab.log("kad0.log").contains("reloaded in MASTER state"));

    // A new VRID on both: the instance is deleted (priority 0) and
    // started again as at start-up; h0 is MASTER again after its
    // Master_Down_Interval.
    lab.write("k.conf", &conf(&lab, [150, 100], 43, &[101, 102]));
    lab.signal(p0, "HUP");
    lab.signal(p1, "HUP");
    assert!(wait_for(Duration::from_secs(3), || lab
        .log("kad0.log")
        .contains("(VI_1) removed by the reload")));
    assert!(
        wait_for(Duration::from_secs(6), || held(&lab, 0, &all) == [101, 102]
            && state_of(&lab.socket(0), VI).as_deref() == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    assert!(held(&lab, 1, &all).is_empty());
    assert_eq!(status(&lab.socket(0)).expect("status").vrrp[0].vrid, 43);

    // The master's priority drops below the backup's: the backup
    // preempts, the addresses move.
    lab.write("k.conf", &conf(&lab, [50, 100], 43, &[101, 102]));
    lab.signal(p0, "HUP");
    lab.signal(p1, "HUP");
    assert!(
        wait_for(Duration::from_secs(6), || held(&lab, 1, &all) == [101, 102]
            && held(&lab, 0, &all).is_empty()),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("kad1.log")
    );
    let st = status(&lab.socket(0)).expect("status");
    assert_eq!(
        (st.vrrp[0].state.as_str(), st.vrrp[0].priority),
        ("BACKUP", 50)
    );
}
