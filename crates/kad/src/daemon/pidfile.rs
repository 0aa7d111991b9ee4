//! One kad per pid file and per control socket: the pid file is held with
//! an exclusive `flock` for the daemon's whole life (the lock goes with the
//! open file, across the fork that detaches), and a control socket that
//! still answers belongs to a running kad.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// keepalived's is `/run/keepalived.pid`; kad's own default.
pub const DEFAULT_PID_FILE: &str = "/run/kad.pid";

#[derive(Debug, thiserror::Error)]
pub enum PidError {
    #[error("kad is already running (pid {pid}, pid file {path}); this one stops")]
    Running { pid: String, path: PathBuf },
    #[error("kad is already running (pid {pid}, answering on {path}); this one stops")]
    SocketInUse { pid: String, path: PathBuf },
    #[error("pid file {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// A locked pid file; removed when dropped.
pub struct PidFile {
    file: File,
    path: PathBuf,
}

impl PidFile {
    /// Open and lock `path` (creating its directory); fails naming the
    /// running kad when another one holds the lock. Writes nothing yet (see
    /// `write_pid`, after the fork).
    pub fn lock(path: &Path) -> Result<PidFile, PidError> {
        let io = |e| PidError::Io(path.to_path_buf(), e);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(PidFile {
                file,
                path: path.to_path_buf(),
            }),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut s = String::new();
                let _ = file.read_to_string(&mut s);
                Err(PidError::Running {
                    pid: pid_word(s.trim()),
                    path: path.to_path_buf(),
                })
            }
            Err(e) => Err(io(e.into())),
        }
    }

    /// Write this process's pid (after detaching: the pid that runs).
    pub fn write_pid(&mut self) -> Result<(), PidError> {
        let path = self.path.clone();
        let io = |e| PidError::Io(path.clone(), e);
        self.file.set_len(0).map_err(io)?;
        self.file.rewind().map_err(io)?;
        writeln!(self.file, "{}", std::process::id()).map_err(io)?;
        self.file.flush().map_err(io)
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        // Removed while still locked: a kad starting now either sees the
        // lock or a new file.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn pid_word(s: &str) -> String {
    if s.is_empty() {
        "unknown".into()
    } else {
        s.into()
    }
}

/// The pid of the process serving the control socket at `path`, when one
/// answers there (its credentials, `SO_PEERCRED`).
pub fn socket_in_use(path: &Path) -> Result<(), PidError> {
    match UnixStream::connect(path) {
        Ok(s) => {
            let pid = rustix::net::sockopt::socket_peercred(&s)
                .map(|c| c.pid.as_raw_nonzero().to_string())
                .unwrap_or_else(|_| "unknown".into());
            Err(PidError::SocketInUse {
                pid,
                path: path.to_path_buf(),
            })
        }
        Err(_) => Ok(()),
    }
}

/// Writes this pid to an extra pid file (keepalived's `-r` / `-c`: kad is
/// one process, so its VRRP and checker "children" share its pid); removed
/// when dropped.
pub struct ExtraPidFile(PathBuf);

impl ExtraPidFile {
    pub fn write(path: &Path) -> Result<ExtraPidFile, PidError> {
        let io = |e| PidError::Io(path.to_path_buf(), e);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, format!("{}\n", std::process::id())).map_err(io)?;
        Ok(ExtraPidFile(path.to_path_buf()))
    }
}

/// `-r` (unless `-C`) and `-c` (unless `-P`), written now.
pub fn extra_files(cli: &crate::cli::Cli) -> Result<Vec<ExtraPidFile>, PidError> {
    let wanted = [
        (&cli.vrrp_pid_file, !cli.check_only),
        (&cli.checkers_pid_file, !cli.vrrp_only),
    ];
    let mut v = Vec::new();
    for (p, on) in wanted {
        if let (Some(p), true) = (p, on) {
            v.push(ExtraPidFile::write(p)?);
        }
    }
    Ok(v)
}

impl Drop for ExtraPidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_first() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/kad.pid");
        let mut first = PidFile::lock(&p).unwrap();
        first.write_pid().unwrap();
        match PidFile::lock(&p) {
            Err(PidError::Running { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string())
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a second lock was granted"),
        }
        drop(first);
        assert!(!p.exists());
        assert!(PidFile::lock(&p).is_ok());
    }

    #[test]
    fn a_listening_socket_is_in_use_and_a_stale_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.sock");
        assert!(socket_in_use(&p).is_ok());
        let l = std::os::unix::net::UnixListener::bind(&p).unwrap();
        match socket_in_use(&p) {
            Err(PidError::SocketInUse { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string())
            }
            other => panic!("{other:?}"),
        }
        drop(l);
        assert!(socket_in_use(&p).is_ok(), "a stale socket file is free");
    }
}
