//! kad's operator commands for VRRP instances: `kactl priority` (the
//! configured priority replaced, under the trackers, until cleared) and
//! `kactl failover` (a make-before-break handover to the peer, as a
//! planned stop does, then BACKUP at priority 1).

use super::{state_word, Engine};
use kactl::{Done, Operator, Overrides, Response};
use kad_vrrp::fsm::{Input, State};

impl Engine {
    /// The overrides from the state file, before `run`.
    pub fn set_overrides(&mut self, o: &Overrides) {
        for p in &o.priorities {
            if self.insts.iter().any(|i| i.cfg.name == p.instance) {
                tracing::info!(
                    "({}) operator priority {} (from the state file{})",
                    p.instance,
                    p.priority,
                    if p.failover { ", failover" } else { "" }
                );
                self.prio_override.insert(p.instance.clone(), p.priority);
            } else {
                tracing::warn!(
                    "override: vrrp_instance {} is not in the configuration",
                    p.instance
                );
            }
        }
    }

    fn find(&self, name: &str) -> Result<usize, String> {
        let i = self
            .insts
            .iter()
            .position(|i| i.cfg.name == name)
            .ok_or_else(|| format!("no vrrp_instance {name}"))?;
        if self.insts[i].cfg.priority.0 == 255 {
            return Err(format!(
                "({name}) is the address owner (priority 255): its priority never moves"
            ));
        }
        if self.stopping.is_some() {
            return Err("kad is stopping".into());
        }
        Ok(i)
    }

    pub(super) async fn operator(&mut self, op: Operator) -> Response {
        let r = match op {
            Operator::Priority { instance, priority } => self.priority(&instance, priority).await,
            Operator::Failover { instance } => self.failover(&instance).await,
            _ => Err("not a VRRP command".into()),
        };
        match r {
            Ok(done) => Response::Done(Done {
                done,
                lines: vec![],
                ok: true,
            }),
            Err(error) => Response::Error { error },
        }
    }

    async fn priority(&mut self, name: &str, p: Option<u8>) -> Result<String, String> {
        let i = self.find(name)?;
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
                    self.insts[i].cfg.priority.0
                )
            }
        };
        tracing::info!("{msg}");
        self.recompute(i, true).await;
        Ok(msg)
    }

    async fn failover(&mut self, name: &str) -> Result<String, String> {
        let i = self.find(name)?;
        let st = self.insts[i].fsm.state();
        if st != State::Master {
            return Err(format!(
                "({name}) is {}, not MASTER: nothing to hand over",
                state_word(st)
            ));
        }
        self.prio_override.insert(name.to_string(), 1);
        tracing::info!("({name}) failover: handing MASTER over to the peer, then BACKUP at priority 1 until `kactl priority {name} --clear`");
        self.drive(i, Input::Handover).await;
        self.recompute(i, true).await;
        Ok(format!(
            "({name}) handing over to the peer; priority 1 until `kactl priority {name} --clear`"
        ))
    }
}
