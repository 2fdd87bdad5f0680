//! What a supervisor's agent monitor shows: each agent's state, load per channel and work.

use serde::{Deserialize, Serialize};
use switchboard_domain::{ActivityId, ChannelKind, DepartmentId, QueueId, UserId};

use crate::Router;
use crate::state::CHANNELS;

/// An agent now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    /// The agent.
    pub id: UserId,
    /// Home department.
    pub department_id: DepartmentId,
    /// Logged in to routing.
    pub logged_in: bool,
    /// Per channel (in [`ChannelKind::ALL`] order): ready for work.
    pub ready: [bool; CHANNELS],
    /// Why not ready, if they said.
    pub reason: Option<String>,
    /// Per channel: activities held (offered, assigned, in progress or paused).
    pub load: [u8; CHANNELS],
    /// Per channel: the most they hold at once.
    pub capacity: [u8; CHANNELS],
    /// The activities they hold.
    pub work: Vec<ActivityId>,
}

impl Router {
    /// The queues `agent` serves (may pull from); empty for an unknown agent.
    pub fn queues_of(&self, agent: UserId) -> Vec<QueueId> {
        let Some(a) = self
            .agent_index
            .get(&agent)
            .and_then(|i| self.agents.get(*i))
        else {
            return Vec::new();
        };
        a.queues
            .iter()
            .filter_map(|q| self.queues.get(*q).map(|s| s.rules.id))
            .collect()
    }

    /// Every queue the router knows, in its order.
    pub fn queue_ids(&self) -> Vec<QueueId> {
        self.queues.iter().map(|q| q.rules.id).collect()
    }

    /// Every agent the router knows, in its order.
    pub fn agent_states(&self) -> Vec<AgentState> {
        self.agents
            .iter()
            .map(|a| AgentState {
                id: a.rules.id,
                department_id: a.rules.department_id,
                logged_in: a.logged_in,
                ready: a.ready,
                reason: a.not_ready_reason.clone(),
                load: a.load,
                capacity: a.capacity,
                work: a.tasks.clone(),
            })
            .collect()
    }
}

/// The channel of position `i` in the per-channel arrays.
pub fn channel_at(i: usize) -> Option<ChannelKind> {
    ChannelKind::ALL.get(i).copied()
}
