//! The agent console: availability per channel in the header (the channels the department uses)
//! and the live list of my work (offers with their count-down, accept and decline; work in
//! progress, with what Start means).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::{ChannelKind, Presence, Scope};
use switchboard_store::PageRequest;

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::routes::routing::{MyWork, work_of};
use crate::state::{AppState, now};

/// Reasons an agent may give for not being ready (stored in English, shown in the viewer's
/// language).
pub(crate) const REASONS: [&str; 5] = ["Break", "Lunch", "Meeting", "Training", "Other"];

/// One channel's readiness switch.
pub(super) struct ChannelView {
    pub(super) kind: &'static str,
    pub(super) label: &'static str,
    pub(super) ready: bool,
}

/// The availability part of the header.
pub(super) struct PresenceView {
    pub(super) any_ready: bool,
    pub(super) channels: Vec<ChannelView>,
    /// The reasons to choose from, with whether it is the current one.
    pub(super) reasons: Vec<(&'static str, bool)>,
}

/// The channels the agent's department uses: email always, chat, callback and delayed callback
/// once it has an active entry point of that kind. Readiness for the others stays out of sight.
async fn in_use(s: &AppState, viewer: &Viewer) -> ApiResult<Vec<ChannelKind>> {
    let mut used = vec![ChannelKind::InboundEmail, ChannelKind::OutboundEmail];
    let dept = viewer.0.user.department_id;
    let eps = s
        .store
        .list_entry_points(&Scope::All, Some(dept), &PageRequest::first(200))
        .await?;
    for e in eps.items.iter().filter(|e| e.active) {
        let c = e.kind.channel();
        if !used.contains(&c) {
            used.push(c);
        }
    }
    Ok(used)
}

/// The viewer's availability switches as the header shows them.
pub(super) async fn presence_of(s: &AppState, viewer: &Viewer) -> ApiResult<PresenceView> {
    let p = s.store.presence(viewer.0.user.id, now()).await?;
    Ok(presence_view(viewer, &p, &in_use(s, viewer).await?))
}

fn presence_view(viewer: &Viewer, p: &Presence, used: &[ChannelKind]) -> PresenceView {
    let capacity = &viewer.0.user.capacity;
    PresenceView {
        any_ready: p.logged_in && p.ready.values().any(|r| *r),
        channels: ChannelKind::ALL
            .into_iter()
            .filter(|c| used.contains(c) && capacity.get(c).is_some_and(|n| *n > 0))
            .map(|c| ChannelView {
                kind: c.as_str(),
                label: c.label(),
                ready: p.ready.get(&c).copied().unwrap_or(false),
            })
            .collect(),
        reasons: REASONS
            .iter()
            .map(|r| (*r, p.reason.as_deref() == Some(*r)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "agent.html")]
struct AgentPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    presence: PresenceView,
    work: MyWork,
}

#[derive(Template)]
#[template(path = "agent_work.html")]
struct WorkFragment {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    work: MyWork,
}

#[derive(Template)]
#[template(path = "agent_presence.html")]
struct PresenceFragment {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    presence: PresenceView,
}

/// `GET /agent`.
pub async fn console(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let me = viewer.0.user.id;
    Ok(render(&AgentPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/agent", "agent"),
        presence: presence_of(&s, &viewer).await?,
        work: work_of(&s, me).await?,
    }))
}

/// `GET /ui/agent/work`: the list, refreshed live.
pub async fn work(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    Ok(render(&WorkFragment {
        tr: viewer.tr(),
        work: work_of(&s, viewer.0.user.id).await?,
    }))
}

/// `GET /ui/agent/presence`: the availability switches, refreshed live.
pub async fn presence(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    Ok(render(&PresenceFragment {
        tr: viewer.tr(),
        presence: presence_of(&s, &viewer).await?,
    }))
}
