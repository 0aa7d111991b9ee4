//! The status column of the keyword reference is true:
//! - every "acts" row names a test that exists (a `#[test]` function at
//!   `path::name`) and whose code (with the helpers of its file it uses,
//!   or the configuration file the row names) mentions the keyword;
//! - every row names a keyword the tables read;
//! - every inert keyword, met in a configuration, gives a note and lands in
//!   `Config::inert`, and an acting one does not;
//! - every ignored (not supported) keyword says what to use instead, in its
//!   note and its row, and every such line is for an ignored keyword.

use kad_config::acts::{status, Status, STATUS};
use kad_config::docs::{all_rows, configuration_md};
use kad_config::instead::{advice, INSTEAD};
use kad_config::lower::table::Support;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The functions of a Rust file: name → (attributes just above, body).
fn functions(text: &str) -> HashMap<String, (String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let indent = &l[..l.len() - t.len()];
        let t = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        let t = t.strip_prefix("async ").unwrap_or(t);
        let Some(rest) = t.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        let end = (i + 1..lines.len())
            .find(|&j| lines[j] == close)
            .unwrap_or(lines.len());
        let body = lines[i..end].join("\n");
        let attrs = lines[..i]
            .iter()
            .rev()
            .take_while(|a| a.trim_start().starts_with("#[") || a.trim_start().starts_with("//"))
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(name, (attrs, body));
    }
    out
}

/// `word` stands in `text` on its own (not inside a longer name).
fn mentions(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(part)
            && !text[i + word.len()..].chars().next().is_some_and(part)
    })
}

/// The code a test runs: its body and the bodies of the functions of its
/// file it uses (and those they use).
fn test_text(test: &str) -> Result<String, String> {
    let (path, name) = test
        .rsplit_once("::")
        .ok_or_else(|| format!("'{test}' is not path::test_name"))?;
    let text =
        std::fs::read_to_string(workspace().join(path)).map_err(|e| format!("{path}: {e}"))?;
    let fns = functions(&text);
    let (attrs, body) = fns
        .get(name)
        .ok_or_else(|| format!("{path} has no fn {name}"))?;
    if !attrs.contains("#[test]") && !attrs.contains("#[tokio::test") {
        return Err(format!("{path}::{name} is not a #[test]"));
    }
    // The functions of the file it uses, and those they use.
    let mut all = body.clone();
    let mut used: HashSet<&str> = HashSet::from([name]);
    let mut todo = vec![body.as_str()];
    while let Some(b) = todo.pop() {
        for (other, (_, ob)) in &fns {
            if !used.contains(other.as_str()) && mentions(b, other) {
                used.insert(other);
                all.push('\n');
                all.push_str(ob);
                todo.push(ob);
            }
        }
    }
    Ok(all)
}

