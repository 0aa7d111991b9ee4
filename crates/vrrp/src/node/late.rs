//! `timer_expired_backup` (keepalived master's vrrp_thread_timeout_handler):
//! when the shell finds its earliest deadline overdue by at least the
//! quickest takeover any such instance allows (two advert intervals and
//! the skew of the highest other priority), a MASTER with
//! `timer_expired_backup` whose last advert is older than that other
//! router's Master_Down_Interval goes to BACKUP: with `nopreempt` the
//! router that took over in the meantime keeps the role.

use super::Node;
use crate::fsm::Input;
use crate::time::Time;
use std::time::Duration;

impl Node {
    /// The shell woke `late` after its earliest deadline.
    pub fn handle_late(&mut self, now: Time, late: Duration) {
        let quickest = self
            .slots
            .iter()
            .filter_map(|s| {
                let other = s.cfg.timer_expired_backup?;
                Some(s.fsm.takeover_after(2, other.0))
            })
            .min();
        if quickest.is_none_or(|q| late < q) {
            return;
        }
        let mut logged = false;
        for i in 0..self.slots.len() {
            let s = &self.slots[i];
            let Some(other) = s.cfg.timer_expired_backup else {
                continue;
            };
            if !s.fsm.advert_overdue(now, other.0) {
                continue;
            }
            if !logged {
                tracing::info!(
                    "VRRP thread timer expired {}.{:06} seconds ago",
                    late.as_secs(),
                    late.subsec_micros()
                );
                logged = true;
            }
            self.drive(now, i, Input::TimerExpired);
        }
    }
}
