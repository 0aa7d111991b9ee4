//! Checker blocks inside `real_server`.

use super::ctx::{Ctx, TIMER_MAX, UINT_MAX_US};
use super::lvs::Inherited;
use super::table::{dispatch, kw, old, own, Kw};
use crate::model::*;
use crate::tree::Node;
use std::time::Duration;

pub const CHECKER_NAMES: [&str; 9] = [
    "TCP_CHECK",
    "HTTP_GET",
    "SSL_GET",
    "MISC_CHECK",
    "SMTP_CHECK",
    "DNS_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
];

pub struct CheckDraft {
    pub kind: CheckKind,
    pub connect: ConnectOpts,
    pub timing: CheckTiming,
    pub alpha: Option<bool>,
    pub log_all_failures: bool,
    pub misc_timeout: Option<Duration>,
    /// SMTP_CHECK's `host {}` blocks: where each connects, and its
    /// `connect_timeout`.
    pub hosts: Vec<(ConnectOpts, Option<Duration>)>,
}

fn common() -> Vec<Kw<CheckDraft>> {
    vec![
        kw("connect_ip", |c, n, d| d.connect.connect_ip = c.ip(n, 0)),
        kw("connect_port", |c, n, d| {
            d.connect.connect_port = c.int(n, 0, 1, 65535).map(|p| p as u16)
        }),
        kw("bindto", |c, n, d| d.connect.bindto = c.ip(n, 0)),
        kw("bind_if", |c, n, d| d.connect.bind_if = c.string(n, 0)),
        kw("bind_port", |c, n, d| {
            d.connect.bind_port = c.int(n, 0, 1, 65535).map(|p| p as u16)
        }),
        kw("fwmark", |c, n, d| {
            d.connect.fwmark = c.u32(n, 0, 0, u32::MAX).or(d.connect.fwmark)
        }),
        kw("connect_timeout", |c, n, d| {
            d.timing.connect_timeout = c
                .timer(n, 0, 0.000001, UINT_MAX_US)
                .or(d.timing.connect_timeout)
        }),
        kw("delay_loop", |c, n, d| {
            d.timing.delay_loop = c.timer(n, 0, 0.000001, TIMER_MAX).or(d.timing.delay_loop)
        }),
        kw("retry", |c, n, d| d.timing.retry = c.u32(n, 0, 0, u32::MAX)),
        old("nb_get_retry", "'retry'", |c, n, d| {
            // keepalived reports this one (http_get_retry_handler).
            c.warn(n.kw.pos, "nb_get_retry is deprecated - please use 'retry'");
            d.timing.retry = c.u32(n, 0, 0, u32::MAX)
        }),
        kw("delay_before_retry", |c, n, d| {
            d.timing.delay_before_retry = c
                .timer(n, 0, 0.0, TIMER_MAX)
                .or(d.timing.delay_before_retry)
        }),
        kw("warmup", |c, n, d| {
            d.timing.warmup = c.timer(n, 0, 0.0, TIMER_MAX).or(d.timing.warmup)
        }),
        kw("alpha", |c, n, d| d.alpha = c.flag_opt(n).or(d.alpha)),
        kw("log_all_failures", |c, n, d| {
            d.log_all_failures = c.flag(n, d.log_all_failures)
        }),
    ]
}

fn http_mut(d: &mut CheckDraft) -> Option<&mut HttpCheck> {
    match &mut d.kind {
        CheckKind::Http(h) | CheckKind::Ssl(h) => Some(h),
        _ => None,
    }
}

pub fn url_table() -> &'static [Kw<Url>] {
    URL
}

