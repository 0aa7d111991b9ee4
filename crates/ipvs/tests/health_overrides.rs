//! The operator's overrides (`kactl drain`, `disable`, `enable`) in the
//! health core, by simulation with virtual time: what IPVS is asked for,
//! quorum, and how the overrides combine with the checks' verdicts.

use kad_config::{load_str, Config, LoadOptions};
use kad_ipvs::check::{Action, Admin, Health, Micros, Outcome};
use kad_ipvs::services_of;
use std::path::Path;

const S: Micros = 1_000_000;

fn cfg(text: &str) -> Config {
    let l = load_str(
        text,
        Path::new("t.conf"),
        &LoadOptions {
            config_id: "x".into(),
        },
    );
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    l.config
}

/// Three real servers of weight 2, 3 and 4 with one TCP check each.
fn pool(vs_extra: &str, rs_extra: &str) -> Config {
    let mut t =
        format!("virtual_server 10.0.0.1 80 {{ protocol TCP\n delay_loop 10\n {vs_extra}\n");
    for i in 1..=3 {
        t += &format!(
            "real_server 10.0.1.{i} 80 {{ weight {}\n {rs_extra}\n TCP_CHECK {{ retry 0\n warmup 0 }} }}\n",
            i + 1
        );
    }
    cfg(&(t + "}"))
}

/// Every due check at `now` answers `ok(rs index)`.
fn checks(h: &mut Health, now: Micros, ok: impl Fn(usize) -> bool) -> Vec<Action> {
    let mut acts = vec![];
    for id in h.due(now) {
        let r = h.slot(id).rs as usize;
        let o = if ok(r) {
            Outcome::Pass
        } else {
            Outcome::Fail("refused".into())
        };
        acts.extend(h.result(now, id, o));
    }
    acts
}

/// The weights IPVS is asked for, by real server address (absent: None).
fn weights(c: &Config, h: &Health) -> Vec<Option<u32>> {
    let svc = &services_of(c, 0, h)[0].1;
    (1..=3)
        .map(|i| {
            svc.dests
                .iter()
                .find(|(d, _)| d.addr.to_string() == format!("10.0.1.{i}"))
                .map(|(_, a)| a.weight)
        })
        .collect()
}

#[test]
fn drain_keeps_the_server_with_weight_zero_and_enable_restores_it() {
    let c = pool("", "");
    let mut h = Health::new(&c, 0, 3);
    checks(&mut h, 0, |_| true);
    assert_eq!(weights(&c, &h), [Some(2), Some(3), Some(4)]);
    let (vi, ri) = h
        .find("[10.0.0.1]:tcp:80", "[10.0.1.2]:tcp:80")
        .expect("found");
    assert_eq!(
        h.set_admin(S, vi, ri, Admin::Drain),
        [Action::Changed { vs: 0 }]
    );
    assert_eq!(weights(&c, &h), [Some(2), Some(0), Some(4)]);
    assert_eq!(h.services[0].live_weight(), 6);
    // The same override again changes nothing.
    assert!(h.set_admin(S, vi, ri, Admin::Drain).is_empty());
    // The checks go on: a drained server that fails leaves IPVS as any
    // other, and comes back drained.
    checks(&mut h, 10 * S, |r| r != 1);
    assert_eq!(weights(&c, &h), [Some(2), None, Some(4)]);
    assert!(!h.services[0].rs[1].alive());
    let mut t = 10 * S;
    while !h.services[0].rs[1].alive() {
        t += S;
        checks(&mut h, t, |_| true);
    }
    assert_eq!(weights(&c, &h), [Some(2), Some(0), Some(4)]);
    h.set_admin(t, vi, ri, Admin::Auto);
    assert_eq!(weights(&c, &h), [Some(2), Some(3), Some(4)]);
}

#[test]
fn disable_takes_the_server_out_even_with_inhibit_on_failure() {
    let c = pool("", "inhibit_on_failure");
    let mut h = Health::new(&c, 0, 3);
    checks(&mut h, 0, |_| true);
    h.set_admin(S, 0, 2, Admin::Disable);
    assert_eq!(weights(&c, &h), [Some(2), Some(3), None]);
    // A failure of a disabled server keeps it out; inhibit applies to the
    // others as before.
    checks(&mut h, 10 * S, |r| r == 1);
    assert_eq!(weights(&c, &h), [Some(0), Some(3), None]);
    h.set_admin(11 * S, 0, 2, Admin::Auto);
    // Enabled while its check fails: inhibited, as the checks decide.
    assert_eq!(weights(&c, &h), [Some(0), Some(3), Some(0)]);
}

#[test]
fn overrides_count_towards_quorum_and_run_its_scripts() {
    // Quorum 6: 2 + 3 + 4 = 9 live; draining 4 leaves 5 (lost), enabling
    // it gains it back.
    let c = pool("quorum 6\n quorum_up /bin/up\n quorum_down /bin/down", "");
    let mut h = Health::new(&c, 0, 3);
    checks(&mut h, 0, |_| true);
    assert!(h.services[0].quorum_up);
    let acts = h.set_admin(S, 0, 2, Admin::Drain);
    assert!(!h.services[0].quorum_up);
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Script(s) if s.command == "/bin/down")));
    assert!(acts.contains(&Action::Fifo("VS [10.0.0.1]:tcp:80 DOWN".into())));
    let acts = h.set_admin(2 * S, 0, 2, Admin::Disable);
    assert_eq!(acts, [Action::Changed { vs: 0 }]);
    let acts = h.set_admin(3 * S, 0, 2, Admin::Auto);
    assert!(h.services[0].quorum_up);
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Script(s) if s.command == "/bin/up")));
}

#[test]
fn overrides_survive_a_reload_of_the_same_servers() {
    let c = pool("", "");
    let mut h = Health::new(&c, 0, 3);
    checks(&mut h, 0, |_| true);
    h.set_admin(S, 0, 0, Admin::Drain);
    h.set_admin(S, 0, 1, Admin::Disable);
    // The new configuration drops 10.0.1.3 and reorders nothing else.
    let c2 = cfg(
        "virtual_server 10.0.0.1 80 { protocol TCP\n delay_loop 10\n \
         real_server 10.0.1.2 80 { weight 3\n TCP_CHECK { retry 0\n warmup 0 } }\n \
         real_server 10.0.1.1 80 { weight 2\n TCP_CHECK { retry 0\n warmup 0 } } }",
    );
    let mut h2 = Health::new(&c2, 2 * S, 4);
    h2.migrate(&c2, &h, &c);
    assert_eq!(h2.services[0].rs[0].admin, Admin::Disable);
    assert_eq!(h2.services[0].rs[1].admin, Admin::Drain);
    assert_eq!(h2.dest_weight(0, 0), None);
    assert_eq!(h2.dest_weight(0, 1), Some(0));
}
