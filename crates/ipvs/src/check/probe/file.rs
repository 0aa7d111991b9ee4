//! FILE_CHECK: read the track file's value now.

use super::Spec;
use crate::check::verdict::file::verdict;
use crate::check::Outcome;
use kad_script::track_file::value;

pub async fn probe(spec: &Spec, weight: i32, reverse: bool, dynamic: bool) -> Outcome {
    let Some(path) = &spec.file else {
        return Outcome::Fail("no such track_file".into());
    };
    // A missing file reads as 0, as keepalived's track files.
    let v = match tokio::fs::read(path).await {
        Ok(b) => value(&String::from_utf8_lossy(&b[..b.len().min(64)])),
        Err(_) => 0,
    };
    verdict(v, weight, reverse, dynamic, spec.configured_weight)
}
