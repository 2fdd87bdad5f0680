//! The time-outs of a chat, decided over its state at a moment: a customer who stops answering
//! is warned, then the chat closes; a silent agent is nudged (the customer is told, the
//! supervisor sees it in the conversation); a waiting customer whose page is gone past the
//! grace period abandoned the chat; a chat moved out of its queue for waiting too long (into the
//! exception queue) or abandoned by the router ends, and its customer is told.

use super::entry_point::ChatTimeouts;
use super::session::{Chat, ChatState};
use crate::lifecycle::ActivityStatus;
use crate::time::Timestamp;

/// What the watch saw of a chat besides its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Its activity's status.
    pub status: ActivityStatus,
    /// Whether it waits in its department's exception queue (it waited too long, or its queue
    /// went away).
    pub in_exception_queue: bool,
    /// Whether the customer's page is connected now.
    pub connected: bool,
    /// Since when the customer's page has been gone (when it is not connected).
    pub gone_since: Timestamp,
}

/// What to do about a chat now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nudge {
    /// Tell the silent customer the chat will close.
    WarnCustomer,
    /// Close the chat: the customer stayed silent.
    CloseInactive,
    /// Tell the customer the agent will be back with them; the supervisor sees it.
    AgentSilent,
    /// The waiting customer left: end (and abandon) the chat.
    CustomerGone,
    /// Nobody could take the chat in time: end it and tell the customer.
    NotTaken,
}

/// The warning a silent customer reads.
pub const WARN_CUSTOMER: &str =
    "Are you still there? The chat will close soon if we do not hear from you.";
/// What the customer reads when their agent has been silent a while.
pub const AGENT_SILENT: &str =
    "Your agent will be with you again in a moment. Thank you for waiting.";

fn secs(a: Timestamp, b: Timestamp) -> i64 {
    (a.millis() - b.millis()) / 1000
}

/// Decides what `chat` (with `seen`) needs at `now` under `t`; at most one thing at a time.
pub fn watch(chat: &Chat, seen: Seen, t: &ChatTimeouts, now: Timestamp) -> Option<Nudge> {
    if chat.ended.is_some() {
        return None;
    }
    if seen.status.is_final() || seen.in_exception_queue {
        return Some(Nudge::NotTaken);
    }
    match chat.state(seen.status) {
        ChatState::Ended => None,
        ChatState::Waiting => (!seen.connected
            && secs(now, seen.gone_since) >= i64::from(t.abandon_grace_secs))
        .then_some(Nudge::CustomerGone),
        ChatState::Talking => talking(chat, t, now),
    }
}

/// Whether the agent of a chat was found silent (the customer was told) and has not written to
/// the customer since: the supervisor's monitor flags it.
pub fn agent_silent(chat: &Chat) -> bool {
    chat.agent_nudged_at
        .is_some_and(|n| chat.agent_seen_at.is_none_or(|a| a < n))
}

fn talking(chat: &Chat, t: &ChatTimeouts, now: Timestamp) -> Option<Nudge> {
    let customer = chat.customer_seen_at;
    match chat.agent_seen_at {
        // The agent wrote last: the customer owes an answer.
        Some(agent) if agent > customer => {
            let silent = secs(now, agent);
            if silent >= i64::from(t.customer_inactivity_secs) {
                Some(Nudge::CloseInactive)
            } else if silent >= i64::from(t.customer_warning_secs)
                && chat.customer_warned_at.is_none_or(|w| w < agent)
            {
                Some(Nudge::WarnCustomer)
            } else {
                None
            }
        }
        // The customer wrote last (or nobody wrote since the agent came): the agent owes one.
        _ => {
            let since = chat.agent_seen_at.map_or(customer, |a| a.max(customer));
            (secs(now, since) >= i64::from(t.agent_inactivity_secs)
                && chat.agent_nudged_at.is_none_or(|n| n < since))
            .then_some(Nudge::AgentSilent)
        }
    }
}
