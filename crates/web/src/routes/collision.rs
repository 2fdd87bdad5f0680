//! Two people on one activity: who holds it and who else has it open or is typing
//! (`POST /activities/{id}/viewers`, said by each open page every few seconds), and a supervisor
//! taking work over from its holder (`POST /activities/{id}/take-over`), who is told at once.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchboard_domain::{Access, Activity, ActivityAction, ActivityId, Resource, UserId};
use switchboard_services::routing::{Notice, NoticeKind, actions};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};
use crate::viewers::Viewer;

/// What an open activity page says.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Viewing {
    /// Whether the viewer is typing now.
    #[serde(default)]
    pub typing: bool,
    /// The page is closing (the viewer leaves).
    #[serde(default)]
    pub left: bool,
}

switchboard_domain::refers_nothing!(Viewing);

/// Who is on the activity besides the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnActivity {
    /// Who holds it now (none while it waits).
    pub holder: Option<Viewer>,
    /// Who else has it open, and whether they type.
    pub viewers: Vec<Viewer>,
    /// The activity's version now (a page on an older one is out of date).
    pub version: i64,
}

/// `POST /activities/{id}/viewers`: the caller has the activity open (typing or not); answers
/// its holder and who else is there.
pub async fn viewers(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<Viewing>,
) -> ApiResult<Json<OnActivity>> {
    caller.require(Access::Read, Resource::Activities)?;
    let a = s.store.activity(ActivityId(id)).await?;
    let me = &caller.user;
    let viewers = if body.left {
        s.viewers.left(a.id, me.id);
        Vec::new()
    } else {
        s.viewers
            .seen(a.id, me.id, &me.name, body.typing, Instant::now())
    };
    let holder = match a.assignee_id {
        Some(u) => Some(Viewer {
            user_id: u,
            name: s.store.user(u).await.map(|u| u.name).unwrap_or_default(),
            typing: viewers.iter().any(|v| v.user_id == u && v.typing),
        }),
        None => None,
    };
    Ok(Json(OnActivity {
        holder,
        viewers,
        version: a.version,
    }))
}

/// `POST /activities/{id}/take-over`: a supervisor or administrator takes work someone else
/// holds; the holder is told at once (the `taken_over` notice names who). 409 `not_held` when
/// nobody else holds it; agents may not (403).
pub async fn take_over(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Activity>> {
    caller.require(Access::Write, Resource::Activities)?;
    if !caller.user.role.oversees() {
        return Err(ApiError::forbidden(
            "take work over (supervisors and administrators do; ask one, or ask the holder to transfer it)",
        ));
    }
    let id = ActivityId(id);
    let a = s.store.activity(id).await?;
    let Some(holder) = a.assignee_id.filter(|h| *h != caller.user.id) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_held",
            "nobody else holds this activity",
        ));
    };
    let me: UserId = caller.user.id;
    let done = actions::act(
        s.router.as_ref(),
        &s.store,
        id,
        ActivityAction::Assign { agent_id: me },
        Some(a.version),
        caller.actor(),
        now(),
    )
    .await?;
    if let Some(router) = &s.router {
        router.announce(Notice {
            agent: holder,
            kind: NoticeKind::TakenOver,
            activity: Some(id),
            expires_at: None,
            reason: Some(caller.user.name.clone()),
            case: None,
        });
    }
    s.app.chat_transferred(&done, now()).await?;
    Ok(Json(done))
}
