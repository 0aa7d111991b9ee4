//! `interface_up_down_delays { IF DOWN [UP] }`: a link that goes down (or
//! up) counts only once it has stayed so for the delay, so a short flap
//! moves no instance. As keepalived's `update_interface_flags`: a change
//! back before the delay ends cancels the pending one; an interface never
//! seen up takes its first up at once; each delay is kept below the
//! Master_Down time of the instances on the interface
//! (`(down_timer_adverts - 1) * advert_int - advert_int / 256`), so that a
//! delayed down still lets a backup take over in time.

use crate::time::Time;
use kad_config::Config;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Debounce {
    /// (down, up) delay by interface.
    delays: HashMap<String, (Duration, Duration)>,
    /// The state the node has applied, by interface.
    applied: HashMap<String, bool>,
    seen_up: HashSet<String>,
    /// A change waiting for its delay: (new state, when it applies).
    pending: HashMap<String, (bool, Time)>,
}

impl Debounce {
    pub fn new(cfg: &Config, links: &HashMap<String, bool>) -> Debounce {
        let mut d = Debounce {
            applied: links.clone(),
            seen_up: links
                .iter()
                .filter(|(_, up)| **up)
                .map(|(n, _)| n.clone())
                .collect(),
            ..Default::default()
        };
        d.configure(cfg);
        d
    }

    /// The delays of `cfg` (also at a reload); pending changes stay.
    pub fn configure(&mut self, cfg: &Config) {
        self.delays.clear();
        for u in &cfg.interface_up_down_delays {
            let cap = cfg
                .vrrp_instances
                .iter()
                .filter(|i| i.interface.as_deref() == Some(u.interface.as_str()))
                .filter(|i| i.down_timer_adverts > 1)
                .map(|i| {
                    let adv = i.advert_int.as_duration();
                    adv * (i.down_timer_adverts - 1) - adv / 256
                })
                .min();
            let capped = |d: Duration| cap.map_or(d, |c| d.min(c));
            self.delays
                .insert(u.interface.clone(), (capped(u.down), capped(u.up)));
        }
    }

    /// The shell reports `name` running or not: the state to apply now, if
    /// any (none while a change waits for its delay).
    pub fn report(&mut self, now: Time, name: &str, running: bool) -> Option<bool> {
        if let Some((pending, _)) = self.pending.get(name) {
            if *pending == running {
                return None;
            }
            self.pending.remove(name);
            tracing::info!("Delay timer for {name} cancelled");
        }
        let was = self.applied.get(name).copied();
        if was == Some(running) {
            return None;
        }
        let (down, up) = self.delays.get(name).copied().unwrap_or_default();
        let delay = if running { up } else { down };
        if was.is_some() && self.seen_up.contains(name) && !delay.is_zero() {
            tracing::info!(
                "{name}: {} delayed by {:.3}s",
                if running { "up" } else { "down" },
                delay.as_secs_f64()
            );
            self.pending
                .insert(name.to_string(), (running, now + delay));
            return None;
        }
        Some(self.apply(name, running))
    }

    fn apply(&mut self, name: &str, running: bool) -> bool {
        if running {
            self.seen_up.insert(name.to_string());
        }
        self.applied.insert(name.to_string(), running);
        running
    }

    pub fn deadline(&self) -> Option<Time> {
        self.pending.values().map(|(_, at)| *at).min()
    }

    /// The delayed changes due by `now`, to apply.
    pub fn tick(&mut self, now: Time) -> Vec<(String, bool)> {
        let due: Vec<(String, bool)> = self
            .pending
            .iter()
            .filter(|(_, (_, at))| *at <= now)
            .map(|(n, (up, _))| (n.clone(), *up))
            .collect();
        for (n, up) in &due {
            self.pending.remove(n);
            self.apply(n, *up);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Config {
        kad_config::load_str(text, std::path::Path::new("k.conf"), &Default::default()).config
    }

    const CONF: &str = "interface_up_down_delays {\n eth0 2 1\n}\n\
        vrrp_instance V {\n interface eth0\n virtual_router_id 1\n advert_int 2\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n";

    fn at(ms: u64) -> Time {
        Time::from_micros(ms * 1000)
    }

    #[test]
    fn a_flap_shorter_than_the_delay_is_not_seen() {
        let links = HashMap::from([("eth0".to_string(), true)]);
        let mut d = Debounce::new(&cfg(CONF), &links);
        assert_eq!(d.report(at(0), "eth0", false), None);
        assert_eq!(d.deadline(), Some(at(2000)));
        assert_eq!(d.report(at(500), "eth0", true), None, "back up: cancelled");
        assert_eq!(d.deadline(), None);
        assert!(d.tick(at(5000)).is_empty());
    }

    #[test]
    fn a_lasting_change_applies_after_its_delay() {
        let links = HashMap::from([("eth0".to_string(), true)]);
        let mut d = Debounce::new(&cfg(CONF), &links);
        assert_eq!(d.report(at(0), "eth0", false), None);
        assert_eq!(
            d.report(at(100), "eth0", false),
            None,
            "same change: one timer"
        );
        assert!(d.tick(at(1999)).is_empty());
        assert_eq!(d.tick(at(2000)), vec![("eth0".to_string(), false)]);
        // Up again: the up delay (1 s).
        assert_eq!(d.report(at(3000), "eth0", true), None);
        assert_eq!(d.tick(at(4000)), vec![("eth0".to_string(), true)]);
        // Other interfaces are not delayed.
        assert_eq!(d.report(at(4000), "eth1", false), Some(false));
    }

    #[test]
    fn the_first_up_is_at_once_and_delays_stay_below_master_down() {
        let links = HashMap::from([("eth0".to_string(), false)]);
        let mut d = Debounce::new(&cfg(CONF), &links);
        assert_eq!(d.report(at(0), "eth0", true), Some(true), "never seen up");
        // 10 s asked; (3 - 1) * 2 s - 2 s / 256 allowed.
        let long = CONF.replace("eth0 2 1", "eth0 10");
        let mut d = Debounce::new(&cfg(&long), &HashMap::from([("eth0".to_string(), true)]));
        assert_eq!(d.report(at(0), "eth0", false), None);
        let cap = Duration::from_secs(4) - Duration::from_secs(2) / 256;
        assert_eq!(d.deadline(), Some(at(0) + cap));
    }
}
