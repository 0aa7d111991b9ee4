//! The IPVS audit: what was changed outside kad (`ipvsadm`, another tool)
//! in what kad owns, and the operations that repair it, each with the one
//! log line that says what was found. keepalived never looks at the kernel
//! after programming it; kad does so every `lvs_audit_interval` seconds
//! (kad's own keyword) so that a stray `ipvsadm -d` does not take a real
//! server out of service until the next reload.
//!
//! What kad owns is the wanted table's services, whole: their settings and
//! their set of destinations. So the repair is the reconciliation diff
//! (`reconcile::diff`) of the wanted table against the kernel's dump with
//! exactly those services as owned — one rule for reloads and audits:
//! - a service or destination kad wants and the kernel lacks is added;
//! - a changed scheduler, flags, persistence, netmask or engine of an owned
//!   service, or a changed weight, forwarding method, thresholds or tunnel
//!   settings of an owned destination, is set back;
//! - a destination added by hand to an owned service is removed. That
//!   server would take traffic with no health check and no entry in the
//!   configuration, and the next reload would make it disappear anyway
//!   (a service kad owns holds the configuration's servers, as keepalived's
//!   reload leaves it); an operator who wants a server out or in uses the
//!   configuration or `kactl drain`/`disable`, which the audit follows
//!   because they change the wanted table;
//! - a service kad does not own (not in the wanted table) is never looked
//!   at: not its settings, not its destinations, and it is never deleted.

use crate::reconcile::{diff, Op};
use crate::table::{DestAttrs, DestId, ServiceAttrs, SvcId, Table};
use std::collections::BTreeSet;

/// One repair: the operation, and the log line saying what drifted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    pub op: Op,
    pub line: String,
}

/// The repairs taking the owned part of `kernel` (the kernel's dump) back
/// to `wanted`, in the reconciliation's order (services before their
/// destinations, new destinations before removed ones).
pub fn repairs(wanted: &Table, kernel: &Table) -> Vec<Repair> {
    let owned: BTreeSet<SvcId> = wanted.services.keys().cloned().collect();
    diff(wanted, kernel, &owned)
        .into_iter()
        .map(|op| {
            let line = describe(&op, kernel);
            Repair { op, line }
        })
        .collect()
}

fn dest(d: &DestId) -> String {
    match d.addr {
        std::net::IpAddr::V4(a) => format!("{a}:{}", d.port),
        std::net::IpAddr::V6(a) => format!("[{a}]:{}", d.port),
    }
}

/// "name old → new" for each field that differs.
fn changes<T: PartialEq + std::fmt::Display>(out: &mut Vec<String>, name: &str, was: T, is: T) {
    if was != is {
        out.push(format!("{name} {was} → {is}"));
    }
}

fn service_changes(was: &ServiceAttrs, is: &ServiceAttrs) -> Vec<String> {
    let mut v = Vec::new();
    changes(&mut v, "scheduler", &was.scheduler, &is.scheduler);
    changes(
        &mut v,
        "flags",
        format!("{:#x}", was.flags),
        format!("{:#x}", is.flags),
    );
    changes(&mut v, "persistence timeout", was.timeout, is.timeout);
    changes(
        &mut v,
        "netmask",
        format!("{:#x}", was.netmask),
        format!("{:#x}", is.netmask),
    );
    let pe = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".into());
    changes(
        &mut v,
        "persistence engine",
        pe(&was.pe_name),
        pe(&is.pe_name),
    );
    v
}

fn fwd_name(f: u32) -> String {
    match f {
        crate::table::fwd::MASQ => "masq".into(),
        crate::table::fwd::TUNNEL => "tunnel".into(),
        crate::table::fwd::DROUTE => "route".into(),
        1 => "local".into(),
        other => format!("{other}"),
    }
}

fn dest_changes(was: &DestAttrs, is: &DestAttrs) -> Vec<String> {
    let mut v = Vec::new();
    changes(&mut v, "weight", was.weight, is.weight);
    changes(&mut v, "forwarding", fwd_name(was.fwd), fwd_name(is.fwd));
    changes(&mut v, "upper threshold", was.u_thresh, is.u_thresh);
    changes(&mut v, "lower threshold", was.l_thresh, is.l_thresh);
    changes(&mut v, "tunnel type", was.tun_type, is.tun_type);
    changes(&mut v, "tunnel port", was.tun_port, is.tun_port);
    changes(&mut v, "tunnel flags", was.tun_flags, is.tun_flags);
    v
}

