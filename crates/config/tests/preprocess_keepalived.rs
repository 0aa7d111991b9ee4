//! Pre-processor parity with Debian's keepalived 2.2.7: multi-line `$NAME=`
//! parameters holding `~SEQ`/`~LST` lines and further parameters, nested
//! repetitions, definitions made by expanded text, `@ID` lines inside
//! parameters and where a `$NAME` reference ends.
//!
//! Each configuration in `tests/data/preprocess/` is given to the real
//! `keepalived -t` and to kad's reader. The words that the expansion puts
//! where a keyword is expected are reported by both as unknown keywords,
//! each at the line it is reported at; the test compares the two lists in
//! order (word and line), the lines where `~SEQ`/`~LST` is refused, and
//! for the virtual server of issue 9, the real servers keepalived names
//! (its DR port warnings) with the `real_server` lines kad's pre-processor
//! produced.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_config::{load, LoadOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

const CONFIG_ID: &str = "kadtest";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/preprocess")
        .join(name)
}

fn keepalived() -> PathBuf {
    for dir in ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"] {
        let p = Path::new(dir).join("keepalived");
        if p.exists() {
            return p;
        }
    }
    panic!("keepalived 2.2.7 is needed (Debian package keepalived)");
}

/// One message of keepalived's: the file (its name) and line it names, and
/// its text.
type Msg = (String, u32, String);

