//! `kad -t` and `kad --dump-config`.

use crate::cli::Cli;
use kad_config::{exit, Class, LoadOptions, Loaded, Severity};
use std::io::Write;

pub fn load(cli: &Cli) -> Loaded {
    let opts = match &cli.config_id {
        Some(id) => LoadOptions {
            config_id: id.clone(),
        },
        None => LoadOptions::default(),
    };
    let mut loaded = kad_config::load(&cli.file, &opts);
    if cli.strict {
        kad_config::make_strict(&mut loaded.diagnostics);
    }
    loaded
}

fn missing_file(loaded: &Loaded) -> bool {
    loaded
        .diagnostics
        .iter()
        .any(|d| d.class == Class::Environment && d.is_error() && d.location.is_none())
}

/// Print every diagnostic to stderr; return the `-t` exit code.
pub fn config_test(cli: &Cli) -> i32 {
    let mut loaded = load(cli);
    if !cli.no_env_check && !missing_file(&loaded) {
        loaded.check_environment();
    }
    report(&loaded);
    loaded.exit_code()
}

pub fn report(loaded: &Loaded) {
    report_to(loaded, &mut std::io::stderr().lock());
}

/// `kad -t` of an already read file: the environment checks added, the
/// report written to `out`; the exit code `-t` would give.
pub fn check_into(mut loaded: Loaded, out: &mut dyn Write) -> i32 {
    if !missing_file(&loaded) {
        loaded.check_environment();
    }
    report_to(&loaded, out);
    loaded.exit_code()
}

fn report_to(loaded: &Loaded, err: &mut dyn Write) {
    for d in &loaded.diagnostics {
        let _ = writeln!(err, "{d}");
    }
    let (e, w) = loaded
        .diagnostics
        .iter()
        .fold((0, 0), |(e, w), d| match d.severity {
            Severity::Error => (e + 1, w),
            Severity::Warning => (e, w + 1),
            Severity::Note => (e, w),
        });
    if e + w > 0 {
        let _ = writeln!(err, "{e} error(s), {w} warning(s)");
    }
}

pub fn dump_config(cli: &Cli) -> i32 {
    let loaded = load(cli);
    report(&loaded);
    if missing_file(&loaded) {
        return exit::CANNOT_RUN;
    }
    match serde_json::to_string_pretty(&loaded.config) {
        Ok(s) => {
            println!("{s}");
            if loaded.has_errors() {
                exit::CONFIG
            } else {
                exit::OK
            }
        }
        Err(e) => {
            eprintln!("cannot serialise the configuration: {e}");
            1
        }
    }
}
