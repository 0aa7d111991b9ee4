//! Running a script as keepalived does: without a shell unless the
//! command needs one, in its own process group (so a timeout kills all it
//! started), as the configured user. Shared by MISC_CHECK and the daemon's
//! vrrp_script / notify scripts.

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

/// uid and gid of `user` (and of `group` when given).
pub fn lookup_user(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
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

pub fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid {
        // SAFETY: kill(2) on the process group we created.
        unsafe {
            libc::kill(-(pid as i32), libc::SIGKILL);
        }
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
