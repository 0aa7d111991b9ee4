//! The health core by simulation with virtual time: each rule of
//! keepalived's checkers, then random scenarios against invariants.

use kad_config::{load_str, Config, LoadOptions};
use kad_ipvs::check::{Action, CheckId, Health, Micros, Outcome};
use kad_ipvs::{services_of, wanted_with};
use proptest::prelude::*;
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

fn fail() -> Outcome {
    Outcome::Fail("refused".into())
}

type Trace = (Vec<(Micros, CheckId)>, Vec<(Micros, Action)>);

/// Drive one checker: every check answers `f(time)` instantly. Returns the
/// times the checks ran and the actions, until `end`.
fn run(h: &mut Health, end: Micros, mut f: impl FnMut(Micros, CheckId) -> Outcome) -> Trace {
    let (mut ran, mut acts) = (vec![], vec![]);
    while let Some(t) = h.next_deadline() {
        if t > end {
            break;
        }
        for id in h.due(t) {
            ran.push((t, id));
            let o = f(t, id);
            acts.extend(h.result(t, id, o).into_iter().map(|a| (t, a)));
        }
    }
    (ran, acts)
}

fn one_rs(extra_vs: &str, extra_rs: &str, check: &str) -> Config {
    cfg(&format!(
        "virtual_server 10.0.0.1 80 {{ protocol TCP\n delay_loop 10\n {extra_vs}\n \
         real_server 10.0.0.11 80 {{ weight 5\n {extra_rs}\n {check} }} }}"
    ))
}

#[test]
fn retry_counts_as_keepalived() {
    // retry 3, delay_before_retry 2, warmup 0: checks at 0, 10 (fail),
    // 12, 14, 16 (the 4th failure: down), a delay_loop later (26), then
    // every 2 s while down; one success at 30 brings it up, and the next
    // check is a delay_loop later.
    let c = one_rs(
        "",
        "",
        "TCP_CHECK { retry 3\n delay_before_retry 2\n warmup 0 }",
    );
    let mut h = Health::new(&c, 0, 7);
    let (ran, acts) = run(&mut h, 45 * S, |t, _| {
        if (10 * S..30 * S).contains(&t) {
            fail()
        } else {
            Outcome::Pass
        }
    });
    let times: Vec<u64> = ran.iter().map(|(t, _)| t / S).collect();
    assert_eq!(times, [0, 10, 12, 14, 16, 26, 28, 30, 40]);
    let fifo: Vec<(u64, String)> = acts
        .iter()
        .filter_map(|(t, a)| match a {
            Action::Fifo(l) => Some((t / S, l.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        fifo,
        [
            (16, "RS [10.0.0.11]:tcp:80 [10.0.0.1]:tcp:80 DOWN".into()),
            (16, "VS [10.0.0.1]:tcp:80 DOWN".into()),
            (30, "RS [10.0.0.11]:tcp:80 [10.0.0.1]:tcp:80 UP".into()),
            (30, "VS [10.0.0.1]:tcp:80 UP".into()),
        ]
    );
}

#[test]
fn retry_zero_goes_down_on_first_failure() {
    let c = one_rs("", "", "TCP_CHECK { retry 0\n warmup 0 }");
    let mut h = Health::new(&c, 0, 7);
    let (_, acts) = run(&mut h, 10 * S, |_, _| fail());
    assert!(acts.contains(&(0, Action::Changed { vs: 0 })));
    assert_eq!(h.dest_weight(0, 0), None);
}

#[test]
fn warmup_spreads_first_checks_within_warmup() {
    let mut text = String::from("virtual_server 10.0.0.1 80 { protocol TCP\n delay_loop 10\n");
    for i in 0..200 {
        text += &format!(
            "real_server 10.1.{}.{} 80 {{ TCP_CHECK {{ warmup 4 }} }}\n",
            i / 250,
            i % 250 + 1
        );
    }
    text += "}";
    let c = cfg(&text);
    let mut h = Health::new(&c, 1000, 42);
    let (ran, _) = run(&mut h, 1000 + 4 * S, |_, _| Outcome::Pass);
    assert_eq!(ran.len(), 200, "every first check within warmup");
    let early = ran.iter().filter(|(t, _)| *t < 1000 + 2 * S).count();
    assert!((60..140).contains(&early), "spread, not bunched: {early}");
}

#[test]
fn alpha_starts_down_until_first_success() {
    let c = one_rs("alpha", "", "TCP_CHECK { warmup 0 }");
    let mut h = Health::new(&c, 0, 7);
    assert_eq!(h.dest_weight(0, 0), None);
    assert!(!h.services[0].quorum_up);
    let id = h.due(0)[0];
    let acts = h.result(0, id, Outcome::Pass);
    assert_eq!(h.dest_weight(0, 0), Some(5));
    assert!(acts.contains(&Action::Changed { vs: 0 }));
    // A failing alpha server stays down without any transition.
    let mut h = Health::new(&c, 0, 7);
    let (_, acts) = run(&mut h, 60 * S, |_, _| fail());
    assert!(acts.is_empty(), "{acts:?}");
}

#[test]
fn server_is_up_only_while_every_checker_is_up() {
    let c = one_rs(
        "",
        "",
        "TCP_CHECK { retry 0\n warmup 0 }\n HTTP_GET { url { path / }\n retry 0\n warmup 0 }",
    );
    let mut h = Health::new(&c, 0, 7);
    let ids = h.due(0);
    assert_eq!(ids.len(), 2);
    h.result(0, ids[0], fail());
    assert_eq!(h.dest_weight(0, 0), None);
    h.result(0, ids[1], fail());
    let ids = h.due(10 * S);
    h.result(10 * S, ids[0], Outcome::Pass);
    assert_eq!(h.dest_weight(0, 0), None, "one checker still down");
    // HTTP_GET, as keepalived: the first pass after its failure only
    // forgets the failure; the next one, a delay_loop later, brings it up.
    h.result(10 * S, ids[1], Outcome::Pass);
    assert_eq!(h.dest_weight(0, 0), None, "HTTP_GET needs a second pass");
    let ids = h.due(20 * S);
    h.result(20 * S, ids[0], Outcome::Pass);
    let acts = h.result(20 * S, ids[1], Outcome::Pass);
    assert_eq!(h.dest_weight(0, 0), Some(5));
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Fifo(l) if l.ends_with("UP"))));
}

