//! `interface_up_down_delays`: a link that goes down for less than its
//! delay moves no instance, a lasting one does, after the delay. kad with
//! the delay (h0) and without (h1), Debian's keepalived 2.2.7 with it (h2)
//! and without (h3), each the only master of its own VRID: every link
//! flaps for half a second, then stays down for four.

use kad_integration::netns::{wait_for, Lab};
use std::time::Duration;

fn conf(lab: &Lab, h: usize, delayed: bool) -> String {
    let delays = if delayed {
        "interface_up_down_delays {\n eth0 1.5\n}\n"
    } else {
        ""
    };
    format!(
        "{delays}global_defs {{\n router_id ud{h}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 150\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.9.{vrid}/24\n }}\n}}\n",
        vrid = 40 + h,
        net = lab.net
    )
}

const FAULT: &str = "(VI_1) Entering FAULT STATE";
const MASTER: &str = "(VI_1) Entering MASTER STATE";

#[test]
fn interface_up_down_delays_hide_a_short_flap_as_keepalived() {
    let mut lab = Lab::new(4);
    let logs = ["kad0.log", "kad1.log", "keepalived2.log", "keepalived3.log"];
    for h in 0..4 {
        let c = lab.write(&format!("k{h}.conf"), &conf(&lab, h, h % 2 == 0));
        if h < 2 {
            lab.kad(h, &c, &format!("h{h}"));
        } else {
            lab.keepalived(h, &c, &format!("h{h}"));
        }
    }
    let count = |lab: &Lab, h: usize, what: &str| lab.log(logs[h]).matches(what).count();
    assert!(
        wait_for(Duration::from_secs(20), || (0..4)
            .all(|h| count(&lab, h, MASTER) == 1)),
        "{:?}",
        logs.map(|l| lab.log(l))
    );
    // A flap of half a second: only the undelayed ones see it.
    for h in 0..4 {
        lab.link(h, false);
    }
    std::thread::sleep(Duration::from_millis(500));
    for h in 0..4 {
        lab.link(h, true);
    }
    assert!(
        wait_for(Duration::from_secs(10), || count(&lab, 1, FAULT) == 1
            && count(&lab, 3, FAULT) == 1
            && count(&lab, 1, MASTER) == 2
            && count(&lab, 3, MASTER) == 2),
        "without the delay: {} {}",
        lab.log(logs[1]),
        lab.log(logs[3])
    );
    std::thread::sleep(Duration::from_secs(2));
    for h in [0, 2] {
        assert_eq!(count(&lab, h, FAULT), 0, "host {h}: {}", lab.log(logs[h]));
        assert_eq!(count(&lab, h, MASTER), 1, "host {h}: {}", lab.log(logs[h]));
    }
    // Down for good (4 s): FAULT, but only after the delay.
    let t = std::time::Instant::now();
    for h in [0, 2] {
        lab.link(h, false);
    }
    assert!(
        wait_for(Duration::from_secs(6), || count(&lab, 0, FAULT) == 1
            && count(&lab, 2, FAULT) == 1),
        "{} {}",
        lab.log(logs[0]),
        lab.log(logs[2])
    );
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(1300), "FAULT after {took:?}");
    for h in [0, 2] {
        lab.link(h, true);
    }
}
