//! The configuration language as keepalived reads it: includes, `@ID`,
//! parameters, repetition, quoting, comments, and where diagnostics point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

#[path = "../../../integration/src/samples.rs"]
mod samples;

use kad_config::{load, load_str, LoadOptions, Loaded};
use std::path::Path;

fn opts(id: &str) -> LoadOptions {
    LoadOptions {
        config_id: id.into(),
    }
}

fn parse(text: &str) -> Loaded {
    load_str(text, Path::new("/virtual/k.conf"), &opts("node"))
}

/// Warnings and errors (notes name inert keywords, see `acts.rs`).
fn problems(l: &Loaded) -> Vec<&kad_config::Diagnostic> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity >= kad_config::Severity::Warning)
        .collect()
}

fn locs(l: &Loaded) -> Vec<(String, u32, u32)> {
    problems(l)
        .into_iter()
        .filter_map(|d| d.location.as_ref())
        .map(|x| {
            (
                x.file.file_name().unwrap().to_string_lossy().into_owned(),
                x.line,
                x.col,
            )
        })
        .collect()
}

#[test]
fn include_glob_and_braces_relative_to_including_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("conf.d/sub")).unwrap();
    std::fs::write(
        d.join("main.conf"),
        "include conf.d/{a,b}.conf\ninclude conf.d/sub/*.conf\n",
    )
    .unwrap();
    std::fs::write(d.join("conf.d/a.conf"), "global_defs {\n router_id A\n}\n").unwrap();
    std::fs::write(
        d.join("conf.d/b.conf"),
        "vrrp_script s1 {\n script /bin/true\n}\n",
    )
    .unwrap();
    // Relative to conf.d/sub, not to main.conf.
    std::fs::write(d.join("conf.d/sub/x.conf"), "include ../../more/*.conf\n").unwrap();
    std::fs::create_dir_all(d.join("more")).unwrap();
    std::fs::write(
        d.join("more/y.conf"),
        "vrrp_script s2 {\n script /bin/false\n}\n",
    )
    .unwrap();
    let l = load(&d.join("main.conf"), &opts("n"));
    assert!(problems(&l).is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.config.global.router_id.as_deref(), Some("A"));
    let names: Vec<_> = l
        .config
        .vrrp_scripts
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["s1", "s2"]);
    assert_eq!(l.files.len(), 5);
}

