//! `keepalived.json` (SIGRTMIN+2): keepalived 2.2.7's JSON dump, an array
//! of `{"data":{...},"stats":{...}}`, one per VRRP instance, with
//! keepalived's field names, order, types and number formats (`%g` for
//! its floats, `%f` for `last_transition`, `/` written as `\/`);
//! `json_version 2` (keepalived master) wraps it in an object.

use super::{Instance, Snapshot};
use kad_config::model::ParamMatch;
use kad_vrrp::node::ProcessView;
use std::fmt::Write;

/// A JSON value as keepalived's writer prints it.
enum V {
    U(u64),
    I(i64),
    B(bool),
    /// `%g`
    G(f64),
    /// `%f`
    F(f64),
    S(String),
    A(Vec<String>),
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\u{8}' => out.push_str("\\b"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '/' => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// C's `%g` (6 significant digits, trailing zeros dropped).
pub fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-5..6).contains(&exp) {
        let s = format!("{:.5e}", v);
        // Rust writes `1.50000e7`; C writes `1.5e+07`.
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let decimals = (5 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn object(out: &mut String, fields: &[(&str, V)]) {
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, k);
        out.push(':');
        match v {
            V::U(n) => {
                let _ = write!(out, "{n}");
            }
            V::I(n) => {
                let _ = write!(out, "{n}");
            }
            V::B(b) => out.push_str(if *b { "true" } else { "false" }),
            V::G(f) => out.push_str(&fmt_g(*f)),
            V::F(f) => {
                let _ = write!(out, "{f:.6}");
            }
            V::S(s) => string(out, s),
            V::A(a) => {
                out.push('[');
                for (j, s) in a.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    string(out, s);
                }
                out.push(']');
            }
        }
    }
    out.push('}');
}

fn data(s: &Snapshot, i: &Instance) -> Vec<(&'static str, V)> {
    use V::*;
    let c = &i.cfg;
    let st = &i.status;
    let (sec, us) = super::epoch_us(i.last_transition(s.now));
    let secs = |d: std::time::Duration| d.as_secs();
    let mut f = vec![
        ("iname", S(c.name.clone())),
        ("dont_track_primary", U(c.dont_track_primary.into())),
        ("skip_check_adv_addr", U(c.skip_check_adv_addr.into())),
        ("strict_mode", U(c.strict_mode.into())),
        (
            "vmac_ifname",
            S(c.vmac.as_ref().map(|v| v.name.clone()).unwrap_or_default()),
        ),
        ("ifp_ifname", S(i.interface.clone())),
        ("master_priority", U(st.master_priority.unwrap_or(0).into())),
        ("last_transition", F(sec as f64 + f64::from(us) / 1e6)),
        ("garp_delay", G(c.garp.master_delay.as_secs_f64())),
        ("garp_refresh", U(secs(c.garp.master_refresh))),
        ("garp_rep", U(c.garp.master_repeat.into())),
        ("garp_refresh_rep", U(c.garp.master_refresh_repeat.into())),
        ("garp_lower_prio_delay", U(secs(c.garp.lower_prio_delay))),
        ("garp_lower_prio_rep", U(c.garp.lower_prio_repeat.into())),
        ("lower_prio_no_advert", U(c.lower_prio_no_advert.into())),
        (
            "higher_prio_send_advert",
            U(c.higher_prio_send_advert.into()),
        ),
        ("vrid", U(c.vrid.0.into())),
        ("base_priority", U(c.priority.0.into())),
        ("effective_priority", U(st.effective_priority.into())),
        ("vipset", B(st.vips_held)),
        ("promote_secondaries", B(c.promote_secondaries)),
        ("adver_int", G(c.advert_int.as_duration().as_secs_f64())),
        ("master_adver_int", G(i.master_adver_int.as_secs_f64())),
        ("accept", U(c.accept.into())),
        ("nopreempt", B(c.nopreempt)),
        ("preempt_delay", U(secs(c.preempt_delay))),
        ("state", U(super::state_number(&st.state).into())),
        ("wantstate", U(super::state_number(&st.state).into())),
        ("version", U(c.version.into())),
        (
            "smtp_alert",
            B(crate::daemon::alert::vrrp_enabled(&s.global, c.smtp_alert)),
        ),
        ("notify_deleted", B(c.notify.deleted.is_some())),
    ];
    let n = &c.notify;
    for (k, script) in [
        ("script_backup", &n.backup),
        ("script_master", &n.master),
        ("script_fault", &n.fault),
        ("script_stop", &n.stop),
        ("script_deleted", &n.deleted),
        ("script", &n.any),
        ("script_master_rx_lower_pri", &n.master_rx_lower_pri),
    ] {
        if let Some(sc) = script {
            f.push((k, S(super::cmd_str(&sc.argv))));
        }
    }
    let arrays = [
        ("vips", super::vips(i)),
        ("evips", super::evips(i)),
        (
            "track_ifp",
            super::tracked_ifs(i)
                .iter()
                .map(|t| t.name.clone())
                .collect(),
        ),
        (
            "track_script",
            c.track
                .scripts
                .iter()
                .filter_map(|t| s.scripts.iter().find(|v| v.name == t.name))
                .map(|v| super::cmd_str(&v.script.argv))
                .collect(),
        ),
    ];
    for (k, a) in arrays {
        if !a.is_empty() {
            f.push((k, A(a)));
        }
    }
    f.push(("auth_type", U(super::auth_type(i).into())));
    if let Some(p) = super::auth_data(i) {
        f.push(("auth_data", S(p)));
    }
    // keepalived writes them after the arrays of addresses: keep the order.
    let order = |k: &str| match k {
        "track_ifp" | "track_script" => 1,
        "auth_type" | "auth_data" => 2,
        _ => 0,
    };
    f.sort_by_key(|(k, _)| order(k));
    f
}

