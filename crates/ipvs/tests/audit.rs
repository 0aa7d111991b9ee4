//! The IPVS audit over random tables and random drift: after its repairs
//! the owned part of the kernel is the wanted table again, the services kad
//! does not own are exactly as they were, and a second audit finds nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_ipvs::audit::{apply, repairs};
use kad_ipvs::reconcile::Op;
use kad_ipvs::table::{fwd, DestAttrs, DestId, Service, ServiceAttrs, SvcId, Table};
use proptest::prelude::*;
use std::net::IpAddr;

fn attrs(s: &str) -> ServiceAttrs {
    ServiceAttrs {
        scheduler: s.into(),
        flags: 0,
        timeout: 0,
        netmask: 0xffff_ffff,
        pe_name: None,
    }
}

fn dest_attrs(weight: u32) -> DestAttrs {
    DestAttrs {
        fwd: fwd::MASQ,
        weight,
        u_thresh: 0,
        l_thresh: 0,
        tun_type: 0,
        tun_port: 0,
        tun_flags: 0,
    }
}

/// Services on 10.0.0.N (`net` 10) or 192.0.2.N (someone else's).
fn arb_table(net: u8) -> impl Strategy<Value = Table> {
    prop::collection::btree_map(
        1u8..8,
        (
            prop_oneof![Just("rr"), Just("wlc")],
            prop::collection::btree_map(1u8..8, 0u32..4, 1..5),
        ),
        0..6,
    )
    .prop_map(move |m| Table {
        services: m
            .into_iter()
            .map(|(n, (sched, ds))| {
                let addr = if net == 10 {
                    IpAddr::from([10, 0, 0, n])
                } else {
                    IpAddr::from([192, 0, 2, n])
                };
                (
                    SvcId::Addr {
                        protocol: 6,
                        addr,
                        port: 80,
                    },
                    Service {
                        attrs: attrs(sched),
                        dests: ds
                            .into_iter()
                            .map(|(d, w)| {
                                (
                                    DestId {
                                        addr: IpAddr::from([10, 1, 0, d]),
                                        port: 80,
                                    },
                                    dest_attrs(w),
                                )
                            })
                            .collect(),
                    },
                )
            })
            .collect(),
    })
}

/// One change made outside kad, on the nth service / destination of the
/// kernel's table (modulo its size).
#[derive(Clone, Debug)]
enum Drift {
    DelService(usize),
    DelDest(usize, usize),
    Weight(usize, usize, u32),
    Forwarding(usize, usize),
    Thresholds(usize, usize, u32),
    Scheduler(usize, &'static str),
    Persistent(usize),
    AddDest(usize, u8, u32),
}

fn arb_drift() -> impl Strategy<Value = Drift> {
    prop_oneof![
        any::<usize>().prop_map(Drift::DelService),
        (any::<usize>(), any::<usize>()).prop_map(|(s, d)| Drift::DelDest(s, d)),
        (any::<usize>(), any::<usize>(), 0u32..10).prop_map(|(s, d, w)| Drift::Weight(s, d, w)),
        (any::<usize>(), any::<usize>()).prop_map(|(s, d)| Drift::Forwarding(s, d)),
        (any::<usize>(), any::<usize>(), 1u32..100)
            .prop_map(|(s, d, t)| Drift::Thresholds(s, d, t)),
        (
            any::<usize>(),
            prop_oneof![Just("rr"), Just("wlc"), Just("sh")]
        )
            .prop_map(|(s, x)| Drift::Scheduler(s, x)),
        any::<usize>().prop_map(Drift::Persistent),
        (any::<usize>(), 1u8..12, 0u32..4).prop_map(|(s, d, w)| Drift::AddDest(s, d, w)),
    ]
}

/// The drift as `ipvsadm` would make it (ignored when it does not apply).
fn drift(k: &mut Table, d: &Drift) {
    let ids: Vec<SvcId> = k.services.keys().cloned().collect();
    if ids.is_empty() {
        return;
    }
    let pick = |i: usize| ids[i % ids.len()].clone();
    let dest_of = |k: &Table, s: &SvcId, i: usize| {
        let ds: Vec<DestId> = k.services[s].dests.keys().copied().collect();
        (!ds.is_empty()).then(|| ds[i % ds.len()])
    };
    let op = match *d {
        Drift::DelService(s) => Some(Op::DelService(pick(s))),
        Drift::DelDest(s, i) => {
            let s = pick(s);
            dest_of(k, &s, i).map(|d| Op::DelDest(s, d))
        }
        Drift::Weight(s, i, _) | Drift::Thresholds(s, i, _) | Drift::Forwarding(s, i) => {
            let s = pick(s);
            dest_of(k, &s, i).map(|dd| {
                let mut a = k.services[&s].dests[&dd].clone();
                match *d {
                    Drift::Weight(_, _, w) => a.weight = w,
                    Drift::Thresholds(_, _, t) => {
                        a.u_thresh = t * 2;
                        a.l_thresh = t;
                    }
                    _ => a.fwd = fwd::DROUTE,
                }
                Op::SetDest(s, dd, a)
            })
        }
        Drift::Scheduler(s, x) => {
            let s = pick(s);
            let mut a = k.services[&s].attrs.clone();
            a.scheduler = x.into();
            Some(Op::SetService(s, a))
        }
        Drift::Persistent(s) => {
            let s = pick(s);
            let mut a = k.services[&s].attrs.clone();
            a.flags |= kad_ipvs::table::flags::PERSISTENT;
            a.timeout = 300;
            Some(Op::SetService(s, a))
        }
        Drift::AddDest(s, n, w) => {
            let s = pick(s);
            let dd = DestId {
                addr: IpAddr::from([10, 2, 0, n]),
                port: 80,
            };
            (!k.services[&s].dests.contains_key(&dd)).then(|| Op::NewDest(s, dd, dest_attrs(w)))
        }
    };
    if let Some(op) = op {
        apply(k, &op).unwrap();
    }
}

fn owned_part(k: &Table, of: &Table) -> Table {
    Table {
        services: k
            .services
            .iter()
            .filter(|(id, _)| of.services.contains_key(*id))
            .map(|(id, s)| (id.clone(), s.clone()))
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn repairs_restore_the_owned_part_and_leave_the_rest(
        wanted in arb_table(10),
        foreign in arb_table(192),
        drifts in prop::collection::vec(arb_drift(), 0..12),
    ) {
        let mut kernel = wanted.clone();
        kernel.services.extend(foreign.services.clone());
        for d in &drifts {
            drift(&mut kernel, d);
        }
        // What the foreign part is after the drift: the audit must keep it.
        let foreign_after: Table = Table {
            services: kernel
                .services
                .iter()
                .filter(|(id, _)| !wanted.services.contains_key(*id))
                .map(|(id, s)| (id.clone(), s.clone()))
                .collect(),
        };
        let fixes = repairs(&wanted, &kernel);
        for f in &fixes {
            prop_assert!(f.line.starts_with("IPVS audit: "), "{}", f.line);
            prop_assert!(!f.line.contains('\n'));
            prop_assert!(!matches!(f.op, Op::DelService(_)), "{:?}", f.op);
            apply(&mut kernel, &f.op).unwrap();
        }
        prop_assert_eq!(owned_part(&kernel, &wanted), wanted.clone());
        let rest: Table = Table {
            services: kernel
                .services
                .iter()
                .filter(|(id, _)| !wanted.services.contains_key(*id))
                .map(|(id, s)| (id.clone(), s.clone()))
                .collect(),
        };
        prop_assert_eq!(rest, foreign_after);
        prop_assert!(repairs(&wanted, &kernel).is_empty());
    }
}
