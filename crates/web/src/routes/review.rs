//! Reviewing held replies: approve (perhaps edited) and send, or reject with a comment.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use switchboard_app::review::ReviewDecision;
use switchboard_domain::{Access, Activity, ActivityId, Resource};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};

/// A reviewer's decision on a reply waiting for review.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `approve` (send it) or `reject` (return it to its author).
    pub decision: Decision,
    /// Why (required to reject; a note for the author when approving).
    #[serde(default)]
    pub comment: Option<String>,
    /// Approve with this subject instead.
    #[serde(default)]
    pub subject: Option<String>,
    /// Approve with this text body instead.
    #[serde(default)]
    pub text: Option<String>,
    /// Approve with this HTML body instead.
    #[serde(default)]
    pub html: Option<String>,
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Send the reply.
    Approve,
    /// Do not send it.
    Reject,
}

/// `POST /activities/{id}/review` on a held reply's outbound activity. Agents review only what
/// they hold; supervisors and administrators any reply of the review queues.
pub async fn review(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    let id = ActivityId(id);
    caller
        .require_holder(&s.store, id, "review this reply")
        .await?;
    let limit = |field: &str, v: &Option<String>, max: usize| -> ApiResult<()> {
        match v {
            Some(t) if t.len() > max => Err(ApiError::from(
                switchboard_domain::ValidationError::new(field, format!("at most {max} bytes")),
            )),
            _ => Ok(()),
        }
    };
    limit("comment", &body.comment, 64 * 1024)?;
    limit("subject", &body.subject, 2000)?;
    limit(
        "text",
        &body.text,
        switchboard_domain::email::MAX_REPLY_BODY,
    )?;
    limit(
        "html",
        &body.html,
        switchboard_domain::email::MAX_REPLY_BODY,
    )?;
    let decision = match body.decision {
        Decision::Approve => ReviewDecision::Approve {
            subject: body.subject,
            text: body.text,
            html: body.html.as_deref().map(super::emails::agent_html),
            comment: body.comment,
        },
        Decision::Reject => {
            if body.subject.is_some() || body.text.is_some() || body.html.is_some() {
                return Err(ApiError::from(switchboard_domain::ValidationError::new(
                    "decision",
                    "edits are for approval; a rejected reply goes back unchanged",
                )));
            }
            ReviewDecision::Reject {
                comment: body.comment.unwrap_or_default(),
            }
        }
    };
    let done = s.app.review(id, decision, caller.actor(), now()).await?;
    Ok(Json(done.outbound))
}

switchboard_domain::refers_nothing!(ReviewBody);