static URL: &[Kw<Url>] = &[
    kw("path", |c, n, u| {
        if let Some(p) = c.string(n, 0) {
            u.path = p
        }
    }),
    kw("digest", |c, n, u| {
        let Some(t) = c.arg(n, 0).cloned() else {
            return;
        };
        let hex = t.text.to_ascii_lowercase();
        let kind = match hex.len() {
            32 => DigestKind::Md5,
            40 => DigestKind::Sha1,
            _ => {
                c.ignore(
                    t.pos,
                    format!(
                        "digest '{}' is neither MD5 (32 hex) nor SHA-1 (40 hex)",
                        t.text
                    ),
                );
                return;
            }
        };
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            c.ignore(t.pos, format!("digest '{}' is not hexadecimal", t.text));
            return;
        }
        u.digest = Some(Digest { kind, hex });
    }),
    kw("status_code", |c, n, u| {
        for t in n.args.clone() {
            let (a, b) = t.text.split_once('-').unwrap_or((&t.text, &t.text));
            match (a.parse::<u16>(), b.parse::<u16>()) {
                (Ok(a), Ok(b))
                    if (100..=599).contains(&a) && (100..=599).contains(&b) && a <= b =>
                {
                    u.status_codes.push((a, b))
                }
                _ => c.ignore(
                    t.pos,
                    format!("invalid status_code '{}' (100-599 or a range)", t.text),
                ),
            }
        }
    }),
    kw("virtualhost", |c, n, u| u.virtualhost = c.string(n, 0)),
    kw("regex", |c, n, u| u.regex = c.string(n, 0)),
    kw("regex_no_match", |_, _, u| u.regex_no_match = true),
    kw("regex_options", |c, n, u| {
        for t in n.args.clone() {
            let o = &mut u.regex_options;
            match t.text.as_str() {
                "caseless" => o.caseless = true,
                "multiline" => o.multiline = true,
                "dotall" => o.dotall = true,
                "extended" => o.extended = true,
                "ungreedy" => o.ungreedy = true,
                "utf" | "ucp" => o.unicode = true,
                "firstline" => o.firstline = true,
                // Tuning of PCRE2's compiler or matcher, or what kad's
                // engine does anyway (`$` only at the end, no `\C`, no
                // callouts, no offset limit set): the verdict is the same.
                "auto_callout" | "dollar_endonly" | "dupnames" | "no_auto_capture"
                | "no_auto_possess" | "no_dotstar_anchor" | "no_start_optimize" | "never_ucp"
                | "never_utf" | "never_backslash_c" | "use_offset_limit" => {}
                // Syntax kad's engine does not have.
                "allow_empty_class"
                | "alt_bsux"
                | "match_unset_backref"
                | "alt_circumflex"
                | "alt_verbnames" => c.warn(
                    t.pos,
                    format!(
                        "regex option '{}' has no equivalent in kad's regex engine - ignored",
                        t.text
                    ),
                ),
                // keepalived skips an unknown option without a word.
                _ => c.quiet(
                    t.pos,
                    format!("unknown regex option '{}' - ignored", t.text),
                ),
            }
        }
    }),
    kw("regex_stack", |c, n, _| {
        // keepalived sizes PCRE2's JIT stack with it; kad's engine does
        // not backtrack and needs none: checked as keepalived checks it.
        let (Some(a), Some(b), None) = (n.arg(0), n.arg(1), n.arg(2)) else {
            c.warn(n.kw.pos, "regex_stack requires start and max values");
            return;
        };
        match (a.text.parse::<u64>(), b.text.parse::<u64>()) {
            (Ok(a), Ok(b)) if a <= b => {}
            (Ok(_), Ok(_)) => c.warn(n.kw.pos, "regex stack start cannot exceed max value"),
            _ => c.warn(n.kw.pos, "regex_stack invalid start or max value"),
        }
    }),
    kw("regex_min_offset", |c, n, u| {
        u.regex_min_offset = regex_offset(c, n, "min").or(u.regex_min_offset)
    }),
    kw("regex_max_offset", |c, n, u| {
        u.regex_max_offset = regex_offset(c, n, "max").or(u.regex_max_offset)
    }),
];

fn regex_offset(c: &mut Ctx, n: &Node, which: &str) -> Option<u64> {
    let (Some(a), None) = (n.arg(0), n.arg(1)) else {
        c.warn(
            n.kw.pos,
            format!("Missing or too many options for regex_{which}_offset"),
        );
        return None;
    };
    match a.text.parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            c.warn(
                a.pos,
                format!(
                    "Invalid regex_{which}_offset {} specified - ignored",
                    a.text
                ),
            );
            None
        }
    }
}

