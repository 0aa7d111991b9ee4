//! Issue 13, point 3: a replay of 1,000,000 connections does not hold the
//! table in memory. The table is generated a line at a time (about 80 MB
//! of `/proc/net/ip_vs_conn` text in all) and streamed through the replay;
//! a counting allocator measures the most memory live at once, which must
//! stay far below the table's size — a replay that collected the rows,
//! the entries or the datagrams would exceed it many times over.

use kad_sync::bulk::{ServiceView, Services, ViewKey};
use kad_sync::stream::replay;
use kad_sync::wire::{decode, flags, Packer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `alloc` above with this layout.
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

const CONNS: u32 = 1_000_000;

/// `/proc/net/ip_vs_conn` of CONNS established connections from distinct
/// clients to one DR service, produced on demand.
struct Table {
    next: u32,
    line: Vec<u8>,
    at: usize,
}

impl Read for Table {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            self.line.clear();
            self.at = 0;
            if self.next == 0 {
                self.line.extend_from_slice(
                    b"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n",
                );
            } else if self.next <= CONNS {
                let client = 0x0A80_0000 + self.next;
                let line = format!(
                    "TCP {client:08X} {:04X} C0000201 0050 0A000001 0050 ESTABLISHED     890\n",
                    1024 + self.next % 60000
                );
                self.line.extend_from_slice(line.as_bytes());
            } else {
                return Ok(0);
            }
            self.next += 1;
        }
        let n = out.len().min(self.line.len() - self.at);
        out[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn a_million_connections_replay_in_bounded_memory() {
    let services = Services::new(vec![ServiceView {
        key: ViewKey::Addr {
            protocol: 6,
            addr: "192.0.2.1".parse().unwrap(),
            port: 80,
        },
        dests: vec![("10.0.0.1".parse().unwrap(), 80, flags::DROUTE)],
    }]);
    let mut packer = Packer::new(5, 1472);
    let (mut entries, mut last_client) = (0usize, None);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let counts = replay(
        || {
            Ok(BufReader::new(Table {
                next: 0,
                line: Vec::new(),
                at: 0,
            }))
        },
        &services,
        &mut packer,
        &mut |d| {
            // What a backup's kernel would read.
            let m = decode(d).map_err(|e| std::io::Error::other(e.to_string()))?;
            entries += m.message.conns.len();
            last_client = m.message.conns.last().map(|c| c.caddr);
            Ok(())
        },
    )
    .unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(counts.sent, CONNS as usize);
    assert_eq!(entries, CONNS as usize);
    assert_eq!(
        last_client,
        Some(std::net::IpAddr::V4((0x0A80_0000 + CONNS).into()))
    );
    // The table is ~80 MB of text and ~50 MB of datagrams; a streamed
    // replay holds one line, one reader buffer and one datagram.
    eprintln!("peak {peak} bytes for {} datagrams", counts.datagrams);
    assert!(peak < 1 << 20, "peak {peak} bytes");
}
