//! E-mail alerts, the pure part: which events send mail (keepalived
//! 2.2.7's `smtp_alert` defaults), and the subject, body and message text
//! keepalived sends for each (keepalived/core/smtp.c, vrrp/vrrp_notify.c,
//! check/check_*.c, check/ipwrapper.c). `smtp.rs` sends them.

use kad_config::model::{CheckKind, Config, GlobalDefs, RealServer, VirtualServer, VsKey};
use kad_vrrp::fsm::State;
use std::time::Duration;

/// keepalived's buffers: the subject is cut at 255 bytes, the body at 511.
const MAX_SUBJECT: usize = 255;
const MAX_BODY: usize = 511;

/// Where and how mail goes, from `global_defs` (defaults applied).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub to: Vec<String>,
    pub from: String,
    pub server: (String, u16),
    pub helo: String,
    pub timeout: Duration,
    pub router_id: Option<String>,
}

impl Settings {
    /// None when keepalived would send nothing: no `notification_email`
    /// or no `smtp_server`. `local_name` is the host's canonical name and
    /// `user` the name of the running user (the default sender is
    /// `user@local_name`, the default HELO name `local_name`).
    pub fn new(g: &GlobalDefs, local_name: &str, user: &str) -> Option<Settings> {
        let server = g.smtp_server.clone()?;
        if g.notification_email.is_empty() {
            return None;
        }
        let known = !local_name.is_empty();
        Some(Settings {
            to: g.notification_email.clone(),
            from: g.notification_email_from.clone().unwrap_or_else(|| {
                if known {
                    format!("{user}@{local_name}")
                } else {
                    String::new()
                }
            }),
            server,
            helo: g.smtp_helo_name.clone().unwrap_or_else(|| {
                if known {
                    local_name.to_string()
                } else {
                    "localhost".to_string()
                }
            }),
            timeout: g.smtp_connect_timeout,
            router_id: g
                .router_id
                .clone()
                .or_else(|| known.then(|| local_name.to_string())),
        })
    }
}

/// A VRRP instance or sync group without its own `smtp_alert`:
/// `smtp_alert_vrrp`, else `smtp_alert`, else off.
pub fn vrrp_enabled(g: &GlobalDefs, own: Option<bool>) -> bool {
    own.or(g.smtp_alert_vrrp).or(g.smtp_alert).unwrap_or(false)
}

/// A real server without its own `smtp_alert`: `smtp_alert_checker`,
/// else `smtp_alert`, else ON (keepalived keeps this old default for real
/// servers only).
pub fn rs_enabled(g: &GlobalDefs, own: Option<bool>) -> bool {
    own.or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        .unwrap_or(true)
}

/// A virtual server (quorum alerts): as a real server, but off by default.
pub fn vs_enabled(g: &GlobalDefs, own: Option<bool>) -> bool {
    own.or(g.smtp_alert_checker)
        .or(g.smtp_alert)
        .unwrap_or(false)
}

/// What happened, with what the text needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A VRRP instance entered a state.
    Instance { name: String, state: State },
    /// All the members of a sync group are in this state.
    Group { name: String, state: State },
    /// A checker went up or down; `rs_alive`: the real server after it.
    Checker {
        vs: String,
        rs: String,
        kind: Kind,
        up: bool,
        rs_alive: bool,
        /// Why it failed (SMTP_CHECK names it in the body).
        reason: Option<String>,
    },
    /// A reload removed a live real server.
    Removed { vs: String, rs: String },
    /// A virtual server gained or lost quorum (`init`: at start-up).
    Quorum {
        vs: String,
        up: bool,
        init: bool,
        quorum: u32,
        hysteresis: u32,
        threshold: i64,
        weight: u64,
    },
}

/// The checker types, as their alert bodies tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Http,
    Smtp,
    Misc,
    Dns,
    Udp,
    Ping,
    /// FILE_CHECK: keepalived sends no mail for it.
    File,
}