fn http_table() -> Vec<Kw<CheckDraft>> {
    let mut t = common();
    t.extend([
        kw::<CheckDraft>("url", |c, n, d| {
            let mut u = Url {
                path: String::new(),
                digest: None,
                status_codes: Vec::new(),
                virtualhost: None,
                regex: None,
                regex_no_match: false,
                regex_options: RegexOptions::default(),
                regex_min_offset: None,
                regex_max_offset: None,
            };
            dispatch(c, "url", URL, n, &mut u);
            if u.path.is_empty() {
                c.warn(n.end(), "url has no path - removing");
                return;
            }
            // keepalived's url_check(): the regex keywords need a regex,
            // and an empty offset window is dropped.
            if u.regex.is_none()
                && (u.regex_no_match
                    || !u.regex_options.is_default()
                    || u.regex_min_offset.is_some()
                    || u.regex_max_offset.is_some())
            {
                c.warn(n.end(), "regex parameters specified without regex");
                u.regex_no_match = false;
                u.regex_options = RegexOptions::default();
                u.regex_min_offset = None;
                u.regex_max_offset = None;
            }
            if let (Some(min), Some(max)) = (u.regex_min_offset, u.regex_max_offset) {
                if min > max {
                    c.warn(
                        n.end(),
                        format!("regex min offset {min} > regex_max_offset {max} - ignoring"),
                    );
                    u.regex_min_offset = None;
                    u.regex_max_offset = None;
                }
            }
            if let Some(h) = http_mut(d) {
                h.urls.push(u)
            }
        }),
        kw::<CheckDraft>("http_protocol", |c, n, d| {
            let p = match n.arg(0).map(|a| a.text.as_str()) {
                Some("1.0") => HttpProtocol::Http10,
                Some("1.0C") | Some("1.0c") => HttpProtocol::Http10Close,
                Some("1.1") => HttpProtocol::Http11,
                _ => {
                    c.ignore(n.kw.pos, "http_protocol must be 1.0, 1.0C or 1.1");
                    return;
                }
            };
            if let Some(h) = http_mut(d) {
                h.protocol = p
            }
        }),
        kw::<CheckDraft>("virtualhost", |c, n, d| {
            let v = c.string(n, 0);
            if let Some(h) = http_mut(d) {
                h.virtualhost = v
            }
        }),
        kw::<CheckDraft>("enable_sni", |c, n, d| {
            let v = c.flag_opt(n);
            if let (Some(v), Some(h)) = (v, http_mut(d)) {
                h.enable_sni = v
            }
        }),
        kw::<CheckDraft>("sni_name", |c, n, d| {
            let v = c.string(n, 0);
            if let Some(h) = http_mut(d) {
                h.sni_name = v;
                h.enable_sni = true;
            }
        }),
        // keepalived 2.2.8's (2.2.7 reports it unknown): SSL_GET ends its
        // TLS sessions with a close_notify.
        own::<CheckDraft>("tls_compliant", |c, n, d| {
            let v = c.flag_opt(n);
            if let (Some(v), Some(h)) = (v, http_mut(d)) {
                h.tls_compliant = v
            }
        }),
        kw::<CheckDraft>("fast_recovery", |c, n, d| {
            let v = c.flag_opt(n);
            if let (Some(v), Some(h)) = (v, http_mut(d)) {
                h.fast_recovery = v
            }
        }),
    ]);
    t
}

fn misc_table() -> Vec<Kw<CheckDraft>> {
    let mut t = common();
    t.extend([
        kw::<CheckDraft>("misc_path", |c, n, d| {
            if let (Some(s), CheckKind::Misc(m)) = (c.script(n), &mut d.kind) {
                m.script = s
            }
        }),
        kw::<CheckDraft>("misc_timeout", |c, n, d| {
            d.misc_timeout = c.secs(n, 0, 0, 4294).or(d.misc_timeout)
        }),
        kw::<CheckDraft>("misc_dynamic", |_, _, d| {
            if let CheckKind::Misc(m) = &mut d.kind {
                m.dynamic = true
            }
        }),
        kw::<CheckDraft>("user", |c, n, d| {
            let u = c.string(n, 0);
            if let CheckKind::Misc(m) = &mut d.kind {
                m.script.user = u;
                m.script.group = n.arg(1).map(|g| g.text.clone());
            }
        }),
    ]);
    t
}

