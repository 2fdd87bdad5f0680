//! A chat over a WebSocket, for the customer (`/chat/v1/chats/{id}/socket`, the token in the
//! first frame: browsers cannot set headers on a WebSocket and query strings end up in logs)
//! and for the staff (`/api/v1/activities/{id}/chat/socket`, their session). Frames are JSON
//! objects with a `type`.
//!
//! In: `hello` (`token`, `after`: the customer's first frame), `message` (`body`, `ref`, and for a
//! supervisor `whisper`), `typing` (`typing`), `end`. Out: `message` (a stored message, once, in
//! order of `seq`), `ack` (`ref`, `seq`: sent only after the message is stored), `typing`,
//! `state` (the chat's state) and `error` (`code`, `message`, `ref`).
//!
//! After a reconnect the client says the last `seq` it has and gets everything after it; a
//! follower that falls behind the relay reads what it missed from the store. A node shutting
//! down closes its sockets with code 1012 (service restart, reason `reconnect`): the client
//! reconnects at once, and the load balancer sends it to another node.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use switchboard_app::chat::ChatSignal;
use switchboard_domain::chat::{Audience, Chat, ChatMessage, ChatParty, ChatState};
use switchboard_domain::{ActivityId, Actor, User};
use tokio::sync::broadcast::error::RecvError;

use super::view::{ChatView, view_of};
use crate::error::ApiError;
use crate::state::AppState;

/// Read buffer per connection: chat frames are small (a larger one is read in several chunks),
/// and tungstenite's default (128 KiB) would be most of an idle connection's memory.
const READ_BUFFER: usize = 1024;
/// Largest frame or message accepted.
const MAX_MESSAGE: usize = 64 * 1024;
/// How often an idle connection is pinged (proxies cut silent tunnels).
const PING: Duration = Duration::from_secs(25);
/// How often a waiting customer's place in the queue is looked at.
const REFRESH: Duration = Duration::from_secs(3);
/// Most often a staff connection records how far its holder has read.
const READ_EVERY: Duration = Duration::from_secs(2);
/// How long the customer has to say hello.
const HELLO: Duration = Duration::from_secs(10);

/// Which side of the chat a connection is.
#[derive(Debug, Clone)]
pub enum Side {
    /// The customer.
    Customer,
    /// A staff member: the agent holding the chat, or a supervisor.
    Staff(User),
}

impl Side {
    fn staff(&self) -> bool {
        matches!(self, Side::Staff(_))
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum In {
    Hello {
        token: String,
        #[serde(default)]
        after: i64,
    },
    Message {
        body: String,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
        #[serde(default)]
        whisper: bool,
    },
    Typing {
        typing: bool,
    },
    End,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Out<'a> {
    Message {
        message: &'a ChatMessage,
    },
    Ack {
        #[serde(rename = "ref")]
        reference: Option<&'a str>,
        seq: i64,
    },
    Typing {
        party: ChatParty,
        typing: bool,
    },
    State {
        chat: &'a ChatView,
    },
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(rename = "ref")]
        reference: Option<&'a str>,
    },
}

/// The WebSocket upgrade, or a JSON 400 (`upgrade_required`) for a request that is not one.
pub fn upgrade(
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<WebSocketUpgrade, ApiError> {
    ws.map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "upgrade_required",
            format!("open this as a WebSocket ({})", e.body_text()),
        )
    })
}

/// The upgrade with this module's limits.
pub fn limited(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
}

/// The customer's connection: waits for `hello` with the token of chat `id`, then runs.
pub fn customer(ws: WebSocketUpgrade, s: AppState, id: ActivityId) -> Response {
    limited(ws).on_upgrade(move |mut socket| async move {
        let hello = tokio::time::timeout(HELLO, socket.recv()).await;
        let Ok(Some(Ok(Message::Text(t)))) = hello else {
            return;
        };
        let Ok(In::Hello { token, after }) = serde_json::from_str::<In>(&t) else {
            let _ = send(
                &mut socket,
                &error("hello_expected", "say hello first", None),
            )
            .await;
            return;
        };
        match super::access::chat_of_token(&s, id, &token).await {
            Ok(chat) => Box::pin(run(socket, s, chat, Side::Customer, after)).await,
            Err(e) => {
                let _ = send(&mut socket, &error("not_found", e.message(), None)).await;
            }
        }
    })
}

/// A staff member's connection to chat `chat`, from `after`.
pub fn staff(ws: WebSocketUpgrade, s: AppState, chat: Chat, user: User, after: i64) -> Response {
    limited(ws).on_upgrade(move |socket| run(socket, s, chat, Side::Staff(user), after))
}

fn error<'a>(code: &'a str, message: &'a str, reference: Option<&'a str>) -> Out<'a> {
    Out::Error {
        code,
        message,
        reference,
    }
}

