//! Gathers what `domain::chat::availability` decides over: the entry point's business hours now
//! and its queue's agents and waiting work on the entry point's channel as the router sees them;
//! for a delayed callback, the times left to offer. And the wait a new request can expect.

use switchboard_domain::callback::{TimeRules, times};
use switchboard_domain::chat::{
    Availability, ChatCapacity, EntryPoint, EntryPointKind, availability, delayed_availability,
};
use switchboard_domain::{ChannelKind, OpenHours, Timestamp};

use crate::error::ApiError;
use crate::state::AppState;

/// A channel's place in the router's per-channel figures.
fn index(c: ChannelKind) -> usize {
    c.index()
}

/// The entry point's business hours, when it has some.
async fn hours(s: &AppState, ep: &EntryPoint) -> Result<Option<OpenHours>, ApiError> {
    match ep.calendar_id {
        Some(k) => Ok(OpenHours::new(&s.store.calendar(k).await?).ok()),
        None => Ok(None),
    }
}

/// The times a delayed callback of `ep` may be asked for at `now` (none for other kinds).
pub async fn callback_times(
    s: &AppState,
    ep: &EntryPoint,
    now: Timestamp,
) -> Result<Vec<Timestamp>, ApiError> {
    if ep.kind != EntryPointKind::DelayedCallback {
        return Ok(Vec::new());
    }
    let settings = s.store.callback_settings(ep.department_id).await?;
    let open = hours(s, ep).await?;
    let rules = TimeRules {
        open: open.as_ref(),
        lead_minutes: settings.lead_minutes,
        horizon_days: settings.horizon_days,
    };
    Ok(times(&rules, now))
}

/// Whether `ep` takes chats (or callback requests) at `now`; `times` are a delayed callback's.
pub async fn of_with(
    s: &AppState,
    ep: &EntryPoint,
    now: Timestamp,
    times: &[Timestamp],
) -> Result<Availability, ApiError> {
    if ep.kind == EntryPointKind::DelayedCallback {
        return Ok(delayed_availability(ep, !times.is_empty()));
    }
    let in_hours = hours(s, ep).await?.map(|h| h.is_open(now));
    // A calendar that no longer validates keeps the entry point closed.
    let in_hours = match (ep.calendar_id, in_hours) {
        (Some(_), None) => Some(false),
        (_, h) => h,
    };
    let capacity = match (&s.router, ep.queue_id) {
        (Some(r), Some(q)) => r.queue_stats(q).await.ok().flatten().map(|st| {
            let c = index(ep.kind.channel());
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

/// Whether `ep` takes chats (or an immediate callback request) at `now`.
pub async fn of(s: &AppState, ep: &EntryPoint, now: Timestamp) -> Result<Availability, ApiError> {
    let times = callback_times(s, ep, now).await?;
    of_with(s, ep, now, &times).await
}

/// The seconds a request entering `ep`'s queue now can expect to wait, from the queue's recent
/// pace; `None` when the router has no measure yet.
pub async fn expected_wait_secs(s: &AppState, ep: &EntryPoint) -> Option<u64> {
    let (Some(r), Some(q)) = (&s.router, ep.queue_id) else {
        return None;
    };
    let st = r.queue_stats(q).await.ok().flatten()?;
    if st.service_rate <= 0.0 {
        return None;
    }
    let secs = (st.waiting as f64 + 1.0) / st.service_rate;
    secs.is_finite().then(|| secs.round().max(0.0) as u64)
}

/// The 409 of a start the entry point does not take now (`code`: `chat_unavailable`,
/// `callback_unavailable`), naming why.
pub fn refused(code: &'static str, what: &str, why: Availability) -> ApiError {
    let why = serde_json::to_value(why)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        code,
        format!("the entry point takes no {what} now ({why})"),
    )
}
