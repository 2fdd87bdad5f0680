//! `GET /ui/supervisor/monitor/live`: the supervisor's monitor over a WebSocket. The socket
//! first sends the whole monitor within the viewer's scope (`{"event": "full", "data": {"now",
//! "html"}}`), then, for each change the feed publishes, only the rows of that scope that
//! changed: `{"event": "rows", "data": {"now", "set": [{"table", "id", "sort", "html"}],
//! "gone": [{"table", "id"}], "counts": {"agents", "logged_out", "chats"}}}`. A change outside
//! the scope sends nothing. Rows are rendered in the viewer's language; ages are worked out on
//! the page from each row's instant and the frame's `now`.

use askama::Template;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchboard_domain::Scope;
use tokio::sync::broadcast::error::RecvError;

use super::monitor_chats::ChatRow;
use super::monitor_diff::Table;
use super::monitor_feed::Change;
use super::monitor_rows::{AgentRow, QueueRow, View};
use super::page::Viewer;
use super::supervisor::{MonitorFragment, require_supervisor};
use crate::error::ApiResult;
use crate::i18n::Tr;
use crate::state::AppState;

use crate::routes::notice_socket::{PING, listen_only};

#[derive(Template)]
#[template(path = "supervisor_queue_row.html")]
struct QueueRowHtml<'a> {
    tr: Tr,
    q: &'a QueueRow,
    now: i64,
}

#[derive(Template)]
#[template(path = "supervisor_agent_row.html")]
struct AgentRowHtml<'a> {
    tr: Tr,
    a: &'a AgentRow,
}

#[derive(Template)]
#[template(path = "supervisor_chat_row.html")]
struct ChatRowHtml<'a> {
    tr: Tr,
    c: &'a ChatRow,
    now: i64,
}

/// A frame: `{"event", "data"}`.
#[derive(Serialize)]
struct Frame<D> {
    event: &'static str,
    data: D,
}

/// The whole monitor.
#[derive(Serialize)]
struct Whole {
    now: i64,
    html: String,
}

/// The rows that changed.
#[derive(Serialize)]
struct Changed {
    now: i64,
    set: Vec<SetRow>,
    gone: Vec<GoneRow>,
    counts: Counts,
}

/// A new or changed row.
#[derive(Serialize)]
struct SetRow {
    table: &'static str,
    id: i64,
    sort: String,
    html: String,
}

impl SetRow {
    fn new(table: Table, id: i64, sort: String, html: String) -> SetRow {
        SetRow {
            table: table.as_str(),
            id,
            sort,
            html,
        }
    }
}

/// A row that went.
#[derive(Serialize)]
struct GoneRow {
    table: &'static str,
    id: i64,
}

/// The counts in the tables' captions.
#[derive(Serialize)]
struct Counts {
    agents: usize,
    logged_out: usize,
    chats: usize,
}

/// A frame's text.
fn text<D: Serialize>(event: &'static str, data: D) -> Result<String, askama::Error> {
    serde_json::to_string(&Frame { event, data }).map_err(|e| askama::Error::Custom(e.into()))
}

/// The whole monitor within `scope`.
fn full(tr: Tr, scope: &Scope, v: &View) -> Result<String, askama::Error> {
    let html = MonitorFragment {
        tr,
        monitor: v.scoped(scope),
    }
    .render()?;
    text("full", Whole { now: v.now, html })
}

