//! DNS_CHECK: one query over UDP; a response (QR set) with our id and
//! RCODE 0 is a pass.

use kad_config::model::DnsType;

pub fn qtype(t: DnsType) -> u16 {
    match t {
        DnsType::A => 1,
        DnsType::Ns => 2,
        DnsType::Cname => 5,
        DnsType::Soa => 6,
        DnsType::Mx => 15,
        DnsType::Txt => 16,
        DnsType::Aaaa => 28,
    }
}

/// The query for `name` (recursion desired, class IN).
pub fn query(id: u16, name: &str, t: DnsType) -> Result<Vec<u8>, String> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        if label.len() > 63 {
            return Err(format!("DNS label too long in {name}"));
        }
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype(t).to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    Ok(q)
}

/// Judge a datagram received in answer to query `id`. `None`: not an
/// answer to our query (ignore it and keep waiting).
pub fn verdict(id: u16, reply: &[u8]) -> Option<Result<(), String>> {
    if reply.len() < 12 || u16::from_be_bytes([reply[0], reply[1]]) != id {
        return None;
    }
    if reply[2] & 0x80 == 0 {
        return Some(Err("DNS message is not a response".into()));
    }
    match reply[3] & 0x0f {
        0 => Some(Ok(())),
        rc => Some(Err(format!("DNS RCODE {rc}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_bytes() {
        let q = query(0x1234, "example.com.", DnsType::Soa).unwrap();
        assert_eq!(
            q,
            [
                0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, b'e', b'x', b'a', b'm', b'p', b'l',
                b'e', 3, b'c', b'o', b'm', 0, 0, 6, 0, 1
            ]
        );
        assert_eq!(query(1, ".", DnsType::A).unwrap()[12..], [0, 0, 1, 0, 1]);
    }

    #[test]
    fn verdicts() {
        let mut r = query(7, "x", DnsType::A).unwrap();
        assert_eq!(verdict(8, &r), None);
        assert!(verdict(7, &r).unwrap().is_err(), "a query is not an answer");
        r[2] |= 0x80;
        assert_eq!(verdict(7, &r), Some(Ok(())));
        r[3] |= 3;
        assert_eq!(verdict(7, &r), Some(Err("DNS RCODE 3".into())));
        assert_eq!(verdict(7, &r[..5]), None);
    }
}
