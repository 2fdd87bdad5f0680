//! `/api/v1/activities/{id}/chat`: the staff's side of a chat — its messages (whispers
//! included, long polling with `wait`), writing (the agent holding it; a supervisor joins or
//! whispers), typing, ending, and the WebSocket.

use axum::Json;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_domain::chat::{Chat, ChatMessage};
use switchboard_domain::{Access, ActivityId, Actor, Resource};
use utoipa::ToSchema;

use super::public::{Messages, Poll, TypingBody, end_chat, poll};
use super::view::{ChatView, view_of};
use super::{access, socket, staff_message, staff_party};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Id};
use crate::state::AppState;

/// A staff member's message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffMessage {
    /// The text.
    pub body: String,
    /// A supervisor's whisper to the agent: the customer does not see it.
    #[serde(default)]
    pub whisper: bool,
}

switchboard_domain::refers_nothing!(StaffMessage);

pub(super) async fn chat(s: &AppState, id: i64) -> ApiResult<Chat> {
    s.store.chat(ActivityId(id)).await.map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "the activity is not a chat",
        )
    })
}

/// `GET /activities/{id}/chat?after=&wait=`: the chat's messages after `after` and its state;
/// with `wait`, waits up to that many seconds for something new.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Query(p): Query<Poll>,
) -> ApiResult<Json<Messages>> {
    caller.require(Access::Read, Resource::Activities)?;
    let c = chat(&s, id).await?;
    let got = poll(&s, &c, p, true).await?;
    // What its holder fetched is read.
    if let Some(last) = got.messages.last().map(|m| m.seq)
        && s.store.activity(c.activity_id).await?.assignee_id == Some(caller.user.id)
    {
        s.store.mark_chat_read(c.activity_id, last).await?;
    }
    Ok(Json(got))
}

/// `POST /activities/{id}/chat/messages`: writes into the chat; 201 with the stored message.
pub async fn send(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<StaffMessage>,
) -> ApiResult<(StatusCode, Json<ChatMessage>)> {
    caller.require(Access::Write, Resource::Activities)?;
    let c = chat(&s, id).await?;
    let m = staff_message(&s, &c, &caller.user, &body.body, body.whisper).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// `POST /activities/{id}/chat/typing`: the staff member started or stopped typing.
pub async fn typing(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<TypingBody>,
) -> ApiResult<StatusCode> {
    caller.require(Access::Write, Resource::Activities)?;
    let c = chat(&s, id).await?;
    s.app
        .chat_typing(c.activity_id, staff_party(&caller.user), body.typing);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /activities/{id}/chat/end`: ends the conversation (the activity stays for wrap-up).
pub async fn end(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<ChatView>> {
    caller.require(Access::Write, Resource::Activities)?;
    let c = chat(&s, id).await?;
    end_chat(
        &s,
        c.activity_id,
        staff_party(&caller.user),
        Actor::User(caller.user.id),
    )
    .await?;
    Ok(Json(view_of(&s, &c).await?))
}

/// `GET /activities/{id}/chat/socket?after=`: the staff's WebSocket; only from this server's
/// own pages.
pub async fn socket(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    Query(p): Query<Poll>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Activities)?;
    let ws = socket::upgrade(ws)?;
    if headers.contains_key(axum::http::header::ORIGIN) && !access::same_origin(&headers) {
        return Err(ApiError::forbidden("open a chat from another web site"));
    }
    let c = chat(&s, id).await?;
    Ok(socket::staff(ws, s, c, caller.user, p.after).into_response())
}
