//! E-mail alerts, the shell: a thread of its own ("kad-smtp", its own
//! runtime) sends the mails `alert.rs` builds, one SMTP connection each as
//! keepalived does, through lettre. The daemon only ever `try_send`s into
//! a bounded queue, so an SMTP server that is down, slow or silent never
//! delays VRRP or the checkers: when the queue is full the mail is dropped
//! with a log line.

use super::alert::{self, Event, Kind, Mail, Settings};
use kad_config::model::{Config, GlobalDefs};
use kad_ipvs::check::{Action, CheckId, Health, Micros, Outcome};
use kad_vrrp::fsm::State;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::mpsc;

/// Mails waiting to be sent; more are dropped.
pub const QUEUE: usize = 32;

struct Job {
    settings: Arc<Settings>,
    mail: Mail,
    date: String,
}

/// What the hooks need from the running configuration.
struct Current {
    settings: Arc<Settings>,
    global: GlobalDefs,
    /// `smtp_alert` of each VRRP instance and sync group, by name.
    instances: HashMap<String, Option<bool>>,
    groups: HashMap<String, Option<bool>>,
    /// The state each instance and group last mailed (kept on reload).
    last_instance: HashMap<String, State>,
    last_group: HashMap<String, State>,
}

static CURRENT: RwLock<Option<Current>> = RwLock::new(None);
static SENDER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();

