//! `/api/v1/cases/{id}/notes`: internal notes on a case, never sent to the customer. Anyone who
//! may read the case reads them; supervisors and administrators write them, and agents on a
//! case where they hold some work. A mention must name a colleague who can see the case; they
//! are told on their event stream.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use switchboard_domain::case_note::CaseNote;
use switchboard_domain::{Access, CaseId, Resource};
use switchboard_store::{ActivityFilter, PageRequest};

use super::activities::NoteBody;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::{AppState, now};

/// Most of a case's activities looked through for the caller's work.
const CASE_WORK: u32 = 200;

/// Whether `caller` may write on case `id`: a supervisor or administrator, or an agent holding
/// one of its activities.
pub async fn may_note(s: &AppState, caller: &Caller, id: CaseId) -> ApiResult<bool> {
    if caller.user.role.oversees() {
        return Ok(true);
    }
    let f = ActivityFilter {
        case_id: Some(id),
        assignee_id: Some(caller.user.id),
        ..ActivityFilter::default()
    };
    let held = s
        .store
        .list_activities(&caller.scope, &f, &PageRequest::first(CASE_WORK))
        .await?
        .items;
    Ok(held.iter().any(|a| {
        !matches!(
            a.status,
            switchboard_domain::ActivityStatus::Completed
                | switchboard_domain::ActivityStatus::Abandoned
        )
    }))
}

/// The case's notes, oldest first.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Vec<CaseNote>>> {
    caller.require(Access::Read, Resource::Cases)?;
    let case = s.store.case(CaseId(id)).await?;
    Ok(Json(s.store.case_notes(case.id).await?))
}

/// Adds a note (201 with the note and whom it mentions).
pub async fn add(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<CaseNote>)> {
    caller.require(Access::Write, Resource::Cases)?;
    let case = s.store.case(CaseId(id)).await?;
    if !may_note(&s, &caller, case.id).await? {
        return Err(ApiError::forbidden(
            "note on this case (agents note on cases where they hold work)",
        ));
    }
    let owner = s.store.department(case.department_id).await?;
    let visible = |d| d == owner.id || owner.shared_with.contains(&d);
    let note = s
        .app
        .add_case_note(case.id, &body.text, Some(caller.user.id), visible, now())
        .await?;
    if let Some(router) = &s.router {
        for u in &note.mentions {
            router.announce(switchboard_services::routing::Notice {
                agent: *u,
                kind: switchboard_services::routing::NoticeKind::Mentioned,
                activity: None,
                expires_at: None,
                reason: Some(caller.user.name.clone()),
                case: Some(case.id),
            });
        }
    }
    Ok((StatusCode::CREATED, Json(note)))
}
