//! The customers' chat API under `/chat/v1`, for the widget and for sites that draw their own:
//! an entry point's texts, form and availability; starting a chat; reading (long polling) and
//! writing messages; typing; ending. A chat's calls carry its token (`Authorization: Bearer`).
//! Calls from a web page must come from an origin the entry point allows (CORS).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_app::chat::StartChat;
use switchboard_domain::chat::{
    Audience, Availability, ChatMessage, ChatParty, EndReason, EntryPoint, EntryPointKind,
    NewChatMessage, PreChatField, SurveyQuestion, WidgetTemplate, check_text,
};
use switchboard_domain::{ActivityAction, ActivityId, Actor, EntryPointId};
use switchboard_services::routing::actions;
use utoipa::ToSchema;

use super::access::{self, allowed_origin, bearer, chat_of_token};
use super::view::{ChatView, view_of};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::{AppState, now};
use crate::throttle::ClientAddr;

/// Longest a long poll waits, in seconds.
pub const MAX_POLL_SECS: u64 = 25;

/// An entry point as the widget needs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetInfo {
    /// The entry point.
    pub id: EntryPointId,
    /// Chat, callback or delayed callback.
    pub kind: EntryPointKind,
    /// Whether a chat (or callback request) can start now, and if not why.
    pub availability: Availability,
    /// The times a delayed callback may be asked for (empty for other kinds); the widget shows
    /// them on the customer's own clock.
    #[schema(value_type = Vec<String>)]
    pub times: Vec<switchboard_domain::Timestamp>,
    /// Seconds a new request can expect to wait in the queue, when its pace is known.
    pub expected_wait_secs: Option<u64>,
    /// The widget's texts and colour.
    pub widget: WidgetTemplate,
    /// The pre-chat form.
    pub pre_chat: Vec<PreChatField>,
    /// The survey offered at the end.
    pub survey: Vec<SurveyQuestion>,
    /// Whether the customer can leave an email instead (`POST …/emails`): the entry point is
    /// active and its department takes mail in.
    pub leave_email: bool,
}

/// The pre-chat form's answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// Answers by field key.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

/// A started chat: keep the token (it opens this chat, and only this one).
#[derive(Debug, Serialize, ToSchema)]
pub struct Started {
    /// The chat's id.
    pub chat_id: ActivityId,
    /// The customer's token for this chat.
    pub token: String,
    /// Its state.
    pub chat: ChatView,
    /// Its messages so far.
    pub messages: Vec<ChatMessage>,
}

/// A message to send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// The text.
    pub body: String,
}

/// Typing or not.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypingBody {
    /// Whether the sender is typing now.
    pub typing: bool,
}

/// Messages after a sequence number, and the chat's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Messages {
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The chat's state now.
    pub chat: ChatView,
    /// Whether the other side was typing when the poll returned.
    pub typing: Option<bool>,
}

/// Where to read from, and how long to wait for something new.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    /// The last sequence number the reader has (0: from the start).
    #[serde(default)]
    pub after: i64,
    /// Seconds to wait when there is nothing new (0–25, default 0).
    #[serde(default)]
    pub wait: u64,
}

switchboard_domain::refers_nothing!(StartBody, MessageBody, TypingBody);

/// The response `body` with `status`, allowed to `origin` (CORS).
pub(super) fn cors(
    origin: Option<HeaderValue>,
    status: StatusCode,
    body: impl IntoResponse,
) -> Response {
    let mut res = (status, body).into_response();
    if let Some(o) = origin {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    res
}

pub(super) async fn entry_point(s: &AppState, id: i64) -> ApiResult<EntryPoint> {
    match s.store.entry_point(EntryPointId(id)).await {
        Err(switchboard_store::StoreError::NotFound { .. }) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such entry point",
        )),
        other => Ok(other?),
    }
}

/// `GET /chat/v1/entry-points/{id}`: the widget's texts, form, survey and availability.
pub async fn widget_info(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let ep = entry_point(&s, id).await?;
    let origin = allowed_origin(&headers, &ep)?;
    let t = now();
    let times = super::availability::callback_times(&s, &ep, t).await?;
    let availability = super::availability::of_with(&s, &ep, t, &times).await?;
    let leave_email = ep.active && s.store.department_alias(ep.department_id).await?.is_some();
    let expected_wait_secs = match ep.kind {
        EntryPointKind::DelayedCallback => None,
        _ => super::availability::expected_wait_secs(&s, &ep).await,
    };
    let info = WidgetInfo {
        leave_email,
        id: ep.id,
        kind: ep.kind,
        times,
        expected_wait_secs,
        availability,
        widget: ep.widget,
        pre_chat: ep.pre_chat,
        survey: ep.survey,
    };
    Ok(cors(origin, StatusCode::OK, Json(info)))
}

