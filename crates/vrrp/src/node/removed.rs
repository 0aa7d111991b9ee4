//! An instance a reload removed, as keepalived deletes it: a MASTER sends
//! a priority-0 advert (its backups take over after their skew time) and
//! removes its routes and VIPs; then `notify_deleted` (its script, the
//! generic script and FIFO with DELETED) or, without it, keepalived's
//! older FAULT notifies — none when it already was in FAULT.

use super::drive::notify;
use super::output::{fifo_line, Alert, Output};
use super::Node;
use crate::fsm::State;
use crate::time::Time;

impl Node {
    pub(super) fn delete(&mut self, _now: Time, i: usize) {
        let state = self.slots[i].fsm.state();
        if state == State::Master {
            self.slots[i].fsm.stats.pri_zero_sent += 1;
            self.slots[i].fsm.stats.advert_sent += 1;
            self.send_advert(i, 0);
        }
        if self.slots[i].fsm.holds_vips() || self.release.always || self.release.keep_on_stop {
            self.remove_vips_now(i);
        }
        let s = &self.slots[i];
        let name = s.cfg.name.clone();
        let prio = s.fsm.priority();
        tracing::info!("({name}) removed by the reload");
        match &s.cfg.notify.deleted {
            Some(own) => {
                if !own.command.is_empty() {
                    self.out.push_back(Output::Notify {
                        script: own.clone(),
                        args: vec![],
                    });
                }
                if let Some(any) = &s.cfg.notify.any {
                    self.out.push_back(Output::Notify {
                        script: any.clone(),
                        args: vec![
                            "INSTANCE".into(),
                            name.clone(),
                            "DELETED".into(),
                            prio.to_string(),
                        ],
                    });
                }
                self.out
                    .push_back(Output::Fifo(fifo_line("INSTANCE", &name, "DELETED", prio)));
            }
            None if state != State::Fault => {
                let n = s.cfg.notify.clone();
                notify(&mut self.out, &n, "INSTANCE", &name, State::Fault, prio);
                self.out.push_back(Output::Alert(Alert::Instance {
                    name: name.clone(),
                    state: State::Fault,
                }));
                self.out
                    .push_back(Output::Fifo(fifo_line("INSTANCE", &name, "FAULT", prio)));
            }
            None => {}
        }
    }
}