/// Take the alert settings of `cfg` (at start and on each reload). With
/// no `notification_email` or no `smtp_server`, nothing is sent.
pub fn install(cfg: &Config) {
    let settings = Settings::new(&cfg.global, &local_name(), &user_name());
    let (last_instance, last_group) = match CURRENT.read() {
        Ok(c) => c
            .as_ref()
            .map(|c| (c.last_instance.clone(), c.last_group.clone()))
            .unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let cur = settings.map(|s| {
        if SENDER.get().is_none() {
            if let Some(tx) = spawn() {
                let _ = SENDER.set(tx);
            }
        }
        Current {
            settings: Arc::new(s),
            global: cfg.global.clone(),
            instances: cfg
                .vrrp_instances
                .iter()
                .map(|i| (i.name.clone(), i.smtp_alert))
                .collect(),
            groups: cfg
                .sync_groups
                .iter()
                .map(|g| (g.name.clone(), g.smtp_alert))
                .collect(),
            last_instance,
            last_group,
        }
    });
    if let Ok(mut c) = CURRENT.write() {
        *c = cur;
    }
}

fn queue(settings: &Arc<Settings>, ev: &Event) {
    let Some(mail) = alert::mail(settings.router_id.as_deref(), ev) else {
        return;
    };
    let Some(tx) = SENDER.get() else { return };
    let subject = mail.subject.clone();
    let job = Job {
        settings: settings.clone(),
        mail,
        date: rfc822_now(),
    };
    if let Err(e) = tx.try_send(job) {
        match e {
            mpsc::error::TrySendError::Full(_) => {
                tracing::warn!("SMTP alert queue full ({QUEUE} waiting): dropped \"{subject}\"")
            }
            mpsc::error::TrySendError::Closed(_) => {
                tracing::warn!("SMTP sender gone: dropped \"{subject}\"")
            }
        }
    }
}

/// A VRRP instance entered `to` (the engine's notify hook). keepalived
/// 2.2.7 queues "Stopping" on shutdown but exits before it goes out, so
/// no mail is sent for STOP.
pub fn vrrp_instance(name: &str, to: State) {
    vrrp(name, to, false)
}

/// A sync group entered `to` (none for STOP, as for instances).
pub fn vrrp_group(name: &str, to: State) {
    vrrp(name, to, true)
}

fn vrrp(name: &str, to: State, group: bool) {
    if to == State::Stopped {
        return;
    }
    let Ok(mut c) = CURRENT.write() else { return };
    let Some(c) = c.as_mut() else { return };
    let (own, last) = if group {
        (c.groups.get(name).copied().flatten(), &mut c.last_group)
    } else {
        (
            c.instances.get(name).copied().flatten(),
            &mut c.last_instance,
        )
    };
    let enabled = alert::vrrp_enabled(&c.global, own);
    let Some(mailed) = alert::vrrp_mails(
        enabled,
        c.global.no_email_faults,
        last.get(name).copied(),
        to,
    ) else {
        return;
    };
    last.insert(name.to_string(), mailed);
    let name = name.to_string();
    let ev = if group {
        Event::Group { name, state: to }
    } else {
        Event::Instance { name, state: to }
    };
    queue(&c.settings, &ev);
}

/// `health.result(...)`, and the mails keepalived sends for what it did:
/// the checker's transition (keepalived mails per checker, not per real
/// server) and the virtual server's quorum.
pub fn checked(
    cfg: &Config,
    health: &mut Health,
    now: Micros,
    id: CheckId,
    outcome: Outcome,
) -> Vec<Action> {
    let Some(slot) = health.slots.get(id.0 as usize) else {
        return health.result(now, id, outcome);
    };
    let (vi, ri, ci) = (slot.vs as usize, slot.rs as usize, slot.ck as usize);
    let was_up = slot.state.up;
    let first = !slot.state.has_run;
    let pass = outcome.is_pass();
    let reason = match &outcome {
        Outcome::Fail(r) => Some(r.clone()),
        _ => None,
    };
    let (was_alive, had_quorum) = match health.services.get(vi) {
        Some(v) => (v.rs.get(ri).is_some_and(|r| r.alive()), v.quorum_up),
        None => (false, false),
    };
    let acts = health.result(now, id, outcome);
    let Ok(c) = CURRENT.read() else { return acts };
    let Some(c) = c.as_ref() else { return acts };
    let (Some(vs), Some(v)) = (cfg.virtual_servers.get(vi), health.services.get(vi)) else {
        return acts;
    };
    let Some(rs) = vs.real_servers.get(ri) else {
        return acts;
    };
    let st = &health.slots[id.0 as usize].state;
    let up = st.up;
    let alive = v.rs.get(ri).is_some_and(|r| r.alive());
    let kind = rs.checkers.get(ci).map(|ck| Kind::of(&ck.kind));
    let mails = kind.is_some_and(|kind| {
        let v = alert::Verdict {
            kind,
            first,
            pass,
            was_up,
            up,
            settled: st.retry_it == 0,
            rs_was_alive: was_alive,
            rs_alive: alive,
        };
        alert::checker_mails(
            alert::rs_enabled(&c.global, rs.smtp_alert),
            c.global.no_checker_emails,
            &v,
        )
    });
    if mails {
        if let Some(kind) = kind {
            let ev = Event::Checker {
                vs: alert::vs_name(vs),
                rs: alert::rs_name(vs, rs),
                kind,
                up,
                rs_alive: alive,
                reason: if pass { None } else { reason },
            };
            queue(&c.settings, &ev);
        }
    }
    if v.quorum_up != had_quorum && alert::vs_enabled(&c.global, vs.smtp_alert) {
        let q = i64::from(v.quorum);
        let h = i64::from(v.hysteresis);
        let ev = Event::Quorum {
            vs: alert::vs_name(vs),
            up: v.quorum_up,
            init: false,
            quorum: v.quorum,
            hysteresis: v.hysteresis,
            threshold: if v.quorum_up { q + h } else { q - h },
            weight: v.live_weight(),
        };
        queue(&c.settings, &ev);
    }
    acts
}

/// A reload: the mails for live real servers it removes (`old`, with its
/// health, against `new`).
pub fn reloaded(old: &Config, health: &Health, new: &Config) {
    let Ok(c) = CURRENT.read() else { return };
    let Some(c) = c.as_ref() else { return };
    let alive = |vi: usize, ri: usize| {
        health
            .services
            .get(vi)
            .and_then(|v| v.rs.get(ri))
            .is_some_and(|r| r.alive())
    };
    for ev in alert::removed(old, &alive, new) {
        queue(&c.settings, &ev);
    }
}

/// At start-up keepalived mails "Starting with quorum down" for a virtual
/// server whose live weight is below `quorum - hysteresis` (or zero).
pub fn startup(cfg: &Config, health: &Health) {
    let Ok(c) = CURRENT.read() else { return };
    let Some(c) = c.as_ref() else { return };
    for (vs, v) in cfg.virtual_servers.iter().zip(&health.services) {
        let threshold = i64::from(v.quorum) - i64::from(v.hysteresis);
        let weight = v.live_weight();
        let down = weight == 0 || (weight as i64) < threshold;
        if down && alert::vs_enabled(&c.global, vs.smtp_alert) {
            let ev = Event::Quorum {
                vs: alert::vs_name(vs),
                up: false,
                init: true,
                quorum: v.quorum,
                hysteresis: v.hysteresis,
                threshold,
                weight,
            };
            queue(&c.settings, &ev);
        }
    }
}

fn spawn() -> Option<mpsc::Sender<Job>> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let spawned = super::side_runtime::spawn("kad-smtp", "SMTP alerts", move || async move {
        while let Some(job) = rx.recv().await {
            send(&job).await;
        }
    });
    match spawned {
        Ok(_) => Some(tx),
        Err(e) => {
            tracing::error!("SMTP alerts: cannot start the sender: {e}");
            None
        }
    }
}

