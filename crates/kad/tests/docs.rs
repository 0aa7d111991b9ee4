//! `docs/configuration.md` is generated from the parser's keyword tables;
//! this fails when the two differ (regenerate with
//! `cargo run -p kad -- --dump-keywords > docs/configuration.md`).

#[test]
fn configuration_reference_matches_the_parser() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/configuration.md");
    let on_disk = std::fs::read_to_string(&path).expect("docs/configuration.md");
    let generated = kad_config::docs::configuration_md();
    assert!(
        on_disk == generated,
        "docs/configuration.md is stale: regenerate it with kad --dump-keywords"
    );
}

#[test]
fn every_documented_keyword_is_accepted_where_documented() {
    // A keyword of the reference, put in a block of its kind, must never be
    // reported as unknown.
    for row in kad_config::docs::all_rows() {
        let wrap = |inner: &str| -> String {
            match row.context {
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
                "announce" => {
                    format!("virtual_server 10.0.0.1 80 {{\n announce {{\n{inner}\n}}\n}}")
                }
                "real_server" => format!(
                    "virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n{inner}\n}}\n}}"
                ),
                ctx => {
                    let checker = match ctx {
                        "url" => return format!("virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n HTTP_GET {{\n url {{\n{inner}\n}}\n}}\n}}\n}}"),
                        "HTTP_GET / SSL_GET" => "HTTP_GET",
                        "TCP_CHECK / PING_CHECK" => "TCP_CHECK",
                        other => other,
                    };
                    format!("virtual_server 10.0.0.1 80 {{\n real_server 10.0.0.2 80 {{\n {checker} {{\n{inner}\n}}\n}}\n}}")
                }
            }
        };
        let text = wrap(&format!("{} 1", row.keyword));
        let l = kad_config::load_str(
            &text,
            std::path::Path::new("/v/k.conf"),
            &Default::default(),
        );
        let unknown: Vec<_> = l
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("unknown keyword"))
            .collect();
        assert!(
            unknown.is_empty(),
            "{} in {}: {:?}",
            row.keyword,
            row.context,
            unknown
        );
    }
}

/// README's configurations (a VRRP pair, an ECMP group) are clean for
/// `kad -t`: the ones an operator copies first.
#[test]
fn readme_configurations_pass_kad_t() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let blocks: Vec<&str> = readme
        .split("```\n")
        .filter(|b| b.starts_with("global_defs {"))
        .collect();
    assert_eq!(blocks.len(), 2, "the VRRP pair and the ECMP group");
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, b) in blocks.iter().enumerate() {
        let f = dir.path().join(format!("readme{i}.conf"));
        std::fs::write(&f, b).expect("write");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kad"))
            .args(["-t", "--no-env-check", "-f"])
            .arg(&f)
            .output()
            .expect("kad -t");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{b}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
