//! Health checkers inside `real_server`, with timing inherited
//! virtual_server → real_server → checker.

use super::units::secs;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

/// Timing keywords as set at one level; `None` = inherit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckTiming {
    #[serde(with = "secs::opt", default, skip_serializing_if = "Option::is_none")]
    pub delay_loop: Option<Duration>,
    #[serde(with = "secs::opt", default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    #[serde(with = "secs::opt", default, skip_serializing_if = "Option::is_none")]
    pub delay_before_retry: Option<Duration>,
    #[serde(with = "secs::opt", default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Duration>,
}

/// Timing after inheritance and defaults, as the checker runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedTiming {
    #[serde(with = "secs")]
    pub delay_loop: Duration,
    #[serde(with = "secs")]
    pub connect_timeout: Duration,
    pub retry: u32,
    #[serde(with = "secs")]
    pub delay_before_retry: Duration,
    /// The first check runs after a random delay up to this.
    #[serde(with = "secs")]
    pub warmup: Duration,
    pub alpha: bool,
    pub log_all_failures: bool,
}

/// Where a checker connects (defaults: the real server's address/port).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectOpts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindto: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_if: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fwmark: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DigestKind {
    Md5,
    Sha1,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    pub kind: DigestKind,
    /// Lower-case hex.
    pub hex: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Url {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Inclusive ranges; empty = 200..=299.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_codes: Vec<(u16, u16)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualhost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    pub regex_no_match: bool,
    /// `regex_options`: keepalived's PCRE2 options that change what
    /// matches.
    #[serde(default, skip_serializing_if = "RegexOptions::is_default")]
    pub regex_options: RegexOptions,
    /// `regex_min_offset`: a match starts at or after this body offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_min_offset: Option<u64>,
    /// `regex_max_offset`: a match starts at or before this body offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex_max_offset: Option<u64>,
}

/// The `regex_options` that change what a pattern matches (PCRE2's names;
/// the others keepalived takes tune its engine or its JIT and change no
/// verdict).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegexOptions {
    pub caseless: bool,
    pub multiline: bool,
    pub dotall: bool,
    pub extended: bool,
    pub ungreedy: bool,
    /// `utf` / `ucp`: characters, not bytes; Unicode classes.
    pub unicode: bool,
    /// The match starts on the body's first line.
    pub firstline: bool,
}

impl RegexOptions {
    pub fn is_default(&self) -> bool {
        *self == RegexOptions::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpProtocol {
    #[serde(rename = "1.0")]
    Http10,
    #[serde(rename = "1.0C")]
    Http10Close,
    #[serde(rename = "1.1")]
    Http11,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    pub urls: Vec<Url>,
    pub protocol: HttpProtocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtualhost: Option<String>,
    pub enable_sni: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni_name: Option<String>,
    pub tls_compliant: bool,
    pub fast_recovery: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiscCheck {
    pub script: super::global::Script,
    #[serde(with = "secs")]
    pub timeout: Duration,
    pub dynamic: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DnsType {
    A,
    Ns,
    Cname,
    Soa,
    Mx,
    Txt,
    Aaaa,
}

/// One byte of a `require_reply` pattern (`None` = the `xx` wildcard).
pub type PatternByte = Option<u8>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CheckKind {
    #[serde(rename = "TCP_CHECK")]
    Tcp,
    #[serde(rename = "HTTP_GET")]
    Http(Box<HttpCheck>),
    #[serde(rename = "SSL_GET")]
    Ssl(Box<HttpCheck>),
    #[serde(rename = "MISC_CHECK")]
    Misc(Box<MiscCheck>),
    #[serde(rename = "SMTP_CHECK")]
    Smtp { helo_name: String },
    #[serde(rename = "DNS_CHECK")]
    Dns { query_type: DnsType, name: String },
    #[serde(rename = "UDP_CHECK")]
    Udp {
        payload: Vec<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        require_reply: Option<Vec<PatternByte>>,
        min_reply_length: u32,
        max_reply_length: u32,
    },
    #[serde(rename = "PING_CHECK")]
    Ping,
    #[serde(rename = "FILE_CHECK")]
    File {
        track_file: String,
        weight: i32,
        reverse: bool,
        dynamic: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checker {
    pub kind: CheckKind,
    /// Connection options, when any is set (most checkers have none: kept
    /// out of line to keep large configurations small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<Box<ConnectOpts>>,
    pub timing: ResolvedTiming,
}

impl Checker {
    /// The connection options (all defaults when none were set).
    pub fn connect(&self) -> &ConnectOpts {
        static NONE: ConnectOpts = ConnectOpts {
            connect_ip: None,
            connect_port: None,
            bindto: None,
            bind_if: None,
            bind_port: None,
            fwmark: None,
        };
        self.connect.as_deref().unwrap_or(&NONE)
    }
}
