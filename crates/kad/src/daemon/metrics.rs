//! kad's own `--metrics-listen ADDR:PORT`: `/metrics` in the Prometheus
//! text format (version 0.0.4), served by a thread of its own.
//!
//! Nothing here makes the VRRP loop wait: a scrape asks the engine for its
//! status over the same channel as `kactl status` (the engine copies its
//! counters and hands the rest, checks and the IPVS dump, to a blocking
//! thread), reads the probe durations from the checks' state on this
//! thread, and the reload figures from the reloader.

use super::checks::Checks;
use super::control::Query;
use kactl::{Request, Response, Status};
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Upper bounds of the probe duration buckets, in seconds.
pub const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Probe durations of one checker (non-cumulative buckets; the last one
/// is everything above 10 s).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    pub buckets: [u64; BUCKETS.len() + 1],
    pub count: u64,
    pub sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, secs: f64) {
        let i = BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(BUCKETS.len());
        self.buckets[i] += 1;
        self.count += 1;
        self.sum += secs;
    }
}

/// Reloads since start (SIGHUP and `kactl reload`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReloadStats {
    pub ok: u64,
    pub failed: u64,
    /// The last reload: how long it took, whether it was applied, when
    /// (seconds since the epoch).
    pub last_secs: Option<f64>,
    pub last_ok: Option<bool>,
    pub last_at: Option<f64>,
}

pub type Reloads = Arc<Mutex<ReloadStats>>;

/// Per checker: VS label, RS label, type, place, durations.
pub type Latencies = Vec<(String, String, &'static str, u32, Histogram)>;

/// Everything one scrape shows.
pub struct Snapshot {
    pub status: Status,
    pub latencies: Latencies,
    pub reloads: ReloadStats,
}

/// A label value as the text format wants it: `\`, `"` and newlines
/// escaped.
pub fn escape_label(v: &str) -> String {
    let mut o = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The text of one metric family: HELP, TYPE, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, kind: &str, help: &str) -> Self {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Family { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(val));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", value(v));
    }
}

