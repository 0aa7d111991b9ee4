//! kactl: ask a running kad what it is doing.

use clap::{Parser, Subcommand};
use kactl::{client, render, Request, Response, DEFAULT_SOCKET};
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
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::Status { json } => match client::request(&cli.socket, &Request::Status) {
            Ok(Response::Status(st)) => {
                if json {
                    match serde_json::to_string_pretty(&st) {
                        Ok(s) => println!("{s}"),
                        Err(e) => eprintln!("kactl: {e}"),
                    }
                } else {
                    print!("{}", render::status(&st));
                }
                0
            }
            other => failed(other),
        },
        Cmd::SyncBulk { json } => match client::request(&cli.socket, &Request::SyncBulk) {
            Ok(Response::SyncBulk(r)) => {
                if json {
                    match serde_json::to_string_pretty(&r) {
                        Ok(s) => println!("{s}"),
                        Err(e) => eprintln!("kactl: {e}"),
                    }
                } else {
                    print!("{}", render::sync_bulk(&r));
                }
                0
            }
            other => failed(other),
        },
    };
    std::process::exit(code);
}

fn failed(r: Result<Response, client::ClientError>) -> i32 {
    match r {
        Err(e) => eprintln!("kactl: {e}"),
        Ok(Response::Error { error }) => eprintln!("kactl: {error}"),
        Ok(_) => eprintln!("kactl: kad answered another request"),
    }
    1
}
