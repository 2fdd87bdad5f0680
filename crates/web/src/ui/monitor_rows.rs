//! The monitor's rows for every department at one moment (a [`View`]): queues (waiting, oldest,
//! service level today, agents ready and busy per channel), agents (state, load per channel,
//! current work) and chats going on. A page shows the part within its viewer's scope; the live
//! feed (`monitor_feed`) compares two views row by row. Times are kept as instants, not ages,
//! so a row changes only when its figures do; ages are worked out when a row is shown.

use std::collections::HashMap;
use std::sync::Arc;

use switchboard_domain::{ChannelKind, DepartmentId, Scope, UserId};
use switchboard_routing::{AgentState, QueueStats};

use super::monitor_chats::ChatRow;
use super::names::Names;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `1 h 02 m`, `3 m 12 s`, `45 s`.
pub(super) fn age(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} m {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} m", s / 3600, (s % 3600) / 60),
    }
}

/// A queue's row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct QueueRow {
    pub id: i64,
    pub department_id: DepartmentId,
    pub name: String,
    pub department: String,
    pub waiting: usize,
    /// Since when the oldest waiting item waits (ms since the epoch); 0 when nothing waits.
    pub oldest_since: i64,
    /// `"93 %"`, or `"—"` before any work today.
    pub service_level: String,
    pub taken_today: u32,
    /// `(channel, ready, busy)` for channels with someone ready or busy.
    pub channels: Vec<(&'static str, usize, usize)>,
    /// Oldest wait is past the service level.
    pub late: bool,
}

impl QueueRow {
    /// How long the oldest item has waited at `now`, or `—`.
    pub fn oldest(&self, now: &i64) -> String {
        if self.waiting == 0 {
            "—".into()
        } else {
            age(now - self.oldest_since)
        }
    }

    /// The key rows are listed by (department, then name).
    pub fn sort_key(&self) -> String {
        format!("{}\u{1f}{}", self.department, self.name)
    }
}

/// An agent's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AgentRow {
    pub id: i64,
    pub department_id: DepartmentId,
    pub name: String,
    /// `Ready`, `Not ready`, `Logged out`.
    pub state: &'static str,
    /// Channels ready on.
    pub ready_on: Vec<&'static str>,
    pub reason: String,
    /// `(channel, load, capacity)` for channels with capacity.
    pub load: Vec<(&'static str, u8, u8)>,
    pub work: Vec<i64>,
}

impl AgentRow {
    /// The key rows are listed by (name).
    pub fn sort_key(&self) -> String {
        format!("{}\u{1f}{:020}", self.name, self.id)
    }
}

