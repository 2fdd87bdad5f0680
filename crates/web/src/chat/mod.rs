//! Web chat over HTTP: the customers' API under `/chat/v1` ([`public`], CORS by the entry
//! point's allowed origins, the chat token for a chat's calls), the WebSocket of both sides
//! ([`socket`]), what a chat's state looks like to them ([`view`]), whether an entry point takes
//! chats ([`availability`]), files sent both ways ([`files`]), the email a customer leaves
//! instead ([`offline`]), callback requests ([`callbacks`]), tokens and origins ([`access`]), what a page embeds ([`widget`]); the
//! staff's side under `/api/v1` ([`staff`]). Rate limits are `crate::limits`'.

pub mod access;
pub mod availability;
pub mod callbacks;
pub mod files;
pub mod offline;
pub mod public;
pub mod socket;
pub mod staff;
pub mod view;
pub mod widget;

use axum::Router;
use axum::extract::{Path, State, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{any, get, post};
use switchboard_domain::chat::{
    Chat, ChatMessage, ChatParty, NewChatFile, NewChatMessage, check_text, staff_voice,
};
use switchboard_domain::{ActivityId, User};
use tower_http::limit::RequestBodyLimitLayer;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, now};

/// Largest body of a public chat call.
const MAX_CHAT_BODY: usize = 64 * 1024;

/// Largest file upload accepted (the domain's bound; the domain names the error).
pub const MAX_CHAT_UPLOAD: usize = 11 * 1024 * 1024;

/// The customers' chat routes.
pub fn router() -> Router<AppState> {
    use public::*;
    Router::new()
        .route(
            "/chat/v1/entry-points/{id}",
            get(widget_info).options(preflight_entry_point),
        )
        .route(
            "/chat/v1/entry-points/{id}/chats",
            post(start).options(preflight_entry_point),
        )
        .route(
            "/chat/v1/entry-points/{id}/emails",
            post(offline::leave).options(preflight_entry_point),
        )
        .route(
            "/chat/v1/entry-points/{id}/callbacks",
            post(callbacks::request).options(preflight_entry_point),
        )
        .route("/chat/v1/chats/{id}", get(state).options(preflight_chat))
        .route(
            "/chat/v1/chats/{id}/messages",
            get(messages).post(send).options(preflight_chat),
        )
        .route(
            "/chat/v1/chats/{id}/typing",
            post(typing).options(preflight_chat),
        )
        .route("/chat/v1/chats/{id}/end", post(end).options(preflight_chat))
        .route(
            "/chat/v1/chats/{id}/survey",
            post(survey).options(preflight_chat),
        )
        .route(
            "/chat/v1/chats/{id}/transcript",
            post(transcript).options(preflight_chat),
        )
        .route("/chat/v1/chats/{id}/socket", any(customer_socket))
        .route("/chat/widget.js", get(widget::script))
        .route("/chat/frame/{id}", get(widget::frame))
        .layer(RequestBodyLimitLayer::new(MAX_CHAT_BODY))
        .merge(
            Router::new()
                .route(
                    "/chat/v1/chats/{id}/files",
                    post(files::customer_upload).options(preflight_chat),
                )
                .route(
                    "/chat/v1/chats/{id}/files/{n}",
                    get(files::customer_download).options(preflight_chat),
                )
                .layer(axum::extract::DefaultBodyLimit::max(MAX_CHAT_UPLOAD))
                .layer(RequestBodyLimitLayer::new(MAX_CHAT_UPLOAD)),
        )
}

/// `GET /chat/v1/chats/{id}/socket`: the customer's WebSocket (see [`socket`]); the page's
/// origin must be one the chat's entry point allows.
async fn customer_socket(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let ws = socket::upgrade(ws)?;
    let chat = s.store.chat(ActivityId(id)).await.map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such chat",
        )
    })?;
    let ep = s.store.entry_point(chat.entry_point_id).await?;
    access::allowed_origin(&headers, &ep)?;
    Ok(socket::customer(ws, s, ActivityId(id)))
}

/// The party a staff member types and ends as.
pub fn staff_party(u: &User) -> ChatParty {
    if !u.role.oversees() {
        ChatParty::Agent
    } else {
        ChatParty::Supervisor
    }
}

/// Checks and stores a staff member's message: the agent holding the chat writes to the customer,
/// a supervisor joins or whispers (`domain::chat::staff_voice`).
pub async fn staff_message(
    s: &AppState,
    chat: &Chat,
    u: &User,
    text: &str,
    whisper: bool,
) -> ApiResult<ChatMessage> {
    let body = check_text("body", text)?;
    staff_post(s, chat, u, body, None, whisper).await
}

/// Stores a staff member's checked message or file (see [`staff_message`]).
pub async fn staff_post(
    s: &AppState,
    chat: &Chat,
    u: &User,
    body: String,
    file: Option<NewChatFile>,
    whisper: bool,
) -> ApiResult<ChatMessage> {
    let a = s.store.activity(chat.activity_id).await?;
    let holds = a.assignee_id == Some(u.id);
    let (party, audience) = staff_voice(u.role.oversees(), holds, whisper)
        .map_err(|why| ApiError::new(axum::http::StatusCode::CONFLICT, "not_your_chat", why))?;
    let t = now();
    s.chat_limits.message(chat.activity_id, party, t)?;
    let m = NewChatMessage {
        party,
        author_id: Some(u.id),
        author_name: u.name.clone(),
        audience,
        body,
        file,
    };
    Ok(s.app.post_chat(chat.activity_id, m, t).await?)
}

/// A customer's page connected to chat `id` while this lives (a WebSocket, a long poll): the
/// abandonment time-out counts from when the last one went.
pub struct CustomerHere {
    s: AppState,
    id: ActivityId,
}

impl CustomerHere {
    /// The customer of chat `id` is here now.
    pub fn new(s: &AppState, id: ActivityId) -> CustomerHere {
        s.app.chat_hub().customer_came(id, now());
        CustomerHere { s: s.clone(), id }
    }
}

impl Drop for CustomerHere {
    fn drop(&mut self) {
        self.s.app.chat_hub().customer_went(self.id, now());
    }
}
