//! Every IPVS message kind, byte for byte, as `ip_vs_ctl.c` parses it
//! (expected bytes written out by hand from the uapi header, not produced
//! by the code under test), and dump replies read back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_ipvs::netlink::attr::Attr;
use kad_ipvs::netlink::msg::{self, cmd, cmd_attr, IpvsMessage};
use kad_ipvs::reconcile::Op;
use kad_ipvs::table::{fwd, DestAttrs, DestId, ServiceAttrs, SvcId};
use netlink_packet_core::{NetlinkMessage, NLM_F_ACK, NLM_F_REQUEST};
use netlink_packet_generic::GenlMessage;
use std::net::IpAddr;

const FAMILY: u16 = 0x0025;

/// The whole netlink message: header (16), genl header (4), attributes.
fn wire(m: IpvsMessage) -> Vec<u8> {
    let mut g = GenlMessage::from_payload(m);
    g.set_resolved_family_id(FAMILY);
    g.finalize();
    let mut nl = NetlinkMessage::from(g);
    nl.header.flags = NLM_F_REQUEST | NLM_F_ACK;
    nl.header.sequence_number = 7;
    nl.finalize();
    let mut b = vec![0; nl.buffer_len()];
    nl.serialize(&mut b);
    b
}

/// nlmsghdr + genlmsghdr for `cmd` with `len` bytes of attributes.
fn head(cmd: u8, attrs_len: usize) -> Vec<u8> {
    let total = (16 + 4 + attrs_len) as u32;
    let mut h = total.to_ne_bytes().to_vec();
    h.extend(FAMILY.to_ne_bytes());
    h.extend(5u16.to_ne_bytes()); // NLM_F_REQUEST | NLM_F_ACK
    h.extend(7u32.to_ne_bytes()); // sequence
    h.extend(0u32.to_ne_bytes()); // port id
    h.extend([cmd, 1, 0, 0]); // cmd, version 1, reserved
    h
}

fn ne16(v: u16) -> [u8; 2] {
    v.to_ne_bytes()
}
fn ne32(v: u32) -> [u8; 4] {
    v.to_ne_bytes()
}

fn tcp_svc() -> SvcId {
    SvcId::Addr {
        protocol: 6,
        addr: "10.0.0.1".parse().unwrap(),
        port: 80,
    }
}

/// The service-id nest body for TCP 10.0.0.1:80 (AF, PROTOCOL, ADDR, PORT).
fn tcp_id_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend([6, 0, 1, 0]);
    b.extend(ne16(2));
    b.extend([0, 0]);
    b.extend([6, 0, 2, 0]);
    b.extend(ne16(6));
    b.extend([0, 0]);
    b.extend([20, 0, 3, 0, 10, 0, 0, 1]);
    b.extend([0; 12]);
    b.extend([6, 0, 4, 0, 0, 80, 0, 0]); // port 80 in network order
    b
}

fn nest(kind: u16, body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 4) as u16).to_ne_bytes().to_vec();
    v.extend((kind | 0x8000).to_ne_bytes());
    v.extend(body);
    v
}

fn wlc() -> ServiceAttrs {
    ServiceAttrs {
        scheduler: "wlc".into(),
        flags: 1,
        timeout: 300,
        netmask: 0xffff_ff00,
        pe_name: None,
    }
}

#[test]
fn new_service() {
    let mut body = tcp_id_body();
    body.extend([8, 0, 6, 0, b'w', b'l', b'c', 0]);
    body.extend([12, 0, 7, 0]);
    body.extend(ne32(1)); // PERSISTENT
    body.extend([0xff; 4]); // mask
    body.extend([8, 0, 8, 0]);
    body.extend(ne32(300));
    body.extend([8, 0, 9, 0, 0xff, 0xff, 0xff, 0x00]); // 255.255.255.0, network order
    let attrs = nest(1, &body);
    let mut want = head(cmd::NEW_SERVICE, attrs.len());
    want.extend(attrs);
    assert_eq!(
        wire(IpvsMessage::from_op(&Op::NewService(tcp_svc(), wlc()))),
        want
    );
}

#[test]
fn set_service_uses_the_same_body() {
    let a = wire(IpvsMessage::from_op(&Op::NewService(tcp_svc(), wlc())));
    let b = wire(IpvsMessage::from_op(&Op::SetService(tcp_svc(), wlc())));
    assert_eq!(b[16], cmd::SET_SERVICE);
    assert_eq!(a[17..], b[17..]);
}

