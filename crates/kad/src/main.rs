//! kad: a keepalived-compatible LVS director.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod configtest;
mod daemon;
mod dist;
mod genhash;

use clap::Parser;

fn main() {
    // Signals first: one that arrives during start-up waits for its handler.
    daemon::signals::hold();
    // keepalived's `-T`: every later argument is genhash's.
    let mut args = std::env::args().skip(1);
    if let Some(a) = args.next() {
        if a == "-T" || a == "--genhash" {
            daemon::signals::unhold();
            std::process::exit(genhash::run(args.collect()));
        }
        if a == "--generate-dist" {
            std::process::exit(dist::run(args.collect()));
        }
    }
    let cli = cli::Cli::parse();
    let daemon = !(cli.version
        || cli.dump_keywords
        || cli.config_test
        || cli.dump_config
        || cli.signum.is_some());
    if !daemon {
        daemon::signals::unhold();
    }
    let code = if let Some(name) = &cli.signum {
        match daemon::signals::signum(name) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                eprintln!("Unknown sigfunc {name}");
                1
            }
        }
    } else if cli.version {
        println!("kad {}", env!("CARGO_PKG_VERSION"));
        0
    } else if cli.dump_keywords {
        print!("{}", kad_config::docs::configuration_md());
        0
    } else if cli.config_test {
        configtest::config_test(&cli)
    } else if cli.dump_config {
        configtest::dump_config(&cli)
    } else {
        daemon::run(&cli)
    };
    std::process::exit(code);
}
