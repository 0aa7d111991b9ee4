//! keepalived's code defaults and corrections, as the model must carry them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_config::model::*;
use kad_config::{load_str, LoadOptions, Loaded};
use std::path::Path;
use std::time::Duration;

fn parse(text: &str) -> Loaded {
    load_str(
        text,
        Path::new("/v/k.conf"),
        &LoadOptions {
            config_id: "n".into(),
        },
    )
}

fn inst(text: &str) -> VrrpInstance {
    let l = parse(text);
    l.config
        .vrrp_instances
        .into_iter()
        .next()
        .expect("one instance")
}

#[test]
fn state_and_priority() {
    let i = inst("vrrp_instance A { interface e\n virtual_router_id 1\n state MASTER }");
    assert_eq!((i.state, i.priority.0), (InitialState::Master, 255));
    let i =
        inst("vrrp_instance A { interface e\n virtual_router_id 1\n state MASTER\n priority 100 }");
    assert_eq!((i.state, i.priority.0), (InitialState::Master, 100));
    let i = inst("vrrp_instance A { interface e\n virtual_router_id 1\n priority 255 }");
    assert_eq!(i.state, InitialState::Master);
    let i = inst("vrrp_instance A { interface e\n virtual_router_id 1 }");
    assert_eq!(
        (i.state, i.priority.0, i.advert_int, i.version),
        (InitialState::Backup, 100, Centis(100), 2)
    );
}

#[test]
fn advert_interval_units() {
    let l = parse("vrrp_instance A { interface e\n virtual_router_id 1\n advert_int 1.5 }");
    assert_eq!(l.config.vrrp_instances[0].advert_int, Centis(200));
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.message.contains("whole seconds")));
    let i =
        inst("vrrp_instance A { interface e\n virtual_router_id 1\n version 3\n advert_int 0.5 }");
    assert_eq!(i.advert_int, Centis(50));
    let i = inst("global_defs { vrrp_version 3 }\nvrrp_instance A { interface e\n virtual_router_id 1\n advert_int 0.01 }");
    assert_eq!((i.version, i.advert_int), (3, Centis(1)));
    let i = inst(
        "vrrp_instance A { interface e\n virtual_router_id 1\n virtual_ipaddress { fe80::1/64 } }",
    );
    assert_eq!((i.version, i.ipv6), (3, true));
}

#[test]
fn globals_apply_even_when_global_defs_comes_last() {
    let text = "vrrp_instance A { interface e\n virtual_router_id 1\n garp_master_repeat 2 }\n\
                global_defs { vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 7\n vrrp_lower_prio_no_advert }";
    let i = inst(text);
    assert_eq!(i.garp.master_delay, Duration::from_secs(10));
    assert_eq!(i.garp.master_repeat, 2);
    // keepalived takes the lower priority values from the global ones
    // (which follow vrrp_garp_master_*), not from the instance's.
    assert_eq!(i.garp.lower_prio_repeat, 7);
    assert_eq!(i.garp.lower_prio_delay, Duration::from_secs(10));
    assert!(i.lower_prio_no_advert);
    assert_eq!(GarpTimers::default().master_repeat, 5);
}

#[test]
fn corrections_keepalived_makes() {
    let l = parse("vrrp_instance A { interface e\n virtual_router_id 1\n state MASTER\n priority 100\n authentication { auth_type PASS\n auth_pass 123456789 } }");
    let i = &l.config.vrrp_instances[0];
    assert_eq!(i.state, InitialState::Master);
    assert_eq!(i.authentication.as_ref().unwrap().password, "12345678");
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    let i =
        inst("vrrp_instance A { interface e\n virtual_router_id 1\n priority 255\n nopreempt }");
    assert!(!i.nopreempt);
    let i = inst("global_defs { vrrp_strict }\nvrrp_instance A { interface e\n virtual_router_id 1\n virtual_ipaddress { 1.2.3.4 } }");
    assert!(i.strict_mode && i.lower_prio_no_advert && !i.accept);
}

