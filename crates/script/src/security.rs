//! keepalived's script security (lib/notify.c `check_script_secure` and
//! its callers in vrrp.c, check_data.c and check_misc.c), applied to a
//! whole configuration at the one place the daemon takes one (start and
//! reload): who each script runs as, and whether it may run.
//!
//! A script run by root (or as gid 0, or set-uid/gid root) needs every
//! element of its path owned by root and not writable by a non-root group
//! or by others (a directory with the sticky bit may be). Under
//! `enable_script_security` an unsafe script is not run: a `vrrp_script`
//! is removed (with the instances' and groups' references to it), a
//! notify script is dropped, a MISC_CHECK checker is removed. Without it
//! the script runs and keepalived's "SECURITY VIOLATION" line is logged.
//! A script that cannot be found or is not executable for its user is
//! never run. The lines returned are keepalived's, in its order.
//!
//! Difference: keepalived resolves the path with the script user's
//! effective ids (seteuid around realpath); kad resolves it as itself.

use kad_config::model::{CheckKind, Config, Script, Trackers};
use nix::errno::Errno;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

const INSECURE: u32 = 0x01;
const ISSCRIPT: u32 = 0x02;
const INHIBIT: u32 = 0x04;
const NOTFOUND: u32 = 0x08;
const EXECUTABLE: u32 = 0x10;
const SYSTEM: u32 = 0x40;

const DEFAULT_USER: &str = "keepalived_script";

/// The ids a script runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// Who runs scripts that name no user: `script_user`, else
/// `keepalived_script` when it exists, else kad's own ids. `None` when
/// that could not be settled (keepalived then drops those scripts).
#[derive(Clone, Debug, PartialEq, Eq)]
struct DefaultUser {
    /// The user (and group) to put on such scripts; `None`: kad's own.
    name: Option<(String, Option<String>)>,
    ids: Ids,
}

fn our_ids() -> Ids {
    Ids {
        uid: nix::unistd::getuid().as_raw(),
        gid: nix::unistd::getgid().as_raw(),
    }
}

/// keepalived's set_uid_gid: the ids of `user` (and `group`), or the line
/// it logs when they do not exist.
fn lookup(user: &str, group: Option<&str>) -> Result<Ids, String> {
    let pw = match nix::unistd::User::from_name(user) {
        Ok(Some(pw)) => pw,
        Ok(None) => return Err(format!("Script user '{user}' does not exist")),
        Err(_) => {
            return Err(format!(
                "Unable to resolve script username '{user}' - ignoring"
            ))
        }
    };
    let gid = match group {
        None => pw.gid.as_raw(),
        Some(g) => match nix::unistd::Group::from_name(g) {
            Ok(Some(gr)) => gr.gid.as_raw(),
            Ok(None) => return Err(format!("Script group '{g}' does not exist")),
            Err(_) => {
                return Err(format!(
                    "Unable to resolve script group name '{g}' - ignoring"
                ))
            }
        },
    };
    Ok(Ids {
        uid: pw.uid.as_raw(),
        gid,
    })
}

fn default_user(cfg: &Config, security: bool, log: &mut Vec<String>) -> Option<DefaultUser> {
    if let Some((u, g)) = &cfg.global.script_user {
        return match lookup(u, g.as_deref()) {
            Ok(ids) => Some(DefaultUser {
                name: Some((u.clone(), g.clone())),
                ids,
            }),
            Err(line) => {
                log.push(line);
                None
            }
        };
    }
    match lookup(DEFAULT_USER, None) {
        Ok(ids) => Some(DefaultUser {
            name: Some((DEFAULT_USER.into(), None)),
            ids,
        }),
        Err(line) => {
            log.push(line);
            if security {
                log.push(format!(
                    "Unable to set default user {DEFAULT_USER} for script"
                ));
                None
            } else {
                Some(DefaultUser {
                    name: None,
                    ids: our_ids(),
                })
            }
        }
    }
}

fn strerror(e: &std::io::Error) -> String {
    e.raw_os_error()
        .map_or_else(|| e.to_string(), |n| Errno::from_raw(n).desc().to_string())
}

fn is_executable(m: &std::fs::Metadata, ids: Ids) -> bool {
    let mode = m.mode();
    (ids.uid == 0 && mode & 0o111 != 0)
        || (ids.uid == m.uid() && mode & 0o100 != 0)
        || (ids.uid != m.uid()
            && ((ids.gid == m.gid() && mode & 0o010 != 0)
                || (ids.gid != m.gid() && mode & 0o001 != 0)))
}

