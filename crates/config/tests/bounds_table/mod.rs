//! The table of keepalived 2.2.7's bounds (`tests/data/keepalived_bounds.tsv`)
//! and the configurations that probe it, shared by kad's test
//! (`tests/bounds.rs`) and the one against Debian's keepalived
//! (`integration/tests/keepalived_bounds.rs`).

use std::path::{Path, PathBuf};

pub struct Row {
    pub context: String,
    pub keyword: String,
    pub min: String,
    pub max: String,
    pub unit: String,
    pub outside: String,
    pub source: String,
}

/// The table, from the config crate or from the integration crate.
pub fn table_path() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("tests/data/keepalived_bounds.tsv"),
        here.join("../crates/config/tests/data/keepalived_bounds.tsv"),
    ]
    .into_iter()
    .find(|p| p.exists())
    .expect("keepalived_bounds.tsv")
}

pub fn rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).expect("bounds table");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("context\t") && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 7, "row: {l}");
            Row {
                context: c[0].into(),
                keyword: c[1].into(),
                min: c[2].into(),
                max: c[3].into(),
                unit: c[4].into(),
                outside: c[5].into(),
                source: c[6].into(),
            }
        })
        .collect()
}

/// `value` one step beyond `bound` (`dir` -1 below, +1 above) in the row's
/// unit: 1 µs for decimals, 1 for whole numbers.
pub fn step(bound: &str, unit: &str, dir: i128) -> String {
    if unit == "us" {
        let (i, f) = bound.split_once('.').unwrap_or((bound, ""));
        let mut f = f.to_string();
        while f.len() < 6 {
            f.push('0');
        }
        let us: i128 =
            i.parse::<i128>().expect("int") * 1_000_000 + f.parse::<i128>().expect("frac");
        let v = us + dir;
        if v < 0 {
            return "-1".into();
        }
        format!("{}.{:06}", v / 1_000_000, v % 1_000_000)
    } else {
        (bound.parse::<i128>().expect("bound") + dir).to_string()
    }
}

/// A configuration with `keyword value` in the row's block; the line it
/// is on.
pub fn config(row: &Row, value: &str) -> (String, u32) {
    let kv = format!("{} {value}", row.keyword);
    let vs = |inner: &str| {
        format!(
            "virtual_server 10.0.0.1 80 {{\n  real_server 10.0.0.2 80 {{\n{inner}\n  }}\n  protocol TCP\n  lb_algo rr\n}}\n"
        )
    };
    match row.context.as_str() {
        "global_defs" => (format!("global_defs {{\n  router_id x\n  {kv}\n}}\n"), 3),
        "vrrp_instance" => (
            format!(
                "vrrp_instance VI {{\n  interface eth0\n  {kv}\n  virtual_router_id 9\n  virtual_ipaddress {{\n    10.0.0.1\n  }}\n}}\n"
            ),
            3,
        ),
        "vrrp_script" => (
            format!("vrrp_script S {{\n  script /bin/true\n  {kv}\n}}\n"),
            3,
        ),
        "vrrp_track_process" => (
            format!("vrrp_track_process P {{\n  process foo\n  {kv}\n}}\n"),
            3,
        ),
        "virtual_server" => (
            format!(
                "virtual_server 10.0.0.1 80 {{\n  protocol TCP\n  {kv}\n  lb_algo rr\n  real_server 10.0.0.2 80 {{\n  }}\n}}\n"
            ),
            3,
        ),
        "real_server" => (vs(&format!("    {kv}")), 3),
        "TCP_CHECK" => (vs(&format!("    TCP_CHECK {{\n      {kv}\n    }}")), 4),
        "MISC_CHECK" => (
            vs(&format!(
                "    MISC_CHECK {{\n      {kv}\n      misc_path /bin/true\n    }}"
            )),
            4,
        ),
        "UDP_CHECK" => (vs(&format!("    UDP_CHECK {{\n      {kv}\n    }}")), 4),
        other => panic!("no block for context {other}"),
    }
}

/// The probes of a row: (value, accepted without a word). A 0 keepalived
/// sets to 1 is in its range but reported.
pub fn probes(row: &Row) -> Vec<(String, bool)> {
    let zero_to_one = row.outside.contains("0 set to 1") && row.min == "0";
    vec![
        (row.min.clone(), !zero_to_one),
        (row.max.clone(), true),
        (step(&row.min, &row.unit, -1), false),
        (step(&row.max, &row.unit, 1), false),
    ]
}
