//! Talking to kad's control socket.

use crate::{Request, Response};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {path}: {source} (is kad running? see --socket)")]
    Connect {
        path: String,
        source: std::io::Error,
    },
    #[error("control socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("kad answered something unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("kad: {0}")]
    Daemon(String),
}

pub fn request(socket: &Path, req: &Request) -> Result<Response, ClientError> {
    let mut s = UnixStream::connect(socket).map_err(|source| ClientError::Connect {
        path: socket.display().to_string(),
        source,
    })?;
    // A replay of a big connection table takes a while (it is paced).
    let wait = match req {
        Request::SyncBulk => 600,
        _ => 10,
    };
    s.set_read_timeout(Some(Duration::from_secs(wait)))?;
    let mut line = serde_json::to_string(req)?;
    line.push('\n');
    s.write_all(line.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(s).read_line(&mut answer)?;
    match serde_json::from_str(&answer)? {
        Response::Error { error } => Err(ClientError::Daemon(error)),
        r => Ok(r),
    }
}
