//! The supervisor's view of mail that has not left: queued replies whose last attempt failed
//! for now and that the dispatcher keeps retrying, with the last error, the attempts made and
//! when the next one is due, of the supervisor's own department (administrators: all). (Mail
//! given up for good is a delivery exception.)

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::RetryingMessage;
use switchboard_store::PageRequest;

use super::monitor_rows::age;
use super::page::{Chrome, Viewer, render};
use super::supervisor::require_supervisor;
use crate::error::ApiResult;
use crate::state::AppState;

/// One message's row.
struct Row {
    m: RetryingMessage,
    /// The recipients, comma-separated.
    to: String,
    /// How long it has been queued.
    queued: String,
}

#[derive(Template)]
#[template(path = "supervisor_outbox.html")]
struct OutboxPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    rows: Vec<Row>,
    /// More than one page waits: only the oldest are shown.
    more: bool,
}

/// `GET /supervisor/outbox`: replies waiting to be sent again, oldest first.
pub async fn outbox(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let page = s
        .store
        .list_retrying(
            &viewer.0.scope,
            None,
            &PageRequest::first(switchboard_store::MAX_PAGE),
        )
        .await?;
    let now = crate::state::now();
    let rows = page
        .items
        .into_iter()
        .map(|m| Row {
            to: m
                .to
                .iter()
                .map(|r| r.address.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            queued: age(now.millis() - m.queued_at.millis()),
            m,
        })
        .collect();
    Ok(render(&OutboxPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/supervisor/outbox", ""),
        rows,
        more: page.next_cursor.is_some(),
    }))
}
