//! Netlink attributes as a small tree: bytes, or nested attributes. IPVS
//! replies nest without the NLA_F_NESTED flag, so nesting is decided by the
//! attribute's kind, by the caller.

use netlink_packet_core::{DecodeError, Emitable, Nla, NlaBuffer, NlasIterator, NLA_F_NESTED};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bytes(Vec<u8>),
    Nested(Vec<Attr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub kind: u16,
    pub value: Value,
}

impl Attr {
    pub fn bytes(kind: u16, b: impl Into<Vec<u8>>) -> Attr {
        Attr {
            kind,
            value: Value::Bytes(b.into()),
        }
    }
    pub fn u8(kind: u16, v: u8) -> Attr {
        Attr::bytes(kind, vec![v])
    }
    pub fn u16(kind: u16, v: u16) -> Attr {
        Attr::bytes(kind, v.to_ne_bytes())
    }
    pub fn be16(kind: u16, v: u16) -> Attr {
        Attr::bytes(kind, v.to_be_bytes())
    }
    pub fn u32(kind: u16, v: u32) -> Attr {
        Attr::bytes(kind, v.to_ne_bytes())
    }
    pub fn be32(kind: u16, v: u32) -> Attr {
        Attr::bytes(kind, v.to_be_bytes())
    }
    /// A NUL-terminated string.
    pub fn string(kind: u16, s: &str) -> Attr {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        Attr::bytes(kind, b)
    }
    pub fn nested(kind: u16, attrs: Vec<Attr>) -> Attr {
        Attr {
            kind,
            value: Value::Nested(attrs),
        }
    }

    pub fn payload(&self) -> &[u8] {
        match &self.value {
            Value::Bytes(b) => b,
            Value::Nested(_) => &[],
        }
    }
}

impl Nla for Attr {
    fn value_len(&self) -> usize {
        match &self.value {
            Value::Bytes(b) => b.len(),
            Value::Nested(a) => a.as_slice().buffer_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self.value {
            Value::Bytes(_) => self.kind,
            Value::Nested(_) => self.kind | NLA_F_NESTED,
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match &self.value {
            Value::Bytes(b) => buffer[..b.len()].copy_from_slice(b),
            Value::Nested(a) => a.as_slice().emit(buffer),
        }
    }
}

/// Parse a run of attributes, all as bytes.
pub fn parse(buf: &[u8]) -> Result<Vec<Attr>, DecodeError> {
    let mut out = Vec::new();
    for nla in NlasIterator::new(buf) {
        let nla: NlaBuffer<&[u8]> = nla?;
        out.push(Attr::bytes(nla.kind(), nla.value().to_vec()));
    }
    Ok(out)
}

/// Readers for attribute payloads; a short payload is an error, not a panic.
pub fn get_u16(b: &[u8]) -> Result<u16, DecodeError> {
    Ok(u16::from_ne_bytes(
        b.get(..2)
            .ok_or_else(|| DecodeError::from("short u16"))?
            .try_into()
            .map_err(|_| DecodeError::from("u16"))?,
    ))
}
pub fn get_be16(b: &[u8]) -> Result<u16, DecodeError> {
    Ok(u16::from_be_bytes(
        b.get(..2)
            .ok_or_else(|| DecodeError::from("short u16"))?
            .try_into()
            .map_err(|_| DecodeError::from("u16"))?,
    ))
}
pub fn get_u32(b: &[u8]) -> Result<u32, DecodeError> {
    Ok(u32::from_ne_bytes(
        b.get(..4)
            .ok_or_else(|| DecodeError::from("short u32"))?
            .try_into()
            .map_err(|_| DecodeError::from("u32"))?,
    ))
}
pub fn get_be32(b: &[u8]) -> Result<u32, DecodeError> {
    Ok(u32::from_be_bytes(
        b.get(..4)
            .ok_or_else(|| DecodeError::from("short u32"))?
            .try_into()
            .map_err(|_| DecodeError::from("u32"))?,
    ))
}
/// u32 or u64 counters (STATS has both sizes).
pub fn get_counter(b: &[u8]) -> u64 {
    match b.len() {
        4 => u64::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        8 => u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        _ => 0,
    }
}
pub fn get_string(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}
