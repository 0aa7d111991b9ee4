//! keepalived's notify FIFO: one line per event, in order
//! (`INSTANCE "VI_1" MASTER 100`, `GROUP "G" BACKUP 0`).

use kad_config::model::NotifyFifo;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

pub struct Fifo {
    file: std::fs::File,
}

impl Fifo {
    /// Create the FIFO if needed, start its reader script, and open it
    /// without blocking (O_RDWR keeps it open with no reader).
    pub fn open(cfg: &NotifyFifo) -> std::io::Result<Fifo> {
        let f = Self::open_quiet(cfg)?;
        if let Some(s) = &cfg.script {
            super::scripts::notify(
                s,
                vec![cfg.path.clone()],
                std::time::Duration::from_secs(u64::MAX / 4),
            );
        }
        Ok(f)
    }

    /// Open without starting the reader script (another user of the same
    /// FIFO started it).
    pub fn open_quiet(cfg: &NotifyFifo) -> std::io::Result<Fifo> {
        let path = std::path::Path::new(&cfg.path);
        if !path.exists() {
            use nix::sys::stat::Mode;
            nix::unistd::mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR)
                .map_err(std::io::Error::from)?;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        Ok(Fifo { file })
    }

    pub fn line(&mut self, line: &str) {
        let mut l = line.to_string();
        l.push('\n');
        if let Err(e) = self.file.write_all(l.as_bytes()) {
            tracing::warn!("notify FIFO: {e}");
        }
    }
}
