//! HTTP_GET and SSL_GET: each `url` fetched in turn on its own connection;
//! all must pass. Also `genhash`, which prints a url's digest.

use super::{step, Spec};
use crate::check::verdict::http::{request, Progress, Response};
use crate::check::Outcome;
use kad_config::model::{DigestKind, HttpCheck, HttpProtocol, Url};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn open(
    spec: &Spec,
    tls: Option<&Arc<rustls::ClientConfig>>,
    sni: &str,
) -> Result<Box<dyn Stream>, String> {
    let tcp = super::connect::tcp(spec).await?;
    let Some(cfg) = tls else {
        return Ok(Box::new(tcp));
    };
    let name = ServerName::try_from(
        sni.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .or_else(|_| ServerName::try_from(spec.target.ip().to_string()))
    .map_err(|e| format!("server name {sni}: {e}"))?;
    let c = tokio_rustls::TlsConnector::from(cfg.clone());
    let s = step(spec, "TLS handshake", c.connect(name, tcp)).await?;
    Ok(Box::new(s))
}

/// Fetch one url; the finished response (not yet judged).
async fn fetch(
    spec: &Spec,
    tls: Option<&Arc<rustls::ClientConfig>>,
    sni: &str,
    host: &str,
    path: &str,
    protocol: HttpProtocol,
    digest: Option<DigestKind>,
    keep_body: bool,
) -> Result<Response, String> {
    let mut s = open(spec, tls, sni).await?;
    step(
        spec,
        "sending the request",
        s.write_all(&request(path, host, protocol)),
    )
    .await?;
    let mut r = Response::new(digest, keep_body);
    let mut buf = vec![0u8; 16 << 10];
    loop {
        let n = step(spec, "reading the response", s.read(&mut buf)).await?;
        if n == 0 {
            r.eof()?;
            return Ok(r);
        }
        match r.feed(&buf[..n]) {
            Progress::More => {}
            Progress::Complete => return Ok(r),
            Progress::Garbage(e) => return Err(e),
        }
    }
}

pub async fn probe(spec: &Spec, h: &HttpCheck, tls: Option<Arc<rustls::ClientConfig>>) -> Outcome {
    for (i, url) in h.urls.iter().enumerate() {
        let host = url.virtualhost.as_deref().unwrap_or(&spec.host);
        let sni = h.sni_name.as_deref().unwrap_or(host);
        let regex = spec.regexes.get(i).and_then(Option::as_ref);
        let r = fetch(
            spec,
            tls.as_ref(),
            sni,
            host,
            &url.path,
            h.protocol,
            url.digest.as_ref().map(|d| d.kind),
            regex.is_some(),
        )
        .await;
        if let Err(e) = r.and_then(|r| r.verdict(url, regex)) {
            return Outcome::Fail(format!("{}: {e}", url.path));
        }
    }
    Outcome::Pass
}

/// keepalived's genhash: fetch `path` and return (status, body length,
/// digest hex).
pub async fn genhash(
    target: std::net::SocketAddr,
    path: &str,
    host: Option<&str>,
    ssl: bool,
    sni: Option<&str>,
    protocol: HttpProtocol,
    kind: DigestKind,
    timeout: std::time::Duration,
) -> Result<(u16, u64, String), String> {
    let spec = Spec {
        kind: kad_config::model::CheckKind::Tcp,
        target,
        bind: None,
        bind_if: None,
        fwmark: None,
        step: timeout,
        deadline: timeout,
        host: host.map_or_else(|| target.ip().to_string(), str::to_string),
        regexes: vec![],
        tls: None,
        file: None,
        configured_weight: 0,
    };
    let tls = ssl.then(|| super::client_config(sni.is_some()));
    let r = fetch(
        &spec,
        tls.as_ref(),
        sni.unwrap_or(&spec.host),
        &spec.host,
        path,
        protocol,
        Some(kind),
        false,
    )
    .await?;
    let status = r.status().unwrap_or(0);
    let len = r.body_len;
    Ok((status, len, r.digest().unwrap_or_default()))
}

#[allow(dead_code)]
fn _url_is_used(_: &Url) {}