/// The log line of one repair, from what the kernel had.
fn describe(op: &Op, kernel: &Table) -> String {
    match op {
        Op::NewService(s, _) => format!("IPVS audit: service {s} was missing, re-added"),
        Op::NewDest(s, d, _) => format!(
            "IPVS audit: destination {} of {s} was missing, re-added",
            dest(d)
        ),
        Op::SetService(s, a) => {
            let what = kernel
                .services
                .get(s)
                .map(|k| service_changes(&k.attrs, a))
                .unwrap_or_default();
            format!(
                "IPVS audit: service {s} was changed ({}), restored",
                what.join(", ")
            )
        }
        Op::SetDest(s, d, a) => {
            let what = kernel
                .services
                .get(s)
                .and_then(|k| k.dests.get(d))
                .map(|k| dest_changes(k, a))
                .unwrap_or_default();
            format!(
                "IPVS audit: destination {} of {s} was changed ({}), restored",
                dest(d),
                what.join(", ")
            )
        }
        Op::DelDest(s, d) => format!(
            "IPVS audit: destination {} of {s} was added outside kad to a service kad owns, removed",
            dest(d)
        ),
        // Never produced: every service the kernel has beyond the wanted
        // table is someone else's.
        Op::DelService(s) => format!("IPVS audit: service {s} removed"),
    }
}

/// Why an operation cannot apply to a table (the kernel's answer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("service {0} exists")]
    ServiceExists(SvcId),
    #[error("no service {0}")]
    NoService(SvcId),
    #[error("destination {1:?} of {0} exists")]
    DestExists(SvcId, DestId),
    #[error("no destination {1:?} in {0}")]
    NoDest(SvcId, DestId),
}

