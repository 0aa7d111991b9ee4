//! Every probe type against real servers the test starts on loopback:
//! up, down (server stopped), up again (restarted), and each way a server
//! can answer wrongly. Misbehaving servers must not hold a probe past its
//! deadline nor make it buffer without bound.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers of a test target: a panic is the test failing"
)]

use kad_config::model::*;
use kad_ipvs::check::probe::{client_config, probe, Spec};
use kad_ipvs::check::Outcome;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const STEP: Duration = Duration::from_millis(300);

fn spec(kind: CheckKind, target: SocketAddr) -> Spec {
    let tls = matches!(kind, CheckKind::Ssl(_)).then(|| client_config(false, None));
    let regexes = match &kind {
        CheckKind::Http(h) | CheckKind::Ssl(h) => h
            .urls
            .iter()
            .map(|u| {
                u.regex
                    .as_deref()
                    .map(|r| regex::bytes::Regex::new(r).unwrap())
            })
            .collect(),
        _ => vec![],
    };
    Spec {
        kind,
        target,
        bind: None,
        bind_if: None,
        fwmark: None,
        step: STEP,
        deadline: STEP * 3,
        host: "test".into(),
        regexes,
        tls,
        file: None,
        configured_weight: 10,
    }
}

fn http(path: &str, digest: Option<&str>, regex: Option<&str>) -> Box<HttpCheck> {
    Box::new(HttpCheck {
        urls: vec![Url {
            path: path.into(),
            digest: digest.map(|h| Digest {
                kind: if h.len() == 40 {
                    DigestKind::Sha1
                } else {
                    DigestKind::Md5
                },
                hex: h.into(),
            }),
            status_codes: vec![],
            virtualhost: None,
            regex: regex.map(str::to_string),
            regex_no_match: false,
            regex_options: Default::default(),
            regex_min_offset: None,
            regex_max_offset: None,
        }],
        protocol: HttpProtocol::Http10,
        virtualhost: None,
        enable_sni: false,
        sni_name: None,
        tls_compliant: false,
        fast_recovery: false,
    })
}

fn fails(o: &Outcome, reason: &str) -> bool {
    matches!(o, Outcome::Fail(r) if r.contains(reason))
}

/// An HTTP server whose behaviour is chosen by the request path.
async fn http_server(l: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) {
    loop {
        let Ok((s, _)) = l.accept().await else { return };
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(a) => {
                    if let Ok(s) = a.accept(s).await {
                        serve(s).await;
                    }
                }
                None => serve(s).await,
            }
        });
    }
}

async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut s: S) {
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let req = String::from_utf8_lossy(&got).to_string();
    let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
    let ok = |body: &str| {
        format!(
            "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    match path.as_str() {
        "/ok" => {
            let _ = s.write_all(ok("hello\n").as_bytes()).await;
        }
        "/host" => {
            let host = req
                .lines()
                .find(|l| l.starts_with("Host:"))
                .unwrap_or("")
                .to_string();
            let _ = s.write_all(ok(&host).as_bytes()).await;
        }
        "/status" => {
            let _ = s
                .write_all(ok("line one\nStatus: ALIVE here\n").as_bytes())
                .await;
        }
        "/500" => {
            let _ = s.write_all(b"HTTP/1.0 500 Oops\r\n\r\n").await;
        }
        "/garbage" => {
            let _ = s.write_all(b"\x00\x01 this is not HTTP\r\n\r\n").await;
        }
        "/silent" => tokio::time::sleep(Duration::from_secs(30)).await,
        "/drip" => {
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\n").await;
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if s.write_all(b"x").await.is_err() {
                    return;
                }
            }
        }
        "/endless" => {
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\n").await;
            let block = vec![b'a'; 64 << 10];
            while s.write_all(&block).await.is_ok() {}
        }
        _ => {
            let _ = s.write_all(b"HTTP/1.0 404 No\r\n\r\n").await;
        }
    }
    let _ = s.shutdown().await;
}

async fn listen(port: u16) -> TcpListener {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.set_reuseaddr(true).unwrap();
    s.bind(format!("127.0.0.1:{port}").parse().unwrap())
        .unwrap();
    s.listen(64).unwrap()
}

