//! The kernel's process event connector (NETLINK_CONNECTOR, CN_IDX_PROC)
//! as bytes: the subscription kad sends and the events it reads, laid out
//! as linux/connector.h and linux/cn_proc.h lay them out. Pure: the socket
//! is in `io::proc_events`.
//!
//! A message is a netlink header (16 bytes), a `struct cn_msg` (20 bytes)
//! and its data; for an event the data is a `struct proc_event` (what,
//! cpu, an 8-byte timestamp, then the event's fields). All fields are in
//! the host's byte order. The kernel sends one event per message.

/// `CN_IDX_PROC` / `CN_VAL_PROC`: the connector's id for process events;
/// the index is also the multicast group to bind to.
pub const CN_IDX_PROC: u32 = 1;
pub const CN_VAL_PROC: u32 = 1;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_DONE: u16 = 3;
const CN_MSG_LEN: usize = 20;
/// Where `struct proc_event` starts in a message.
const EV: usize = NLMSG_HDRLEN + CN_MSG_LEN;
/// Where its `event_data` union starts (after what, cpu, timestamp_ns).
const DATA: usize = EV + 16;

const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 0x1;
const PROC_EVENT_EXEC: u32 = 0x2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// `enum proc_cn_mcast_op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum McastOp {
    Listen = 1,
    Ignore = 2,
}

/// The message that starts (or stops) the events: a netlink header of
/// type NLMSG_DONE, a cn_msg for CN_IDX_PROC carrying 4 bytes, the op.
pub fn subscription(op: McastOp) -> [u8; EV + 4] {
    let mut m = [0u8; EV + 4];
    put32(&mut m, 0, (EV + 4) as u32);
    m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
    // flags, seq and the port id stay 0: the kernel fills in the sender.
    put32(&mut m, NLMSG_HDRLEN, CN_IDX_PROC);
    put32(&mut m, NLMSG_HDRLEN + 4, CN_VAL_PROC);
    // seq 0, ack 0; len = 4; flags 0.
    m[NLMSG_HDRLEN + 16..NLMSG_HDRLEN + 18].copy_from_slice(&4u16.to_ne_bytes());
    put32(&mut m, EV, op as u32);
    m
}

/// The events a `vrrp_track_process` cares about; the pid is the
/// process's (its thread group id). Threads' events are dropped when
/// decoding, as keepalived ignores them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcEvent {
    /// The kernel's answer to a subscription: `err` 0 is success.
    Ack {
        err: u32,
    },
    Fork {
        parent: i32,
        child: i32,
    },
    Exec {
        pid: i32,
    },
    Comm {
        pid: i32,
    },
    Exit {
        pid: i32,
    },
    /// An event of no interest (uid, gid, sid, ptrace, coredump, a
    /// thread's fork, exec, comm or exit, or a kind newer than kad).
    Other,
}

/// Why a message was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("message too short ({0} bytes)")]
    Short(usize),
    #[error("netlink length {0} does not fit the {1} bytes read")]
    BadLength(u32, usize),
    #[error("connector id {0}:{1} is not the process connector's")]
    NotProc(u32, u32),
}

/// One message as read from the socket.
pub fn decode(m: &[u8]) -> Result<ProcEvent, DecodeError> {
    let len = get32(m, 0).ok_or(DecodeError::Short(m.len()))?;
    if (len as usize) > m.len() || (len as usize) < EV + 8 {
        return Err(DecodeError::BadLength(len, m.len()));
    }
    let m = &m[..len as usize];
    let short = DecodeError::Short(m.len());
    let (idx, val) = (
        get32(m, NLMSG_HDRLEN).ok_or(short)?,
        get32(m, NLMSG_HDRLEN + 4).ok_or(short)?,
    );
    if (idx, val) != (CN_IDX_PROC, CN_VAL_PROC) {
        return Err(DecodeError::NotProc(idx, val));
    }
    let what = get32(m, EV).ok_or(short)?;
    let field = |i: usize| get32(m, DATA + 4 * i).ok_or(short);
    let pid = |i: usize| field(i).map(|v| v as i32);
    // For exec, comm and exit the fields are the pid (a thread's id) and
    // the tgid (its process's); a process's own event has them equal.
    let process = |f: fn(i32) -> ProcEvent| -> Result<ProcEvent, DecodeError> {
        let (p, tg) = (pid(0)?, pid(1)?);
        Ok(if p == tg { f(tg) } else { ProcEvent::Other })
    };
    Ok(match what {
        PROC_EVENT_NONE => ProcEvent::Ack { err: field(0)? },
        PROC_EVENT_FORK => {
            // parent_pid, parent_tgid, child_pid, child_tgid: a new
            // thread has child_pid != child_tgid.
            let (parent, child, child_tg) = (pid(1)?, pid(2)?, pid(3)?);
            if child == child_tg {
                ProcEvent::Fork { parent, child }
            } else {
                ProcEvent::Other
            }
        }
        PROC_EVENT_EXEC => process(|pid| ProcEvent::Exec { pid })?,
        PROC_EVENT_COMM => process(|pid| ProcEvent::Comm { pid })?,
        PROC_EVENT_EXIT => process(|pid| ProcEvent::Exit { pid })?,
        _ => ProcEvent::Other,
    })
}

