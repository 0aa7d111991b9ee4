//! kad's `--metrics-listen` in a namespace: a VRRP instance and a virtual
//! server with a checked real server (no IPVS on the host: the checks
//! still run and show), scraped by Debian's Prometheus server, which the
//! test starts with its own configuration and storage; `promtool check
//! metrics` on kad's page.

use kad_integration::netns::{state_of, wait_for, Lab};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const METRICS: &str = "127.0.0.1:9101";
const PROM: &str = "127.0.0.1:9090";

fn conf(lab: &Lab) -> String {
    format!(
        "global_defs {{\n  vrrp_garp_master_delay 1\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 42\n  priority 150\n  advert_int 1\n\
         virtual_ipaddress {{\n    {vip}/24\n  }}\n}}\n\
         virtual_server {vip} 8080 {{\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n\
         real_server 127.0.0.1 18080 {{\n    weight 3\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n}}\n",
        vip = lab.ip(100)
    )
}

/// A value of `name` in kad's page (the first sample whose line holds
/// every `parts`).
fn sample(page: &str, name: &str, parts: &[&str]) -> Option<f64> {
    page.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Prometheus's answer to an instant query: the value of the first series.
fn query(lab: &Lab, q: &str) -> Option<(f64, serde_json::Value)> {
    let enc: String = q
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let body = lab.http_get(0, &format!("http://{PROM}/api/v1/query?query={enc}"))?;
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let first = v["data"]["result"].get(0)?.clone();
    let val = first["value"][1].as_str()?.parse().ok()?;
    Some((val, first["metric"].clone()))
}

#[test]
fn prometheus_scrapes_kad_s_metrics_and_promtool_finds_them_clean() {
    let prometheus = kad_integration::require("prometheus");
    let promtool = kad_integration::require("promtool");
    let mut lab = Lab::new(1);
    let rs = lab.spawn(
        0,
        "exec python3 -m http.server 18080 --bind 127.0.0.1",
        "rs.log",
    );
    let c = lab.write("k.conf", &conf(&lab));
    let state = lab.dir.path().join("state.json");
    let state = state.to_str().unwrap().to_string();
    lab.kad_with(
        0,
        &c,
        "h0",
        &["--metrics-listen", METRICS, "--state-file", &state],
    );
    assert!(
        wait_for(Duration::from_secs(8), || state_of(&lab.socket(0), "VI_1")
            .as_deref()
            == Some("MASTER")),
        "never MASTER:\n{}",
        lab.log("kad0.log")
    );
    let url = format!("http://{METRICS}/metrics");
    let mut page = String::new();
    assert!(
        wait_for(Duration::from_secs(10), || {
            page = lab.http_get(0, &url).unwrap_or_default();
            sample(&page, "kad_rs_alive", &["127.0.0.1"]) == Some(1.0)
                && sample(&page, "kad_checker_probe_duration_seconds_count", &[]).unwrap_or(0.0)
                    >= 1.0
        }),
        "metrics never showed the live server:\n{page}\n{}",
        lab.log("kad0.log")
    );
    assert_eq!(
        sample(&page, "kad_vrrp_state", &["VI_1", "state=\"MASTER\""]),
        Some(1.0)
    );
    assert_eq!(
        sample(&page, "kad_vrrp_effective_priority", &["VI_1"]),
        Some(150.0)
    );
    assert!(sample(&page, "kad_vrrp_adverts_sent_total", &["VI_1"]).unwrap_or(0.0) >= 1.0);
    assert_eq!(
        sample(&page, "kad_vrrp_dropped_total", &["VI_1", "auth_failure"]),
        Some(0.0)
    );
    assert_eq!(sample(&page, "kad_rs_weight", &["127.0.0.1"]), Some(3.0));
    assert_eq!(
        sample(
            &page,
            "kad_checker_up",
            &["127.0.0.1", "checker=\"TCP_CHECK\""]
        ),
        Some(1.0)
    );
    assert!(page.contains("# TYPE kad_checker_probe_duration_seconds histogram"));
    // promtool: the page parses and its lint finds nothing.
    let mut p = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    p.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let o = p.wait_with_output().unwrap();
    assert!(
        o.status.success() && o.stdout.is_empty() && o.stderr.is_empty(),
        "promtool check metrics: {}{}\n{page}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // Prometheus, in the namespace, scraping kad every second.
    let prom_conf = lab.write(
        "prometheus.yml",
        &format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: kad\n    static_configs:\n      - targets: ['{METRICS}']\n"
        ),
    );
    let tsdb = lab.dir.path().join("tsdb");
    lab.spawn(
        0,
        &format!(
            "exec {} --config.file={} --storage.tsdb.path={} --web.listen-address={PROM}",
            prometheus.display(),
            prom_conf.display(),
            tsdb.display()
        ),
        "prometheus.log",
    );
    let mut seen = None;
    assert!(
        wait_for(Duration::from_secs(30), || {
            seen = query(
                &lab,
                "kad_vrrp_state{vrrp_instance=\"VI_1\",state=\"MASTER\"}",
            );
            seen.as_ref().is_some_and(|(v, _)| *v == 1.0)
        }),
        "Prometheus never had the state: {seen:?}\n{}",
        lab.log("prometheus.log")
    );
    let (_, labels) = seen.unwrap();
    assert_eq!(labels["job"], "kad");
    assert_eq!(labels["instance"], METRICS);
    // The real server goes away: kad's checker sees it, and so does
    // Prometheus.
    lab.signal(rs, "TERM");
    assert!(
        wait_for(Duration::from_secs(20), || {
            query(&lab, "kad_rs_alive").is_some_and(|(v, _)| v == 0.0)
        }),
        "Prometheus never saw the server down:\n{}",
        lab.log("kad0.log")
    );
    // A reload through kactl is counted.
    let o = Command::new(kad_integration::bin("kactl"))
        .arg("--socket")
        .arg(lab.socket(0))
        .arg("reload")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("nothing changed"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let page = lab.http_get(0, &url).unwrap_or_default();
    assert_eq!(
        sample(&page, "kad_reloads_total", &["result=\"ok\""]),
        Some(1.0),
        "{page}"
    );
    assert_eq!(sample(&page, "kad_reload_last_success", &[]), Some(1.0));
}
