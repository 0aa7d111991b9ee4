//! `timer_expired_backup` (keepalived master, newer than Debian's 2.2.7):
//! a `nopreempt` MASTER that was not run for longer than another router
//! needs to take over (here: stopped with SIGSTOP while Debian's
//! keepalived waits as BACKUP) goes to BACKUP when it runs again, leaving
//! the role to the router that took it; without the keyword it takes the
//! role back with its higher priority.

use kad_integration::netns::{keepalived_state, state_of, wait_for, Lab};
use std::time::Duration;

const VI: &str = "VI_1";

/// kad on h0 (150, nopreempt, plus `extra`), keepalived on h1 (100).
fn conf(lab: &Lab, extra: &str) -> String {
    format!(
        "vrrp_instance {VI} {{\n  interface eth0\n  virtual_router_id 71\n\
         @h0 priority 150\n@h1 priority 100\n  nopreempt\n{extra}\n  advert_int 1\n\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

/// Run kad MASTER with keepalived BACKUP, stop kad until keepalived has
/// taken over, let kad run again; kad's state once things settled.
fn stall_the_master(lab: &mut Lab, extra: &str) -> String {
    let vip = lab.ip(100);
    let c = lab.write("k.conf", &conf(lab, extra));
    let kad = lab.kad(0, &c, "h0");
    let sock = lab.socket(0);
    assert!(
        wait_for(Duration::from_secs(10), || state_of(&sock, VI).as_deref()
            == Some("MASTER")),
        "{}",
        lab.log("kad0.log")
    );
    lab.keepalived(1, &c, "h1");
    let ka_state = |lab: &Lab| keepalived_state(&lab.log("keepalived1.log"), VI);
    assert!(
        wait_for(Duration::from_secs(10), || ka_state(lab) == "BACKUP"),
        "{}",
        lab.log("keepalived1.log")
    );
    lab.signal(kad, "STOP");
    let took_over = wait_for(Duration::from_secs(10), || {
        ka_state(lab) == "MASTER" && lab.has_addr(1, &vip)
    });
    // Stalled a while longer: over 2 s past keepalived's take-over.
    std::thread::sleep(Duration::from_secs(2));
    lab.signal(kad, "CONT");
    assert!(took_over, "{}", lab.log("keepalived1.log"));
    // Time for adverts both ways to settle it.
    std::thread::sleep(Duration::from_secs(4));
    state_of(&sock, VI).unwrap_or_default()
}

#[test]
fn a_stalled_nopreempt_master_yields_to_the_one_that_took_over() {
    let mut lab = Lab::new(2);
    let state = stall_the_master(&mut lab, "@h0 timer_expired_backup 100");
    let vip = lab.ip(100);
    let log = lab.log("kad0.log");
    assert_eq!(state, "BACKUP", "{log}");
    assert!(log.contains("VRRP thread timer expired"), "{log}");
    assert_eq!(
        keepalived_state(&lab.log("keepalived1.log"), VI),
        "MASTER",
        "{}",
        lab.log("keepalived1.log")
    );
    assert!(lab.has_addr(1, &vip) && !lab.has_addr(0, &vip));
}

/// The control: the same stall without the keyword, and kad, priority
/// 150, is MASTER again and keepalived BACKUP.
#[test]
fn without_it_the_stalled_master_takes_the_role_back() {
    let mut lab = Lab::new(2);
    let state = stall_the_master(&mut lab, "");
    let log = lab.log("kad0.log");
    assert_eq!(state, "MASTER", "{log}");
    assert!(!log.contains("VRRP thread timer expired"), "{log}");
    assert_eq!(
        keepalived_state(&lab.log("keepalived1.log"), VI),
        "BACKUP",
        "{}",
        lab.log("keepalived1.log")
    );
}
