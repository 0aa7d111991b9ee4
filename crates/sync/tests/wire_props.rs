//! The sync codec against random input: any bytes decode to a value or an
//! error (never a panic), and every encodable table comes back whole.

use kad_sync::wire::{decode, encode_all, flags, Conn};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn conn() -> impl Strategy<Value = Conn> {
    (
        any::<bool>(),
        any::<[u8; 16]>(),
        any::<(u16, u16, u16, u32, u32, u16)>(),
        proptest::option::of(any::<[u8; 24]>()),
        proptest::option::of((
            "[a-z]{1,16}",
            proptest::collection::vec(any::<u8>(), 1..255),
        )),
        any::<bool>(),
    )
        .prop_map(
            |(v6, a, (cport, vport, dport, fwmark, timeout, state), seq, pe, tpl)| {
                let ip = |k: u8| -> IpAddr {
                    let mut b = a;
                    b[0] ^= k;
                    if v6 {
                        IpAddr::V6(Ipv6Addr::from(b))
                    } else {
                        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
                    }
                };
                Conn {
                    protocol: 6,
                    flags: flags::DROUTE | if tpl { flags::TEMPLATE } else { 0 },
                    state,
                    caddr: ip(1),
                    cport,
                    vaddr: ip(2),
                    vport,
                    daddr: ip(3),
                    dport,
                    fwmark,
                    timeout,
                    seq,
                    pe,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_bytes_decode_without_panic(b in proptest::collection::vec(any::<u8>(), 0..1600)) {
        let _ = decode(&b);
    }

    #[test]
    fn damaged_datagrams_decode_without_panic(
        conns in proptest::collection::vec(conn(), 1..20),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        for mut d in encode_all(1, 1472, &conns).unwrap() {
            let i = at.index(d.len());
            d[i] = byte;
            let _ = decode(&d);
        }
    }

    #[test]
    fn tables_round_trip(conns in proptest::collection::vec(conn(), 0..100), maxlen in 400usize..9000) {
        let d = encode_all(9, maxlen, &conns).unwrap();
        let mut back = vec![];
        for m in &d {
            prop_assert!(m.len() <= maxlen);
            let x = decode(m).unwrap();
            prop_assert_eq!(x.stopped, None);
            prop_assert_eq!(x.skipped, 0);
            back.extend(x.message.conns);
        }
        prop_assert_eq!(back, conns);
    }
}
