//! FILE_CHECK: a `track_file`'s value. With weight 0 the server is up
//! while the file holds 0; otherwise value × weight (negated by
//! `reverse`) at −254 or below is down, and with `dynamic` the real
//! server's weight moves by that amount. The value itself is read by
//! `kad_script::track_file`, which VRRP's track_file shares.

use crate::check::Outcome;

pub fn verdict(value: i64, weight: i32, reverse: bool, dynamic: bool, configured: u32) -> Outcome {
    if weight == 0 {
        return if value == 0 {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("track file value {value}"))
        };
    }
    let mut d = value.saturating_mul(i64::from(weight));
    if reverse {
        d = -d;
    }
    if d <= -254 {
        return Outcome::Fail(format!("track file value {value}"));
    }
    if dynamic {
        let w = (i64::from(configured) + d).clamp(0, i64::from(u16::MAX)) as u32;
        return Outcome::PassWeight(w);
    }
    Outcome::Pass
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_verdicts() {
        assert_eq!(verdict(0, 0, false, false, 1), Outcome::Pass);
        assert!(!verdict(1, 0, false, false, 1).is_pass());
        assert!(!verdict(-254, 1, false, false, 1).is_pass());
        assert!(!verdict(254, 1, true, false, 1).is_pass());
        assert_eq!(verdict(5, 2, false, true, 10), Outcome::PassWeight(20));
        assert_eq!(verdict(-5, 4, false, true, 10), Outcome::PassWeight(0));
    }
}
