//! The Internet checksum (RFC 1071) used by VRRP, IPv4 and ICMPv6.

/// One's-complement sum of 16-bit words, folded, not yet inverted.
pub fn sum(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// The final checksum of an accumulated sum.
pub fn finish(mut acc: u32) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(data, 0))
}

/// Sum of an IPv4 or IPv6 pseudo-header (RFC 768 / RFC 2460 §8.1).
pub fn pseudo_header(src: std::net::IpAddr, dst: std::net::IpAddr, proto: u8, len: usize) -> u32 {
    use std::net::IpAddr::*;
    match (src, dst) {
        (V4(s), V4(d)) => {
            let acc = sum(&s.octets(), 0);
            let acc = sum(&d.octets(), acc);
            acc + u32::from(proto) + len as u32
        }
        (V6(s), V6(d)) => {
            let acc = sum(&s.octets(), 0);
            let acc = sum(&d.octets(), acc);
            acc + (len as u32 >> 16) + (len as u32 & 0xffff) + u32::from(proto)
        }
        // Mixed families never happen on the wire; sum what there is.
        (s, d) => {
            let bytes = |a: std::net::IpAddr| match a {
                V4(a) => a.octets().to_vec(),
                V6(a) => a.octets().to_vec(),
            };
            sum(&bytes(d), sum(&bytes(s), 0)) + u32::from(proto) + len as u32
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d.
        assert_eq!(
            super::checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }
}