/// A bare command name searched in PATH (or the C library's default path),
/// as execvp would: the first regular file found.
fn find_path(file: &str) -> Result<PathBuf, Errno> {
    let path = std::env::var("PATH").unwrap_or_else(|_| "/bin:/usr/bin".into());
    let mut denied = false;
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let p = Path::new(dir).join(file);
        match std::fs::metadata(&p) {
            Ok(m) if m.is_file() => return Ok(p),
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc_eacces()) => denied = true,
            Err(_) => {}
        }
    }
    Err(if denied { Errno::EACCES } else { Errno::ENOENT })
}

fn libc_eacces() -> i32 {
    Errno::EACCES as i32
}

/// keepalived's check_security: every element of `filename`'s path, from
/// `/` down, must be root's and not writable by a non-root group or by
/// others (a sticky directory may be).
fn check_path(filename: &str, security: bool, log: &mut Vec<String>) -> u32 {
    let mut prefixes: Vec<&str> = Vec::new();
    for (i, _) in filename.match_indices('/') {
        prefixes.push(if i == 0 { "/" } else { &filename[..i] });
    }
    let n = prefixes.len();
    for (k, p) in prefixes.into_iter().chain([filename]).enumerate() {
        let last = k == n;
        let m = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => {
                let known = matches!(
                    e.raw_os_error().map(Errno::from_raw),
                    Some(Errno::EACCES | Errno::ELOOP | Errno::ENOENT | Errno::ENOTDIR)
                );
                log.push(if known {
                    format!("check_script_secure could not find script '{filename}' - disabling")
                } else {
                    format!(
                        "check_script_secure('{filename}') returned errno {} - {} - disabling",
                        e.raw_os_error().unwrap_or(0),
                        strerror(&e)
                    )
                });
                return NOTFOUND;
            }
        };
        let ft = m.file_type();
        if (!last && !ft.is_dir()) || (last && !ft.is_file() && !ft.is_symlink()) {
            log.push(format!(
                "Wrong file type found in script path '{filename}'."
            ));
            return INHIBIT;
        }
        let mode = m.mode();
        let checked = (ft.is_dir() && mode & 0o1000 == 0) || ft.is_file();
        let writable = (m.gid() != 0 && mode & 0o020 != 0) || mode & 0o002 != 0;
        if m.uid() != 0 || (checked && writable) {
            log.push(format!(
                "Unsafe permissions found for script '{filename}'{}.",
                if security { " - disabling" } else { "" }
            ));
            return INSECURE | if security { INHIBIT } else { 0 };
        }
    }
    0
}

/// keepalived's check_script_secure for one script run with `ids`: its
/// flags. May replace `argv[0]` by the resolved path, as keepalived does.
fn check_script(s: &mut Script, ids: Ids, security: bool, log: &mut Vec<String>) -> u32 {
    let Some(first) = s.argv.first().cloned() else {
        return 0;
    };
    // "</file": a test that a file opens, run by the shell.
    if let Some(rest) = first.strip_prefix('<') {
        if rest.trim_start_matches([' ', '\t']).starts_with('/') {
            return SYSTEM;
        }
    }
    let mut path = first.clone();
    if !path.contains('/') {
        match find_path(&path) {
            Ok(p) => path = p.to_string_lossy().into_owned(),
            Err(Errno::EACCES) => {
                log.push(format!(
                    "Permissions failure for script {first} in path - disabling"
                ));
                return NOTFOUND;
            }
            Err(_) => {
                log.push(format!("Cannot find script {first} in path - disabling"));
                return NOTFOUND;
            }
        }
    }
    let real = match std::fs::canonicalize(&path) {
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(e) => {
            log.push(format!(
                "Script {path} cannot be accessed - {}",
                strerror(&e)
            ));
            return NOTFOUND;
        }
    };
    // Keep the name the script was called by (some programs act on it)
    // when the resolved directory holds it as the same file.
    let name_of = |p: &str| p.rsplit('/').next().unwrap_or("").to_string();
    let mut new_path = real.clone();
    let mut real_file: Option<String> = None;
    if path != real && name_of(&path) != name_of(&real) {
        let dir = &real[..real.len() - name_of(&real).len()];
        let candidate = format!("{dir}{}", name_of(&path));
        let same = match (std::fs::metadata(&real), std::fs::metadata(&candidate)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            (Ok(_), Err(_)) => false,
            (Err(_), _) => true,
        };
        if same {
            new_path = candidate;
            real_file = Some(real.clone());
        }
    }
    if new_path != first {
        s.argv[0] = new_path.clone();
    }
    let target = real_file.clone().unwrap_or_else(|| new_path.clone());
    let Ok(m) = std::fs::metadata(&target) else {
        log.push(format!("Unable to access script `{new_path}` - disabling"));
        return NOTFOUND;
    };
    let mut flags = ISSCRIPT;
    let mode = m.mode();
    let mut protect = false;
    if is_executable(&m, ids) {
        flags |= EXECUTABLE;
        protect = ids.uid == 0
            || ids.gid == 0
            || (m.uid() == 0 && mode & 0o100 != 0 && mode & 0o4000 != 0)
            || (m.gid() == 0 && mode & 0o010 != 0 && mode & 0o2000 != 0);
    } else {
        log.push(format!(
            "WARNING - script '{new_path}' is not executable for uid:gid {}:{} - disabling.",
            ids.uid, ids.gid
        ));
    }
    if !protect {
        return flags;
    }
    flags |= check_path(&new_path, security, log);
    if let Some(r) = &real_file {
        flags |= check_path(r, security, log);
    }
    flags
}

