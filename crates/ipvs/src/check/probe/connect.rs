//! A TCP connection with the checker's `bindto`, `bind_port`, `bind_if`
//! and `fwmark`.

use super::{step, Spec};
use tokio::net::{TcpSocket, TcpStream};

pub async fn tcp(spec: &Spec) -> Result<TcpStream, String> {
    let sock = socket(spec).map_err(|e| format!("socket: {e}"))?;
    step(
        spec,
        &format!("connect to {}", spec.target),
        sock.connect(spec.target),
    )
    .await
}

fn socket(spec: &Spec) -> std::io::Result<TcpSocket> {
    let s = if spec.target.is_ipv6() {
        TcpSocket::new_v6()?
    } else {
        TcpSocket::new_v4()?
    };
    if spec.fwmark.is_some() || spec.bind_if.is_some() {
        let r = socket2::SockRef::from(&s);
        if let Some(m) = spec.fwmark {
            r.set_mark(m)?;
        }
        if let Some(i) = &spec.bind_if {
            r.bind_device(Some(i.as_bytes()))?;
        }
    }
    if let Some(b) = spec.bind {
        s.set_reuseaddr(true)?;
        s.bind(b)?;
    }
    Ok(s)
}
