//! UDP_CHECK: the reply's length and its `require_reply` pattern (`xx`
//! bytes match anything).

use kad_config::model::PatternByte;

pub fn verdict(
    reply: &[u8],
    pattern: Option<&[PatternByte]>,
    min_len: u32,
    max_len: u32,
) -> Result<(), String> {
    let n = reply.len() as u32;
    if n < min_len || n > max_len {
        return Err(format!("reply of {n} bytes, not {min_len}..={max_len}"));
    }
    if let Some(p) = pattern {
        if reply.len() < p.len() {
            return Err("reply shorter than require_reply".into());
        }
        if let Some(i) = p
            .iter()
            .zip(reply)
            .position(|(want, got)| want.is_some_and(|w| w != *got))
        {
            return Err(format!("reply differs from require_reply at byte {i}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_with_wildcards() {
        let p = [Some(0x01), None, Some(0x03)];
        assert!(verdict(&[1, 9, 3, 4], Some(&p), 0, 255).is_ok());
        assert!(verdict(&[1, 9, 4], Some(&p), 0, 255).is_err());
        assert!(verdict(&[1, 9], Some(&p), 0, 255).is_err());
        assert!(verdict(&[1; 10], None, 11, 255).is_err());
        assert!(verdict(&[1; 10], None, 0, 9).is_err());
    }
}
