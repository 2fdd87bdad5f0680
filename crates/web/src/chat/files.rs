//! Files in a chat over HTTP. The customer sends one with `POST /chat/v1/chats/{id}/files?name=`
//! (the bytes as the body, their type in `Content-Type`; the chat's token as for its other calls)
//! and reads one with `GET /chat/v1/chats/{id}/files/{seq}`; the staff do the same under
//! `/api/v1/activities/{id}/chat/files`. A file is checked against the department's attachment
//! rules (`domain::chat::check_file`) before its bytes are kept; its message is stored like any
//! other, so both sides see it live, numbered, once. Files are always served as downloads.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_domain::chat::{Chat, ChatFile, ChatMessage, NewChatFile, check_file};
use switchboard_domain::refers_nothing;
use switchboard_domain::{Access, ActivityId, Resource};

use super::public::{cors, customer_chat, customer_post};
use super::staff_post;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Id, number};
use crate::routes::files::{blob, download};
use crate::state::AppState;

/// The name of a file sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// The file's name.
    pub name: String,
    /// For a supervisor: only the agent sees it.
    #[serde(default)]
    pub whisper: bool,
}

refers_nothing!(Upload);

/// The chat and message numbers of a file's path (anything else names no file).
fn numbers(id: &str, n: &str) -> ApiResult<(i64, i64)> {
    Ok((number(id, "chat")?, number(n, "file")?))
}

/// Checks a file sent into `chat` and keeps its bytes; the message to store is left to the
/// caller.
async fn kept(
    s: &AppState,
    chat: &Chat,
    name: &str,
    headers: &HeaderMap,
    bytes: Bytes,
) -> ApiResult<(ChatFile, NewChatFile)> {
    let rules = s.store.email_settings(chat.department_id).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let file = check_file(name, content_type, bytes.len() as u64, &rules)?;
    let key = s.blobs.put(&bytes).await.map_err(ApiError::from)?;
    Ok((
        file.clone(),
        NewChatFile {
            file,
            blob: key.as_str().to_string(),
        },
    ))
}

/// A message's file as a download.
async fn served(s: &AppState, id: ActivityId, seq: i64, staff: bool) -> ApiResult<Response> {
    let (m, key) = s.store.chat_file(id, seq).await.map_err(|_| no_file())?;
    if !staff && m.audience != switchboard_domain::chat::Audience::Everyone {
        return Err(no_file());
    }
    let f = m.file.ok_or_else(no_file)?;
    let bytes = blob(s, Some(key)).await?;
    Ok(download(&f.name, &f.content_type, bytes))
}

fn no_file() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such file")
}

/// `POST /chat/v1/chats/{id}/files?name=`: the customer sends a file. 201 with its message;
/// 422 naming `name` or `file` when the department's rules refuse it.
pub async fn customer_upload(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Upload>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<Response> {
    let id = number(&id, "chat")?;
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    if q.whisper {
        return Err(ApiError::malformed("customers do not whisper"));
    }
    let (file, new) = kept(&s, &chat, &q.name, &headers, bytes).await?;
    let m: ChatMessage = customer_post(&s, &chat, file.name, Some(new)).await?;
    Ok(cors(origin, StatusCode::CREATED, Json(m)))
}

/// `GET /chat/v1/chats/{id}/files/{seq}`: a file of the customer's chat (never a whisper's).
pub async fn customer_download(
    State(s): State<AppState>,
    Path((id, seq)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (id, seq) = numbers(&id, &seq)?;
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    let res = served(&s, chat.activity_id, seq, false).await?;
    Ok(cors(origin, StatusCode::OK, res).into_response())
}

/// `POST /api/v1/activities/{id}/chat/files?name=[&whisper=true]`: the agent holding the chat
/// sends a file (a supervisor joins or whispers with one).
pub async fn staff_upload(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<Upload>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult<(StatusCode, Json<ChatMessage>)> {
    caller.require(Access::Write, Resource::Activities)?;
    let chat = super::staff::chat(&s, id).await?;
    let (file, new) = kept(&s, &chat, &q.name, &headers, bytes).await?;
    let m = staff_post(&s, &chat, &caller.user, file.name, Some(new), q.whisper).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// `GET /api/v1/activities/{id}/chat/files/{seq}`: a file of the chat, for the staff.
pub async fn staff_download(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, seq)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Activities)?;
    let (id, seq) = numbers(&id, &seq)?;
    let chat = super::staff::chat(&s, id).await?;
    served(&s, chat.activity_id, seq, true).await
}
