//! Agents' events: changes of an agent's own state rather than of an activity, kept in their
//! own log. Stored like activity events: the kind's stable name, its version and the details as
//! JSON (`docs/events.md`, "Agents").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channel::ChannelKind;
use crate::routing::Presence;

/// What kind of change an agent event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentEventKind {
    /// The agent logged in or out, or became ready or not ready (perhaps for a reason).
    PresenceChanged,
}

impl AgentEventKind {
    /// Every kind.
    pub const ALL: [AgentEventKind; 1] = [AgentEventKind::PresenceChanged];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentEventKind::PresenceChanged => "presence_changed",
        }
    }

    /// The version of the kind's details this build writes.
    pub fn version(self) -> u16 {
        1
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<AgentEventKind> {
        AgentEventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// `presence_changed`: the agent's presence after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenceChanged {
    /// Logged in to routing.
    pub logged_in: bool,
    /// Per channel: ready for new work.
    #[serde(default)]
    pub ready: BTreeMap<ChannelKind, bool>,
    /// Why not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl PresenceChanged {
    /// The details of presence `p`.
    pub fn of(p: &Presence) -> PresenceChanged {
        PresenceChanged {
            logged_in: p.logged_in,
            ready: p.ready.clone(),
            reason: p.reason.clone(),
        }
    }
}
