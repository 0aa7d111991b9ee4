//! The replay streamed: `/proc/net/ip_vs_conn` read a line at a time and
//! each datagram sent as soon as it is full, so a table of a million
//! connections (some 150 MB of text) is never held in memory — only one
//! line and one datagram are. A backup must hold a client's persistence
//! template before its connections, so the file is read twice: templates
//! in the first pass, connections in the second (each pass sees the
//! table as it is then; a connection that comes or goes between the two
//! is the kernel's own sync's to tell).

use crate::bulk::{entry, Services, Skipped};
use crate::conns::parse_line;
use crate::wire::Packer;
use std::io::BufRead;

/// Which rows a pass takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Templates,
    Connections,
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows of the connection pass (every row but the header).
    pub rows: usize,
    /// Entries packed into datagrams.
    pub sent: usize,
    pub datagrams: usize,
    pub skipped: Skipped,
    /// Rows that do not parse (counted in the connection pass).
    pub unparsed: usize,
    /// Entries the sync protocol cannot carry (a persistence engine's
    /// data too long, say).
    pub unencodable: usize,
}

/// One pass over `reader`: each row of the pass's kind packed, each full
/// datagram handed to `send` at once. The datagram being filled stays in
/// `packer` (the caller sends `packer.finish()` after the last pass).
pub fn pass<R: BufRead>(
    which: Pass,
    mut reader: R,
    services: &Services,
    packer: &mut Packer,
    counts: &mut Counts,
    send: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let row = match parse_line(&line) {
            None => continue,
            Some(r) => r,
        };
        let row = match row {
            Ok(r) => r,
            Err(_) => {
                if which == Pass::Connections {
                    counts.rows += 1;
                    counts.unparsed += 1;
                }
                continue;
            }
        };
        if which == Pass::Connections {
            counts.rows += 1;
        }
        if row.is_template() != (which == Pass::Templates) {
            continue;
        }
        let conn = match entry(&row, services) {
            Ok(c) => c,
            Err(why) => {
                counts.skipped.count(why);
                continue;
            }
        };
        match packer.push(&conn) {
            Ok(full) => {
                counts.sent += 1;
                if let Some(d) = full {
                    counts.datagrams += 1;
                    send(&d)?;
                }
            }
            Err(_) => counts.unencodable += 1,
        }
    }
}

/// Both passes over the table `open` opens (once per pass), then the last
/// datagram.
pub fn replay<R: BufRead>(
    mut open: impl FnMut() -> std::io::Result<R>,
    services: &Services,
    packer: &mut Packer,
    send: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<Counts> {
    let mut counts = Counts::default();
    for which in [Pass::Templates, Pass::Connections] {
        pass(which, open()?, services, packer, &mut counts, send)?;
    }
    if let Some(d) = packer.finish() {
        counts.datagrams += 1;
        send(&d)?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::{entries, ServiceView, ViewKey};
    use crate::conns::parse;
    use crate::wire::{encode_all, flags};

    fn services() -> Vec<ServiceView> {
        vec![
            ServiceView {
                key: ViewKey::Addr {
                    protocol: 6,
                    addr: "192.0.2.1".parse().unwrap(),
                    port: 80,
                },
                dests: vec![
                    ("10.0.0.1".parse().unwrap(), 80, flags::DROUTE),
                    ("10.0.0.2".parse().unwrap(), 80, flags::MASQ),
                ],
            },
            ServiceView {
                key: ViewKey::Fwmark(7),
                dests: vec![("10.0.0.3".parse().unwrap(), 0, flags::DROUTE)],
            },
        ]
    }

    const TABLE: &str = "\
Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C6336402 A1B2 C0000201 0050 0A000001 0050 ESTABLISHED     890
TCP C6336403 A1B3 C0000201 0050 0A000002 0050 FIN_WAIT         20
TCP C6336402 0000 C0000201 0050 0A000001 0050 NONE            290
TCP C6336404 A1B4 C0000209 0050 0A000001 0050 ESTABLISHED     890
IP  C6336405 0000 00000007 0000 0A000003 0000 NONE            100
SCTP C6336406 A1B5 C0000201 0050 0A000001 0050 ESTABLISHED    10
garbage
UDP C6336407 A1B6 C0000201 0050 0A000001 0050 UDP              40
";

    /// Streamed, the datagrams are those the whole-table replay builds:
    /// templates first, the same entries, the same packing.
    #[test]
    fn streaming_sends_what_the_whole_table_replay_sends() {
        for maxlen in [60, 100, 1472] {
            let (rows, bad) = parse(TABLE);
            let (conns, skipped) = entries(&rows, &services());
            let want = encode_all(5, maxlen, &conns).unwrap();
            let mut got = Vec::new();
            let mut p = Packer::new(5, maxlen);
            let s = Services::new(services());
            let counts = replay(
                || Ok(std::io::Cursor::new(TABLE.as_bytes())),
                &s,
                &mut p,
                &mut |d| {
                    got.push(d.to_vec());
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(got, want, "maxlen {maxlen}");
            assert_eq!(counts.sent, conns.len());
            assert_eq!(counts.datagrams, want.len());
            assert_eq!(counts.skipped, skipped);
            assert_eq!(counts.unparsed, bad.len());
            assert_eq!(counts.rows, rows.len() + bad.len());
        }
    }

    /// A send that fails stops the replay with its error.
    #[test]
    fn a_failed_send_stops_the_replay() {
        let mut p = Packer::new(5, 60);
        let s = Services::new(services());
        let mut n = 0;
        let r = replay(
            || Ok(std::io::Cursor::new(TABLE.as_bytes())),
            &s,
            &mut p,
            &mut |_| {
                n += 1;
                Err(std::io::Error::other("down"))
            },
        );
        assert!(r.is_err());
        assert_eq!(n, 1);
    }
}
