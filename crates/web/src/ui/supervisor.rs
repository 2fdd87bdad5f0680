//! The supervisor console: the live monitor of queues (waiting, oldest, service level today,
//! agents ready and busy per channel), of agents (state, load per channel, current work) and of
//! chats going on (`monitor_chats`), and the review queue (replies waiting for a reviewer).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::{Activity, ActivityStatus, ChannelKind, QueueKind, Scope};
use switchboard_routing::{AgentState, QueueStats};
use switchboard_store::{ActivityFilter, PageRequest, QueueFilter};

use super::names::all_pages;
use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A queue's row.
struct QueueRow {
    id: i64,
    name: String,
    department: String,
    waiting: usize,
    oldest: String,
    /// `"93 %"`, or `"—"` before any work today.
    service_level: String,
    taken_today: u32,
    /// `(channel, ready, busy)` for channels with someone ready or busy.
    channels: Vec<(&'static str, usize, usize)>,
    /// Oldest wait is past the service level.
    late: bool,
}

/// An agent's row.
struct AgentRow {
    id: i64,
    name: String,
    /// `Ready`, `Not ready`, `Logged out`.
    state: &'static str,
    /// Channels ready on.
    ready_on: Vec<&'static str>,
    reason: String,
    /// `(channel, load, capacity)` for channels with capacity.
    load: Vec<(&'static str, u8, u8)>,
    work: Vec<i64>,
}

/// The monitor's figures.
struct Monitor {
    queues: Vec<QueueRow>,
    agents: Vec<AgentRow>,
    chats: Vec<super::monitor_chats::ChatRow>,
    logged_out: usize,
    router_down: bool,
}

#[derive(Template)]
#[template(path = "supervisor.html")]
struct MonitorPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    monitor: Monitor,
}

#[derive(Template)]
#[template(path = "supervisor_monitor.html")]
struct MonitorFragment {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    monitor: Monitor,
}

/// `1 h 02 m`, `3 m 12 s`, `45 s`.
pub(super) fn age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} m {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} m", s / 3600, (s % 3600) / 60),
    }
}

fn queue_row(st: &QueueStats, name: String, department: String, sl_secs: u32) -> QueueRow {
    let channels = ChannelKind::ALL
        .iter()
        .zip(st.ready.iter().zip(st.busy.iter()))
        .filter(|(_, (r, b))| **r > 0 || **b > 0)
        .map(|(c, (r, b))| (c.label(), *r, *b))
        .collect();
    QueueRow {
        id: st.queue.0,
        name,
        department,
        waiting: st.waiting,
        oldest: if st.waiting == 0 {
            "—".into()
        } else {
            age(st.oldest_wait_ms)
        },
        service_level: st
            .service_level_pct()
            .map_or_else(|| "—".into(), |p| format!("{p:.0} %")),
        taken_today: st.taken_today,
        channels,
        late: st.waiting > 0 && st.oldest_wait_ms > i64::from(sl_secs) * 1000,
    }
}

fn agent_row(a: &AgentState, name: String) -> AgentRow {
    let ready_on: Vec<&'static str> = ChannelKind::ALL
        .iter()
        .zip(a.ready.iter())
        .filter(|(_, r)| **r)
        .map(|(c, _)| c.label())
        .collect();
    let state = match (a.logged_in, ready_on.is_empty()) {
        (false, _) => "Logged out",
        (true, false) => "Ready",
        (true, true) => "Not ready",
    };
    AgentRow {
        id: a.id.0,
        name,
        state,
        ready_on,
        reason: a.reason.clone().unwrap_or_default(),
        load: ChannelKind::ALL
            .iter()
            .zip(a.load.iter().zip(a.capacity.iter()))
            .filter(|(_, (_, cap))| **cap > 0)
            .map(|(c, (l, cap))| (c.label(), *l, *cap))
            .collect(),
        work: a.work.iter().map(|w| w.0).collect(),
    }
}