/// One family with one sample per item; `f` gives labels and value.
fn family<T>(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    items: &[T],
    f: impl Fn(&T) -> Vec<(Vec<(&'static str, String)>, f64)>,
) {
    let samples: Vec<_> = items.iter().flat_map(f).collect();
    if samples.is_empty() {
        return;
    }
    let mut fam = Family::new(out, name, kind, help);
    for (labels, v) in samples {
        let l: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fam.sample(name, &l, v);
    }
}

const STATES: [&str; 5] = ["INIT", "BACKUP", "MASTER", "FAULT", "STOP"];

/// The `/metrics` page.
pub fn render(s: &Snapshot) -> String {
    let mut o = String::new();
    let st = &s.status;
    {
        let mut f = Family::new(&mut o, "kad_info", "gauge", "kad's version (always 1).");
        f.sample("kad_info", &[("version", &st.version)], 1.0);
    }
    {
        let mut f = Family::new(
            &mut o,
            "kad_uptime_seconds",
            "gauge",
            "Seconds since kad started.",
        );
        f.sample("kad_uptime_seconds", &[], st.uptime_secs);
    }
    let v = &st.vrrp;
    let inst = |n: &str| vec![("vrrp_instance", n.to_string())];
    family(
        &mut o,
        "kad_vrrp_state",
        "gauge",
        "1 for the state the VRRP instance is in, 0 for the others.",
        v,
        |i| {
            STATES
                .iter()
                .map(|s| {
                    let mut l = inst(&i.name);
                    l.push(("state", s.to_string()));
                    (l, f64::from(u8::from(i.state == *s)))
                })
                .collect()
        },
    );
    type Get = fn(&kactl::VrrpStatus) -> f64;
    let gauges: [(&str, &str, Get); 4] = [
        ("kad_vrrp_priority", "The configured priority.", |i| {
            f64::from(i.priority)
        }),
        (
            "kad_vrrp_effective_priority",
            "The priority advertised now (trackers and the operator's override applied).",
            |i| f64::from(i.effective_priority),
        ),
        (
            "kad_vrrp_vips_held",
            "1 while this node holds the instance's virtual addresses.",
            |i| f64::from(u8::from(i.vips_held)),
        ),
        (
            "kad_vrrp_priority_override",
            "1 while the operator's priority (kactl priority / failover) is in force.",
            |i| f64::from(u8::from(i.priority_override.is_some())),
        ),
    ];
    for (name, help, get) in gauges {
        family(&mut o, name, "gauge", help, v, |i| {
            vec![(inst(&i.name), get(i))]
        });
    }
    let counters: [(&str, &str, Get); 7] = [
        (
            "kad_vrrp_transitions_total",
            "State changes of the instance.",
            |i| i.transitions as f64,
        ),
        (
            "kad_vrrp_became_master_total",
            "Times the instance became MASTER.",
            |i| i.stats.become_master as f64,
        ),
        (
            "kad_vrrp_released_master_total",
            "Times the instance left MASTER.",
            |i| i.stats.release_master as f64,
        ),
        ("kad_vrrp_adverts_sent_total", "Adverts sent.", |i| {
            i.stats.advert_sent as f64
        }),
        (
            "kad_vrrp_adverts_received_total",
            "Valid adverts received for the instance.",
            |i| i.stats.advert_rcvd as f64,
        ),
        (
            "kad_vrrp_priority_zero_sent_total",
            "Priority 0 adverts sent (a master letting go).",
            |i| i.stats.pri_zero_sent as f64,
        ),
        (
            "kad_vrrp_priority_zero_received_total",
            "Priority 0 adverts received.",
            |i| i.stats.pri_zero_rcvd as f64,
        ),
    ];
    for (name, help, get) in counters {
        family(&mut o, name, "counter", help, v, |i| {
            vec![(inst(&i.name), get(i))]
        });
    }
    let mut drops = Vec::new();
    for i in v {
        let s = &i.stats;
        for (reason, n) in [
            ("packet_length", s.packet_len_err),
            ("ip_ttl", s.ip_ttl_err),
            ("invalid_type", s.invalid_type_rcvd),
            ("advert_interval", s.advert_interval_err),
            ("invalid_authtype", s.invalid_authtype),
            ("authtype_mismatch", s.authtype_mismatch),
            ("auth_failure", s.auth_failure),
            ("checksum", s.checksum_err),
            ("version", s.version_err),
            ("other", s.other_err),
        ] {
            drops.push((i.name.clone(), reason, n));
        }
    }
    family(
        &mut o,
        "kad_vrrp_dropped_total",
        "counter",
        "Packets for the instance dropped, by reason (keepalived's counters).",
        &drops,
        |(n, r, c)| {
            let mut l = inst(n);
            l.push(("reason", r.to_string()));
            vec![(l, *c as f64)]
        },
    );
    family(
        &mut o,
        "kad_vrrp_address_list_mismatch_total",
        "counter",
        "Adverts whose address list differs from ours (accepted, as keepalived).",
        v,
        |i| vec![(inst(&i.name), i.stats.addr_list_err as f64)],
    );
    checks(&mut o, s);
    ipvs(&mut o, st);
    if let Some(b) = &st.sync_bulk {
        let l = vec![
            ("interface", b.interface.clone()),
            ("syncid", b.syncid.to_string()),
        ];
        let one = [()];
        family(
            &mut o,
            "kad_sync_replays_total",
            "counter",
            "Connection-table replays sent to the sync backups.",
            &one,
            |_| vec![(l.clone(), b.replays as f64)],
        );
        family(
            &mut o,
            "kad_sync_replay_failures_total",
            "counter",
            "Connection-table replays that failed.",
            &one,
            |_| vec![(l.clone(), b.failures as f64)],
        );
        if let Some(r) = &b.last {
            family(
                &mut o,
                "kad_sync_replay_last_connections",
                "gauge",
                "Connections sent by the last replay.",
                &one,
                |_| vec![(l.clone(), r.sent as f64)],
            );
        }
    }
    let r = &s.reloads;
    {
        let mut f = Family::new(
            &mut o,
            "kad_reloads_total",
            "counter",
            "Reloads (SIGHUP, kactl reload) by result: applied or refused.",
        );
        f.sample("kad_reloads_total", &[("result", "ok")], r.ok as f64);
        f.sample("kad_reloads_total", &[("result", "error")], r.failed as f64);
    }
    if let (Some(d), Some(ok), Some(at)) = (r.last_secs, r.last_ok, r.last_at) {
        let mut f = Family::new(
            &mut o,
            "kad_reload_last_duration_seconds",
            "gauge",
            "How long the last reload took.",
        );
        f.sample("kad_reload_last_duration_seconds", &[], d);
        let mut f = Family::new(
            &mut o,
            "kad_reload_last_success",
            "gauge",
            "1 if the last reload was applied, 0 if it was refused.",
        );
        f.sample("kad_reload_last_success", &[], f64::from(u8::from(ok)));
        let mut f = Family::new(
            &mut o,
            "kad_reload_last_timestamp_seconds",
            "gauge",
            "When the last reload happened (seconds since the epoch).",
        );
        f.sample("kad_reload_last_timestamp_seconds", &[], at);
    }
    o
}

fn checks(o: &mut String, s: &Snapshot) {
    let c = &s.status.checks;
    let mut vs = Vec::new();
    let mut rs = Vec::new();
    let mut ck = Vec::new();
    for v in &c.services {
        vs.push(v);
        for r in &v.real_servers {
            rs.push((v.service.as_str(), r));
            for (i, k) in r.checkers.iter().enumerate() {
                ck.push((v.service.as_str(), r.address.as_str(), i, k));
            }
        }
    }
    let vl = |v: &str| vec![("virtual_server", v.to_string())];
    let rl = |v: &str, r: &str| {
        vec![
            ("virtual_server", v.to_string()),
            ("real_server", r.to_string()),
        ]
    };
    family(
        o,
        "kad_vs_quorum_up",
        "gauge",
        "1 while the virtual server has quorum.",
        &vs,
        |v| vec![(vl(&v.service), f64::from(u8::from(v.quorum_up)))],
    );
    family(
        o,
        "kad_vs_live_weight",
        "gauge",
        "The weight of the live real servers (counted towards quorum).",
        &vs,
        |v| vec![(vl(&v.service), v.live_weight as f64)],
    );
    family(
        o,
        "kad_rs_alive",
        "gauge",
        "1 while every checker of the real server is up.",
        &rs,
        |(v, r)| vec![(rl(v, &r.address), f64::from(u8::from(r.alive)))],
    );
    family(
        o,
        "kad_rs_weight",
        "gauge",
        "The real server's weight (a dynamic checker may change it).",
        &rs,
        |(v, r)| vec![(rl(v, &r.address), f64::from(r.weight))],
    );
    family(
        o,
        "kad_rs_ipvs_weight",
        "gauge",
        "The weight wanted in IPVS now (absent: not in the table).",
        &rs,
        |(v, r)| {
            r.ipvs_weight
                .map(|w| (rl(v, &r.address), f64::from(w)))
                .into_iter()
                .collect()
        },
    );
    family(
        o,
        "kad_rs_override",
        "gauge",
        "1 for the operator's override of the real server (drain, disable).",
        &rs,
        |(v, r)| {
            ["drain", "disable"]
                .iter()
                .map(|a| {
                    let mut l = rl(v, &r.address);
                    l.push(("override", a.to_string()));
                    (l, f64::from(u8::from(r.admin.as_deref() == Some(*a))))
                })
                .collect()
        },
    );
    let kl = |v: &str, r: &str, kind: &str, i: usize| {
        let mut l = rl(v, r);
        l.push(("checker", kind.to_string()));
        l.push(("index", i.to_string()));
        l
    };
    family(
        o,
        "kad_checker_up",
        "gauge",
        "1 while the checker is up.",
        &ck,
        |(v, r, i, k)| vec![(kl(v, r, &k.kind, *i), f64::from(u8::from(k.up)))],
    );
    let total = [c.probes];
    family(
        o,
        "kad_checker_probes_total",
        "counter",
        "Probes finished since start.",
        &total,
        |n| vec![(vec![], *n as f64)],
    );
    if s.latencies.is_empty() {
        return;
    }
    let name = "kad_checker_probe_duration_seconds";
    let mut f = Family::new(
        o,
        name,
        "histogram",
        "How long the checker's probes took (since start or the last reload).",
    );
    for (v, r, kind, i, h) in &s.latencies {
        let base = kl(v, r, kind, *i as usize);
        let mut acc = 0;
        for (b, n) in BUCKETS
            .iter()
            .map(|b| format!("{b}"))
            .chain(["+Inf".to_string()])
            .zip(h.buckets)
        {
            acc += n;
            let mut l: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
            l.push(("le", &b));
            f.sample(&format!("{name}_bucket"), &l, acc as f64);
        }
        let l: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        f.sample(&format!("{name}_sum"), &l, h.sum);
        f.sample(&format!("{name}_count"), &l, h.count as f64);
    }
}

fn ipvs(o: &mut String, st: &Status) {
    if !st.ipvs.available {
        return;
    }
    let mut d = Vec::new();
    for s in &st.ipvs.services {
        for r in &s.real_servers {
            d.push((s.service.as_str(), r));
        }
    }
    let l = |s: &str, r: &str| vec![("service", s.to_string()), ("real_server", r.to_string())];
    let ld = |s: &str, r: &str, dir: &str| {
        let mut v = l(s, r);
        v.push(("direction", dir.to_string()));
        v
    };
    family(
        o,
        "kad_ipvs_weight",
        "gauge",
        "The destination's weight in the kernel's IPVS table.",
        &d,
        |(s, r)| vec![(l(s, &r.address), f64::from(r.weight))],
    );
    family(
        o,
        "kad_ipvs_active_connections",
        "gauge",
        "Active connections of the destination.",
        &d,
        |(s, r)| vec![(l(s, &r.address), f64::from(r.active_conns))],
    );
    family(
        o,
        "kad_ipvs_inactive_connections",
        "gauge",
        "Inactive connections of the destination.",
        &d,
        |(s, r)| vec![(l(s, &r.address), f64::from(r.inactive_conns))],
    );
    family(
        o,
        "kad_ipvs_connections_total",
        "counter",
        "Connections scheduled to the destination.",
        &d,
        |(s, r)| vec![(l(s, &r.address), r.conns as f64)],
    );
    family(
        o,
        "kad_ipvs_packets_total",
        "counter",
        "Packets through the destination, in and out.",
        &d,
        |(s, r)| {
            vec![
                (ld(s, &r.address, "in"), r.in_pkts as f64),
                (ld(s, &r.address, "out"), r.out_pkts as f64),
            ]
        },
    );
    family(
        o,
        "kad_ipvs_bytes_total",
        "counter",
        "Bytes through the destination, in and out.",
        &d,
        |(s, r)| {
            vec![
                (ld(s, &r.address, "in"), r.in_bytes as f64),
                (ld(s, &r.address, "out"), r.out_bytes as f64),
            ]
        },
    );
}

/// Ask the engine for its status (from a thread outside the runtime).
fn status(queries: &mpsc::Sender<Query>) -> Option<Status> {
    let (tx, rx) = oneshot::channel();
    queries.blocking_send((Request::Status, tx)).ok()?;
    match rx.blocking_recv().ok()? {
        Response::Status(s) => Some(s),
        _ => None,
    }
}

/// Bind `addr` and serve `/metrics` on a thread of its own.
pub fn serve(
    addr: SocketAddr,
    queries: mpsc::Sender<Query>,
    checks: Checks,
    reloads: Reloads,
) -> Result<(), String> {
    let server = tiny_http::Server::http(addr).map_err(|e| e.to_string())?;
    tracing::info!("metrics on http://{addr}/metrics");
    std::thread::Builder::new()
        .name("kad-metrics".into())
        .spawn(move || {
            super::sched::as_helper();
            for req in server.incoming_requests() {
                let path = req.url().split('?').next().unwrap_or("").to_string();
                let resp = match (req.method(), path.as_str()) {
                    (tiny_http::Method::Get, "/metrics") => match status(&queries) {
                        Some(status) => {
                            let snap = Snapshot {
                                status,
                                latencies: checks.latencies(),
                                reloads: reloads.lock().map(|r| r.clone()).unwrap_or_default(),
                            };
                            let body = render(&snap);
                            let ct = tiny_http::Header::from_bytes(
                                "Content-Type",
                                "text/plain; version=0.0.4; charset=utf-8",
                            );
                            let r = tiny_http::Response::from_string(body);
                            match ct {
                                Ok(h) => r.with_header(h),
                                Err(()) => r,
                            }
                        }
                        None => tiny_http::Response::from_string("kad is stopping\n")
                            .with_status_code(503),
                    },
                    (_, "/") => tiny_http::Response::from_string("kad: metrics at /metrics\n"),
                    _ => tiny_http::Response::from_string("not found\n").with_status_code(404),
                };
                let _ = req.respond(resp);
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label("x\ny"), "x\\ny");
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let mut h = Histogram::default();
        for s in [0.0005, 0.003, 0.003, 20.0] {
            h.observe(s);
        }
        let snap = Snapshot {
            status: Status::default(),
            latencies: vec![(
                "[10.0.0.1]:tcp:80".into(),
                "[\"x]".into(),
                "TCP_CHECK",
                0,
                h,
            )],
            reloads: ReloadStats::default(),
        };
        let t = render(&snap);
        let labels = r#"virtual_server="[10.0.0.1]:tcp:80",real_server="[\"x]",checker="TCP_CHECK",index="0""#;
        for (le, n) in [
            ("0.001", 1),
            ("0.0025", 1),
            ("0.005", 3),
            ("10", 3),
            ("+Inf", 4),
        ] {
            let line =
                format!("kad_checker_probe_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}\n");
            assert!(t.contains(&line), "{line} not in\n{t}");
        }
        assert!(t.contains(&format!(
            "kad_checker_probe_duration_seconds_count{{{labels}}} 4\n"
        )));
        assert!(t.contains("# TYPE kad_checker_probe_duration_seconds histogram\n"));
    }

    #[test]
    fn every_family_has_one_help_and_type_before_its_samples() {
        let mut st = Status::default();
        st.vrrp.push(kactl::VrrpStatus {
            name: "VI_1".into(),
            state: "MASTER".into(),
            ..Default::default()
        });
        let t = render(&Snapshot {
            status: st,
            latencies: vec![],
            reloads: ReloadStats::default(),
        });
        let mut seen = std::collections::HashSet::new();
        let mut current = String::new();
        for line in t.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap_or("").to_string();
                assert!(seen.insert(name.clone()), "{name} twice");
                current = name;
            } else if !line.starts_with('#') {
                assert!(line.starts_with(&current), "{line} outside {current}");
            }
        }
        assert!(t.contains("kad_vrrp_state{vrrp_instance=\"VI_1\",state=\"MASTER\"} 1\n"));
        assert!(t.contains("kad_vrrp_state{vrrp_instance=\"VI_1\",state=\"BACKUP\"} 0\n"));
    }

    #[test]
    fn sync_replays_are_counted_per_sync_interface() {
        let st = Status {
            sync_bulk: Some(kactl::SyncBulkStatus {
                interface: "eth1".into(),
                syncid: 7,
                replays: 3,
                failures: 1,
                last: Some(kactl::SyncBulkReport {
                    sent: 1200,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let t = render(&Snapshot {
            status: st,
            latencies: vec![],
            reloads: ReloadStats::default(),
        });
        let l = "{interface=\"eth1\",syncid=\"7\"}";
        assert!(t.contains(&format!("kad_sync_replays_total{l} 3\n")), "{t}");
        assert!(
            t.contains(&format!("kad_sync_replay_failures_total{l} 1\n")),
            "{t}"
        );
        assert!(
            t.contains(&format!("kad_sync_replay_last_connections{l} 1200\n")),
            "{t}"
        );
        // Without sync replays configured, no sync families at all.
        let t = render(&Snapshot {
            status: Status::default(),
            latencies: vec![],
            reloads: ReloadStats::default(),
        });
        assert!(!t.contains("kad_sync_"), "{t}");
    }
}
