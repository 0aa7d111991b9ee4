//! Start-up and stop as keepalived 2.2.7 orders them, side by side in two
//! namespaces: `startup_script` runs (and is waited for) before VRRP
//! starts, `vrrp_startup_delay` then holds the first takeover, and
//! `shutdown_script` runs after the VIPs are gone; `startup_script_timeout`
//! ends a script that overruns and start-up goes on.

use kad_integration::netns::{wait_for, Lab};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The `word TIME VIPS` lines a script appended to `file`.
fn lines(file: &std::path::Path, word: &str) -> Vec<(f64, u32)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == word).then_some(())?;
            Some((w.next()?.parse().ok()?, w.next()?.parse().ok()?))
        })
        .collect()
}

fn conf(lab: &Lab, vrid: u8, who: &str, global: &str) -> String {
    format!(
        "global_defs {{\n router_id lc\n{global}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n advert_int 1\n\
          virtual_ipaddress {{\n 10.{net}.7.{vrid}/24\n }}\n}}\n",
        net = lab.net
    )
    .replace("WHO", who)
}

#[test]
fn startup_script_then_vrrp_startup_delay_then_shutdown_script_as_keepalived() {
    let mut lab = Lab::new(2);
    let dir = lab.dir.path().to_path_buf();
    // Each line: what, when, how many VIPs of ours the namespace has.
    let script = "echo \"$2 $(date +%s.%N) $(ip -o addr show | grep -c ' 10\\.')\" >> \"$1\"; [ \"$2\" = start ] && sleep 1 && echo \"end $(date +%s.%N) 0\" >> \"$1\"; exit 0\n";
    let sh = lab.write("life.sh", script);
    // The lab's own address is a 10.x too: count it out below.
    let global = format!(
        " startup_script \"/bin/sh {sh} {dir}/WHO.out start\"\n startup_script_timeout 5\n\
          shutdown_script \"/bin/sh {sh} {dir}/WHO.out down\"\n vrrp_startup_delay 2",
        sh = sh.display(),
        dir = dir.display()
    );
    let kad_conf = lab.write("kad.conf", &conf(&lab, 41, "kad", &global));
    let ka_conf = lab.write("ka.conf", &conf(&lab, 42, "ka", &global));
    let kad = lab.kad(0, &kad_conf, "lc");
    let ka = lab.keepalived(1, &ka_conf, "lc");
    let vips = [
        format!("10.{}.7.41", lab.net),
        format!("10.{}.7.42", lab.net),
    ];
    let mut first = [None, None];
    assert!(
        wait_for(Duration::from_secs(20), || {
            for h in 0..2 {
                if first[h].is_none() && lab.has_addr(h, &vips[h]) {
                    first[h] = Some(now());
                }
            }
            first.iter().all(Option::is_some)
        }),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    for (h, who) in ["kad", "ka"].iter().enumerate() {
        let out = dir.join(format!("{who}.out"));
        let start = lines(&out, "start");
        let end = lines(&out, "end");
        assert_eq!(start.len(), 1, "{who}: {start:?}");
        // Only the lab's own address: no VIP yet when the script ran.
        assert_eq!(start[0].1, 1, "{who}: the startup script saw a VIP");
        let end = end.first().map(|e| e.0).unwrap_or(0.0);
        let vip_at = first[h].unwrap_or(0.0);
        // VRRP begins after the script (1 s); the delay (2 s) and a
        // Master_Down_Interval (3.6 s) pass before the VIP.
        let after = vip_at - end;
        assert!(
            (5.2..8.0).contains(&after),
            "{who}: VIP {after:.2} s after the startup script ended"
        );
    }
    assert!(lab
        .log("kad0.log")
        .contains("Delaying startup for 2 seconds"));
    assert!(lab
        .log("keepalived1.log")
        .contains("Delaying startup for 2 seconds"));

    // Stop: the shutdown script runs once the VIP is gone.
    lab.signal(kad, "TERM");
    lab.signal(ka, "TERM");
    assert!(lab.wait(kad, Duration::from_secs(15)).is_some());
    assert!(lab.wait(ka, Duration::from_secs(15)).is_some());
    for who in ["kad", "ka"] {
        let down = lines(&dir.join(format!("{who}.out")), "down");
        assert_eq!(down.len(), 1, "{who}: {down:?}");
        assert_eq!(down[0].1, 1, "{who}: the shutdown script saw the VIP");
    }
}

#[test]
fn startup_script_timeout_ends_a_script_that_hangs_and_start_goes_on() {
    let mut lab = Lab::new(2);
    let global = " startup_script \"/bin/sleep 60\"\n startup_script_timeout 2\n\
                  shutdown_script \"/bin/sleep 61\"\n shutdown_script_timeout 2"
        .to_string();
    let kad_conf = lab.write("kad.conf", &conf(&lab, 43, "kad", &global));
    let ka_conf = lab.write("ka.conf", &conf(&lab, 44, "ka", &global));
    let t0 = now();
    let kad = lab.kad(0, &kad_conf, "lt");
    let ka = lab.keepalived(1, &ka_conf, "lt");
    let vips = [
        format!("10.{}.7.43", lab.net),
        format!("10.{}.7.44", lab.net),
    ];
    let mut first = [None, None];
    assert!(
        wait_for(Duration::from_secs(20), || {
            for h in 0..2 {
                if first[h].is_none() && lab.has_addr(h, &vips[h]) {
                    first[h] = Some(now() - t0);
                }
            }
            first.iter().all(Option::is_some)
        }),
        "{}\n{}",
        lab.log("kad0.log"),
        lab.log("keepalived1.log")
    );
    // 2 s of script, then a Master_Down_Interval (3.6 s); never the 60 s.
    for (h, who) in ["kad", "keepalived"].iter().enumerate() {
        let t = first[h].unwrap_or(0.0);
        assert!((5.4..10.0).contains(&t), "{who}: VIP after {t:.2} s");
    }
    // The hanging shutdown script is waited for 2 s (shutdown_script_timeout),
    // then killed, and the daemon exits.
    let t1 = std::time::Instant::now();
    lab.signal(kad, "TERM");
    lab.signal(ka, "TERM");
    assert!(lab.wait(kad, Duration::from_secs(15)).is_some());
    assert!(lab.wait(ka, Duration::from_secs(15)).is_some());
    let took = t1.elapsed().as_secs_f64();
    assert!(
        (2.0..10.0).contains(&took),
        "both stopped after {took:.2} s"
    );
    // No sleep is left behind.
    let left = kad_integration::netns::sh("pgrep -f '^/bin/sleep 6[01]$' | wc -l");
    assert_eq!(String::from_utf8_lossy(&left.stdout).trim(), "0");
}
