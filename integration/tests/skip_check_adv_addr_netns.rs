//! `vrrp_skip_check_adv_addr` / `skip_check_adv_addr`: a BACKUP does not
//! compare the address list of adverts from the master it already follows.
//! Debian's keepalived 2.2.7 is the master (h0); once the backups follow
//! it, it reloads with one more VIP, so its adverts no longer carry the
//! backups' list. kad with the option (h1, global) and with the instance
//! keyword (h2) stays BACKUP without counting a mismatch, as keepalived
//! with the option does (h4, its `keepalived.stats`); kad without it (h3)
//! counts each advert's mismatch (and, as keepalived does since 2.3.3,
//! still follows the master).

use kad_integration::netns::{status, wait_for, Lab};
use std::ffi::OsStr;
use std::time::Duration;

const VRID: u8 = 93;

fn conf(lab: &Lab, global: &str, inst: &str, prio: u8, vips: &[u8]) -> String {
    let vips: String = vips
        .iter()
        .map(|v| format!("  10.{}.0.{v}/24\n", lab.net))
        .collect();
    format!(
        "global_defs {{\n router_id skip\n{global}}}\n\
         vrrp_instance VI_1 {{\n state BACKUP\n interface eth0\n virtual_router_id {VRID}\n priority {prio}\n advert_int 1\n{inst}\
          virtual_ipaddress {{\n{vips} }}\n}}\n"
    )
}

fn addr_list_err(lab: &Lab, h: usize) -> Option<(String, u64, u64)> {
    let s = status(&lab.socket(h))?;
    let v = s.vrrp.into_iter().next()?;
    Some((v.state, v.stats.addr_list_err, v.stats.advert_rcvd))
}

#[test]
fn skip_check_adv_addr_leaves_the_known_master_s_list_unchecked_as_keepalived() {
    let mut lab = Lab::new(5);
    let master = lab.write("m.conf", &conf(&lab, "", "", 200, &[100]));
    let skip_global = conf(&lab, " vrrp_skip_check_adv_addr\n", "", 100, &[100]);
    let skip_inst = conf(&lab, "", " skip_check_adv_addr\n", 100, &[100]);
    let plain = conf(&lab, "", "", 100, &[100]);
    let ka_m = lab.keepalived(0, &master, "h0");
    for (h, text) in [(1, &skip_global), (2, &skip_inst), (3, &plain)] {
        let c = lab.write(&format!("k{h}.conf"), text);
        lab.kad(h, &c, &format!("h{h}"));
    }
    let ka_dir = lab.dir.path().join("ka4");
    std::fs::create_dir_all(&ka_dir).unwrap();
    let c4 = lab.write("k4.conf", &skip_global);
    let d = lab.dir.path().to_path_buf();
    let (p1, p2) = (d.join("ka4.pid"), d.join("kav4.pid"));
    let args: Vec<&OsStr> = [
        OsStr::new("--vrrp"),
        OsStr::new("-n"),
        OsStr::new("-l"),
        OsStr::new("-D"),
        OsStr::new("-f"),
        c4.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("h4"),
        OsStr::new("-p"),
        p1.as_os_str(),
        OsStr::new("-r"),
        p2.as_os_str(),
    ]
    .to_vec();
    let ka = kad_integration::require("keepalived");
    let ka_b = lab.spawn_env(
        4,
        &ka,
        &args,
        &[("TMPDIR", ka_dir.as_os_str())],
        "keepalived4.log",
    );

    // Everyone follows keepalived's adverts, lists equal.
    assert!(
        wait_for(Duration::from_secs(20), || (1..=3).all(|h| {
            addr_list_err(&lab, h).is_some_and(|(s, e, rx)| s == "BACKUP" && e == 0 && rx >= 2)
        })),
        "{:?}",
        (1..=3).map(|h| addr_list_err(&lab, h)).collect::<Vec<_>>()
    );
    assert!(
        lab.has_addr(0, &lab.ip(100)),
        "{}",
        lab.log("keepalived0.log")
    );
    // The master now advertises one more VIP.
    std::fs::write(&master, conf(&lab, "", "", 200, &[100, 101])).unwrap();
    lab.signal(ka_m, "HUP");
    assert!(wait_for(Duration::from_secs(10), || lab.has_addr(0, &lab.ip(101))));
    // kad without the option counts every advert's mismatch...
    assert!(
        wait_for(Duration::from_secs(10), || addr_list_err(&lab, 3)
            .is_some_and(|(_, e, _)| e >= 3)),
        "{:?}",
        addr_list_err(&lab, 3)
    );
    // ... while with it (global or per instance) nothing is counted, over
    // the same adverts, and all stay BACKUP.
    for h in 1..=3 {
        let (state, errors, _) = addr_list_err(&lab, h).unwrap();
        assert_eq!(state, "BACKUP", "host {h}");
        if h < 3 {
            assert_eq!(errors, 0, "host {h} checked the known master's list");
        }
    }
    // keepalived with the option: BACKUP, and its own counter at zero.
    lab.signal(ka_b, "USR2");
    let stats = ka_dir.join("keepalived.stats");
    assert!(wait_for(Duration::from_secs(5), || {
        std::fs::read_to_string(&stats).is_ok_and(|s| s.contains("Priority Zero"))
    }));
    let text = std::fs::read_to_string(&stats).unwrap();
    assert!(text.contains("    Address List: 0\n"), "{text}");
    assert!(
        !lab.log("keepalived4.log").contains("Entering MASTER STATE"),
        "{}",
        lab.log("keepalived4.log")
    );
}
