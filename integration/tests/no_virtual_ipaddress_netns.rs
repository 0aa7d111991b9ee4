//! `no_virtual_ipaddress` (keepalived master, newer than Debian's 2.2.7):
//! an instance meant to have no VIPs (say, a cloud's floating address
//! managed elsewhere). keepalived refuses a VRRPv3 (or strict) instance
//! without VIPs and warns for a VRRPv2 one; the keyword allows the first
//! and silences the second, but not with strict mode. Two kads elect a
//! master over VRRPv3 adverts that carry no address.

use kad_integration::netns::{state_of, wait_for, Lab};
use std::process::Command;
use std::time::Duration;

const VI: &str = "VI_1";

fn conf(version: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 81\n  version {version}\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int 1\n{extra}\n}}\n"
    )
}

/// `kad -t` on `text`: whether it passed, and what it said.
fn check(lab: &Lab, text: &str) -> (bool, String) {
    let c = lab.write("t.conf", text);
    let o = Command::new(kad_integration::bin("kad"))
        .arg("-t")
        .arg("-f")
        .arg(&c)
        .output()
        .expect("kad -t");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_vrrpv3_instance_without_vips_runs_with_no_virtual_ipaddress() {
    let mut lab = Lab::new(2);
    let c = lab.write("k.conf", &conf(3, "  no_virtual_ipaddress"));
    let p0 = lab.kad(0, &c, "h0");
    lab.kad(1, &c, "h1");
    let (s0, s1) = (lab.socket(0), lab.socket(1));
    assert!(
        wait_for(Duration::from_secs(10), || {
            state_of(&s0, VI).as_deref() == Some("MASTER")
                && state_of(&s1, VI).as_deref() == Some("BACKUP")
        }),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("kad1.log")
    );
    // h1 stays BACKUP on h0's empty adverts (none is dropped as an
    // address-list error), and takes over when h0 stops.
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(state_of(&s1, VI).as_deref(), Some("BACKUP"));
    let st = kad_integration::netns::status(&s1).expect("status");
    let vi = st.vrrp.iter().find(|v| v.name == VI).expect("VI_1");
    assert_eq!(vi.stats.addr_list_err, 0, "{vi:?}");
    lab.signal(p0, "TERM");
    assert!(
        wait_for(Duration::from_secs(5), || state_of(&s1, VI).as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad1.log")
    );
}

#[test]
fn without_it_vrrpv3_refuses_and_vrrpv2_warns() {
    let lab = Lab::new(0);
    let (ok, err) = check(&lab, &conf(3, ""));
    assert!(!ok, "{err}");
    assert!(
        err.contains("(VI_1) No VIP specified; at least one is required"),
        "{err}"
    );
    let (ok, err) = check(&lab, &conf(3, "  no_virtual_ipaddress"));
    assert!(ok && !err.contains("No VIP"), "{err}");
    // A warning only (kad -t exits non-zero on warnings too).
    let (_, err) = check(&lab, &conf(2, ""));
    assert!(err.contains("0 error(s)"), "{err}");
    assert!(
        err.contains("(VI_1) No VIP specified; at least one is sensible"),
        "{err}"
    );
    let (ok, err) = check(&lab, &conf(2, "  no_virtual_ipaddress"));
    assert!(ok && !err.contains("No VIP"), "{err}");
    // Strict mode wants a VIP all the same.
    let (ok, err) = check(&lab, &conf(3, "  no_virtual_ipaddress\n  strict_mode"));
    assert!(!ok, "{err}");
    assert!(
        err.contains("no_virtual_ipaddress and strict mode incompatible"),
        "{err}"
    );
    assert!(err.contains("at least one is required"), "{err}");
}
