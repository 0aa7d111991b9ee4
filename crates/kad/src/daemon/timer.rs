//! A microsecond-precise timer for the engine. tokio's timer wheel rounds
//! deadlines up to the next millisecond; VRRP's skew times are not whole
//! milliseconds, and failover speed is measured against them. A timerfd
//! on CLOCK_MONOTONIC (the clock of `std::time::Instant`) is exact.

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// The timerfd, as tokio's `AsyncFd` wants it (nix gives `AsFd` only).
struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

pub struct Timer {
    fd: AsyncFd<Fd>,
}

impl Timer {
    pub fn new() -> std::io::Result<Timer> {
        let t = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        // SAFETY: the AsyncFd owns the timerfd for its whole life and
        // nothing else closes or replaces the descriptor.
        let fd = unsafe { AsyncFd::register_with_interest(Fd(t), Interest::READABLE) }
            .map_err(std::io::Error::from)?;
        Ok(Timer { fd })
    }

    /// Arm for `at` (or disarm with `None`).
    pub fn set(&self, at: Option<Instant>) -> std::io::Result<()> {
        let t = &self.fd.get_ref().0;
        let Some(at) = at else {
            return Ok(t.unset()?);
        };
        // Relative to the kernel's now, on the clock of Instant. A zero
        // value would disarm: a deadline already due still fires.
        let ahead = at
            .saturating_duration_since(Instant::now())
            .max(Duration::from_nanos(1));
        t.set(
            Expiration::OneShot(TimeSpec::from_duration(ahead)),
            TimerSetTimeFlags::empty(),
        )?;
        Ok(())
    }

    /// Wait until the armed deadline passes.
    pub async fn wait(&self) -> std::io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; 8];
            if let Ok(8) = nix::unistd::read(self.fd.get_ref().0.as_fd(), &mut buf) {
                return Ok(());
            }
            guard.clear_ready();
        }
    }
}