async fn send(ws: &mut WebSocket, out: &Out<'_>) -> Result<(), ()> {
    let text = serde_json::to_string(out).map_err(|_| ())?;
    ws.send(Message::Text(Utf8Bytes::from(text)))
        .await
        .map_err(|_| ())
}

/// One connection's state.
struct Session {
    s: AppState,
    chat: Chat,
    side: Side,
    /// The last sequence number this connection has passed on (or skipped, a whisper).
    last: i64,
    view: Option<ChatView>,
    /// Whether this connection has recorded the wait it told the customer.
    told: bool,
    /// A read mark held back (staff), and when the last was recorded.
    unmarked: Option<i64>,
    marked: std::time::Instant,
}

impl Session {
    fn visible(&self, m: &ChatMessage) -> bool {
        self.side.staff() || m.audience == Audience::Everyone
    }

    /// The staff member has been shown the chat up to `seq`: when they hold it, it is read that
    /// far — recorded at most every [`READ_EVERY`] (the rest at the next refresh tick), off this
    /// connection's path.
    fn seen(&mut self, seq: i64) {
        if !self.side.staff() {
            return;
        }
        self.unmarked = Some(seq);
        if self.marked.elapsed() >= READ_EVERY {
            self.mark_read();
        }
    }

    /// Records the read mark [`Session::seen`] holds back, if any.
    fn mark_read(&mut self) {
        let (Side::Staff(u), Some(seq)) = (&self.side, self.unmarked.take()) else {
            return;
        };
        self.marked = std::time::Instant::now();
        let (s, id, me) = (self.s.clone(), self.chat.activity_id, u.id);
        tokio::spawn(async move {
            if let Ok(Some(holder)) = s.chat_holders.of(&s.store, id).await
                && holder == me
                && let Err(e) = s.store.mark_chat_read(id, seq).await
            {
                tracing::debug!(chat = %id, error = %e, "a chat was not marked read");
            }
        });
    }

    /// Sends what was stored after `last`.
    async fn catch_up(&mut self, ws: &mut WebSocket) -> Result<(), ()> {
        loop {
            let batch = self
                .s
                .store
                .chat_messages(self.chat.activity_id, self.last, true, 200)
                .await
                .map_err(|_| ())?;
            let Some(end) = batch.last().map(|m| m.seq) else {
                return Ok(());
            };
            for m in &batch {
                if self.visible(m) {
                    send(ws, &Out::Message { message: m }).await?;
                }
            }
            if batch.iter().any(|m| m.party == ChatParty::Customer) {
                self.seen(end);
            }
            self.last = end;
        }
    }

    /// Sends the chat's state when it changed.
    async fn state(&mut self, ws: &mut WebSocket) -> Result<(), ()> {
        let Ok(v) = view_of(&self.s, &self.chat).await else {
            return Ok(());
        };
        if self.view.as_ref() != Some(&v) {
            send(ws, &Out::State { chat: &v }).await?;
            self.told_wait(&v).await;
            self.view = Some(v);
        }
        Ok(())
    }

    /// Records the first expected wait shown to the customer, for the accuracy report.
    async fn told_wait(&mut self, v: &ChatView) {
        let (Side::Customer, ChatState::Waiting, Some(secs), false) =
            (&self.side, v.state, v.expected_wait_secs, self.told)
        else {
            return;
        };
        self.told = true;
        let position = v.position.and_then(|p| u32::try_from(p).ok());
        let secs = secs.round().max(0.0) as u64;
        let at = crate::state::now();
        if let Err(e) = self.s.app.tell_wait(v.id, secs, position, at).await {
            tracing::warn!(chat = v.id.0, error = %e, "the wait told could not be recorded");
        }
    }

    /// While the customer waits: looks at the place in the queue (the router's answer alone)
    /// and sends the state when it moved.
    async fn refresh(&mut self, ws: &mut WebSocket) -> Result<(), ()> {
        let Some(v) = &self.view else {
            return Ok(());
        };
        if v.state != ChatState::Waiting {
            return Ok(());
        }
        let place = match &self.s.router {
            Some(r) => r.wait(self.chat.activity_id).await.ok().flatten(),
            None => None,
        };
        // Not waiting in the router (just arrived, or offered to an agent): look at it whole.
        let Some(w) = place else {
            return self.state(ws).await;
        };
        let now = (Some(w.position), w.expected_wait_secs.map(f64::round));
        if now == (v.position, v.expected_wait_secs.map(f64::round)) {
            return Ok(());
        }
        self.state(ws).await
    }