fn stats(i: &Instance) -> Vec<(&'static str, V)> {
    let s = &i.status.stats;
    [
        ("advert_rcvd", s.advert_rcvd),
        ("advert_sent", s.advert_sent),
        ("become_master", s.become_master),
        ("release_master", s.release_master),
        ("packet_len_err", s.packet_len_err),
        ("advert_interval_err", s.advert_interval_err),
        ("ip_ttl_err", s.ip_ttl_err),
        ("invalid_type_rcvd", s.invalid_type_rcvd),
        ("addr_list_err", s.addr_list_err),
        ("invalid_authtype", s.invalid_authtype),
        ("authtype_mismatch", s.authtype_mismatch),
        ("auth_failure", s.auth_failure),
        ("pri_zero_rcvd", s.pri_zero_rcvd),
        ("pri_zero_sent", s.pri_zero_sent),
    ]
    .into_iter()
    .map(|(k, v)| (k, V::U(v)))
    .collect()
}

/// One `vrrp_track_process` as keepalived master's
/// vrrp_json_vprocess_dump writes it (its "process" is the tracker's name).
fn process(p: &ProcessView) -> Vec<(&'static str, V)> {
    use V::*;
    let c = &p.cfg;
    let mut f = vec![("process", S(p.name.clone()))];
    if !c.params.is_empty() {
        f.push(("parameters", S(c.params.join(" "))));
    }
    let matching = match c.param_match {
        ParamMatch::None => "none",
        ParamMatch::Exact => "exact",
        ParamMatch::Partial => "partial",
        ParamMatch::Initial => "initial",
    };
    f.push(("param_match", S(matching.into())));
    f.push(("min_processes", U(c.quorum.into())));
    // keepalived's "no maximum" (UINT_MAX) is kad's 65535, the most it
    // accepts.
    if c.quorum_max < u32::from(u16::MAX) {
        f.push(("max_processes", U(c.quorum_max.into())));
    }
    f.push(("current_processes", U(p.count.into())));
    f.push(("have_quorum", B(p.quorum)));
    let weight = i64::from(c.weight);
    f.push(("weight", I(if c.reverse { -weight } else { weight })));
    f.push(("terminate_delay", G(c.terminate_delay.as_secs_f64())));
    f.push(("fork_delay", G(c.fork_delay.as_secs_f64())));
    f.push(("fork_delay_timer_running", B(p.fork_timer)));
    f.push(("terminate_delay_timer_running", B(p.terminate_timer)));
    f.push(("full_command", B(c.full_command)));
    f
}

/// The text of `keepalived.json`: `json_version 1` (the default) is the
/// bare array of instances; keepalived master's version 2 names it `vrrp`
/// in an object, with the `vrrp_track_process`es beside it when there are
/// any.
pub fn render(s: &Snapshot) -> String {
    if s.global.json_version != 2 {
        return instances(s) + "\n";
    }
    let mut out = String::from("{");
    string(&mut out, "vrrp");
    out.push(':');
    out += &instances(s);
    if !s.processes.is_empty() {
        out.push(',');
        string(&mut out, "track_process");
        out.push_str(":[");
        for (n, p) in s.processes.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            object(&mut out, &process(p));
        }
        out.push(']');
    }
    out.push_str("}\n");
    out
}

