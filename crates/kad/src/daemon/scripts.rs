//! Running scripts: `vrrp_script` checks (with a timeout, killing the
//! process group) and notify scripts (fire and forget, with a timeout).

use kad_config::model::Script;
use kad_config::Config;
use kad_script::exec::{command, kill_group};
use std::time::Duration;

/// The one place the daemon settles its scripts (at start and on every
/// reload): keepalived's script security, who each script runs as, and
/// the scripts that may not run taken out, each reason logged in
/// keepalived's words.
pub fn secure(mut cfg: Config) -> Config {
    for line in kad_script::security::apply(&mut cfg) {
        if line.starts_with("SECURITY VIOLATION") {
            tracing::warn!("{line}");
        } else {
            tracing::info!("{line}");
        }
    }
    cfg
}

/// Run a check script: true when it exits 0 within `timeout`.
pub async fn check(s: &Script, timeout: Duration) -> bool {
    matches!(kad_script::exec::run(s, timeout).await, Ok(Some(0)))
}

/// Start a notify script with `args` appended; it is killed after
/// `timeout`. Never waits for it.
pub fn notify(s: &Script, args: Vec<String>, timeout: Duration) {
    let Some(mut c) = command(s, &args) else {
        return;
    };
    let cmd = s.command.clone();
    match c.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let pid = child.id();
                if tokio::time::timeout(timeout, child.wait()).await.is_err() {
                    tracing::warn!("notify script {cmd} ran longer than {timeout:?}: killed");
                    kill_group(pid);
                    let _ = child.wait().await;
                }
            });
        }
        Err(e) => tracing::warn!("cannot run notify script {cmd}: {e}"),
    }
}