#[test]
fn inhibit_on_failure_sets_weight_zero() {
    for (vs, rs) in [("inhibit_on_failure", ""), ("", "inhibit_on_failure")] {
        let c = one_rs(vs, rs, "TCP_CHECK { retry 0\n warmup 0 }");
        let mut h = Health::new(&c, 0, 7);
        let id = h.due(0)[0];
        h.result(0, id, fail());
        assert_eq!(h.dest_weight(0, 0), Some(0));
        let svc = &services_of(&c, 0, &h)[0].1;
        assert_eq!(svc.dests.values().next().map(|d| d.weight), Some(0));
    }
}

#[test]
fn misc_dynamic_sets_weight_and_exit_zero_restores_it() {
    let c = one_rs(
        "",
        "",
        "MISC_CHECK { misc_path /bin/true\n misc_dynamic\n warmup 0 }",
    );
    let mut h = Health::new(&c, 0, 7);
    let id = h.due(0)[0];
    let acts = h.result(0, id, Outcome::PassWeight(40));
    assert_eq!(h.dest_weight(0, 0), Some(40));
    assert_eq!(
        acts,
        [
            Action::Log(
                "MISC_CHECK on service [10.0.0.11]:tcp:80 of VS [10.0.0.1]:tcp:80 succeeded."
                    .into()
            ),
            Action::Changed { vs: 0 }
        ]
    );
    let id = h.due(10 * S)[0];
    h.result(10 * S, id, Outcome::Pass);
    assert_eq!(h.dest_weight(0, 0), Some(5));
}

fn pool(n: usize, vs_extra: &str) -> Config {
    let mut t =
        format!("virtual_server 10.0.0.1 80 {{ protocol TCP\n delay_loop 10\n {vs_extra}\n");
    for i in 1..=n {
        t += &format!(
            "real_server 10.0.1.{i} 80 {{ weight 1\n TCP_CHECK {{ retry 0\n warmup 0 }} }}\n"
        );
    }
    cfg(&(t + "}"))
}

