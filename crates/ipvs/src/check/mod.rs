//! Health checking: the pure core (`checker`, `health`) that turns probe
//! results and time into real-server and quorum state, the pure verdicts
//! of each probe type (`verdict`), and the tokio probes (`probe`).

pub mod checker;
pub mod health;
pub mod probe;
pub mod verdict;

pub use checker::{Micros, Outcome};
pub use health::{Action, Admin, CheckId, Health};
