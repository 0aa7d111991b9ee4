//! MISC_CHECK: the script's exit status. 0 passes, 1 fails; with
//! `misc_dynamic`, 2..255 pass and set the weight to status − 2.

use crate::check::Outcome;

/// `code`: the exit status, None when killed by a signal.
pub fn verdict(code: Option<i32>, dynamic: bool) -> Outcome {
    match code {
        Some(0) => Outcome::Pass,
        Some(c @ 2..=255) if dynamic => Outcome::PassWeight((c - 2) as u32),
        Some(c) => Outcome::Fail(format!("exit status {c}")),
        None => Outcome::Fail("killed by a signal".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(verdict(Some(0), true), Outcome::Pass);
        assert!(!verdict(Some(1), true).is_pass());
        assert_eq!(verdict(Some(2), true), Outcome::PassWeight(0));
        assert_eq!(verdict(Some(255), true), Outcome::PassWeight(253));
        assert!(!verdict(Some(7), false).is_pass());
        assert!(!verdict(None, true).is_pass());
    }
}
