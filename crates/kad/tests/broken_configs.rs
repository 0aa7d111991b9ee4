//! The corpus of broken configurations: each case names, in its first
//! line, the `file:line:col` kad must report, the exit code of
//! `kad -t --no-env-check` and the severity there: `error` where keepalived
//! refuses too (kad does not start: `--dump-config` fails), `warning` or
//! `note` where keepalived reports the problem, corrects it and runs (kad
//! starts: `--dump-config` succeeds; with `--strict` it does not).
//!
//! A case is a `*.conf` file in `tests/broken/`, or a directory there whose
//! `main.conf` is the case (for includes).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    file: PathBuf,
    want_loc: String,
    want_exit: i32,
    want_severity: String,
    starts: bool,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/broken")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let file = if p.is_dir() { p.join("main.conf") } else { p };
        let text = std::fs::read_to_string(&file).expect("case text");
        let first = text.lines().next().unwrap_or_default();
        let spec = first
            .strip_prefix("# expect: ")
            .unwrap_or_else(|| panic!("{}: no '# expect:' line", file.display()));
        let w: Vec<&str> = spec.split_whitespace().collect();
        let [loc, code, sev, starts] = w[..] else {
            panic!(
                "{}: '# expect: FILE:LINE:COL EXIT SEVERITY starts|refuses'",
                file.display()
            );
        };
        assert!(matches!(starts, "starts" | "refuses"), "{}", file.display());
        out.push(Case {
            file,
            want_loc: loc.to_string(),
            want_exit: code.parse().expect("exit code"),
            want_severity: sev.to_string(),
            starts: starts == "starts",
        });
    }
    out
}

#[test]
fn corpus_is_large_enough() {
    assert!(
        cases().len() >= 40,
        "the issue asks for at least 40 broken configs"
    );
}

#[test]
fn every_broken_config_is_reported_where_it_is_broken() {
    let mut failures = Vec::new();
    for case in cases() {
        let out = Command::new(env!("CARGO_BIN_EXE_kad"))
            .args(["-t", "--no-env-check", "-f"])
            .arg(&case.file)
            .output()
            .expect("run kad");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        let dir = case.file.parent().unwrap_or(Path::new("."));
        let want = format!(
            "{}/{}: {}: ",
            dir.display(),
            case.want_loc,
            case.want_severity
        );
        let located = stderr.lines().any(|l| l.starts_with(&want));
        if !located || code != case.want_exit {
            failures.push(format!(
                "{}: want {} {} exit {}, got exit {code}:\n{stderr}",
                case.file.display(),
                case.want_loc,
                case.want_severity,
                case.want_exit
            ));
        }
        // Where keepalived refuses, kad does not start; where keepalived
        // corrects and runs, kad starts, unless --strict.
        let dump = |strict: bool| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_kad"));
            if strict {
                cmd.arg("--strict");
            }
            cmd.args(["--dump-config", "-f"])
                .arg(&case.file)
                .output()
                .expect("run kad")
                .status
                .success()
        };
        let starts = case.starts;
        if dump(false) != starts {
            failures.push(format!(
                "{}: --dump-config {} but kad should {}",
                case.file.display(),
                if starts { "fails" } else { "succeeds" },
                if starts { "start" } else { "refuse" },
            ));
        }
        if starts && dump(true) {
            failures.push(format!(
                "{}: --strict --dump-config succeeds on a {}",
                case.file.display(),
                case.want_severity
            ));
        }
        assert!(
            !stderr.contains("panicked"),
            "{}: kad panicked",
            case.file.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
