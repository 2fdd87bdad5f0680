//! A callback on its activity page: whom to call and the number as a `tel:` link (the agent's
//! phone system dials; the server never does), the department's softphone or CTI link when it
//! has one, the time the customer asked for on their own clock, the attempts so far, and — for
//! whoever holds it — the form that records how the call went (`app.js` posts it).

use switchboard_domain::callback::{CallOutcome, Callback, CallbackState, mail, softphone_link};
use switchboard_domain::{Activity, ActivityStatus};
use switchboard_store::StoreError;

use super::page::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;

/// A callback as its page shows it.
pub struct CallbackPanel {
    /// The record.
    pub callback: Callback,
    /// The number as a `tel:` link.
    pub tel: String,
    /// The department's softphone or CTI link, when it has one.
    pub dial: Option<String>,
    /// The time asked for, on the customer's clock (empty for "now").
    pub requested: String,
    /// When it is due next, on the customer's clock (empty when now or done).
    pub due: String,
    /// The department's maximum attempts.
    pub max_attempts: u8,
    /// The last outcome as people read it (empty before the first call).
    pub last_outcome: String,
    /// Whether the viewer records the call (holds it, and it is pending).
    pub may_record: bool,
    /// `(value, label)` of the outcomes.
    pub outcomes: Vec<(&'static str, &'static str)>,
    /// Where it stands, as people read it.
    pub state: &'static str,
}

/// The panel of `a` when it is a callback.
pub async fn panel(
    s: &AppState,
    viewer: &Viewer,
    a: &Activity,
) -> ApiResult<Option<CallbackPanel>> {
    if !a.channel.is_callback() {
        return Ok(None);
    }
    let callback = match s.store.callback(a.id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let settings = s.store.callback_settings(a.department_id).await?;
    let zone = callback.time_zone.as_deref();
    let in_hand = matches!(
        a.status,
        ActivityStatus::Assigned | ActivityStatus::InProgress | ActivityStatus::Paused
    );
    let may_record = in_hand
        && a.assignee_id == Some(viewer.0.user.id)
        && callback.state == CallbackState::Pending;
    let due = match (callback.state, callback.due_at) {
        (CallbackState::Pending, Some(t)) if callback.attempts > 0 => mail::spoken_time(t, zone),
        _ => String::new(),
    };
    Ok(Some(CallbackPanel {
        tel: format!("tel:{}", callback.phone),
        dial: softphone_link(&settings.dial_link, &callback.phone, a.id.0),
        requested: callback
            .requested_at
            .map(|t| mail::spoken_time(t, zone))
            .unwrap_or_default(),
        due,
        max_attempts: settings.max_attempts,
        last_outcome: callback
            .last_outcome
            .map(|o| {
                o.label()
                    .trim_end_matches('…')
                    .trim_end_matches(" at")
                    .to_string()
            })
            .unwrap_or_default(),
        may_record,
        outcomes: CallOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label()))
            .collect(),
        state: match callback.clone().as_of(a.status).state {
            CallbackState::Pending => "waiting for a call",
            CallbackState::Reached => "reached",
            CallbackState::Unreachable => "unreachable",
            CallbackState::Closed => "closed without a call recorded",
        },
        callback,
    }))
}