fn vs(text: &str) -> (VirtualServer, Loaded) {
    let l = parse(text);
    (l.config.virtual_servers[0].clone(), l)
}

#[test]
fn virtual_server_defaults() {
    let (v, l) = vs("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 { }\n}");
    assert_eq!(
        (v.protocol, v.scheduler, v.method),
        (Protocol::Udp, Scheduler::Wlc, ForwardMethod::Nat)
    );
    let msgs: Vec<_> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("defaulting to UDP")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("default 'wlc'")), "{msgs:?}");
    assert_eq!(v.real_servers[0].weight, Weight(1));
    let (v, _) =
        vs("virtual_server 10.0.0.1 80 { protocol TCP\n lb_algo rr\n persistence_timeout\n real_server 10.0.0.2 80 { } }");
    assert_eq!(v.persistence_timeout, Some(360));
    let (v, _) =
        vs("virtual_server 10.0.0.1 0 { protocol TCP\n lb_algo rr\n real_server 10.0.0.2 80 { } }");
    assert_eq!(v.persistence_timeout, Some(360));
    let (v, _) = vs("virtual_server 10.0.0.1 80 { protocol TCP\n lb_algo rr\n lb_kind DR\n persistence_granularity 24\n real_server 10.0.0.2 80 { }\n real_server 10.0.0.3 80 { lb_kind TUN type gue port 6080 } }");
    assert_eq!(v.real_servers[0].method, ForwardMethod::Dr);
    assert_eq!(
        v.real_servers[1].method,
        ForwardMethod::Tun {
            kind: TunnelType::Gue,
            port: Some(6080),
            csum: None
        }
    );
    assert_eq!(
        v.persistence_granularity,
        Some("255.255.255.0".parse().unwrap())
    );
}

#[test]
fn checker_timing_is_inherited() {
    let (v, l) = vs("virtual_server 10.0.0.1 80 { protocol TCP\n lb_algo rr\n delay_loop 6\n real_server 10.0.0.2 80 {\n connect_timeout 2\n \
         TCP_CHECK { retry 4 }\n HTTP_GET { url { path / } }\n MISC_CHECK { misc_path /bin/true }\n DNS_CHECK { name example.org }\n }\n retry 9\n}");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let c = &v.real_servers[0].checkers;
    let t = |i: usize| &c[i].timing;
    assert_eq!(
        (t(0).delay_loop, t(0).connect_timeout, t(0).retry),
        (Duration::from_secs(6), Duration::from_secs(2), 4)
    );
    // retry set at VS level (after the real server) applies where not overridden.
    assert_eq!(
        (t(1).retry, t(1).delay_before_retry),
        (9, Duration::from_secs(3))
    );
    assert_eq!(t(2).retry, 9);
    let CheckKind::Misc(m) = &c[2].kind else {
        panic!()
    };
    assert_eq!(m.timeout, Duration::from_secs(6));
    assert_eq!(t(3).delay_before_retry, Duration::from_secs(6));
    let (v, _) = vs("virtual_server 10.0.0.1 80 { protocol TCP\n lb_algo rr\n real_server 10.0.0.2 80 { DNS_CHECK { } MISC_CHECK { misc_path /bin/true } TCP_CHECK { } } }");
    let c = &v.real_servers[0].checkers;
    assert_eq!(
        (c[0].timing.retry, c[1].timing.retry, c[2].timing.retry),
        (3, 0, 1)
    );
    assert_eq!(c[2].timing.delay_loop, Duration::from_secs(60));
    assert_eq!(c[2].timing.connect_timeout, Duration::from_secs(5));
}

