//! `keepalived.data` (SIGUSR1): keepalived 2.2.7's text dump, with the
//! sections and lines kad has values for: `Global definitions` (the VRRP
//! settings), `VRRP Topology` (every instance), `VRRP Sockpool`, `VRRP
//! Sync groups`, `VRRP Scripts` and `Interfaces`. keepalived's process
//! internals (SNMP, DBus, nftables, process priorities) are left out.

use super::{Instance, Snapshot};
use std::net::IpAddr;
use std::time::SystemTime;

fn yes(b: bool, t: &'static str, f: &'static str) -> &'static str {
    if b {
        t
    } else {
        f
    }
}

/// keepalived's `ctime_us_r`: `Wed Dec  2 04:52:30.725932 2026`, local time.
pub fn ctime_us(t: SystemTime) -> String {
    let (sec, us) = super::epoch_us(t);
    let secs = sec as libc::time_t;
    // SAFETY: localtime_r writes only into the tm we own; a zeroed tm is a
    // valid value of that plain struct.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return "invalid time".into();
        }
        tm
    };
    const DAY: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02}.{:06} {}",
        DAY[tm.tm_wday.clamp(0, 6) as usize],
        MON[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        us,
        tm.tm_year + 1900
    )
}

fn global(o: &mut Vec<String>, s: &Snapshot) {
    let g = &s.global;
    let mut w = |l: String| o.push(l);
    w("------< Global definitions >------".into());
    w(" Network namespace = (default)".into());
    w(" Network namespace ipvs = (main namespace)".into());
    if let Some(r) = &g.router_id {
        w(format!(" Router ID = {r}"));
    }
    if let Some((host, port)) = &g.smtp_server {
        w(format!(" Smtp server = {host}"));
        w(format!(" Smtp server port = {port}"));
    }
    if let Some(h) = &g.smtp_helo_name {
        w(format!(" Smtp HELO name = {h}"));
    }
    // keepalived's -1 (not set) prints as "unset".
    let on = |b: Option<bool>| match b {
        None => "unset",
        Some(true) => "on",
        Some(false) => "off",
    };
    w(format!(" Default smtp_alert = {}", on(g.smtp_alert)));
    w(format!(
        " Default smtp_alert_vrrp = {}",
        on(g.smtp_alert_vrrp)
    ));
    w(format!(
        " Default smtp_alert_checker = {}",
        on(g.smtp_alert_checker)
    ));
    w(format!(
        " Checkers log all failures = {}",
        g.checker_log_all_failures
    ));
    match &g.reload_check_config {
        Some(f) => w(format!(" Test config before reload, log to {f}")),
        None => w(" No test config before reload".into()),
    }
    w(format!(" Dynamic interfaces = {}", g.dynamic_interfaces));
    w(format!(" Default interface = {}", g.default_interface));
    w(" Disable local IGMP = no".into());
    w(format!(" LVS flush = {}", g.lvs_flush));
    w(format!(
        " LVS flush on stop = {}",
        yes(g.lvs_flush_on_stop, "full", "disabled")
    ));
    w(format!(
        " FIFO write vrrp states on reload = {}",
        g.fifo_write_vrrp_states_on_reload
    ));
    w(format!(
        " VRRP notify priority changes = {}",
        g.vrrp_notify_priority_changes
    ));
    w(format!(" VRRP IPv4 mcast group = {}", g.vrrp_mcast_group4));
    w(format!(" VRRP IPv6 mcast group = {}", g.vrrp_mcast_group6));
    w(format!(
        " Gratuitous ARP delay = {}",
        g.garp.master_delay.as_secs()
    ));
    w(format!(" Gratuitous ARP repeat = {}", g.garp.master_repeat));
    w(format!(
        " Gratuitous ARP refresh timer = {}",
        g.garp.master_refresh.as_secs()
    ));
    w(format!(
        " Gratuitous ARP refresh repeat = {}",
        g.garp.master_refresh_repeat
    ));
    w(format!(
        " Gratuitous ARP lower priority delay = {}",
        g.garp.lower_prio_delay.as_secs()
    ));
    w(format!(
        " Gratuitous ARP lower priority repeat = {}",
        g.garp.lower_prio_repeat
    ));
    w(format!(
        " Num adverts before down = {}",
        g.down_timer_adverts
    ));
    w(format!(
        " Send advert after receive lower priority advert = {}",
        !g.lower_prio_no_advert
    ));
    w(format!(
        " Send advert after receive higher priority advert = {}",
        g.higher_prio_send_advert
    ));
    w(format!(
        " Gratuitous ARP interval = {:.6}",
        g.garp_interval.as_secs_f64()
    ));
    w(format!(
        " Gratuitous NA interval = {:.6}",
        g.gna_interval.as_secs_f64()
    ));
    w(format!(
        " VRRP default protocol version = {}",
        g.vrrp_version
    ));
    w(format!(" VRRP check unicast_src = {}", g.check_unicast_src));
    w(format!(
        " VRRP skip check advert addresses = {}",
        g.skip_check_adv_addr
    ));
    w(format!(" VRRP strict mode = {}", g.strict));
    w(format!(
        " Script security {}",
        yes(g.enable_script_security, "enabled", "disabled")
    ));
    let default_user = kad_config::model::Script {
        command: String::new(),
        argv: Vec::new(),
        user: None,
        group: None,
    };
    w(format!(
        " Default script uid:gid {}",
        uid_gid(&default_user, g)
    ));
    // As configured (0: unset), in keepalived's order and words.
    let b = &g.netlink_bufs;
    for (name, r) in [
        ("vrrp_netlink_cmd", b.vrrp_cmd),
        ("vrrp_netlink_monitor", b.vrrp_monitor),
        ("process_monitor", b.process_monitor),
        ("lvs_netlink_cmd", b.lvs_cmd),
        ("lvs_netlink_monitor", b.lvs_monitor),
    ] {
        w(format!(" {name}_rcv_bufs = {}", r.size));
        w(format!(" {name}_rcv_bufs_force = {}", u8::from(r.force)));
    }
}