#[tokio::test]
async fn tcp_up_down_up_and_rst() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let sp = spec(CheckKind::Tcp, addr);
    assert_eq!(probe(&sp).await, Outcome::Pass);
    drop(l);
    assert!(fails(&probe(&sp).await, "refused"));
    let _l = listen(addr.port()).await;
    assert_eq!(probe(&sp).await, Outcome::Pass);
}

#[tokio::test]
async fn tcp_slower_than_connect_timeout() {
    // A listener whose backlog is full never completes new handshakes
    // (SYNs are dropped): the connect must time out at connect_timeout.
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let l = s.listen(0).unwrap();
    let addr = l.local_addr().unwrap();
    let mut held = vec![];
    for _ in 0..4 {
        if let Ok(Ok(c)) = tokio::time::timeout(STEP, tokio::net::TcpStream::connect(addr)).await {
            held.push(c);
        }
    }
    let t = Instant::now();
    let o = probe(&spec(CheckKind::Tcp, addr)).await;
    assert!(fails(&o, "timed out"), "{o:?}");
    assert!(t.elapsed() < STEP * 2);
}

#[tokio::test]
async fn http_get_every_way() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let srv = tokio::spawn(http_server(l, None));
    let md5 = "b1946ac92492d2347c6235b4d2611184";
    let sha1 = "f572d396fae9206628714fb2ce00f72e94f2258f";
    let p = |path: &str, d: Option<&str>, r: Option<&str>| {
        spec(CheckKind::Http(http(path, d, r)), addr)
    };
    assert_eq!(probe(&p("/ok", Some(md5), None)).await, Outcome::Pass);
    assert_eq!(probe(&p("/ok", Some(sha1), None)).await, Outcome::Pass);
    assert_eq!(probe(&p("/ok", None, Some("hel+o"))).await, Outcome::Pass);
    assert_eq!(
        probe(&p("/host", None, Some("Host: test"))).await,
        Outcome::Pass
    );
    assert!(fails(
        &probe(&p("/ok", Some(&md5.replace('b', "c")), None)).await,
        "digest"
    ));
    assert!(fails(&probe(&p("/500", None, None)).await, "status 500"));
    assert!(fails(
        &probe(&p("/garbage", None, None)).await,
        "not an HTTP status line"
    ));
    assert!(fails(
        &probe(&p("/ok", None, Some("absent"))).await,
        "regex"
    ));
    let t = Instant::now();
    assert!(fails(&probe(&p("/silent", None, None)).await, "timed out"));
    assert!(
        t.elapsed() < STEP * 2,
        "slower than connect_timeout fails at it"
    );
    // Slow drip and an endless body end at the probe's deadline.
    for path in ["/drip", "/endless"] {
        let t = Instant::now();
        let o = probe(&p(path, Some(md5), None)).await;
        assert!(fails(&o, "no verdict within"), "{path}: {o:?}");
        assert!(t.elapsed() < STEP * 4, "{path}");
    }
    // Down, then up again on the same port.
    srv.abort();
    let _ = srv.await;
    assert!(fails(&probe(&p("/ok", None, None)).await, "refused"));
    let l = listen(addr.port()).await;
    tokio::spawn(http_server(l, None));
    assert_eq!(probe(&p("/ok", Some(md5), None)).await, Outcome::Pass);
}

/// The spec of the first checker of a configuration read from `text`, its
/// real server at `addr`.
fn configured_spec(checker: &str, addr: SocketAddr) -> Spec {
    let text = format!(
        "virtual_server 10.0.0.1 80 {{\n  real_server {ip} {port} {{\n    {checker}\n  }}\n}}\n",
        ip = addr.ip(),
        port = addr.port()
    );
    let l = kad_config::load_str(
        &text,
        std::path::Path::new("/tmp/t.conf"),
        &Default::default(),
    );
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    let cfg = l.config;
    let vs = &cfg.virtual_servers[0];
    let rs = &vs.real_servers[0];
    Spec::new(&cfg, vs, rs, &rs.checkers[0])
}