/// `POST /chat/v1/entry-points/{id}/chats`: starts a chat from the pre-chat form's answers.
/// 409 `chat_unavailable` when the entry point takes no chats now; 429 when this address started
/// too many.
pub async fn start(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Response> {
    let ep = entry_point(&s, id).await?;
    let origin = allowed_origin(&headers, &ep)?;
    if ep.kind.is_callback() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_a_chat_entry_point",
            "this entry point offers callbacks (POST …/callbacks), not chat",
        ));
    }
    let t = now();
    s.chat_limits.start(client, ep.id, t)?;
    let availability = super::availability::of(&s, &ep, t).await?;
    if !availability.is_open() {
        return Err(super::availability::refused(
            "chat_unavailable",
            "chats",
            availability,
        ));
    }
    let (token, token_hash) = access::new_token();
    let started = s
        .app
        .start_chat(
            StartChat {
                entry_point: ep.id,
                answers: body.answers,
                origin: access::page_origin(&headers),
                token_hash,
            },
            t,
        )
        .await?;
    let chat = view_of(&s, &started.chat).await?;
    let out = Started {
        chat_id: started.chat.activity_id,
        token,
        chat,
        messages: started.first.into_iter().collect(),
    };
    Ok(cors(origin, StatusCode::CREATED, Json(out)))
}

/// The chat of the request's token with the origin to allow.
pub(super) async fn customer_chat(
    s: &AppState,
    id: i64,
    headers: &HeaderMap,
) -> ApiResult<(switchboard_domain::chat::Chat, Option<HeaderValue>)> {
    let chat = chat_of_token(s, ActivityId(id), bearer(headers)).await?;
    let ep = s.store.entry_point(chat.entry_point_id).await?;
    let origin = allowed_origin(headers, &ep)?;
    Ok((chat, origin))
}

/// `GET /chat/v1/chats/{id}`: the chat's state.
pub async fn state(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    Ok(cors(
        origin,
        StatusCode::OK,
        Json(view_of(&s, &chat).await?),
    ))
}

/// `GET /chat/v1/chats/{id}/messages?after=&wait=`: the messages after `after`; with `wait`,
/// waits up to that many seconds for a new one or a change of state (long polling).
pub async fn messages(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<Poll>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    let _here = super::CustomerHere::new(&s, chat.activity_id);
    let out = poll(&s, &chat, p, false).await?;
    Ok(cors(origin, StatusCode::OK, Json(out)))
}

/// Reads what came after `p.after`, waiting up to `p.wait` seconds when nothing did; whispers
/// only for the `staff`.
pub async fn poll(
    s: &AppState,
    chat: &switchboard_domain::chat::Chat,
    p: Poll,
    staff: bool,
) -> ApiResult<Messages> {
    use switchboard_app::chat::ChatSignal;
    let id = chat.activity_id;
    let mut sub = s.app.chat_hub().subscribe(id);
    let mut messages = s.store.chat_messages(id, p.after, staff, 200).await?;
    let mut typing = None;
    let wait = Duration::from_secs(p.wait.min(MAX_POLL_SECS));
    if messages.is_empty() && !wait.is_zero() {
        let mut closing = s.closing();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let got = tokio::select! {
                got = tokio::time::timeout_at(deadline, sub.signals.recv()) => got,
                _ = closing.changed() => break,
            };
            match got {
                Err(_) => break,
                Ok(Ok(ChatSignal::Typing { party, typing: on })) => {
                    if (party == ChatParty::Customer) == staff {
                        typing = Some(on);
                        break;
                    }
                }
                Ok(Ok(ChatSignal::Message(m))) if !staff && m.audience == Audience::Staff => {}
                Ok(_) => break,
            }
        }
        messages = s.store.chat_messages(id, p.after, staff, 200).await?;
    }
    Ok(Messages {
        messages,
        chat: view_of(s, chat).await?,
        typing,
    })
}

/// `POST /chat/v1/chats/{id}/messages`: the customer writes. 201 with the stored message (its
/// number); 409 once the chat has ended; 429 when too fast.
pub async fn send(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MessageBody>,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    let m = customer_message(&s, &chat, &body.body).await?;
    Ok(cors(origin, StatusCode::CREATED, Json(m)))
}

/// Checks and stores a customer's message.
pub async fn customer_message(
    s: &AppState,
    chat: &switchboard_domain::chat::Chat,
    text: &str,
) -> ApiResult<ChatMessage> {
    let body = check_text("body", text)?;
    customer_post(s, chat, body, None).await
}

/// Stores a customer's checked message or file (see [`customer_message`]).
pub async fn customer_post(
    s: &AppState,
    chat: &switchboard_domain::chat::Chat,
    body: String,
    file: Option<switchboard_domain::chat::NewChatFile>,
) -> ApiResult<ChatMessage> {
    let t = now();
    s.chat_limits
        .message(chat.activity_id, ChatParty::Customer, t)?;
    let m = NewChatMessage {
        party: ChatParty::Customer,
        author_id: None,
        author_name: chat.customer_name.clone(),
        audience: Audience::Everyone,
        body,
        file,
    };
    let stored = s.app.post_chat(chat.activity_id, m, t).await?;
    tell_holder(s, chat.activity_id);
    Ok(stored)
}