fn put32(m: &mut [u8], at: usize, v: u32) {
    m[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

fn get32(m: &[u8], at: usize) -> Option<u32> {
    let b = m.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message as the kernel builds it (cn_proc.c): header, cn_msg,
    /// proc_event with `what` and the union's words.
    fn kernel_msg(what: u32, data: &[u32], extra: &[u8]) -> Vec<u8> {
        let mut ev = Vec::new();
        ev.extend_from_slice(&what.to_ne_bytes());
        ev.extend_from_slice(&1u32.to_ne_bytes()); // cpu
        ev.extend_from_slice(&123_456_789u64.to_ne_bytes());
        for d in data {
            ev.extend_from_slice(&d.to_ne_bytes());
        }
        ev.extend_from_slice(extra);
        let mut m = Vec::new();
        let total = (16 + 20 + ev.len()) as u32;
        m.extend_from_slice(&total.to_ne_bytes());
        m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&1u32.to_ne_bytes());
        m.extend_from_slice(&1u32.to_ne_bytes());
        m.extend_from_slice(&7u32.to_ne_bytes()); // seq
        m.extend_from_slice(&0u32.to_ne_bytes()); // ack
        m.extend_from_slice(&(ev.len() as u16).to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&ev);
        m
    }

    #[test]
    fn the_subscription_is_40_bytes_as_keepalived_sends_it() {
        let m = subscription(McastOp::Listen);
        assert_eq!(m.len(), 40);
        assert_eq!(get32(&m, 0), Some(40));
        assert_eq!(u16::from_ne_bytes([m[4], m[5]]), 3);
        assert_eq!(get32(&m, 16), Some(1));
        assert_eq!(get32(&m, 20), Some(1));
        assert_eq!(get32(&m, 24), Some(0));
        assert_eq!(get32(&m, 28), Some(0));
        assert_eq!(u16::from_ne_bytes([m[32], m[33]]), 4);
        assert_eq!(get32(&m, 36), Some(1));
        assert_eq!(get32(&subscription(McastOp::Ignore), 36), Some(2));
    }

    #[test]
    fn events_decode_at_the_kernel_offsets() {
        assert_eq!(
            decode(&kernel_msg(0, &[0], &[])),
            Ok(ProcEvent::Ack { err: 0 })
        );
        assert_eq!(
            decode(&kernel_msg(0, &[1], &[])),
            Ok(ProcEvent::Ack { err: 1 })
        );
        assert_eq!(
            decode(&kernel_msg(1, &[10, 10, 11, 11], &[])),
            Ok(ProcEvent::Fork {
                parent: 10,
                child: 11
            })
        );
        assert_eq!(
            decode(&kernel_msg(2, &[42, 42], &[])),
            Ok(ProcEvent::Exec { pid: 42 })
        );
        assert_eq!(
            decode(&kernel_msg(
                0x200,
                &[42, 42],
                b"sleep\0\0\0\0\0\0\0\0\0\0\0"
            )),
            Ok(ProcEvent::Comm { pid: 42 })
        );
        assert_eq!(
            decode(&kernel_msg(0x8000_0000, &[42, 42, 0, 9, 1, 1], &[])),
            Ok(ProcEvent::Exit { pid: 42 })
        );
    }

    #[test]
    fn threads_and_other_kinds_are_of_no_interest() {
        // A new thread 12 of process 11.
        let m = kernel_msg(1, &[10, 11, 12, 11], &[]);
        assert_eq!(decode(&m), Ok(ProcEvent::Other));
        assert_eq!(decode(&kernel_msg(2, &[43, 42], &[])), Ok(ProcEvent::Other));
        let exit = kernel_msg(0x8000_0000, &[43, 42, 0, 0, 1, 1], &[]);
        assert_eq!(decode(&exit), Ok(ProcEvent::Other));
        assert_eq!(
            decode(&kernel_msg(4, &[42, 42, 0, 0], &[])),
            Ok(ProcEvent::Other)
        );
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        let good = kernel_msg(2, &[42, 42], &[]);
        for n in 0..good.len() {
            // Truncated reads: the netlink length no longer fits.
            assert!(decode(&good[..n]).is_err(), "{n}");
        }
        // A length claiming fewer bytes than an event's.
        let mut m = good.clone();
        m[0..4].copy_from_slice(&20u32.to_ne_bytes());
        assert_eq!(decode(&m), Err(DecodeError::BadLength(20, good.len())));
        // The event's fields cut by the netlink length.
        let mut m = good.clone();
        m[0..4].copy_from_slice(&((DATA + 4) as u32).to_ne_bytes());
        assert!(decode(&m).is_err());
        // Another connector's message.
        let mut m = good;
        m[16..20].copy_from_slice(&2u32.to_ne_bytes());
        assert_eq!(decode(&m), Err(DecodeError::NotProc(2, 1)));
    }
}
