//! The agent's one inbox: the list (emails, chats and callbacks together, with channel,
//! customer, queue, waiting time and service-level due time), the conversation and the customer
//! side by side — three panes at 1280 px and wider, stacked on a phone. Views (mine, offered,
//! waiting in my queues), a channel filter and the agent's saved views choose the list; it
//! refreshes live; `j`/`k` walk it and `?` shows the shortcuts (`app.js`). After an item is
//! done, `/inbox/next` opens the one that followed it (`inbox::next_after`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_domain::inbox::{self, InboxChannel, InboxFilter, InboxView, SavedView};
use switchboard_domain::{ActivityId, ActivityStatus};

use super::agent::{PresenceView, presence_of};
use super::monitor_rows::age;
use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::extract::Id;
use crate::routes::inbox::{InboxLine, lines_of};
use crate::state::AppState;

/// The inbox's query string, read leniently: a page never fails on an unknown view.
#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    /// The item open now (the list marks it).
    #[serde(default)]
    open: Option<i64>,
    /// The item just done (`/inbox/next`).
    #[serde(default)]
    after: Option<i64>,
    /// The ids the list showed, in order, comma-separated (`/inbox/next`).
    #[serde(default)]
    shown: Option<String>,
}

impl InboxQuery {
    /// The filter asked for (the defaults for what is missing or unknown).
    pub fn filter(&self) -> InboxFilter {
        InboxFilter {
            view: self
                .view
                .as_deref()
                .and_then(InboxView::parse)
                .unwrap_or_default(),
            channel: self.channel.as_deref().and_then(InboxChannel::parse),
        }
    }
}

/// The list pane.
pub struct InboxPane {
    /// What it shows.
    pub filter: InboxFilter,
    /// Its lines, in order.
    pub lines: Vec<InboxLine>,
    /// The viewer's saved views.
    pub views: Vec<SavedView>,
    /// The item open beside it.
    pub open: Option<ActivityId>,
}

impl InboxPane {
    /// The filter's query string.
    pub fn query(&self) -> String {
        self.filter.query()
    }

    /// The views to choose from: `(href, label, current)`.
    pub fn view_tabs(&self) -> Vec<(String, &'static str, bool)> {
        InboxView::ALL
            .into_iter()
            .map(|v| {
                let f = InboxFilter {
                    view: v,
                    ..self.filter
                };
                (
                    format!("/inbox?{}", f.query()),
                    v.label(),
                    v == self.filter.view,
                )
            })
            .collect()
    }

    /// The channel filters: `(href, label, current)`, "All" first.
    pub fn channel_tabs(&self) -> Vec<(String, &'static str, bool)> {
        let all = InboxFilter {
            channel: None,
            ..self.filter
        };
        let mut out = vec![(
            format!("/inbox?{}", all.query()),
            "All",
            self.filter.channel.is_none(),
        )];
        out.extend(InboxChannel::ALL.into_iter().map(|c| {
            let f = InboxFilter {
                channel: Some(c),
                ..self.filter
            };
            (
                format!("/inbox?{}", f.query()),
                c.label(),
                self.filter.channel == Some(c),
            )
        }));
        out
    }

    /// The saved views: `(href, name, current)`.
    pub fn saved(&self) -> Vec<(String, String, bool)> {
        self.views
            .iter()
            .map(|v| {
                (
                    format!("/inbox?{}", v.filter().query()),
                    v.name.clone(),
                    v.filter() == self.filter,
                )
            })
            .collect()
    }

    /// Where a line opens: the item beside the list (work held or offered), or nothing for work
    /// waiting in a queue (it is taken first).
    pub fn href(&self, l: &InboxLine) -> String {
        if self.filter.view == InboxView::Waiting {
            return String::new();
        }
        format!("/inbox/{}?{}", l.row.activity_id, self.query())
    }

    /// Whether `l` is the item open beside the list.
    pub fn is_open(&self, l: &InboxLine) -> bool {
        self.open == Some(l.row.activity_id)
    }

    /// Whether `l` is an offer.
    pub fn offered(&self, l: &InboxLine) -> bool {
        l.row.status == ActivityStatus::Offered
    }

    /// How long `l` has waited, for people.
    pub fn waited(&self, l: &InboxLine) -> String {
        age(l.row.waiting_secs * 1000)
    }

    /// The ids listed, comma-separated (what `/inbox/next` compares with).
    pub fn shown(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.row.activity_id.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What an empty list says.
    pub fn empty_text(&self) -> &'static str {
        match self.filter.view {
            InboxView::Mine => "Nothing here. New work appears as it is offered to you.",
            InboxView::Offered => "No offers waiting for your answer.",
            InboxView::Waiting => "Nothing waits in the queues you serve.",
        }
    }
}

/// The list pane for `viewer` under `q`, with `open` marked.
pub async fn pane(
    s: &AppState,
    viewer: &Viewer,
    q: &InboxQuery,
    open: Option<ActivityId>,
) -> ApiResult<InboxPane> {
    let filter = q.filter();
    Ok(InboxPane {
        filter,
        lines: lines_of(s, &viewer.0, filter).await?,
        views: s.store.inbox_views(viewer.0.user.id).await?,
        open,
    })
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    presence: PresenceView,
    pane: InboxPane,
}

#[derive(Template)]
#[template(path = "inbox_items.html")]
struct ItemsFragment {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    pane: InboxPane,
}

/// `GET /inbox`: the list, and a hint to open an item.
pub async fn page(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Response> {
    let pane = pane(&s, &viewer, &q, None).await?;
    let mut chrome = Chrome::new(&viewer, "/inbox", "agent");
    chrome.inbox = pane.query();
    Ok(render(&InboxPage {
        tr: viewer.tr(),
        presence: presence_of(&s, &viewer).await?,
        chrome,
        pane,
    }))
}

/// `GET /inbox/{id}`: the item beside the list and the customer.
pub async fn item(
    State(s): State<AppState>,
    viewer: Viewer,
    Id(id): Id,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Response> {
    let open = ActivityId(id);
    let pane = pane(&s, &viewer, &q, Some(open)).await?;
    let presence = presence_of(&s, &viewer).await?;
    super::activity::show(&s, &viewer, open, Some((pane, presence))).await
}

/// `GET /ui/inbox/list`: the list's items, refreshed live.
pub async fn items(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Response> {
    let open = q.open.map(ActivityId);
    Ok(render(&ItemsFragment {
        tr: viewer.tr(),
        pane: pane(&s, &viewer, &q, open).await?,
    }))
}

/// `GET /inbox/next?after=…&shown=…`: the item that follows the one just done, or the list.
pub async fn next(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InboxQuery>,
) -> ApiResult<Response> {
    let filter = q.filter();
    // Work waiting in a queue is taken, not opened: after it, the list.
    let now_listed: Vec<ActivityId> = if filter.view == InboxView::Waiting {
        Vec::new()
    } else {
        lines_of(&s, &viewer.0, filter)
            .await?
            .iter()
            .map(|l| l.row.activity_id)
            .collect()
    };
    let before: Vec<ActivityId> = q
        .shown
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(|n| n.trim().parse().ok().map(ActivityId))
        .collect();
    let done = ActivityId(q.after.unwrap_or_default());
    let to = match inbox::next_after(&before, &now_listed, done) {
        Some(id) => format!("/inbox/{id}?{}", filter.query()),
        None => format!("/inbox?{}", filter.query()),
    };
    Ok(Redirect::to(&to).into_response())
}
