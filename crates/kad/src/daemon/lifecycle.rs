//! `startup_script` and `shutdown_script` (global_defs), as keepalived's
//! parent runs them: the startup script before anything else starts (no
//! IPVS programmed, no VRRP socket open), waited for up to
//! `startup_script_timeout`; the shutdown script after everything stopped
//! (VIPs and IPVS entries released), waited for up to
//! `shutdown_script_timeout`. A script that overruns is killed with its
//! process group and start-up (or exit) goes on.

use kad_config::model::Script;
use std::time::Duration;

/// Run the startup (`startup` true) or shutdown script, if any, and wait
/// for it within `timeout`.
pub async fn run(script: Option<&Script>, timeout: Duration, startup: bool) {
    let Some(s) = script else {
        return;
    };
    let kind = if startup { "startup" } else { "shutdown" };
    tracing::info!("Running {kind} script {}", s.command);
    match kad_script::exec::run(s, timeout).await {
        Ok(Some(0)) => tracing::info!("{kind} script succeeded"),
        // keepalived's words ("%s script failed" with "startup script").
        Ok(Some(code)) => tracing::info!("{kind} script script failed, status {code}"),
        Ok(None) => tracing::info!("{kind} script ended by a signal"),
        Err(e) => tracing::warn!("{kind} script {}: {e}", s.command),
    }
}