impl Kind {
    pub fn of(k: &CheckKind) -> Kind {
        match k {
            CheckKind::Tcp => Kind::Tcp,
            CheckKind::Http(_) | CheckKind::Ssl(_) => Kind::Http,
            CheckKind::Smtp { .. } => Kind::Smtp,
            CheckKind::Misc(_) => Kind::Misc,
            CheckKind::Dns { .. } => Kind::Dns,
            CheckKind::Udp { .. } => Kind::Udp,
            CheckKind::Ping => Kind::Ping,
            CheckKind::File { .. } => Kind::File,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

fn proto(vs: &VirtualServer) -> &'static str {
    match vs.protocol {
        kad_config::model::Protocol::Tcp => "tcp",
        kad_config::model::Protocol::Udp => "udp",
        kad_config::model::Protocol::Sctp => "sctp",
    }
}

/// keepalived's FMT_VS: `[addr]:proto:port`, `FWM n`, `[group]:port`.
pub fn vs_name(vs: &VirtualServer) -> String {
    match &vs.key {
        VsKey::Addr { addr, port } => format!("[{addr}]:{}:{port}", proto(vs)),
        VsKey::Fwmark { mark, .. } => format!("FWM {mark}"),
        VsKey::Group { name } => format!("[{name}]:0"),
    }
}

/// keepalived's FMT_RS: `[addr]:proto:port` with the service's protocol.
pub fn rs_name(vs: &VirtualServer, rs: &RealServer) -> String {
    format!("[{}]:{}:{}", rs.addr, proto(vs), rs.port)
}

fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn vrrp_text(state: State, group: bool) -> Option<(&'static str, &'static str)> {
    Some(match (state, group) {
        (State::Master, false) => (
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        ),
        (State::Backup, false) => (
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (State::Fault, false) => (
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        (State::Stopped, false) => ("Stopping", "=> VRRP Instance stopping <="),
        (State::Master, true) => (
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (State::Backup, true) => (
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (State::Fault, true) => (
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        (State::Stopped, true) => (
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        ),
        (State::Init, _) => return None,
    })
}

fn checker_body(kind: Kind, up: bool, reason: Option<&str>) -> Option<String> {
    Some(
        match (kind, up) {
            (Kind::Tcp, true) => "=> TCP CHECK succeed on service <=",
            (Kind::Tcp, false) => "=> TCP CHECK failed on service <=",
            (Kind::Http | Kind::Smtp, true) => "=> CHECK succeed on service <=",
            (Kind::Http, false) => "=> CHECK failed on service : HTTP request failed <=",
            (Kind::Smtp, false) => {
                return Some(match reason {
                    Some(r) => format!("=> CHECK failed on service : {r} <="),
                    None => "=> CHECK failed on service <=".to_string(),
                })
            }
            (Kind::Misc, true) => "=> MISC CHECK succeeded on service <=",
            (Kind::Misc, false) => {
                let timed_out = reason.is_some_and(|r| r.contains("timed out"));
                if timed_out {
                    "=> MISC CHECK timed out on service <="
                } else {
                    "=> MISC CHECK failed on service <="
                }
            }
            (Kind::Dns, true) => "=> DNS_CHECK: succeed on service <=",
            (Kind::Dns, false) => "=> DNS_CHECK: failed on service <=",
            (Kind::Udp, true) => "=> UDP CHECK succeed on service <=",
            (Kind::Udp, false) => "=> UDP CHECK failed on service <=",
            (Kind::Ping, true) => "=> ICMP CHECK succeed on service <=",
            (Kind::Ping, false) => "=> ICMP CHECK failed on service <=",
            (Kind::File, _) => return None,
        }
        .to_string(),
    )
}

/// The subject and body keepalived sends for `ev` (None: it sends none).
pub fn mail(router_id: Option<&str>, ev: &Event) -> Option<Mail> {
    let rid = router_id.unwrap_or("(null)");
    let (subject, body) = match ev {
        Event::Instance { name, state } => {
            let (s, b) = vrrp_text(*state, false)?;
            (format!("[{rid}] VRRP Instance {name} - {s}"), b.to_string())
        }
        Event::Group { name, state } => {
            let (s, b) = vrrp_text(*state, true)?;
            (format!("[{rid}] VRRP Group {name} - {s}"), b.to_string())
        }
        Event::Checker {
            vs,
            rs,
            kind,
            up,
            rs_alive,
            reason,
        } => {
            let body = checker_body(*kind, *up, reason.as_deref())?;
            let word = if *rs_alive { "UP" } else { "DOWN" };
            (
                format!("[{rid}] Realserver {rs} of virtual server {vs} - {word}"),
                body,
            )
        }
        Event::Removed { vs, rs } => (
            format!("[{rid}] Realserver {rs} of virtual server {vs} - DOWN"),
            "=> Removing <=".to_string(),
        ),
        Event::Quorum {
            vs,
            up,
            init,
            quorum,
            hysteresis,
            threshold,
            weight,
        } => {
            let what = match (up, init) {
                (true, true) => "Starting with quorum up",
                (true, false) => "Gained quorum",
                (false, true) => "Starting with quorum down",
                (false, false) => "Lost quorum",
            };
            let word = if *up { "UP" } else { "DOWN" };
            (
                format!("[{rid}] Virtualserver {vs} - {word}"),
                // keepalived's own buffer for this line is 80 bytes.
                cut(
                    format!("=> {what} {quorum}+{hysteresis}={threshold} <= {weight} <="),
                    79,
                ),
            )
        }
    };
    Some(Mail {
        subject: cut(subject, MAX_SUBJECT),
        body: cut(body, MAX_BODY),
    })
}

/// The message as keepalived writes it after DATA (without the final
/// `.`): its headers in its order, then the body line.
pub fn message(date: &str, s: &Settings, m: &Mail) -> String {
    format!(
        "Date: {date}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n",
        s.from,
        m.subject,
        s.to.join(", "),
        m.body
    )
}

/// Whether keepalived mails a VRRP instance's (or group's) new `state`:
/// `smtp_alert` on, not a FAULT under `no_email_faults`, and not the
/// state it last mailed (`last`; None before the first mail). Returns the
/// new last-mailed state when it mails.
pub fn vrrp_mails(
    enabled: bool,
    no_email_faults: bool,
    last: Option<State>,
    state: State,
) -> Option<State> {
    let mailable = matches!(
        state,
        State::Master | State::Backup | State::Fault | State::Stopped
    );
    (enabled && mailable && !(no_email_faults && state == State::Fault) && last != Some(state))
        .then_some(state)
}

/// The live real servers of `old` (`alive(vs, rs)`) that `new` no longer
/// has (by virtual server address/protocol and real server address/port),
/// whose `smtp_alert` (resolved with `old`'s globals) is on: keepalived
/// mails each "DOWN" / "=> Removing <=" on the reload.
pub fn removed(old: &Config, alive: &dyn Fn(usize, usize) -> bool, new: &Config) -> Vec<Event> {
    let kept: std::collections::HashSet<_> = new
        .virtual_servers
        .iter()
        .flat_map(|vs| {
            vs.real_servers
                .iter()
                .map(move |rs| (&vs.key, vs.protocol, rs.addr, rs.port))
        })
        .collect();
    let mut out = Vec::new();
    for (vi, vs) in old.virtual_servers.iter().enumerate() {
        for (ri, rs) in vs.real_servers.iter().enumerate() {
            if alive(vi, ri)
                && rs_enabled(&old.global, rs.smtp_alert)
                && !kept.contains(&(&vs.key, vs.protocol, rs.addr, rs.port))
            {
                out.push(Event::Removed {
                    vs: vs_name(vs),
                    rs: rs_name(vs, rs),
                });
            }
        }
    }
    out
}

/// One checker result, as the mail decision sees it.
#[derive(Clone, Copy, Debug)]
pub struct Verdict {
    pub kind: Kind,
    /// The checker's first result.
    pub first: bool,
    pub pass: bool,
    pub was_up: bool,
    pub up: bool,
    /// No retry is pending after this result.
    pub settled: bool,
    pub rs_was_alive: bool,
    pub rs_alive: bool,
}

/// Whether keepalived mails for a checker's result: the checker went up
/// or down (MISC_CHECK also for its first settled verdict, even when that
/// changes nothing), the real server has `smtp_alert`, and either its
/// aliveness changed or `no_checker_emails` is off.
pub fn checker_mails(enabled: bool, no_checker_emails: bool, v: &Verdict) -> bool {
    let misc_first = v.kind == Kind::Misc && v.first && (v.pass || v.settled);
    (v.up != v.was_up || misc_first)
        && enabled
        && (v.rs_was_alive != v.rs_alive || !no_checker_emails)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let g = GlobalDefs {
            notification_email: vec!["a@example.com".into(), "b@example.com".into()],
            smtp_server: Some(("127.0.0.1".into(), 25)),
            ..Default::default()
        };
        Settings::new(&g, "lb1.example.com", "root").unwrap()
    }

    #[test]
    fn defaults_follow_keepalived() {
        let s = settings();
        assert_eq!(s.from, "root@lb1.example.com");
        assert_eq!(s.helo, "lb1.example.com");
        assert_eq!(s.router_id.as_deref(), Some("lb1.example.com"));
        assert_eq!(s.timeout, Duration::from_secs(30));
        let mut g = GlobalDefs {
            smtp_server: Some(("127.0.0.1".into(), 25)),
            ..Default::default()
        };
        assert_eq!(Settings::new(&g, "h", "root"), None, "no recipients");
        g.notification_email = vec!["a@b".into()];
        g.smtp_server = None;
        assert_eq!(Settings::new(&g, "h", "root"), None, "no server");
        g.smtp_server = Some(("127.0.0.1".into(), 25));
        assert_eq!(Settings::new(&g, "", "root").unwrap().helo, "localhost");
    }

    #[test]
    fn which_switch_enables_what() {
        let mut g = GlobalDefs::default();
        // Nothing set: VRRP off, real servers ON, virtual servers off.
        assert!(!vrrp_enabled(&g, None));
        assert!(rs_enabled(&g, None));
        assert!(!vs_enabled(&g, None));
        g.smtp_alert = Some(false);
        assert!(!rs_enabled(&g, None));
        g.smtp_alert = Some(true);
        assert!(vrrp_enabled(&g, None) && rs_enabled(&g, None) && vs_enabled(&g, None));
        g.smtp_alert_vrrp = Some(false);
        assert!(!vrrp_enabled(&g, None));
        assert!(
            rs_enabled(&g, None),
            "smtp_alert_vrrp does not touch checkers"
        );
        g.smtp_alert_checker = Some(false);
        assert!(!rs_enabled(&g, None) && !vs_enabled(&g, None));
        // The block's own keyword wins.
        assert!(vrrp_enabled(&g, Some(true)));
        assert!(rs_enabled(&g, Some(true)));
        let g = GlobalDefs::default();
        assert!(!rs_enabled(&g, Some(false)));
    }

    #[test]
    fn vrrp_texts() {
        let ev = |state| Event::Instance {
            name: "VI_1".into(),
            state,
        };
        let m = mail(Some("lb1"), &ev(State::Master)).unwrap();
        assert_eq!(
            m.subject,
            "[lb1] VRRP Instance VI_1 - Entering MASTER state"
        );
        assert_eq!(m.body, "=> VRRP Instance is now owning VRRP VIPs <=");
        let m = mail(Some("lb1"), &ev(State::Backup)).unwrap();
        assert_eq!(
            m.subject,
            "[lb1] VRRP Instance VI_1 - Entering BACKUP state"
        );
        assert_eq!(m.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let m = mail(Some("lb1"), &ev(State::Fault)).unwrap();
        assert_eq!(m.subject, "[lb1] VRRP Instance VI_1 - Entering FAULT state");
        assert_eq!(m.body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
        let m = mail(Some("lb1"), &ev(State::Stopped)).unwrap();
        assert_eq!(m.subject, "[lb1] VRRP Instance VI_1 - Stopping");
        assert_eq!(m.body, "=> VRRP Instance stopping <=");
        assert_eq!(mail(Some("lb1"), &ev(State::Init)), None);
        let g = Event::Group {
            name: "G".into(),
            state: State::Master,
        };
        let m = mail(Some("lb1"), &g).unwrap();
        assert_eq!(m.subject, "[lb1] VRRP Group G - Entering MASTER state");
        assert_eq!(
            m.body,
            "=> All VRRP group instances are now in MASTER state <="
        );
        let g = Event::Group {
            name: "G".into(),
            state: State::Fault,
        };
        assert_eq!(
            mail(Some("lb1"), &g).unwrap().body,
            "=> All VRRP group instances are now in FAULT state <="
        );
    }

    fn ck(kind: Kind, up: bool, rs_alive: bool, reason: Option<&str>) -> Option<Mail> {
        mail(
            Some("lb1"),
            &Event::Checker {
                vs: "[10.0.0.1]:tcp:80".into(),
                rs: "[192.168.1.2]:tcp:8080".into(),
                kind,
                up,
                rs_alive,
                reason: reason.map(str::to_string),
            },
        )
    }

    #[test]
    fn checker_texts() {
        let m = ck(Kind::Tcp, false, false, Some("connection refused")).unwrap();
        assert_eq!(
            m.subject,
            "[lb1] Realserver [192.168.1.2]:tcp:8080 of virtual server [10.0.0.1]:tcp:80 - DOWN"
        );
        assert_eq!(m.body, "=> TCP CHECK failed on service <=");
        let m = ck(Kind::Tcp, true, true, None).unwrap();
        assert!(m.subject.ends_with(" - UP"));
        assert_eq!(m.body, "=> TCP CHECK succeed on service <=");
        // A checker coming up while another keeps the server down.
        assert!(ck(Kind::Tcp, true, false, None)
            .unwrap()
            .subject
            .ends_with(" - DOWN"));
        assert_eq!(
            ck(Kind::Http, false, false, None).unwrap().body,
            "=> CHECK failed on service : HTTP request failed <="
        );
        assert_eq!(
            ck(Kind::Http, true, true, None).unwrap().body,
            "=> CHECK succeed on service <="
        );
        assert_eq!(
            ck(Kind::Smtp, false, false, Some("Bad greeting banner"))
                .unwrap()
                .body,
            "=> CHECK failed on service : Bad greeting banner <="
        );
        assert_eq!(
            ck(Kind::Misc, false, false, Some("exit 1")).unwrap().body,
            "=> MISC CHECK failed on service <="
        );
        assert_eq!(
            ck(Kind::Misc, false, false, Some("timed out after 5s"))
                .unwrap()
                .body,
            "=> MISC CHECK timed out on service <="
        );
        assert_eq!(
            ck(Kind::Misc, true, true, None).unwrap().body,
            "=> MISC CHECK succeeded on service <="
        );
        assert_eq!(
            ck(Kind::Dns, false, false, None).unwrap().body,
            "=> DNS_CHECK: failed on service <="
        );
        assert_eq!(
            ck(Kind::Udp, true, true, None).unwrap().body,
            "=> UDP CHECK succeed on service <="
        );
        assert_eq!(
            ck(Kind::Ping, false, false, None).unwrap().body,
            "=> ICMP CHECK failed on service <="
        );
        assert_eq!(ck(Kind::File, false, false, None), None);
    }

    #[test]
    fn quorum_texts() {
        let q = |up, init| Event::Quorum {
            vs: "[10.0.0.1]:tcp:80".into(),
            up,
            init,
            quorum: 2,
            hysteresis: 1,
            threshold: if up { 3 } else { 1 },
            weight: if up { 3 } else { 0 },
        };
        let m = mail(Some("lb1"), &q(false, false)).unwrap();
        assert_eq!(m.subject, "[lb1] Virtualserver [10.0.0.1]:tcp:80 - DOWN");
        assert_eq!(m.body, "=> Lost quorum 2+1=1 <= 0 <=");
        let m = mail(Some("lb1"), &q(true, false)).unwrap();
        assert_eq!(m.subject, "[lb1] Virtualserver [10.0.0.1]:tcp:80 - UP");
        assert_eq!(m.body, "=> Gained quorum 2+1=3 <= 3 <=");
        assert_eq!(
            mail(Some("lb1"), &q(false, true)).unwrap().body,
            "=> Starting with quorum down 2+1=1 <= 0 <="
        );
    }

    #[test]
    fn message_has_keepalived_headers_in_order() {
        let s = settings();
        let m = Mail {
            subject: "[lb1] VRRP Instance VI_1 - Entering MASTER state".into(),
            body: "=> VRRP Instance is now owning VRRP VIPs <=".into(),
        };
        let text = message("Wed, 02 Dec 2026 05:00:00 +0000", &s, &m);
        assert_eq!(
            text,
            "Date: Wed, 02 Dec 2026 05:00:00 +0000\r\n\
             From: root@lb1.example.com\r\n\
             Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n\
             X-Mailer: Keepalived\r\n\
             To: a@example.com, b@example.com\r\n\
             \r\n\
             => VRRP Instance is now owning VRRP VIPs <=\r\n"
        );
    }

    #[test]
    fn long_names_are_cut_as_keepalived_cuts_them() {
        let name = "x".repeat(300);
        let m = mail(
            Some("lb1"),
            &Event::Instance {
                name,
                state: State::Master,
            },
        )
        .unwrap();
        assert_eq!(m.subject.len(), 255);
        assert!(m.subject.starts_with("[lb1] VRRP Instance xxx"));
    }

    #[test]
    fn checker_mail_rule() {
        let v = Verdict {
            kind: Kind::Tcp,
            first: false,
            pass: false,
            was_up: true,
            up: false,
            settled: true,
            rs_was_alive: true,
            rs_alive: false,
        };
        assert!(checker_mails(true, false, &v));
        assert!(!checker_mails(false, false, &v), "smtp_alert off");
        // A second checker of a server already down: still mailed.
        let other = Verdict {
            rs_was_alive: false,
            ..v
        };
        assert!(
            checker_mails(true, false, &other),
            "no_checker_emails is off"
        );
        assert!(!checker_mails(true, true, &other), "no_checker_emails");
        assert!(checker_mails(true, true, &v), "the server changed");
        // A failure with a retry pending: no change, no mail.
        let retrying = Verdict {
            up: true,
            settled: false,
            ..v
        };
        assert!(!checker_mails(true, false, &retrying));
        // The first result of a checker that starts up: a pass changes
        // nothing and mails nothing...
        let start = Verdict {
            first: true,
            pass: true,
            was_up: true,
            up: true,
            rs_was_alive: true,
            rs_alive: true,
            ..v
        };
        assert!(!checker_mails(true, false, &start));
        // ...except for MISC_CHECK, which mails "succeeded".
        let misc = Verdict {
            kind: Kind::Misc,
            ..start
        };
        assert!(checker_mails(true, false, &misc));
        // A first MISC failure with a retry pending says nothing yet.
        let misc_retrying = Verdict {
            pass: false,
            settled: false,
            ..misc
        };
        assert!(!checker_mails(true, false, &misc_retrying));
    }

    #[test]
    fn vrrp_mail_rule() {
        assert_eq!(
            vrrp_mails(true, false, None, State::Backup),
            Some(State::Backup)
        );
        assert_eq!(vrrp_mails(false, false, None, State::Backup), None);
        assert_eq!(vrrp_mails(true, false, None, State::Init), None);
        assert_eq!(
            vrrp_mails(true, false, Some(State::Backup), State::Fault),
            Some(State::Fault)
        );
        // no_email_faults: FAULT is not mailed, and BACKUP after it is
        // not either when BACKUP was the last mail.
        assert_eq!(
            vrrp_mails(true, true, Some(State::Backup), State::Fault),
            None
        );
        assert_eq!(
            vrrp_mails(true, true, Some(State::Backup), State::Backup),
            None
        );
        assert_eq!(
            vrrp_mails(true, true, Some(State::Backup), State::Master),
            Some(State::Master)
        );
    }

    fn load(text: &str) -> Config {
        let l = kad_config::load_str(
            text,
            std::path::Path::new("/virtual/k.conf"),
            &kad_config::LoadOptions::default(),
        );
        assert!(!l.has_errors(), "{:?}", l.diagnostics);
        l.config
    }

    #[test]
    fn a_reload_mails_the_live_servers_it_removes() {
        let old = load(
            "virtual_server 10.0.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
             real_server 192.168.1.1 80 {\n TCP_CHECK {\n }\n }\n\
             real_server 192.168.1.2 80 {\n TCP_CHECK {\n }\n }\n\
             real_server 192.168.1.3 80 {\n smtp_alert off\n TCP_CHECK {\n }\n }\n\
             real_server 192.168.1.4 80 {\n TCP_CHECK {\n }\n }\n}\n",
        );
        let new = load(
            "virtual_server 10.0.0.1 80 {\n lb_kind NAT\n protocol TCP\n\
             real_server 192.168.1.1 80 {\n TCP_CHECK {\n }\n }\n}\n",
        );
        // .2 is removed while alive, .3 has smtp_alert off, .4 is down.
        let got = removed(&old, &|_, ri| ri != 3, &new);
        assert_eq!(
            got,
            vec![Event::Removed {
                vs: "[10.0.0.1]:tcp:80".into(),
                rs: "[192.168.1.2]:tcp:80".into()
            }]
        );
        let m = mail(Some("lb1"), &got[0]).unwrap();
        assert_eq!(
            m.subject,
            "[lb1] Realserver [192.168.1.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - DOWN"
        );
        assert_eq!(m.body, "=> Removing <=");
        assert!(removed(&old, &|_, _| true, &old).is_empty());
    }
}
