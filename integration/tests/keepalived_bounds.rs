//! Issue 9 point 2, against the real thing: the bounds table kad is tested
//! with (`crates/config/tests/data/keepalived_bounds.tsv`) is what Debian's
//! keepalived 2.2.7 does — `keepalived -t` accepts each bound without a
//! word on the keyword's line and reports one step beyond either.

#[path = "../../crates/config/tests/bounds_table/mod.rs"]
mod bounds_table;

use bounds_table::{config, probes, rows, table_path};
use kad_integration::require;
use std::process::Command;

/// Does keepalived's `-t` output name `(FILE: Line N)`?
fn reports_line(stderr: &str, line: u32) -> bool {
    let tag = format!("Line {line})");
    stderr
        .lines()
        .any(|l| l.starts_with('(') && l.contains(&tag))
}

#[test]
fn keepalived_takes_the_bounds_of_the_table() {
    let keepalived = require("keepalived");
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = rows(&table_path());
    assert!(rows.len() >= 60);
    let mut failures = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        for (j, (value, inside)) in probes(row).into_iter().enumerate() {
            let (text, line) = config(row, &value);
            let path = dir.path().join(format!("b{i}_{j}.conf"));
            std::fs::write(&path, &text).expect("write");
            let out = Command::new(&keepalived)
                .arg("-t")
                .arg("-f")
                .arg(&path)
                .output()
                .expect("keepalived -t");
            let err = String::from_utf8_lossy(&out.stderr);
            if reports_line(&err, line) == inside {
                failures.push(format!(
                    "{} {} {value}: the table ({}) says {}, keepalived:\n{err}",
                    row.context,
                    row.keyword,
                    row.source,
                    if inside { "accepted" } else { "reported" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