/// Set how many of the pool are alive, one result at a time; return the
/// quorum state after each step.
fn drive_alive(h: &mut Health, now: &mut Micros, n: usize, alive: usize) -> Vec<Action> {
    *now += 10 * S;
    let ids = h.due(*now);
    let mut acts = vec![];
    for id in ids {
        let i = h.slot(id).rs as usize;
        let o = if i < alive { Outcome::Pass } else { fail() };
        acts.extend(h.result(*now, id, o));
    }
    assert_eq!(
        h.services[0].rs.iter().filter(|r| r.alive()).count(),
        alive.min(n)
    );
    acts
}

#[test]
fn quorum_with_hysteresis_as_the_sample_describes() {
    // keepalived.conf.quorum: 10 servers, quorum 7, hysteresis 2, alpha:
    // quorum reached at 9 live servers, lost below 5.
    let c = pool(
        10,
        "alpha\n quorum 7\n hysteresis 2\n quorum_up /bin/up\n quorum_down /bin/down",
    );
    let mut h = Health::new(&c, 0, 1);
    let mut now = 0;
    assert!(!h.services[0].quorum_up);
    let mut seen = vec![];
    for alive in [7, 8, 9, 6, 5, 4, 5, 8, 9] {
        // Checks for servers that change run every 10 s (down: 1 s).
        let acts = drive_alive_all(&mut h, &mut now, alive);
        let scripts: Vec<String> = acts
            .iter()
            .filter_map(|a| match a {
                Action::Script(s) => Some(s.command.clone()),
                _ => None,
            })
            .collect();
        seen.push((alive, h.services[0].quorum_up, scripts));
    }
    let want = [
        (7, false, vec![]),
        (8, false, vec![]),
        (9, true, vec!["/bin/up".to_string()]),
        (6, true, vec![]),
        (5, true, vec![]),
        (4, false, vec!["/bin/down".to_string()]),
        (5, false, vec![]),
        (8, false, vec![]),
        (9, true, vec!["/bin/up".to_string()]),
    ];
    assert_eq!(seen, want);
}

/// Run every due check until each server's state matches `alive`.
fn drive_alive_all(h: &mut Health, now: &mut Micros, alive: usize) -> Vec<Action> {
    let mut acts = vec![];
    for _ in 0..30 {
        *now += S;
        for id in h.due(*now) {
            let i = h.slot(id).rs as usize;
            let o = if i < alive { Outcome::Pass } else { fail() };
            acts.extend(h.result(*now, id, o));
        }
        let live = h.services[0].rs.iter().filter(|r| r.alive()).count();
        if live == alive {
            return acts;
        }
    }
    panic!("did not converge to {alive}");
}

#[test]
fn sorry_server_replaces_the_pool_while_quorum_is_lost() {
    for inhibit in [false, true] {
        let extra = format!(
            "quorum 2\n sorry_server 10.9.9.9 80\n {}",
            if inhibit { "sorry_server_inhibit" } else { "" }
        );
        let c = pool(2, &extra);
        let mut h = Health::new(&c, 0, 1);
        let ws = |h: &Health| {
            let t = wanted_with(&c, h);
            let s = t.services.values().next().unwrap();
            s.dests
                .iter()
                .map(|(d, a)| (d.addr.to_string(), a.weight))
                .collect::<Vec<_>>()
        };
        let sorry0: Vec<(String, u32)> = if inhibit {
            vec![("10.9.9.9".into(), 0)]
        } else {
            vec![]
        };
        let mut both = vec![("10.0.1.1".to_string(), 1), ("10.0.1.2".to_string(), 1)];
        both.extend(sorry0.clone());
        both.sort();
        assert_eq!(ws(&h), both);
        let mut now = 0;
        drive_alive(&mut h, &mut now, 2, 1);
        // Quorum lost: only the sorry server (the live server is removed).
        assert_eq!(ws(&h), [("10.9.9.9".to_string(), 1)]);
        drive_alive(&mut h, &mut now, 2, 2);
        assert_eq!(ws(&h), both);
    }
}