fn smtp_table() -> Vec<Kw<CheckDraft>> {
    let mut t = common();
    t.extend([
        kw::<CheckDraft>("helo_name", |c, n, d| {
            if let (Some(h), CheckKind::Smtp { helo_name }) = (c.string(n, 0), &mut d.kind) {
                *helo_name = h
            }
        }),
        old::<CheckDraft>("host", "the connect_* keywords in SMTP_CHECK", |c, n, d| {
            // keepalived's legacy host list: each block is one more
            // checker (see `checker()`), connecting where the block says
            // (by default the real server). Its other keywords are the
            // SMTP_CHECK's own, shared by all its hosts.
            let mut sub = CheckDraft {
                kind: CheckKind::Tcp,
                connect: ConnectOpts::default(),
                timing: d.timing.clone(),
                alpha: d.alpha,
                log_all_failures: d.log_all_failures,
                misc_timeout: None,
                hosts: Vec::new(),
            };
            sub.timing.connect_timeout = None;
            dispatch(c, "SMTP_CHECK host", &COMMON, n, &mut sub);
            let timeout = sub.timing.connect_timeout.take();
            sub.timing.connect_timeout = d.timing.connect_timeout;
            d.timing = sub.timing;
            d.alpha = sub.alpha;
            d.log_all_failures = sub.log_all_failures;
            d.hosts.push((sub.connect, timeout));
        }),
    ]);
    t
}

fn dns_table() -> Vec<Kw<CheckDraft>> {
    let mut t = common();
    t.extend([
        kw::<CheckDraft>("type", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            let ty = match a.text.to_ascii_uppercase().as_str() {
                "A" => DnsType::A,
                "NS" => DnsType::Ns,
                "CNAME" => DnsType::Cname,
                "SOA" => DnsType::Soa,
                "MX" => DnsType::Mx,
                "TXT" => DnsType::Txt,
                "AAAA" => DnsType::Aaaa,
                _ => {
                    c.ignore(a.pos, format!("unknown DNS type '{}'", a.text));
                    return;
                }
            };
            if let CheckKind::Dns { query_type, .. } = &mut d.kind {
                *query_type = ty
            }
        }),
        kw::<CheckDraft>("name", |c, n, d| {
            if let (Some(s), CheckKind::Dns { name, .. }) = (c.string(n, 0), &mut d.kind) {
                *name = s
            }
        }),
    ]);
    t
}

fn hex_bytes(s: &str, wildcard: bool) -> Option<Vec<Option<u8>>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| {
            let p = std::str::from_utf8(p).ok()?;
            if wildcard && p.eq_ignore_ascii_case("xx") {
                Some(None)
            } else {
                u8::from_str_radix(p, 16).ok().map(Some)
            }
        })
        .collect()
}

fn udp_table() -> Vec<Kw<CheckDraft>> {
    let mut t = common();
    t.extend([
        kw::<CheckDraft>("payload", |c, n, d| {
            let Some(a) = c.arg(n, 0).cloned() else {
                return;
            };
            match hex_bytes(&a.text, false) {
                Some(b) => {
                    if let CheckKind::Udp { payload, .. } = &mut d.kind {
                        *payload = b.into_iter().flatten().collect()
                    }
                }
                None => c.ignore(a.pos, format!("payload '{}' is not hex bytes", a.text)),
            }
        }),
        kw::<CheckDraft>("require_reply", |c, n, d| {
            let pat = match n.arg(0) {
                None => Some(Vec::new()),
                Some(a) => {
                    let p = hex_bytes(&a.text, true);
                    if p.is_none() {
                        c.ignore(
                            a.pos,
                            format!("require_reply '{}' is not hex bytes (xx = any)", a.text),
                        );
                    }
                    p
                }
            };
            if let (Some(p), CheckKind::Udp { require_reply, .. }) = (pat, &mut d.kind) {
                *require_reply = Some(p)
            }
        }),
        kw::<CheckDraft>("min_reply_length", |c, n, d| {
            if let (
                Some(v),
                CheckKind::Udp {
                    min_reply_length, ..
                },
            ) = (c.u32_exact(n, 0, 0, 65535), &mut d.kind)
            {
                *min_reply_length = v
            }
        }),
        kw::<CheckDraft>("max_reply_length", |c, n, d| {
            if let (
                Some(v),
                CheckKind::Udp {
                    max_reply_length, ..
                },
            ) = (c.u32_exact(n, 0, 0, 65535), &mut d.kind)
            {
                *max_reply_length = v
            }
        }),
    ]);
    t
}

