//! kad's operator commands for VRRP instances: `kactl priority` (the
//! configured priority replaced, under the trackers, until cleared) and
//! `kactl failover` (a make-before-break handover to the peer, as a
//! planned stop does, then BACKUP at priority 1).

use super::output::state_word;
use super::Node;
use crate::fsm::{Input, State};
use crate::time::Time;

impl Node {
    /// An operator priority from the state file, before start. False when
    /// no such instance is configured.
    pub fn set_override(&mut self, instance: &str, priority: u8) -> bool {
        if self.find_slot(instance).is_none() {
            return false;
        }
        self.prio_override.insert(instance.to_string(), priority);
        true
    }

    fn operable(&self, name: &str) -> Result<usize, String> {
        let i = self
            .find_slot(name)
            .ok_or_else(|| format!("no vrrp_instance {name}"))?;
        if self.slots[i].cfg.priority.0 == 255 {
            return Err(format!(
                "({name}) is the address owner (priority 255): its priority never moves"
            ));
        }
        if self.stopping.is_some() {
            return Err("kad is stopping".into());
        }
        Ok(i)
    }

    /// `kactl priority NAME P` (1–254) or `--clear` (`None`).
    pub fn operator_priority(
        &mut self,
        now: Time,
        name: &str,
        p: Option<u8>,
    ) -> Result<String, String> {
        let i = self.operable(name)?;
        let msg = match p {
            Some(p @ 1..=254) => {
                self.prio_override.insert(name.to_string(), p);
                format!("({name}) operator priority {p}")
            }
            Some(p) => return Err(format!("priority {p}: the operator's priority is 1 to 254")),
            None => {
                self.prio_override.remove(name);
                format!(
                    "({name}) operator priority cleared (configured {})",
                    self.slots[i].cfg.priority.0
                )
            }
        };
        tracing::info!("{msg}");
        self.recompute(now, i, true);
        Ok(msg)
    }

    /// `kactl failover NAME`.
    pub fn operator_failover(&mut self, now: Time, name: &str) -> Result<String, String> {
        let i = self.operable(name)?;
        let st = self.slots[i].fsm.state();
        if st != State::Master {
            return Err(format!(
                "({name}) is {}, not MASTER: nothing to hand over",
                state_word(st)
            ));
        }
        self.prio_override.insert(name.to_string(), 1);
        tracing::info!("({name}) failover: handing MASTER over to the peer, then BACKUP at priority 1 until `kactl priority {name} --clear`");
        self.drive(now, i, Input::Handover);
        self.recompute(now, i, true);
        Ok(format!(
            "({name}) handing over to the peer; priority 1 until `kactl priority {name} --clear`"
        ))
    }

    /// The operator's priority of an instance, if set.
    pub fn priority_override(&self, name: &str) -> Option<u8> {
        self.prio_override.get(name).copied()
    }
}
