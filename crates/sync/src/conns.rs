//! The connection table as `/proc/net/ip_vs_conn` prints it (the kernel
//! has no netlink command that dumps connections). Rows: protocol, client,
//! virtual and real address/port, state name, seconds until expiry, and
//! optionally the persistence engine's name and data.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use thiserror::Error;

/// One row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcConn {
    /// "TCP", "UDP", "SCTP", or "IP" (a fwmark service's template).
    pub proto: String,
    pub caddr: IpAddr,
    pub cport: u16,
    /// For fwmark templates, the mark printed as an address.
    pub vaddr: IpAddr,
    pub vport: u16,
    pub daddr: IpAddr,
    pub dport: u16,
    pub state: String,
    pub expires: u32,
    pub pe: Option<(String, String)>,
}

impl ProcConn {
    /// Persistence templates have no client port (a client never uses 0).
    pub fn is_template(&self) -> bool {
        self.cport == 0
    }
}

#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("/proc/net/ip_vs_conn line {line}: {what}")]
pub struct ParseError {
    pub line: usize,
    pub what: String,
}

/// Parse the whole file; rows that do not parse are returned as errors
/// alongside the rows that do (one bad row loses only itself).
pub fn parse(text: &str) -> (Vec<ProcConn>, Vec<ParseError>) {
    let (mut rows, mut errs) = (Vec::new(), Vec::new());
    for (i, l) in text.lines().enumerate() {
        match parse_line(l) {
            None => {}
            Some(Ok(r)) => rows.push(r),
            Some(Err(what)) => errs.push(ParseError { line: i + 1, what }),
        }
    }
    (rows, errs)
}

/// One line of the file: `None` for the header and blank lines.
pub fn parse_line(l: &str) -> Option<Result<ProcConn, String>> {
    if l.starts_with("Pro ") || l.trim().is_empty() {
        return None;
    }
    Some(row(l))
}

fn row(l: &str) -> Result<ProcConn, String> {
    let f: Vec<&str> = l.split_whitespace().collect();
    if f.len() < 9 {
        return Err(format!("{} fields, want at least 9", f.len()));
    }
    let port = |s: &str| u16::from_str_radix(s, 16).map_err(|_| format!("bad port {s:?}"));
    Ok(ProcConn {
        proto: f[0].to_string(),
        caddr: addr(f[1])?,
        cport: port(f[2])?,
        vaddr: addr(f[3])?,
        vport: port(f[4])?,
        daddr: addr(f[5])?,
        dport: port(f[6])?,
        state: f[7].to_string(),
        expires: f[8].parse().map_err(|_| format!("bad expiry {:?}", f[8]))?,
        pe: match (f.get(9), f.get(10)) {
            (Some(n), Some(d)) => Some((n.to_string(), d.to_string())),
            _ => None,
        },
    })
}

/// IPv4 as 8 hex digits of the host-order value, IPv6 in full form.
fn addr(s: &str) -> Result<IpAddr, String> {
    if s.contains(':') {
        return s
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| format!("bad address {s:?}"));
    }
    match (s.len(), u32::from_str_radix(s, 16)) {
        (8, Ok(v)) => Ok(IpAddr::V4(Ipv4Addr::from(v))),
        _ => Err(format!("bad address {s:?}")),
    }
}

/// The kernel's state numbers by the names it prints (include/net/ip_vs.h).
pub fn state_number(proto: &str, name: &str, template: bool) -> Option<u16> {
    if template {
        return match name {
            "NONE" => Some(0),
            "ASSURED" => Some(1),
            _ => None,
        };
    }
    const TCP: [&str; 11] = [
        "NONE",
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "SYNACK",
    ];
    match proto {
        "TCP" => TCP.iter().position(|s| *s == name).map(|i| i as u16),
        "UDP" => (name == "UDP").then_some(0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C6336407 9C40 C0000201 0050 0A000002 0050 ESTABLISHED     899
IP  C6336407 0000 00000001 0000 0A000002 0000 NONE            299
UDP 0A004FB6 A000 C0000201 0035 0A000003 0035 UDP             279
TCP 2001:0db8:0000:0000:0000:0000:0000:0007 9C41 2001:0db8:0000:0000:0000:0000:0000:0001 0050 2001:0db8:0001:0000:0000:0000:0000:0002 0050 FIN_WAIT        100
UDP C6336407 13C4 C0000201 13C4 0A000002 13C4 UDP             30 sip call-42
TCP ZZZ 0050
";

    #[test]
    fn parses_every_kind_of_row_and_reports_bad_ones() {
        let (rows, errs) = parse(SAMPLE);
        assert_eq!(rows.len(), 5);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 7);
        let r = &rows[0];
        assert_eq!(r.caddr, "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!((r.cport, r.vport, r.dport), (40000, 80, 80));
        assert_eq!((r.state.as_str(), r.expires), ("ESTABLISHED", 899));
        assert!(rows[1].is_template());
        assert_eq!(rows[1].vaddr, "0.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(rows[2].caddr, "10.0.79.182".parse::<IpAddr>().unwrap());
        assert_eq!(rows[3].daddr, "2001:db8:1::2".parse::<IpAddr>().unwrap());
        assert_eq!(rows[4].pe, Some(("sip".into(), "call-42".into())));
    }

    #[test]
    fn state_numbers() {
        assert_eq!(state_number("TCP", "ESTABLISHED", false), Some(1));
        assert_eq!(state_number("TCP", "SYNACK", false), Some(10));
        assert_eq!(state_number("UDP", "UDP", false), Some(0));
        assert_eq!(state_number("TCP", "ASSURED", true), Some(1));
        assert_eq!(state_number("SCTP", "ESTABLISHED", false), None);
        assert_eq!(state_number("TCP", "BOGUS", false), None);
    }
}
