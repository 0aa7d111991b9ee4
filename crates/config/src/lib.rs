//! kad's configuration: keepalived.conf read through `grammar/keepalived.pest`
//! into one typed, serde-serialisable [`Config`], with diagnostics that name
//! `file:line:col` of the original text.
//!
//! Every other crate consumes [`Config`]; none re-parses text.

pub mod acts;
pub mod diag;
pub mod docs;
pub mod envcheck;
pub mod instead;
pub mod lexer;
pub mod lower;
pub mod model;
pub mod preprocess;
pub mod source;
pub mod sysctl_check;
pub mod tree;

pub use diag::{Class, Diagnostic, Severity};
pub use model::{Config, Identity};
pub use source::Location;

use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// keepalived's `-t` exit codes (`chk_exit_code` in its code, not its man
/// page).
pub mod exit {
    pub const OK: i32 = 0;
    /// keepalived's `KEEPALIVED_EXIT_CONFIG`: it stopped reading (a keyword
    /// without its parameter).
    pub const ABORT: i32 = 2;
    pub const CANNOT_RUN: i32 = 4;
    pub const CONFIG: i32 = 5;
    pub const SCRIPT_SECURITY: i32 = 6;
}

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Matched by `@ID` lines (`-i`); default: the short host name.
    pub config_id: String,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            config_id: short_hostname(),
        }
    }
}

/// kad's own `--strict`: every problem keepalived reports and corrects (a
/// warning) or accepts without a word (a [`Class::Quiet`] note) becomes an
/// error, so the configuration neither starts nor reloads.
pub fn make_strict(diags: &mut [Diagnostic]) {
    for d in diags {
        let corrected = d.severity == Severity::Warning && d.class == Class::Config;
        let quiet = d.class == Class::Quiet;
        if corrected || quiet {
            d.severity = Severity::Error;
            d.message.push_str(" [--strict]");
        }
    }
}

/// The short host name (up to the first dot), keepalived's default
/// config-id.
pub fn short_hostname() -> String {
    let Ok(name) = nix::unistd::gethostname() else {
        return String::new();
    };
    let name = name.to_string_lossy();
    name.split('.').next().unwrap_or("").to_string()
}

/// A configuration as read, with what was found wrong in it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read (the main file first).
    pub files: Vec<PathBuf>,
    /// SHA-1 of the pre-processed text: equal fingerprints, equal configs.
    pub fingerprint: String,
}

impl Loaded {
    /// Errors make a configuration unusable for the daemon.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The exit code `kad -t` gives, as keepalived's `-t` does: any
    /// configuration problem (warning or error) is 5.
    pub fn exit_code(&self) -> i32 {
        let counts = |f: &dyn Fn(&Diagnostic) -> bool| self.diagnostics.iter().any(f);
        if counts(&|d| d.class == Class::Abort) {
            exit::ABORT
        } else if counts(&|d| d.is_error() && d.class == Class::Environment) {
            exit::CANNOT_RUN
        } else if counts(&|d| d.class == Class::ScriptSecurity) {
            exit::SCRIPT_SECURITY
        } else if counts(&|d| d.severity >= Severity::Warning) {
            exit::CONFIG
        } else {
            exit::OK
        }
    }

    /// Add the machine checks (interfaces, scripts).
    pub fn check_environment(&mut self) {
        self.diagnostics.extend(envcheck::check(&self.config));
    }
}

/// Read `path` and everything it includes.
pub fn load(path: &Path, opts: &LoadOptions) -> Loaded {
    let pre = preprocess::run(
        path,
        &preprocess::Options {
            config_id: opts.config_id.clone(),
        },
    );
    from_preprocessed(pre)
}

/// Read configuration text as if it were the file `name` (includes are
/// resolved relative to `name`'s directory).
pub fn load_str(text: &str, name: &Path, opts: &LoadOptions) -> Loaded {
    let pre = preprocess::run_text(
        name,
        text,
        &preprocess::Options {
            config_id: opts.config_id.clone(),
        },
    );
    from_preprocessed(pre)
}

fn from_preprocessed(pre: preprocess::Output) -> Loaded {
    let mut diagnostics = pre.diags;
    let mut ctx = lower::ctx::Ctx::new(&pre.map);
    let mut builder = lower::Builder::default();
    let mut structural = Vec::new();
    tree::build(&pre.text, &pre.map, &mut structural, |node| {
        builder.statement(&mut ctx, &node)
    });
    let config = builder.finish(&mut ctx);
    diagnostics.extend(structural);
    diagnostics.extend(ctx.diags);
    // Report in source order: by file (order read), then line and column.
    let order: Vec<PathBuf> = pre.map.files.iter().map(|f| f.path.clone()).collect();
    diagnostics.sort_by_key(|d| match &d.location {
        Some(l) => (
            order
                .iter()
                .position(|p| *p == l.file)
                .unwrap_or(usize::MAX),
            l.line,
            l.col,
        ),
        None => (usize::MAX, 0, 0),
    });
    let fingerprint = sha1_hex(pre.text.as_bytes());
    Loaded {
        config,
        diagnostics,
        files: order,
        fingerprint,
    }
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    let d = sha1::Sha1::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}