/// What the pass needs while it walks a configuration.
struct Pass {
    security: bool,
    default: Option<DefaultUser>,
    log: Vec<String>,
    flags: u32,
    /// Scripts removed for want of a user (keepalived then reports the
    /// references to them as not found).
    unset: Vec<String>,
}

impl Pass {
    /// The ids `s` runs with, putting the default user on it; when it has
    /// none that exists, keepalived's line for that (`kind`: "notify",
    /// "vrrp", "misc"; `label` the name keepalived gives it there).
    fn ids(&mut self, s: &mut Script, kind: &str, label: &str) -> Result<Ids, ()> {
        let first = s.argv.first().cloned().unwrap_or_default();
        match &s.user {
            Some(u) => lookup(u, s.group.as_deref()).map_err(|line| {
                self.log.push(line);
                self.log.push(format!(
                    "Invalid user/group for {kind} script {first} - ignoring"
                ));
            }),
            None => {
                let Some(d) = self.default.as_ref() else {
                    self.log.push(match kind {
                        "notify" => {
                            format!(
                                "Failed to set default user for notify script {first} - ignoring"
                            )
                        }
                        _ => format!(
                            "Unable to set default user for {kind} script {label} - removing"
                        ),
                    });
                    return Err(());
                };
                if let Some((u, g)) = &d.name {
                    s.user = Some(u.clone());
                    s.group.clone_from(g);
                }
                Ok(d.ids)
            }
        }
    }

    /// A notify script: kept when it may run (check_notify_script_secure).
    fn notify(&mut self, slot: &mut Option<Script>) {
        let Some(s) = slot.as_mut() else { return };
        let first = s.argv.first().cloned().unwrap_or_default();
        let Ok(ids) = self.ids(s, "notify", &first) else {
            *slot = None;
            return;
        };
        let f = check_script(s, ids, self.security, &mut self.log);
        self.flags |= f;
        if f & (INHIBIT | NOTFOUND) != 0 || f & EXECUTABLE == 0 {
            *slot = None;
        }
    }

    fn notify_boxed(&mut self, slot: &mut Option<Box<Script>>) {
        let mut s = slot.take().map(|b| *b);
        self.notify(&mut s);
        *slot = s.map(Box::new);
    }

    /// A tracked or checking script (`kind` "vrrp" or "misc", `label` its
    /// name or command): true when it may run. `what` names it in
    /// keepalived's words ("track script NAME", "misc script CMD").
    fn runnable(&mut self, s: &mut Script, kind: &str, label: &str, what: &str) -> bool {
        let Ok(ids) = self.ids(s, kind, label) else {
            self.unset.push(label.to_string());
            return false;
        };
        let f = check_script(s, ids, self.security, &mut self.log);
        self.flags |= f;
        if f & INHIBIT != 0 {
            self.log.push(format!("Disabling {what} due to insecure"));
            false
        } else if f & NOTFOUND != 0 {
            self.log
                .push(format!("Disabling {what} since not found/accessible"));
            false
        } else {
            f & (EXECUTABLE | SYSTEM) != 0
        }
    }

    /// keepalived's closing line when scripts run without script security.
    fn violation(&mut self, what: &str) {
        if !self.security && self.flags & ISSCRIPT != 0 {
            self.log.push(format!(
                "SECURITY VIOLATION - {what} are being executed but script_security not enabled.{}",
                if self.flags & INSECURE != 0 {
                    " There are insecure scripts."
                } else {
                    ""
                }
            ));
        }
        self.flags = 0;
    }
}

