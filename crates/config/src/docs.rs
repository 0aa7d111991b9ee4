//! The keyword reference (`docs/configuration.md`), generated from the
//! parser's own keyword tables so that it cannot drift from them.

use crate::lower::table::{rows, DocRow, Support};
use crate::lower::{announce, check, global, lvs, vrrp, TOP};

/// Every block kind with its keywords, in the order of the reference.
pub fn all_rows() -> Vec<DocRow> {
    let mut v = rows("top level", &TOP);
    v.extend(rows("global_defs", global::GLOBAL_DEFS));
    v.extend(rows("track_file", global::TRACK_FILE));
    v.extend(rows("vrrp_track_process", global::TRACK_PROCESS));
    v.extend(rows("garp_group", global::GARP_GROUP));
    v.extend(rows("SSL", global::SSL));
    v.extend(rows("vrrp_script", vrrp::VRRP_SCRIPT));
    v.extend(rows("vrrp_sync_group", &vrrp::SYNC_GROUP));
    v.extend(rows("vrrp_instance", &vrrp::VRRP_INSTANCE));
    v.extend(rows("virtual_server", &lvs::VIRTUAL_SERVER));
    v.extend(rows("announce", &announce::ANNOUNCE));
    v.extend(rows("real_server", &lvs::REAL_SERVER));
    v.extend(rows("TCP_CHECK / PING_CHECK", &check::COMMON));
    v.extend(rows("HTTP_GET / SSL_GET", &check::HTTP));
    v.extend(rows("url", check_url_rows()));
    v.extend(rows("MISC_CHECK", &check::MISC));
    v.extend(rows("SMTP_CHECK", &check::SMTP));
    v.extend(rows("DNS_CHECK", &check::DNS));
    v.extend(rows("UDP_CHECK", &check::UDP));
    v.extend(rows("FILE_CHECK", &check::FILE));
    v
}

fn check_url_rows() -> &'static [crate::lower::table::Kw<crate::model::Url>] {
    check::url_table()
}

/// Render the reference as Markdown.
pub fn configuration_md() -> String {
    let mut out = String::from(
        "# kad configuration reference\n\n\
         kad reads keepalived's configuration language. This list is generated from the\n\
         parser's keyword tables (`cargo run -p kad -- --dump-keywords > docs/configuration.md`)\n\
         and a test fails when it differs from them.\n\n\
         Support: **acts** = read, and kad acts on it: the named test shows the effect\n\
         (`crates/config/tests/keyword_status.rs` fails when that test is gone or no longer\n\
         mentions the keyword); **untested** = read and used by the daemon, but no test shows\n\
         the effect yet; **inert** = read into the model, but nothing acts on it yet: each use\n\
         gives a note in `kad -t` and at start-up (kept in the model's `inert` list);\n\
         **deprecated** = read, with a warning naming the newer spelling; **not supported** =\n\
         deliberately left out (SNMP, DBus, BFD, keepalived's process internals): accepted,\n\
         kept in the model's `unsupported` list and reported as a note, but kad does not act on\n\
         it; the row and the note say what to use instead (`crates/config/src/instead.rs`). A\n\
         keyword not listed is reported as unknown at its line and skipped, as keepalived does.\n\
         **kad's own** = a keyword of kad's, not keepalived's: keepalived reports it as an\n\
         unknown keyword and skips it, so one configuration serves both\n\
         (`integration/tests/kad_own_keywords.rs`). The acts/untested/inert column is `crates/config/src/acts.rs`.\n\n\
         Blocks whose lines are lists rather than keywords (`virtual_ipaddress`,\n\
         `virtual_routes`, `static_*`, `track_*`, `unicast_peer`, `virtual_server_group`,\n\
         `notification_email`, `authentication`) take `ip`-command syntax as in keepalived.\n",
    );
    let mut context = "";
    for r in all_rows() {
        if r.context != context {
            context = r.context;
            out.push_str(&format!(
                "\n## {context}\n\n| keyword | support |\n|---|---|\n"
            ));
        }
        let s = match r.support {
            Support::Yes => match crate::acts::status(r.context, r.keyword) {
                Some(crate::acts::Status::Acts { test, .. }) => format!("acts (`{test}`)"),
                Some(crate::acts::Status::Untested) => "untested".to_string(),
                None => "inert".to_string(),
            },
            Support::Deprecated(instead) => format!("deprecated (use {instead})"),
            Support::Ignored => match crate::instead::advice(r.keyword) {
                Some(a) => format!("not supported: {a}"),
                None => "not supported".to_string(),
            },
        };
        let s = if r.own { format!("kad's own; {s}") } else { s };
        out.push_str(&format!("| `{}` | {s} |\n", r.keyword));
    }
    out
}