#[test]
fn checker_options() {
    let (v, l) = vs("virtual_server 10.0.0.1 80 { protocol UDP\n lb_algo rr\n real_server 10.0.0.2 53 {\n \
        HTTP_GET { url { path /a\n digest 640205B7B0FC66C1EA91C463FAC6334D\n status_code 200-299 404 } http_protocol 1.1 }\n \
        SSL_GET { url { path /\n digest 0123456789012345678901234567890123456789 } sni_name example.org }\n \
        UDP_CHECK { payload 0a0b\n require_reply 0axx0c }\n DNS_CHECK { type AAAA\n name kad.test }\n } }");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let c = &v.real_servers[0].checkers;
    let CheckKind::Http(h) = &c[0].kind else {
        panic!()
    };
    assert_eq!(h.protocol, HttpProtocol::Http11);
    let u = &h.urls[0];
    assert_eq!(u.digest.as_ref().unwrap().kind, DigestKind::Md5);
    assert_eq!(
        u.digest.as_ref().unwrap().hex,
        "640205b7b0fc66c1ea91c463fac6334d"
    );
    assert_eq!(u.status_codes, [(200, 299), (404, 404)]);
    let CheckKind::Ssl(s) = &c[1].kind else {
        panic!()
    };
    assert_eq!(s.urls[0].digest.as_ref().unwrap().kind, DigestKind::Sha1);
    assert!(s.enable_sni);
    let CheckKind::Udp {
        payload,
        require_reply,
        ..
    } = &c[2].kind
    else {
        panic!()
    };
    assert_eq!(payload, &[10, 11]);
    assert_eq!(
        require_reply.as_deref(),
        Some(&[Some(10), None, Some(12)][..])
    );
    let CheckKind::Dns { query_type, name } = &c[3].kind else {
        panic!()
    };
    assert_eq!((*query_type, name.as_str()), (DnsType::Aaaa, "kad.test"));
}

#[test]
fn groups_sync_daemon_and_timeouts() {
    let l = parse(
        "global_defs { lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400 port 8849 ttl 2 group 224.0.0.82\n lvs_timeouts tcp 900 tcpfin 30 udp 60\n lvs_flush }\n\
         vrrp_instance VI_1 { interface e\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.9 } }\n\
         virtual_server_group G { 10.0.0.1-3 80\n 10.1.0.0/30 443\n fwmark 5 inet6 }\n\
         virtual_server group G { protocol TCP\n lb_algo sh\n sh-port\n real_server 10.2.0.1 80 { } }",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let sd = l.config.global.lvs_sync_daemon.as_ref().unwrap();
    assert_eq!(sd.instance.as_deref(), Some("VI_1"));
    assert_eq!(
        (sd.sync_id, sd.maxlen, sd.port, sd.ttl),
        (Some(7), Some(1400), Some(8849), Some(2))
    );
    let t = l.config.global.lvs_timeouts.as_ref().unwrap();
    assert_eq!((t.tcp, t.tcpfin, t.udp), (Some(900), Some(30), Some(60)));
    assert!(l.config.global.lvs_flush);
    let g = &l.config.virtual_server_groups[0];
    assert_eq!(g.entries.len(), 3);
    assert_eq!(
        g.entries[1],
        GroupEntry::Range {
            first: "10.1.0.0".parse().unwrap(),
            last: "10.1.0.3".parse().unwrap(),
            port: Some(443)
        }
    );
    assert!(l.config.virtual_servers[0].sched_flags.flag2);
}

/// The default interface is resolved once, by the reader: an instance's
/// `ifname` is its `interface` or, for a unicast instance that names none,
/// global_defs' `default_interface` (keepalived's default "eth0"); a static
/// address without `dev` goes on the default interface, as keepalived puts it.
#[test]
fn default_interface_resolved_in_the_model() {
    let i = inst("vrrp_instance A { interface e1\n virtual_router_id 1 }");
    assert_eq!(
        (i.interface.as_deref(), i.ifname.as_str()),
        (Some("e1"), "e1")
    );
    let uni = "vrrp_instance A { virtual_router_id 1\n unicast_src_ip 10.0.0.1\n unicast_peer { 10.0.0.2 } }";
    let i = inst(uni);
    assert_eq!((i.interface.as_deref(), i.ifname.as_str()), (None, "eth0"));
    let i = inst(&format!("global_defs {{ default_interface lan7 }}\n{uni}"));
    assert_eq!(i.ifname, "lan7");
    let i = inst(
        "global_defs { default_interface lan7 }\nvrrp_instance A { interface e2\n virtual_router_id 1 }",
    );
    assert_eq!(i.ifname, "e2");
    let l = parse("global_defs { default_interface lan7 }\nstatic_ipaddress { 10.9.0.1/24\n 10.9.0.2/24 dev e3 }");
    let devs: Vec<_> = l
        .config
        .static_ipaddress
        .iter()
        .map(|a| a.dev.as_deref())
        .collect();
    assert_eq!(devs, [Some("lan7"), Some("e3")]);
}

/// `use_vmac` names as keepalived's vrrp_complete_instance does: the VRID
/// known wherever it is written, `vrrp.VRID`, then `vrrp6.VRID` for IPv6
/// (then `vrrp1.`...), a given name kept; the MAC in either word;
/// `vmac_xmit_base` before or after `use_vmac`, cleared in strict mode.
#[test]
fn use_vmac_names_macs_and_xmit_base() {
    let l = parse(
        "vrrp_instance A { interface e\n use_vmac\n virtual_router_id 7\n virtual_ipaddress { 10.0.0.1 } }\n\
         vrrp_instance B { interface e\n vmac_xmit_base\n use_vmac 02:01:02:03:04\n virtual_router_id 7\n virtual_ipaddress { fd00::1 } }\n\
         vrrp_instance C { interface e\n use_vmac 02:01:02:03:04:05 mine\n virtual_router_id 8\n virtual_ipaddress { 10.0.0.2 } }\n\
         vrrp_instance D { interface e\n use_vmac\n virtual_router_id 7\n virtual_ipaddress { 10.0.1.1 } }\n\
         vrrp_instance E { interface e\n use_vmac\n vmac_xmit_base\n strict_mode\n virtual_router_id 9\n virtual_ipaddress { 10.0.2.1 } }\n",
    );
    let v: Vec<Vmac> = l
        .config
        .vrrp_instances
        .iter()
        .map(|i| i.vmac.clone().expect("a vmac"))
        .collect();
    let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["vrrp.7", "vrrp6.7", "mine", "vrrp1.7", "vrrp.9"]);
    assert_eq!(v[1].mac.as_deref(), Some("02:01:02:03:04"));
    assert_eq!(v[2].mac.as_deref(), Some("02:01:02:03:04:05"));
    assert_eq!(
        v.iter().map(|v| v.xmit_base).collect::<Vec<_>>(),
        [false, true, false, false, false]
    );
}

