//! Issue 9 point 2: every numeric keyword kad reads takes exactly keepalived
//! 2.2.7's range (`tests/data/keepalived_bounds.tsv`, each row naming the
//! keepalived function it comes from): the bounds are accepted without a
//! word, one step beyond either is reported as a warning (keepalived
//! reports it and carries on) on the keyword's line, never an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

mod bounds_table;

use bounds_table::{config, probes, rows, table_path};
use kad_config::{load_str, LoadOptions, Severity};
use std::path::Path;

#[test]
fn kad_takes_keepalived_bounds() {
    let rows = rows(&table_path());
    assert!(rows.len() >= 60, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        assert!(
            row.source.contains(".c ") && !row.outside.is_empty(),
            "{}: every row names its source",
            row.keyword
        );
        for (value, inside) in probes(row) {
            let (text, line) = config(row, &value);
            let l = load_str(
                &text,
                Path::new("/v/k.conf"),
                &LoadOptions {
                    config_id: "x".into(),
                },
            );
            let here: Vec<_> = l
                .diagnostics
                .iter()
                .filter(|d| d.location.as_ref().is_some_and(|loc| loc.line == line))
                .filter(|d| d.severity >= Severity::Warning)
                // VRRPv2 rounds a fractional advert_int (keepalived says
                // so without a line): not about the range.
                .filter(|d| !d.message.contains("whole seconds"))
                .collect();
            let ok = if inside {
                here.is_empty()
            } else {
                !here.is_empty() && here.iter().all(|d| d.severity == Severity::Warning)
            };
            if !ok {
                failures.push(format!(
                    "{} {} {value} (keepalived: [{}, {}] {}, {}): {:?}",
                    row.context,
                    row.keyword,
                    row.min,
                    row.max,
                    row.unit,
                    row.source,
                    here.iter().map(|d| d.to_string()).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
