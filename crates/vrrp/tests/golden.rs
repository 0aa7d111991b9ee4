//! keepalived's own adverts, captured on the wire, decode byte for byte and
//! re-encode identically.

use kad_config::model::Centis;
use kad_vrrp::packet::{self, Auth, RxError, V3Checksum, Version};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

/// Ethernet frames of a classic pcap file (link type 1).
fn frames(name: &str) -> Vec<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/keepalived-captures")
        .join(name);
    let b = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(&b[0..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian pcap");
    let mut out = Vec::new();
    let mut i = 24;
    while i + 16 <= b.len() {
        let caplen = u32::from_le_bytes([b[i + 8], b[i + 9], b[i + 10], b[i + 11]]) as usize;
        out.push(b[i + 16..i + 16 + caplen].to_vec());
        i += 16 + caplen;
    }
    out
}

fn vrrp_frames(name: &str) -> Vec<Vec<u8>> {
    frames(name)
        .into_iter()
        .filter(|f| f[12..14] == [0x08, 0x00])
        .collect()
}

#[test]
fn v2_pass_advert_round_trips() {
    let f = &vrrp_frames("v2_pass_garp.pcap")[0];
    let (ip, payload) = packet::parse_ipv4(&f[14..]).unwrap();
    assert_eq!(
        (ip.src, ip.dst, ip.ttl, ip.protocol),
        (Ipv4Addr::new(192, 168, 200, 2), packet::MCAST4, 255, 112)
    );
    let adv = packet::decode(payload, false, ip.src.into(), ip.dst.into()).unwrap();
    assert_eq!(adv.version, Version::V2);
    assert_eq!(
        (adv.vrid, adv.priority, adv.interval),
        (51, 100, Centis(100))
    );
    assert_eq!(
        adv.addrs,
        vec![
            IpAddr::from([192, 168, 200, 16]),
            IpAddr::from([192, 168, 200, 17])
        ]
    );
    assert_eq!(adv.auth_type, 1);
    assert_eq!(&adv.auth_data, b"secret\0\0");
    let v4: Vec<Ipv4Addr> = adv
        .addrs
        .iter()
        .map(|a| match a {
            IpAddr::V4(a) => *a,
            _ => unreachable!(),
        })
        .collect();
    let again = packet::encode_v2(51, 100, 1, &v4, Auth::pass("secret"));
    assert_eq!(
        again, payload,
        "re-encoded advert differs from keepalived's"
    );
    // Our IPv4 header equals keepalived's too (same id, TOS, TTL, checksum).
    assert_eq!(
        packet::ipv4_header(ip.src, ip.dst, 1, 255, payload.len()),
        f[14..34]
    );
}

#[test]
fn v3_advert_round_trips_with_pseudo_header() {
    for f in vrrp_frames("v3_mcast.pcap") {
        let (ip, payload) = packet::parse_ipv4(&f[14..]).unwrap();
        let adv = packet::decode(payload, false, ip.src.into(), ip.dst.into()).unwrap();
        // The last advert is keepalived's priority-0 goodbye.
        assert!(adv.priority == 200 || adv.priority == 0);
        assert_eq!(
            (adv.version, adv.vrid, adv.interval),
            (Version::V3, 52, Centis(50))
        );
        assert_eq!(adv.addrs, vec![IpAddr::from([192, 168, 200, 30])]);
        let csum = V3Checksum::Pseudo {
            src: ip.src.into(),
            dst: ip.dst.into(),
        };
        assert_eq!(
            packet::encode_v3(52, adv.priority, Centis(50), &adv.addrs, csum),
            payload
        );
        // The RFC 9568 message-only form differs (0x7dd0) and is accepted too.
        let plain = packet::encode_v3(
            52,
            adv.priority,
            Centis(50),
            &adv.addrs,
            V3Checksum::MessageOnly,
        );
        if adv.priority == 200 {
            assert_eq!(&plain[6..8], &[0x7d, 0xd0]);
        }
        assert!(packet::decode(&plain, false, ip.src.into(), ip.dst.into()).is_ok());
    }
}

#[test]
fn every_vrrp_frame_of_the_captures_decodes() {
    let mut n = 0;
    for name in ["v2_pass_garp.pcap", "v3_mcast.pcap"] {
        for f in vrrp_frames(name) {
            let (ip, payload) = packet::parse_ipv4(&f[14..]).unwrap();
            packet::decode(payload, false, ip.src.into(), ip.dst.into()).unwrap();
            n += 1;
        }
    }
    assert!(n >= 7, "{n}");
}

#[test]
fn the_capture_s_garps_are_ours() {
    let garps: Vec<Vec<u8>> = frames("v2_pass_garp.pcap")
        .into_iter()
        .filter(|f| f[12..14] == [0x08, 0x06])
        .collect();
    assert_eq!(
        garps.len(),
        20,
        "keepalived sends 5 × 2 VIPs, then again after 5 s"
    );
    let mac = [0x96, 0x72, 0xd6, 0x71, 0x20, 0x21];
    for (i, g) in garps.iter().enumerate() {
        let vip = if i % 2 == 0 {
            [192, 168, 200, 16]
        } else {
            [192, 168, 200, 17]
        };
        assert_eq!(&kad_vrrp::garp::arp_frame(mac, vip.into())[..], &g[..42]);
    }
}

#[test]
fn malformed_packets_are_errors_not_panics() {
    let good = packet::encode_v2(1, 100, 1, &[Ipv4Addr::new(10, 0, 0, 1)], Auth::None);
    let src: IpAddr = [10, 0, 0, 2].into();
    let dst: IpAddr = packet::MCAST4.into();
    let dec = |p: &[u8]| packet::decode(p, false, src, dst);
    assert!(dec(&good).is_ok());
    assert_eq!(dec(&good[..7]), Err(RxError::Length));
    assert_eq!(dec(&good[..15]), Err(RxError::Length));
    let mut bad = good.clone();
    bad[0] = 0x41;
    assert_eq!(dec(&bad), Err(RxError::Version));
    bad = good.clone();
    bad[0] = 0x22;
    assert_eq!(dec(&bad), Err(RxError::InvalidType));
    bad = good.clone();
    bad[9] ^= 1;
    assert_eq!(dec(&bad), Err(RxError::Checksum));
    bad = good.clone();
    bad[3] = 200;
    assert_eq!(dec(&bad), Err(RxError::Length));
    assert_eq!(packet::parse_ipv4(&[0x45; 10]), Err(RxError::IpHeader));
    // Every truncation and every single-byte change of a real packet.
    for n in 0..good.len() {
        let _ = dec(&good[..n]);
        for b in [0u8, 0xff, 0x80] {
            let mut m = good.clone();
            m[n] = b;
            let _ = dec(&m);
        }
    }
}
