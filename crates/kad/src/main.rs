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
    // keepalived's `-T`: every later argument is genhash's.
    let mut args = std::env::args().skip(1);
    if let Some(a) = args.next() {
        if a == "-T" || a == "--genhash" {
            std::process::exit(genhash::run(args.collect()));
        }
        if a == "--generate-dist" {
            std::process::exit(dist::run(args.collect()));
        }
    }
    let cli = cli::Cli::parse();
    let code = if cli.version {
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