fn addr(a: IpAddr) -> String {
    a.to_string()
}

fn instance(o: &mut Vec<String>, s: &Snapshot, i: &Instance) {
    let c = &i.cfg;
    let st = &i.status;
    let mut w = |l: String| o.push(l);
    let state = super::state_str(&st.state);
    w(format!(" VRRP Instance = {}", c.name));
    w(format!("   VRRP Version = {}", c.version));
    if let Some(g) = &st.sync_group {
        w(format!("   Sync group = {g}"));
    }
    if c.ipv6 {
        w("   Using Native IPv6".into());
    }
    w(format!("   State = {state}"));
    if st.state == "BACKUP" {
        w(format!(
            "   Master router = {}",
            st.master_addr.as_deref().unwrap_or("0.0.0.0")
        ));
        w(format!(
            "   Master priority = {}",
            st.master_priority.unwrap_or(0)
        ));
        if c.version == 3 {
            w(format!(
                "   Master advert int = {:.2} sec",
                i.master_adver_int.as_secs_f64()
            ));
        }
    }
    if i.unicast || c.unicast_fault_no_peer {
        w("   Flags:".into());
        if i.unicast {
            w("     Using unicast".into());
        }
        if c.unicast_fault_no_peer {
            w("     If unicast go to fault state if no peers".into());
        }
    } else {
        w("   Flags: none".into());
    }
    w(format!("   Wantstate = {state}"));
    w("   Number of config faults = 0".into());
    w(format!(
        "   Number of interface and track script faults = {}",
        st.fault_reasons.len()
    ));
    w("   Number of track scripts init = 0".into());
    let lt = i.last_transition(s.now);
    let (sec, us) = super::epoch_us(lt);
    w(format!(
        "   Last transition = {sec}.{us:06} ({})",
        ctime_us(lt)
    ));
    match i.next_timer {
        Some(t) => {
            let (sec, us) = super::epoch_us(t);
            w(format!("   Read timeout = {sec}.{us:06} ({})", ctime_us(t)));
        }
        None => w("   Read timeout = DISABLED".into()),
    }
    w(format!(
        "   Master down timer = {} usecs",
        i.master_down.as_micros()
    ));
    w(format!("   Interface = {}", i.interface));
    if c.dont_track_primary {
        w("   VRRP interface tracking disabled".into());
    }
    if c.skip_check_adv_addr {
        w("   Skip checking advert IP addresses".into());
    }
    if c.strict_mode {
        w("   Enforcing strict VRRP compliance".into());
    }
    let configured = c.unicast_src_ip.is_some() || c.mcast_src_ip.is_some();
    w(format!(
        "   Using src_ip = {}{}",
        addr(i.src),
        yes(configured, " (from configuration)", "")
    ));
    if !i.unicast {
        if let Some(g) = i.dst.first() {
            w(format!("   Multicast address {g}"));
        }
    }
    let gt = &c.garp;
    w(format!(
        "   Gratuitous ARP delay = {}",
        gt.master_delay.as_secs()
    ));
    w(format!("   Gratuitous ARP repeat = {}", gt.master_repeat));
    w(format!(
        "   Gratuitous ARP refresh = {}",
        gt.master_refresh.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP refresh repeat = {}",
        gt.master_refresh_repeat
    ));
    w(format!(
        "   Gratuitous ARP lower priority delay = {}",
        gt.lower_prio_delay.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP lower priority repeat = {}",
        gt.lower_prio_repeat
    ));
    w(format!("   Down timer adverts = {}", c.down_timer_adverts));
    w(format!(
        "   Send advert after receive lower priority advert = {}",
        !c.lower_prio_no_advert
    ));
    w(format!(
        "   Send advert after receive higher priority advert = {}",
        c.higher_prio_send_advert
    ));
    w(format!("   Virtual Router ID = {}", c.vrid.0));
    w(format!("   Priority = {}", c.priority.0));
    w(format!("   Effective priority = {}", st.effective_priority));
    w(format!("   Total priority = {}", st.effective_priority));
    let adv = c.advert_int.as_duration();
    if c.version == 2 {
        w(format!("   Advert interval = {} sec", adv.as_secs()));
    } else {
        w(format!(
            "   Advert interval = {} milli-sec",
            adv.as_millis()
        ));
        if st.state == "BACKUP" {
            w(format!(
                "   Master advert interval = {} milli-sec",
                i.master_adver_int.as_millis()
            ));
        }
    }
    w(format!(
        "   Accept = {}",
        yes(c.accept, "enabled", "disabled")
    ));
    w(format!(
        "   Preempt = {}",
        yes(c.nopreempt, "disabled", "enabled")
    ));
    if !c.preempt_delay.is_zero() {
        w(format!(
            "   Preempt delay = {} secs",
            super::json::fmt_g(c.preempt_delay.as_secs_f64())
        ));
    }
    w(format!(
        "   Promote_secondaries = {}",
        yes(c.promote_secondaries, "enabled", "disabled")
    ));
    match (&c.authentication, super::auth_data(i)) {
        (Some(a), Some(p)) => {
            if a.auth_type == kad_config::model::AuthType::Ah {
                w("   Authentication type = IPSEC_AH".into());
            } else {
                w("   Authentication type = SIMPLE_PASSWORD".into());
                w(format!("   Password = {p}"));
            }
        }
        _ if c.version == 2 => w("   Authentication type = none".into()),
        _ => {}
    }
    let vips = super::vips(i);
    if !vips.is_empty() {
        w(format!("   Virtual IP ({}):", vips.len()));
        for v in vips {
            w(format!("     {v}"));
        }
    }
    let evips = super::evips(i);
    if !evips.is_empty() {
        w("   Virtual IP Excluded :".into());
        for v in evips {
            w(format!("     {v}"));
        }
    }
    if i.unicast {
        w(format!("   Unicast TTL = {}", c.unicast_ttl));
        w(format!(
            "   Check unicast src : {}",
            yes(c.check_unicast_src, "yes", "no")
        ));
        w("   Unicast Peer :".into());
        for p in &c.unicast_peers {
            w(format!("     {}", p.addr));
        }
    }
    w(format!("   fd_in {fd}, fd_out {fd}", fd = i.fd));
    let tracked = super::tracked_ifs(i);
    if !tracked.is_empty() {
        w("   Tracked interfaces :".into());
        for t in tracked {
            w(format!(
                "     {} weight {}{}",
                t.name,
                t.weight.map(|d| d.0).unwrap_or(0),
                yes(t.reverse, " reverse", "")
            ));
        }
    }
    if !c.track.scripts.is_empty() {
        w("   Tracked scripts :".into());
        for t in &c.track.scripts {
            let own = s.scripts.iter().find(|v| v.name == t.name);
            let weight = t.weight.map(|d| d.0).or(own.map(|v| v.weight)).unwrap_or(0);
            let reverse = t.reverse || own.is_some_and(|v| v.weight_reverse);
            w(format!(
                "     {} weight {}{}",
                t.name,
                weight,
                yes(reverse, " reverse", "")
            ));
        }
    }
    w(format!(
        "   Using smtp notification = {}",
        yes(
            crate::daemon::alert::vrrp_enabled(&s.global, c.smtp_alert),
            "yes",
            "no"
        )
    ));
    w(format!(
        "   Notify deleted = {}",
        yes(c.notify.deleted.is_some(), "Deleted", "Fault")
    ));
    let n = &c.notify;
    for (kind, sc) in [
        ("Backup", &n.backup),
        ("Master", &n.master),
        ("Fault", &n.fault),
        ("Stop", &n.stop),
        ("Deleted", &n.deleted),
        ("Generic", &n.any),
        ("Master rx lower pri", &n.master_rx_lower_pri),
    ] {
        if let Some(sc) = sc {
            w(format!(
                "   {kind} state transition script = {}, uid:gid {}",
                super::cmd_str(&sc.argv),
                uid_gid(sc, &s.global)
            ));
        }
    }
    w(format!(
        "   Notify priority changes = {}",
        n.priority_changes || s.global.vrrp_notify_priority_changes
    ));
}