#[test]
fn ha_suspend_parks_checks_until_resumed() {
    let c = one_rs("ha_suspend", "", "TCP_CHECK { warmup 0 }");
    let mut h = Health::new(&c, 0, 7);
    h.suspend(0, 0, true);
    assert!(h.due(0).is_empty());
    assert!(h.due(100 * S).is_empty());
    assert_eq!(h.next_deadline(), None);
    h.suspend(200 * S, 0, false);
    assert_eq!(h.due(200 * S).len(), 1);
}

#[test]
fn notify_scripts_and_fifo_lines() {
    let c = one_rs(
        "",
        "notify_up \"/bin/echo up\"\n notify_down \"/bin/echo down\"",
        "TCP_CHECK { retry 0\n warmup 0 }",
    );
    let mut h = Health::new(&c, 0, 7);
    let id = h.due(0)[0];
    let acts = h.result(0, id, fail());
    assert!(matches!(&acts[1], Action::Script(s) if s.command == "/bin/echo down"));
    let id = h.due(10 * S)[0];
    let acts = h.result(10 * S, id, Outcome::Pass);
    assert!(matches!(&acts[1], Action::Script(s) if s.command == "/bin/echo up"));
}

#[test]
fn omega_notifies_down_on_shutdown() {
    let text = "virtual_server 10.0.0.1 80 { protocol TCP\n omega\n quorum_down /bin/qd\n \
         real_server 10.0.0.11 80 { notify_down /bin/d1\n TCP_CHECK { warmup 0 } }\n \
         real_server 10.0.0.12 80 { notify_down /bin/d2\n TCP_CHECK { warmup 0\n retry 0 } } }";
    let c = cfg(text);
    let mut h = Health::new(&c, 0, 1);
    let ids = h.due(0);
    h.result(0, ids[1], fail());
    let names: Vec<String> = h
        .shutdown()
        .into_iter()
        .map(|a| match a {
            Action::Script(s) => s.command,
            Action::Fifo(l) => l,
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            "/bin/d1",
            "RS [10.0.0.11]:tcp:80 [10.0.0.1]:tcp:80 DOWN",
            "/bin/qd",
            "VS [10.0.0.1]:tcp:80 DOWN"
        ]
    );
    // Without omega: nothing.
    let c = cfg(&text.replace("omega", ""));
    assert!(Health::new(&c, 0, 1).shutdown().is_empty());
}

#[test]
fn reload_migrates_state_of_unchanged_servers() {
    let c = pool(3, "");
    let mut h = Health::new(&c, 0, 1);
    let mut now = 0;
    drive_alive(&mut h, &mut now, 3, 2);
    // The new configuration drops server 1 and adds server 4.
    let text = pool(4, "").clone();
    let mut c2 = text;
    c2.virtual_servers[0].real_servers.remove(0);
    let mut h2 = Health::new(&c2, now, 2);
    h2.migrate(&c2, &h, &c);
    let alive: Vec<bool> = h2.services[0].rs.iter().map(|r| r.alive()).collect();
    assert_eq!(alive, [true, false, true], "10.0.1.2 up, .3 down, .4 new");
}

#[test]
fn reload_keeps_quorum_inside_the_hysteresis_band() {
    // quorum 7, hysteresis 2, 10 servers; 6 alive: quorum stays up (lost
    // only below 5). A reload must not drop it (6 < 7).
    let c = pool(10, "quorum 7\n hysteresis 2");
    let mut h = Health::new(&c, 0, 1);
    let mut now = 0;
    drive_alive_all(&mut h, &mut now, 6);
    assert!(h.services[0].quorum_up);
    let mut h2 = Health::new(&c, now, 2);
    h2.migrate(&c, &h, &c);
    assert!(h2.services[0].quorum_up, "still up after the reload");
    assert!(h2.same_as(0, &h, 0));
}

/// The scripts' commands and FIFO lines of some actions.
fn notices(acts: &[Action]) -> Vec<String> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Script(sc) => Some(format!("run {}", sc.command)),
            Action::Fifo(l) => Some(l.clone()),
            Action::Changed { .. } | Action::Log(_) => None,
        })
        .collect()
}