#[test]
fn del_service_fwmark_ipv6() {
    let mut body = vec![6, 0, 1, 0];
    body.extend(ne16(10));
    body.extend([0, 0]);
    body.extend([8, 0, 5, 0]);
    body.extend(ne32(42));
    let attrs = nest(1, &body);
    let mut want = head(cmd::DEL_SERVICE, attrs.len());
    want.extend(attrs);
    assert_eq!(
        wire(IpvsMessage::from_op(&Op::DelService(SvcId::Fwmark {
            af_inet6: true,
            mark: 42
        }))),
        want
    );
}

fn dr(weight: u32) -> DestAttrs {
    DestAttrs {
        fwd: fwd::DROUTE,
        weight,
        u_thresh: 0,
        l_thresh: 0,
        tun_type: 0,
        tun_port: 0,
        tun_flags: 0,
    }
}

fn dest_body(addr: [u8; 4], port: u16, fwd: u32, weight: u32) -> Vec<u8> {
    let mut b = vec![20, 0, 1, 0];
    b.extend(addr);
    b.extend([0; 12]);
    b.extend([6, 0, 2, 0]);
    b.extend(port.to_be_bytes());
    b.extend([0, 0]);
    for (k, v) in [(3u8, fwd), (4, weight), (5, 0), (6, 0)] {
        b.extend([8, 0, k, 0]);
        b.extend(ne32(v));
    }
    b.extend([6, 0, 11, 0]);
    b.extend(ne16(2));
    b.extend([0, 0]);
    b
}

#[test]
fn new_and_set_dest() {
    let d = DestId {
        addr: "10.1.0.7".parse().unwrap(),
        port: 8080,
    };
    let mut attrs = nest(1, &tcp_id_body());
    attrs.extend(nest(2, &dest_body([10, 1, 0, 7], 8080, 3, 5)));
    let mut want = head(cmd::NEW_DEST, attrs.len());
    want.extend(&attrs);
    assert_eq!(
        wire(IpvsMessage::from_op(&Op::NewDest(tcp_svc(), d, dr(5)))),
        want
    );
    let mut want = head(cmd::SET_DEST, attrs.len());
    want.extend(attrs);
    assert_eq!(
        wire(IpvsMessage::from_op(&Op::SetDest(tcp_svc(), d, dr(5)))),
        want
    );
}

#[test]
fn tunnel_dest_carries_gue_port_and_flags() {
    let d = DestId {
        addr: "10.1.0.7".parse().unwrap(),
        port: 80,
    };
    let a = DestAttrs {
        fwd: fwd::TUNNEL,
        weight: 1,
        u_thresh: 0,
        l_thresh: 0,
        tun_type: 1,
        tun_port: 6080,
        tun_flags: 1,
    };
    let mut body = dest_body([10, 1, 0, 7], 80, 2, 1);
    body.extend([5, 0, 13, 0, 1, 0, 0, 0]); // TUN_TYPE u8 GUE
    body.extend([6, 0, 14, 0]);
    body.extend(6080u16.to_be_bytes());
    body.extend([0, 0]);
    body.extend([6, 0, 15, 0]);
    body.extend(ne16(1));
    body.extend([0, 0]);
    let mut attrs = nest(1, &tcp_id_body());
    attrs.extend(nest(2, &body));
    let mut want = head(cmd::NEW_DEST, attrs.len());
    want.extend(attrs);
    assert_eq!(
        wire(IpvsMessage::from_op(&Op::NewDest(tcp_svc(), d, a))),
        want
    );
}

#[test]
fn del_dest() {
    let d = DestId {
        addr: "10.1.0.7".parse().unwrap(),
        port: 8080,
    };
    let mut body = vec![20, 0, 1, 0, 10, 1, 0, 7];
    body.extend([0; 12]);
    body.extend([6, 0, 2, 0, 0x1f, 0x90, 0, 0]);
    let mut attrs = nest(1, &tcp_id_body());
    attrs.extend(nest(2, &body));
    let mut want = head(cmd::DEL_DEST, attrs.len());
    want.extend(attrs);
    assert_eq!(wire(IpvsMessage::from_op(&Op::DelDest(tcp_svc(), d))), want);
}

