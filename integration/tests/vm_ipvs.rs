//! IPVS on a real kernel (Debian's, under qemu): for every sample with
//! virtual servers, what `ipvsadm -S -n` shows after kad programmed it must
//! equal what the configuration means — the expected tables below are
//! written by hand from keepalived's semantics (every real server up until
//! the checkers exist), not taken from kad's output — and kad's stop must
//! remove what it added.

use kad_integration::vm::{self, block};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn expected() -> BTreeMap<&'static str, Vec<&'static str>> {
    let mut m = BTreeMap::new();
    m.insert(
        "keepalived.conf.HTTP_GET.port",
        vec![
            "-A -t 192.168.200.100:443 -s rr -p 50",
            "-a -t 192.168.200.100:443 -r 192.168.201.100:443 -m -w 1",
        ],
    );
    m.insert(
        "keepalived.conf.IPv6",
        vec![
            "-A -t [ae00::1]:80 -s rr -p 50",
            "-a -t [ae00::1]:80 -r [ae00::10]:25 -m -w 1",
        ],
    );
    m.insert(
        "keepalived.conf.SSL_GET",
        vec![
            "-A -t 192.168.200.100:443 -s rr -p 50",
            "-a -t 192.168.200.100:443 -r 192.168.201.100:443 -m -w 1",
            "-A -t 192.168.200.100:80 -s rr -p 50",
            "-a -t 192.168.200.100:80 -r 192.168.201.100:80 -m -w 1",
        ],
    );
    // fwmark services: protocol ignored, real servers keep port 0.
    m.insert(
        "keepalived.conf.fwmark",
        vec![
            "-A -f 1 -s rr -p 900",
            "-a -f 1 -r 192.168.201.100:0 -m -w 1",
            "-a -f 1 -r 192.168.201.101:0 -m -w 1",
        ],
    );
    for f in ["keepalived.conf.inhibit", "keepalived.conf.sample"] {
        m.insert(
            f,
            vec![
                "-A -t 10.10.10.2:1358 -s rr -p 50",
                "-a -t 10.10.10.2:1358 -r 192.168.200.2:1358 -m -w 1",
            ],
        );
    }
    for f in [
        "keepalived.conf.misc_check",
        "keepalived.conf.misc_check_arg",
    ] {
        m.insert(
            f,
            vec![
                "-A -t 10.10.10.2:1358 -s rr -p 50",
                "-a -t 10.10.10.2:1358 -r 192.168.200.6:1358 -m -w 1",
            ],
        );
    }
    // `alpha`: every real server waits for its first successful check.
    m.insert(
        "keepalived.conf.quorum",
        vec!["-A -t 10.0.1.1:80 -s wrr -p 900"],
    );
    m.insert(
        "keepalived.conf.status_code",
        vec![
            "-A -t 192.168.200.100:443 -s rr -p 50",
            "-a -t 192.168.200.100:443 -r 192.168.201.100:443 -m -w 1",
        ],
    );
    // The group: each address and fwmark is a service with the same servers.
    let mut vsg: Vec<String> = Vec::new();
    let mut svcs: Vec<String> = vec![
        "-t 10.0.0.1:8080".into(),
        "-t 10.0.0.2:80".into(),
        "-t 192.168.200.1:1358".into(),
    ];
    svcs.extend((3..=10).map(|i| format!("-t 192.168.200.{i}:80")));
    svcs.extend(["-f 1".to_string(), "-f 2".to_string()]);
    for s in &svcs {
        vsg.push(format!("-A {s} -s rr -p 50"));
        // Real servers keep their configured port, fwmark members too.
        for r in ["192.168.200.1:1358", "192.168.200.2:1358"] {
            vsg.push(format!("-a {s} -r {r} -m -w 1"));
        }
    }
    m.insert(
        "keepalived.conf.virtual_server_group",
        vsg.iter()
            .map(|s| &*Box::leak(s.clone().into_boxed_str()))
            .collect(),
    );
    m.insert(
        "keepalived.conf.vrrp.lvs_syncd",
        vec![
            "-A -t 192.168.200.19:80 -s rr -p 50",
            "-a -t 192.168.200.19:80 -r 192.168.201.100:80 -m -w 1",
        ],
    );
    m
}