#[test]
fn missing_include_is_a_warning_and_cycle_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.conf"), "include none/*.conf\ninclude b.conf\n").unwrap();
    std::fs::write(
        d.join("b.conf"),
        "global_defs { router_id B }\ninclude a.conf\n",
    )
    .unwrap();
    let l = load(&d.join("a.conf"), &opts("n"));
    let warn = l
        .diagnostics
        .iter()
        .find(|x| x.message.contains("none/*.conf"))
        .expect("missing include reported");
    assert_eq!(warn.severity, kad_config::Severity::Warning);
    let cycle = l
        .diagnostics
        .iter()
        .find(|x| x.message.contains("cycle"))
        .expect("cycle reported");
    assert!(cycle.is_error());
    let loc = cycle.location.as_ref().unwrap();
    assert_eq!(
        (
            loc.file.file_name().unwrap().to_str().unwrap(),
            loc.line,
            loc.col
        ),
        ("b.conf", 2, 9)
    );
    assert_eq!(l.config.global.router_id.as_deref(), Some("B"));
}

#[test]
fn braces_anywhere_comments_and_quotes() {
    let l = parse(
        "vrrp_script chk { script \"/bin/echo 'a b' \\\"c\\\"\"\n interval 2 }\n\
         vrrp_instance VI_1 { interface eth0 # comment { not a brace\n\
         virtual_router_id 3 ! another\n track_script { chk weight 5 }\n\
         virtual_ipaddress { 10.0.0.9 }\n}\n",
    );
    assert!(problems(&l).is_empty(), "{:?}", l.diagnostics);
    let s = &l.config.vrrp_scripts[0];
    assert_eq!(s.script.command, "/bin/echo 'a b' \"c\"");
    assert_eq!(s.script.argv, ["/bin/echo", "a b", "c"]);
    assert_eq!(s.interval.as_secs(), 2);
    let i = &l.config.vrrp_instances[0];
    assert_eq!(i.vrid.0, 3);
    assert_eq!(i.track.scripts[0].name, "chk");
    assert_eq!(i.track.scripts[0].weight.unwrap().0, 5);
}

#[test]
fn parameters_expand_and_keep_positions() {
    let l = parse(
        "$IF=eth7\n$PRIO=150\n$VIPS=10.0.0.1 \\\n10.0.0.2\n\
         vrrp_instance VI_1 {\n interface $IF\n priority ${PRIO}\n virtual_router_id 4\n\
         virtual_ipaddress {\n  $VIPS\n }\n advert_int $UNDEFINED\n}\n",
    );
    let i = &l.config.vrrp_instances[0];
    assert_eq!(i.interface.as_deref(), Some("eth7"));
    assert_eq!(i.priority.0, 150);
    let vips: Vec<String> = i
        .virtual_ipaddress
        .iter()
        .map(|a| a.addr.addr.to_string())
        .collect();
    assert_eq!(vips, ["10.0.0.1", "10.0.0.2"]);
    // The undefined parameter stays as written and is reported where the
    // `$` stands in the original line.
    assert_eq!(locs(&l), vec![("k.conf".into(), 12, 13)]);
}

#[test]
fn seq_and_lst_repeat_lines() {
    let l = parse(
        "~SEQ(n, 1, 2, 7) vrrp_script s$n { script /bin/true }\n\
         ~LST(x, a, b) vrrp_script t$x { script /bin/true }\n\
         ~LST({p,q}, {1,2}, {3,4}) vrrp_script u${p}$q { script /bin/true }\n\
         ~SEQx(h, 9, 1, 0xb) vrrp_script h$h { script /bin/true }\n",
    );
    let names: Vec<_> = l
        .config
        .vrrp_scripts
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["s1", "s3", "s5", "s7", "ta", "tb", "u12", "u34", "h9", "ha", "hb"]
    );
    assert!(problems(&l).is_empty(), "{:?}", l.diagnostics);
}

#[test]
fn conditional_lines() {
    let text = "@a global_defs { router_id A }\n@^a global_defs { router_id notA }\n";
    let a = load_str(text, Path::new("/v/k.conf"), &opts("a"));
    assert_eq!(a.config.global.router_id.as_deref(), Some("A"));
    let b = load_str(text, Path::new("/v/k.conf"), &opts("b"));
    assert_eq!(b.config.global.router_id.as_deref(), Some("notA"));
}

#[test]
fn unknown_keywords_are_reported_and_skipped_with_their_block() {
    let l = parse("global_defs {\n  frobnicate {\n    router_id X\n  }\n  router_id Y\n}\n");
    // keepalived reports every line of the unknown block, and so does kad.
    assert_eq!(
        locs(&l),
        vec![
            ("k.conf".into(), 2, 3),
            ("k.conf".into(), 3, 5),
            ("k.conf".into(), 4, 3)
        ]
    );
    assert!(l.config.global.router_id.is_some());
}

#[test]
fn could_keywords_are_kept_as_unsupported_with_a_note() {
    let l = parse("global_defs {\n  enable_snmp_vrrp\n}\nnamespace_with_ipsets\n");
    let kws: Vec<_> = l
        .config
        .unsupported
        .iter()
        .map(|u| (u.keyword.as_str(), u.line))
        .collect();
    assert_eq!(kws, [("enable_snmp_vrrp", 2), ("namespace_with_ipsets", 4)]);
    assert!(l
        .diagnostics
        .iter()
        .all(|d| d.severity == kad_config::Severity::Note));
    assert_eq!(l.exit_code(), 0);
}

#[test]
fn diagnostics_render_with_caret() {
    let l = parse("vrrp_instance VI_1 {\n\tinterface eth0\n\tvirtual_router_id 999\n}\n");
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("outside range"))
        .expect("range error");
    let s = d.to_string();
    assert!(
        s.starts_with("/virtual/k.conf:3:20: warning: number '999' outside range [1, 255]"),
        "{s}"
    );
    assert!(
        s.contains("3 | \tvirtual_router_id 999\n  | \t                  ^"),
        "{s}"
    );
}

#[test]
fn serde_round_trip_of_every_sample() {
    for p in samples::configs() {
        let l = load(&p, &opts("high"));
        let json = serde_json::to_string(&l.config).unwrap();
        let back: kad_config::Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l.config, "{}", p.display());
    }
}