/// `*_rcv_bufs` and `*_rcv_bufs_force` as keepalived reads them: 0 or a
/// bad size leaves the one before; the force flag takes an optional
/// boolean, a bad one leaves the flag as it was.
#[test]
fn netlink_receive_buffers() {
    let l = parse(
        "global_defs {\n vrrp_netlink_cmd_rcv_bufs 1048576\n vrrp_netlink_cmd_rcv_bufs 0\n\
         vrrp_netlink_cmd_rcv_bufs_force\n vrrp_netlink_monitor_rcv_bufs 2097152\n\
         vrrp_netlink_monitor_rcv_bufs x\n vrrp_netlink_monitor_rcv_bufs_force true\n\
         vrrp_netlink_monitor_rcv_bufs_force maybe\n lvs_netlink_cmd_rcv_bufs_force\n\
         lvs_netlink_cmd_rcv_bufs_force no\n lvs_netlink_monitor_rcv_bufs 4096\n\
         process_monitor_rcv_bufs 8192\n process_monitor_rcv_bufs_force on\n}\n",
    );
    let b = l.config.global.netlink_bufs;
    let rb = |size, force| RcvBuf { size, force };
    assert_eq!(b.vrrp_cmd, rb(1_048_576, true));
    assert_eq!(b.vrrp_monitor, rb(2_097_152, true));
    assert_eq!(b.lvs_cmd, rb(0, false));
    assert_eq!(b.lvs_monitor, rb(4096, false));
    assert_eq!(b.process_monitor, rb(8192, true));
    assert_eq!(NetlinkBufs::default().vrrp_cmd, rb(0, false));
}

