//! Consistent choice across directors (issue 13, point 2), on Debian's
//! kernel in the VM (integration/vm/scenarios/ecmp_mh.sh): two kad
//! directors with the same `mh` virtual server (`mh-port`, `mh-fallback`)
//! set kad's own IPVS sysctls (`lvs_sloppy_tcp`, `lvs_sloppy_sctp`,
//! `lvs_schedule_icmp`, `lvs_expire_nodest_conn`, `lvs_conn_reuse_mode`)
//! in their own namespaces; flows opened through one and moved to the
//! other (as an ECMP router moves them) reach the same real server and go
//! on; the second director, reloaded with `lvs_sloppy_tcp off`, resets a
//! moved flow, and `kad -t` says so beforehand; a sysctl changed outside
//! kad is put back by the IPVS audit.

use kad_integration::vm::{self, block};
use std::collections::BTreeSet;
use std::time::Duration;

#[test]
fn directors_with_the_same_mh_service_send_a_moved_flow_to_the_same_real_server() {
    kad_integration::netns::require_root();
    let run = vm::run("ecmp_mh", Duration::from_secs(600));
    let o = &run.output;
    let set = [
        "sloppy_tcp 1",
        "sloppy_sctp 1",
        "schedule_icmp 1",
        "expire_nodest_conn 1",
        "conn_reuse_mode 2",
    ];
    assert_eq!(block(o, "d1 sysctls"), set, "{o}");
    assert_eq!(block(o, "d2 sysctls"), set, "{o}");
    // Only in the directors' namespaces: the kernel's defaults elsewhere.
    assert_eq!(block(o, "root sysctls"), ["0", "1"], "{o}");
    // The scheduler and its flags as ipvsadm reads them.
    let services = block(o, "d1 services");
    for line in [
        "TCP 10.0.0.50:80 mh (mh-fallback,mh-port)",
        "TCP 10.0.0.51:80 sh (sh-fallback,sh-port)",
        "TCP 10.0.0.52:80 rr (flag-1,flag-2,flag-3)",
    ] {
        assert!(services.iter().any(|l| l == line), "{line}: {o}");
    }
    let mh_dests = services
        .iter()
        .skip_while(|l| !l.contains("10.0.0.50:80"))
        .skip(1)
        .take_while(|l| l.starts_with("->"))
        .count();
    assert_eq!(mh_dests, 3, "{o}");

    // Every flow: d1 chose a real server, d2 (which never saw the flow)
    // chose the same one for its next packet, and the connection went on.
    let d1 = block(o, "d1 conns");
    let d2 = block(o, "d2 conns");
    assert_eq!(d1.len(), 16, "{o}");
    assert_eq!(d1, d2, "the same real server for each flow: {o}");
    let answers = block(o, "answers");
    assert_eq!(answers.len(), 16, "{o}");
    let mut servers = BTreeSet::new();
    for a in &answers {
        let f: Vec<&str> = a.split(' ').collect();
        assert_eq!(f.len(), 3, "{a}: {o}");
        assert_eq!(f[2], "1", "flow {} went on after the move: {o}", f[0]);
        // The server that answered is the one both tables name.
        let rs = match f[1] {
            "r1" => "10.0.0.11:80",
            "r2" => "10.0.0.12:80",
            "r3" => "10.0.0.13:80",
            other => panic!("flow {} answered by {other}: {o}", f[0]),
        };
        assert!(
            d2.contains(&format!("10.0.0.100:{} {rs}", f[0])),
            "{a}: {o}"
        );
        servers.insert(f[1]);
    }
    // mh-port: one client's flows spread by port.
    assert!(servers.len() >= 2, "{servers:?}: {o}");

    // kad -t: mh with lvs_sloppy_tcp off is a warning...
    let off = block(o, "check off");
    assert!(
        off.iter().any(|l| l.contains(
            "warning: Virtual server [10.0.0.50]:tcp:80 uses mh while lvs_sloppy_tcp is off"
        )),
        "{o}"
    );
    // ...the reload writes it...
    assert_eq!(
        block(o, "d2 sysctls after reload")[0],
        "sloppy_tcp 0",
        "{o}"
    );
    // ...and the running value that differs from a file is noted.
    assert_eq!(
        block(o, "check running"),
        ["note: lvs_sloppy_tcp: net.ipv4.vs.sloppy_tcp is 0 here; kad sets it to 1 at start and on reload"],
        "{o}"
    );
    // Not sloppy: the moved flow's next packet goes to d2's own stack,
    // which resets the connection; d2 holds no entry for it.
    let not = block(o, "not sloppy");
    assert!(not[0].ends_with(" 0"), "{o}");
    assert_eq!(not[1], "client gone", "{o}");
    assert!(block(o, "d2 conns not sloppy").is_empty(), "{o}");
    // Changed outside kad: the IPVS audit puts it back.
    assert_eq!(block(o, "d1 after audit"), ["1"], "{o}");
    // The audit never had a service or destination to repair.
    assert!(
        !block(o, "log")
            .iter()
            .any(|l| l.contains("IPVS audit: service") || l.contains("IPVS audit: destination")),
        "{o}"
    );
}