/// The array of instances, each `{"data":{...},"stats":{...}}`.
fn instances(s: &Snapshot) -> String {
    let mut out = String::from("[");
    for (n, i) in s.instances.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('{');
        string(&mut out, "data");
        out.push(':');
        object(&mut out, &data(s, i));
        out.push(',');
        string(&mut out, "stats");
        out.push(':');
        object(&mut out, &stats(i));
        out.push('}');
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{snapshot, CONF};
    use super::*;

    #[test]
    fn g_as_c_prints_it() {
        assert_eq!(fmt_g(5.0), "5");
        assert_eq!(fmt_g(1.0), "1");
        assert_eq!(fmt_g(0.5), "0.5");
        assert_eq!(fmt_g(2.25), "2.25");
        assert_eq!(fmt_g(0.01), "0.01");
        assert_eq!(fmt_g(1234567.0), "1.23457e+06");
    }

    /// keepalived 2.2.7's dump of the same configuration (Debian's build,
    /// run in a namespace; see integration/tests/signals_netns.rs), with
    /// kad's `last_transition` and counters.
    #[test]
    fn as_keepalived_wrote_it() {
        let s = snapshot(CONF, "MASTER");
        let want = r#"[{"data":{"iname":"VI_1","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"eth0","master_priority":0,"last_transition":1796187148.225932,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":51,"base_priority":150,"effective_priority":150,"vipset":true,"promote_secondaries":false,"adver_int":1,"master_adver_int":1,"accept":1,"nopreempt":false,"preempt_delay":0,"state":2,"wantstate":2,"version":2,"smtp_alert":false,"notify_deleted":false,"vips":["10.77.0.100\/24 dev eth0 scope global set","10.77.0.101\/24 dev eth0 scope global set"],"auth_type":1,"auth_data":"secret"},"stats":{"advert_rcvd":0,"advert_sent":7,"become_master":1,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}]
"#;
        assert_eq!(render(&s), want);
        let v: serde_json::Value = serde_json::from_str(&render(&s)).unwrap();
        assert_eq!(v[0]["data"]["state"], 2);
    }

    /// keepalived master's json_version 2: `{"vrrp":[...]}`, and the
    /// process trackers in "track_process" when there are some.
    #[test]
    fn json_version_2_names_the_array_and_adds_track_process() {
        let v1 = render(&snapshot(CONF, "MASTER"));
        let conf = CONF.replace(
            "global_defs {\n router_id sigtest\n}\n",
            "global_defs {\n router_id sigtest\n json_version 2\n}\n\
             vrrp_track_process web {\n process httpd -k start\n param_match partial\n\
             quorum 2\n quorum_max 3\n weight 10 reverse\n fork_delay 1.5\n}\n",
        );
        let mut s = snapshot(&conf, "MASTER");
        assert_eq!(s.global.json_version, 2);
        assert_eq!(render(&s), format!("{{\"vrrp\":{}}}\n", v1.trim_end()));
        let loaded =
            kad_config::load_str(&conf, std::path::Path::new("k.conf"), &Default::default());
        s.processes = vec![ProcessView {
            name: "web".into(),
            count: 1,
            quorum: false,
            cfg: loaded.config.track_processes[0].clone(),
            fork_timer: true,
            terminate_timer: false,
        }];
        let text = render(&s);
        let want = r#","track_process":[{"process":"web","parameters":"-k start","param_match":"partial","min_processes":2,"max_processes":3,"current_processes":1,"have_quorum":false,"weight":-10,"terminate_delay":0,"fork_delay":1.5,"fork_delay_timer_running":true,"terminate_delay_timer_running":false,"full_command":true}]}"#;
        assert!(text.ends_with(&format!("{want}\n")), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["vrrp"][0]["data"]["iname"], "VI_1");
    }

    #[test]
    fn scripts_and_trackers_appear_as_keepalived_names_them() {
        let conf = CONF.replace(
            " advert_int 1\n",
            " advert_int 1\n notify \"/usr/local/bin/notify.sh x\"\n notify_master /bin/m\n track_script {\n  chk\n }\n track_interface {\n  eth0\n  lo\n }\n",
        ) + "vrrp_script chk {\n script \"/bin/true\"\n}\n";
        let s = snapshot(&conf, "BACKUP");
        let v: serde_json::Value = serde_json::from_str(&render(&s)).unwrap();
        let d = &v[0]["data"];
        assert_eq!(d["script"], "'/usr/local/bin/notify.sh' 'x'");
        assert_eq!(d["script_master"], "'/bin/m'");
        assert_eq!(d["track_script"][0], "'/bin/true'");
        // keepalived drops the instance's own interface.
        assert_eq!(d["track_ifp"], serde_json::json!(["lo"]));
        assert_eq!(d["state"], 1);
        assert_eq!(d["vipset"], false);
        assert_eq!(d["vips"][0], "10.77.0.100/24 dev eth0 scope global");
        let text = render(&s);
        let pos = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
        assert!(pos("script_master") < pos("script"));
        assert!(pos("vips") < pos("track_ifp"));
        assert!(pos("track_script") < pos("auth_type"));
    }
}