/// The scheduler flags as keepalived 2.2.7's lbflags_handler reads them
/// (the named ones only after their scheduler), and kad's own IPVS sysctl
/// keywords with their ranges.
#[test]
fn scheduler_flags_and_ipvs_sysctls() {
    let vs = |body: &str| {
        parse(&format!(
            "virtual_server 10.0.0.1 80 {{\n protocol TCP\n{body}\n real_server 10.0.0.2 80 {{\n }}\n}}\n"
        ))
    };
    let flags = |l: &Loaded| l.config.virtual_servers[0].sched_flags;
    let l = vs(" lb_algo mh\n mh-port\n mh-fallback");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let f = flags(&l);
    assert!(f.flag1 && f.flag2 && !f.flag3);
    let l = vs(" lb_algo sh\n sh-port\n sh-fallback");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert!(flags(&l).flag1 && flags(&l).flag2);
    let l = vs(" lb_algo rr\n flag-1\n flag-2\n flag-3");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert!(flags(&l).flag1 && flags(&l).flag2 && flags(&l).flag3);
    // Another scheduler's named flag: keepalived ignores it without a word.
    let l = vs(" lb_algo mh\n sh-port");
    assert!(!flags(&l).flag2);
    assert!(
        l.diagnostics
            .iter()
            .all(|d| d.severity == kad_config::Severity::Note),
        "{:?}",
        l.diagnostics
    );
    // Before lb_algo, or under a scheduler without named flags: its message.
    for body in [" mh-port\n lb_algo mh", " lb_algo rr\n mh-port"] {
        let l = vs(body);
        assert!(!flags(&l).flag2, "{body}");
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.message == "mh-port only applies to sh scheduler - ignoring"),
            "{body}: {:?}",
            l.diagnostics
        );
    }

    let l = parse(
        "global_defs {\n lvs_sloppy_tcp\n lvs_sloppy_sctp off\n lvs_schedule_icmp yes\n lvs_expire_nodest_conn on\n lvs_conn_reuse_mode 3\n}\n",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(
        l.config.global.lvs_sysctls,
        LvsSysctls {
            lvs_sloppy_tcp: Some(true),
            lvs_sloppy_sctp: Some(false),
            lvs_schedule_icmp: Some(true),
            lvs_expire_nodest_conn: Some(true),
            lvs_conn_reuse_mode: Some(3),
        }
    );
    let l = parse("global_defs {\n lvs_conn_reuse_mode 4\n lvs_sloppy_tcp maybe\n}\n");
    assert_eq!(l.config.global.lvs_sysctls, LvsSysctls::default());
    let warnings: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == kad_config::Severity::Warning)
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        warnings,
        [
            "number '4' outside range [0, 3] - ignoring",
            "invalid lvs_sloppy_tcp parameter 'maybe' (on/off/true/false/yes/no) - ignoring"
        ]
    );

    // mh with the sloppy switch of its protocol turned off: a warning.
    let mh = |proto: &str, sysctl: &str| {
        parse(&format!(
            "global_defs {{\n {sysctl} off\n}}\nvirtual_server 10.0.0.1 80 {{\n protocol {proto}\n lb_algo mh\n real_server 10.0.0.2 80 {{\n }}\n}}\n"
        ))
    };
    let warned = |l: &Loaded, kw: &str| {
        l.diagnostics.iter().any(|d| {
            d.severity == kad_config::Severity::Warning
                && d.message.contains(&format!("uses mh while {kw} is off"))
        })
    };
    assert!(warned(&mh("TCP", "lvs_sloppy_tcp"), "lvs_sloppy_tcp"));
    assert!(warned(&mh("SCTP", "lvs_sloppy_sctp"), "lvs_sloppy_sctp"));
    let l = mh("UDP", "lvs_sloppy_tcp");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let l = mh("SCTP", "lvs_sloppy_tcp");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
}