#[test]
fn start_up_quorum_state_and_its_notifications_as_keepalived() {
    // keepalived starts each virtual server without quorum and gains it at
    // quorum + hysteresis (init_service_vs → update_quorum_state(vs, init)).
    let scripts = "quorum_up /bin/up.sh\n quorum_down /bin/down.sh\n";
    // 3 servers, quorum 2 ± 1: starts with quorum; quorum_up runs.
    let c = pool(3, &format!("quorum 2\n hysteresis 1\n {scripts}"));
    let h = Health::new(&c, 0, 1);
    assert!(h.services[0].quorum_up);
    assert_eq!(
        notices(&h.startup()),
        ["run /bin/up.sh", "VS [10.0.0.1]:tcp:80 UP"]
    );
    // 2 servers (inside the band): starts without quorum; with no sorry
    // server nothing is said and the pool is programmed as is.
    let c = pool(2, &format!("quorum 2\n hysteresis 1\n {scripts}"));
    let h = Health::new(&c, 0, 1);
    assert!(!h.services[0].quorum_up);
    assert!(h.startup().is_empty());
    assert_eq!(
        wanted_with(&c, &h)
            .services
            .values()
            .next()
            .unwrap()
            .dests
            .len(),
        2
    );
    // ... with a sorry server, it goes in instead of the pool and
    // quorum_down runs.
    let c = pool(
        2,
        &format!("quorum 2\n hysteresis 1\n sorry_server 10.9.9.9 80\n {scripts}"),
    );
    let h = Health::new(&c, 0, 1);
    assert_eq!(
        notices(&h.startup()),
        ["run /bin/down.sh", "VS [10.0.0.1]:tcp:80 DOWN"]
    );
    let t = wanted_with(&c, &h);
    let dests: Vec<String> = t
        .services
        .values()
        .next()
        .unwrap()
        .dests
        .keys()
        .map(|d| d.addr.to_string())
        .collect();
    assert_eq!(dests, ["10.9.9.9"]);
}

