//! `kad -t` against the running kernel's IPVS sysctls: a configured
//! `lvs_sloppy_tcp` (...) whose running value differs, and a virtual
//! server using `mh` on a kernel whose sloppy switch for its protocol is
//! off while the file leaves it unset. Notes only: kad sets what is
//! configured when it starts, so the file is not wrong; the operator
//! learns what a start (or reload) will change, or what it will not.
//! Read where `kad -t` runs; skipped when IPVS is elsewhere
//! (`net_namespace`, `net_namespace_ipvs`) or not loaded (no
//! /proc/sys/net/ipv4/vs: kad loads it at start).

use crate::diag::{Class, Diagnostic, Severity};
use crate::model::{parse_value, Config, Protocol, Scheduler, VsKey, SYSCTL_DIR};

fn note(message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Note,
        class: Class::Config,
        location: None,
        message,
        source_line: None,
    }
}

/// The notes for `cfg` given `read` (a sysctl's value by its name under
/// net.ipv4.vs; None: not there).
pub fn notes(cfg: &Config, read: &dyn Fn(&str) -> Option<i64>) -> Vec<Diagnostic> {
    let s = &cfg.global.lvs_sysctls;
    let mut out: Vec<Diagnostic> = s
        .differing(read)
        .into_iter()
        .filter_map(|d| {
            let running = d.running?;
            Some(note(format!(
                "{}: net.ipv4.vs.{} is {running} here; kad sets it to {} at start and on reload",
                d.sysctl.keyword, d.sysctl.name, d.sysctl.value
            )))
        })
        .collect();
    for vs in cfg
        .virtual_servers
        .iter()
        .filter(|v| v.scheduler == Scheduler::Mh)
    {
        let (keyword, name, set) = match (&vs.key, vs.protocol) {
            (VsKey::Fwmark { .. }, _) | (_, Protocol::Tcp) => {
                ("lvs_sloppy_tcp", "sloppy_tcp", s.lvs_sloppy_tcp)
            }
            (_, Protocol::Sctp) => ("lvs_sloppy_sctp", "sloppy_sctp", s.lvs_sloppy_sctp),
            (_, Protocol::Udp) => continue,
        };
        if set.is_none() && read(name) == Some(0) {
            out.push(note(format!(
                "virtual server {} uses mh but net.ipv4.vs.{name} is 0 here and {keyword} is not set: a packet of a connection this director has not seen is reset, not sent to the real server mh chooses",
                crate::lower::lvs::vs_name(vs)
            )));
        }
    }
    out
}

/// [`notes`] against this machine's kernel, where it can be read.
pub fn check(cfg: &Config) -> Vec<Diagnostic> {
    let id = &cfg.global.identity;
    if id.net_namespace.is_some() || id.net_namespace_ipvs.is_some() {
        return Vec::new();
    }
    if !std::path::Path::new(SYSCTL_DIR).is_dir() {
        return Vec::new();
    }
    notes(cfg, &|name| {
        std::fs::read_to_string(format!("{SYSCTL_DIR}/{name}"))
            .ok()
            .and_then(|t| parse_value(&t))
    })
}

#[cfg(test)]
mod tests {
    use super::notes;
    use crate::{load_str, LoadOptions};
    use std::path::Path;

    fn cfg(text: &str) -> crate::model::Config {
        load_str(text, Path::new("/k.conf"), &LoadOptions::default()).config
    }

    const MH: &str = "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo mh\n real_server 10.0.0.2 80 {\n }\n}\n";

    #[test]
    fn a_running_value_that_differs_and_mh_without_sloppy_tcp_are_noted() {
        let kernel = |n: &str| match n {
            "sloppy_tcp" => Some(0),
            "schedule_icmp" => Some(1),
            _ => None,
        };
        let c = cfg(&format!(
            "global_defs {{\n lvs_sloppy_tcp\n lvs_schedule_icmp on\n}}\n{MH}"
        ));
        let n: Vec<String> = notes(&c, &kernel)
            .iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            n,
            ["lvs_sloppy_tcp: net.ipv4.vs.sloppy_tcp is 0 here; kad sets it to 1 at start and on reload"]
        );
        let n = notes(&cfg(MH), &kernel);
        assert_eq!(n.len(), 1);
        assert!(
            n[0].message.starts_with(
                "virtual server [10.0.0.1]:tcp:80 uses mh but net.ipv4.vs.sloppy_tcp is 0 here"
            ),
            "{}",
            n[0].message
        );
        // The kernel already sloppy: nothing to say.
        assert!(notes(&cfg(MH), &|_| Some(1)).is_empty());
    }
}
