//! Email: stored messages (`/emails`), their sanitized HTML and raw source, attachments,
//! delivery exceptions, department hygiene settings, and the reply endpoint
//! (`POST /activities/{id}/reply`, "Send" or "Send & Complete").

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_domain::{
    Access, ActivityId, AttachmentId, DeliveryException, DepartmentId, Direction, Email,
    EmailAddress, EmailId, EmailKind, EmailSettings, NewReply, Outcome, ReplyDraft, Resource,
};
use switchboard_mail::sanitize::{SanitizeOptions, sanitize_html};
use switchboard_store::EmailFilter;
use utoipa::ToSchema;

use super::files::{ReplyAttachment, blob, download, store_files};
use super::{ListResponse, page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id, number};
use crate::state::{AppState, now};

/// Filters of the email list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    alias_id: Option<i64>,
    case_id: Option<i64>,
    activity_id: Option<i64>,
    direction: Option<Direction>,
    outcome: Option<Outcome>,
    kind: Option<EmailKind>,
}

/// Lists stored emails.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Email>>> {
    caller.require(Access::Read, Resource::Activities)?;
    let f = EmailFilter {
        department_id: q.department_id.map(DepartmentId),
        alias_id: q.alias_id.map(switchboard_domain::AliasId),
        case_id: q.case_id.map(switchboard_domain::CaseId),
        activity_id: q.activity_id.map(ActivityId),
        direction: q.direction,
        outcome: q.outcome,
        kind: q.kind,
    };
    Ok(Json(
        s.store
            .list_emails(&caller.scope, &f, &page(q.limit, q.cursor.as_deref())?)
            .await?
            .into(),
    ))
}

/// Reads one email with its attachments' metadata.
pub async fn get(State(s): State<AppState>, caller: Caller, Id(id): Id) -> ApiResult<Json<Email>> {
    caller.require(Access::Read, Resource::Activities)?;
    Ok(Json(s.store.email(EmailId(id)).await?))
}

/// Options of the HTML view.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlQuery {
    /// Load remote images (off by default: they tell the sender the mail was read).
    #[serde(default)]
    remote_images: bool,
}

/// The email's HTML, sanitized: no scripts, no event handlers, no remote content unless asked
/// for, `cid:` images served from the stored attachments. Served with a strict Content Security
/// Policy for display in a sandboxed frame; `X-Blocked-Remote-Images` says how many images were
/// held back.
pub async fn html(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<HtmlQuery>,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Activities)?;
    let email = s.store.email(EmailId(id)).await?;
    let Some(raw) = s.store.email_html(email.id).await? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "this email has no HTML body",
        ));
    };
    let cids: Vec<(String, i64)> = email
        .attachments
        .iter()
        .filter(|a| !a.blocked)
        .filter_map(|a| a.content_id.clone().map(|c| (c, a.id.0)))
        .collect();
    let remote = q.remote_images;
    let clean = tokio::task::spawn_blocking(move || {
        let opts = SanitizeOptions {
            allow_remote_images: remote,
            cid_url: Box::new(move |cid: &str| {
                cids.iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(cid))
                    .map(|(_, id)| format!("/api/v1/attachments/{id}/content"))
            }),
        };
        sanitize_html(&raw, &opts)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let img = if q.remote_images {
        "'self' https: http:"
    } else {
        "'self'"
    };
    let csp = format!(
        "default-src 'none'; img-src {img}; style-src 'unsafe-inline'; sandbox allow-popups allow-popups-to-escape-sandbox"
    );
    let doc = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>{}</body></html>",
        clean.html
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::HeaderName::from_static("x-blocked-remote-images"),
                clean.blocked_remote_images.to_string(),
            ),
        ],
        doc,
    )
        .into_response())
}

/// The raw message as it was received (or as stored for outbound mail), `message/rfc822`.
pub async fn raw(State(s): State<AppState>, caller: Caller, Id(id): Id) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Activities)?;
    let bytes = blob(&s, s.store.email_raw_blob(EmailId(id)).await?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"email-{id}.eml\""),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// An attachment's bytes. Blocked attachments were not kept (410).
pub async fn attachment(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Activities)?;
    let a = s.store.attachment(AttachmentId(id)).await?;
    let bytes = blob(&s, a.blob).await?;
    Ok(download(
        &a.attachment.name,
        &a.attachment.content_type,
        bytes,
    ))
}

/// The body of `POST /activities/{id}/reply`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    /// Text body.
    #[serde(default)]
    pub text: String,
    /// HTML body (optional).
    #[serde(default)]
    pub html: Option<String>,
    /// Recipients (default: the customer's Reply-To or From).
    #[serde(default)]
    pub to: Vec<EmailAddress>,
    /// Copy recipients.
    #[serde(default)]
    pub cc: Vec<EmailAddress>,
    /// Files.
    #[serde(default)]
    pub attachments: Vec<ReplyAttachment>,
    /// "Send & Complete" (true) or "Send" (false).
    #[serde(default)]
    pub complete: bool,
    /// Put the department's standard parts (header, greeting, signature, footer) around the
    /// body (default true); false when the body already holds them, e.g. from the reply draft.
    #[serde(default = "yes")]
    pub compose: bool,
    /// Send the files saved with the activity's draft too (the composer does).
    #[serde(default)]
    pub draft_attachments: bool,
}

fn yes() -> bool {
    true
}