/// The uid:gid a script runs as: numeric ids of its user (or
/// `script_user`), root without one.
fn uid_gid(sc: &kad_config::model::Script, g: &kad_config::model::GlobalDefs) -> String {
    let user = sc
        .user
        .clone()
        .or_else(|| g.script_user.as_ref().map(|(u, _)| u.clone()));
    let Some(user) = user else {
        return "0:0".into();
    };
    match nix::unistd::User::from_name(&user) {
        Ok(Some(pw)) => format!("{}:{}", pw.uid, pw.gid),
        _ => "0:0".into(),
    }
}

/// keepalived's socket pool: one socket per interface, family and
/// unicast source (multicast instances share one), its instances by VRID.
fn sockpool(o: &mut Vec<String>, s: &Snapshot) {
    let key = |i: &Instance| (i.interface.clone(), i.cfg.ipv6, i.unicast.then_some(i.src));
    let mut pools: Vec<(_, Vec<&Instance>)> = Vec::new();
    for i in &s.instances {
        let k = key(i);
        match pools.iter_mut().find(|(pk, _)| *pk == k) {
            Some((_, v)) => v.push(i),
            None => pools.push((k, vec![i])),
        }
    }
    for ((ifname, v6, unicast), mut insts) in pools {
        let fd = insts[0].fd;
        o.push(format!(" fd_in {fd} fd_out = {fd}"));
        o.push(format!("   Interface = {ifname}"));
        o.push(format!("   Family = {}", yes(v6, "IPv6", "IPv4")));
        o.push("   Protocol = VRRP".into());
        o.push(format!(
            "   Type = {}",
            yes(unicast.is_some(), "Unicast", "Multicast")
        ));
        if let Some(a) = unicast {
            o.push(format!("   Address = {a}"));
        }
        o.push("   Rx buf size = 0".into());
        o.push("   VRRP instances".into());
        insts.sort_by_key(|i| i.cfg.vrid.0);
        for i in insts {
            o.push(format!("     {} vrid {}", i.cfg.name, i.cfg.vrid.0));
        }
    }
}

