//! SMTP_CHECK: 220 banner, HELO answered 250, QUIT answered 221.

use super::{step, Spec};
use crate::check::verdict::smtp::reply;
use crate::check::Outcome;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn expect(
    spec: &Spec,
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    want: u16,
    what: &str,
) -> Result<(), String> {
    let mut chunk = [0u8; 1024];
    loop {
        if let Some((code, used)) = reply(buf)? {
            buf.drain(..used);
            return if code == want {
                Ok(())
            } else {
                Err(format!("{what}: SMTP {code}, not {want}"))
            };
        }
        let n = step(spec, what, s.read(&mut chunk)).await?;
        if n == 0 {
            return Err(format!("{what}: connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

pub async fn probe(spec: &Spec, helo: &str) -> Outcome {
    let run = async {
        let mut s = super::connect::tcp(spec).await?;
        let mut buf = Vec::new();
        expect(spec, &mut s, &mut buf, 220, "banner").await?;
        step(
            spec,
            "HELO",
            s.write_all(format!("HELO {helo}\r\n").as_bytes()),
        )
        .await?;
        expect(spec, &mut s, &mut buf, 250, "HELO").await?;
        step(spec, "QUIT", s.write_all(b"QUIT\r\n")).await?;
        expect(spec, &mut s, &mut buf, 221, "QUIT").await
    };
    match run.await {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}
