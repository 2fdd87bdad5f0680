//! The router's notices over a WebSocket: the transport the consoles hold open all day. An idle
//! socket keeps only small buffers once upgraded (the HTTP connection's are released), where an
//! idle server-sent event stream keeps the HTTP connection's; each notice is one text frame
//! `{"event": kind, "data": …}`, a `lagged` frame tells a client that fell behind what it
//! missed, and a ping every 25 s keeps proxies from closing a quiet socket. What the client
//! sends is read only to see it close. The handshake must come from this server's own pages
//! (its `Origin`, when there is one, is the request's host), like a form post.

use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use switchboard_services::routing::Notice;
use tokio::sync::broadcast::error::RecvError;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The socket's read buffer.
const READ_BUFFER: usize = 1024;
/// The longest message a client may send (it sends none).
const MAX_MESSAGE: usize = 1024;
/// How often an idle socket is pinged.
pub(crate) const PING: std::time::Duration = std::time::Duration::from_secs(25);

/// `ws` with the small buffers of a socket whose client sends nothing but its close, if its
/// handshake comes from this server's pages (else 403, naming `what` the client opened).
pub(crate) fn listen_only(
    ws: WebSocketUpgrade,
    headers: &HeaderMap,
    uri: &Uri,
    what: &str,
) -> ApiResult<WebSocketUpgrade> {
    if !crate::origin::same_origin(headers, uri.authority().map(|a| a.as_str())) {
        return Err(ApiError::forbidden(&format!(
            "open the {what} from this server's pages"
        )));
    }
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE))
}

/// The socket for `ws`, sending each notice `pick` turns into an event name and its data (or
/// skips).
pub(crate) fn notice_socket<F>(
    s: &AppState,
    ws: WebSocketUpgrade,
    headers: &HeaderMap,
    uri: &Uri,
    pick: F,
) -> ApiResult<Response>
where
    F: Fn(&Notice) -> Option<(&'static str, Value)> + Send + 'static,
{
    let ws = listen_only(ws, headers, uri, "event socket")?;
    let mut rx = s.router()?.subscribe();
    let mut closing = s.closing();
    Ok(ws
        .on_upgrade(move |mut socket| async move {
            let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
            loop {
                let out = tokio::select! {
                    r = rx.recv() => match r {
                        Ok(n) => match pick(&n) {
                            Some((event, data)) => Some(json!({"event": event, "data": data})),
                            None => continue,
                        },
                        Err(RecvError::Lagged(missed)) => {
                            Some(json!({"event": "lagged", "data": {"missed": missed}}))
                        }
                        Err(RecvError::Closed) => break,
                    },
                    m = socket.recv() => match m {
                        Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => continue,
                    },
                    _ = ping.tick() => None,
                    _ = closing.wait_for(|c| *c) => break,
                };
                let message = match out {
                    Some(frame) => Message::Text(frame.to_string().into()),
                    None => Message::Ping(Default::default()),
                };
                if socket.send(message).await.is_err() {
                    break;
                }
            }
        })
        .into_response())
}
