//! Issue 9's corpus (`tests/data/corpus/`): one small configuration per
//! problem keepalived 2.2.7 reports and corrects, ignores or refuses. Each
//! file says, in its first two lines, what Debian's keepalived does with it
//! (`-t` exit code and the lines it reports, checked here against the real
//! keepalived so the annotation cannot drift) and whether kad starts on it.
//!
//! kad must report every line keepalived reports, exit from `-t` as
//! keepalived does, start (`--dump-config` succeeds) wherever keepalived
//! runs, refuse under `--strict` wherever it reported anything, and — for
//! the VRRP cases, with keepalived started in a namespace with `-d` — end up
//! with the same effective values keepalived dumps.

use kad_integration::netns::Lab;
use kad_integration::report_lines::{kad_lines, keepalived_lines};
use kad_integration::{bin, require, root, sample_configs};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Case {
    file: PathBuf,
    /// keepalived -t's exit code as written ("crash": it dies of a signal).
    ka_exit: String,
    ka_lines: BTreeSet<u32>,
    /// `# kad: refuses` alone: keepalived refuses too (its `-t` exits 2,
    /// or its VRRP process stops at start-up: checked in a namespace).
    starts: bool,
    /// `# kad: refuses: WHY`: kad refuses what keepalived runs (only
    /// `auth_type AH`, which kad does not implement).
    refusal: Option<String>,
}

fn corpus_dir() -> PathBuf {
    root().join("integration/tests/data/corpus")
}

fn corpus() -> Vec<Case> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus")
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.join("main.conf"))
            } else {
                (p.extension()? == "conf").then_some(p)
            }
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("case");
            let mut l = text.lines();
            let ka = l
                .next()
                .and_then(|s| s.strip_prefix("# keepalived 2.2.7 -t: exit "))
                .unwrap_or_else(|| panic!("{}: no keepalived line", file.display()));
            let (exit, lines) = ka.split_once("; lines ").expect("'; lines '");
            let ka_lines = if lines == "none" {
                BTreeSet::new()
            } else {
                lines
                    .split(',')
                    .map(|n| n.parse().expect("line number"))
                    .collect()
            };
            let kad = l
                .next()
                .and_then(|s| s.strip_prefix("# kad: "))
                .unwrap_or_else(|| panic!("{}: no kad line", file.display()));
            let (starts, refusal) = match kad.split_once(": ") {
                Some(("refuses", why)) => (false, Some(why.to_string())),
                None if kad == "refuses" => (false, None),
                None if kad == "starts" => (true, None),
                _ => panic!("{}: '# kad: starts|refuses[: why]'", file.display()),
            };
            Case {
                file,
                ka_exit: exit.to_string(),
                ka_lines,
                starts,
                refusal,
            }
        })
        .collect()
}

fn exit_str(o: &Output) -> String {
    match o.status.code() {
        Some(c) => c.to_string(),
        None => "crash".into(),
    }
}

fn run_in(dir: &Path, prog: &Path, args: &[&str], conf: &Path) -> Output {
    Command::new(prog)
        .args(args)
        .arg("-f")
        .arg(conf)
        .current_dir(dir)
        .output()
        .expect("run")
}