fn file_table() -> Vec<Kw<CheckDraft>> {
    vec![
        kw::<CheckDraft>("track_file", |c, n, d| {
            if let (Some(s), CheckKind::File { track_file, .. }) = (c.string(n, 0), &mut d.kind) {
                *track_file = s
            }
        }),
        kw::<CheckDraft>("weight", |c, n, d| {
            let w = c.int(n, 0, -i64::from(i32::MAX), i32::MAX.into());
            let rev = n.arg(1).is_some_and(|a| a.text == "reverse");
            if let CheckKind::File {
                weight, reverse, ..
            } = &mut d.kind
            {
                *weight = w.unwrap_or(0) as i32;
                *reverse = rev;
            }
        }),
        kw::<CheckDraft>("dynamic", |_, _, d| {
            if let CheckKind::File { dynamic, .. } = &mut d.kind {
                *dynamic = true
            }
        }),
        kw::<CheckDraft>("alpha", |c, n, d| d.alpha = c.flag_opt(n).or(d.alpha)),
        kw::<CheckDraft>("delay_loop", |c, n, d| {
            d.timing.delay_loop = c.timer(n, 0, 0.000001, TIMER_MAX).or(d.timing.delay_loop)
        }),
    ]
}

use std::sync::LazyLock;
pub static COMMON: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(common);
pub static HTTP: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(http_table);
pub static MISC: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(misc_table);
pub static SMTP: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(smtp_table);
pub static DNS: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(dns_table);
pub static UDP: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(udp_table);
pub static FILE: LazyLock<Vec<Kw<CheckDraft>>> = LazyLock::new(file_table);

/// The checkers of one checker block: one, or for an SMTP_CHECK with
/// `host {}` blocks one per host, plus the block's own when it sets
/// connection options itself (keepalived's `smtp_check_end_handler()`).
pub fn checkers(c: &mut Ctx, n: &Node) -> Vec<CheckDraft> {
    let Some(mut d) = checker(c, n) else {
        return Vec::new();
    };
    let hosts = std::mem::take(&mut d.hosts);
    if hosts.is_empty() {
        return vec![d];
    }
    let own = d.connect != ConnectOpts::default() || d.timing.connect_timeout.is_some();
    let copy = |(connect, timeout): (ConnectOpts, Option<Duration>), d: &CheckDraft| CheckDraft {
        kind: d.kind.clone(),
        connect,
        timing: CheckTiming {
            // keepalived leaves a host without connect_timeout at 0 (its
            // block starts zeroed), which fails every check: kad inherits.
            connect_timeout: timeout,
            ..d.timing.clone()
        },
        alpha: d.alpha,
        log_all_failures: d.log_all_failures,
        misc_timeout: d.misc_timeout,
        hosts: Vec::new(),
    };
    let mut out: Vec<CheckDraft> = hosts.into_iter().map(|h| copy(h, &d)).collect();
    if own {
        out.insert(0, d);
    }
    out
}

