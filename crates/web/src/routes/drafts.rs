//! Saved reply drafts (`/activities/{id}/draft`): the composer saves the body and recipients as
//! the agent types and the files as they are picked; the reply that sends it removes it. Only
//! whoever may answer the activity reads or writes its draft.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::{Access, ActivityId, DraftText, Resource, SavedDraft};
use utoipa::ToSchema;

use super::emails::agent_html;
use super::files::{ReplyAttachment, blob, download, store_files};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id, number};
use crate::state::{AppState, now};

/// The body of `POST /activities/{id}/draft/attachments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftFiles {
    /// The files to add.
    pub attachments: Vec<ReplyAttachment>,
}

/// The caller may answer `id`: they read or write its draft.
async fn answering(
    s: &AppState,
    caller: &Caller,
    id: i64,
    access: Access,
) -> ApiResult<ActivityId> {
    caller.require(access, Resource::Activities)?;
    let activity = ActivityId(id);
    caller
        .require_holder(&s.store, activity, "draft a reply to this activity")
        .await?;
    Ok(activity)
}

/// `GET /activities/{id}/draft`: the saved draft, 404 when none was saved.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<SavedDraft>> {
    let activity = answering(&s, &caller, id, Access::Read).await?;
    s.store.draft(activity).await?.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("activity {id} has no saved draft"),
        )
    })
}

/// `PUT /activities/{id}/draft`: saves the body and recipients (HTML sanitized as a reply's
/// would be); the files stay.
pub async fn put(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(mut body): ApiJson<DraftText>,
) -> ApiResult<Json<SavedDraft>> {
    let activity = answering(&s, &caller, id, Access::Write).await?;
    body.html = body.html.as_deref().map(agent_html);
    let d = s
        .store
        .save_draft(activity, body.validate()?, Some(caller.user.id), now())
        .await?;
    Ok(Json(d))
}

/// `DELETE /activities/{id}/draft`: throws the draft away.
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    let activity = answering(&s, &caller, id, Access::Write).await?;
    s.store.discard_draft(activity).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /activities/{id}/draft/attachments`: adds files to the draft.
pub async fn add_files(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<DraftFiles>,
) -> ApiResult<Json<SavedDraft>> {
    let activity = answering(&s, &caller, id, Access::Write).await?;
    if body.attachments.is_empty() {
        return Err(ApiError::malformed("no files to add").field("attachments"));
    }
    let files = store_files(&s, &body.attachments).await?;
    let d = s
        .store
        .add_draft_attachments(activity, files, Some(caller.user.id), now())
        .await?;
    Ok(Json(d))
}

/// `DELETE /activities/{id}/draft/attachments/{n}`: removes file `n` (from 0).
pub async fn remove_file(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Json<SavedDraft>> {
    let activity = answering(&s, &caller, number(&id, "activity")?, Access::Write).await?;
    let n = usize::try_from(number(&n, "draft attachment")?).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such draft attachment",
        )
    })?;
    let d = s
        .store
        .remove_draft_attachment(activity, n, Some(caller.user.id), now())
        .await?;
    Ok(Json(d))
}

/// `GET /activities/{id}/draft/attachments/{n}/content`: file `n` of the draft.
pub async fn file(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<Response> {
    let activity = answering(&s, &caller, number(&id, "activity")?, Access::Read).await?;
    let n = number(&n, "draft attachment")?;
    let f = s
        .store
        .draft(activity)
        .await?
        .and_then(|d| d.attachments.into_iter().nth(usize::try_from(n).ok()?))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("the draft has no attachment {n}"),
            )
        })?;
    let bytes = blob(&s, f.blob.clone()).await?;
    Ok(download(&f.name, &f.content_type, bytes))
}

switchboard_domain::refers_nothing!(DraftFiles);
