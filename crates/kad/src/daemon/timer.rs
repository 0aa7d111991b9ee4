//! A microsecond-precise timer for the engine. tokio's timer wheel rounds
//! deadlines up to the next millisecond; VRRP's skew times are not whole
//! milliseconds, and failover speed is measured against them. A timerfd
//! on CLOCK_MONOTONIC (the clock of `std::time::Instant`) is exact.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

pub struct Timer {
    fd: AsyncFd<OwnedFd>,
}

fn monotonic_now() -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts
}

impl Timer {
    pub fn new() -> std::io::Result<Timer> {
        // SAFETY: plain syscall; the descriptor is owned below.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is fresh and ours.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: registered once; nobody else uses the descriptor.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(std::io::Error::from)?;
        Ok(Timer { fd })
    }

    /// Arm for `at` (or disarm with `None`).
    pub fn set(&self, at: Option<Instant>) -> std::io::Result<()> {
        let value = match at {
            None => libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            Some(at) => {
                let now = Instant::now();
                let ahead = at.saturating_duration_since(now);
                let base = monotonic_now();
                let mut nsec = base.tv_nsec as i64 + i64::from(ahead.subsec_nanos());
                let mut sec = base.tv_sec as i64 + ahead.as_secs() as i64;
                if nsec >= 1_000_000_000 {
                    nsec -= 1_000_000_000;
                    sec += 1;
                }
                // An all-zero value would disarm: a deadline already due
                // still fires.
                if sec == 0 && nsec == 0 {
                    nsec = 1;
                }
                libc::timespec {
                    tv_sec: sec as _,
                    tv_nsec: nsec as _,
                }
            }
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        // SAFETY: spec is valid; old value not requested.
        let rc = unsafe {
            libc::timerfd_settime(
                self.fd.get_ref().as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Wait until the armed deadline passes.
    pub async fn wait(&self) -> std::io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; 8];
            // SAFETY: reading 8 bytes into an 8-byte buffer.
            let n =
                unsafe { libc::read(self.fd.get_ref().as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
            if n == 8 {
                return Ok(());
            }
            guard.clear_ready();
        }
    }
}
