//! `kad --generate-dist DIR` (kad's own, for packaging): kad(8) and the
//! shell completions from the clap definitions, kad.conf(5) from the
//! configuration reference.

use clap::CommandFactory;
use std::path::PathBuf;

const EXTRA: &str = r#".SH FILES
.TP
\fI/etc/keepalived/keepalived.conf\fR
The configuration (\-f), keepalived's language: see \fBkad.conf\fR(5).
.TP
\fI/run/kad.pid\fR
The pid file (\-p), locked while kad runs: a second kad with the same pid file, or the same control socket, stops with an error naming the running one.
.TP
\fI/run/kad/kad.sock\fR
The control socket (\-\-socket) that \fBkactl\fR(8) talks to.
.TP
\fI/dev/log\fR
Syslog, unless \-G, with keepalived's idents (Keepalived, Keepalived_vrrp, Keepalived_healthcheckers).
.SH SYSTEMD
The unit \fIkad.service\fR runs kad with \-\-dont\-fork (options from \fI/etc/default/kad\fR, DAEMON_ARGS); kad tells systemd READY=1 once the instances have their initial states, RELOADING=1 and READY=1 around a reload (SIGHUP, systemctl reload), STOPPING=1, WATCHDOG=1 at half of WatchdogSec, and a STATUS= line with the instances' states.
.SH "SEE ALSO"
\fBkactl\fR(8), \fBkad.conf\fR(5), \fBkeepalived\fR(8)
"#;

pub fn run(args: Vec<String>) -> i32 {
    let dir = PathBuf::from(args.first().map_or("dist", String::as_str));
    let conf = kactl::dist::markdown_man(
        "kad.conf",
        "configuration of kad (keepalived's language)",
        &kad_config::docs::configuration_md(),
    );
    let r = kactl::dist::write(crate::cli::Cli::command(), "8", EXTRA, &dir)
        .and_then(|()| std::fs::write(dir.join("man/kad.conf.5"), conf));
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kad: {}: {e}", dir.display());
            1
        }
    }
}