/// `regex_options`, `regex_min_offset` and `regex_max_offset` as
/// keepalived applies them, from the configuration to the verdict, on the
/// body "line one\nStatus: ALIVE here\n" ("Status" starts at 9).
/// `regex_stack` is read (kad's engine needs no stack) and passes.
#[tokio::test]
async fn http_get_regex_options_and_offsets() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    tokio::spawn(http_server(l, None));
    let check = |url: &str| {
        configured_spec(
            &format!("HTTP_GET {{\n url {{\n path /status\n {url}\n }}\n connect_timeout 1\n }}"),
            addr,
        )
    };
    for (url, pass) in [
        ("regex alive", false),
        ("regex alive\n regex_options caseless", true),
        ("regex ^Status", false),
        ("regex ^Status\n regex_options multiline", true),
        ("regex \"one.Status\"", false),
        ("regex \"one.Status\"\n regex_options dotall", true),
        ("regex Status\n regex_options firstline", false),
        ("regex one\n regex_options firstline ungreedy", true),
        ("regex Status\n regex_min_offset 9", true),
        ("regex Status\n regex_min_offset 10", false),
        ("regex Status\n regex_max_offset 9", true),
        ("regex Status\n regex_max_offset 8", false),
        (
            "regex Status\n regex_min_offset 9\n regex_max_offset 9",
            true,
        ),
        ("regex ALIVE\n regex_no_match\n regex_min_offset 20", true),
        ("regex Status\n regex_stack 32768 524288", true),
    ] {
        let o = probe(&check(url)).await;
        assert_eq!(o.is_pass(), pass, "{url}: {o:?}");
    }
}

#[tokio::test]
async fn http_rst_is_a_failure() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (s, _) = l.accept().await.unwrap();
            socket2::SockRef::from(&s)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(s);
        }
    });
    let o = probe(&spec(CheckKind::Http(http("/", None, None)), addr)).await;
    assert!(matches!(o, Outcome::Fail(_)), "{o:?}");
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let cert = CertificateDer::from_pem_file(format!("{dir}cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}key.pem")).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

#[tokio::test]
async fn ssl_get_self_signed_passes_and_plain_http_fails() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let srv = tokio::spawn(http_server(l, Some(tls_acceptor())));
    let sp = spec(
        CheckKind::Ssl(http("/ok", Some("b1946ac92492d2347c6235b4d2611184"), None)),
        addr,
    );
    assert_eq!(probe(&sp).await, Outcome::Pass);
    srv.abort();
    let _ = srv.await;
    assert!(fails(&probe(&sp).await, "refused"));
    // TLS refused: the port speaks plain HTTP.
    let l = listen(addr.port()).await;
    tokio::spawn(http_server(l, None));
    assert!(
        fails(&probe(&sp).await, "TLS handshake"),
        "{:?}",
        probe(&sp).await
    );
    // SNI with a name.
    let mut h = http("/ok", None, None);
    h.enable_sni = true;
    h.sni_name = Some("www.example.com".into());
    let l2 = listen(0).await;
    let a2 = l2.local_addr().unwrap();
    tokio::spawn(http_server(l2, Some(tls_acceptor())));
    let mut sp = spec(CheckKind::Ssl(h), a2);
    sp.tls = Some(client_config(true, None));
    assert_eq!(probe(&sp).await, Outcome::Pass);
}

/// `tls_compliant` (keepalived 2.2.8's): SSL_GET ends the session with a
/// close_notify, which the server reads as a clean end; without it (as
/// keepalived's quiet shutdown) the connection just closes, which the
/// server's TLS layer reports as an end without close_notify.
#[tokio::test]
async fn ssl_get_tls_compliant_sends_close_notify() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<bool>();
    let acceptor = tls_acceptor();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            let (a, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let mut s = a.accept(s).await.unwrap();
                let mut buf = vec![0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = s.read(&mut buf).await.unwrap();
                    got.extend_from_slice(&buf[..n]);
                }
                s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
                    .await
                    .unwrap();
                s.flush().await.unwrap();
                // Ok(0): the client's close_notify; an error: closed
                // without one.
                let clean = matches!(s.read(&mut buf).await, Ok(0));
                let _ = tx.send(clean);
            });
        }
    });
    for (extra, clean) in [
        ("", false),
        ("tls_compliant", true),
        ("tls_compliant off", false),
    ] {
        let sp = configured_spec(
            &format!("SSL_GET {{\n url {{\n path /ok\n }}\n connect_timeout 1\n {extra}\n }}"),
            addr,
        );
        assert_eq!(probe(&sp).await, Outcome::Pass, "{extra}");
        let got = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert_eq!(got, Ok(Some(clean)), "{extra:?}");
    }
}

