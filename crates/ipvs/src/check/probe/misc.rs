//! MISC_CHECK: run `misc_path` (killed with its process group after
//! `misc_timeout`).

use crate::check::verdict::misc::verdict;
use crate::check::Outcome;
use kad_config::model::MiscCheck;

pub async fn probe(m: &MiscCheck) -> Outcome {
    match kad_script::exec::run(&m.script, m.timeout).await {
        Ok(code) => verdict(code, m.dynamic),
        Err(e) => Outcome::Fail(e),
    }
}
