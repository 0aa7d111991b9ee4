//! `global_defs` and the smaller top-level blocks.

use super::ctx::{Ctx, UINT_MAX_US};
use super::sched;
use super::table::{dispatch, ignored, kw, old, own, Kw};
use crate::model::*;
use crate::tree::Node;
use std::time::Duration;

fn fifo(ctx: &mut Ctx, n: &Node) -> Option<NotifyFifo> {
    let path = ctx.string(n, 0)?;
    Some(NotifyFifo {
        path,
        user: n.arg(1).map(|t| t.text.clone()),
        group: n.arg(2).map(|t| t.text.clone()),
        script: None,
    })
}

fn set_fifo_script(ctx: &mut Ctx, n: &Node, f: &mut Option<NotifyFifo>) {
    let s = ctx.script(n);
    match f {
        Some(f) => f.script = s,
        None => ctx.ignore(
            n.kw.pos,
            format!("'{}' needs the FIFO to be set first", n.kw.text),
        ),
    }
}

/// `*_rcv_bufs SIZE`: 0 leaves the size unset, as in keepalived (which
/// also reads a bad size as 0, after reporting it).
fn rcv_size(c: &mut Ctx, n: &Node, b: &mut RcvBuf) {
    if let Some(v) = c.u32_exact(n, 0, 0, u32::MAX).filter(|&v| v != 0) {
        b.size = v;
    }
}

/// `*_rcv_bufs_force [BOOL]`: no value means on.
fn rcv_force(c: &mut Ctx, n: &Node, b: &mut RcvBuf) {
    if let Some(f) = c.flag_opt(n) {
        b.force = f;
    }
}

