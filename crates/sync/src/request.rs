//! kad's own table request: a director that starts (or restarts) asks the
//! others for their connection tables instead of waiting for the next
//! periodic replay; each kad that is a sync master answers with a replay
//! at once. The kernel's sync protocol has no such message, so it travels
//! on a port of its own beside the kernel's (the sync port + 1, on the same
//! group and interface): neither the kernel's daemons nor keepalived see it.
//!
//! The datagram: the 8 bytes `KADTREQ1`, then the syncid (the masters of
//! another syncid do not answer), then three zero bytes.

/// The request's first bytes: kad's, table request, version 1.
const MAGIC: &[u8; 8] = b"KADTREQ1";
pub const LEN: usize = 12;

/// The port the requests use beside the kernel's sync port.
pub fn port(sync_port: u16) -> u16 {
    sync_port.wrapping_add(1)
}

pub fn encode(syncid: u8) -> [u8; LEN] {
    let mut b = [0u8; LEN];
    b[..8].copy_from_slice(MAGIC);
    b[8] = syncid;
    b
}

/// The syncid a request asks for; `None` for anything that is not a
/// request of this version.
pub fn decode(b: &[u8]) -> Option<u8> {
    (b.len() == LEN && &b[..8] == MAGIC && b[9..] == [0, 0, 0]).then(|| b[8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_nothing_else_decodes() {
        for id in [0u8, 5, 255] {
            assert_eq!(decode(&encode(id)), Some(id));
        }
        let good = encode(5);
        for n in 0..LEN {
            assert_eq!(decode(&good[..n]), None);
        }
        let mut long = good.to_vec();
        long.push(0);
        assert_eq!(decode(&long), None);
        let mut other = good;
        other[7] = b'2';
        assert_eq!(decode(&other), None);
        let mut spare = good;
        spare[11] = 1;
        assert_eq!(decode(&spare), None);
        // A kernel sync datagram (version 1 header) is not a request.
        assert_eq!(decode(&[0, 5, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(port(8848), 8849);
    }
}
