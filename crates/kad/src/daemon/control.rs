//! The control socket: a Unix socket (mode 0600, or 0660 with kad's
//! `--socket-group`) answering one JSON request per line; requests go to
//! the engine, which owns the state, and operator commands to
//! [`super::operator`]. The peer's credentials (SO_PEERCRED) decide:
//! changes need root; reading needs root or the socket group.

use kactl::{Request, Response};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

pub type Query = (Request, oneshot::Sender<Response>);

/// Who may read the status besides root: the `--socket-group` (None: root
/// only).
#[derive(Clone, Copy, Debug)]
pub struct Access {
    pub group: Option<u32>,
}

/// Whether a peer may make `req`; the refusal otherwise.
pub fn allowed(req: &Request, uid: Option<u32>, access: Access) -> Result<(), String> {
    let changes = match req {
        Request::Status => false,
        Request::Operator(op) => op.changes(),
        Request::SyncBulk => true,
    };
    match uid {
        Some(0) => Ok(()),
        Some(u) if changes => Err(format!("permission denied: changes need root (uid {u})")),
        Some(_) if access.group.is_some() => Ok(()),
        Some(u) => Err(format!(
            "permission denied: uid {u} is not root and kad has no --socket-group"
        )),
        None => Err("permission denied: the peer's credentials are unknown".into()),
    }
}

/// Bind `path` (replacing a stale socket) and serve until the process ends.
pub fn serve(
    path: &Path,
    engine: mpsc::Sender<Query>,
    ops: Option<super::operator::Ops>,
    access: Access,
) -> std::io::Result<SocketGuard> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(path);
    let listener = std::os::unix::net::UnixListener::bind(path)?;
    listener.set_nonblocking(true)?;
    match access.group {
        Some(gid) => {
            std::os::unix::fs::chown(path, None, Some(gid))?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
        }
        None => std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?,
    }
    // Its own thread and runtime, not the VRRP engine's: a status answer
    // of 10,000 services is megabytes to build, write and free, and on the
    // engine's runtime that work ran between two adverts — with
    // `vrrp_rt_priority`, long enough without a pause that the kernel's
    // RLIMIT_RTTIME killed kad (advert-delay-bench on a loaded host).
    super::side_runtime::spawn("kad-control", "control socket", move || {
        accept(listener, engine, ops, access)
    })?;
    Ok(SocketGuard(path.to_path_buf()))
}

/// Answer each connection, one request per line.
async fn accept(
    listener: std::os::unix::net::UnixListener,
    engine: mpsc::Sender<Query>,
    ops: Option<super::operator::Ops>,
    access: Access,
) {
    let listener = match UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("control socket: {e}");
            return;
        }
    };
    {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let engine = engine.clone();
            let ops = ops.clone();
            let uid = stream.peer_cred().ok().map(|c| c.uid());
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let resp = match serde_json::from_str::<Request>(&line) {
                        Ok(req) if allowed(&req, uid, access).is_err() => {
                            let error = allowed(&req, uid, access).err().unwrap_or_default();
                            tracing::warn!("control socket: {error}");
                            Response::Error { error }
                        }
                        Ok(Request::Status) if ops.is_some() => match &ops {
                            Some(o) => o.status().await,
                            None => Response::Error {
                                error: "no status".into(),
                            },
                        },
                        Ok(Request::Operator(op)) => match &ops {
                            Some(o) => o.handle(op, uid.unwrap_or(0)).await,
                            None => Response::Error {
                                error: "operator commands are not available".into(),
                            },
                        },
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
    }
}

/// Removes the socket file when the daemon stops.
pub struct SocketGuard(PathBuf);

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The gid of `--socket-group` (a name from /etc/group, or a number).
pub fn group_id(name: &str) -> Result<u32, String> {
    if let Ok(n) = name.parse() {
        return Ok(n);
    }
    let text = std::fs::read_to_string("/etc/group").map_err(|e| format!("/etc/group: {e}"))?;
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let (n, _, g) = (f.next()?, f.next()?, f.next()?);
            (n == name).then(|| g.parse().ok()).flatten()
        })
        .next()
        .ok_or_else(|| format!("no group {name} in /etc/group"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kactl::Operator;

    #[test]
    fn changes_need_root_and_reading_the_socket_group() {
        let none = Access { group: None };
        let g = Access { group: Some(100) };
        let drain = Request::Operator(Operator::Drain {
            vs: "a".into(),
            rs: "b".into(),
        });
        assert!(allowed(&drain, Some(0), none).is_ok());
        assert!(allowed(&drain, Some(65534), g).is_err());
        assert!(allowed(&Request::SyncBulk, Some(65534), g).is_err());
        assert!(allowed(&Request::Status, Some(65534), g).is_ok());
        assert!(allowed(&Request::Operator(Operator::Check), Some(65534), g).is_ok());
        assert!(allowed(&Request::Status, Some(65534), none).is_err());
        assert!(allowed(&Request::Status, None, g).is_err());
        assert_eq!(group_id("0"), Ok(0));
        assert_eq!(group_id("root"), Ok(0));
    }
}
