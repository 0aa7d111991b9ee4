//! `kad -T` / `kad --genhash`: keepalived's genhash. Fetches a URL and
//! prints the digest of its body, the value for `digest` in HTTP_GET /
//! SSL_GET.

use clap::Parser;
use kad_config::model::{DigestKind, HttpProtocol};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "kad -T",
    about = "Print the digest of a URL's body, for HTTP_GET/SSL_GET"
)]
pub struct Genhash {
    /// The server's address.
    #[arg(short = 's', long = "server")]
    server: IpAddr,
    /// The server's port (default 80, or 443 with --use-ssl).
    #[arg(short = 'p', long = "port")]
    port: Option<u16>,
    /// The path to fetch.
    #[arg(short = 'u', long = "url")]
    url: String,
    /// Fetch over TLS (SSL_GET).
    #[arg(short = 'S', long = "use-ssl")]
    ssl: bool,
    /// Send this name in SNI.
    #[arg(short = 'I', long = "sni")]
    sni: Option<String>,
    /// The Host header.
    #[arg(short = 'V', long = "use-virtualhost")]
    virtualhost: Option<String>,
    /// md5 or sha1.
    #[arg(short = 'H', long = "hash", default_value = "md5")]
    hash: String,
    /// HTTP version: 1.0, 1.0C or 1.1.
    #[arg(short = 'r', long = "http-protocol", default_value = "1.0")]
    protocol: String,
    /// Seconds to wait for each step.
    #[arg(short = 't', long = "timeout", default_value_t = 5)]
    timeout: u64,
    /// Print the status and body length too.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
}

pub fn run(args: Vec<String>) -> i32 {
    let g = match Genhash::try_parse_from(std::iter::once("kad -T".to_string()).chain(args)) {
        Ok(g) => g,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 1 } else { 0 };
        }
    };
    let kind = match g.hash.as_str() {
        "md5" => DigestKind::Md5,
        "sha1" => DigestKind::Sha1,
        h => {
            eprintln!("kad -T: unknown hash {h} (md5 or sha1)");
            return 1;
        }
    };
    let protocol = match g.protocol.as_str() {
        "1.0" => HttpProtocol::Http10,
        "1.0C" => HttpProtocol::Http10Close,
        "1.1" => HttpProtocol::Http11,
        p => {
            eprintln!("kad -T: unknown HTTP protocol {p} (1.0, 1.0C or 1.1)");
            return 1;
        }
    };
    let port = g.port.unwrap_or(if g.ssl { 443 } else { 80 });
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kad -T: {e}");
            return 1;
        }
    };
    let r = rt.block_on(kad_ipvs::check::probe::genhash(
        kad_ipvs::check::probe::Genhash {
            target: SocketAddr::new(g.server, port),
            path: &g.url,
            host: g.virtualhost.as_deref(),
            ssl: g.ssl,
            sni: g.sni.as_deref(),
            protocol,
            kind,
            timeout: Duration::from_secs(g.timeout.max(1)),
        },
    ));
    match r {
        Ok((status, len, hex)) => {
            if g.verbose {
                println!("HTTP status: {status}");
                println!("Body length: {len}");
            }
            let label = if kind == DigestKind::Md5 {
                "MD5SUM"
            } else {
                "SHA1SUM"
            };
            println!("{label} = {hex}");
            0
        }
        Err(e) => {
            eprintln!("kad -T: {e}");
            1
        }
    }
}