/// The rows of `change` within `scope`, or `None` when none is.
fn rows(tr: Tr, scope: &Scope, change: &Change) -> Result<Option<String>, askama::Error> {
    let (v, d) = (&change.view, &change.diff);
    if d.full {
        return full(tr, scope, v).map(Some);
    }
    let now = v.now;
    let mut set = Vec::new();
    for q in d.queues.iter().filter_map(|i| v.queues.get(*i)) {
        if scope.allows(q.department_id) {
            let html = QueueRowHtml { tr, q, now }.render()?;
            set.push(SetRow::new(Table::Queue, q.id, q.sort_key(), html));
        }
    }
    for a in d.agents.iter().filter_map(|i| v.agents.get(*i)) {
        if scope.allows(a.department_id) {
            let html = AgentRowHtml { tr, a }.render()?;
            set.push(SetRow::new(Table::Agent, a.id, a.sort_key(), html));
        }
    }
    for c in d.chats.iter().filter_map(|i| v.chats.get(*i)) {
        if scope.allows(c.department_id) {
            let html = ChatRowHtml { tr, c, now }.render()?;
            set.push(SetRow::new(Table::Chat, c.id, c.sort_key(), html));
        }
    }
    let gone: Vec<GoneRow> = d
        .gone
        .iter()
        .filter(|g| scope.allows(g.department_id))
        .map(|g| GoneRow {
            table: g.table.as_str(),
            id: g.id,
        })
        .collect();
    if set.is_empty() && gone.is_empty() && !d.counts {
        return Ok(None);
    }
    let count = |all: usize, n: usize| if matches!(scope, Scope::All) { all } else { n };
    let agents = count(
        v.agents.len(),
        v.agents
            .iter()
            .filter(|a| scope.allows(a.department_id))
            .count(),
    );
    let chats = count(
        v.chats.len(),
        v.chats
            .iter()
            .filter(|c| scope.allows(c.department_id))
            .count(),
    );
    let counts = Counts {
        agents,
        logged_out: v.logged_out_in(scope),
        chats,
    };
    text(
        "rows",
        Changed {
            now,
            set,
            gone,
            counts,
        },
    )
    .map(Some)
}

/// `GET /ui/supervisor/monitor/live` (see the module's documentation).
pub async fn live(
    State(s): State<AppState>,
    viewer: Viewer,
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let ws = listen_only(ws, &headers, &uri, "monitor's socket")?;
    let feed = std::sync::Arc::clone(&s.monitor_feed);
    let (view, seq, changes) = feed.follow(&s).await?;
    let (tr, scope) = (viewer.tr(), viewer.0.scope.clone());
    let closing = s.closing();
    Ok(ws
        .on_upgrade(move |socket| async move {
            let follower = Follower {
                tr,
                scope,
                feed,
                seq,
            };
            follower.serve(socket, view, changes, closing).await;
        })
        .into_response())
}

/// One supervisor's socket.
struct Follower {
    tr: Tr,
    scope: Scope,
    feed: std::sync::Arc<super::monitor_feed::MonitorFeed>,
    /// The number of the view the page shows.
    seq: u64,
}

impl Follower {
    async fn serve(
        mut self,
        mut socket: WebSocket,
        first: std::sync::Arc<View>,
        mut changes: tokio::sync::broadcast::Receiver<std::sync::Arc<Change>>,
        mut closing: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut out = full(self.tr, &self.scope, &first).ok();
        drop(first);
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
        loop {
            if let Some(frame) = out.take() {
                if socket.send(Message::Text(frame.into())).await.is_err() {
                    return;
                }
                continue;
            }
            tokio::select! {
                r = changes.recv() => match r {
                    Ok(change) if change.seq > self.seq => {
                        self.seq = change.seq;
                        out = rows(self.tr, &self.scope, &change).unwrap_or_else(|e| {
                            tracing::error!(error = %e, "a monitor row could not be shown");
                            None
                        });
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        // Fell behind: the whole monitor as it is now.
                        if let Some((v, seq)) = self.feed.now() {
                            self.seq = seq;
                            out = full(self.tr, &self.scope, &v).ok();
                        }
                    }
                    Err(RecvError::Closed) => return,
                },
                m = socket.recv() => match m {
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Default::default())).await.is_err() {
                        return;
                    }
                }
                () = crate::state::shutting_down(&mut closing) => return,
            }
        }
    }
}
