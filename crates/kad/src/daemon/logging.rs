//! Where kad's log lines go, as keepalived's flags say: syslog (`/dev/log`,
//! keepalived's idents, unless `-G`), the console (`-l`), a file (`-g`).
//!
//! kad is one process where keepalived has three, so each line carries the
//! ident of the keepalived process that would have logged it:
//! `Keepalived_vrrp` for VRRP, `Keepalived_healthcheckers` for checkers and
//! IPVS, `Keepalived` for the rest (with `_NAMESPACE` after it under `-s`,
//! as keepalived's). In the foreground (`-n`) kad also logs to stderr unless
//! systemd's journal already reads it (`JOURNAL_STREAM`), so lines are not
//! written twice; that is kad's own (keepalived needs `-l`).

use crate::cli::Cli;
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

pub const SYSLOG_PATH: &str = "/dev/log";

const LOG_USER: u8 = 1;
const LOG_DAEMON: u8 = 3;
const LOG_LOCAL0: u8 = 16;

/// `-S`: `0`..`7` and `local0`..`local7` are LOG_LOCALn, `user`, `daemon`;
/// anything else is refused (keepalived says so and keeps `daemon`).
pub fn facility(s: &str) -> Option<u8> {
    let n = s.strip_prefix("local").unwrap_or(s);
    if let Ok(n) = n.parse::<u8>() {
        return (n <= 7).then_some(LOG_LOCAL0 + n);
    }
    match s {
        "daemon" => Some(LOG_DAEMON),
        "user" => Some(LOG_USER),
        _ => None,
    }
}

/// The keepalived process a line from `target` (a module path) belongs to.
pub fn ident_for(target: &str) -> &'static str {
    if target.contains("::engine") || target.contains("vrrp") {
        "Keepalived_vrrp"
    } else if ["::checks", "::lvs", "::sync_bulk", "ipvs", "::scripts"]
        .iter()
        .any(|t| target.contains(t))
    {
        "Keepalived_healthcheckers"
    } else {
        "Keepalived"
    }
}

fn severity(level: &tracing::Level) -> u8 {
    match *level {
        tracing::Level::ERROR => 3,
        tracing::Level::WARN => 4,
        tracing::Level::INFO => 6,
        _ => 7,
    }
}

/// One syslog datagram as glibc's `syslog(3)` sends it:
/// `<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE`.
pub fn datagram(pri: u8, stamp: &str, ident: &str, pid: u32, msg: &str) -> String {
    format!("<{pri}>{stamp} {ident}[{pid}]: {msg}")
}

/// The local time as syslog writes it (`Dec  2 04:51:09`).
fn stamp() -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: `tm` is plain data that localtime_r fills; both pointers are
    // valid for the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        tm
    };
    format!(
        "{} {:>2} {:02}:{:02}:{:02}",
        MON[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// Sends each log line to the syslog socket (re-resolved on every line, so
/// a restarted journald or rsyslog is found again; lost when none listens).
#[derive(Clone)]
pub struct Syslog {
    sock: std::sync::Arc<UnixDatagram>,
    path: PathBuf,
    facility: u8,
    suffix: String,
}

pub struct SyslogLine<'a> {
    to: &'a Syslog,
    pri: u8,
    ident: &'static str,
    buf: Vec<u8>,
}

impl Syslog {
    pub fn new(path: &Path, facility: u8, suffix: String) -> std::io::Result<Syslog> {
        Ok(Syslog {
            sock: std::sync::Arc::new(UnixDatagram::unbound()?),
            path: path.to_path_buf(),
            facility,
            suffix,
        })
    }
}

impl Write for SyslogLine<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SyslogLine<'_> {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let msg = text.trim_end();
        if msg.is_empty() {
            return;
        }
        let ident = format!("{}{}", self.ident, self.to.suffix);
        let d = datagram(
            self.to.facility * 8 + self.pri,
            &stamp(),
            &ident,
            std::process::id(),
            msg,
        );
        let _ = self.to.sock.send_to(d.as_bytes(), &self.to.path);
    }
}

