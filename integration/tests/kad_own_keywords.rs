//! kad's own keywords (marked `own` in the parser's tables, "kad's own" in
//! docs/configuration.md) are not keepalived's: keepalived 2.2.7 reports
//! each as an unknown keyword and carries on, so one configuration serves
//! both daemons; kad reads them without a word and acts on them (what each
//! does is shown by the test acts.rs names, e.g. `lvs_audit_interval` in
//! vm_audit.rs).

use kad_integration::{bin, require};
use std::process::Command;

/// A value each keyword takes, and how `--dump-config` shows it.
fn value(keyword: &str) -> (&'static str, &'static str) {
    match keyword {
        // keepalived 2.2.8's SSL_GET switch, unknown to 2.2.7.
        "tls_compliant" => ("on", "true"),
        // The IPVS sysctl switches; conn_reuse_mode is two bits.
        "lvs_sloppy_tcp" | "lvs_sloppy_sctp" | "lvs_schedule_icmp" | "lvs_expire_nodest_conn" => {
            ("on", "true")
        }
        "lvs_conn_reuse_mode" => ("2", "2"),
        // A block (its keywords are in the "announce" context).
        "announce" => ("{\n        table 5\n    }", "{"),
        "track_instance" => ("VI_own", "VI_own"),
        "no_local_address" => ("", "true"),
        _ => ("5", "5"),
    }
}

/// A virtual server with `inner` in its block.
fn vs(inner: &str) -> String {
    format!(
        "virtual_server 10.0.0.1 80 {{\n    protocol TCP\n    lb_algo rr\n    lb_kind DR\n{inner}    real_server 10.0.0.2 80 {{\n    }}\n}}\n"
    )
}

/// The keyword keepalived names as unknown: the keyword itself, or the
/// kad block it is in (keepalived skips the whole block).
fn reported(context: &str, keyword: &'static str) -> &'static str {
    match context {
        "announce" => "announce",
        _ => keyword,
    }
}

/// One configuration holding `keyword <value>` in its block.
fn config(context: &str, keyword: &str) -> String {
    let v = value(keyword).0;
    match context {
        "global_defs" => format!("global_defs {{\n    router_id own\n    {keyword} {v}\n}}\n"),
        "HTTP_GET / SSL_GET" => format!(
            "virtual_server 10.0.0.1 443 {{\n    protocol TCP\n    lb_algo rr\n    lb_kind NAT\n    real_server 10.0.0.2 443 {{\n        SSL_GET {{\n            url {{\n                path /\n            }}\n            {keyword} {v}\n        }}\n    }}\n}}\n"
        ),
        "virtual_server" => vs(&format!("    {keyword} {v}\n")),
        // The instance track_instance names.
        "announce" => format!(
            "vrrp_instance VI_own {{\n    interface lo\n    virtual_router_id 5\n    priority 100\n    virtual_ipaddress {{\n        10.0.0.9\n    }}\n}}\n{}",
            vs(&format!("    announce {{\n        {keyword} {v}\n    }}\n"))
        ),
        other => panic!("no configuration for a kad-own keyword in {other} yet: add one here"),
    }
}

#[test]
fn keepalived_reports_kad_s_own_keywords_as_unknown_and_kad_reads_them() {
    let keepalived = require("keepalived");
    let kad = bin("kad");
    let own: Vec<_> = kad_config::docs::all_rows()
        .into_iter()
        .filter(|r| r.own)
        .collect();
    assert!(
        own.iter().any(|r| r.keyword == "lvs_audit_interval"),
        "lvs_audit_interval is kad's own"
    );
    let dir = tempfile::tempdir().unwrap();
    for r in own {
        let conf = dir.path().join(format!("{}.conf", r.keyword));
        std::fs::write(&conf, config(r.context, r.keyword)).unwrap();
        let ka = Command::new(&keepalived)
            .arg("-t")
            .arg("-f")
            .arg(&conf)
            .output()
            .expect("keepalived -t");
        let ka_err = String::from_utf8_lossy(&ka.stderr);
        assert!(
            ka_err.contains(&format!(
                "Unknown keyword '{}'",
                reported(r.context, r.keyword)
            )),
            "keepalived on {}: {ka_err}",
            r.keyword
        );
        // Without the machine's checks: on a kernel with IPVS, kad -t notes
        // a running sysctl that differs from lvs_sloppy_tcp's (...) value.
        let k = Command::new(&kad)
            .arg("-t")
            .arg("--no-env-check")
            .arg("-f")
            .arg(&conf)
            .output()
            .expect("kad -t");
        let k_err = String::from_utf8_lossy(&k.stderr);
        assert!(k.status.success(), "kad -t on {}: {k_err}", r.keyword);
        assert!(
            !k_err.contains(r.keyword),
            "kad -t says something of {}: {k_err}",
            r.keyword
        );
        // kad reads the value into its model (what it does with it, the
        // test acts.rs names shows).
        let d = Command::new(&kad)
            .arg("--dump-config")
            .arg("-f")
            .arg(&conf)
            .output()
            .expect("kad --dump-config");
        let dumped = String::from_utf8_lossy(&d.stdout);
        assert!(
            dumped
                .lines()
                .any(|l| l.contains(r.keyword) && l.contains(value(r.keyword).1)),
            "kad --dump-config on {}: {dumped}",
            r.keyword
        );
    }
}
