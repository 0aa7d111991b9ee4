//! keepalived's state dumps: `keepalived.data` (SIGUSR1), `keepalived.stats`
//! (SIGUSR2, SIGRTMAX-1) and `keepalived.json` (SIGRTMIN+2), written to
//! keepalived's directory (`$TMPDIR` when it is an absolute path, else
//! `/tmp`) in keepalived 2.2.7's formats. The formatting is pure: a
//! [`Snapshot`] the engine takes in, text out.

pub mod data;
pub mod ifaces;
pub mod json;
pub mod path;
pub mod stats;

use kad_config::model::{GlobalDefs, SyncGroup, UpDownDelay, VrrpInstance, VrrpScript};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// The engine's state at one moment, for the dumps.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Wall-clock time the snapshot was taken.
    pub now: SystemTime,
    pub global: GlobalDefs,
    /// The configured `vrrp_script`s (for tracked scripts' commands).
    pub scripts: Vec<VrrpScript>,
    /// Each `vrrp_script`'s current result, by name.
    pub script_status: Vec<ScriptStatus>,
    /// The configured `vrrp_sync_group`s.
    pub sync_groups: Vec<SyncGroup>,
    /// `interface_up_down_delays`.
    pub up_down_delays: Vec<UpDownDelay>,
    /// The namespace's interfaces (read by the shell for the data dump).
    pub ifaces: Vec<ifaces::Iface>,
    pub instances: Vec<Instance>,
    /// The `vrrp_track_process`es and their state (`json_version 2`).
    pub processes: Vec<kad_vrrp::node::ProcessView>,
}

/// A `vrrp_script`'s state: up or down, and the results in a row against
/// that so far.
#[derive(Clone, Debug)]
pub struct ScriptStatus {
    pub name: String,
    pub up: bool,
    pub against: u32,
}

/// One VRRP instance: its running configuration, the status `kactl status`
/// shows, and what the dumps need beyond it.
#[derive(Clone, Debug)]
pub struct Instance {
    pub cfg: VrrpInstance,
    pub status: kactl::VrrpStatus,
    /// The interface the instance runs on (its own or the default one).
    pub interface: String,
    /// The master's advert interval as learnt (its own in MASTER).
    pub master_adver_int: Duration,
    /// Master_Down_Interval with the current priority.
    pub master_down: Duration,
    /// The adverts' source address.
    pub src: IpAddr,
    /// The multicast group, or the unicast peers.
    pub dst: Vec<IpAddr>,
    pub unicast: bool,
    /// The descriptor of its socket (sending and receiving).
    pub fd: i32,
    /// When the next timer fires, if one is set.
    pub next_timer: Option<SystemTime>,
}

