//! The VRRP state machine of one instance, as keepalived runs it
//! (`vrrp_state_backup`, `vrrp_state_master_rx`, `vrrp_state_master_tx`),
//! with no sockets, clocks or sleeps: inputs and the current time in,
//! actions out, and the next deadline for the shell's timer.
//!
//! Times are kept in microseconds: the v2 skew time (256 − p) / 256 s is
//! not a whole number of centiseconds.

use crate::packet::Version;
use crate::stats::Stats;
use crate::time::Time;
use kad_config::model::{Centis, GarpTimers};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
    Stopped,
}

/// What the machine needs from the configuration.
#[derive(Clone, Debug)]
pub struct Params {
    pub vrid: u8,
    pub version: Version,
    pub base_priority: u8,
    pub advert_int: Centis,
    pub preempt: bool,
    pub preempt_delay: Duration,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
    pub owner_ignore_adverts: bool,
    pub garp: GarpTimers,
    /// Our primary address: equal priorities are decided by comparing it.
    pub local_addr: IpAddr,
    /// On a planned stop, keep the VIPs until the successor's first advert
    /// (bounded by two advert intervals) instead of dropping them at once.
    pub hold_vips_on_stop: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Begin running (the configuration is loaded, sockets are open).
    Start,
    /// Time has advanced: run whatever deadlines have passed.
    Tick,
    /// A valid advert for our VRID.
    Advert {
        src: IpAddr,
        priority: u8,
        interval: Centis,
    },
    /// The trackers changed the effective priority.
    Priority(u8),
    /// A tracker put the instance in (true) or out of (false) FAULT.
    Fault(bool),
    /// A sync-group peer became MASTER: follow it.
    GroupMaster,
    /// A sync-group peer left MASTER: follow it to BACKUP.
    GroupBackup,
    /// Orderly shutdown.
    Stop,
    /// kad's `kactl failover`: a MASTER hands over as on a planned stop
    /// (priority 0 advert, VIPs held until the successor speaks) and
    /// stays BACKUP.
    Handover,
    /// `timer_expired_backup`: this MASTER ran too late to advertise in
    /// time and another router may have taken over: it goes to BACKUP
    /// (without a priority 0 advert, as keepalived's
    /// vrrp_thread_timeout_handler).
    TimerExpired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SendAdvert {
        priority: u8,
    },
    AddVips,
    RemoveVips,
    /// Send `repeat` gratuitous ARPs / unsolicited NAs for every VIP.
    Garp {
        repeat: u32,
    },
    Transition {
        from: State,
        to: State,
    },
    /// A MASTER heard a lower priority (keepalived's
    /// `notify_master_rx_lower_pri`).
    MasterRxLowerPriority {
        src: IpAddr,
        priority: u8,
    },
}

#[derive(Clone, Debug)]
pub struct Instance {
    p: Params,
    state: State,
    priority: u8,
    master_adv_int: Centis,
    master_down: Option<Time>,
    /// `vrrp_startup_delay`: a BACKUP's down timer runs from here, not
    /// from now, until this time.
    startup_hold: Option<Time>,
    adver: Option<Time>,
    preempt_until: Option<Time>,
    garp_again: Option<(Time, u32)>,
    garp_refresh: Option<Time>,
    /// Set while a stopping MASTER holds its VIPs for its successor.
    release_at: Option<Time>,
    /// Where a release ends: STOP (a stop) or BACKUP (a handover).
    release_to: State,
    vips_held: bool,
    fault: bool,
    master: Option<(IpAddr, u8)>,
    last_transition: Time,
    /// When the last advert went out (keepalived's last_advert_sent).
    last_advert: Option<Time>,
    pub stats: Stats,
}