/// A TLS server that asks for a client certificate signed by `ca.pem`.
fn tls_acceptor_requiring_client_cert() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(format!("{dir}ca.pem")).unwrap())
        .unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let cert = CertificateDer::from_pem_file(format!("{dir}cert.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{dir}key.pem")).unwrap();
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert], key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

/// The SSL_GET checker's Spec as the daemon builds it from a configuration
/// with this global `SSL {}` block.
fn ssl_get_spec(ssl_block: &str, addr: SocketAddr) -> Spec {
    let text = format!(
        "{ssl_block}\nvirtual_server 10.0.0.1 443 {{\n  real_server {ip} {port} {{\n    SSL_GET {{\n      url {{\n        path /ok\n      }}\n      connect_timeout 1\n    }}\n  }}\n}}\n",
        ip = addr.ip(),
        port = addr.port()
    );
    let l = kad_config::load_str(
        &text,
        std::path::Path::new("/tmp/t.conf"),
        &Default::default(),
    );
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    let cfg = l.config;
    let vs = &cfg.virtual_servers[0];
    let rs = &vs.real_servers[0];
    Spec::new(&cfg, vs, rs, &rs.checkers[0])
}

#[tokio::test]
async fn ssl_get_presents_the_ssl_block_certificate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    tokio::spawn(http_server(l, Some(tls_acceptor_requiring_client_cert())));
    // No SSL{} block: no client certificate, the server refuses (with
    // TLS 1.3 the alert arrives after the handshake, on the first read).
    let o = probe(&ssl_get_spec("", addr)).await;
    assert!(fails(&o, "CertificateRequired"), "{o:?}");
    // The block's certificate and key: accepted.
    let plain = format!(
        "SSL {{\n  certificate {dir}client.pem\n  key {dir}client-key.pem\n  ca {dir}ca.pem\n}}"
    );
    assert_eq!(probe(&ssl_get_spec(&plain, addr)).await, Outcome::Pass);
    // An encrypted key with its password.
    let enc = |pw: &str| {
        format!("SSL {{\n  {pw}\n  certificate {dir}client.pem\n  key {dir}client-key-encrypted.pem\n}}")
    };
    assert_eq!(
        probe(&ssl_get_spec(&enc("password s3cret"), addr)).await,
        Outcome::Pass
    );
    let o = probe(&ssl_get_spec(&enc("password wrong"), addr)).await;
    assert!(fails(&o, "cannot decrypt"), "{o:?}");
    let o = probe(&ssl_get_spec(&enc(""), addr)).await;
    assert!(fails(&o, "no password"), "{o:?}");
    // Certificate and key in one file, no `key`: as keepalived.
    let tmp = std::env::temp_dir().join(format!("kad-combined-{}.pem", std::process::id()));
    let both = std::fs::read_to_string(format!("{dir}client.pem")).unwrap()
        + &std::fs::read_to_string(format!("{dir}client-key.pem")).unwrap();
    std::fs::write(&tmp, both).unwrap();
    let combined = format!("SSL {{\n  certificate {}\n}}", tmp.display());
    assert_eq!(probe(&ssl_get_spec(&combined, addr)).await, Outcome::Pass);
    let _ = std::fs::remove_file(&tmp);
    // Unreadable files fail the checker with the file named.
    let o = probe(&ssl_get_spec(
        &format!("SSL {{\n  ca {dir}missing.pem\n}}"),
        addr,
    ))
    .await;
    assert!(fails(&o, "SSL ca") && fails(&o, "missing.pem"), "{o:?}");
    let o = probe(&ssl_get_spec(
        "SSL {\n  certificate /nonexistent/c.pem\n}",
        addr,
    ))
    .await;
    assert!(fails(&o, "/nonexistent/c.pem"), "{o:?}");
}

fn misc(cmd: &str, timeout: Duration, dynamic: bool) -> CheckKind {
    CheckKind::Misc(Box::new(MiscCheck {
        script: Script {
            command: cmd.into(),
            argv: vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            user: None,
            group: None,
        },
        timeout,
        dynamic,
    }))
}