/// `keepalived -t` on `file`: the messages of the process that reported
/// most (the parent and each child read the file; the checker process
/// alone looks inside virtual servers), and every other stderr line.
fn run_keepalived(file: &Path) -> (Vec<Msg>, Vec<String>) {
    let out = Command::new(keepalived())
        .arg("-t")
        .arg("-i")
        .arg(CONFIG_ID)
        .arg("-f")
        .arg(file)
        .output()
        .expect("keepalived runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut passes: Vec<Vec<Msg>> = Vec::new();
    let mut other = Vec::new();
    for l in stderr.lines() {
        // The parent names no file for the main one: "(Line N) msg". The
        // processes doing the work (reading the copy the parent wrote)
        // name it: "(FILE: Line N) msg".
        let parsed = l.strip_prefix('(').and_then(|r| {
            let (head, msg) = r.split_once(") ")?;
            let (f, n) = head.rsplit_once(": Line ")?;
            let name = Path::new(f).file_name()?.to_string_lossy().into_owned();
            Some((name, n.parse().ok()?, msg.to_string()))
        });
        let Some(m) = parsed else {
            other.push(l.to_string());
            continue;
        };
        // Each process reads the files from the top: a new pass starts
        // where the line number goes back in a file or the first message
        // recurs.
        let new_pass = match passes.last() {
            None => true,
            Some(p) => {
                p.last().is_some_and(|last| last.0 == m.0 && m.1 < last.1) || p.first() == Some(&m)
            }
        };
        if new_pass {
            passes.push(Vec::new());
        }
        passes.last_mut().unwrap().push(m);
    }
    let best = passes.into_iter().max_by_key(Vec::len).unwrap_or_default();
    (best, other)
}

fn unknown_word(msg: &str, prefix: &str) -> Option<String> {
    let rest = msg.strip_prefix(prefix)?;
    Some(rest[..rest.find('\'')?].to_string())
}

fn is_repeat_error(msg: &str) -> bool {
    msg.contains("~SEQ") || msg.contains("~LST")
}

struct Compared {
    ka: Vec<Msg>,
    ka_other: Vec<String>,
    kad: kad_config::Loaded,
}

/// Compare what keepalived and kad report for `name`.
fn compare(name: &str) -> Compared {
    let file = data(name);
    let (ka, ka_other) = run_keepalived(&file);
    let kad = load(
        &file,
        &LoadOptions {
            config_id: CONFIG_ID.into(),
        },
    );
    // By file and line (kad lists the main file's diagnostics first), in
    // the order given within a line.
    let mut ka_unknown: Vec<Msg> = ka
        .iter()
        .filter_map(|(f, n, m)| Some((f.clone(), *n, unknown_word(m, "Unknown keyword '")?)))
        .collect();
    ka_unknown.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let mut kad_unknown: Vec<Msg> = kad
        .diagnostics
        .iter()
        .filter_map(|d| {
            let l = d.location.as_ref()?;
            Some((
                l.file.file_name()?.to_string_lossy().into_owned(),
                l.line,
                unknown_word(&d.message, "unknown keyword '")?,
            ))
        })
        .collect();
    kad_unknown.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert!(
        !ka_unknown.is_empty(),
        "{name}: keepalived reported nothing"
    );
    assert_eq!(
        kad_unknown, ka_unknown,
        "{name}: the expanded words (and their files and lines) differ from keepalived's"
    );
    let mut ka_rep: Vec<u32> = ka
        .iter()
        .filter(|(_, _, m)| is_repeat_error(m))
        .map(|(_, n, _)| *n)
        .collect();
    ka_rep.dedup();
    let kad_rep: Vec<u32> = kad
        .diagnostics
        .iter()
        .filter(|d| d.is_error() && is_repeat_error(&d.message))
        .filter_map(|d| d.location.as_ref().map(|l| l.line))
        .collect();
    assert_eq!(
        kad_rep, ka_rep,
        "{name}: the lines where ~SEQ/~LST is refused differ"
    );
    Compared { ka, ka_other, kad }
}

#[test]
fn issue_9_multiline_parameter_with_seq_gives_eight_real_servers() {
    let c = compare("issue.conf");
    // The real servers keepalived built, as named by its DR port warnings.
    let ka_rs: Vec<(String, u16)> = c
        .ka_other
        .iter()
        .filter_map(|l| {
            let rest = l.split(" and real server [").nth(1)?;
            let (addr, rest) = rest.split_once("]:udp:")?;
            let port = rest.split_whitespace().next()?.parse().ok()?;
            Some((addr.to_string(), port))
        })
        .collect();
    assert_eq!(ka_rs.len(), 8, "{:?}", c.ka_other);
    // The real_server lines kad's pre-processor produced.
    let pre = kad_config::preprocess::run(
        &data("issue.conf"),
        &kad_config::preprocess::Options {
            config_id: CONFIG_ID.into(),
        },
    );
    let kad_rs: Vec<(String, u16)> = pre
        .text
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == "real_server").then_some(())?;
            Some((w.next()?.to_string(), w.next()?.parse().ok()?))
        })
        .collect();
    assert_eq!(kad_rs, ka_rs);
    // And the model holds them: no error, one virtual server, eight.
    assert!(!c.kad.has_errors(), "{:?}", c.kad.diagnostics);
    let vs = &c.kad.config.virtual_servers;
    assert_eq!(vs.len(), 1);
    let model: Vec<(String, u16)> = vs[0]
        .real_servers
        .iter()
        .map(|r| (r.addr.to_string(), r.port))
        .collect();
    assert_eq!(model.len(), 8);
    assert_eq!(
        model.iter().map(|r| &r.0).collect::<Vec<_>>(),
        ka_rs.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    // Inside the expansion, keepalived names the line of `$VS_SYSLOG`.
    assert!(c
        .ka
        .iter()
        .any(|(_, n, m)| *n == 24 && m.contains("rs_unknown_b518")));
}

#[test]
fn nested_multiline_parameters_lst_seq_and_conditionals() {
    let c = compare("nested.conf");
    assert!(c.ka.iter().any(|(_, _, m)| m.contains("grid_2_4")));
}

#[test]
fn reference_ends_and_repetition_arguments() {
    let c = compare("refs.conf");
    assert!(c
        .ka
        .iter()
        .any(|(_, _, m)| m.contains("Invalid ~SEQ values")));
}

#[test]
fn included_file_uses_and_defines_parameters() {
    let c = compare("include/main.conf");
    // Inside the included file keepalived names the included file.
    assert!(c
        .ka
        .iter()
        .any(|(f, n, m)| f == "sub.conf" && *n == 4 && m.contains("ml_b_2")));
    assert!(c
        .ka
        .iter()
        .any(|(f, _, m)| f == "main.conf" && m.contains("after_2")));
}