/// keepalived -t and kad -t / --dump-config / --strict on one file; the
/// problems found, empty when all agree.
fn compare(conf: &Path, case: Option<&Case>) -> Vec<String> {
    let keepalived = require("keepalived");
    let kad = bin("kad");
    let dir = conf.parent().unwrap_or(Path::new("."));
    let mut bad = Vec::new();
    let ka = run_in(dir, &keepalived, &["-t"], conf);
    let ka_err = String::from_utf8_lossy(&ka.stderr).into_owned();
    let ka_exit = exit_str(&ka);
    let want = keepalived_lines(&ka_err);
    if let Some(c) = case {
        if c.ka_exit != ka_exit || c.ka_lines != want {
            bad.push(format!(
                "the annotation says keepalived exits {} reporting {:?}; it exits {ka_exit} reporting {want:?}",
                c.ka_exit, c.ka_lines
            ));
        }
    }
    let k = run_in(dir, &kad, &["-t", "--no-env-check"], conf);
    let k_err = String::from_utf8_lossy(&k.stderr).into_owned();
    let got = kad_lines(&k_err);
    let missing: Vec<_> = want.difference(&got).collect();
    if !missing.is_empty() {
        bad.push(format!("kad misses lines {missing:?}"));
    }
    let k_exit = exit_str(&k);
    // kad refuses AH by design (issue 9): the cases say so, and in the
    // samples the refusal must be that one.
    let refused = case.map_or(k_err.contains("auth_type AH"), |c| c.refusal.is_some());
    // keepalived -t counts interfaces this machine lacks; kad -t
    // --no-env-check leaves the machine out.
    let only_interfaces = want.is_empty()
        && ka_err.lines().all(|l| {
            l.trim().is_empty()
                || l.contains("doesn't exist")
                || l.contains("Non-existent interface")
                || l.contains("Unknown interface")
                || l.contains("loopback")
        });
    let exit_ok = match ka_exit.as_str() {
        // kad refuses by design (AH): an error, exit 5.
        _ if refused => k_exit == "5",
        // keepalived died of a signal (its HTTP_GET without url): kad only
        // has to report the problem.
        "crash" => k_exit != "0",
        // Script security: kad -t --no-env-check leaves the machine out.
        "6" => k_exit == "5" || k_exit == "6",
        "5" if only_interfaces => k_exit == "0" || k_exit == "5",
        e => k_exit == e,
    };
    if !exit_ok {
        bad.push(format!("keepalived -t exits {ka_exit}, kad -t {k_exit}"));
    }
    let dump = |strict: bool| {
        let mut args = vec!["--dump-config"];
        if strict {
            args.insert(0, "--strict");
        }
        run_in(dir, &kad, &args, conf).status.success()
    };
    let should_start = match case {
        Some(c) => c.starts,
        None => ka_exit != "2" && !refused,
    };
    if let Some(c) = case {
        if c.starts && ka_exit == "2" {
            bad.push("keepalived aborts but the case says kad starts".into());
        }
    }
    let starts = dump(false);
    if starts != should_start {
        bad.push(format!(
            "kad --dump-config {}",
            if starts { "succeeds" } else { "fails" }
        ));
    }
    if starts && k_exit != "0" && dump(true) {
        bad.push("kad reported problems but --strict --dump-config succeeds".into());
    }
    if !bad.is_empty() {
        bad.insert(
            0,
            format!("{}:\nkeepalived:\n{ka_err}\nkad:\n{k_err}", conf.display()),
        );
    }
    bad
}

#[test]
fn corpus_is_large_enough_and_annotated() {
    let cases = corpus();
    assert!(
        cases.len() >= 60,
        "issue 9 asks for 60 cases: {}",
        cases.len()
    );
    assert!(cases.iter().filter(|c| !c.ka_lines.is_empty()).count() >= 60);
}