/// An agent's or reviewer's HTML as it may leave: the same sanitizer as customers' mail (no
/// scripts, handlers, forms or frames), remote images kept (the agent put them there).
pub(crate) fn agent_html(html: &str) -> String {
    let opts = SanitizeOptions {
        allow_remote_images: true,
        ..SanitizeOptions::default()
    };
    sanitize_html(html, &opts).html
}

/// Answers an email activity. The reply goes into the outbox in the same transaction as the
/// activity change; 201 with the outbound email. Agents answer only their own activities, and
/// nobody answers work someone else holds (409 `held_by_another`, naming the holder).
pub async fn reply(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Access::Write, Resource::Activities)?;
    let activity = ActivityId(id);
    caller
        .require_holder(&s.store, activity, "answer this activity")
        .await?;
    // One person answers: someone else's work is theirs to answer (or to transfer).
    caller
        .require_sole_holder(
            &s.store,
            activity,
            "activity and answers it; transfer it to yourself first",
        )
        .await?;
    if body.complete {
        super::activities::completable(&s, activity).await?;
    }
    let files = store_files(&s, &body.attachments).await?;
    let r = NewReply {
        text: body.text,
        html: body.html.as_deref().map(agent_html),
        to: body.to,
        cc: body.cc,
        attachments: files,
        complete: body.complete,
        compose: body.compose,
        draft_attachments: body.draft_attachments,
        any_recipient: caller.user.role.oversees() || s.config.agents_write_to_any_address,
    }
    .validate()?;
    let done = s.app.reply(activity, r, caller.actor(), now()).await?;
    let email = s.store.email(done.email_id).await?;
    let mut body = serde_json::to_value(email)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    if let Some(q) = done.review_queue {
        // Held for review: it is sent when a reviewer approves it.
        body["review"] = serde_json::json!({
            "queue_id": q,
            "outbound_activity_id": done.outbound.id,
        });
    }
    Ok((StatusCode::CREATED, Json(body)))
}

/// What the caller's reply composer for an email activity starts from. Agents draft only
/// their own activities.
pub async fn reply_draft(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<ReplyDraft>> {
    caller.require(Access::Read, Resource::Activities)?;
    let activity = ActivityId(id);
    caller
        .require_holder(&s.store, activity, "answer this activity")
        .await?;
    Ok(Json(
        s.app.reply_draft(activity, Some(caller.user.id)).await?,
    ))
}

/// Filters of the delivery exception list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    email_id: Option<i64>,
}

/// Lists delivery exceptions (bounces and permanent send failures).
pub async fn delivery_exceptions(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExceptionQuery>,
) -> ApiResult<Json<ListResponse<DeliveryException>>> {
    caller.require(Access::Read, Resource::Activities)?;
    Ok(Json(
        s.store
            .list_delivery_exceptions(
                &caller.scope,
                q.department_id.map(DepartmentId),
                q.email_id.map(EmailId),
                &page(q.limit, q.cursor.as_deref())?,
            )
            .await?
            .into(),
    ))
}

/// Filters of the list of messages being retried.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryingQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

/// Lists queued messages whose last attempt failed for now and that are being retried, with
/// the last error (supervisors and administrators).
pub async fn retrying(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RetryingQuery>,
) -> ApiResult<Json<ListResponse<switchboard_domain::RetryingMessage>>> {
    caller.require(Access::Read, Resource::Activities)?;
    if !caller.user.role.oversees() {
        return Err(crate::error::ApiError::forbidden(
            "see the messages being retried",
        ));
    }
    Ok(Json(
        s.store
            .list_retrying(
                &caller.scope,
                q.department_id.map(DepartmentId),
                &page(q.limit, q.cursor.as_deref())?,
            )
            .await?
            .into(),
    ))
}

/// A department's email hygiene settings.
pub async fn get_settings(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<EmailSettings>> {
    caller.require(Access::Read, Resource::Aliases)?;
    Ok(Json(s.store.email_settings(DepartmentId(id)).await?))
}

/// Replaces a department's email hygiene settings.
pub async fn put_settings(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<EmailSettings>,
) -> ApiResult<Json<EmailSettings>> {
    caller.require(Access::Write, Resource::Aliases)?;
    Ok(Json(
        s.store
            .set_email_settings(DepartmentId(id), body.validate()?)
            .await?,
    ))
}

/// A knowledge-base article ready to insert into a reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct InsertableArticle {
    /// Plain text, placeholders filled.
    pub text: String,
    /// HTML, placeholders filled (values escaped).
    pub html: String,
}

/// `GET /activities/{id}/articles/{article}`: the article with its placeholders filled for the
/// caller's reply to the activity (customer, case, agent…), as the composer inserts it.
pub async fn article_for_reply(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, article)): Path<(String, String)>,
) -> ApiResult<Json<InsertableArticle>> {
    caller.require(Access::Read, Resource::Knowledge)?;
    let activity = ActivityId(number(&id, "activity")?);
    caller
        .require_holder(&s.store, activity, "answer this activity")
        .await?;
    let (text, html) = s
        .app
        .article_for_reply(
            activity,
            switchboard_domain::ArticleId(number(&article, "article")?),
            Some(caller.user.id),
        )
        .await?;
    Ok(Json(InsertableArticle { text, html }))
}

switchboard_domain::refers_nothing!(HtmlQuery, ReplyBody);

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    alias_id: Alias,
    case_id: Case,
    activity_id: Activity
});

switchboard_domain::refers_fields!(ExceptionQuery {
    department_id: Department,
    email_id: Email
});

switchboard_domain::refers_fields!(RetryingQuery {
    department_id: Department
});