#[test]
fn reload_notifies_quorum_changes_and_new_virtual_servers() {
    let scripts = "quorum_up /bin/up.sh\n quorum_down /bin/down.sh\n";
    let c = pool(3, &format!("quorum 2\n {scripts}"));
    let mut h = Health::new(&c, 0, 1);
    let mut now = 0;
    drive_alive_all(&mut h, &mut now, 3);
    // Same configuration: nothing to say.
    let mut h2 = Health::new(&c, now, 2);
    assert!(h2.migrate(&c, &h, &c).is_empty());
    // quorum raised above the live weight: lost, quorum_down runs.
    let c2 = pool(3, &format!("quorum 5\n {scripts}"));
    let mut h3 = Health::new(&c2, now, 3);
    assert_eq!(
        notices(&h3.migrate(&c2, &h2, &c)),
        ["run /bin/down.sh", "VS [10.0.0.1]:tcp:80 DOWN"]
    );
    // A new virtual server: its start-up notifications.
    let text = |q: u32| {
        format!(
            "virtual_server 10.0.0.2 80 {{ protocol TCP\n quorum {q}\n quorum_up /bin/up2.sh\n \
             real_server 10.0.2.1 80 {{ weight 1\n TCP_CHECK {{ warmup 0 }} }} }}\n"
        )
    };
    let c4 = cfg(&text(1));
    let mut h4 = Health::new(&c4, now, 4);
    assert_eq!(
        notices(&h4.migrate(&c4, &h3, &c2)),
        ["run /bin/up2.sh", "VS [10.0.0.2]:tcp:80 UP"]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    /// Random outages against random timings: a server that stays broken
    /// is out of the table within delay_loop + retry × delay_before_retry
    /// + (retry + 2) probe times (the check running when it broke, then
    /// each failing one), and back within max(delay_loop,
    /// delay_before_retry) + 2 probe times of recovering; alive always
    /// means every checker is up.
    ///
    /// "Stays broken" is long enough to be seen by keepalived's rules: each
    /// check is scheduled when the previous one ends, so the first failing
    /// probe starts before down_at + delay_loop + probe, and the last of
    /// its retry + 1 failures starts retry × (probe + delay_before_retry)
    /// later. A shorter outage is rightly never marked down (keepalived
    /// resets the retry count on the next pass): the outage lasts that long
    /// plus `slack` whole seconds (0 included: the edge case).
    #[test]
    fn detection_bounds_and_invariants(
        delay_loop in 1u64..20,
        dbr in 1u64..5,
        retry in 0u32..4,
        probe_ms in 0u64..900,
        down_at in 0u64..100,
        slack in 0u64..70,
        checkers in 1usize..3,
    ) {
        let ck = format!("TCP_CHECK {{ retry {retry}\n delay_before_retry {dbr}\n warmup 0 }}\n");
        let c = cfg(&format!(
            "virtual_server 10.0.0.1 80 {{ protocol TCP\n delay_loop {delay_loop}\n \
             real_server 10.0.0.11 80 {{ {} }} }}", ck.repeat(checkers)));
        let mut h = Health::new(&c, 0, 3);
        let probe = probe_ms * 1000;
        let seen_after = delay_loop * S + probe + u64::from(retry) * (probe + dbr * S);
        let down_for = seen_after.div_ceil(S) + slack;
        let (down_t, up_t) = (down_at * S, (down_at + down_for) * S);
        // Probes take `probe` µs: run them as events in virtual time.
        let mut pending: Vec<(Micros, CheckId, Micros)> = vec![];
        let mut went_down = None;
        let mut came_up = None;
        let mut now = 0;
        while now < (down_at + down_for + 60) * S {
            let next_due = h.next_deadline().unwrap_or(u64::MAX);
            let next_done = pending.iter().map(|p| p.0).min().unwrap_or(u64::MAX);
            now = next_due.min(next_done);
            if now == u64::MAX { break; }
            if next_done <= next_due {
                let i = pending.iter().position(|p| p.0 == now).unwrap();
                let (t, id, started) = pending.remove(i);
                let broken = (down_t..up_t).contains(&started);
                let o = if broken { fail() } else { Outcome::Pass };
                let before = h.services[0].rs[0].alive();
                h.result(t, id, o);
                let after = h.services[0].rs[0].alive();
                let all_up = h.slots.iter().all(|s| s.state.up);
                prop_assert_eq!(after, all_up);
                if before && !after && went_down.is_none() { went_down = Some(t); }
                if !before && after && went_down.is_some() && came_up.is_none() { came_up = Some(t); }
            } else {
                for id in h.due(now) { pending.push((now + probe, id, now)); }
            }
        }
        let down = went_down.expect("went down");
        let bound = down_t + delay_loop * S + u64::from(retry) * (dbr * S + probe) + 2 * probe;
        prop_assert!(down >= down_t && down <= bound, "down at {} > bound {}", down, bound);
        let up = came_up.expect("came back");
        prop_assert!(up >= up_t && up <= up_t + delay_loop.max(dbr) * S + 2 * probe,
            "up at {} (recovered {})", up, up_t);
    }
}

/// The log lines of some actions, with their times in seconds.
fn logs(acts: &[(Micros, Action)]) -> Vec<(u64, String)> {
    acts.iter()
        .filter_map(|(t, a)| match a {
            Action::Log(l) => Some((t / S, l.clone())),
            _ => None,
        })
        .collect()
}

/// HTTP_GET's own epilog (keepalived's check_http.c): down with the
/// failure known, it checks max(delay_loop, delay_before_retry) apart; the
/// first pass only forgets the failure and it comes up on the next,
/// a delay_loop later. `fast_recovery` runs that next check at once.
#[test]
fn http_get_recovers_on_the_second_pass_and_fast_recovery_skips_the_wait() {
    let check = |fast: &str| {
        format!(
            "HTTP_GET {{ url {{ path / }}\n retry 1\n delay_before_retry 2\n warmup 0\n {fast} }}"
        )
    };
    let broken = |t: Micros| (10 * S..30 * S).contains(&t);
    let up_at = |acts: &[(Micros, Action)]| {
        acts.iter()
            .find(|(_, a)| matches!(a, Action::Fifo(l) if l.starts_with("RS") && l.ends_with("UP")))
            .map(|(t, _)| t / S)
    };
    for (fast, times, up) in [
        ("", vec![0, 10, 12, 22, 32, 42, 52], 42),
        ("fast_recovery", vec![0, 10, 12, 22, 32, 32, 42, 52], 32),
    ] {
        let c = one_rs("", "", &check(fast));
        let mut h = Health::new(&c, 0, 7);
        let (ran, acts) = run(&mut h, 55 * S, |t, _| {
            if broken(t) {
                fail()
            } else {
                Outcome::Pass
            }
        });
        let got: Vec<u64> = ran.iter().map(|(t, _)| t / S).collect();
        assert_eq!(got, times, "{fast:?}");
        assert_eq!(up_at(&acts), Some(up), "{fast:?}");
    }
    // fast_recovery never loops on a server that keeps failing: after the
    // pass that forgets the failure, a failure waits delay_before_retry
    // (keepalived 2.2.7 re-checks at once, without end).
    let c = one_rs("", "", &check("fast_recovery"));
    let mut h = Health::new(&c, 0, 7);
    let mut passed_at_32 = false;
    let (ran, _) = run(&mut h, 40 * S, |t, _| {
        if t == 32 * S && !passed_at_32 {
            passed_at_32 = true;
            Outcome::Pass
        } else if t >= 10 * S {
            fail()
        } else {
            Outcome::Pass
        }
    });
    let got: Vec<u64> = ran.iter().map(|(t, _)| t / S).collect();
    assert_eq!(got, [0, 10, 12, 22, 32, 32, 34, 36, 38, 40]);
    // TCP_CHECK is not affected: fast_recovery is HTTP_GET/SSL_GET's.
    let c = one_rs(
        "",
        "",
        "TCP_CHECK { retry 1\n delay_before_retry 2\n warmup 0 }",
    );
    let mut h = Health::new(&c, 0, 7);
    let (ran, _) = run(&mut h, 35 * S, |t, _| {
        if broken(t) {
            fail()
        } else {
            Outcome::Pass
        }
    });
    let got: Vec<u64> = ran.iter().map(|(t, _)| t / S).collect();
    assert_eq!(got, [0, 10, 12, 22, 24, 26, 28, 30]);
}

/// keepalived logs a checker's transitions (and its first success);
/// `log_all_failures` (or the global `checker_log_all_failures`) also
/// logs every failure while the checker is up: each retry.
#[test]
fn log_all_failures_logs_each_failure_while_up() {
    let check = |extra: &str| {
        format!("TCP_CHECK {{ retry 2\n delay_before_retry 1\n warmup 0\n {extra} }}")
    };
    let rs = "[10.0.0.11]:tcp:80";
    let first = (0, format!("TCP connection to {rs} success."));
    let failure = |t| (t, format!("TCP connection to {rs} failed. (refused)"));
    let down = (
        12,
        format!("TCP_CHECK on service {rs} failed after 2 retries. (refused)"),
    );
    let drive = |c: &Config| {
        let mut h = Health::new(c, 0, 7);
        let (_, acts) = run(&mut h, 30 * S, |t, _| {
            if t >= 10 * S {
                fail()
            } else {
                Outcome::Pass
            }
        });
        logs(&acts)
    };
    // Without it: the first success and the transition only.
    assert_eq!(
        drive(&one_rs("", "", &check(""))),
        [first.clone(), down.clone()]
    );
    let all = [first, failure(10), failure(11), failure(12), down];
    // Per checker (no failure lines while down: 22, 23, …).
    assert_eq!(drive(&one_rs("", "", &check("log_all_failures"))), all);
    // `log_all_failures off` keeps the default.
    assert_eq!(
        drive(&one_rs("", "", &check("log_all_failures off"))).len(),
        2
    );
    // Global, for every checker.
    let c = cfg(&format!(
        "global_defs {{ checker_log_all_failures }}\n\
         virtual_server 10.0.0.1 80 {{ protocol TCP\n delay_loop 10\n \
         real_server 10.0.0.11 80 {{ weight 5\n {} }} }}",
        check("")
    ));
    assert_eq!(drive(&c), all);
}