#[tokio::test]
async fn misc_check_exit_codes_and_timeout() {
    let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
    let s = |c: &str, d| spec(misc(c, STEP, d), a);
    assert_eq!(probe(&s("exit 0", false)).await, Outcome::Pass);
    assert!(fails(&probe(&s("exit 1", false)).await, "exit status 1"));
    assert_eq!(probe(&s("exit 42", true)).await, Outcome::PassWeight(40));
    assert!(fails(&probe(&s("exit 42", false)).await, "exit status 42"));
    // Never ends: killed with its children at misc_timeout.
    let dir = tempdir();
    let marker = format!("{dir}/child-alive");
    let t = Instant::now();
    let o = probe(&s(&format!("(sleep 1; touch {marker}) & sleep 30"), false)).await;
    assert!(fails(&o, "timed out"), "{o:?}");
    assert!(t.elapsed() < STEP * 3);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(
        !std::path::Path::new(&marker).exists(),
        "the process group was killed"
    );
}

fn tempdir() -> String {
    let d = std::env::temp_dir().join(format!(
        "kad-probes-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d.to_string_lossy().into_owned()
}

async fn smtp_server(l: TcpListener, banner: &'static str, helo: &'static str) {
    loop {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let _ = s.write_all(banner.as_bytes()).await;
            let mut buf = [0u8; 512];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 {
                    return;
                }
                let line = String::from_utf8_lossy(&buf[..n]).to_string();
                let r = if line.starts_with("HELO") {
                    helo
                } else {
                    "221 bye\r\n"
                };
                let _ = s.write_all(r.as_bytes()).await;
            }
        });
    }
}

#[tokio::test]
async fn smtp_check() {
    let kind = || CheckKind::Smtp {
        helo_name: "kad".into(),
    };
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let srv = tokio::spawn(smtp_server(l, "220 mx ESMTP\r\n", "250-mx\r\n250 OK\r\n"));
    assert_eq!(probe(&spec(kind(), addr)).await, Outcome::Pass);
    srv.abort();
    let _ = srv.await;
    assert!(fails(&probe(&spec(kind(), addr)).await, "refused"));
    let l = listen(addr.port()).await;
    let wrong = tokio::spawn(smtp_server(l, "554 go away\r\n", "250 OK\r\n"));
    assert!(fails(&probe(&spec(kind(), addr)).await, "SMTP 554"));
    wrong.abort();
    let _ = wrong.await;
    let l = listen(addr.port()).await;
    tokio::spawn(smtp_server(l, "220 mx\r\n", "250 OK\r\n"));
    assert_eq!(probe(&spec(kind(), addr)).await, Outcome::Pass, "up again");
    let l = listen(0).await;
    let a2 = l.local_addr().unwrap();
    tokio::spawn(smtp_server(l, "220 mx\r\n", "500 what\r\n"));
    assert!(fails(&probe(&spec(kind(), a2)).await, "HELO: SMTP 500"));
    let l = listen(0).await;
    let a3 = l.local_addr().unwrap();
    tokio::spawn(smtp_server(l, "SSH-2.0-x\r\n", ""));
    assert!(fails(&probe(&spec(kind(), a3)).await, "not an SMTP reply"));
}

