//! The wanted table from keepalived's samples, and the reconciliation diff:
//! only the difference, in an order that never empties a service that stays.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

#[path = "../../../integration/src/samples.rs"]
mod samples;

use kad_config::{load, load_str, LoadOptions};
use kad_ipvs::reconcile::{diff, Op};
use kad_ipvs::table::{
    flags, fwd, wanted, DestAttrs, DestId, Service, ServiceAttrs, SvcId, Table, IPPROTO_TCP,
};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

fn sample(name: &str) -> kad_config::Config {
    let p = samples::path(name);
    load(
        &p,
        &LoadOptions {
            config_id: "x".into(),
        },
    )
    .config
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn sample_service_is_what_ipvsadm_would_show() {
    // -A -t 10.10.10.2:1358 -s rr -p 50 ; -a -r 192.168.200.2:1358 -m -w 1
    let t = wanted(&sample("keepalived.conf.sample"));
    let id = SvcId::Addr {
        protocol: IPPROTO_TCP,
        addr: ip("10.10.10.2"),
        port: 1358,
    };
    let s = &t.services[&id];
    assert_eq!(
        s.attrs,
        ServiceAttrs {
            scheduler: "rr".into(),
            flags: flags::PERSISTENT,
            timeout: 50,
            netmask: 0xffff_ffff,
            pe_name: None
        }
    );
    let d = &s.dests[&DestId {
        addr: ip("192.168.200.2"),
        port: 1358,
    }];
    assert_eq!((d.fwd, d.weight), (fwd::MASQ, 1));
    assert_eq!(
        s.dests.len(),
        1,
        "the sorry server is not installed while quorum holds"
    );
}

#[test]
fn groups_expand_to_one_service_per_address_and_fwmark() {
    let t = wanted(&sample("keepalived.conf.virtual_server_group"));
    // 10.0.0.1:8080, 10.0.0.2:80, 192.168.200.1:1358, 192.168.200.3..10:80, fwmark 1, fwmark 2
    assert_eq!(t.services.len(), 3 + 8 + 2);
    assert!(t.services.contains_key(&SvcId::Addr {
        protocol: IPPROTO_TCP,
        addr: ip("192.168.200.10"),
        port: 80
    }));
    assert!(t.services.contains_key(&SvcId::Fwmark {
        af_inet6: false,
        mark: 2
    }));
    assert!(t.services.values().all(|s| s.dests.len() == 2));
}

#[test]
fn fwmark_dr_tunnel_and_flags() {
    let cfg = load_str(
        "virtual_server fwmark 7 {\n lb_algo sh\n sh-port\n lb_kind DR\n persistence_timeout\n persistence_granularity 255.255.255.0\n\
         real_server 10.0.0.1 { weight 3 }\n real_server 10.0.0.2 { lb_kind TUN type gue port 6080 csum\n uthreshold 100\n lthreshold 10 }\n}\n\
         virtual_server 10.1.0.1 53 { protocol UDP\n lb_algo rr\n ops\n quorum 5\n sorry_server 10.9.9.9 53\n real_server 10.2.0.1 53 { weight 2 } }\n",
        Path::new("/v/k.conf"),
        &LoadOptions { config_id: "x".into() },
    )
    .config;
    let t = wanted(&cfg);
    let s = &t.services[&SvcId::Fwmark {
        af_inet6: false,
        mark: 7,
    }];
    assert_eq!(s.attrs.flags, flags::PERSISTENT | flags::SCHED2);
    assert_eq!((s.attrs.timeout, s.attrs.netmask), (360, 0xffff_ff00));
    assert_eq!(
        s.dests[&DestId {
            addr: ip("10.0.0.1"),
            port: 0
        }]
            .fwd,
        fwd::DROUTE
    );
    let tun = &s.dests[&DestId {
        addr: ip("10.0.0.2"),
        port: 0,
    }];
    assert_eq!(
        (
            tun.fwd,
            tun.tun_type,
            tun.tun_port,
            tun.tun_flags,
            tun.u_thresh,
            tun.l_thresh
        ),
        (fwd::TUNNEL, 1, 6080, 1, 100, 10)
    );
    // Quorum 5 > live weight 2: the sorry server alone serves.
    let u = &t.services[&SvcId::Addr {
        protocol: 17,
        addr: ip("10.1.0.1"),
        port: 53,
    }];
    assert_eq!(u.attrs.flags, flags::ONEPACKET);
    assert_eq!(
        u.dests.keys().copied().collect::<Vec<_>>(),
        vec![DestId {
            addr: ip("10.9.9.9"),
            port: 53
        }]
    );
}

/// A plain service's settings with scheduler `sched`.
fn attrs(sched: &str) -> ServiceAttrs {
    ServiceAttrs {
        scheduler: sched.into(),
        flags: 0,
        timeout: 0,
        netmask: 0xffff_ffff,
        pe_name: None,
    }
}

fn svc(sched: &str, dests: &[(&str, u32)]) -> Service {
    Service {
        attrs: attrs(sched),
        dests: dests
            .iter()
            .map(|(a, w)| {
                (
                    DestId {
                        addr: ip(a),
                        port: 80,
                    },
                    DestAttrs {
                        fwd: 0,
                        weight: *w,
                        u_thresh: 0,
                        l_thresh: 0,
                        tun_type: 0,
                        tun_port: 0,
                        tun_flags: 0,
                    },
                )
            })
            .collect(),
    }
}

fn table(svcs: &[(u8, Service)]) -> Table {
    Table {
        services: svcs
            .iter()
            .map(|(n, s)| {
                (
                    SvcId::Addr {
                        protocol: 6,
                        addr: IpAddr::from([10, 0, 0, *n]),
                        port: 80,
                    },
                    s.clone(),
                )
            })
            .collect(),
    }
}

#[test]
fn only_the_difference() {
    let w = table(&[(1, svc("wlc", &[("10.1.0.1", 1), ("10.1.0.2", 1)]))]);
    let owned: BTreeSet<SvcId> = w.services.keys().cloned().collect();
    assert_eq!(diff(&w, &Table::default(), &owned).len(), 3);
    assert!(
        matches!(diff(&w, &Table::default(), &owned)[0], Op::NewService(..)),
        "service before its dests"
    );
    assert!(diff(&w, &w, &owned).is_empty(), "nothing to do when equal");
    // One weight: one SetDest.
    let w2 = table(&[(1, svc("wlc", &[("10.1.0.1", 5), ("10.1.0.2", 1)]))]);
    assert!(
        matches!(diff(&w2, &w, &owned)[..], [Op::SetDest(_, d, _)] if d.addr == ip("10.1.0.1"))
    );
    // Scheduler: edited in place.
    let w3 = table(&[(1, svc("rr", &[("10.1.0.1", 1), ("10.1.0.2", 1)]))]);
    assert!(matches!(diff(&w3, &w, &owned)[..], [Op::SetService(..)]));
    // Replacing a server: the new one goes in first.
    let w4 = table(&[(1, svc("wlc", &[("10.1.0.1", 1), ("10.1.0.3", 1)]))]);
    let ops = diff(&w4, &w, &owned);
    assert!(
        matches!(ops[..], [Op::NewDest(..), Op::DelDest(..)]),
        "{ops:?}"
    );
    // A service removed from the configuration goes if kad owns it...
    assert!(matches!(
        diff(&Table::default(), &w, &owned)[..],
        [Op::DelService(_)]
    ));
    // ...and someone else's is left alone.
    assert!(diff(&Table::default(), &w, &BTreeSet::new()).is_empty());
}

/// A kernel that applies operations as IPVS does (errors as IPVS would).
fn apply(t: &mut Table, ops: &[Op]) -> Result<(), String> {
    for op in ops {
        match op {
            Op::NewService(id, a) => {
                if t.services
                    .insert(
                        id.clone(),
                        Service {
                            attrs: a.clone(),
                            dests: Default::default(),
                        },
                    )
                    .is_some()
                {
                    return Err(format!("EEXIST {id}"));
                }
            }
            Op::SetService(id, a) => {
                t.services.get_mut(id).ok_or(format!("ESRCH {id}"))?.attrs = a.clone()
            }
            Op::NewDest(id, d, a) => {
                let s = t.services.get_mut(id).ok_or(format!("ESRCH {id}"))?;
                if s.dests.insert(*d, a.clone()).is_some() {
                    return Err("EEXIST dest".into());
                }
            }
            Op::SetDest(id, d, a) => {
                *t.services
                    .get_mut(id)
                    .ok_or(format!("ESRCH {id}"))?
                    .dests
                    .get_mut(d)
                    .ok_or("ENOENT dest")? = a.clone()
            }
            Op::DelDest(id, d) => {
                let s = t.services.get_mut(id).ok_or(format!("ESRCH {id}"))?;
                s.dests.remove(d).ok_or("ENOENT dest")?;
                if s.dests.is_empty() {
                    return Err(format!("{id} was emptied"));
                }
            }
            Op::DelService(id) => {
                t.services.remove(id).ok_or(format!("ESRCH {id}"))?;
            }
        }
    }
    Ok(())
}

fn arb_table() -> impl Strategy<Value = Table> {
    prop::collection::btree_map(
        1u8..6,
        (
            prop_oneof![Just("rr"), Just("wlc")],
            prop::collection::btree_map(1u8..6, 0u32..4, 1..4),
        ),
        0..5,
    )
    .prop_map(|m| Table {
        services: m
            .into_iter()
            .map(|(n, (sched, ds))| {
                let dests = ds
                    .into_iter()
                    .map(|(d, w)| {
                        (
                            DestId {
                                addr: IpAddr::from([10, 1, 0, d]),
                                port: 80,
                            },
                            DestAttrs {
                                fwd: 0,
                                weight: w,
                                u_thresh: 0,
                                l_thresh: 0,
                                tun_type: 0,
                                tun_port: 0,
                                tun_flags: 0,
                            },
                        )
                    })
                    .collect();
                (
                    SvcId::Addr {
                        protocol: 6,
                        addr: IpAddr::from([10, 0, 0, n]),
                        port: 80,
                    },
                    Service {
                        attrs: attrs(sched),
                        dests,
                    },
                )
            })
            .collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Applying the diff reaches the wanted table exactly, without errors,
    /// without emptying a service that stays, and a second diff is empty.
    #[test]
    fn diff_reaches_wanted(current in arb_table(), wanted_t in arb_table(), foreign in arb_table()) {
        // Services kad owns: everything it wants or wanted before; a foreign
        // service on another address must survive.
        let mut kernel = current.clone();
        let foreign: Table = Table { services: foreign.services.into_iter().map(|(id, s)| match id {
            SvcId::Addr { addr: IpAddr::V4(a), port, protocol } => {
                let o = a.octets();
                (SvcId::Addr { protocol, addr: IpAddr::from([192, 0, 2, o[3]]), port }, s)
            }
            other => (other, s),
        }).collect() };
        kernel.services.extend(foreign.services.clone());
        let owned: BTreeSet<SvcId> = current.services.keys().chain(wanted_t.services.keys()).cloned().collect();
        let ops = diff(&wanted_t, &kernel, &owned);
        prop_assert!(apply(&mut kernel, &ops).is_ok(), "{:?}", apply(&mut kernel.clone(), &ops));
        let mut expect = wanted_t.clone();
        expect.services.extend(foreign.services);
        prop_assert_eq!(&kernel, &expect);
        prop_assert!(diff(&wanted_t, &kernel, &owned).is_empty());
    }
}

/// The kernel's `mh` builds its Maglev table walking a service's
/// destinations in the order they were added, which breaks ties between
/// servers (docs/operations.md, "A director in an ECMP group"): kad adds
/// them in address order whatever the file's order, so directors whose
/// files list the same real servers differently program the same table.
#[test]
fn destinations_are_added_in_address_order_whatever_the_file_s_order() {
    let adds = |order: &[u8]| -> Vec<IpAddr> {
        let servers: String = order
            .iter()
            .map(|o| format!(" real_server 10.0.0.{o} 80 {{\n weight 1\n }}\n"))
            .collect();
        let cfg = load_str(
            &format!("virtual_server 10.0.0.50 80 {{\n protocol TCP\n lb_algo mh\n mh-port\n lb_kind DR\n{servers}}}\n"),
            Path::new("/v/k.conf"),
            &LoadOptions { config_id: "x".into() },
        )
        .config;
        diff(&wanted(&cfg), &Table::default(), &BTreeSet::new())
            .into_iter()
            .filter_map(|op| match op {
                Op::NewDest(_, d, _) => Some(d.addr),
                _ => None,
            })
            .collect()
    };
    let sorted = [ip("10.0.0.11"), ip("10.0.0.12"), ip("10.0.0.13")];
    for order in [[11, 12, 13], [13, 11, 12], [12, 13, 11]] {
        assert_eq!(adds(&order), sorted, "{order:?}");
    }
}
