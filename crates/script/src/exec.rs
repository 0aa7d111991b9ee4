//! Running a script as keepalived does: without a shell unless the
//! command needs one, in its own process group (so a timeout kills all it
//! started), as the configured user. Used by MISC_CHECK, vrrp_script and
//! every notify script.

use kad_config::model::Script;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Does the command need a shell (redirections, pipes, `$`...)?
pub fn needs_shell(cmd: &str) -> bool {
    cmd.contains(['<', '>', '|', '&', ';', '$', '`', '*', '?', '(', ')'])
}

pub fn command(s: &Script, extra: &[String]) -> Option<Command> {
    let mut c = if needs_shell(&s.command) {
        let mut line = s.command.clone();
        for e in extra {
            line.push(' ');
            line.push_str(e);
        }
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(line);
        c
    } else {
        let (prog, args) = s.argv.split_first()?;
        let mut c = Command::new(prog);
        c.args(args).args(extra);
        c
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(user) = &s.user {
        let Some((uid, gid)) = lookup_user(user, s.group.as_deref()) else {
            tracing::warn!("script {}: unknown user {user}", s.command);
            return None;
        };
        c.uid(uid).gid(gid);
    }
    Some(c)
}

/// uid and gid of `user` (and of `group` when given), from the password
/// and group databases (getpwnam_r, getgrnam_r: safe on any thread).
pub fn lookup_user(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let pw = nix::unistd::User::from_name(user).ok()??;
    let gid = match group {
        Some(g) => nix::unistd::Group::from_name(g).ok()??.gid,
        None => pw.gid,
    };
    Some((pw.uid.as_raw(), gid.as_raw()))
}

/// SIGKILL to the process group a script leads (`process_group(0)`).
pub fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Run `s` to completion within `timeout`: its exit status (None when a
/// signal ended it), or why it could not run or finish.
pub async fn run(s: &Script, timeout: Duration) -> Result<Option<i32>, String> {
    let mut c = command(s, &[]).ok_or_else(|| format!("cannot run {}", s.command))?;
    let mut child = c
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", s.command))?;
    let pid = child.id();
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => Ok(status.code()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            kill_group(pid);
            let _ = child.wait().await;
            Err(format!("timed out after {timeout:?}"))
        }
    }
}