#[test]
fn config_daemon_flush_info_and_dumps() {
    let mut t = Vec::new();
    for (k, v) in [(4u8, 900u32), (5, 120), (6, 300)] {
        t.extend([8, 0, k, 0]);
        t.extend(ne32(v));
    }
    let mut want = head(cmd::SET_CONFIG, t.len());
    want.extend(t);
    assert_eq!(wire(IpvsMessage::set_timeouts(900, 120, 300)), want);

    let mut d = vec![8, 0, 1, 0];
    d.extend(ne32(1));
    d.extend([9, 0, 2, 0, b'e', b't', b'h', b'1', 0, 0, 0, 0]);
    d.extend([8, 0, 3, 0]);
    d.extend(ne32(51));
    let attrs = nest(3, &d);
    let mut want = head(cmd::NEW_DAEMON, attrs.len());
    want.extend(attrs);
    assert_eq!(wire(IpvsMessage::new_daemon(1, "eth1", 51)), want);

    let mut d = vec![8, 0, 1, 0];
    d.extend(ne32(2));
    let attrs = nest(3, &d);
    let mut want = head(cmd::DEL_DAEMON, attrs.len());
    want.extend(attrs);
    assert_eq!(wire(IpvsMessage::del_daemon(2)), want);

    assert_eq!(wire(IpvsMessage::flush()), head(cmd::FLUSH, 0));
    assert_eq!(
        wire(IpvsMessage::new(cmd::GET_CONFIG, vec![])),
        head(cmd::GET_CONFIG, 0)
    );
    assert_eq!(
        wire(IpvsMessage::new(cmd::GET_DAEMON, vec![])),
        head(cmd::GET_DAEMON, 0)
    );
    assert_eq!(wire(IpvsMessage::get_info()), head(cmd::GET_INFO, 0));
    assert_eq!(
        wire(IpvsMessage::dump_services()),
        head(cmd::GET_SERVICE, 0)
    );
    let attrs = nest(1, &tcp_id_body());
    let mut want = head(cmd::GET_DEST, attrs.len());
    want.extend(attrs);
    assert_eq!(wire(IpvsMessage::dump_dests(&tcp_svc())), want);
}

/// A reply as the kernel sends it: nests without NLA_F_NESTED, addresses
/// 16 bytes, stats nests, the HASHED flag set.
#[test]
fn dump_replies_parse_back() {
    let nest_noflag = |kind: u16, attrs: Vec<Attr>| {
        let mut body = vec![0u8; 0];
        let nested = Attr::nested(kind, attrs);
        let mut buf = vec![0u8; netlink_packet_core::Emitable::buffer_len(&nested)];
        netlink_packet_core::Emitable::emit(&nested, &mut buf);
        body.extend(&buf[4..]);
        Attr::bytes(kind, body)
    };
    let mut svc_attrs = msg::service(&tcp_svc(), &wlc());
    for a in &mut svc_attrs {
        if a.kind == msg::svc::FLAGS {
            *a = Attr::bytes(msg::svc::FLAGS, [ne32(1 | 2), ne32(u32::MAX)].concat());
        }
    }
    svc_attrs.push(Attr::nested(msg::svc::STATS, vec![Attr::u32(1, 5)]));
    let reply = IpvsMessage::new(
        cmd::NEW_SERVICE,
        vec![nest_noflag(cmd_attr::SERVICE, svc_attrs)],
    );
    let (id, attrs) = msg::parse_service(&reply).unwrap();
    assert_eq!(id, tcp_svc());
    assert_eq!(attrs, wlc(), "HASHED is dropped");

    let d = DestId {
        addr: "10.1.0.7".parse().unwrap(),
        port: 8080,
    };
    let mut dattrs = msg::destination(&d, &dr(5));
    dattrs.push(Attr::u32(msg::dest::ACTIVE_CONNS, 3));
    dattrs.push(Attr::u32(msg::dest::INACT_CONNS, 4));
    dattrs.push(Attr::u8(msg::dest::TUN_TYPE, 0));
    dattrs.push(nest_noflag(
        msg::dest::STATS64,
        vec![
            Attr::bytes(1, 10u64.to_ne_bytes()),
            Attr::bytes(4, 1500u64.to_ne_bytes()),
        ],
    ));
    let reply = IpvsMessage::new(cmd::NEW_DEST, vec![nest_noflag(cmd_attr::DEST, dattrs)]);
    let (id, a, st) = msg::parse_dest(&reply, false).unwrap();
    assert_eq!((id, a), (d, dr(5)));
    assert_eq!(
        (st.active_conns, st.inact_conns, st.conns, st.inbytes),
        (3, 4, 10, 1500)
    );

    // Truncated or missing attributes are errors, not panics.
    let bad = IpvsMessage::new(
        cmd::NEW_DEST,
        vec![Attr::bytes(cmd_attr::DEST, vec![4, 0, 1, 0, 0xff])],
    );
    assert!(msg::parse_dest(&bad, false).is_err());
    assert!(msg::parse_service(&IpvsMessage::new(cmd::NEW_SERVICE, vec![])).is_err());
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    let six = SvcId::Addr {
        protocol: 17,
        addr: v6,
        port: 53,
    };
    let mut a6 = wlc();
    a6.netmask = 64;
    let reply = IpvsMessage::new(
        cmd::NEW_SERVICE,
        vec![nest_noflag(cmd_attr::SERVICE, msg::service(&six, &a6))],
    );
    assert_eq!(msg::parse_service(&reply).unwrap(), (six, a6));
}
