//! Running scripts: `vrrp_script` checks (with a timeout, killing the
//! process group) and notify scripts (fire and forget, with a timeout).

use kad_config::model::Script;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

/// Does the command need a shell (redirections, pipes, `$`...)?
fn needs_shell(cmd: &str) -> bool {
    cmd.contains(['<', '>', '|', '&', ';', '$', '`', '*', '?', '(', ')'])
}

fn command(s: &Script, extra: &[String]) -> Option<Command> {
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

/// uid and gid of `user` (and of `group` when given).
fn lookup_user(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(user).ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or null; the
    // fields are copied out at once (kad's engine is single-threaded).
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: pw is not null.
    let (uid, mut gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    if let Some(g) = group {
        let gname = std::ffi::CString::new(g).ok()?;
        // SAFETY: as above, for getgrnam.
        let gr = unsafe { libc::getgrnam(gname.as_ptr()) };
        if gr.is_null() {
            return None;
        }
        // SAFETY: gr is not null.
        gid = unsafe { (*gr).gr_gid };
    }
    Some((uid, gid))
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        // SAFETY: kill(2) on the process group we created.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
    }
}

/// Run a check script: true when it exits 0 within `timeout`.
pub async fn check(s: &Script, timeout: Duration) -> bool {
    let Some(mut c) = command(s, &[]) else {
        return false;
    };
    let Ok(mut child) = c.spawn() else {
        return false;
    };
    let pid = child.id();
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        Ok(Err(_)) => false,
        Err(_) => {
            kill_group(pid);
            let _ = child.wait().await;
            false
        }
    }
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
