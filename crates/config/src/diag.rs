//! Diagnostics an operator can act on: severity, `file:line:col`, one line
//! of message and the offending source line with a caret.

use crate::source::Location;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information that does not make a configuration wrong (a keyword
    /// kad accepts but does not act on).
    Note,
    Warning,
    Error,
}

/// What kind of problem a diagnostic reports; decides `kad -t`'s exit code
/// the way keepalived's `chk_exit_code` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The configuration language or a value.
    Config,
    /// Something the daemon needs from the machine (a file that cannot be
    /// read, an interface that does not exist): keepalived's "cannot run".
    Environment,
    /// A script that is unsafe to run as root.
    ScriptSecurity,
    /// keepalived stops reading here (a keyword missing its parameter):
    /// `-t` exits 2, as keepalived's `KEEPALIVED_EXIT_CONFIG`.
    Abort,
    /// Something keepalived accepts without a word (an argument a keyword
    /// ignores, a duplicate it keeps quiet about). kad reports it as a
    /// note, which `--strict` makes an error.
    Quiet,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub class: Class,
    pub location: Option<Location>,
    pub message: String,
    /// The original source line, shown under the message with a caret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match &self.location {
            Some(loc) if loc.line > 0 => write!(f, "{loc}: {sev}: {}", self.message)?,
            Some(loc) => write!(f, "{}: {sev}: {}", loc.file.display(), self.message)?,
            None => write!(f, "{sev}: {}", self.message)?,
        }
        if let (Some(src), Some(loc)) = (&self.source_line, &self.location) {
            if loc.line > 0 {
                let gutter = loc.line.to_string().len();
                write!(f, "\n{:gutter$} | {src}", loc.line)?;
                let pad: String = src
                    .chars()
                    .take(loc.col.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n{:gutter$} | {pad}^", "")?;
            }
        }
        Ok(())
    }
}
