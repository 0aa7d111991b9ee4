//! TCP_CHECK: the connection is established.

use super::Spec;
use crate::check::Outcome;

pub async fn probe(spec: &Spec) -> Outcome {
    match super::connect::tcp(spec).await {
        Ok(_) => Outcome::Pass,
        Err(e) => Outcome::Fail(e),
    }
}