pub static GLOBAL_DEFS: &[Kw<GlobalDefs>] = &[
    kw("router_id", |c, n, g| g.router_id = c.string(n, 0)),
    kw("notification_email", |_, n, g| {
        g.notification_email = n.children().iter().map(|c| c.kw.text.clone()).collect()
    }),
    kw("notification_email_from", |c, n, g| {
        g.notification_email_from = c.string(n, 0)
    }),
    kw("smtp_server", |c, n, g| {
        let Some(host) = c.string(n, 0) else { return };
        let port = match n.arg(1) {
            Some(t) => c.port_tok(&t.clone()).unwrap_or(25),
            None => 25,
        };
        g.smtp_server = Some((host, port));
    }),
    kw("smtp_helo_name", |c, n, g| {
        g.smtp_helo_name = c.string(n, 0)
    }),
    kw("smtp_connect_timeout", |c, n, g| {
        if let Some(v) = c.at_least_one(n, 4294, "smtp_conect_timeout") {
            g.smtp_connect_timeout = Duration::from_secs(v.into());
        }
    }),
    kw("smtp_alert", |c, n, g| {
        g.smtp_alert = c.flag_opt(n).or(g.smtp_alert)
    }),
    kw("smtp_alert_vrrp", |c, n, g| {
        g.smtp_alert_vrrp = c.flag_opt(n).or(g.smtp_alert_vrrp)
    }),
    kw("smtp_alert_checker", |c, n, g| {
        g.smtp_alert_checker = c.flag_opt(n).or(g.smtp_alert_checker)
    }),
    kw("checker_log_all_failures", |c, n, g| {
        g.checker_log_all_failures = c.flag(n, g.checker_log_all_failures)
    }),
    kw("startup_script", |c, n, g| g.startup_script = c.script(n)),
    kw("startup_script_timeout", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 1, 1000) {
            g.startup_script_timeout = Duration::from_secs(v.into());
        }
    }),
    kw("shutdown_script", |c, n, g| g.shutdown_script = c.script(n)),
    kw("shutdown_script_timeout", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 1, 1000) {
            g.shutdown_script_timeout = Duration::from_secs(v.into());
        }
    }),
    kw("script_user", |c, n, g| {
        let Some(u) = c.string(n, 0) else { return };
        let (u, grp) = match u.split_once(':') {
            Some((u, grp)) => (u.to_string(), Some(grp.to_string())),
            None => (u, n.arg(1).map(|t| t.text.clone())),
        };
        g.script_user = Some((u, grp));
    }),
    kw("enable_script_security", |c, n, g| {
        c.no_value(n);
        g.enable_script_security = true
    }),
    kw("notify_fifo", |c, n, g| g.notify_fifo = fifo(c, n)),
    kw("notify_fifo_script", |c, n, g| {
        set_fifo_script(c, n, &mut g.notify_fifo)
    }),
    kw("vrrp_notify_fifo", |c, n, g| {
        g.vrrp_notify_fifo = fifo(c, n)
    }),
    kw("vrrp_notify_fifo_script", |c, n, g| {
        set_fifo_script(c, n, &mut g.vrrp_notify_fifo)
    }),
    kw("lvs_notify_fifo", |c, n, g| g.lvs_notify_fifo = fifo(c, n)),
    kw("lvs_notify_fifo_script", |c, n, g| {
        set_fifo_script(c, n, &mut g.lvs_notify_fifo)
    }),
    kw("fifo_write_vrrp_states_on_reload", |c, n, g| {
        g.fifo_write_vrrp_states_on_reload = c.flag(n, g.fifo_write_vrrp_states_on_reload)
    }),
    kw("vrrp_notify_priority_changes", |c, n, g| {
        g.vrrp_notify_priority_changes = c.flag(n, g.vrrp_notify_priority_changes)
    }),
    kw("default_interface", |c, n, g| {
        if let Some(s) = c.string(n, 0) {
            g.default_interface = s
        }
    }),
    kw("dynamic_interfaces", |_, _, g| g.dynamic_interfaces = true),
    kw("vrrp_mcast_group4", |c, n, g| {
        if let Some(a) = c.ip(n, 0) {
            if a.is_ipv4() && a.is_multicast() {
                g.vrrp_mcast_group4 = a
            } else {
                c.ignore(
                    n.args[0].pos,
                    format!("'{a}' is not an IPv4 multicast address"),
                );
            }
        }
    }),
    kw("vrrp_mcast_group6", |c, n, g| {
        if let Some(a) = c.ip(n, 0) {
            if a.is_ipv6() && a.is_multicast() {
                g.vrrp_mcast_group6 = a
            } else {
                c.ignore(
                    n.args[0].pos,
                    format!("'{a}' is not an IPv6 multicast address"),
                );
            }
        }
    }),
    kw("vrrp_version", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 2, 3) {
            g.vrrp_version = v as u8
        }
    }),
    kw("v3_checksum_as_v2", |c, n, g| {
        g.v3_checksum_as_v2 = c.flag(n, g.v3_checksum_as_v2)
    }),
    kw("vrrp_garp_master_delay", |c, n, g| {
        if let Some(v) = c.secs(n, 0, 0, 4294) {
            g.garp.master_delay = v
        }
    }),
    kw("vrrp_garp_master_repeat", |c, n, g| {
        if let Some(v) = c.at_least_one(n, u32::MAX, "vrrp_garp_master_repeat") {
            g.garp.master_repeat = v
        }
    }),
    kw("vrrp_garp_lower_prio_delay", |c, n, g| {
        if let Some(v) = c.secs(n, 0, 0, 4294) {
            g.garp.lower_prio_delay = v
        }
    }),
    kw("vrrp_garp_lower_prio_repeat", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 0, i32::MAX as u32) {
            g.garp.lower_prio_repeat = v
        }
    }),
    kw("vrrp_garp_master_refresh", |c, n, g| {
        if let Some(v) = c.secs(n, 0, 0, u32::MAX) {
            g.garp.master_refresh = v
        }
    }),
    kw("vrrp_garp_master_refresh_repeat", |c, n, g| {
        if let Some(v) = c.at_least_one(n, u32::MAX, "vrrp_garp_master_refresh_repeat") {
            g.garp.master_refresh_repeat = v
        }
    }),
    kw("vrrp_garp_interval", |c, n, g| {
        if let Some(v) = c.timer(n, 0, 0.000001, UINT_MAX_US) {
            g.garp_interval = v
        }
    }),
    kw("vrrp_gna_interval", |c, n, g| {
        if let Some(v) = c.timer(n, 0, 0.000001, UINT_MAX_US) {
            g.gna_interval = v
        }
    }),
    kw("vrrp_min_garp", |c, n, g| {
        if c.flag(n, false) {
            g.garp.master_repeat = 1;
            g.garp.master_delay = Duration::ZERO;
            g.garp.master_refresh = Duration::ZERO;
            g.garp.lower_prio_repeat = 1;
            g.garp.lower_prio_delay = Duration::ZERO;
        }
    }),
    kw("vrrp_down_timer_adverts", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 1, 100) {
            g.down_timer_adverts = v
        }
    }),
    kw("vrrp_lower_prio_no_advert", |c, n, g| {
        g.lower_prio_no_advert = c.flag(n, g.lower_prio_no_advert)
    }),
    kw("vrrp_higher_prio_send_advert", |c, n, g| {
        g.higher_prio_send_advert = c.flag(n, g.higher_prio_send_advert)
    }),
    kw("vrrp_owner_ignore_adverts", |c, n, g| {
        g.owner_ignore_adverts = c.flag(n, g.owner_ignore_adverts)
    }),
    kw("vrrp_check_unicast_src", |c, n, g| {
        c.no_value(n);
        g.check_unicast_src = true
    }),
    kw("vrrp_skip_check_adv_addr", |c, n, g| {
        c.no_value(n);
        g.skip_check_adv_addr = true
    }),
    kw("vrrp_strict", |c, n, g| {
        c.no_value(n);
        g.strict = true
    }),
    kw("vrrp_startup_delay", |c, n, g| {
        if let Some(v) = c.timer(n, 0, 0.001, UINT_MAX_US) {
            g.vrrp_startup_delay = v
        }
    }),
    kw("lvs_sync_daemon", |c, n, g| {
        g.lvs_sync_daemon = sync_daemon(c, n)
    }),
    kw("lvs_timeouts", |c, n, g| {
        let mut t = LvsTimeouts::default();
        let mut i = 0;
        while i < n.args.len() {
            let k = n.args[i].clone();
            let Some(v) = n.arg(i + 1).cloned() else {
                c.missing(k.pos, format!("lvs_timeouts '{}' needs a value", k.text));
                break;
            };
            let secs = c.int_exact(&v, 0, 86400 * 31).map(|x| x as u32);
            match k.text.as_str() {
                "tcp" => t.tcp = secs,
                "tcpfin" => t.tcpfin = secs,
                "udp" => t.udp = secs,
                other => c.ignore(k.pos, format!("unknown lvs_timeouts type '{other}'")),
            }
            i += 2;
        }
        g.lvs_timeouts = Some(t);
    }),
    kw("lvs_flush", |_, _, g| g.lvs_flush = true),
    kw("lvs_flush_on_stop", |_, _, g| g.lvs_flush_on_stop = true),
    // kad's own: the IPVS audit's period in seconds (0: no audit).
    own("lvs_audit_interval", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 0, 86400) {
            g.lvs_audit_interval = Duration::from_secs(v.into());
        }
    }),
    // kad's own: IPVS sysctls for a director in an ECMP group.
    own("lvs_sloppy_tcp", super::ipvs_sysctl::sloppy_tcp),
    own("lvs_sloppy_sctp", super::ipvs_sysctl::sloppy_sctp),
    own("lvs_schedule_icmp", super::ipvs_sysctl::schedule_icmp),
    own(
        "lvs_expire_nodest_conn",
        super::ipvs_sysctl::expire_nodest_conn,
    ),
    own("lvs_conn_reuse_mode", super::ipvs_sysctl::conn_reuse_mode),
    old("lvs_flush_onstop", "'lvs_flush_on_stop'", |_, _, g| {
        g.lvs_flush_on_stop = true
    }),
    kw("max_auto_priority", |c, n, g| {
        if let Some(v) = sched::max_auto_priority(c, n) {
            g.scheduling.max_auto_priority = v
        }
    }),
    kw("min_auto_priority_delay", |c, n, g| {
        if let Some(d) = sched::min_auto_priority_delay(c, n) {
            g.scheduling.min_auto_priority_delay = d
        }
    }),
    kw("reload_check_config", |_, n, g| {
        g.reload_check_config = Some(n.arg(0).map_or("/dev/null".into(), |t| t.text.clone()))
    }),
    kw("state_dump_file", |c, n, g| {
        g.state_dump_file = c.string(n, 0)
    }),
    kw("json_version", |c, n, g| {
        if let Some(v) = c.u32(n, 0, 1, 2) {
            g.json_version = v as u8
        }
    }),
    kw("data_use_instance", |c, n, g| {
        g.data_use_instance = c.flag(n, g.data_use_instance)
    }),
    kw("vrrp_netlink_cmd_rcv_bufs", |c, n, g| {
        rcv_size(c, n, &mut g.netlink_bufs.vrrp_cmd)
    }),
    kw("vrrp_netlink_cmd_rcv_bufs_force", |c, n, g| {
        rcv_force(c, n, &mut g.netlink_bufs.vrrp_cmd)
    }),
    kw("vrrp_netlink_monitor_rcv_bufs", |c, n, g| {
        rcv_size(c, n, &mut g.netlink_bufs.vrrp_monitor)
    }),
    kw("vrrp_netlink_monitor_rcv_bufs_force", |c, n, g| {
        rcv_force(c, n, &mut g.netlink_bufs.vrrp_monitor)
    }),
    kw("lvs_netlink_cmd_rcv_bufs", |c, n, g| {
        rcv_size(c, n, &mut g.netlink_bufs.lvs_cmd)
    }),
    kw("lvs_netlink_cmd_rcv_bufs_force", |c, n, g| {
        rcv_force(c, n, &mut g.netlink_bufs.lvs_cmd)
    }),
    kw("lvs_netlink_monitor_rcv_bufs", |c, n, g| {
        rcv_size(c, n, &mut g.netlink_bufs.lvs_monitor)
    }),
    kw("lvs_netlink_monitor_rcv_bufs_force", |c, n, g| {
        rcv_force(c, n, &mut g.netlink_bufs.lvs_monitor)
    }),
    kw("process_monitor_rcv_bufs", |c, n, g| {
        rcv_size(c, n, &mut g.netlink_bufs.process_monitor)
    }),
    kw("process_monitor_rcv_bufs_force", |c, n, g| {
        rcv_force(c, n, &mut g.netlink_bufs.process_monitor)
    }),
    kw("no_email_faults", |_, _, g| g.no_email_faults = true),
    kw("no_checker_emails", |c, n, g| {
        g.no_checker_emails = c.flag(n, g.no_checker_emails)
    }),
    ignored("process_names"),
    ignored("process_name"),
    ignored("vrrp_process_name"),
    ignored("checker_process_name"),
    ignored("lvs_process_name"),
    ignored("bfd_process_name"),
    ignored("use_symlink_paths"),
    ignored("set_supplementary_groups"),
    ignored("include_check"),
    ignored("vrrp_garp_extra_if"),
    ignored("vrrp_vmac_garp_intvl"),
    // keepalived built without iptables (Debian's), or whose iptables is
    // iptables-nft, uses nftables with the default table instead.
    kw("vrrp_iptables", |_, _, g| {
        if g.firewall.table.is_none() {
            g.firewall.table = Some(DEFAULT_NFTABLES_TABLE.to_string());
        }
    }),
    ignored("vrrp_ipsets"),
    kw("nftables", |c, n, g| {
        if g.firewall.table.is_some() {
            c.ignore(n.kw.pos, "nftables already specified - ignoring");
            return;
        }
        let name = n.arg(0).map_or(DEFAULT_NFTABLES_TABLE, |t| t.text.as_str());
        // NFT_TABLE_MAXNAMELEN is 256 with the terminating NUL.
        if name.len() >= 256 {
            c.ignore(n.kw.pos, "nftables table name too long - ignoring");
            return;
        }
        g.firewall.table = Some(name.to_string());
        g.firewall.priority = -1;
    }),
    kw("nftables_priority", |c, n, g| {
        if let Some(p) = c.int(n, 0, i32::MIN.into(), i32::MAX.into()) {
            g.firewall.priority = p as i32
        }
    }),
    kw("nftables_counters", |_, _, g| g.firewall.counters = true),
    kw("nftables_ifindex", |_, _, g| g.firewall.ifindex = true),
    ignored("disable_local_igmp"),
    ignored("nftables_ipvs"),
    ignored("nftables_ipvs_priority"),
    ignored("nftables_ipvs_start_fwmark"),
    kw("vrrp_priority", |c, n, g| {
        g.scheduling.vrrp.nice = sched::nice(c, n, "vrrp")
    }),
    kw("checker_priority", |c, n, g| {
        g.scheduling.checker.nice = sched::nice(c, n, "checker")
    }),
    ignored("bfd_priority"),
    kw("vrrp_no_swap", |c, n, g| {
        c.no_value(n);
        g.scheduling.vrrp.no_swap = true
    }),
    kw("checker_no_swap", |c, n, g| {
        c.no_value(n);
        g.scheduling.checker.no_swap = true
    }),
    ignored("bfd_no_swap"),
    kw("vrrp_cpu_affinity", |c, n, g| {
        if let Some(set) = sched::cpu_affinity(c, n, "vrrp") {
            g.scheduling.vrrp.cpu_affinity = set
        }
    }),
    kw("checker_cpu_affinity", |c, n, g| {
        if let Some(set) = sched::cpu_affinity(c, n, "checker") {
            g.scheduling.checker.cpu_affinity = set
        }
    }),
    ignored("bfd_cpu_affinity"),
    kw("vrrp_rt_priority", |c, n, g| {
        if let Some(p) = sched::rt_priority(c, n, "vrrp") {
            g.scheduling.vrrp.rt_priority = p
        }
    }),
    kw("checker_rt_priority", |c, n, g| {
        if let Some(p) = sched::rt_priority(c, n, "checker") {
            g.scheduling.checker.rt_priority = p
        }
    }),
    ignored("bfd_rt_priority"),
    kw("vrrp_rlimit_rttime", |c, n, g| {
        g.scheduling.vrrp.rlimit_rttime = sched::rlimit_rttime(c, n, "vrrp")
    }),
    old("vrrp_rlimit_rtime", "'vrrp_rlimit_rttime'", |c, n, g| {
        g.scheduling.vrrp.rlimit_rttime = sched::rlimit_rttime(c, n, "vrrp")
    }),
    kw("checker_rlimit_rttime", |c, n, g| {
        g.scheduling.checker.rlimit_rttime = sched::rlimit_rttime(c, n, "checker")
    }),
    old(
        "checker_rlimit_rtime",
        "'checker_rlimit_rttime'",
        |c, n, g| g.scheduling.checker.rlimit_rttime = sched::rlimit_rttime(c, n, "checker"),
    ),
    ignored("bfd_rlimit_rttime"),
    ignored("bfd_rlimit_rtime"),
    ignored("snmp_socket"),
    ignored("enable_snmp_vrrp"),
    ignored("enable_snmp_keepalived"),
    ignored("enable_snmp_checker"),
    ignored("enable_snmp_rfc"),
    ignored("enable_snmp_rfcv2"),
    ignored("enable_snmp_rfcv3"),
    ignored("enable_traps"),
    ignored("snmp_vs_stats_update_interval"),
    ignored("snmp_rs_stats_update_interval"),
    ignored("enable_dbus"),
    ignored("dbus_service_name"),
    ignored("dbus_no_interface_name"),
    ignored("tmp_config_directory"),
    ignored("config_save_dir"),
    ignored("reload_time_file"),
    ignored("reload_repeat"),
    ignored("reload_file"),
    ignored("iproute_usr_dir"),
    ignored("iproute_etc_dir"),
    ignored("stats_dump_file"),
    ignored("json_dump_file"),
    ignored("log_unknown_vrids"),
    ignored("vrrp_rx_bufs_policy"),
    ignored("vrrp_rx_bufs_multiplier"),
    ignored("random_seed"),
];