impl<'a> MakeWriter<'a> for Syslog {
    type Writer = SyslogLine<'a>;
    fn make_writer(&'a self) -> SyslogLine<'a> {
        SyslogLine {
            to: self,
            pri: 6,
            ident: "Keepalived",
            buf: Vec::new(),
        }
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> SyslogLine<'a> {
        SyslogLine {
            to: self,
            pri: severity(meta.level()),
            ident: ident_for(meta.target()),
            buf: Vec::new(),
        }
    }
}

/// Whether kad writes its log to stderr.
pub fn console(cli: &Cli) -> bool {
    cli.log_console || (cli.dont_fork && std::env::var_os("JOURNAL_STREAM").is_none())
}

/// Set up the sinks the flags ask for; call after detaching.
pub fn init(cli: &Cli) {
    let level = if cli.log_detail { "debug" } else { "info" };
    let filter =
        || tracing_subscriber::EnvFilter::try_from_env("KAD_LOG").unwrap_or_else(|_| level.into());
    let stderr = console(cli).then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_target(false)
            .with_filter(filter())
    });
    let suffix = super::sides::ident_suffix(cli);
    let fac = cli
        .log_facility
        .as_deref()
        .map(|s| {
            facility(s).unwrap_or_else(|| {
                eprintln!("Invalid log facility '{s}'");
                LOG_DAEMON
            })
        })
        .unwrap_or(LOG_DAEMON);
    let syslog = (!cli.no_syslog)
        .then(|| Syslog::new(Path::new(SYSLOG_PATH), fac, suffix).ok())
        .flatten()
        .map(|w| {
            tracing_subscriber::fmt::layer()
                .with_writer(w)
                .without_time()
                .with_level(false)
                .with_ansi(false)
                .with_target(false)
                .with_filter(filter())
        });
    let file = cli.log_file.as_ref().and_then(|f| {
        let path = f.as_path();
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::sync::Mutex::new(file))
                    .with_ansi(false)
                    .with_target(false)
                    .with_filter(filter()),
            ),
            Err(e) => {
                eprintln!("kad: log file {}: {e}", path.display());
                None
            }
        }
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(syslog)
        .with(file)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facilities_as_keepalived_reads_them() {
        assert_eq!(facility("0"), Some(16));
        assert_eq!(facility("7"), Some(23));
        assert_eq!(facility("local3"), Some(19));
        assert_eq!(facility("daemon"), Some(3));
        assert_eq!(facility("user"), Some(1));
        assert_eq!(facility("8"), None);
        assert_eq!(facility("local8"), None);
        assert_eq!(facility("kern"), None);
    }

    #[test]
    fn idents_follow_keepalived_processes() {
        assert_eq!(ident_for("kad::daemon::engine"), "Keepalived_vrrp");
        assert_eq!(ident_for("kad::daemon::engine::reload"), "Keepalived_vrrp");
        assert_eq!(
            ident_for("kad::daemon::checks"),
            "Keepalived_healthcheckers"
        );
        assert_eq!(ident_for("kad::daemon::lvs"), "Keepalived_healthcheckers");
        assert_eq!(ident_for("kad::daemon"), "Keepalived");
    }

    #[test]
    fn a_datagram_as_syslog_3() {
        assert_eq!(
            datagram(3 * 8 + 6, "Dec  2 04:51:09", "Keepalived_vrrp", 42, "hello"),
            "<30>Dec  2 04:51:09 Keepalived_vrrp[42]: hello"
        );
    }

    #[test]
    fn lines_reach_a_listening_socket() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        let rx = UnixDatagram::bind(&p).unwrap();
        let s = Syslog::new(&p, LOG_LOCAL0 + 2, "_ns".into()).unwrap();
        {
            let mut w = s.make_writer();
            w.write_all(b"one line\n").unwrap();
        }
        let mut buf = [0u8; 512];
        let n = rx.recv(&mut buf).unwrap();
        let got = String::from_utf8_lossy(&buf[..n]).to_string();
        assert!(got.starts_with("<150>"), "{got}");
        assert!(
            got.ends_with(&format!(" Keepalived_ns[{}]: one line", std::process::id())),
            "{got}"
        );
    }
}