/// Apply script security to `cfg`: scripts that may not run are removed,
/// scripts without a user get the default one. Returns keepalived's log
/// lines, in its order (the VRRP side's checks, then the checkers').
pub fn apply(cfg: &mut Config) -> Vec<String> {
    let security = cfg.global.enable_script_security;
    let mut log = Vec::new();
    let any_script = has_scripts(cfg);
    let default = if any_script {
        default_user(cfg, security, &mut log)
    } else {
        None
    };
    let mut p = Pass {
        security,
        default,
        log,
        flags: 0,
        unset: Vec::new(),
    };
    // The parent's own scripts come first, as keepalived checks them
    // before it starts its children.
    if cfg.global.startup_script.is_some() || cfg.global.shutdown_script.is_some() {
        p.notify(&mut cfg.global.startup_script);
        p.notify(&mut cfg.global.shutdown_script);
        p.violation("start/shutdown scripts");
    }
    if !cfg.vrrp_instances.is_empty() {
        let mut removed: Vec<String> = Vec::new();
        for vs in &mut cfg.vrrp_scripts {
            let what = format!("track script {}", vs.name);
            if !p.runnable(&mut vs.script, "vrrp", &vs.name, &what) {
                removed.push(vs.name.clone());
            }
        }
        cfg.vrrp_scripts.retain(|s| !removed.contains(&s.name));
        let unset = std::mem::take(&mut p.unset);
        let drop_refs = |owner: &str, t: &mut Trackers, log: &mut Vec<String>| {
            for r in t.scripts.iter().filter(|r| unset.contains(&r.name)) {
                log.push(format!(
                    "({owner}) track script {} not found, ignoring...",
                    r.name
                ));
            }
            t.scripts.retain(|r| !removed.contains(&r.name));
        };
        for i in &mut cfg.vrrp_instances {
            drop_refs(&i.name, &mut i.track, &mut p.log);
            let n = &mut i.notify;
            for slot in [
                &mut n.backup,
                &mut n.master,
                &mut n.fault,
                &mut n.stop,
                &mut n.deleted,
                &mut n.any,
                &mut n.master_rx_lower_pri,
            ] {
                p.notify(slot);
            }
        }
        for g in &mut cfg.sync_groups {
            drop_refs(&g.name, &mut g.track, &mut p.log);
            let n = &mut g.notify;
            for slot in [
                &mut n.backup,
                &mut n.master,
                &mut n.fault,
                &mut n.stop,
                &mut n.any,
            ] {
                p.notify(slot);
            }
        }
        if let Some(f) = &mut cfg.global.notify_fifo {
            p.notify(&mut f.script);
        }
        if let Some(f) = &mut cfg.global.vrrp_notify_fifo {
            p.notify(&mut f.script);
        }
        p.violation("scripts");
    }
    if !cfg.virtual_servers.is_empty() {
        for vs in &mut cfg.virtual_servers {
            for rs in &mut vs.real_servers {
                let mut keep = Vec::with_capacity(rs.checkers.len());
                for mut ch in std::mem::take(&mut rs.checkers) {
                    if let CheckKind::Misc(m) = &mut ch.kind {
                        let what = format!("misc script {}", m.script.command);
                        let cmd = m.script.command.clone();
                        if !p.runnable(&mut m.script, "misc", &cmd, &what) {
                            continue;
                        }
                    }
                    keep.push(ch);
                }
                rs.checkers = keep;
            }
        }
        for vs in &mut cfg.virtual_servers {
            p.notify_boxed(&mut vs.quorum_up);
            p.notify_boxed(&mut vs.quorum_down);
            for rs in &mut vs.real_servers {
                p.notify_boxed(&mut rs.notify_up);
                p.notify_boxed(&mut rs.notify_down);
            }
        }
        if let Some(f) = &mut cfg.global.notify_fifo {
            p.notify(&mut f.script);
        }
        if let Some(f) = &mut cfg.global.lvs_notify_fifo {
            p.notify(&mut f.script);
        }
        p.violation("check scripts");
    }
    p.log
}

/// Does the configuration hold any script (keepalived settles the default
/// user only when one needs it)?
fn has_scripts(cfg: &Config) -> bool {
    let g = &cfg.global;
    let fifo = [&g.notify_fifo, &g.vrrp_notify_fifo, &g.lvs_notify_fifo]
        .into_iter()
        .flatten()
        .any(|f| f.script.is_some())
        || g.startup_script.is_some()
        || g.shutdown_script.is_some();
    let vrrp = !cfg.vrrp_scripts.is_empty()
        || cfg.vrrp_instances.iter().any(|i| notify_any(&i.notify))
        || cfg.sync_groups.iter().any(|s| notify_any(&s.notify));
    let lvs = cfg.virtual_servers.iter().any(|vs| {
        vs.quorum_up.is_some()
            || vs.quorum_down.is_some()
            || vs.real_servers.iter().any(|rs| {
                rs.notify_up.is_some()
                    || rs.notify_down.is_some()
                    || rs
                        .checkers
                        .iter()
                        .any(|c| matches!(c.kind, CheckKind::Misc(_)))
            })
    });
    fifo || vrrp || lvs
}

fn notify_any(n: &kad_config::model::Notify) -> bool {
    [
        &n.master,
        &n.backup,
        &n.fault,
        &n.stop,
        &n.deleted,
        &n.any,
        &n.master_rx_lower_pri,
    ]
    .into_iter()
    .any(Option::is_some)
}
