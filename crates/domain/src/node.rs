//! The nodes of a cluster: each running instance reports itself (its address, version, start)
//! every few seconds, so the others can reach the holder of a singleton service's lease and the
//! system console can show who is there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::time::Timestamp;

/// Whether a node takes traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Serving requests and running the services it holds leases for.
    Ready,
    /// Shutting down: its leases released, its requests finishing.
    Draining,
    /// Stopped cleanly.
    Stopped,
}

impl NodeState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Ready => "ready",
            NodeState::Draining => "draining",
            NodeState::Stopped => "stopped",
        }
    }

    /// From the stored name; an unknown one reads as stopped.
    pub fn parse(s: &str) -> NodeState {
        match s {
            "ready" => NodeState::Ready,
            "draining" => NodeState::Draining,
            _ => NodeState::Stopped,
        }
    }
}

/// A running (or lately running) instance of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Node {
    /// The instance's lease holder name (its node name and an instance mark).
    pub holder: String,
    /// The node's configured name.
    pub name: String,
    /// The base URL other nodes reach it at.
    pub address: String,
    /// Its version.
    pub version: String,
    /// When it started.
    pub started_at: Timestamp,
    /// When it last reported itself.
    pub seen_at: Timestamp,
    /// What it said it was doing.
    pub state: NodeState,
}

impl Node {
    /// Whether it reported itself ready within `window_ms` of `now` (a node that stops
    /// reporting is dead or cut off).
    pub fn alive(&self, now: Timestamp, window_ms: i64) -> bool {
        self.state == NodeState::Ready && now.millis() - self.seen_at.millis() <= window_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_silence_means_dead() {
        for s in [NodeState::Ready, NodeState::Draining, NodeState::Stopped] {
            assert_eq!(NodeState::parse(s.as_str()), s);
        }
        let n = Node {
            holder: "a:1".into(),
            name: "a".into(),
            address: "http://127.0.0.1:1".into(),
            version: "0".into(),
            started_at: Timestamp::from_millis(0),
            seen_at: Timestamp::from_millis(1_000),
            state: NodeState::Ready,
        };
        assert!(n.alive(Timestamp::from_millis(3_000), 2_000));
        assert!(!n.alive(Timestamp::from_millis(3_001), 2_000));
        let draining = Node {
            state: NodeState::Draining,
            ..n
        };
        assert!(!draining.alive(Timestamp::from_millis(1_000), 2_000));
    }
}