/// Tells the agent holding chat `id` that its customer wrote (their list of work counts it
/// unread), off the sender's path.
fn tell_holder(s: &AppState, id: ActivityId) {
    let Some(router) = s.router.clone() else {
        return;
    };
    let (store, holders) = (s.store.clone(), s.chat_holders.clone());
    tokio::spawn(async move {
        if let Ok(Some(agent)) = holders.of(&store, id).await {
            router.announce(switchboard_services::routing::Notice {
                agent,
                kind: switchboard_services::routing::NoticeKind::ChatMessage,
                activity: Some(id),
                expires_at: None,
                reason: None,
                case: None,
            });
        }
    });
}

/// `POST /chat/v1/chats/{id}/typing`: the customer started or stopped typing.
pub async fn typing(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TypingBody>,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    s.app
        .chat_typing(chat.activity_id, ChatParty::Customer, body.typing);
    Ok(cors(origin, StatusCode::NO_CONTENT, ()))
}

/// `POST /chat/v1/chats/{id}/end`: the customer ends the chat (a waiting one is abandoned).
pub async fn end(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    end_chat(&s, chat.activity_id, ChatParty::Customer, Actor::System).await?;
    Ok(cors(
        origin,
        StatusCode::OK,
        Json(view_of(&s, &chat).await?),
    ))
}

/// Ends chat `id` for `by`, then abandons it through the router when it was still waiting.
pub async fn end_chat(s: &AppState, id: ActivityId, by: ChatParty, actor: Actor) -> ApiResult<()> {
    let t = now();
    let ending = s.app.end_chat(id, by, actor, EndReason::Ended, t).await?;
    if let Some(action) = ending.action {
        abandon(s, id, action, t).await?;
    }
    Ok(())
}

/// Runs the life-cycle action ending left (abandoning a waiting chat) the way routed work moves;
/// an agent who accepted it meanwhile keeps it for wrap-up.
async fn abandon(
    s: &AppState,
    id: ActivityId,
    action: ActivityAction,
    t: switchboard_domain::Timestamp,
) -> ApiResult<()> {
    match actions::act(
        s.router.as_ref(),
        &s.store,
        id,
        action,
        None,
        Actor::System,
        t,
    )
    .await
    {
        Ok(_) | Err(actions::ActError::Transition(_)) => Ok(()),
        Err(actions::ActError::Router(switchboard_services::routing::RouterError::Refused(_))) => {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The survey's answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyBody {
    /// Answers by question key: `1`–`5` for a rating, `yes` or `no`, an option, or text.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
}

switchboard_domain::refers_nothing!(SurveyBody);

/// `POST /chat/v1/chats/{id}/survey`: the customer answers the survey after the chat; 200 with
/// the chat's state. 409 before the end or when answered already.
pub async fn survey(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SurveyBody>,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    s.app
        .answer_survey(chat.activity_id, body.answers, now())
        .await?;
    Ok(cors(
        origin,
        StatusCode::OK,
        Json(view_of(&s, &chat).await?),
    ))
}

/// `POST /chat/v1/chats/{id}/transcript`: mails the conversation to the address the customer
/// gave; 200 with the chat's state. 409 before the end, when sent already or without an address.
pub async fn transcript(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (chat, origin) = customer_chat(&s, id, &headers).await?;
    s.app.send_transcript(chat.activity_id, now()).await?;
    Ok(cors(
        origin,
        StatusCode::OK,
        Json(view_of(&s, &chat).await?),
    ))
}

/// `OPTIONS` on an entry point's paths: the CORS preflight. It never fails: a page the entry
/// point does not allow gets no `Access-Control-Allow-Origin`, so its browser refuses.
pub async fn preflight_entry_point(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let ep = s.store.entry_point(EntryPointId(id)).await.ok();
    preflight(ep.and_then(|ep| allowed_origin(&headers, &ep).ok().flatten()))
}

/// `OPTIONS` on a chat's paths: the CORS preflight (no token is sent with it); like the entry
/// point's, it never fails and tells nothing of chats to pages that may not see them.
pub async fn preflight_chat(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let mut origin = None;
    if let Ok(chat) = s.store.chat(ActivityId(id)).await
        && let Ok(ep) = s.store.entry_point(chat.entry_point_id).await
    {
        origin = allowed_origin(&headers, &ep).ok().flatten();
    }
    preflight(origin)
}

fn preflight(origin: Option<HeaderValue>) -> Response {
    let mut res = cors(origin, StatusCode::NO_CONTENT, ());
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}
