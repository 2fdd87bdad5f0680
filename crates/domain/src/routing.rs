//! A department's routing settings and agents' presence, as stored and shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::ids::UserId;
use crate::time::Timestamp;

/// Longest personalized wait and logout grace, in seconds (one day).
pub const MAX_ROUTING_SECS: u32 = 86_400;

/// How a department's router treats offers, personalized assignment and logouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Channels whose work is assigned at once instead of offered (e.g. inbound email).
    #[serde(default)]
    pub auto_accept: Vec<ChannelKind>,
    /// Seconds new work on a case waits for the agent who last handled the case
    /// (personalized assignment); 0 turns it off.
    #[serde(default)]
    pub personal_wait_secs: u32,
    /// Whether that wait applies while the agent is logged out ("queue if agent not logged
    /// in"); otherwise the work is routed normally at once.
    #[serde(default)]
    pub queue_if_agent_not_logged_in: bool,
    /// Seconds after an agent logs out before their unstarted work returns to its queue.
    #[serde(default = "default_logout_return")]
    pub logout_return_secs: u32,
}

fn default_logout_return() -> u32 {
    300
}

impl Default for RoutingSettings {
    fn default() -> Self {
        RoutingSettings {
            auto_accept: Vec::new(),
            personal_wait_secs: 0,
            queue_if_agent_not_logged_in: false,
            logout_return_secs: default_logout_return(),
        }
    }
}

impl RoutingSettings {
    /// Checks the bounds and removes repeated channels.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        for (field, v) in [
            ("personal_wait_secs", self.personal_wait_secs),
            ("logout_return_secs", self.logout_return_secs),
        ] {
            if v > MAX_ROUTING_SECS {
                return Err(ValidationError::new(
                    field,
                    format!("at most {MAX_ROUTING_SECS} seconds"),
                ));
            }
        }
        self.auto_accept.sort();
        self.auto_accept.dedup();
        Ok(self)
    }
}

/// Whether an agent is logged in to routing and ready for work, per channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Presence {
    /// The agent.
    pub user_id: UserId,
    /// Logged in to routing (may hold work).
    pub logged_in: bool,
    /// Per channel: ready for new work. A channel not listed is not ready.
    pub ready: BTreeMap<ChannelKind, bool>,
    /// Why not ready (e.g. "break", or "missed an offer" when an offer timed out).
    pub reason: Option<String>,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Presence {
    /// Logged out, ready on nothing.
    pub fn logged_out(user_id: UserId, at: Timestamp) -> Presence {
        Presence {
            user_id,
            logged_in: false,
            ready: BTreeMap::new(),
            reason: None,
            updated_at: at,
        }
    }
}