fn checker(c: &mut Ctx, n: &Node) -> Option<CheckDraft> {
    let empty_script = Script {
        command: String::new(),
        argv: Vec::new(),
        user: None,
        group: None,
    };
    let http = || HttpCheck {
        urls: Vec::new(),
        protocol: HttpProtocol::Http10,
        virtualhost: None,
        enable_sni: false,
        sni_name: None,
        tls_compliant: false,
        fast_recovery: false,
    };
    let (kind, table): (CheckKind, &[Kw<CheckDraft>]) = match n.kw.text.as_str() {
        "TCP_CHECK" => (CheckKind::Tcp, &COMMON),
        "HTTP_GET" => (CheckKind::Http(Box::new(http())), &HTTP),
        "SSL_GET" => (CheckKind::Ssl(Box::new(http())), &HTTP),
        "MISC_CHECK" => (
            CheckKind::Misc(Box::new(MiscCheck {
                script: empty_script,
                timeout: Duration::ZERO,
                dynamic: false,
            })),
            &MISC,
        ),
        "SMTP_CHECK" => (
            CheckKind::Smtp {
                helo_name: String::new(),
            },
            &SMTP,
        ),
        "DNS_CHECK" => (
            CheckKind::Dns {
                query_type: DnsType::Soa,
                name: ".".into(),
            },
            &DNS,
        ),
        "UDP_CHECK" => (
            CheckKind::Udp {
                payload: Vec::new(),
                require_reply: None,
                min_reply_length: 0,
                max_reply_length: 255,
            },
            &UDP,
        ),
        "PING_CHECK" => (CheckKind::Ping, &COMMON),
        "FILE_CHECK" => (
            CheckKind::File {
                track_file: String::new(),
                weight: 0,
                reverse: false,
                dynamic: false,
            },
            &FILE,
        ),
        _ => return None,
    };
    let mut d = CheckDraft {
        kind,
        connect: ConnectOpts::default(),
        timing: CheckTiming::default(),
        alpha: None,
        log_all_failures: false,
        misc_timeout: None,
        hosts: Vec::new(),
    };
    let context = n.kw.text.clone();
    dispatch(c, &context, table, n, &mut d);
    match &d.kind {
        CheckKind::Http(h) | CheckKind::Ssl(h) if h.urls.is_empty() => {
            c.warn(n.end(), format!("{context} has no url - removing"));
            return None;
        }
        CheckKind::Misc(m) if m.script.command.is_empty() => {
            c.warn(n.end(), "MISC_CHECK has no misc_path - removing");
            return None;
        }
        CheckKind::File { track_file, .. } if track_file.is_empty() => {
            c.warn(n.end(), "FILE_CHECK has no track_file - removing");
            return None;
        }
        _ => {}
    }
    Some(d)
}

/// Timing after inheritance checker → real_server → virtual_server and the
/// per-type defaults of keepalived.
pub fn resolve(d: CheckDraft, rs: &Inherited, vs: &Inherited, rs_alpha: bool) -> Checker {
    let pick =
        |f: fn(&CheckTiming) -> Option<Duration>| f(&d.timing).or(f(&rs.timing)).or(f(&vs.timing));
    let delay_loop = pick(|t| t.delay_loop).unwrap_or(Duration::from_secs(60));
    let connect_timeout = pick(|t| t.connect_timeout).unwrap_or(Duration::from_secs(5));
    let retry = d
        .timing
        .retry
        .or(rs.timing.retry)
        .or(vs.timing.retry)
        .unwrap_or(match d.kind {
            CheckKind::Dns { .. } => 3,
            CheckKind::Misc(_) => 0,
            _ => 1,
        });
    let delay_before_retry = pick(|t| t.delay_before_retry).unwrap_or(match d.kind {
        CheckKind::Http(_) | CheckKind::Ssl(_) => Duration::from_secs(3),
        CheckKind::Dns { .. } => delay_loop,
        _ => Duration::from_secs(1),
    });
    let warmup = pick(|t| t.warmup).unwrap_or(delay_loop);
    let mut kind = d.kind;
    if let CheckKind::Misc(m) = &mut kind {
        m.timeout = d.misc_timeout.unwrap_or(delay_loop);
    }
    let connect = (d.connect != ConnectOpts::default()).then(|| Box::new(d.connect));
    if let CheckKind::Http(h) | CheckKind::Ssl(h) = &mut kind {
        if h.virtualhost.is_none() {
            h.virtualhost = rs.virtualhost.clone().or_else(|| vs.virtualhost.clone());
        }
    }
    Checker {
        kind,
        connect,
        timing: ResolvedTiming {
            delay_loop,
            connect_timeout,
            retry,
            delay_before_retry,
            warmup,
            alpha: d.alpha.unwrap_or(rs_alpha),
            log_all_failures: d.log_all_failures,
        },
    }
}