/// SMTP_CHECK's legacy `host {}` blocks, as keepalived 2.2.7 reads them:
/// each is a checker of its own connecting where the block says (by
/// default the real server), sharing the SMTP_CHECK's other keywords; the
/// SMTP_CHECK's own connection is checked too only when it sets one.
#[tokio::test]
async fn smtp_check_host_blocks_are_checkers_of_their_own() {
    let good = listen(0).await;
    let good_addr = good.local_addr().unwrap();
    tokio::spawn(smtp_server(good, "220 mx\r\n", "250 OK\r\n"));
    let bad = listen(0).await;
    let bad_addr = bad.local_addr().unwrap();
    tokio::spawn(smtp_server(bad, "554 go away\r\n", "250 OK\r\n"));
    let load = |smtp: &str| {
        let text = format!(
            "virtual_server 10.0.0.1 25 {{\n  real_server 127.0.0.1 {good} {{\n    SMTP_CHECK {{\n{smtp}\n    }}\n  }}\n}}\n",
            good = good_addr.port()
        );
        let l = kad_config::load_str(
            &text,
            std::path::Path::new("/tmp/t.conf"),
            &Default::default(),
        );
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.config
    };
    let verdicts = |cfg: &Config| {
        let vs = &cfg.virtual_servers[0];
        let rs = &vs.real_servers[0];
        let specs: Vec<Spec> = rs
            .checkers
            .iter()
            .map(|ck| Spec::new(cfg, vs, rs, ck))
            .collect();
        async move {
            let mut out = vec![];
            for s in &specs {
                out.push((s.target, s.step, probe(s).await.is_pass()));
            }
            out
        }
    };
    let cfg = load(&format!(
        "      retry 0\n      host {{\n        connect_port {bad}\n        connect_timeout 2\n        retry 4\n      }}\n      host {{\n        connect_ip 127.0.0.1\n      }}",
        bad = bad_addr.port()
    ));
    let cks = &cfg.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(cks.len(), 2, "one checker per host");
    // A timing keyword inside a host block is the SMTP_CHECK's.
    assert!(cks.iter().all(|c| c.timing.retry == 4), "{cks:?}");
    let second = Duration::from_secs(1);
    assert_eq!(
        verdicts(&cfg).await,
        [(bad_addr, 2 * second, false), (good_addr, 5 * second, true)]
    );
    // With a connection of its own, the SMTP_CHECK is checked too.
    let cfg = load(&format!(
        "      connect_port {good}\n      host {{\n        connect_port {bad}\n      }}",
        good = good_addr.port(),
        bad = bad_addr.port()
    ));
    assert_eq!(
        verdicts(&cfg).await,
        [(good_addr, 5 * second, true), (bad_addr, 5 * second, false)]
    );
}

/// A DNS server answering with the given flags byte 3 (RCODE), or silent.
async fn dns_server(s: UdpSocket, rcode: Option<u8>) {
    let mut buf = [0u8; 512];
    while let Ok((n, from)) = s.recv_from(&mut buf).await {
        if let Some(rc) = rcode {
            let mut r = buf[..n].to_vec();
            r[2] |= 0x80;
            r[3] = rc;
            let _ = s.send_to(&r, from).await;
        }
    }
}

#[tokio::test]
async fn dns_check() {
    let kind = || CheckKind::Dns {
        query_type: DnsType::Soa,
        name: ".".into(),
    };
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = s.local_addr().unwrap();
    let srv = tokio::spawn(dns_server(s, Some(0)));
    assert_eq!(probe(&spec(kind(), addr)).await, Outcome::Pass);
    srv.abort();
    let _ = srv.await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(matches!(probe(&spec(kind(), addr)).await, Outcome::Fail(_)));
    let s = UdpSocket::bind(addr).await.unwrap();
    let wrong = tokio::spawn(dns_server(s, Some(2)));
    assert!(fails(&probe(&spec(kind(), addr)).await, "RCODE 2"));
    wrong.abort();
    let _ = wrong.await;
    let s = UdpSocket::bind(addr).await.unwrap();
    tokio::spawn(dns_server(s, Some(0)));
    assert_eq!(probe(&spec(kind(), addr)).await, Outcome::Pass, "up again");
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let a2 = s.local_addr().unwrap();
    tokio::spawn(dns_server(s, None));
    assert!(fails(&probe(&spec(kind(), a2)).await, "timed out"));
}

async fn udp_echo(s: UdpSocket, reply: Option<Vec<u8>>) {
    let mut buf = [0u8; 512];
    while let Ok((n, from)) = s.recv_from(&mut buf).await {
        let r = reply.clone().unwrap_or_else(|| buf[..n].to_vec());
        let _ = s.send_to(&r, from).await;
    }
}

#[tokio::test]
async fn udp_check() {
    let kind = |req: Option<Vec<Option<u8>>>| CheckKind::Udp {
        payload: vec![1, 2, 3],
        require_reply: req,
        min_reply_length: 0,
        max_reply_length: 255,
    };
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = s.local_addr().unwrap();
    let srv = tokio::spawn(udp_echo(s, None));
    let want = Some(vec![Some(1), None, Some(3)]);
    assert_eq!(probe(&spec(kind(want.clone()), addr)).await, Outcome::Pass);
    srv.abort();
    let _ = srv.await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Nobody listens: ICMP port unreachable, even without require_reply.
    assert!(fails(&probe(&spec(kind(None), addr)).await, "unreachable"));
    let s = UdpSocket::bind(addr).await.unwrap();
    tokio::spawn(udp_echo(s, Some(vec![9, 9, 9])));
    assert!(fails(
        &probe(&spec(kind(want.clone()), addr)).await,
        "differs"
    ));
    assert_eq!(probe(&spec(kind(None), addr)).await, Outcome::Pass);
}