/// "=== NAME" sections: (programmed lines, lines left after stop).
fn sections(out: &str) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let mut m = BTreeMap::new();
    let mut name = String::new();
    let mut after = false;
    for l in out.lines() {
        if let Some(n) = l.strip_prefix("=== ") {
            name = n.trim().to_string();
            after = false;
            m.entry(name.clone()).or_insert_with(Default::default);
        } else if l.starts_with("--- after stop") {
            after = true;
        } else if l.starts_with("-A ") || l.starts_with("-a ") {
            if let Some(e) = m.get_mut(&name) {
                let e: &mut (BTreeSet<String>, BTreeSet<String>) = e;
                if after { &mut e.1 } else { &mut e.0 }.insert(l.trim().to_string());
            }
        }
    }
    m
}

#[test]
fn kad_programs_every_sample_as_ipvsadm_reads_it() {
    kad_integration::netns::require_root();
    let run = vm::run("program_samples", Duration::from_secs(600));
    let got = sections(&run.output);
    let want = expected();
    let mut failures = Vec::new();
    for (name, lines) in &want {
        let want: BTreeSet<String> = lines.iter().map(|s| s.to_string()).collect();
        match got.get(*name) {
            None => failures.push(format!("{name}: not run")),
            Some((programmed, left)) => {
                if programmed != &want {
                    failures.push(format!("{name}:\n  want {want:?}\n  got  {programmed:?}"));
                }
                if !left.is_empty() {
                    failures.push(format!("{name}: left after stop: {left:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nVM output:\n{}",
        failures.join("\n"),
        run.output
    );
    assert!(got.len() >= want.len());
}

#[test]
fn reload_changes_only_what_changed_and_refuses_a_broken_config() {
    kad_integration::netns::require_root();
    let run = vm::run("reload", Duration::from_secs(600));
    let o = &run.output;
    let table = |name: &str| -> BTreeSet<String> {
        block(o, name)
            .into_iter()
            .filter(|l| l.starts_with("-"))
            .collect()
    };
    let start = table("start");
    let weight = table("weight");
    assert_eq!(start.len(), 5, "{o}");
    // Exactly one line differs: the weight of 10.1.0.2.
    let gone: Vec<_> = start.difference(&weight).collect();
    let new: Vec<_> = weight.difference(&start).collect();
    assert_eq!(
        gone,
        vec!["-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 1"],
        "{o}"
    );
    assert_eq!(new, vec!["-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 5"], "{o}");
    assert!(
        block(o, "weight").iter().any(|l| l.contains("(1 changes")),
        "one operation sent:\n{o}"
    );
    // The broken file changed nothing.
    assert_eq!(table("broken"), weight, "{o}");
    assert!(
        block(o, "broken")
            .iter()
            .any(|l| l.contains("reload refused")),
        "{o}"
    );
    // The removed service went, the other stayed untouched.
    let removed = table("removed");
    assert!(removed.iter().all(|l| !l.contains("10.0.0.2:80")), "{o}");
    assert_eq!(removed.len(), 3, "{o}");
    assert!(
        table("stopped").is_empty(),
        "stop removes what kad owns:\n{o}"
    );
}

#[test]
fn dr_traffic_follows_weights_drains_at_zero_and_stops_at_removal() {
    kad_integration::netns::require_root();
    let run = vm::run("traffic", Duration::from_secs(600));
    let o = &run.output;
    let count =
        |phase: &str, who: &str| block(o, phase).iter().filter(|l| l.as_str() == who).count();
    // wrr 3:1 over 8 new connections: 6 and 2.
    assert_eq!(
        (count("weights-3-1", "r1"), count("weights-3-1", "r2")),
        (6, 2),
        "{o}"
    );
    // Weight 0: no new connections to r2.
    assert_eq!(
        (count("r2-weight-0", "r1"), count("r2-weight-0", "r2")),
        (8, 0),
        "{o}"
    );
    // r1 removed: everything to r2.
    assert_eq!(
        (count("r1-removed", "r1"), count("r1-removed", "r2")),
        (0, 8),
        "{o}"
    );
    // A connection through the untouched service flowed through both reloads.
    let long = block(o, "long-connection");
    assert!(
        long.iter().any(|l| l == "still-open-after-reloads yes"),
        "the connection must span both reloads:\n{o}"
    );
    assert!(long.iter().any(|l| l == "lines 60"), "{o}");
}

#[test]
fn lvs_sync_daemon_runs_as_keepalived_runs_it() {
    kad_integration::netns::require_root();
    let run = vm::run("sync_daemon", Duration::from_secs(600));
    let o = &run.output;
    let has = |phase: &str, what: &str| block(o, phase).iter().any(|l| l.contains(what));
    // ipvsadm prints "master sync daemon (mcast=eth0, syncid=51," per thread.
    assert!(
        has("no-inst", "master sync daemon (mcast=eth0, syncid=51,"),
        "{o}"
    );
    assert!(
        has("no-inst", "backup sync daemon (mcast=eth0, syncid=51,"),
        "{o}"
    );
    assert!(
        block(o, "no-inst-stopped")
            .iter()
            .all(|l| !l.contains("sync daemon")),
        "{o}"
    );
    // With inst: syncid defaults to the VRID; backup first, master as MASTER.
    assert!(
        has("inst-backup", "backup sync daemon (mcast=eth0, syncid=61,"),
        "{o}"
    );
    assert!(!has("inst-backup", "master sync daemon"), "{o}");
    assert!(
        has("inst-master", "master sync daemon (mcast=eth0, syncid=61,"),
        "{o}"
    );
    assert!(!has("inst-master", "backup sync daemon"), "{o}");
    assert!(
        block(o, "inst-stopped")
            .iter()
            .all(|l| !l.contains("sync daemon")),
        "{o}"
    );
}

#[test]
fn nat_traffic_follows_weights() {
    kad_integration::netns::require_root();
    let run = vm::run("nat", Duration::from_secs(600));
    let o = &run.output;
    let count = |who: &str| {
        block(o, "nat-1-3")
            .iter()
            .filter(|l| l.as_str() == who)
            .count()
    };
    assert_eq!((count("r1"), count("r2")), (2, 6), "{o}");
}

#[test]
fn refusals_are_named_and_do_not_stop_the_rest() {
    kad_integration::netns::require_root();
    let run = vm::run("errors", Duration::from_secs(600));
    let o = &run.output;
    let table: BTreeSet<String> = block(o, "table")
        .into_iter()
        .filter(|l| l.starts_with('-'))
        .collect();
    assert!(table.contains("-A -t 10.3.0.5:80 -s rr"), "{o}");
    assert!(
        table.contains("-a -t 10.3.0.5:80 -r 10.3.0.6:80 -m -w 1"),
        "{o}"
    );
    assert!(!table.iter().any(|l| l.contains("10.3.0.1:80")), "{o}");
    let log = block(o, "log").join("\n");
    assert!(
        log.contains("adding service TCP 10.3.0.1:80 (scheduler twos)")
            && log.contains("module not found"),
        "the refusal names the service and the cause:\n{o}"
    );
    // The reload after a refusal reconciles with the kernel; the next one,
    // in sync, applies the configuration's difference: one change.
    let fixed = block(o, "after-fix");
    assert!(fixed.iter().any(|l| l == "-A -t 10.3.0.1:80 -s wrr"), "{o}");
    assert!(
        fixed
            .iter()
            .any(|l| l.contains("reconciling with the kernel")),
        "{o}"
    );
    let synced = block(o, "in-sync");
    assert!(
        synced
            .iter()
            .any(|l| l == "-a -t 10.3.0.5:80 -r 10.3.0.6:80 -m -w 2"),
        "{o}"
    );
    assert!(
        synced
            .iter()
            .any(|l| l.contains("configuration's difference")),
        "{o}"
    );
    assert!(
        synced.iter().any(|l| l.contains("(1 changes, 0 refused)")),
        "{o}"
    );
}