async fn send(job: &Job) {
    use lettre::address::{Address, Envelope};
    use lettre::transport::smtp::extension::ClientId;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let s = &job.settings;
    let (host, port) = (&s.server.0, s.server.1);
    let server = format_host(host, port);
    let from: Option<Address> = s.from.parse().ok();
    let to: Vec<Address> = s.to.iter().filter_map(|a| a.parse().ok()).collect();
    let envelope = match Envelope::new(from, to) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!("SMTP alert to {server} not sent: {e}");
            return;
        }
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
        .port(port)
        .timeout(Some(s.timeout))
        .hello_name(ClientId::Domain(s.helo.clone()))
        .build();
    let text = alert::message(&job.date, s, &job.mail);
    // Each step is bounded by the timeout; so is the whole exchange
    // (connect, greeting, EHLO, MAIL, RCPTs, DATA, QUIT).
    let steps = 6 + s.to.len() as u32;
    match tokio::time::timeout(
        s.timeout * steps,
        transport.send_raw(&envelope, text.as_bytes()),
    )
    .await
    {
        Ok(Ok(_)) => tracing::info!("SMTP alert successfully sent: \"{}\"", job.mail.subject),
        Ok(Err(e)) => tracing::warn!(
            "SMTP alert \"{}\" to {server} failed: {e}",
            job.mail.subject
        ),
        Err(_) => tracing::warn!(
            "Timeout sending SMTP alert \"{}\" to {server}",
            job.mail.subject
        ),
    }
}

fn format_host(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// keepalived's Date header: local time, `%a, %d %b %Y %H:%M:%S %z`.
fn rfc822_now() -> String {
    let mut buf = [0u8; 80];
    // SAFETY: time/localtime_r fill a tm we own; strftime writes at most
    // buf.len() bytes into buf and returns how many (0 on failure).
    let n = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&now, &mut tm).is_null() {
            return String::new();
        }
        libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a, %d %b %Y %H:%M:%S %z".as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// keepalived's local name: the canonical name of the node name.
fn local_name() -> String {
    let Ok(node) = nix::unistd::gethostname() else {
        return String::new();
    };
    let node = node.to_string_lossy().into_owned();
    let Ok(cnode) = std::ffi::CString::new(node.clone()) else {
        return String::new();
    };
    let mut out = node;
    // SAFETY: getaddrinfo gets a NUL-terminated name and zeroed hints; the
    // list it returns is read once and freed once.
    unsafe {
        let mut hints: libc::addrinfo = std::mem::zeroed();
        hints.ai_flags = libc::AI_CANONNAME;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        if libc::getaddrinfo(cnode.as_ptr(), std::ptr::null(), &hints, &mut res) == 0 {
            if !res.is_null() && !(*res).ai_canonname.is_null() {
                out = std::ffi::CStr::from_ptr((*res).ai_canonname)
                    .to_string_lossy()
                    .into_owned();
            }
            libc::freeaddrinfo(res);
        }
    }
    out
}

/// The running user's name (the default sender is `user@local_name`).
fn user_name() -> String {
    match nix::unistd::User::from_uid(nix::unistd::getuid()) {
        Ok(Some(u)) => u.name,
        _ => "root".to_string(),
    }
}