#[test]
fn kad_reports_corrects_and_starts_as_keepalived_does_on_the_corpus() {
    let mut failures = Vec::new();
    let cases = corpus();
    for c in &cases {
        failures.extend(compare(&c.file, Some(c)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn kad_reports_and_starts_as_keepalived_does_on_the_samples() {
    let mut failures = Vec::new();
    let configs: Vec<PathBuf> = sample_configs()
        .into_iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            !(name.ends_with(".gz") || name.ends_with(".sh"))
        })
        .collect();
    assert!(!configs.is_empty());
    for conf in configs {
        failures.extend(compare(&conf, None));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// keepalived's `-d` dump: global values and, per instance, its values.
#[derive(Default, Debug)]
struct Dump {
    global: BTreeMap<String, String>,
    instances: BTreeMap<String, BTreeMap<String, String>>,
    vips: BTreeMap<String, Vec<String>>,
}

fn parse_dump(log: &str) -> Dump {
    let mut d = Dump::default();
    let mut section = "";
    let mut inst: Option<String> = None;
    let mut in_vips = false;
    for raw in log.lines() {
        // "Wed Dec  2 05:13:54 2026: text"
        let Some(text) = raw.get(26..) else { continue };
        if text.starts_with("------<") {
            section = if text.contains("Global definitions") {
                "global"
            } else if text.contains("VRRP Topology") {
                "vrrp"
            } else {
                "other"
            };
            inst = None;
            continue;
        }
        match section {
            "global" => {
                if let Some((k, v)) = text.trim().split_once(" = ") {
                    d.global.insert(k.to_string(), v.to_string());
                }
            }
            "vrrp" => {
                // Every dump line is indented; another process's log line
                // ("Startup complete", a state change) may fall between
                // them, also inside an instance's VIP list (seen under CI
                // load): it is skipped, not taken as the list's end.
                if !text.starts_with(' ') {
                    continue;
                }
                if let Some(name) = text.strip_prefix(" VRRP Instance = ") {
                    inst = Some(name.to_string());
                    d.instances.insert(name.to_string(), BTreeMap::new());
                    in_vips = false;
                    continue;
                }
                let Some(name) = &inst else { continue };
                if text.starts_with("   Virtual IP (") {
                    in_vips = true;
                    continue;
                }
                if in_vips && text.starts_with("     ") {
                    let addr = text.split_whitespace().next().unwrap_or("");
                    d.vips
                        .entry(name.clone())
                        .or_default()
                        .push(addr.to_string());
                    continue;
                }
                in_vips = false;
                if let Some((k, v)) = text.trim().split_once(" = ") {
                    if let Some(m) = d.instances.get_mut(name) {
                        m.insert(k.to_string(), v.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    d
}

/// What kad's `--dump-config` says, in the words of keepalived's dump.
fn kad_view(cfg: &serde_json::Value) -> Dump {
    let mut d = Dump::default();
    let g = &cfg["global"];
    let secs = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    d.global.insert(
        "Gratuitous ARP interval".into(),
        format!("{:.6}", secs(&g["garp_interval"])),
    );
    d.global.insert(
        "Gratuitous NA interval".into(),
        format!("{:.6}", secs(&g["gna_interval"])),
    );
    for i in cfg["vrrp_instances"].as_array().into_iter().flatten() {
        let name = i["name"].as_str().unwrap_or("").to_string();
        let mut m = BTreeMap::new();
        let version = i["version"].as_u64().unwrap_or(0);
        m.insert("VRRP Version".into(), version.to_string());
        m.insert("Wantstate".into(), i["state"].as_str().unwrap_or("").into());
        m.insert("Virtual Router ID".into(), i["vrid"].to_string());
        m.insert("Priority".into(), i["priority"].to_string());
        let cs = i["advert_int"].as_u64().unwrap_or(0);
        m.insert(
            "Advert interval".into(),
            if version == 2 {
                format!("{} sec", cs / 100)
            } else {
                format!("{} milli-sec", cs * 10)
            },
        );
        let garp = &i["garp"];
        let whole = |v: &serde_json::Value| format!("{}", secs(v) as u64);
        m.insert("Gratuitous ARP delay".into(), whole(&garp["master_delay"]));
        m.insert(
            "Gratuitous ARP repeat".into(),
            garp["master_repeat"].to_string(),
        );
        m.insert(
            "Gratuitous ARP refresh".into(),
            whole(&garp["master_refresh"]),
        );
        m.insert(
            "Gratuitous ARP refresh repeat".into(),
            garp["master_refresh_repeat"].to_string(),
        );
        m.insert(
            "Gratuitous ARP lower priority delay".into(),
            whole(&garp["lower_prio_delay"]),
        );
        m.insert(
            "Gratuitous ARP lower priority repeat".into(),
            garp["lower_prio_repeat"].to_string(),
        );
        m.insert(
            "Down timer adverts".into(),
            i["down_timer_adverts"].to_string(),
        );
        let nopreempt = i["nopreempt"].as_bool().unwrap_or(false);
        m.insert(
            "Preempt".into(),
            if nopreempt { "disabled" } else { "enabled" }.into(),
        );
        match i["authentication"].as_object() {
            Some(a) => {
                m.insert("Authentication type".into(), "SIMPLE_PASSWORD".into());
                m.insert(
                    "Password".into(),
                    a["password"].as_str().unwrap_or("").into(),
                );
            }
            None if version == 2 => {
                m.insert("Authentication type".into(), "none".into());
            }
            None => {}
        }
        let vips: Vec<String> = i["virtual_ipaddress"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let p = a["addr"].as_str().unwrap_or("");
                // keepalived prints the host prefix length without "/N".
                match p.split_once('/') {
                    Some((ip, "32")) | Some((ip, "128")) => ip.to_string(),
                    _ => p.to_string(),
                }
            })
            .collect();
        if !vips.is_empty() {
            d.vips.insert(name.clone(), vips);
        }
        d.instances.insert(name, m);
    }
    d
}

/// Start keepalived `--vrrp -d` in the lab's namespace and read its dump;
/// `Err(exit code)` when it stops instead (a configuration it refuses).
fn keepalived_dump(lab: &Lab, conf: &Path, n: usize) -> Result<String, Option<i32>> {
    let ka = require("keepalived");
    let d = lab.dir.path();
    let log_path = d.join(format!("ka{n}.log"));
    let log = std::fs::File::create(&log_path).expect("log");
    let mut child = Command::new("ip")
        .args(["netns", "exec", &lab.ns(0)])
        .arg(ka)
        .args(["--vrrp", "-n", "-l", "-D", "-d", "-f"])
        .arg(conf)
        .arg("-p")
        .arg(d.join(format!("ka{n}.pid")))
        .arg("-r")
        .arg(d.join(format!("kav{n}.pid")))
        .current_dir(conf.parent().unwrap_or(Path::new("/")))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start keepalived");
    let end = Instant::now() + Duration::from_secs(10);
    let result = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if text.contains("------< Interfaces >------") {
            break Ok(text);
        }
        if let Ok(Some(st)) = child.try_wait() {
            break Err(st.code());
        }
        if Instant::now() > end {
            break Err(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // SIGTERM: keepalived's orderly stop (it removes what it added).
    let _ = Command::new("kill")
        .arg(child.id().to_string())
        .stderr(Stdio::null())
        .status();
    let stopped = Instant::now() + Duration::from_secs(5);
    while Instant::now() < stopped {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    // The dump is written in one go; give the last lines their time.
    result.map(|_| std::fs::read_to_string(&log_path).unwrap_or_default())
}

#[test]
fn effective_vrrp_values_match_keepalived_dump() {
    let lab = Lab::new(1);
    let kad = bin("kad");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (n, c) in corpus().iter().enumerate() {
        let text = std::fs::read_to_string(&c.file).expect("case");
        let aborts = c.ka_exit == "2" || c.ka_exit == "crash";
        // keepalived's VRRP process needs IPVS for the sync daemon (it
        // crashes without): not on this kernel.
        let needs_ipvs = text.contains("lvs_sync_daemon");
        if !text.contains("vrrp_instance") || aborts || needs_ipvs {
            continue;
        }
        let name = c.file.display().to_string();
        let dump = keepalived_dump(&lab, &c.file, n);
        match (&dump, c.starts, &c.refusal) {
            (Err(code), true, _) => {
                failures.push(format!(
                    "{name}: keepalived stopped ({code:?}) but kad starts\n{}",
                    lab.log(&format!("ka{n}.log"))
                ));
                continue;
            }
            (Ok(_), false, None) => {
                failures.push(format!("{name}: keepalived runs, kad refuses"));
                continue;
            }
            (Err(code), false, None) => {
                if *code != Some(2) {
                    failures.push(format!(
                        "{name}: keepalived should stop with CONFIG (2): {code:?}"
                    ));
                }
                continue;
            }
            (_, false, Some(_)) => continue,
            (Ok(_), true, _) => {}
        }
        let ka = parse_dump(dump.as_deref().unwrap_or(""));
        let out = Command::new(&kad)
            .args(["--dump-config", "-f"])
            .arg(&c.file)
            .output()
            .expect("kad");
        let cfg: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let k = kad_view(&cfg);
        for (key, want) in &k.global {
            if ka.global.get(key) != Some(want) {
                failures.push(format!(
                    "{name}: global {key}: keepalived {:?}, kad {want}",
                    ka.global.get(key)
                ));
            }
        }
        let ka_names: BTreeSet<_> = ka.instances.keys().collect();
        let k_names: BTreeSet<_> = k.instances.keys().collect();
        if ka_names != k_names {
            failures.push(format!(
                "{name}: instances: keepalived {ka_names:?}, kad {k_names:?}"
            ));
        }
        for (inst, vals) in &k.instances {
            let Some(kav) = ka.instances.get(inst) else {
                continue;
            };
            for (key, want) in vals {
                if kav.get(key) != Some(want) {
                    failures.push(format!(
                        "{name}: ({inst}) {key}: keepalived {:?}, kad {want}",
                        kav.get(key)
                    ));
                }
            }
            if ka.vips.get(inst) != k.vips.get(inst) {
                failures.push(format!(
                    "{name}: ({inst}) VIPs: keepalived {:?}, kad {:?}",
                    ka.vips.get(inst),
                    k.vips.get(inst)
                ));
            }
        }
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} VRRP cases compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
