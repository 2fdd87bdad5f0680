//! Gathers what `domain::chat::availability` decides over: the entry point's business hours now
//! and its queue's chat agents and waiting work as the router sees them.

use switchboard_domain::chat::{Availability, ChatCapacity, EntryPoint, availability};
use switchboard_domain::{ChannelKind, OpenHours, Timestamp};

use crate::error::ApiError;
use crate::state::AppState;

/// The chat channel's place in the router's per-channel figures.
fn chat_index() -> usize {
    ChannelKind::ALL
        .iter()
        .position(|c| *c == ChannelKind::Chat)
        .unwrap_or(0)
}

/// Whether `ep` takes chats at `now`.
pub async fn of(s: &AppState, ep: &EntryPoint, now: Timestamp) -> Result<Availability, ApiError> {
    let in_hours = match ep.calendar_id {
        Some(k) => {
            let cal = s.store.calendar(k).await?;
            Some(OpenHours::new(&cal).is_ok_and(|h| h.is_open(now)))
        }
        None => None,
    };
    let capacity = match (&s.router, ep.queue_id) {
        (Some(r), Some(q)) => r.queue_stats(q).await.ok().flatten().map(|st| {
            let c = chat_index();
            ChatCapacity {
                free_agents: st.free.get(c).copied().unwrap_or(0),
                ready_agents: st.ready.get(c).copied().unwrap_or(0),
                waiting: st.waiting,
            }
        }),
        _ => None,
    };
    Ok(availability(ep, in_hours, capacity))
}