/// keepalived's `result` for a script: rise+fall-1 when steadily up, 0
/// when steadily down, GOOD from `rise` up.
fn script_result(v: &kad_config::model::VrrpScript, up: bool, against: u32) -> u32 {
    let (rise, fall) = (v.rise.max(1), v.fall.max(1));
    if up {
        (rise + fall - 1).saturating_sub(against)
    } else {
        against
    }
}

fn script(o: &mut Vec<String>, s: &Snapshot, v: &kad_config::model::VrrpScript) {
    let st = s.script_status.iter().find(|x| x.name == v.name);
    let (up, against) = st.map(|x| (x.up, x.against)).unwrap_or((!v.init_fail, 0));
    let result = script_result(v, up, against);
    o.push(format!(" VRRP Script = {}", v.name));
    o.push(format!("   Command = {}", super::cmd_str(&v.script.argv)));
    o.push(format!("   Interval = {} sec", v.interval.as_secs()));
    // keepalived keeps 0 for a timeout not configured (it then waits an
    // interval); kad's configuration has the interval there.
    let timeout = if v.timeout == v.interval {
        0
    } else {
        v.timeout.as_secs()
    };
    o.push(format!("   Timeout = {timeout} sec"));
    o.push(format!(
        "   Weight = {}{}",
        v.weight,
        yes(v.weight_reverse, " reverse", "")
    ));
    o.push(format!("   Rise = {}", v.rise.max(1)));
    o.push(format!("   Fall = {}", v.fall.max(1)));
    o.push(format!("   Result = {result}"));
    o.push("   Insecure = no".into());
    o.push("   Init state = unknown".into());
    o.push(format!(
        "   Status = {}",
        yes(result >= v.rise.max(1), "GOOD", "BAD")
    ));
    o.push(format!(
        "   Script uid:gid = {}",
        uid_gid(&v.script, &s.global)
    ));
    o.push("   VRRP instances :".into());
    let tracking: Vec<_> = s
        .instances
        .iter()
        .flat_map(|i| {
            i.cfg
                .track
                .scripts
                .iter()
                .filter(|t| t.name == v.name)
                .map(move |t| (i, t))
        })
        .collect();
    if !tracking.is_empty() {
        o.push("   Tracking instances :".into());
    }
    for (i, t) in tracking {
        {
            let w = t.weight.map(|d| d.0).unwrap_or(v.weight);
            let reverse = t.reverse || v.weight_reverse;
            o.push(format!(
                "     {}, weight {w}{}",
                i.cfg.name,
                yes(reverse, " reverse", "")
            ));
        }
    }
    o.push("   State = idle".into());
}

