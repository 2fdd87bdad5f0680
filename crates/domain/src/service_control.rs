//! What administrators ask of a cluster's singleton services (the system console): stop one
//! everywhere, start it again, or move it to a node — its holder lets the lease go and only that
//! node may take it, until it has (the move is then over) or for a while at most (should that
//! node not take it), so a move never keeps a service from failing over for long.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::time::Timestamp;

/// How long at most a move holds the other nodes back, in milliseconds (it ends sooner, once
/// its node holds the lease).
pub const MOVE_HOLDS_MS: i64 = 30_000;

/// A service's control as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceControl {
    /// The service (its lease's name).
    pub name: String,
    /// Stopped on every node.
    pub stopped: bool,
    /// The node it is moving to, while the move holds.
    pub move_to: Option<String>,
    /// Until when only `move_to` may take it.
    pub move_until: Option<Timestamp>,
}

impl ServiceControl {
    /// No control: runs wherever its lease is held.
    pub fn free(name: &str) -> ServiceControl {
        ServiceControl {
            name: name.to_string(),
            stopped: false,
            move_to: None,
            move_until: None,
        }
    }

    /// Whether node `node` may hold (or keep) the service at `now`.
    pub fn may_run_on(&self, node: &str, now: Timestamp) -> bool {
        if self.stopped {
            return false;
        }
        match (&self.move_to, self.move_until) {
            (Some(to), Some(until)) if until > now => to == node,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopped_runs_nowhere_and_a_move_holds_the_others_back_for_a_while() {
        let t = Timestamp::from_millis;
        assert!(ServiceControl::free("router").may_run_on("a", t(0)));
        let stopped = ServiceControl {
            stopped: true,
            ..ServiceControl::free("router")
        };
        assert!(!stopped.may_run_on("a", t(0)));
        let moving = ServiceControl {
            move_to: Some("b".into()),
            move_until: Some(t(1_000)),
            ..ServiceControl::free("router")
        };
        assert!(!moving.may_run_on("a", t(999)));
        assert!(moving.may_run_on("b", t(999)));
        assert!(moving.may_run_on("a", t(1_000)), "the move no longer holds");
    }
}