    async fn signal(
        &mut self,
        ws: &mut WebSocket,
        sig: Result<ChatSignal, RecvError>,
    ) -> Result<(), ()> {
        match sig {
            Ok(ChatSignal::Message(m)) => {
                if m.seq == self.last + 1 {
                    if self.visible(&m) {
                        send(ws, &Out::Message { message: &m }).await?;
                    }
                    if m.party == ChatParty::Customer {
                        self.seen(m.seq);
                    }
                    self.last = m.seq;
                } else if m.seq > self.last {
                    self.catch_up(ws).await?;
                }
                Ok(())
            }
            Ok(ChatSignal::Typing { party, typing }) => {
                let mine = match &self.side {
                    Side::Customer => party == ChatParty::Customer,
                    Side::Staff(_) => party != ChatParty::Customer,
                };
                if mine {
                    return Ok(());
                }
                send(ws, &Out::Typing { party, typing }).await
            }
            Ok(ChatSignal::State) => self.state(ws).await,
            Ok(ChatSignal::Missed) | Err(RecvError::Lagged(_)) => {
                self.catch_up(ws).await?;
                self.state(ws).await
            }
            Err(RecvError::Closed) => Err(()),
        }
    }

    async fn frame(&mut self, ws: &mut WebSocket, text: &str) -> Result<(), ()> {
        let frame = match serde_json::from_str::<In>(text) {
            Ok(f) => f,
            Err(e) => {
                let why = e.to_string();
                return send(ws, &error("malformed", &why, None)).await;
            }
        };
        let id = self.chat.activity_id;
        match frame {
            In::Hello { .. } => send(ws, &error("malformed", "already said hello", None)).await,
            In::Typing { typing } => {
                let party = self.party();
                self.s.app.chat_typing(id, party, typing);
                Ok(())
            }
            In::Message {
                body,
                reference,
                whisper,
            } => {
                let r = reference.as_deref();
                match self.post(&body, whisper).await {
                    Ok(seq) => send(ws, &Out::Ack { reference: r, seq }).await,
                    Err(e) => {
                        let code = e.code();
                        send(ws, &error(code, e.message(), r)).await
                    }
                }
            }
            In::End => {
                let party = self.party();
                let actor = match &self.side {
                    Side::Customer => Actor::System,
                    Side::Staff(u) => Actor::User(u.id),
                };
                if let Err(e) = super::public::end_chat(&self.s, id, party, actor).await {
                    let code = e.code();
                    send(ws, &error(code, e.message(), None)).await?;
                }
                Ok(())
            }
        }
    }

    /// The party this side writes as.
    fn party(&self) -> ChatParty {
        match &self.side {
            Side::Customer => ChatParty::Customer,
            Side::Staff(u) => super::staff_party(u),
        }
    }

    async fn post(&mut self, body: &str, whisper: bool) -> Result<i64, ApiError> {
        let m = match &self.side {
            Side::Customer => {
                return super::public::customer_message(&self.s, &self.chat, body)
                    .await
                    .map(|m| m.seq);
            }
            Side::Staff(u) => super::staff_message(&self.s, &self.chat, u, body, whisper).await?,
        };
        Ok(m.seq)
    }
}

/// The close code a draining node sends: 1012, service restart — reconnect (elsewhere).
const RECONNECT: u16 = 1012;

/// Runs a connection until either side closes it or the server shuts down.
async fn run(mut ws: WebSocket, s: AppState, chat: Chat, side: Side, after: i64) {
    let mut sub = s.app.chat_hub().subscribe(chat.activity_id);
    let _here =
        matches!(side, Side::Customer).then(|| super::CustomerHere::new(&s, chat.activity_id));
    let mut closing = s.closing();
    let mut me = Session {
        s,
        chat,
        side,
        last: after.max(0),
        view: None,
        told: false,
        unmarked: None,
        marked: std::time::Instant::now(),
    };
    // The handlers' futures are boxed while they run: an idle connection then holds only the
    // small loop below, not the largest of them.
    if Box::pin(me.catch_up(&mut ws)).await.is_err() || Box::pin(me.state(&mut ws)).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(PING);
    let mut refresh = tokio::time::interval(REFRESH);
    loop {
        let step = tokio::select! {
            sig = sub.signals.recv() => Box::pin(me.signal(&mut ws, sig)).await,
            frame = ws.recv() => match frame {
                Some(Ok(Message::Text(t))) => Box::pin(me.frame(&mut ws, t.as_str())).await,
                Some(Ok(Message::Binary(_))) => {
                    send(&mut ws, &error("malformed", "send JSON text frames", None)).await
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                Some(Ok(Message::Close(_)) | Err(_)) | None => Err(()),
            },
            _ = ping.tick() => ws.send(Message::Ping(Default::default())).await.map_err(|_| ()),
            _ = refresh.tick() => {
                me.mark_read();
                Box::pin(me.refresh(&mut ws)).await
            }
            _ = closing.changed() => {
                let close = CloseFrame { code: RECONNECT, reason: Utf8Bytes::from_static("reconnect") };
                let _ = ws.send(Message::Close(Some(close))).await;
                Err(())
            }
        };
        if step.is_err() {
            break;
        }
    }
    me.mark_read();
}
