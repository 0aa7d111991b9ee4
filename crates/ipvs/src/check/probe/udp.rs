//! UDP_CHECK: send the payload; an ICMP unreachable (ECONNREFUSED on a
//! connected socket) fails; with `require_reply` the reply must come and
//! match, without it silence passes (as keepalived).

use super::Spec;
use crate::check::verdict::udp::verdict;
use crate::check::Outcome;
use kad_config::model::PatternByte;

pub async fn probe(
    spec: &Spec,
    payload: &[u8],
    pattern: Option<&[PatternByte]>,
    min: u32,
    max: u32,
) -> Outcome {
    let run = async {
        let s = super::dns::udp_socket(spec).await?;
        s.send(payload).await.map_err(|e| format!("send: {e}"))?;
        let mut buf = vec![0u8; 65536];
        match tokio::time::timeout(spec.step, s.recv(&mut buf)).await {
            Ok(Ok(n)) => verdict(&buf[..n], pattern, min, max),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err("ICMP port unreachable".into())
            }
            Ok(Err(e)) => Err(format!("receive: {e}")),
            Err(_) if pattern.is_some() => Err(format!("no reply within {:?}", spec.step)),
            Err(_) => Ok(()),
        }
    };
    match run.await {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}
