//! Checks against the machine, separate from the language: interfaces that
//! must exist and scripts that must exist and be safe to run as root (and
//! the running IPVS sysctls, `sysctl_check`).
//! On by default for `kad -t`, off with `--no-env-check`.

use crate::diag::{Class, Diagnostic, Severity};
use crate::model::{Config, Script};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Does a network interface of this name exist here?
pub fn interface_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}

fn diag(out: &mut Vec<Diagnostic>, class: Class, msg: String) {
    out.push(Diagnostic {
        severity: Severity::Error,
        class,
        location: None,
        message: msg,
        source_line: None,
    });
}

pub fn check(cfg: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if cfg.global.dynamic_interfaces {
        // Interfaces may appear later: nothing to check now.
    } else {
        for i in &cfg.vrrp_instances {
            let mut names: Vec<&str> = i.interface.iter().map(String::as_str).collect();
            names.extend(i.track.interfaces.iter().map(|t| t.name.as_str()));
            names.extend(i.virtual_ipaddress.iter().filter_map(|a| a.dev.as_deref()));
            for n in names {
                if !interface_exists(n) {
                    diag(
                        &mut out,
                        Class::Config,
                        format!("({}) interface {n} doesn't exist", i.name),
                    );
                }
            }
        }
        if let Some(sd) = &cfg.global.lvs_sync_daemon {
            if !interface_exists(&sd.interface) {
                diag(
                    &mut out,
                    Class::Config,
                    format!("lvs_sync_daemon interface {} doesn't exist", sd.interface),
                );
            }
        }
    }
    let secure = cfg.global.enable_script_security;
    let mut scripts: Vec<(&str, &Script)> = Vec::new();
    for s in &cfg.vrrp_scripts {
        scripts.push((s.name.as_str(), &s.script));
    }
    for i in &cfg.vrrp_instances {
        let n = &i.notify;
        for s in [
            &n.master,
            &n.backup,
            &n.fault,
            &n.stop,
            &n.any,
            &n.master_rx_lower_pri,
        ]
        .into_iter()
        .flatten()
        {
            scripts.push((i.name.as_str(), s));
        }
    }
    for vs in &cfg.virtual_servers {
        for s in [&vs.quorum_up, &vs.quorum_down].into_iter().flatten() {
            scripts.push(("virtual_server", s));
        }
        for rs in &vs.real_servers {
            for s in [&rs.notify_up, &rs.notify_down].into_iter().flatten() {
                scripts.push(("real_server", s));
            }
            for ch in &rs.checkers {
                if let crate::model::CheckKind::Misc(m) = &ch.kind {
                    scripts.push(("MISC_CHECK", &m.script));
                }
            }
        }
    }
    for (owner, s) in scripts {
        let Some(prog) = s.argv.first() else { continue };
        // Shell constructs (`</dev/tcp/...`) are run by /bin/sh.
        if !prog.starts_with('/') {
            continue;
        }
        match std::fs::metadata(prog) {
            Err(_) => diag(
                &mut out,
                Class::Config,
                format!("({owner}) script {prog} does not exist"),
            ),
            Ok(m) => {
                if m.permissions().mode() & 0o111 == 0 {
                    diag(
                        &mut out,
                        Class::Config,
                        format!("({owner}) script {prog} is not executable"),
                    );
                }
                if secure
                    && s.user.as_deref().unwrap_or("root") == "root"
                    && unsafe_path(Path::new(prog))
                {
                    diag(
                        &mut out,
                        Class::ScriptSecurity,
                        format!("({owner}) script {prog} (or a directory above it) is writable by a non-root user"),
                    );
                }
            }
        }
    }
    out.extend(crate::sysctl_check::check(cfg));
    out
}

/// A root script is unsafe if it or any directory above it can be written
/// by someone other than root.
fn unsafe_path(p: &Path) -> bool {
    p.ancestors().any(|a| {
        std::fs::metadata(a)
            .is_ok_and(|m| m.uid() != 0 || m.permissions().mode() & 0o022 != 0 && !sticky_dir(&m))
    })
}

fn sticky_dir(m: &std::fs::Metadata) -> bool {
    m.is_dir() && m.permissions().mode() & 0o1000 != 0
}