impl Instance {
    /// Wall-clock time of the last state change.
    pub fn last_transition(&self, now: SystemTime) -> SystemTime {
        now.checked_sub(Duration::from_secs_f64(
            self.status.since_transition_secs.max(0.0),
        ))
        .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// keepalived's state numbers (`VRRP_STATE_*`) from kad's state words.
pub fn state_number(word: &str) -> u32 {
    match word {
        "INIT" => 0,
        "BACKUP" => 1,
        "MASTER" => 2,
        "FAULT" => 3,
        // VRRP_STATE_STOP
        _ => 98,
    }
}

/// keepalived's `get_state_str` (which has no word for a stopped one).
pub fn state_str(word: &str) -> &'static str {
    match word {
        "INIT" => "INIT",
        "BACKUP" => "BACKUP",
        "MASTER" => "MASTER",
        "FAULT" => "FAULT",
        _ => "unknown",
    }
}

/// keepalived's `tmp_dir`: `$TMPDIR` if it is an absolute path, else /tmp.
pub fn dir_from(tmpdir: Option<&str>) -> PathBuf {
    match tmpdir {
        Some(d) if d.starts_with('/') => PathBuf::from(d),
        _ => PathBuf::from("/tmp"),
    }
}

pub fn dir() -> PathBuf {
    dir_from(std::env::var("TMPDIR").ok().as_deref())
}

/// Seconds and microseconds since the epoch.
pub fn epoch_us(t: SystemTime) -> (u64, u32) {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    (d.as_secs(), d.subsec_micros())
}

/// keepalived's `cmd_str`: each word in single quotes, joined by spaces
/// (a first word that is a redirection stays bare).
pub fn cmd_str(argv: &[String]) -> String {
    argv.iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 && (w.starts_with('<') || w.starts_with('>')) {
                w.clone()
            } else {
                format!("'{w}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// keepalived's `format_ipaddress` for a VIP of an instance on `ifname`;
/// `set` when the address is on the interface now.
pub fn format_vip(a: &kad_config::model::IpAddress, ifname: &str, set: bool) -> String {
    let mut s = a.addr.to_string();
    if let Some(b) = a.broadcast {
        s += &format!(" brd {b}");
    }
    s += &format!(" dev {}", a.dev.as_deref().unwrap_or(ifname));
    if a.use_vmac {
        s += " use_vmac";
    }
    let scope = a.scope.as_deref().unwrap_or(if a.addr.addr.is_ipv6() {
        match a.addr.addr {
            IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => "link",
            _ => "global",
        }
    } else {
        "global"
    });
    s += &format!(" scope {scope}");
    if let Some(l) = &a.label {
        s += &format!(" label {l}");
    }
    if let Some(p) = &a.peer {
        s += &format!(" peer {}/{}", p.addr, a.addr.len);
    }
    if a.home {
        s += " home";
    }
    if a.nodad {
        s += " -nodad";
    }
    if a.mngtmpaddr {
        s += " mngtmpaddr";
    }
    if a.noprefixroute {
        s += " noprefixroute";
    }
    if a.autojoin {
        s += " autojoin";
    }
    if a.no_track {
        s += " no_track";
    }
    if a.addr.addr.is_ipv6() {
        match a.preferred_lft {
            Some(0) => s += " deprecated",
            Some(u32::MAX) | None => s += " preferred_lft forever",
            Some(n) => s += &format!(" preferred_lft {n}"),
        }
    }
    if set {
        s += " set";
    }
    s
}

/// The VIPs of an instance (`virtual_ipaddress`), as keepalived writes them.
pub fn vips(i: &Instance) -> Vec<String> {
    i.cfg
        .virtual_ipaddress
        .iter()
        .map(|a| format_vip(a, &i.interface, i.status.vips_held))
        .collect()
}

/// `virtual_ipaddress_excluded`.
pub fn evips(i: &Instance) -> Vec<String> {
    i.cfg
        .virtual_ipaddress_excluded
        .iter()
        .map(|a| format_vip(a, &i.interface, i.status.vips_held))
        .collect()
}

/// The `track_interface`s keepalived keeps: not the instance's own
/// interface (it drops that one, tracked anyway).
pub fn tracked_ifs(i: &Instance) -> Vec<&kad_config::model::TrackRef> {
    i.cfg
        .track
        .interfaces
        .iter()
        .filter(|t| t.name != i.interface)
        .collect()
}

/// The password as keepalived keeps it (at most 8 bytes).
pub fn auth_data(i: &Instance) -> Option<String> {
    let a = i.cfg.authentication.as_ref()?;
    let mut p = a.password.clone();
    while p.len() > 8 {
        p.pop();
    }
    Some(p)
}

/// `auth_type`: 0 none, 1 PASS, 2 AH.
pub fn auth_type(i: &Instance) -> u32 {
    match i.cfg.authentication.as_ref().map(|a| a.auth_type) {
        None => 0,
        Some(kad_config::model::AuthType::Pass) => 1,
        Some(kad_config::model::AuthType::Ah) => 2,
    }
}

/// The path keepalived shows for a script's command: a bare name found on
/// `$PATH`, then symbolic links, `.` and `..` resolved, keeping the file
/// name as written when it names the same file in the real directory
/// (`/bin/true` is `/usr/bin/true` on a merged /usr). Reads the file
/// system: called by the shell before formatting.
pub fn resolve_command(arg0: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;
    if arg0.starts_with('<') || arg0.is_empty() {
        return arg0.to_string();
    }
    let found = if arg0.contains('/') {
        Some(PathBuf::from(arg0))
    } else {
        std::env::var("PATH")
            .unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into())
            .split(':')
            .map(|d| Path::new(d).join(arg0))
            .find(|p| p.is_file())
    };
    let Some(path) = found else {
        return arg0.to_string();
    };
    let Ok(real) = std::fs::canonicalize(&path) else {
        return path.to_string_lossy().into_owned();
    };
    let (Some(orig_name), Some(real_dir)) = (path.file_name(), real.parent()) else {
        return real.to_string_lossy().into_owned();
    };
    if real.file_name() != Some(orig_name) {
        let same_name = real_dir.join(orig_name);
        let same = match (std::fs::metadata(&same_name), std::fs::metadata(&real)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if same {
            return same_name.to_string_lossy().into_owned();
        }
    }
    real.to_string_lossy().into_owned()
}

/// Every script command of the snapshot as keepalived shows it
/// ([`resolve_command`]).
pub fn resolve_scripts(s: &mut Snapshot) {
    let fix = |sc: &mut kad_config::model::Script| {
        if let Some(a) = sc.argv.first_mut() {
            *a = resolve_command(a);
        }
    };
    for i in &mut s.instances {
        let n = &mut i.cfg.notify;
        for sc in [
            &mut n.master,
            &mut n.backup,
            &mut n.fault,
            &mut n.stop,
            &mut n.deleted,
            &mut n.any,
            &mut n.master_rx_lower_pri,
        ]
        .into_iter()
        .flatten()
        {
            fix(sc);
        }
    }
    for v in &mut s.scripts {
        fix(&mut v.script);
    }
    for g in &mut s.sync_groups {
        let n = &mut g.notify;
        for sc in [
            &mut n.master,
            &mut n.backup,
            &mut n.fault,
            &mut n.stop,
            &mut n.any,
        ]
        .into_iter()
        .flatten()
        {
            fix(sc);
        }
    }
}

/// Write `name` into [`dir`] (mode 0600, replacing an old one, never
/// through a symbolic link).
pub fn write(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use kad_config::model::Config;

    /// A snapshot of `conf`'s instances (parsed as kad parses), as a MASTER
    /// holding its VIPs.
    pub fn snapshot(conf: &str, state: &str) -> Snapshot {
        let loaded =
            kad_config::load_str(conf, std::path::Path::new("k.conf"), &Default::default());
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let cfg: Config = loaded.config;
        let now = SystemTime::UNIX_EPOCH + Duration::from_micros(1_796_187_150_725_932);
        let instances = cfg
            .vrrp_instances
            .iter()
            .map(|c| Instance {
                cfg: c.clone(),
                status: kactl::VrrpStatus {
                    name: c.name.clone(),
                    state: state.into(),
                    interface: c.ifname.clone(),
                    vrid: c.vrid.0,
                    version: c.version,
                    priority: c.priority.0,
                    effective_priority: c.priority.0,
                    advert_int: f64::from(c.advert_int.0) / 100.0,
                    vips: Vec::new(),
                    vips_held: state == "MASTER",
                    master_addr: None,
                    master_priority: None,
                    since_transition_secs: 2.5,
                    sync_group: None,
                    fault_reasons: Vec::new(),
                    transitions: 1,
                    priority_override: None,
                    stats: kactl::VrrpCounters {
                        advert_sent: 7,
                        become_master: 1,
                        ..Default::default()
                    },
                },
                interface: c.ifname.clone(),
                master_adver_int: c.advert_int.as_duration(),
                master_down: Duration::from_micros(3_414_062),
                src: "10.77.0.1".parse().unwrap(),
                dst: vec!["224.0.0.18".parse().unwrap()],
                unicast: false,
                fd: 13,
                next_timer: Some(now + Duration::from_secs(1)),
            })
            .collect();
        Snapshot {
            now,
            global: cfg.global.clone(),
            scripts: cfg.vrrp_scripts.clone(),
            script_status: cfg
                .vrrp_scripts
                .iter()
                .map(|v| ScriptStatus {
                    name: v.name.clone(),
                    up: true,
                    against: 0,
                })
                .collect(),
            sync_groups: cfg.sync_groups.clone(),
            up_down_delays: cfg.interface_up_down_delays.clone(),
            ifaces: Vec::new(),
            instances,
            processes: Vec::new(),
        }
    }

    pub const CONF: &str = "global_defs {\n router_id sigtest\n}\nvrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n virtual_ipaddress {\n  10.77.0.100/24\n  10.77.0.101/24 dev eth0\n }\n}\n";

    #[test]
    fn tmp_dir_as_keepalived() {
        assert_eq!(dir_from(None), PathBuf::from("/tmp"));
        assert_eq!(dir_from(Some("relative")), PathBuf::from("/tmp"));
        assert_eq!(dir_from(Some("/run/x")), PathBuf::from("/run/x"));
    }

    #[test]
    fn cmd_str_quotes_words() {
        let v = |s: &[&str]| s.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(cmd_str(&v(&["/bin/x", "a b"])), "'/bin/x' 'a b'");
        assert_eq!(cmd_str(&v(&["</dev/null"])), "</dev/null");
    }

    #[test]
    fn vips_as_keepalived_formats_them() {
        let s = snapshot(CONF, "MASTER");
        assert_eq!(
            vips(&s.instances[0]),
            [
                "10.77.0.100/24 dev eth0 scope global set",
                "10.77.0.101/24 dev eth0 scope global set"
            ]
        );
        let s = snapshot(CONF, "BACKUP");
        assert_eq!(
            vips(&s.instances[0])[0],
            "10.77.0.100/24 dev eth0 scope global"
        );
    }

    #[test]
    fn commands_resolved_as_keepalived_resolves_them() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("check"), "").unwrap();
        std::os::unix::fs::symlink(&real, d.path().join("link")).unwrap();
        std::os::unix::fs::symlink("check", real.join("alias")).unwrap();
        let r = std::fs::canonicalize(&real).unwrap();
        let p = |s: &str| s.to_string();
        // A linked directory: the real one.
        let via_link = d.path().join("link/check");
        assert_eq!(
            resolve_command(&via_link.to_string_lossy()),
            r.join("check").to_string_lossy()
        );
        // A link to another name in the same directory keeps its name
        // (some programs act on the name they are called by).
        assert_eq!(
            resolve_command(&real.join("alias").to_string_lossy()),
            r.join("alias").to_string_lossy()
        );
        // A link into another directory under another name: the real file.
        std::os::unix::fs::symlink(real.join("check"), d.path().join("other")).unwrap();
        assert_eq!(
            resolve_command(&d.path().join("other").to_string_lossy()),
            r.join("check").to_string_lossy()
        );
        assert_eq!(resolve_command("</dev/null"), p("</dev/null"));
        assert_eq!(resolve_command("/no/such/file"), p("/no/such/file"));
    }

    #[test]
    fn states_as_numbers() {
        assert_eq!(state_number("MASTER"), 2);
        assert_eq!(state_number("BACKUP"), 1);
        assert_eq!(state_number("FAULT"), 3);
        assert_eq!(state_number("INIT"), 0);
        assert_eq!(state_number("STOP"), 98);
    }
}