/// One operation on a table, as IPVS applies it to its own: what the
/// writer uses to keep its copy of the wanted table in step with the
/// health changes it sends, and the tests' kernel.
pub fn apply(t: &mut Table, op: &Op) -> Result<(), ApplyError> {
    match op {
        Op::NewService(id, a) => {
            if t.services.contains_key(id) {
                return Err(ApplyError::ServiceExists(id.clone()));
            }
            t.services.insert(
                id.clone(),
                crate::table::Service {
                    attrs: a.clone(),
                    dests: Default::default(),
                },
            );
        }
        Op::SetService(id, a) => {
            t.services
                .get_mut(id)
                .ok_or_else(|| ApplyError::NoService(id.clone()))?
                .attrs = a.clone();
        }
        Op::NewDest(id, d, a) => {
            let s = t
                .services
                .get_mut(id)
                .ok_or_else(|| ApplyError::NoService(id.clone()))?;
            if s.dests.contains_key(d) {
                return Err(ApplyError::DestExists(id.clone(), *d));
            }
            s.dests.insert(*d, a.clone());
        }
        Op::SetDest(id, d, a) => {
            let s = t
                .services
                .get_mut(id)
                .ok_or_else(|| ApplyError::NoService(id.clone()))?;
            *s.dests
                .get_mut(d)
                .ok_or_else(|| ApplyError::NoDest(id.clone(), *d))? = a.clone();
        }
        Op::DelDest(id, d) => {
            let s = t
                .services
                .get_mut(id)
                .ok_or_else(|| ApplyError::NoService(id.clone()))?;
            s.dests
                .remove(d)
                .ok_or_else(|| ApplyError::NoDest(id.clone(), *d))?;
        }
        Op::DelService(id) => {
            t.services
                .remove(id)
                .ok_or_else(|| ApplyError::NoService(id.clone()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::table::{Service, IPPROTO_TCP};
    use std::net::IpAddr;

    fn svc_id(a: [u8; 4]) -> SvcId {
        SvcId::Addr {
            protocol: IPPROTO_TCP,
            addr: IpAddr::from(a),
            port: 80,
        }
    }

    fn d(a: [u8; 4]) -> DestId {
        DestId {
            addr: IpAddr::from(a),
            port: 80,
        }
    }

    fn da(weight: u32) -> DestAttrs {
        DestAttrs {
            fwd: crate::table::fwd::MASQ,
            weight,
            u_thresh: 0,
            l_thresh: 0,
            tun_type: 0,
            tun_port: 0,
            tun_flags: 0,
        }
    }

    fn sa(s: &str) -> ServiceAttrs {
        ServiceAttrs {
            scheduler: s.into(),
            flags: 0,
            timeout: 0,
            netmask: 0xffff_ffff,
            pe_name: None,
        }
    }

    /// kad's: 192.168.1.10:80 → 10.0.0.1, 10.0.0.2 (weight 1).
    fn wanted() -> Table {
        let mut t = Table::default();
        t.services.insert(
            svc_id([192, 168, 1, 10]),
            Service {
                attrs: sa("wlc"),
                dests: [(d([10, 0, 0, 1]), da(1)), (d([10, 0, 0, 2]), da(1))]
                    .into_iter()
                    .collect(),
            },
        );
        t
    }

    fn lines(r: &[Repair]) -> Vec<&str> {
        r.iter().map(|r| r.line.as_str()).collect()
    }

    #[test]
    fn nothing_to_repair_when_the_kernel_holds_the_wanted_table() {
        assert!(repairs(&wanted(), &wanted()).is_empty());
    }

    #[test]
    fn a_deleted_destination_is_re_added() {
        let mut k = wanted();
        apply(
            &mut k,
            &Op::DelDest(svc_id([192, 168, 1, 10]), d([10, 0, 0, 2])),
        )
        .unwrap();
        let r = repairs(&wanted(), &k);
        assert_eq!(
            lines(&r),
            ["IPVS audit: destination 10.0.0.2:80 of TCP 192.168.1.10:80 was missing, re-added"]
        );
        assert_eq!(
            r[0].op,
            Op::NewDest(svc_id([192, 168, 1, 10]), d([10, 0, 0, 2]), da(1))
        );
    }

    #[test]
    fn a_deleted_service_comes_back_with_its_destinations() {
        let k = Table::default();
        let r = repairs(&wanted(), &k);
        assert_eq!(
            lines(&r),
            [
                "IPVS audit: service TCP 192.168.1.10:80 was missing, re-added",
                "IPVS audit: destination 10.0.0.1:80 of TCP 192.168.1.10:80 was missing, re-added",
                "IPVS audit: destination 10.0.0.2:80 of TCP 192.168.1.10:80 was missing, re-added",
            ]
        );
    }

    #[test]
    fn changed_weight_and_scheduler_are_restored_and_named() {
        let id = svc_id([192, 168, 1, 10]);
        let mut k = wanted();
        apply(&mut k, &Op::SetDest(id.clone(), d([10, 0, 0, 1]), da(7))).unwrap();
        apply(&mut k, &Op::SetService(id.clone(), sa("rr"))).unwrap();
        let r = repairs(&wanted(), &k);
        assert_eq!(
            lines(&r),
            [
                "IPVS audit: service TCP 192.168.1.10:80 was changed (scheduler rr → wlc), restored",
                "IPVS audit: destination 10.0.0.1:80 of TCP 192.168.1.10:80 was changed (weight 7 → 1), restored",
            ]
        );
        let mut fwd = da(1);
        fwd.fwd = crate::table::fwd::DROUTE;
        fwd.u_thresh = 9;
        let mut k = wanted();
        apply(&mut k, &Op::SetDest(id, d([10, 0, 0, 2]), fwd)).unwrap();
        assert_eq!(
            lines(&repairs(&wanted(), &k)),
            ["IPVS audit: destination 10.0.0.2:80 of TCP 192.168.1.10:80 was changed (forwarding route → masq, upper threshold 9 → 0), restored"]
        );
    }

    #[test]
    fn a_destination_added_by_hand_to_an_owned_service_is_removed() {
        let id = svc_id([192, 168, 1, 10]);
        let mut k = wanted();
        apply(&mut k, &Op::NewDest(id.clone(), d([10, 0, 0, 9]), da(1))).unwrap();
        let r = repairs(&wanted(), &k);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].op, Op::DelDest(id, d([10, 0, 0, 9])));
        assert!(r[0].line.contains("10.0.0.9:80 of TCP 192.168.1.10:80"));
    }

    #[test]
    fn a_service_kad_does_not_own_is_left_alone_whatever_it_holds() {
        let mut k = wanted();
        k.services.insert(
            svc_id([192, 168, 1, 99]),
            Service {
                attrs: sa("rr"),
                dests: [(d([10, 0, 0, 1]), da(3))].into_iter().collect(),
            },
        );
        assert!(repairs(&wanted(), &k).is_empty());
    }
}
