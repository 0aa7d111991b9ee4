//! kad's operator commands for VRRP instances, handed to the node
//! (`kad_vrrp::node::operator` holds their rules).

use super::Engine;
use kactl::{Done, Operator, Overrides, Response};

impl Engine {
    /// The overrides from the state file, before `run`.
    pub fn set_overrides(&mut self, o: &Overrides) {
        for p in &o.priorities {
            if self.node.set_override(&p.instance, p.priority) {
                tracing::info!(
                    "({}) operator priority {} (from the state file{})",
                    p.instance,
                    p.priority,
                    if p.failover { ", failover" } else { "" }
                );
            } else {
                tracing::warn!(
                    "override: vrrp_instance {} is not in the configuration",
                    p.instance
                );
            }
        }
    }

    pub(super) fn operator(&mut self, op: Operator) -> Response {
        let now = self.now();
        let r = match op {
            Operator::Priority { instance, priority } => {
                self.node.operator_priority(now, &instance, priority)
            }
            Operator::Failover { instance } => self.node.operator_failover(now, &instance),
            _ => Err("not a VRRP command".into()),
        };
        match r {
            Ok(done) => Response::Done(Done {
                done,
                lines: vec![],
                ok: true,
            }),
            Err(error) => Response::Error { error },
        }
    }
}
