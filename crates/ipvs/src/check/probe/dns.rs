//! DNS_CHECK over UDP.

use super::{step, Spec};
use crate::check::verdict::dns::{query, verdict};
use crate::check::Outcome;
use kad_config::model::DnsType;

async fn socket(spec: &Spec) -> std::io::Result<tokio::net::UdpSocket> {
    let any: std::net::SocketAddr = match (spec.bind, spec.target.is_ipv6()) {
        (Some(b), _) => b,
        (None, true) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
        (None, false) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
    };
    let s = tokio::net::UdpSocket::bind(any).await?;
    if let Some(m) = spec.fwmark {
        socket2::SockRef::from(&s).set_mark(m)?;
    }
    s.connect(spec.target).await?;
    Ok(s)
}

pub(super) async fn udp_socket(spec: &Spec) -> Result<tokio::net::UdpSocket, String> {
    socket(spec).await.map_err(|e| format!("socket: {e}"))
}

pub async fn probe(spec: &Spec, t: DnsType, name: &str) -> Outcome {
    let run = async {
        let s = udp_socket(spec).await?;
        let id = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
            >> 8) as u16;
        let q = query(id, name, t)?;
        step(spec, "sending the query", s.send(&q)).await?;
        let mut buf = [0u8; 1500];
        loop {
            let n = step(spec, "waiting for the answer", s.recv(&mut buf)).await?;
            if let Some(v) = verdict(id, &buf[..n]) {
                return v;
            }
        }
    };
    match run.await {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}
