//! The line numbers a configuration checker reports: keepalived's
//! `(FILE: Line N) msg` and kad's `FILE:LINE:COL: severity: msg`, so the
//! tests can compare what the two say about the same file.

use std::collections::BTreeSet;

/// Line numbers in keepalived's `(FILE: Line N) msg` / `(Line N) msg`,
/// leaving out what it says about interfaces this machine lacks.
pub fn keepalived_lines(stderr: &str) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    for l in stderr.lines() {
        let about_interface = (l.contains("interface")
            && (l.contains("doesn't exist") || l.contains("loopback")))
            || l.contains("Non-existent interface")
            || l.contains("Unknown interface");
        if about_interface {
            continue;
        }
        let Some(rest) = l.strip_prefix('(') else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let inside = &rest[..close];
        if let Some(i) = inside.rfind("Line ") {
            if let Ok(n) = inside[i + 5..].trim().parse() {
                out.insert(n);
            }
        }
    }
    out
}

/// Line numbers in kad's `FILE:LINE:COL: severity: msg`.
pub fn kad_lines(stderr: &str) -> BTreeSet<u32> {
    stderr
        .lines()
        .filter_map(|l| {
            let mut parts = l.split(':');
            let _file = parts.next()?;
            let line = parts.next()?.parse().ok()?;
            let _col: u32 = parts.next()?.parse().ok()?;
            Some(line)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        let ka = "(/x/k.conf: Line 7) number '300' outside range\n\
                  (Line 9) Unknown keyword 'foo'\n\
                  (k.conf: Line 3) WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist\nno line here\n";
        assert_eq!(keepalived_lines(ka), BTreeSet::from([7, 9]));
        let kad = "k.conf:7:21: warning: x\n7 |   virtual_router_id 300\nk.conf:9:1: note: y\n";
        assert_eq!(kad_lines(kad), BTreeSet::from([7, 9]));
    }
}
