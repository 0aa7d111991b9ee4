//! kad's own `global_defs` keywords for the IPVS sysctls a director in an
//! ECMP group needs (net.ipv4.vs.*, per network namespace): several
//! directors behind a router's ECMP must treat a packet of a flow they
//! have not seen — the router moved it — as the director that saw it
//! would (docs/operations.md, "A director in an ECMP group"). kad writes
//! each one set in the IPVS namespace at start and on reload; an unset one
//! is left as the kernel has it. keepalived has none of these: it reports
//! each as an unknown keyword.

use serde::{Deserialize, Serialize};

/// The settings as configured (None: leave the kernel's value). The field
/// names are the keywords.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LvsSysctls {
    /// net.ipv4.vs.sloppy_tcp: a TCP packet other than a SYN with no
    /// connection entry is scheduled, not passed to the local stack
    /// (which resets it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_sloppy_tcp: Option<bool>,
    /// net.ipv4.vs.sloppy_sctp: the same for SCTP chunks other than INIT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_sloppy_sctp: Option<bool>,
    /// net.ipv4.vs.schedule_icmp: an ICMP error about a flow with no
    /// connection entry here (fragmentation needed, for path MTU
    /// discovery) is scheduled by the flow it quotes, to its real server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_schedule_icmp: Option<bool>,
    /// net.ipv4.vs.expire_nodest_conn: the entries of a removed real
    /// server expire at their next packet instead of black-holing it until
    /// they time out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_expire_nodest_conn: Option<bool>,
    /// net.ipv4.vs.conn_reuse_mode, a bit map 0..=3: 1 reschedules a SYN
    /// that reuses the ports of a closed (TIME_WAIT/CLOSE) entry, 2 also of
    /// a DR entry in FIN_WAIT (the last state a DR director sees).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lvs_conn_reuse_mode: Option<u8>,
}

/// The largest `conn_reuse_mode` (two bits).
pub const CONN_REUSE_MODE_MAX: u8 = 3;

/// One sysctl to set: the keyword, its name under net.ipv4.vs and the
/// value to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sysctl {
    pub keyword: &'static str,
    pub name: &'static str,
    pub value: u8,
}

impl Sysctl {
    /// /proc/sys/net/ipv4/vs/NAME (read and written in the IPVS namespace).
    pub fn path(&self) -> String {
        format!("{SYSCTL_DIR}/{}", self.name)
    }
}

/// Where IPVS's sysctls are; present only once the ip_vs module is loaded.
pub const SYSCTL_DIR: &str = "/proc/sys/net/ipv4/vs";

/// A sysctl whose running value is not the configured one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Differs {
    pub sysctl: Sysctl,
    /// What the kernel has (None: it could not be read).
    pub running: Option<i64>,
}

impl LvsSysctls {
    pub fn is_default(&self) -> bool {
        *self == LvsSysctls::default()
    }

    /// Every sysctl the configuration sets, in a fixed order.
    pub fn wanted(&self) -> Vec<Sysctl> {
        let b = |v: Option<bool>| v.map(u8::from);
        [
            ("lvs_sloppy_tcp", "sloppy_tcp", b(self.lvs_sloppy_tcp)),
            ("lvs_sloppy_sctp", "sloppy_sctp", b(self.lvs_sloppy_sctp)),
            (
                "lvs_schedule_icmp",
                "schedule_icmp",
                b(self.lvs_schedule_icmp),
            ),
            (
                "lvs_expire_nodest_conn",
                "expire_nodest_conn",
                b(self.lvs_expire_nodest_conn),
            ),
            (
                "lvs_conn_reuse_mode",
                "conn_reuse_mode",
                self.lvs_conn_reuse_mode,
            ),
        ]
        .into_iter()
        .filter_map(|(keyword, name, v)| {
            v.map(|value| Sysctl {
                keyword,
                name,
                value,
            })
        })
        .collect()
    }

    /// The configured sysctls whose running value (`read` of the name
    /// under net.ipv4.vs; None: unreadable) differs: what kad writes, and
    /// what `kad -t` reports.
    pub fn differing(&self, read: impl Fn(&str) -> Option<i64>) -> Vec<Differs> {
        self.wanted()
            .into_iter()
            .filter_map(|s| {
                let running = read(s.name);
                (running != Some(i64::from(s.value))).then_some(Differs { sysctl: s, running })
            })
            .collect()
    }
}

/// A sysctl file's text as a number (`"1\n"`).
pub fn parse_value(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_set_is_wanted_and_only_what_differs_is_written() {
        let s = LvsSysctls {
            lvs_sloppy_tcp: Some(true),
            lvs_schedule_icmp: Some(false),
            lvs_conn_reuse_mode: Some(2),
            ..Default::default()
        };
        let names: Vec<_> = s.wanted().iter().map(|w| (w.name, w.value)).collect();
        assert_eq!(
            names,
            [
                ("sloppy_tcp", 1),
                ("schedule_icmp", 0),
                ("conn_reuse_mode", 2)
            ]
        );
        let kernel = |n: &str| match n {
            "sloppy_tcp" => Some(0),
            "schedule_icmp" => Some(0),
            _ => None,
        };
        let d = s.differing(kernel);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].sysctl.name, d[0].running), ("sloppy_tcp", Some(0)));
        assert_eq!((d[1].sysctl.name, d[1].running), ("conn_reuse_mode", None));
        assert!(LvsSysctls::default().wanted().is_empty());
        assert_eq!(parse_value("1\n"), Some(1));
        assert_eq!(d[0].sysctl.path(), "/proc/sys/net/ipv4/vs/sloppy_tcp");
    }
}
