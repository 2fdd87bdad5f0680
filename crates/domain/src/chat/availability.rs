//! Whether an entry point takes chats now: the widget's button shows only then (otherwise the
//! offline alternative), and the public API gives the same answer to sites that draw their own.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entry_point::EntryPoint;

/// How the entry point's queue stands for chat, as the router sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChatCapacity {
    /// Agents of the queue who could be offered a chat now.
    pub free_agents: usize,
    /// Agents of the queue logged in and ready for chat (free or not).
    pub ready_agents: usize,
    /// Chats (and other work) waiting in the queue.
    pub waiting: usize,
}

/// Whether a chat can start, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Chats can start.
    Open,
    /// The entry point is switched off.
    Inactive,
    /// It names no queue to route chats to.
    NoQueue,
    /// Outside its business hours.
    OutsideHours,
    /// No agent is ready for chat (or the router is not running).
    NoAgents,
    /// Agents are busy and as many chats as allowed already wait.
    QueueFull,
}

impl Availability {
    /// Whether chats can start.
    pub fn is_open(self) -> bool {
        self == Availability::Open
    }
}

/// Decides whether `ep` takes chats: active, with a queue, inside business hours (`in_hours`;
/// `None` when it has no calendar) and with room — an agent free for each waiting chat and this
/// one, or fewer than its `max_waiting` chats waiting while agents are ready. `capacity` is
/// `None` when the router is not running.
pub fn availability(
    ep: &EntryPoint,
    in_hours: Option<bool>,
    capacity: Option<ChatCapacity>,
) -> Availability {
    if !ep.active {
        return Availability::Inactive;
    }
    if ep.queue_id.is_none() {
        return Availability::NoQueue;
    }
    if in_hours == Some(false) {
        return Availability::OutsideHours;
    }
    let Some(cap) = capacity else {
        return Availability::NoAgents;
    };
    if cap.ready_agents == 0 {
        return Availability::NoAgents;
    }
    if cap.free_agents > cap.waiting {
        return Availability::Open;
    }
    let allowed = usize::try_from(ep.max_waiting).unwrap_or(usize::MAX);
    if cap.waiting.saturating_sub(cap.free_agents) < allowed {
        Availability::Open
    } else {
        Availability::QueueFull
    }
}

/// Decides whether a delayed-callback entry point takes requests: active, with a queue, and with
/// a time left to offer (`any_time`: the business hours and horizon leave one).
pub fn delayed_availability(ep: &EntryPoint, any_time: bool) -> Availability {
    if !ep.active {
        return Availability::Inactive;
    }
    if ep.queue_id.is_none() {
        return Availability::NoQueue;
    }
    if any_time {
        Availability::Open
    } else {
        Availability::OutsideHours
    }
}
