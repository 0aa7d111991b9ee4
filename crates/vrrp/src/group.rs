//! `vrrp_sync_group`: members move together (keepalived's `vrrp_sync.c`).
//! A member's transition becomes an input for the others — MASTER pulls the
//! group to MASTER, leaving MASTER pushes it to BACKUP — and a fault of any
//! member is a fault of every member until all have recovered.

use crate::fsm::{Input, State};

/// What the other members must be told after one member went `from` → `to`.
pub fn follow(from: State, to: State) -> Option<Input> {
    match (from, to) {
        (_, State::Master) => Some(Input::GroupMaster),
        (State::Master, State::Backup) => Some(Input::GroupBackup),
        _ => None,
    }
}

/// The fault each member runs with: its own, or any other member's.
pub fn faults(own: &[bool]) -> Vec<bool> {
    let any = own.iter().any(|f| *f);
    vec![any; own.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_follow() {
        assert_eq!(
            follow(State::Backup, State::Master),
            Some(Input::GroupMaster)
        );
        assert_eq!(
            follow(State::Master, State::Backup),
            Some(Input::GroupBackup)
        );
        assert_eq!(follow(State::Init, State::Backup), None);
        assert_eq!(faults(&[false, true, false]), vec![true, true, true]);
        assert_eq!(faults(&[false, false]), vec![false, false]);
    }
}