fn sync_group(o: &mut Vec<String>, s: &Snapshot, g: &kad_config::model::SyncGroup) {
    let members: Vec<&Instance> = g
        .members
        .iter()
        .filter_map(|m| s.instances.iter().find(|i| &i.cfg.name == m))
        .collect();
    let count = |w: &str| members.iter().filter(|i| i.status.state == w).count();
    // The group's state: FAULT when one member is, else its members'.
    let state = if count("FAULT") > 0 {
        "FAULT"
    } else {
        members
            .first()
            .map(|i| super::state_str(&i.status.state))
            .unwrap_or("unknown")
    };
    o.push(format!(" VRRP Sync Group = {}, {state}", g.name));
    o.push(format!(
        "   Num member fault {}, num member init {}",
        count("FAULT"),
        count("INIT")
    ));
    if !members.is_empty() {
        o.push("   VRRP member instances :".into());
        for m in &members {
            o.push(format!("     {}", m.cfg.name));
        }
    }
    if g.tracking_weight {
        o.push("   sync group tracking weight set".into());
    }
    o.push(format!(
        "   Using smtp notification = {}",
        yes(
            crate::daemon::alert::vrrp_enabled(&s.global, g.smtp_alert),
            "yes",
            "no"
        )
    ));
    if g.notify.priority_changes {
        o.push("   Notify priority changes = yes".into());
    }
    let tracked = |o: &mut Vec<String>, head: &str, refs: &[kad_config::model::TrackRef]| {
        if !refs.is_empty() {
            o.push(format!("   {head} :"));
            for t in refs {
                let w = t.weight.map(|d| d.0).unwrap_or(0);
                o.push(format!(
                    "     {} weight {w}{}",
                    t.name,
                    yes(t.reverse, " reverse", "")
                ));
            }
        }
    };
    tracked(o, "Tracked interfaces", &g.track.interfaces);
    tracked(o, "Tracked scripts", &g.track.scripts);
    let n = &g.notify;
    for (kind, sc) in [
        ("Backup", &n.backup),
        ("Master", &n.master),
        ("Fault", &n.fault),
        ("Stop", &n.stop),
        ("Generic", &n.any),
    ] {
        if let Some(sc) = sc {
            o.push(format!(
                "   {kind} state transition script = {}, uid:gid {}",
                super::cmd_str(&sc.argv),
                uid_gid(sc, &s.global)
            ));
        }
    }
}