/// `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
pub fn sync_daemon(c: &mut Ctx, n: &Node) -> Option<LvsSyncDaemon> {
    let interface = c.string(n, 0)?;
    let mut d = LvsSyncDaemon {
        interface,
        instance: None,
        sync_id: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut i = 1;
    while i < n.args.len() {
        let k = n.args[i].clone();
        let v = n.arg(i + 1).cloned();
        let needs = matches!(
            k.text.as_str(),
            "inst" | "id" | "maxlen" | "port" | "ttl" | "group"
        );
        if needs && v.is_none() {
            c.missing(k.pos, format!("lvs_sync_daemon '{}' needs a value", k.text));
            return None;
        }
        match (k.text.as_str(), v) {
            ("inst", Some(v)) => d.instance = Some(v.text),
            ("id", Some(v)) => d.sync_id = c.int_exact(&v, 0, 255).map(|x| x as u8),
            ("maxlen", Some(v)) => d.maxlen = c.int_exact(&v, 1, 65507).map(|x| x as u16),
            ("port", Some(v)) => d.port = c.int_exact(&v, 1, 65535).map(|x| x as u16),
            ("ttl", Some(v)) => d.ttl = c.int_exact(&v, 1, 255).map(|x| x as u8),
            ("group", Some(v)) => {
                d.group = c.ip_tok(&v).filter(|a| {
                    let ok = a.is_multicast();
                    if !ok {
                        c.ignore(
                            v.pos,
                            format!("lvs_sync_daemon group '{a}' is not multicast"),
                        );
                    }
                    ok
                })
            }
            (name, _) if i == 1 && d.instance.is_none() => {
                d.instance = Some(name.to_string());
                i += 1;
                continue;
            }
            (other, _) => {
                c.ignore(k.pos, format!("unknown lvs_sync_daemon option '{other}'"));
                return None;
            }
        }
        i += 2;
    }
    Some(d)
}

pub static TRACK_FILE: &[Kw<TrackFile>] = &[
    kw("file", |c, n, t| {
        if let Some(f) = c.string(n, 0) {
            t.file = f
        }
    }),
    kw("weight", |c, n, t| {
        if let Some(w) = c.int(n, 0, -254, 254) {
            t.weight = w as i32;
        }
        t.reverse = n.arg(1).is_some_and(|a| a.text == "reverse");
    }),
    kw("init_file", |c, n, t| {
        t.init_value = Some(0);
        for a in n.args.clone() {
            if a.text == "overwrite" {
                t.init_overwrite = true;
            } else if let Some(v) = c.int_tok(&a, i32::MIN.into(), i32::MAX.into()) {
                t.init_value = Some(v);
            }
        }
    }),
];

pub fn track_file(c: &mut Ctx, n: &Node) -> Option<TrackFile> {
    let name = c.string(n, 0)?;
    let mut t = TrackFile {
        name,
        file: String::new(),
        weight: 1,
        reverse: false,
        init_value: None,
        init_overwrite: false,
    };
    dispatch(c, "track_file", TRACK_FILE, n, &mut t);
    if t.file.is_empty() {
        c.warn(
            n.end(),
            format!("track_file {} has no file - removing", t.name),
        );
        return None;
    }
    Some(t)
}

pub static TRACK_PROCESS: &[Kw<TrackProcess>] = &[
    kw("process", |c, n, t| {
        if !t.process.is_empty() {
            let again = n.arg(0).map(|a| a.text.as_str()).unwrap_or("");
            c.ignore(
                n.kw.pos,
                format!(
                    "Process already set for track process {} - ignoring {again}",
                    t.name
                ),
            );
            return;
        }
        let Some(name) = c.string(n, 0) else { return };
        t.process = name;
        t.params = n.args.iter().skip(1).map(|a| a.text.clone()).collect();
        // Words after the name compare the whole command line, exactly
        // unless param_match said otherwise (keepalived's process handler).
        if !t.params.is_empty() {
            if t.param_match == ParamMatch::None {
                t.param_match = ParamMatch::Exact;
            }
            t.full_command = true;
        }
    }),
    kw("param_match", |c, n, t| {
        let kind = match n.arg(0).map(|a| a.text.as_str()) {
            None => ParamMatch::Exact,
            Some("initial") => ParamMatch::Initial,
            Some("partial") => ParamMatch::Partial,
            Some(o) => {
                c.ignore(
                    n.args[0].pos,
                    format!("Invalid param_match type {o} - ignoring"),
                );
                return;
            }
        };
        t.param_match = kind;
        t.full_command = true;
    }),
    kw("full_command", |_, _, t| t.full_command = true),
    kw("weight", |c, n, t| {
        if t.weight != 0 {
            let again = n.arg(0).map(|a| a.text.as_str()).unwrap_or("");
            c.ignore(
                n.kw.pos,
                format!(
                    "Weight already set for track process {} - ignoring {again}",
                    t.name
                ),
            );
            return;
        }
        if let Some(w) = c.int(n, 0, -254, 254) {
            t.weight = w as i32;
        }
        t.reverse = n.arg(1).is_some_and(|a| a.text == "reverse");
    }),
    kw("quorum", |c, n, t| {
        if let Some(v) = c.u32(n, 0, 1, 65535) {
            if v > t.quorum_max {
                c.ignore(n.kw.pos, "Quorum is greater than quorum_max - ignoring");
            } else {
                t.quorum = v
            }
        }
    }),
    kw("quorum_max", |c, n, t| {
        if let Some(v) = c.u32(n, 0, 0, 65535) {
            // quorum_max 0 (track that the process is absent) is allowed
            // while quorum has not been raised above 1.
            if (v != 0 || t.quorum > 1) && v < t.quorum {
                c.ignore(n.kw.pos, "quorum_max is less than quorum - ignoring");
                return;
            }
            t.quorum_max = v;
            if v == 0 {
                t.quorum = 0;
            } else if t.quorum == 0 {
                t.quorum = 1;
            }
        }
    }),
    kw("delay", |c, n, t| {
        if let Some(v) = c.timer(n, 0, 0.000001, 3600.0) {
            t.fork_delay = v;
            t.terminate_delay = v;
        }
    }),
    kw("fork_delay", |c, n, t| {
        if let Some(v) = c.timer(n, 0, 0.000001, 3600.0) {
            t.fork_delay = v
        }
    }),
    kw("terminate_delay", |c, n, t| {
        if let Some(v) = c.timer(n, 0, 0.000001, 3600.0) {
            t.terminate_delay = v
        }
    }),
];

pub fn track_process(c: &mut Ctx, n: &Node) -> Option<TrackProcess> {
    let name = c.string(n, 0)?;
    let mut t = TrackProcess {
        name,
        process: String::new(),
        params: Vec::new(),
        param_match: ParamMatch::None,
        full_command: false,
        weight: 0,
        reverse: false,
        quorum: 1,
        quorum_max: u32::from(u16::MAX),
        fork_delay: Duration::ZERO,
        terminate_delay: Duration::ZERO,
    };
    dispatch(c, "vrrp_track_process", TRACK_PROCESS, n, &mut t);
    if t.process.is_empty() {
        c.warn(
            n.end(),
            format!("vrrp_track_process {} has no process - removing", t.name),
        );
        return None;
    }
    Some(t)
}

pub static GARP_GROUP: &[Kw<GarpGroup>] = &[
    kw("garp_interval", |c, n, g| {
        g.garp_interval = c.timer(n, 0, 0.0, 2_147.483_647)
    }),
    kw("gna_interval", |c, n, g| {
        g.gna_interval = c.timer(n, 0, 0.0, 2_147.483_647)
    }),
    kw("interface", |c, n, g| g.interfaces.extend(c.string(n, 0))),
    kw("interfaces", |_, n, g| {
        g.interfaces
            .extend(n.children().iter().map(|c| c.kw.text.clone()))
    }),
];

pub static SSL: &[Kw<SslConfig>] = &[
    kw("password", |c, n, s| s.password = c.string(n, 0)),
    kw("ca", |c, n, s| s.ca = c.string(n, 0)),
    kw("certificate", |c, n, s| s.certificate = c.string(n, 0)),
    kw("key", |c, n, s| s.key = c.string(n, 0)),
];

pub fn up_down_delays(c: &mut Ctx, n: &Node) -> Vec<UpDownDelay> {
    let mut out = Vec::new();
    for e in n.children() {
        let Some(down) = c.timer(e, 0, 0.0, 255.0) else {
            continue;
        };
        let up = match e.arg(1) {
            Some(t) => c
                .timer_tok(&t.clone(), 0.0, 255.0)
                .unwrap_or(Duration::ZERO),
            None => Duration::ZERO,
        };
        out.push(UpDownDelay {
            interface: e.kw.text.clone(),
            down,
            up,
        });
    }
    out
}
