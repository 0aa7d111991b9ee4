//! The human view of `kactl status`.

use crate::Status;
use std::fmt::Write;

fn ago(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m{}s ago", s / 60, s % 60),
        _ => format!("{}h{}m ago", s / 3600, (s % 3600) / 60),
    }
}

pub fn status(st: &Status) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "kad {} up {}",
        st.version,
        ago(st.uptime_secs).trim_end_matches(" ago")
    );
    let _ = writeln!(o);
    if st.vrrp.is_empty() {
        let _ = writeln!(o, "no VRRP instances");
    } else {
        let _ = writeln!(
            o,
            "{:<16} {:<7} {:<10} {:>4} {:>4} {:>5} {:<22} {:<14} {:>9} {:>9}",
            "INSTANCE",
            "STATE",
            "INTERFACE",
            "VRID",
            "PRIO",
            "EFF",
            "MASTER",
            "SINCE",
            "ADV_RX",
            "ADV_TX"
        );
        for v in &st.vrrp {
            let master = match (&v.master_addr, v.master_priority) {
                (Some(a), Some(p)) => format!("{a} ({p})"),
                _ if v.state == "MASTER" => "this node".to_string(),
                _ => "-".to_string(),
            };
            let _ = writeln!(
                o,
                "{:<16} {:<7} {:<10} {:>4} {:>4} {:>5} {:<22} {:<14} {:>9} {:>9}",
                v.name,
                v.state,
                v.interface,
                v.vrid,
                v.priority,
                v.effective_priority,
                master,
                ago(v.since_transition_secs),
                v.stats.advert_rcvd,
                v.stats.advert_sent
            );
            if let Some(p) = v.priority_override {
                let _ = writeln!(
                    o,
                    "    operator priority {p} (kactl priority {} --clear)",
                    v.name
                );
            }
            let held = if v.vips_held { "held" } else { "not held" };
            let _ = writeln!(o, "    VIPs ({held}): {}", v.vips.join(", "));
            if !v.fault_reasons.is_empty() {
                let _ = writeln!(o, "    fault: {}", v.fault_reasons.join("; "));
            }
            let s = &v.stats;
            let errors = s.packet_len_err
                + s.ip_ttl_err
                + s.invalid_type_rcvd
                + s.advert_interval_err
                + s.invalid_authtype
                + s.authtype_mismatch
                + s.auth_failure
                + s.checksum_err
                + s.version_err
                + s.other_err;
            let _ = writeln!(
                o,
                "    became master {} released {} | prio-0 rx {} tx {} | dropped {errors} (auth {} ttl {} interval {} len {} csum {}) | addr-list mismatches {}",
                s.become_master,
                s.release_master,
                s.pri_zero_rcvd,
                s.pri_zero_sent,
                s.auth_failure + s.authtype_mismatch + s.invalid_authtype,
                s.ip_ttl_err,
                s.advert_interval_err,
                s.packet_len_err,
                s.checksum_err,
                s.addr_list_err
            );
        }
    }
    let _ = writeln!(o);
    match (&st.ipvs.message, st.ipvs.available) {
        (Some(m), _) => {
            let _ = writeln!(o, "IPVS: {m}");
        }
        (None, true) => {
            let _ = writeln!(
                o,
                "IPVS: available, {} virtual servers configured",
                st.ipvs.virtual_servers
            );
        }
        (None, false) => {
            let _ = writeln!(o, "IPVS: not available");
        }
    }
    for svc in &st.ipvs.services {
        let _ = writeln!(
            o,
            "  {} {} persistence {}",
            svc.service, svc.scheduler, svc.persistence
        );
        for r in &svc.real_servers {
            let _ = writeln!(
                o,
                "    -> {} {} weight {} active {} inactive {}",
                r.address, r.method, r.weight, r.active_conns, r.inactive_conns
            );
        }
    }
    checks(&mut o, &st.checks);
    announcements(&mut o, &st.announcements);
    o.push_str(&overrides(&st.overrides));
    if let Some(b) = &st.sync_bulk {
        let _ = writeln!(
            o,
            "\nsync replays on {} (syncid {}, {}): {} sent ({} asked for), {} failed{}",
            b.interface,
            b.syncid,
            b.interval_secs
                .map_or("on request".to_string(), |s| format!("every {s} s")),
            b.replays,
            b.answered_requests,
            b.failures,
            b.last.as_ref().map_or(String::new(), |r| format!(
                "; last {} connections in {} ms",
                r.sent, r.millis
            ))
        );
        for p in &b.peers {
            o.push_str(&sync_peer(p));
        }
    }
    o
}