/// The router's figures for the queues and agents within `scope`.
async fn monitor(s: &AppState, scope: &Scope) -> ApiResult<Monitor> {
    let Ok(router) = s.router() else {
        return Ok(Monitor {
            queues: Vec::new(),
            agents: Vec::new(),
            chats: Vec::new(),
            logged_out: 0,
            router_down: true,
        });
    };
    let (stats, agents) = router.monitor().await.map_err(ApiError::from)?;
    let names = s
        .monitor_names
        .get(
            s,
            stats.iter().map(|q| q.queue),
            agents.iter().map(|a| a.id),
        )
        .await?;
    let mut rows: Vec<QueueRow> = stats
        .iter()
        .filter_map(|st| {
            let q = names.queues.get(&st.queue)?;
            if !scope.allows(q.department_id) {
                return None;
            }
            Some(queue_row(
                st,
                q.name.clone(),
                q.department.clone(),
                q.service_level_secs,
            ))
        })
        .collect();
    rows.sort_by(|a, b| (&a.department, &a.name).cmp(&(&b.department, &b.name)));
    let agents: Vec<_> = agents
        .iter()
        .filter(|a| {
            names
                .user_departments
                .get(&a.id)
                .is_some_and(|d| scope.allows(*d))
        })
        .collect();
    let logged_out = agents.iter().filter(|a| !a.logged_in).count();
    let mut agent_rows: Vec<AgentRow> = agents
        .iter()
        .filter(|a| a.logged_in || !a.work.is_empty())
        .map(|a| {
            let name = names
                .users
                .get(&a.id)
                .map_or_else(|| format!("#{}", a.id.0), Clone::clone);
            agent_row(a, name)
        })
        .collect();
    agent_rows.sort_by(|a, b| a.name.cmp(&b.name));
    let chats = super::monitor_chats::chat_rows(s, scope, crate::state::now()).await?;
    Ok(Monitor {
        queues: rows,
        agents: agent_rows,
        chats,
        logged_out,
        router_down: false,
    })
}

/// Supervisors and administrators only.
pub(super) fn require_supervisor(viewer: &Viewer) -> ApiResult<()> {
    if !viewer.0.user.role.oversees() {
        return Err(ApiError::forbidden("open the supervisor console"));
    }
    Ok(())
}

/// `GET /supervisor`.
pub async fn console(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    Ok(render(&MonitorPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/supervisor", "monitor"),
        monitor: monitor(&s, &viewer.0.scope).await?,
    }))
}

/// `GET /ui/supervisor/monitor`: the figures, refreshed live.
pub async fn figures(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    Ok(render(&MonitorFragment {
        tr: viewer.tr(),
        monitor: monitor(&s, &viewer.0.scope).await?,
    }))
}

/// A reply waiting for review.
struct ReviewRow {
    activity: Activity,
    queue: String,
    waiting: String,
}

#[derive(Template)]
#[template(path = "supervisor_review.html")]
struct ReviewPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    rows: Vec<ReviewRow>,
}

/// `GET /supervisor/review`: replies waiting in review queues, oldest first.
pub async fn review(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    require_supervisor(&viewer)?;
    let st = &s.store;
    let scope = &viewer.0.scope;
    let queues =
        all_pages(|p| async move { st.list_queues(scope, &QueueFilter::default(), &p).await })
            .await?;
    let now = crate::state::now();
    let mut rows = Vec::new();
    for q in queues.iter().filter(|q| q.kind == QueueKind::Review) {
        let page = PageRequest::first(switchboard_store::MAX_PAGE);
        let items = st
            .list_activities(
                &viewer.0.scope,
                &ActivityFilter {
                    queue_id: Some(q.id),
                    ..ActivityFilter::default()
                },
                &page,
            )
            .await?
            .items;
        for a in items.into_iter().filter(|a| {
            !matches!(
                a.status,
                ActivityStatus::Completed | ActivityStatus::Abandoned
            )
        }) {
            rows.push(ReviewRow {
                waiting: age(now.millis() - a.created_at.millis()),
                queue: q.name.clone(),
                activity: a,
            });
        }
    }
    rows.sort_by_key(|r| r.activity.created_at.millis());
    Ok(render(&ReviewPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/supervisor/review", ""),
        rows,
    }))
}
