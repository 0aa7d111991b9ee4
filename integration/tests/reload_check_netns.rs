//! `reload_check_config FILE`: a reload first checks the new file as `-t`
//! does, writes the check's report to FILE, and goes ahead only when the
//! check passes. kad (host 0) and Debian's keepalived 2.2.7 (host 1) get
//! the same two reloads: one whose file has a problem keepalived would
//! only warn about and correct (an unknown keyword) — refused by both, the
//! VIP stays, the report names the problem — then a clean one, applied by
//! both.

use kad_integration::netns::{wait_for, Lab};
use std::time::Duration;

fn conf(lab: &Lab, check_log: &str, vrid: u8, vip_last: u8, bad: bool) -> String {
    format!(
        "global_defs {{\n router_id chk\n reload_check_config {check_log}\n{bad}}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 150\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.{vrid}.{vip_last}/24\n }}\n}}\n",
        bad = if bad { " bogus_reload_keyword 1\n" } else { "" },
        net = lab.net,
    )
}

#[test]
fn reload_check_config_refuses_a_file_that_fails_the_check_as_keepalived() {
    let mut lab = Lab::new(2);
    let d = lab.dir.path().to_path_buf();
    let logs = [d.join("check-kad.log"), d.join("check-ka.log")];
    let vrid = |h: usize| 81 + h as u8;
    let net = lab.net;
    let vip = |h: usize, last: u8| format!("10.{net}.{}.{last}", vrid(h));
    let mut files = Vec::new();
    for (h, log) in logs.iter().enumerate() {
        let text = conf(&lab, log.to_str().unwrap(), vrid(h), 1, false);
        files.push(lab.write(&format!("k{h}.conf"), &text));
    }
    let kad = lab.kad(0, &files[0], "h0");
    let ka = lab.keepalived(1, &files[1], "h1");
    for h in 0..2 {
        assert!(
            wait_for(Duration::from_secs(15), || lab.has_addr(h, &vip(h, 1))),
            "host {h}: {}{}",
            lab.log("kad0.log"),
            lab.log("keepalived1.log")
        );
    }
    let reload = |lab: &Lab, bad: bool, last: u8| {
        for h in 0..2 {
            let text = conf(lab, logs[h].to_str().unwrap(), vrid(h), last, bad);
            std::fs::write(&files[h], text).unwrap();
        }
        lab.signal(kad, "HUP");
        lab.signal(ka, "HUP");
    };

    // The file with an unknown keyword: both refuse, and say where the
    // report is.
    reload(&lab, true, 2);
    for (h, log) in [(0, "kad0.log"), (1, "keepalived1.log")] {
        let said = format!(
            "New config failed validation, see {} for details",
            logs[h].display()
        );
        assert!(
            wait_for(Duration::from_secs(10), || lab.log(log).contains(&said)),
            "host {h}: {}",
            lab.log(log)
        );
        let report = std::fs::read_to_string(&logs[h]).unwrap_or_default();
        assert!(
            report.contains("bogus_reload_keyword"),
            "host {h}: {report}"
        );
    }
    std::thread::sleep(Duration::from_millis(1500));
    for h in 0..2 {
        assert!(lab.has_addr(h, &vip(h, 1)), "host {h} kept its VIP");
        assert!(!lab.has_addr(h, &vip(h, 2)), "host {h} did not reload");
    }

    // A clean file: both reload.
    reload(&lab, false, 3);
    for h in 0..2 {
        assert!(
            wait_for(Duration::from_secs(15), || lab.has_addr(h, &vip(h, 3))
                && !lab.has_addr(h, &vip(h, 1))),
            "host {h}: {}{}",
            lab.log("kad0.log"),
            lab.log("keepalived1.log")
        );
    }
}
