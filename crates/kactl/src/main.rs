//! kactl: ask a running kad what it is doing.

use clap::{Parser, Subcommand};
use kactl::{client, render, Operator, Request, Response, DEFAULT_SOCKET};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "kactl", version, about = "Control and inspect a running kad")]
struct Cli {
    /// kad's control socket.
    #[arg(long, global = true, default_value = DEFAULT_SOCKET)]
    socket: PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// VRRP instances (and, later, virtual servers) with their state.
    Status {
        /// Print JSON (stable field names, see docs/operations.md).
        #[arg(long)]
        json: bool,
    },
    /// Replay the IPVS connection table to the sync backups now (the
    /// kernel's own sync skips connections that stay idle).
    SyncBulk {
        #[arg(long)]
        json: bool,
    },
    /// kad's own: weight 0 for a real server (its connections finish, no
    /// new ones come) until `enable`. VS and RS as `kactl status` shows
    /// them (`[10.0.0.1]:tcp:80`) or as ADDR:PORT.
    Drain { vs: String, rs: String },
    /// kad's own: take a real server out of IPVS until `enable`.
    Disable { vs: String, rs: String },
    /// kad's own: clear a drain or disable.
    Enable { vs: String, rs: String },
    /// kad's own: hand MASTER to the peer (make-before-break, as a
    /// planned stop) and stay BACKUP at priority 1 until
    /// `kactl priority INSTANCE --clear`.
    Failover { instance: String },
    /// kad's own: set the instance's priority (1-254) until cleared.
    Priority {
        instance: String,
        #[arg(required_unless_present = "clear", value_parser = clap::value_parser!(u8).range(1..=254))]
        priority: Option<u8>,
        /// Back to the configured priority.
        #[arg(long, conflicts_with = "priority")]
        clear: bool,
    },
    /// Re-read the configuration (as SIGHUP) and say what changed.
    Reload {
        #[arg(long)]
        json: bool,
    },
    /// Check the running daemon's configuration file, as `kad -t`.
    Check {
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    // kad's own, for packaging: the man page and completions.
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--generate-dist") {
        let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "dist".into()));
        let cmd = <Cli as clap::CommandFactory>::command();
        let extra = ".SH FILES\n.TP\n\\fI/run/kad/kad.sock\\fR\nkad's control socket (\\-\\-socket).\n.SH \"SEE ALSO\"\n\\fBkad\\fR(8)\n";
        if let Err(e) = kactl::dist::write(cmd, "8", extra, &dir) {
            eprintln!("kactl: {}: {e}", dir.display());
            std::process::exit(1);
        }
        std::process::exit(0);
    }
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::Status { json } => match client::request(&cli.socket, &Request::Status) {
            Ok(Response::Status(st)) => show(json, &st, render::status),
            other => failed(other),
        },
        Cmd::SyncBulk { json } => match client::request(&cli.socket, &Request::SyncBulk) {
            Ok(Response::SyncBulk(r)) => show(json, &r, render::sync_bulk),
            other => failed(other),
        },
        Cmd::Drain { vs, rs } => operator(&cli.socket, Operator::Drain { vs, rs }, false),
        Cmd::Disable { vs, rs } => operator(&cli.socket, Operator::Disable { vs, rs }, false),
        Cmd::Enable { vs, rs } => operator(&cli.socket, Operator::Enable { vs, rs }, false),
        Cmd::Failover { instance } => operator(&cli.socket, Operator::Failover { instance }, false),
        Cmd::Priority {
            instance, priority, ..
        } => operator(
            &cli.socket,
            Operator::Priority { instance, priority },
            false,
        ),
        Cmd::Reload { json } => operator(&cli.socket, Operator::Reload, json),
        Cmd::Check { json } => operator(&cli.socket, Operator::Check, json),
    };
    std::process::exit(code);
}

/// An operator command: print what was done; exit 1 if it was refused.
fn operator(socket: &std::path::Path, op: Operator, json: bool) -> i32 {
    match client::request(socket, &Request::Operator(op)) {
        Ok(Response::Done(d)) => {
            let code = show(json, &d, render::done);
            if d.ok {
                code
            } else {
                1
            }
        }
        other => failed(other),
    }
}

/// Print an answer as JSON or as text.
fn show<T: serde::Serialize>(json: bool, v: &T, text: fn(&T) -> String) -> i32 {
    if !json {
        print!("{}", text(v));
        return 0;
    }
    match serde_json::to_string_pretty(v) {
        Ok(s) => {
            println!("{s}");
            0
        }
        Err(e) => {
            eprintln!("kactl: {e}");
            1
        }
    }
}

fn failed(r: Result<Response, client::ClientError>) -> i32 {
    match r {
        Err(e) => eprintln!("kactl: {e}"),
        Ok(Response::Error { error }) => eprintln!("kactl: {error}"),
        Ok(_) => eprintln!("kactl: kad answered another request"),
    }
    1
}
