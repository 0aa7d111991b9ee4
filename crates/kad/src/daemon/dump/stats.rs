//! `keepalived.stats` (SIGUSR2; SIGRTMAX-1 writes it and then clears the
//! counters): keepalived 2.2.7's text, one block per VRRP instance.

use super::Snapshot;
use std::fmt::Write;

/// The text of `keepalived.stats`.
pub fn render(s: &Snapshot) -> String {
    let mut o = String::new();
    for i in &s.instances {
        let c = &i.status.stats;
        let _ = write!(
            o,
            "VRRP Instance: {}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: {}\n    TTL: {}\n    Invalid Type: {}\n    Advertisement Interval: {}\n    Address List: {}\n  Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    Failure: {}\n  Priority Zero:\n    Received: {}\n    Sent: {}\n",
            i.cfg.name,
            c.advert_rcvd,
            c.advert_sent,
            c.become_master,
            c.release_master,
            c.packet_len_err,
            c.ip_ttl_err,
            c.invalid_type_rcvd,
            c.advert_interval_err,
            c.addr_list_err,
            c.invalid_authtype,
            c.authtype_mismatch,
            c.auth_failure,
            c.pri_zero_rcvd,
            c.pri_zero_sent,
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::tests::{snapshot, CONF};
    use super::*;

    /// keepalived 2.2.7's `keepalived.stats` for the same configuration, with
    /// kad's counters.
    #[test]
    fn as_keepalived_wrote_it() {
        let want = "VRRP Instance: VI_1
  Advertisements:
    Received: 0
    Sent: 7
  Became master: 1
  Released master: 0
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 0
  Priority Zero:
    Received: 0
    Sent: 0
";
        assert_eq!(render(&snapshot(CONF, "MASTER")), want);
    }

    #[test]
    fn one_block_per_instance_in_order() {
        let conf = CONF.to_string()
            + &CONF[CONF.find("vrrp_instance").unwrap()..]
                .replace("VI_1", "VI_2")
                .replace("51", "52")
                .replace("10.77.0.10", "10.77.0.20");
        let t = render(&snapshot(&conf, "BACKUP"));
        let a = t.find("VRRP Instance: VI_1\n").unwrap();
        let b = t.find("VRRP Instance: VI_2\n").unwrap();
        assert!(a < b);
        assert_eq!(t.matches("  Priority Zero:\n").count(), 2);
    }
}