#[test]
fn every_acting_keyword_names_a_test_that_mentions_it() {
    let read: HashSet<(&str, &str)> = all_rows()
        .iter()
        .filter(|r| r.support == Support::Yes)
        .map(|r| (r.context, r.keyword))
        .collect();
    let mut seen = HashSet::new();
    let mut failures = Vec::new();
    for &(context, keyword, st) in STATUS {
        if !read.contains(&(context, keyword)) {
            failures.push(format!(
                "{context} / {keyword}: not a keyword the tables read"
            ));
        }
        if !seen.insert((context, keyword)) {
            failures.push(format!("{context} / {keyword}: listed twice"));
        }
        let Status::Acts { test, config } = st else {
            continue;
        };
        let mut text = match test_text(test) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{context} / {keyword}: {e}"));
                continue;
            }
        };
        if let Some(cfg) = config {
            let stem = Path::new(cfg)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !mentions(&text, &stem) {
                failures.push(format!("{context} / {keyword}: {test} does not use {cfg}"));
            }
            match std::fs::read_to_string(workspace().join(cfg)) {
                Ok(t) => text.push_str(&t),
                Err(e) => failures.push(format!("{context} / {keyword}: {cfg}: {e}")),
            }
        }
        if !mentions(&text, keyword) {
            failures.push(format!(
                "{context} / {keyword}: {test} does not mention '{keyword}'"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `inner` placed in a block of `context`.
fn wrap(context: &str, inner: &str) -> String {
    let rs = |body: &str| {
        format!("virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n{body}\n}}\n}}")
    };
    match context {
        "top level" => inner.to_string(),
        "global_defs" => format!("global_defs {{\n{inner}\n}}"),
        "vrrp_instance" => format!("vrrp_instance V {{\n virtual_router_id 1\n{inner}\n}}"),
        "vrrp_sync_group" => format!("vrrp_sync_group G {{\n{inner}\n}}"),
        "vrrp_script" => format!("vrrp_script S {{\n{inner}\n}}"),
        "track_file" => format!("track_file T {{\n{inner}\n}}"),
        "vrrp_track_process" => format!("vrrp_track_process P {{\n{inner}\n}}"),
        "garp_group" => format!("garp_group {{\n{inner}\n}}"),
        "SSL" => format!("SSL {{\n{inner}\n}}"),
        "virtual_server" => format!("virtual_server 10.0.0.1 80 {{\n{inner}\n}}"),
        "announce" => format!("virtual_server 10.0.0.1 80 {{\n announce {{\n{inner}\n}}\n}}"),
        "real_server" => rs(inner),
        "url" => rs(&format!(" HTTP_GET {{\n url {{\n{inner}\n}}\n}}")),
        "HTTP_GET / SSL_GET" => rs(&format!(" HTTP_GET {{\n{inner}\n}}")),
        "TCP_CHECK / PING_CHECK" => rs(&format!(" TCP_CHECK {{\n{inner}\n}}")),
        checker => rs(&format!(" {checker} {{\n{inner}\n}}")),
    }
}

#[test]
fn inert_keywords_give_a_note_and_acting_ones_do_not() {
    let mut failures = Vec::new();
    let mut inert = 0;
    for row in all_rows().iter().filter(|r| r.support == Support::Yes) {
        let text = wrap(row.context, &format!("{} 1", row.keyword));
        let l = kad_config::load_str(&text, Path::new("/v/k.conf"), &Default::default());
        let noted = l.diagnostics.iter().any(|d| {
            d.severity == kad_config::Severity::Note
                && d.message.starts_with(&format!(
                    "'{}' is read but kad does not act on it",
                    row.keyword
                ))
        });
        let listed = l.config.inert.iter().any(|u| u.keyword == row.keyword);
        let want = status(row.context, row.keyword).is_none();
        inert += usize::from(want);
        if noted != want || listed != want {
            failures.push(format!(
                "{} / {}: inert {want}, noted {noted}, listed {listed}",
                row.context, row.keyword
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every keyword kad reads acts; a new one that does not is a failure here
    // until it acts (the note machinery stays for it).
    assert_eq!(inert, 0, "{inert} inert keywords");
}

#[test]
fn every_ignored_keyword_says_what_to_use_instead() {
    let rows = all_rows();
    let ignored: Vec<_> = rows
        .iter()
        .filter(|r| r.support == Support::Ignored)
        .collect();
    assert!(
        !ignored.is_empty(),
        "no ignored keyword: the test is vacuous"
    );
    let names: HashSet<&str> = ignored.iter().map(|r| r.keyword).collect();
    let mut failures = Vec::new();
    let mut seen = HashSet::new();
    for &(keyword, line) in INSTEAD {
        if !names.contains(keyword) {
            failures.push(format!("{keyword}: has advice but no table ignores it"));
        }
        if !seen.insert(keyword) {
            failures.push(format!("{keyword}: advice given twice"));
        }
        // A Markdown table cell on one line.
        if line.trim().is_empty() || line.contains(['|', '\n']) {
            failures.push(format!(
                "{keyword}: advice is empty or breaks the table: {line:?}"
            ));
        }
    }
    let md = configuration_md();
    for row in &ignored {
        let Some(line) = advice(row.keyword) else {
            failures.push(format!(
                "{} / {}: ignored, but instead.rs says nothing about what to use instead",
                row.context, row.keyword
            ));
            continue;
        };
        let text = wrap(row.context, &format!("{} 1", row.keyword));
        let l = kad_config::load_str(&text, Path::new("/v/k.conf"), &Default::default());
        let note = format!(
            "'{}' is accepted but not supported by kad; ignored: {line}",
            row.keyword
        );
        if !l
            .diagnostics
            .iter()
            .any(|d| d.severity == kad_config::Severity::Note && d.message == note)
        {
            failures.push(format!(
                "{} / {}: no note \"{note}\"",
                row.context, row.keyword
            ));
        }
        if !l
            .config
            .unsupported
            .iter()
            .any(|u| u.keyword == row.keyword)
        {
            failures.push(format!(
                "{} / {}: not in Config::unsupported",
                row.context, row.keyword
            ));
        }
        let cell = format!("| `{}` | not supported: {line} |", row.keyword);
        if !md.lines().any(|l| l == cell) {
            failures.push(format!(
                "{} / {}: the reference has no row {cell}",
                row.context, row.keyword
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
