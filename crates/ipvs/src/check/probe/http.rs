//! HTTP_GET and SSL_GET: each `url` fetched in turn on its own connection;
//! all must pass. Also `genhash`, which prints a url's digest.

use super::{step, Spec};
use crate::check::verdict::http::{request, Progress, Response};
use crate::check::Outcome;
use kad_config::model::{DigestKind, HttpCheck, HttpProtocol};
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

/// One request to make.
struct Fetch<'a> {
    tls: Option<&'a Arc<rustls::ClientConfig>>,
    sni: &'a str,
    host: &'a str,
    path: &'a str,
    protocol: HttpProtocol,
    digest: Option<DigestKind>,
    keep_body: bool,
    /// `tls_compliant` (keepalived 2.2.8's): end the TLS session with a
    /// close_notify. Without it, as keepalived's quiet shutdown, the
    /// connection is closed without one.
    close_notify: bool,
}

/// Fetch one url; the finished response (not yet judged).
async fn fetch(spec: &Spec, f: Fetch<'_>) -> Result<Response, String> {
    let mut s = open(spec, f.tls, f.sni).await?;
    step(
        spec,
        "sending the request",
        s.write_all(&request(f.path, f.host, f.protocol)),
    )
    .await?;
    let mut r = Response::new(f.digest, f.keep_body);
    let mut buf = vec![0u8; 16 << 10];
    let r = loop {
        let n = step(spec, "reading the response", s.read(&mut buf)).await?;
        if n == 0 {
            r.eof()?;
            break r;
        }
        match r.feed(&buf[..n]) {
            Progress::More => {}
            Progress::Complete => break r,
            Progress::Garbage(e) => return Err(e),
        }
    };
    if f.close_notify && f.tls.is_some() {
        // The verdict is in: a server that does not take the close_notify
        // changes nothing.
        let _ = step(spec, "closing the TLS session", s.shutdown()).await;
    }
    Ok(r)
}

pub async fn probe(spec: &Spec, h: &HttpCheck, tls: Option<Arc<rustls::ClientConfig>>) -> Outcome {
    for (i, url) in h.urls.iter().enumerate() {
        let host = url.virtualhost.as_deref().unwrap_or(&spec.host);
        let sni = h.sni_name.as_deref().unwrap_or(host);
        let regex = spec.regexes.get(i).and_then(Option::as_ref);
        let r = fetch(
            spec,
            Fetch {
                tls: tls.as_ref(),
                sni,
                host,
                path: &url.path,
                protocol: h.protocol,
                digest: url.digest.as_ref().map(|d| d.kind),
                keep_body: regex.is_some(),
                close_notify: h.tls_compliant,
            },
        )
        .await;
        if let Err(e) = r.and_then(|r| r.verdict(url, regex)) {
            return Outcome::Fail(format!("{}: {e}", url.path));
        }
    }
    Outcome::Pass
}

/// What `kad -T` (keepalived's genhash) asks for.
pub struct Genhash<'a> {
    pub target: std::net::SocketAddr,
    pub path: &'a str,
    /// The Host header (default: the address).
    pub host: Option<&'a str>,
    pub ssl: bool,
    /// SNI name (none sent without it).
    pub sni: Option<&'a str>,
    pub protocol: HttpProtocol,
    pub kind: DigestKind,
    pub timeout: std::time::Duration,
}

/// keepalived's genhash: fetch the path and return (status, body length,
/// digest hex).
pub async fn genhash(g: Genhash<'_>) -> Result<(u16, u64, String), String> {
    let spec = Spec {
        kind: kad_config::model::CheckKind::Tcp,
        target: g.target,
        bind: None,
        bind_if: None,
        fwmark: None,
        step: g.timeout,
        deadline: g.timeout,
        host: g
            .host
            .map_or_else(|| g.target.ip().to_string(), str::to_string),
        regexes: vec![],
        tls: None,
        file: None,
        configured_weight: 0,
    };
    let tls = match g.ssl {
        // genhash is a tool of its own: keepalived's reads no SSL{} block.
        true => Some(super::client_config(g.sni.is_some(), None)?),
        false => None,
    };
    let r = fetch(
        &spec,
        Fetch {
            tls: tls.as_ref(),
            sni: g.sni.unwrap_or(&spec.host),
            host: &spec.host,
            path: g.path,
            protocol: g.protocol,
            digest: Some(g.kind),
            keep_body: false,
            close_notify: false,
        },
    )
    .await?;
    let status = r.status().unwrap_or(0);
    let len = r.body_len;
    Ok((status, len, r.digest().unwrap_or_default()))
}