impl Instance {
    pub fn new(p: Params) -> Instance {
        Instance {
            priority: p.base_priority,
            master_adv_int: p.advert_int,
            p,
            state: State::Init,
            master_down: None,
            startup_hold: None,
            adver: None,
            preempt_until: None,
            garp_again: None,
            garp_refresh: None,
            release_at: None,
            release_to: State::Stopped,
            vips_held: false,
            fault: false,
            master: None,
            last_transition: Time::ZERO,
            last_advert: None,
            stats: Stats::default(),
        }
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn priority(&self) -> u8 {
        self.priority
    }

    pub fn params(&self) -> &Params {
        &self.p
    }

    /// The current master (address and priority) as seen from BACKUP.
    pub fn master(&self) -> Option<(IpAddr, u8)> {
        self.master
    }

    pub fn master_adv_int(&self) -> Centis {
        self.master_adv_int
    }

    pub fn last_transition(&self) -> Time {
        self.last_transition
    }

    pub fn holds_vips(&self) -> bool {
        self.vips_held
    }

    /// Skew_Time for a priority (RFC 3768 §6.1, RFC 5798 §6.1).
    pub fn skew(&self, priority: u8) -> Duration {
        let p = 256 - u64::from(priority);
        match self.p.version {
            Version::V2 => Duration::from_micros(p * 1_000_000 / 256),
            Version::V3 => {
                Duration::from_micros(p * u64::from(self.master_adv_int.0) * 10_000 / 256)
            }
        }
    }

    /// `timer_expired_backup`: the time another router whose priority is
    /// at most `other` needs to take over from a master that went silent,
    /// beyond `adverts` of our own advert intervals (keepalived uses the
    /// configured interval for VRRPv3's skew too).
    pub fn takeover_after(&self, adverts: u32, other: u8) -> Duration {
        let int = u64::from(self.p.advert_int.0) * 10_000;
        let p = 256 - u64::from(other);
        let skew = match self.p.version {
            Version::V2 => p * 1_000_000 / 256,
            Version::V3 => p * int / 256,
        };
        Duration::from_micros(u64::from(adverts) * int + skew)
    }

    /// A MASTER whose last advert is so old that a router of priority up
    /// to `other` has taken over by `now` (Master_Down_Interval: three
    /// intervals and its skew).
    pub fn advert_overdue(&self, now: Time, other: u8) -> bool {
        self.state == State::Master
            && self
                .last_advert
                .is_some_and(|t| t + self.takeover_after(3, other) <= now)
    }

    /// Master_Down_Interval with our current effective priority.
    pub fn master_down_interval(&self) -> Duration {
        let adverts =
            u64::from(self.p.down_timer_adverts) * u64::from(self.master_adv_int.0) * 10_000;
        Duration::from_micros(adverts) + self.skew(self.priority)
    }

    /// When the shell must call `handle(now, Input::Tick)` next.
    pub fn next_deadline(&self) -> Option<Time> {
        [
            self.master_down,
            self.adver,
            self.garp_again.map(|g| g.0),
            self.garp_refresh,
            self.release_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle(&mut self, now: Time, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Start => self.start(now, &mut out),
            Input::Tick => self.tick(now, &mut out),
            Input::Advert {
                src,
                priority,
                interval,
            } => self.advert(now, src, priority, interval, &mut out),
            Input::Priority(p) => self.set_priority(p),
            Input::Fault(f) => self.set_fault(now, f, &mut out),
            Input::GroupMaster => {
                if self.state == State::Backup {
                    self.become_master(now, &mut out);
                }
            }
            Input::GroupBackup => {
                if self.state == State::Master && self.release_at.is_none() {
                    self.leave_master(now, State::Backup, &mut out);
                }
            }
            Input::TimerExpired => {
                if self.state == State::Master && self.release_at.is_none() {
                    self.leave_master(now, State::Backup, &mut out);
                }
            }
            Input::Stop => self.stop(now, &mut out),
            Input::Handover => out = self.handover(now),
        }
        out
    }

    fn transition(&mut self, now: Time, to: State, out: &mut Vec<Action>) {
        if self.state != to {
            out.push(Action::Transition {
                from: self.state,
                to,
            });
            self.state = to;
            self.last_transition = now;
        }
    }

    fn owner(&self) -> bool {
        self.p.base_priority == 255
    }

    fn start(&mut self, now: Time, out: &mut Vec<Action>) {
        if self.state != State::Init {
            return;
        }
        if self.fault {
            self.transition(now, State::Fault, out);
        } else if self.owner() {
            match self.startup_hold {
                // keepalived starts the owner as a BACKUP whose timer runs
                // out at once, so it too waits for the delay.
                Some(h) if now < h => {
                    self.enter_backup(now, out);
                    self.master_down = Some(h);
                }
                _ => self.become_master(now, out),
            }
        } else {
            self.enter_backup(now, out);
        }
    }

    /// A reload changed this instance's parameters (priority, advert
    /// interval, preemption, GARP timers) without changing what it is: the
    /// state stays. A MASTER advertises at once with the new values; a
    /// BACKUP re-arms its Master_Down timer from now. The effective
    /// priority arrives separately (`Input::Priority`), as trackers give it.
    pub fn reconfigure(&mut self, now: Time, p: Params) -> Vec<Action> {
        let mut out = Vec::new();
        let interval_changed = p.advert_int != self.p.advert_int;
        self.p = p;
        // Becoming the address owner: its priority is 255 from now on
        // (trackers never move it, so nothing else would set it).
        if self.owner() {
            self.priority = 255;
        }
        match self.state {
            State::Master if self.release_at.is_none() => {
                let prio = self.priority;
                self.send_advert(now, prio, &mut out);
                self.adver = Some(now + self.p.advert_int.as_duration());
            }
            State::Backup => {
                if interval_changed && (self.p.version == Version::V2 || self.master.is_none()) {
                    self.master_adv_int = self.p.advert_int;
                }
                self.master_down = Some(self.down_at(now));
            }
            _ => {}
        }
        out
    }

    /// `vrrp_startup_delay`: until `until`, a BACKUP's Master_Down timer
    /// counts from `until` (keepalived's vrrp_delayed_start_time), so no
    /// backup takes over before the delay and a down interval have passed;
    /// adverts are received and answered as usual.
    pub fn hold_start_until(&mut self, until: Time) {
        self.startup_hold = Some(until);
    }

    /// The address this router sends from changed (the old one left its
    /// interface): equal priorities are compared against the new one.
    pub fn set_local_addr(&mut self, addr: IpAddr) {
        self.p.local_addr = addr;
    }

    /// When the Master_Down timer armed at `now` runs out.
    fn down_at(&self, now: Time) -> Time {
        match self.startup_hold {
            Some(h) if now < h => h + self.master_down_interval(),
            _ => now + self.master_down_interval(),
        }
    }

    fn enter_backup(&mut self, now: Time, out: &mut Vec<Action>) {
        self.master_adv_int = self.p.advert_int;
        self.master = None;
        self.transition(now, State::Backup, out);
        self.master_down = Some(self.down_at(now));
    }

    fn send_advert(&mut self, now: Time, priority: u8, out: &mut Vec<Action>) {
        self.last_advert = Some(now);
        self.stats.advert_sent += 1;
        if priority == 0 {
            self.stats.pri_zero_sent += 1;
        }
        out.push(Action::SendAdvert { priority });
    }

    /// keepalived's order: advert first (so the old master can let go),
    /// then the addresses, then the GARPs.
    fn become_master(&mut self, now: Time, out: &mut Vec<Action>) {
        self.master_down = None;
        self.preempt_until = None;
        self.master = None;
        let prio = self.priority;
        self.send_advert(now, prio, out);
        if !self.vips_held {
            out.push(Action::AddVips);
            self.vips_held = true;
        }
        out.push(Action::Garp {
            repeat: self.p.garp.master_repeat,
        });
        self.garp_again = (!self.p.garp.master_delay.is_zero())
            .then(|| (now + self.p.garp.master_delay, self.p.garp.master_repeat));
        self.garp_refresh =
            (!self.p.garp.master_refresh.is_zero()).then(|| now + self.p.garp.master_refresh);
        self.adver = Some(now + self.p.advert_int.as_duration());
        self.stats.become_master += 1;
        self.transition(now, State::Master, out);
    }

    fn leave_master(&mut self, now: Time, to: State, out: &mut Vec<Action>) {
        self.adver = None;
        self.garp_again = None;
        self.garp_refresh = None;
        self.release_at = None;
        if self.vips_held {
            out.push(Action::RemoveVips);
            self.vips_held = false;
        }
        self.stats.release_master += 1;
        match to {
            State::Backup => {
                self.transition(now, State::Backup, out);
                self.master_down = Some(self.down_at(now));
            }
            other => self.transition(now, other, out),
        }
    }

    fn tick(&mut self, now: Time, out: &mut Vec<Action>) {
        if let Some(t) = self.release_at {
            if t <= now {
                self.release_at = None;
                if self.vips_held {
                    out.push(Action::RemoveVips);
                    self.vips_held = false;
                }
                let to = std::mem::replace(&mut self.release_to, State::Stopped);
                self.transition(now, to, out);
                if to == State::Backup {
                    self.master_down = Some(self.down_at(now));
                }
                return;
            }
        }
        if self.state == State::Backup && self.master_down.is_some_and(|t| t <= now) {
            self.become_master(now, out);
        }
        if self.state != State::Master || self.release_at.is_some() {
            return;
        }
        if self.adver.is_some_and(|t| t <= now) {
            let prio = self.priority;
            self.send_advert(now, prio, out);
            self.adver = Some(now + self.p.advert_int.as_duration());
        }
        if let Some((t, repeat)) = self.garp_again {
            if t <= now {
                out.push(Action::Garp { repeat });
                self.garp_again = None;
            }
        }
        if self.garp_refresh.is_some_and(|t| t <= now) {
            out.push(Action::Garp {
                repeat: self.p.garp.master_refresh_repeat,
            });
            self.garp_refresh = Some(now + self.p.garp.master_refresh);
        }
    }

    fn advert(
        &mut self,
        now: Time,
        src: IpAddr,
        priority: u8,
        interval: Centis,
        out: &mut Vec<Action>,
    ) {
        self.stats.advert_rcvd += 1;
        if priority == 0 {
            self.stats.pri_zero_rcvd += 1;
        }
        // A stopping master lets go as soon as its successor speaks.
        if self.release_at.is_some() {
            if priority > 0 {
                if self.release_to == State::Backup {
                    self.master = Some((src, priority));
                }
                // Hold the addresses a moment longer: the successor's
                // gratuitous ARP leaves with its advert, and until the
                // clients have it their packets still come here.
                let linger = now + RELEASE_LINGER;
                if self.release_at.is_some_and(|t| t > linger) {
                    self.release_at = Some(linger);
                }
            }
            return;
        }
        match self.state {
            State::Backup => self.backup_rx(now, src, priority, interval),
            State::Master => self.master_rx(now, src, priority, interval, out),
            _ => {}
        }
    }

    fn backup_rx(&mut self, now: Time, src: IpAddr, priority: u8, interval: Centis) {
        if priority == 0 {
            // The master is leaving: take over after Skew_Time.
            self.master_down = Some(now + self.skew(self.priority));
            return;
        }
        let accept = if !self.p.preempt || priority >= self.priority {
            self.preempt_until = None;
            true
        } else if !self.p.preempt_delay.is_zero() {
            // A lower-priority master is tolerated for preempt_delay.
            let until = *self.preempt_until.get_or_insert(now + self.p.preempt_delay);
            now < until
        } else {
            false
        };
        if !accept {
            return;
        }
        self.master = Some((src, priority));
        if self.p.version == Version::V3 {
            self.master_adv_int = interval;
        }
        self.master_down = Some(self.down_at(now));
    }

    fn master_rx(
        &mut self,
        now: Time,
        src: IpAddr,
        priority: u8,
        interval: Centis,
        out: &mut Vec<Action>,
    ) {
        if self.owner() && self.p.owner_ignore_adverts {
            return;
        }
        if priority == 0 {
            let prio = self.priority;
            self.send_advert(now, prio, out);
            self.adver = Some(now + self.p.advert_int.as_duration());
            return;
        }
        let higher = priority > self.priority
            || (priority == self.priority && addr_gt(src, self.p.local_addr));
        if higher {
            if self.p.higher_prio_send_advert {
                let prio = self.priority;
                self.send_advert(now, prio, out);
            }
            self.master = Some((src, priority));
            if self.p.version == Version::V3 {
                self.master_adv_int = interval;
            }
            self.leave_master(now, State::Backup, out);
            return;
        }
        // A lower priority: "forcing a new election".
        if !self.p.lower_prio_no_advert {
            let prio = self.priority;
            self.send_advert(now, prio, out);
        }
        if self.p.garp.lower_prio_repeat > 0 {
            out.push(Action::Garp {
                repeat: self.p.garp.lower_prio_repeat,
            });
            if !self.p.garp.lower_prio_delay.is_zero() {
                self.garp_again = Some((
                    now + self.p.garp.lower_prio_delay,
                    self.p.garp.lower_prio_repeat,
                ));
            }
        }
        out.push(Action::MasterRxLowerPriority { src, priority });
    }

    fn set_priority(&mut self, p: u8) {
        // The address owner's priority never moves.
        if !self.owner() {
            self.priority = p.clamp(1, 254);
        }
    }

    fn set_fault(&mut self, now: Time, fault: bool, out: &mut Vec<Action>) {
        if fault == self.fault {
            return;
        }
        self.fault = fault;
        match (fault, self.state) {
            (true, State::Master) => {
                self.send_advert(now, 0, out);
                self.leave_master(now, State::Fault, out);
            }
            (true, State::Backup) => {
                self.master_down = None;
                self.transition(now, State::Fault, out);
            }
            (false, State::Fault) => {
                if self.owner() {
                    self.become_master(now, out);
                } else {
                    self.enter_backup(now, out);
                }
            }
            _ => {}
        }
    }

    fn stop(&mut self, now: Time, out: &mut Vec<Action>) {
        match self.state {
            State::Master if self.release_at.is_none() => {
                self.send_advert(now, 0, out);
                self.adver = None;
                self.garp_again = None;
                self.garp_refresh = None;
                self.stats.release_master += 1;
                if self.p.hold_vips_on_stop && self.vips_held {
                    // The successor takes over after its skew time (under one
                    // advert interval) and says so in an advert: hold the
                    // VIPs until then, or two intervals if it never does.
                    self.release_at = Some(now + 2 * self.p.advert_int.as_duration());
                } else {
                    if self.vips_held {
                        out.push(Action::RemoveVips);
                        self.vips_held = false;
                    }
                    self.transition(now, State::Stopped, out);
                }
            }
            // Stopping during a handover: the release ends in STOP.
            State::Master => self.release_to = State::Stopped,
            _ => {
                self.master_down = None;
                self.transition(now, State::Stopped, out);
            }
        }
    }

    /// A MASTER lets its peer take over: a priority 0 advert makes the
    /// backups take over after their skew time; the VIPs stay until the
    /// successor's first advert (or two intervals), then it is BACKUP.
    fn handover(&mut self, now: Time) -> Vec<Action> {
        let mut out = Vec::new();
        if self.state != State::Master || self.release_at.is_some() {
            return out;
        }
        self.send_advert(now, 0, &mut out);
        self.adver = None;
        self.garp_again = None;
        self.garp_refresh = None;
        self.stats.release_master += 1;
        self.release_at = Some(now + 2 * self.p.advert_int.as_duration());
        self.release_to = State::Backup;
        out
    }
}

/// How long a releasing master keeps its addresses after its successor's
/// first advert (make-before-break at the clients' ARP caches).
pub const RELEASE_LINGER: std::time::Duration = std::time::Duration::from_millis(100);

/// Compare addresses as unsigned numbers, as keepalived does for the
/// equal-priority tie-break.
pub fn addr_gt(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a) > u32::from(b),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a) > u128::from(b),
        (IpAddr::V6(_), IpAddr::V4(_)) => true,
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}