fn queue_row(st: &QueueStats, q: &super::names::QueueName, now: i64) -> QueueRow {
    let channels = ChannelKind::ALL
        .iter()
        .zip(st.ready.iter().zip(st.busy.iter()))
        .filter(|(_, (r, b))| **r > 0 || **b > 0)
        .map(|(c, (r, b))| (c.label(), *r, *b))
        .collect();
    QueueRow {
        id: st.queue.0,
        department_id: q.department_id,
        name: q.name.clone(),
        department: q.department.clone(),
        waiting: st.waiting,
        oldest_since: if st.waiting == 0 {
            0
        } else {
            now - st.oldest_wait_ms
        },
        service_level: st
            .service_level_pct()
            .map_or_else(|| "—".into(), |p| format!("{p:.0} %")),
        taken_today: st.taken_today,
        channels,
        late: st.waiting > 0 && st.oldest_wait_ms > i64::from(q.service_level_secs) * 1000,
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
        department_id: a.department_id,
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

/// The monitor of every department at one moment.
#[derive(Debug, Clone, Default)]
pub(super) struct View {
    /// When (ms since the epoch).
    pub now: i64,
    /// The router does not run (nor answer from another node).
    pub router_down: bool,
    /// Queues, by department and name.
    pub queues: Vec<QueueRow>,
    /// Agents logged in or holding work, by name (shared with the next view while unchanged).
    pub agents: Vec<Arc<AgentRow>>,
    /// Chats going on, by id.
    pub chats: Vec<ChatRow>,
    /// Agents logged out (with work or not), per department.
    pub logged_out: HashMap<DepartmentId, usize>,
}

/// What a page shows of a [`View`]: its viewer's scope.
pub(super) struct Monitor<'a> {
    pub now: i64,
    pub queues: Vec<&'a QueueRow>,
    pub agents: Vec<&'a AgentRow>,
    pub chats: Vec<&'a ChatRow>,
    pub logged_out: usize,
    pub router_down: bool,
}

impl View {
    /// The part within `scope`.
    pub fn scoped(&self, scope: &Scope) -> Monitor<'_> {
        Monitor {
            now: self.now,
            queues: self
                .queues
                .iter()
                .filter(|r| scope.allows(r.department_id))
                .collect(),
            agents: self
                .agents
                .iter()
                .map(|r| &**r)
                .filter(|r| scope.allows(r.department_id))
                .collect(),
            chats: self
                .chats
                .iter()
                .filter(|r| scope.allows(r.department_id))
                .collect(),
            logged_out: self.logged_out_in(scope),
            router_down: self.router_down,
        }
    }

    /// Agents logged out within `scope`.
    pub fn logged_out_in(&self, scope: &Scope) -> usize {
        self.logged_out
            .iter()
            .filter(|(d, _)| scope.allows(**d))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The agents' rows of the last view with the router's states they were made from, so the next
/// view makes rows only for agents whose state (or name) changed: with thousands of agents, a
/// view that follows every change would otherwise spend its time remaking the same rows.
#[derive(Default)]
pub(super) struct Rows {
    agents: HashMap<UserId, (AgentState, Arc<AgentRow>)>,
    names: Option<Arc<Names>>,
    /// The rows shown, in the last view's order.
    order: Vec<UserId>,
}

/// The monitor of every department now: the router's figures with their names, and the chats.
/// `rows` holds the previous view's agent rows (empty: every row is made).
pub(super) async fn view(s: &AppState, rows: &mut Rows) -> ApiResult<View> {
    let now = crate::state::now().millis();
    let chats = super::monitor_chats::chat_rows(s).await?;
    let Ok(router) = s.router() else {
        return Ok(View {
            now,
            router_down: true,
            chats,
            ..View::default()
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
    let mut queues: Vec<QueueRow> = stats
        .iter()
        .filter_map(|st| Some(queue_row(st, names.queues.get(&st.queue)?, now)))
        .collect();
    queues.sort_by(|a, b| (&a.department, &a.name).cmp(&(&b.department, &b.name)));
    let same_names = rows.names.as_ref().is_some_and(|n| Arc::ptr_eq(n, &names));
    let mut logged_out: HashMap<DepartmentId, usize> = HashMap::new();
    let mut shown = Vec::with_capacity(agents.len());
    let mut kept = HashMap::with_capacity(agents.len());
    for a in agents {
        if !a.logged_in {
            *logged_out.entry(a.department_id).or_default() += 1;
            if a.work.is_empty() {
                continue;
            }
        }
        let row = match rows.agents.remove(&a.id) {
            Some((before, row)) if same_names && before == a => row,
            _ => {
                let name = names
                    .users
                    .get(&a.id)
                    .map_or_else(|| format!("#{}", a.id.0), Clone::clone);
                Arc::new(agent_row(&a, name))
            }
        };
        shown.push(Arc::clone(&row));
        kept.insert(a.id, (a, row));
    }
    // The same agents under the same names keep the last view's order (no sorting by name).
    let same_order = same_names
        && rows.order.len() == kept.len()
        && rows.order.iter().all(|id| kept.contains_key(id));
    if same_order {
        shown = rows
            .order
            .iter()
            .filter_map(|id| kept.get(id).map(|(_, row)| Arc::clone(row)))
            .collect();
    } else {
        shown.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    }
    rows.order = shown.iter().map(|r| UserId(r.id)).collect();
    rows.agents = kept;
    rows.names = Some(names);
    Ok(View {
        now,
        router_down: false,
        queues,
        agents: shown,
        chats,
        logged_out,
    })
}