/// `  peer 10.0.1.12: syncid 7, 42 datagrams (310 connections), last 0.2s
/// ago; asked 1 times, 1 answered, last 5s ago`: what this director heard
/// from another on the sync group.
fn sync_peer(p: &crate::SyncPeer) -> String {
    let mut parts = Vec::new();
    if let Some(last) = p.last_sync_secs {
        let mut s = format!(
            "{}{} datagrams ({} connections), last {}",
            p.syncid
                .map_or(String::new(), |id| format!("syncid {id}, ")),
            p.datagrams,
            p.connections,
            ago(last)
        );
        if p.malformed > 0 {
            let _ = write!(s, ", {} malformed", p.malformed);
        }
        if p.other_syncid > 0 {
            let _ = write!(s, ", {} of another syncid", p.other_syncid);
        }
        parts.push(s);
    } else {
        parts.push("no sync datagram heard".to_string());
    }
    if let Some(last) = p.last_ask_secs {
        parts.push(format!(
            "asked {} times, {} answered, last {}",
            p.asks,
            p.answered,
            ago(last)
        ));
    }
    format!("  peer {}: {}\n", p.address, parts.join("; "))
}

/// `VS [10.0.0.1]:tcp:80 withdrawn (no quorum) since 5s ago, table 200: 10.0.0.1`.
fn announcements(o: &mut String, list: &[crate::AnnouncementStatus]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(o, "\nAnnouncements (BGP through a kernel routing table):");
    for a in list {
        let _ = writeln!(
            o,
            "  VS {} {} ({}) since {}, table {}: {}",
            a.service,
            a.state,
            a.reason,
            ago(a.since_secs),
            a.table,
            a.addresses.join(" ")
        );
    }
}

fn checks(o: &mut String, c: &crate::ChecksStatus) {
    if c.services.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\nChecks: {} probes, {} running, late p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
        c.probes, c.in_flight, c.late_p50_ms, c.late_p99_ms, c.late_max_ms
    );
    for v in &c.services {
        let q = if v.quorum_up {
            "quorum up"
        } else {
            "quorum LOST"
        };
        let sorry = if v.sorry_server_active {
            ", sorry server in use"
        } else {
            ""
        };
        let susp = if v.suspended { ", suspended" } else { "" };
        let _ = writeln!(
            o,
            "  VS {}: {q} (live weight {} / quorum {}){sorry}{susp}",
            v.service, v.live_weight, v.quorum
        );
        for r in &v.real_servers {
            let admin = match r.admin.as_deref() {
                Some("drain") => " [drained by the operator]".to_string(),
                Some("disable") => " [disabled by the operator]".to_string(),
                Some(a) => format!(" [{a}]"),
                None => String::new(),
            };
            let _ = writeln!(
                o,
                "    RS {} {} weight {} (changed {}){admin}",
                r.address,
                if r.alive { "UP" } else { "DOWN" },
                r.weight,
                ago(r.since_change_secs)
            );
            for k in &r.checkers {
                let last = k.last_result.as_deref().unwrap_or("not run yet");
                let why = k
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "      {} {} | last {last}{why} | retries {} | changed {}",
                    k.kind,
                    if k.up { "up" } else { "down" },
                    k.retries,
                    ago(k.since_change_secs)
                );
            }
        }
    }
}

/// One bulk replay, as `kactl sync-bulk` prints it.
pub fn sync_bulk(r: &crate::SyncBulkReport) -> String {
    format!(
        "sent {} connections in {} datagrams on {} (syncid {}) in {} ms ({} ms sending)\n\
         read {} rows; left out: {} state, {} no service, {} unparsed\n",
        r.sent,
        r.datagrams,
        r.interface,
        r.syncid,
        r.millis,
        r.send_millis,
        r.rows,
        r.skipped_state,
        r.skipped_service,
        r.unparsed
    )
}

/// The answer to an operator command.
pub fn done(d: &crate::Done) -> String {
    let mut o = format!("{}\n", d.done);
    for l in &d.lines {
        let _ = writeln!(o, "  {l}");
    }
    o
}

/// The overrides in force, as `kactl status` lists them.
pub fn overrides(v: &crate::Overrides) -> String {
    let mut o = String::new();
    if v.real_servers.is_empty() && v.priorities.is_empty() {
        return o;
    }
    let _ = writeln!(o, "\nOverrides (kactl enable / priority --clear to clear):");
    for r in &v.real_servers {
        let _ = writeln!(o, "  {} {} {}", r.state, r.vs, r.rs);
    }
    for p in &v.priorities {
        let how = if p.failover { "failover" } else { "priority" };
        let _ = writeln!(o, "  {how} {} {}", p.instance, p.priority);
    }
    o
}
