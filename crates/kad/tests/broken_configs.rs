//! The corpus of broken configurations: each case names, in its first
//! line, the `file:line:col` kad must report and the exit code of
//! `kad -t --no-env-check`.
//!
//! A case is a `*.conf` file in `tests/broken/`, or a directory there whose
//! `main.conf` is the case (for includes).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    file: PathBuf,
    want_loc: String,
    want_exit: i32,
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
        let (loc, code) = spec
            .rsplit_once(' ')
            .expect("'# expect: FILE:LINE:COL EXIT'");
        out.push(Case {
            file,
            want_loc: loc.to_string(),
            want_exit: code.parse().expect("exit code"),
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
        let want = format!("{}/{}: ", dir.display(), case.want_loc);
        let located = stderr.lines().any(|l| l.starts_with(&want));
        if !located || code != case.want_exit {
            failures.push(format!(
                "{}: want {} exit {}, got exit {code}:\n{stderr}",
                case.file.display(),
                case.want_loc,
                case.want_exit
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