/// The text of `keepalived.data`.
pub fn render(s: &Snapshot) -> String {
    let mut o = Vec::new();
    global(&mut o, s);
    if !s.instances.is_empty() {
        o.push("------< VRRP Topology >------".into());
        for i in &s.instances {
            instance(&mut o, s, i);
        }
    }
    if !s.instances.is_empty() {
        o.push("------< VRRP Sockpool >------".into());
        sockpool(&mut o, s);
    }
    if !s.sync_groups.is_empty() {
        o.push("------< VRRP Sync groups >------".into());
        for g in &s.sync_groups {
            sync_group(&mut o, s, g);
        }
    }
    if !s.scripts.is_empty() {
        o.push("------< VRRP Scripts >------".into());
        for v in &s.scripts {
            script(&mut o, s, v);
        }
    }
    if !s.ifaces.is_empty() {
        o.push("------< Interfaces >------".into());
        super::ifaces::render(&mut o, s);
    }
    let mut t = o.join("\n");
    t.push('\n');
    t
}

/// The text split into its sections (`------< Name >------` and the lines
/// under it), for comparing dumps section by section.
#[cfg(test)]
pub fn sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if let Some(name) = l
            .strip_prefix("------< ")
            .and_then(|r| r.strip_suffix(" >------"))
        {
            out.push((name.to_string(), Vec::new()));
        } else if let Some((_, lines)) = out.last_mut() {
            lines.push(l.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{snapshot, CONF};
    use super::*;

    fn topology(text: &str) -> Vec<String> {
        sections(text)
            .into_iter()
            .find(|(n, _)| n == "VRRP Topology")
            .map(|(_, l)| l)
            .unwrap_or_default()
    }

    /// The VRRP Topology keepalived 2.2.7 wrote for the same configuration
    /// as MASTER (less its timestamps and socket fds).
    #[test]
    fn topology_as_keepalived_wrote_it() {
        let s = snapshot(CONF, "MASTER");
        let got: Vec<String> = topology(&render(&s))
            .into_iter()
            .filter(|l| !l.contains("Last transition") && !l.contains("Read timeout"))
            .collect();
        let want = " VRRP Instance = VI_1
   VRRP Version = 2
   State = MASTER
   Flags: none
   Wantstate = MASTER
   Number of config faults = 0
   Number of interface and track script faults = 0
   Number of track scripts init = 0
   Master down timer = 3414062 usecs
   Interface = eth0
   Using src_ip = 10.77.0.1
   Multicast address 224.0.0.18
   Gratuitous ARP delay = 5
   Gratuitous ARP repeat = 5
   Gratuitous ARP refresh = 0
   Gratuitous ARP refresh repeat = 1
   Gratuitous ARP lower priority delay = 5
   Gratuitous ARP lower priority repeat = 5
   Down timer adverts = 3
   Send advert after receive lower priority advert = true
   Send advert after receive higher priority advert = false
   Virtual Router ID = 51
   Priority = 150
   Effective priority = 150
   Total priority = 150
   Advert interval = 1 sec
   Accept = enabled
   Preempt = enabled
   Promote_secondaries = disabled
   Authentication type = SIMPLE_PASSWORD
   Password = secret
   Virtual IP (2):
     10.77.0.100/24 dev eth0 scope global set
     10.77.0.101/24 dev eth0 scope global set
   fd_in 13, fd_out 13
   Using smtp notification = no
   Notify deleted = Fault
   Notify priority changes = false";
        assert_eq!(got.join("\n"), want);
    }

    #[test]
    fn last_transition_in_keepalived_format() {
        let s = snapshot(CONF, "MASTER");
        let t = render(&s);
        let l = t
            .lines()
            .find(|l| l.starts_with("   Last transition = "))
            .unwrap();
        // 2.5 s before the snapshot.
        assert!(
            l.starts_with("   Last transition = 1796187148.225932 ("),
            "{l}"
        );
        assert!(l.ends_with(" 2026)"), "{l}");
    }

    #[test]
    fn backup_names_its_master() {
        let mut s = snapshot(CONF, "BACKUP");
        s.instances[0].status.master_addr = Some("10.77.0.2".into());
        s.instances[0].status.master_priority = Some(200);
        let t = topology(&render(&s));
        let at = t.iter().position(|l| l == "   State = BACKUP").unwrap();
        assert_eq!(t[at + 1], "   Master router = 10.77.0.2");
        assert_eq!(t[at + 2], "   Master priority = 200");
        assert!(t.contains(&"     10.77.0.100/24 dev eth0 scope global".to_string()));
    }

    #[test]
    fn sync_group_as_keepalived_writes_it() {
        let two = CONF.to_string()
            + &CONF[CONF.find("vrrp_instance").unwrap()..]
                .replace("VI_1", "VI_2")
                .replace("51", "52")
                .replace("10.77.0.10", "10.77.0.20")
            + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n notify_master /bin/m\n}\n";
        let mut s = snapshot(&two, "MASTER");
        s.instances[1].status.state = "FAULT".into();
        let secs = sections(&render(&s));
        let (name, lines) = secs.last().unwrap();
        assert_eq!(name, "VRRP Sync groups");
        assert_eq!(
            lines.join("\n"),
            " VRRP Sync Group = G1, FAULT
   Num member fault 1, num member init 0
   VRRP member instances :
     VI_1
     VI_2
   Using smtp notification = no
   Master state transition script = '/bin/m', uid:gid 0:0"
        );
    }

    #[test]
    fn scripts_section_with_keepalived_result() {
        let conf = CONF.replace(" advert_int 1\n", " advert_int 1\n track_script {\n  chk\n }\n")
            + "vrrp_script chk {\n script \"/bin/x\"\n interval 2\n weight -5\n rise 2\n fall 3\n}\n";
        let mut s = snapshot(&conf, "MASTER");
        let text = |s: &Snapshot| {
            sections(&render(s))
                .into_iter()
                .find(|(n, _)| n == "VRRP Scripts")
                .unwrap()
                .1
        };
        let t = text(&s);
        assert_eq!(t[0], " VRRP Script = chk");
        assert!(t.contains(&"   Command = '/bin/x'".to_string()));
        assert!(t.contains(&"   Timeout = 0 sec".to_string()), "{t:?}");
        assert!(t.contains(&"   Result = 4".to_string()));
        assert!(t.contains(&"   Status = GOOD".to_string()));
        let at = t
            .iter()
            .position(|l| l == "   Tracking instances :")
            .unwrap();
        assert_eq!(t[at + 1], "     VI_1, weight -5");
        // Two failures of three: still GOOD, result 2; then down.
        s.script_status[0].against = 2;
        assert!(text(&s).contains(&"   Result = 2".to_string()));
        assert!(text(&s).contains(&"   Status = GOOD".to_string()));
        s.script_status[0].up = false;
        s.script_status[0].against = 1;
        assert!(text(&s).contains(&"   Result = 1".to_string()));
        assert!(text(&s).contains(&"   Status = BAD".to_string()));
    }

    #[test]
    fn global_section_first() {
        let s = snapshot(CONF, "MASTER");
        let secs = sections(&render(&s));
        assert_eq!(secs[0].0, "Global definitions");
        assert!(secs[0].1.contains(&" Router ID = sigtest".to_string()));
        assert!(secs[0]
            .1
            .contains(&" VRRP IPv4 mcast group = 224.0.0.18".to_string()));
        assert_eq!(secs[1].0, "VRRP Topology");
        assert_eq!(secs[2].0, "VRRP Sockpool");
        assert_eq!(
            secs[2].1.join("\n"),
            " fd_in 13 fd_out = 13
   Interface = eth0
   Family = IPv4
   Protocol = VRRP
   Type = Multicast
   Rx buf size = 0
   VRRP instances
     VI_1 vrid 51"
        );
    }
}
