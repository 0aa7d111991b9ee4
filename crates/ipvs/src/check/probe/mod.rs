//! The probes: one async function per checker type, each bounded by the
//! checker's `connect_timeout` per step and by a whole-probe deadline, so
//! a misbehaving server (slow drip, half-open, endless body) costs one
//! task and a fixed amount of memory, never another check's time.

mod connect;
mod dns;
mod file;
mod http;
mod misc;
mod ping;
mod smtp;
mod tcp;
mod tls;
mod udp;

pub use http::{genhash, Genhash};
pub use tls::{client_config, forget_client_configs};

use super::Outcome;
use kad_config::model::{CheckKind, Checker, Config, RealServer, VirtualServer};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Everything one checker's probe needs, computed once.
pub struct Spec {
    pub kind: CheckKind,
    pub target: SocketAddr,
    pub bind: Option<SocketAddr>,
    pub bind_if: Option<String>,
    pub fwmark: Option<u32>,
    /// Per step (connect, each read and write).
    pub step: Duration,
    /// The whole probe.
    pub deadline: Duration,
    /// Host header / SNI default: url virtualhost, checker, real server,
    /// virtual server, then the address.
    pub host: String,
    pub regexes: Vec<Option<regex::bytes::Regex>>,
    /// SSL_GET's TLS client (or why there is none).
    pub tls: Option<Result<Arc<rustls::ClientConfig>, String>>,
    /// FILE_CHECK: the file, and the real server's configured weight.
    pub file: Option<String>,
    pub configured_weight: u32,
}

impl Spec {
    pub fn new(cfg: &Config, vs: &VirtualServer, rs: &RealServer, ck: &Checker) -> Spec {
        let c = ck.connect();
        let ip = c.connect_ip.unwrap_or(rs.addr);
        let port = c.connect_port.unwrap_or(rs.port);
        let bind = c
            .bindto
            .map(|a| SocketAddr::new(a, c.bind_port.unwrap_or(0)))
            .or_else(|| {
                c.bind_port.map(|p| {
                    let any: IpAddr = if ip.is_ipv6() {
                        std::net::Ipv6Addr::UNSPECIFIED.into()
                    } else {
                        std::net::Ipv4Addr::UNSPECIFIED.into()
                    };
                    SocketAddr::new(any, p)
                })
            });
        let step = ck.timing.connect_timeout.max(Duration::from_millis(1));
        let host_default = |h: &Option<String>| {
            h.clone()
                .or_else(|| rs.virtualhost.clone())
                .or_else(|| vs.virtualhost.clone())
                .unwrap_or_else(|| match ip {
                    IpAddr::V6(a) => format!("[{a}]"),
                    IpAddr::V4(a) => a.to_string(),
                })
        };
        let (host, regexes, tls) = match &ck.kind {
            CheckKind::Http(h) | CheckKind::Ssl(h) => {
                let regexes = h
                    .urls
                    .iter()
                    .map(crate::check::verdict::http::compile_regex)
                    .collect();
                let tls = match ck.kind {
                    CheckKind::Ssl(_) => Some(client_config(h.enable_sni, cfg.ssl.as_ref())),
                    _ => None,
                };
                (host_default(&h.virtualhost), regexes, tls)
            }
            _ => (host_default(&None), vec![], None),
        };
        let file = match &ck.kind {
            CheckKind::File { track_file, .. } => cfg
                .track_files
                .iter()
                .find(|t| &t.name == track_file)
                .map(|t| t.file.clone()),
            _ => None,
        };
        Spec {
            kind: ck.kind.clone(),
            target: SocketAddr::new(ip, port),
            bind,
            bind_if: c.bind_if.clone(),
            fwmark: c.fwmark,
            step,
            deadline: step + ck.timing.delay_loop.max(step),
            host,
            regexes,
            tls,
            file,
            configured_weight: rs.weight.0,
        }
    }
}

/// Run one probe to its verdict.
pub async fn probe(spec: &Spec) -> Outcome {
    let work = async {
        match &spec.kind {
            CheckKind::Tcp => tcp::probe(spec).await,
            CheckKind::Http(h) => http::probe(spec, h, None).await,
            CheckKind::Ssl(h) => match &spec.tls {
                Some(Ok(tls)) => http::probe(spec, h, Some(tls.clone())).await,
                Some(Err(e)) => Outcome::Fail(e.clone()),
                None => Outcome::Fail("no TLS client".into()),
            },
            CheckKind::Misc(m) => misc::probe(m).await,
            CheckKind::Smtp { helo_name } => smtp::probe(spec, helo_name).await,
            CheckKind::Dns { query_type, name } => dns::probe(spec, *query_type, name).await,
            CheckKind::Udp {
                payload,
                require_reply,
                min_reply_length,
                max_reply_length,
            } => {
                udp::probe(
                    spec,
                    payload,
                    require_reply.as_deref(),
                    *min_reply_length,
                    *max_reply_length,
                )
                .await
            }
            CheckKind::Ping => ping::probe(spec).await,
            CheckKind::File {
                weight,
                reverse,
                dynamic,
                ..
            } => file::probe(spec, *weight, *reverse, *dynamic).await,
        }
    };
    // MISC_CHECK has its own timeout (misc_timeout) and kills the script.
    if matches!(spec.kind, CheckKind::Misc(_)) {
        return work.await;
    }
    match tokio::time::timeout(spec.deadline, work).await {
        Ok(o) => o,
        Err(_) => Outcome::Fail(format!("no verdict within {:?}", spec.deadline)),
    }
}

/// A step bounded by the per-step timeout, its error as a reason.
async fn step<T, E: std::fmt::Display>(
    spec: &Spec,
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(spec.step, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: timed out after {:?}", spec.step)),
    }
}
