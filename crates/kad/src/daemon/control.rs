//! The control socket: a Unix socket (mode 0600) answering one JSON request
//! per line; requests go to the engine, which owns the state.

use kactl::{Request, Response};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

pub type Query = (Request, oneshot::Sender<Response>);

/// Bind `path` (replacing a stale socket) and serve until the process ends.
pub fn serve(path: &Path, engine: mpsc::Sender<Query>) -> std::io::Result<SocketGuard> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let engine = engine.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let resp = match serde_json::from_str::<Request>(&line) {
                        Ok(req) => {
                            let (tx, rx) = oneshot::channel();
                            if engine.send((req, tx)).await.is_err() {
                                Response::Error {
                                    error: "kad is shutting down".into(),
                                }
                            } else {
                                rx.await.unwrap_or(Response::Error {
                                    error: "no answer".into(),
                                })
                            }
                        }
                        Err(e) => Response::Error {
                            error: format!("bad request: {e}"),
                        },
                    };
                    let mut out = serde_json::to_string(&resp)
                        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
                    out.push('\n');
                    if w.write_all(out.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(SocketGuard(path.to_path_buf()))
}

/// Removes the socket file when the daemon stops.
pub struct SocketGuard(PathBuf);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