#[tokio::test]
async fn ping_check() {
    // Needs root or ping_group_range (CI is root).
    let o = probe(&spec(CheckKind::Ping, "127.0.0.1:0".parse().unwrap())).await;
    if matches!(&o, Outcome::Fail(r) if r.contains("ICMP socket"))
        && !nix::unistd::geteuid().is_root()
    {
        eprintln!("skipped: no ICMP socket without root");
        return;
    }
    assert_eq!(o, Outcome::Pass);
    assert_eq!(
        probe(&spec(CheckKind::Ping, "[::1]:0".parse().unwrap())).await,
        Outcome::Pass
    );
    // The IPv6 discard prefix never answers (unroutable or silent).
    let o = probe(&spec(CheckKind::Ping, "[100::1]:0".parse().unwrap())).await;
    assert!(matches!(o, Outcome::Fail(_)), "{o:?}");
}

#[tokio::test]
async fn file_check() {
    let dir = tempdir();
    let path = format!("{dir}/state");
    let kind = |w, dynamic| CheckKind::File {
        track_file: "f".into(),
        weight: w,
        reverse: false,
        dynamic,
    };
    let mut sp = spec(kind(0, false), "127.0.0.1:0".parse().unwrap());
    sp.file = Some(path.clone());
    std::fs::write(&path, "0\n").unwrap();
    assert_eq!(probe(&sp).await, Outcome::Pass);
    std::fs::write(&path, "1\n").unwrap();
    assert!(fails(&probe(&sp).await, "value 1"));
    std::fs::write(&path, "0\n").unwrap();
    assert_eq!(probe(&sp).await, Outcome::Pass);
    sp.kind = kind(5, true);
    std::fs::write(&path, "2\n").unwrap();
    assert_eq!(probe(&sp).await, Outcome::PassWeight(20));
}

#[tokio::test]
async fn genhash_prints_the_digest_keepalived_would_check() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    tokio::spawn(http_server(l, None));
    let (code, len, hex) = kad_ipvs::check::probe::genhash(kad_ipvs::check::probe::Genhash {
        target: addr,
        path: "/ok",
        host: None,
        ssl: false,
        sni: None,
        protocol: HttpProtocol::Http10,
        kind: DigestKind::Md5,
        timeout: STEP,
    })
    .await
    .unwrap();
    assert_eq!(
        (code, len, hex.as_str()),
        (200, 6, "b1946ac92492d2347c6235b4d2611184")
    );
}

/// Fifty slow-drip and fifty silent servers being probed at once do not
/// delay a probe of a healthy server.
#[tokio::test]
async fn misbehaving_servers_never_delay_other_checks() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    tokio::spawn(http_server(l, None));
    let mut bad = vec![];
    for i in 0..100 {
        let path = if i % 2 == 0 { "/drip" } else { "/silent" };
        let sp = spec(CheckKind::Http(http(path, None, None)), addr);
        bad.push(tokio::spawn(async move { probe(&sp).await }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = Instant::now();
    let ok = probe(&spec(CheckKind::Http(http("/ok", None, None)), addr)).await;
    assert_eq!(ok, Outcome::Pass);
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
    for b in bad {
        assert!(matches!(b.await.unwrap(), Outcome::Fail(_)));
    }
}

/// TCP_CHECK's `bindto` / `bind_port` choose the source address and port;
/// `fwmark` marks the socket (root only).
#[tokio::test]
async fn tcp_check_binds_its_source_and_marks() {
    let l = listen(0).await;
    let addr = l.local_addr().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.7:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut sp = spec(CheckKind::Tcp, addr);
    sp.bind = Some(SocketAddr::new("127.0.0.7".parse().unwrap(), free));
    let (o, peer) = tokio::join!(probe(&sp), async { l.accept().await.unwrap().1 });
    assert_eq!(o, Outcome::Pass);
    assert_eq!(peer, sp.bind.unwrap());
    if nix::unistd::geteuid().is_root() {
        sp.bind = None;
        sp.fwmark = Some(7);
        let (o, _) = tokio::join!(probe(&sp), l.accept());
        assert_eq!(o, Outcome::Pass);
    }
}
