//! Feeding a machine and carrying out its actions: a member's transition
//! becomes an input for the rest of its sync group; transitions give the
//! notify scripts, FIFO lines, alerts, the group's state and the sync
//! daemon's role.

use super::output::{fifo_line, state_word, Alert, Output};
use super::Node;
use crate::fsm::{Action, Input, State};
use crate::group;
use crate::time::Time;
use kad_config::model::Notify;
use std::collections::VecDeque;

impl Node {
    /// Feed one input and carry out the actions, following sync groups.
    pub(super) fn drive(&mut self, now: Time, first: usize, input: Input) {
        let mut queue = VecDeque::from([(first, input)]);
        while let Some((i, input)) = queue.pop_front() {
            let actions = self.slots[i].fsm.handle(now, input);
            for a in actions {
                if let Action::Transition { from, to } = a {
                    if let (Some(g), Some(follow)) = (self.slots[i].group, group::follow(from, to))
                    {
                        if self.stopping.is_none() {
                            for &m in &self.groups[g].members {
                                if m != i {
                                    queue.push_back((m, follow));
                                }
                            }
                        }
                    }
                }
                self.execute(i, a);
            }
        }
    }

    pub(super) fn execute(&mut self, i: usize, a: Action) {
        match a {
            Action::SendAdvert { priority } => self.send_advert(i, priority),
            Action::AddVips => self.add_vips(i),
            Action::RemoveVips => self.remove_vips(i),
            Action::Garp { repeat } => {
                let vips = self.slots[i].all_vips();
                self.announce(i, &vips, repeat);
            }
            Action::Transition { from, to } => {
                self.transitioned(i, from, to);
                self.release_on(i, to);
            }
            Action::MasterRxLowerPriority { src, priority } => {
                let s = &self.slots[i];
                tracing::info!(
                    "({}) received lower priority advert ({priority}) from {src}, forcing a new election",
                    s.cfg.name
                );
                if let Some(script) = &s.cfg.notify.master_rx_lower_pri {
                    self.out.push_back(Output::Notify {
                        script: script.clone(),
                        args: vec![],
                    });
                }
                let line = fifo_line("INSTANCE", &s.cfg.name, "MASTER_RX_LOWER_PRI", priority);
                self.out.push_back(Output::Fifo(line));
            }
        }
    }

    fn transitioned(&mut self, i: usize, from: State, to: State) {
        if self.sync_follow.as_ref() == Some(&self.slots[i].cfg.name)
            && (to == State::Master || from == State::Master)
        {
            self.out.push_back(Output::SyncRole {
                master: to == State::Master,
            });
        }
        self.slots[i].transitions += 1;
        let s = &self.slots[i];
        let name = s.cfg.name.clone();
        let prio = s.fsm.priority();
        let word = state_word(to);
        tracing::info!("({name}) Entering {word} STATE");
        notify(&mut self.out, &s.cfg.notify, "INSTANCE", &name, to, prio);
        self.out.push_back(Output::Alert(Alert::Instance {
            name: name.clone(),
            state: to,
        }));
        self.out
            .push_back(Output::Fifo(fifo_line("INSTANCE", &name, word, prio)));
        if let Some(g) = self.slots[i].group {
            let all = self.groups[g]
                .members
                .iter()
                .all(|&m| self.slots[m].fsm.state() == to);
            if all && self.groups[g].state != Some(to) {
                self.groups[g].state = Some(to);
                let group = &self.groups[g];
                tracing::info!(
                    "VRRP_Group({}) Syncing instances to {word} state",
                    group.name
                );
                notify(&mut self.out, &group.notify, "GROUP", &group.name, to, 0);
                self.out.push_back(Output::Alert(Alert::Group {
                    name: group.name.clone(),
                    state: to,
                }));
                self.out
                    .push_back(Output::Fifo(fifo_line("GROUP", &group.name, word, 0)));
            }
        }
    }
}

/// keepalived's notify scripts: the state's own script without arguments,
/// and the generic one with `INSTANCE|GROUP name STATE prio`.
pub(super) fn notify(
    out: &mut VecDeque<Output>,
    n: &Notify,
    kind: &str,
    name: &str,
    to: State,
    prio: u8,
) {
    let own = match to {
        State::Master => n.master.as_ref(),
        State::Backup => n.backup.as_ref(),
        State::Fault => n.fault.as_ref(),
        State::Stopped => n.stop.as_ref(),
        State::Init => None,
    };
    if let Some(s) = own {
        out.push_back(Output::Notify {
            script: s.clone(),
            args: vec![],
        });
    }
    if let Some(s) = &n.any {
        out.push_back(Output::Notify {
            script: s.clone(),
            args: vec![
                kind.to_string(),
                name.to_string(),
                state_word(to).to_string(),
                prio.to_string(),
            ],
        });
    }
}
