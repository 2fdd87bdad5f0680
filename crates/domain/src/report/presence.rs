//! Agents' ready and not-ready time, by reason: each presence an agent held while logged in is
//! a state (ready on some channel, or not ready for a reason) kept from one change to the next;
//! its time is split into the rollup's 15-minute intervals as it closes. A state still open is
//! added up to now when a report reads it. The Agent Presence report shows, per agent and
//! period, the time logged in, ready and not ready (in all and per reason), the handle time and
//! the occupancy (handle time over time logged in; above 100 % when work ran side by side).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::definitions::{Column, PeriodMemo, ReportTable, Shape, table};
use super::rollup::{AgentFigures, AgentKey, INTERVAL_MS, interval_of};
use crate::routing::Presence;
use crate::time::Timestamp;

/// What an agent's presence counts as: ready (on some channel), or not ready for a reason
/// (empty: none given). `None` from [`AgentState::of`]: logged out, not counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentState {
    /// Ready for new work on at least one channel.
    pub ready: bool,
    /// Why not ready (empty when ready or when no reason was given); shared, as a month of
    /// state times holds the same few reasons hundreds of thousands of times.
    pub reason: Arc<str>,
}

impl AgentState {
    /// The state of presence `p`; `None` when logged out.
    pub fn of(p: &Presence) -> Option<AgentState> {
        if !p.logged_in {
            return None;
        }
        let ready = p.ready.values().any(|r| *r);
        Some(AgentState {
            ready,
            reason: if ready {
                Arc::from("")
            } else {
                Arc::from(p.reason.as_deref().unwrap_or_default().trim())
            },
        })
    }
}

/// Time an agent spent in a state within one 15-minute interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateTime {
    /// The interval's start (ms, UTC).
    pub interval: i64,
    /// The agent.
    pub agent: i64,
    /// The state.
    pub state: AgentState,
    /// The time (ms).
    pub ms: i64,
}

/// The time from `from_ms` to `to_ms` split at the 15-minute interval bounds:
/// `(interval start, ms)` for each interval it touches (nothing when `to_ms <= from_ms`).
pub fn split(from_ms: i64, to_ms: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut at = from_ms;
    while at < to_ms {
        let start = interval_of(at);
        let end = (start + INTERVAL_MS).min(to_ms);
        out.push((start, end - at));
        at = end;
    }
    out
}

/// The times of `agent`'s state `state` held from `from_ms` to `to_ms`, by interval.
pub fn state_times(agent: i64, state: &AgentState, from_ms: i64, to_ms: i64) -> Vec<StateTime> {
    split(from_ms, to_ms)
        .into_iter()
        .map(|(interval, ms)| StateTime {
            interval,
            agent,
            state: state.clone(),
            ms,
        })
        .collect()
}

/// The times of the states agents still hold (`held`, each since its `updated_at`) within
/// `from_ms`..`to_ms`, counted until `now_ms`.
pub fn held_times(held: &[Presence], from_ms: i64, to_ms: i64, now_ms: i64) -> Vec<StateTime> {
    held.iter()
        .filter_map(|p| {
            let state = AgentState::of(p)?;
            let start = p.updated_at.millis().max(from_ms);
            Some(state_times(p.user_id.0, &state, start, to_ms.min(now_ms)))
        })
        .flatten()
        .collect()
}

/// What a presence write means for the reports: the state times it closes, the time to keep as
/// the presence's start, and whether the presence changed at all (an event is recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceStep {
    /// The time of the state left, by interval (empty when the state stays).
    pub closed: Vec<StateTime>,
    /// Since when the new presence's state is held: now when it changed, else as before.
    pub since: Timestamp,
    /// Whether anything of the presence changed.
    pub changed: bool,
}

/// The step from presence `before` (none: never recorded) to `after` at `now`. A state that
/// stays (a changed reason while ready, a repeated request) keeps its start, so its time is
/// counted once when it ends.
pub fn presence_step(before: Option<&Presence>, after: &Presence, now: Timestamp) -> PresenceStep {
    let Some(b) = before else {
        return PresenceStep {
            closed: Vec::new(),
            since: now,
            changed: true,
        };
    };
    let changed =
        b.logged_in != after.logged_in || b.ready != after.ready || b.reason != after.reason;
    let old = AgentState::of(b);
    if old == AgentState::of(after) {
        return PresenceStep {
            closed: Vec::new(),
            since: b.updated_at,
            changed,
        };
    }
    let closed = match old {
        Some(state) => state_times(after.user_id.0, &state, b.updated_at.millis(), now.millis()),
        None => Vec::new(),
    };
    PresenceStep {
        closed,
        since: now,
        changed,
    }
}

/// An agent's state times in a period, summed.
#[derive(Debug, Clone, Default)]
pub(super) struct Figures {
    pub(super) ready_ms: i64,
    pub(super) not_ready_ms: i64,
    /// Not-ready time per reason, in the order of the report's [`Reasons`] (empty: none).
    pub(super) by_reason: Vec<i64>,
    pub(super) handle_ms: i64,
}

impl Figures {
    pub(super) fn add_state(&mut self, s: &StateTime, reasons: &Reasons) {
        if s.state.ready {
            self.ready_ms += s.ms;
        } else {
            self.not_ready_ms += s.ms;
            let i = reasons.place(&s.state.reason);
            if self.by_reason.len() <= i {
                self.by_reason.resize(reasons.len(), 0);
            }
            if let Some(ms) = self.by_reason.get_mut(i) {
                *ms += s.ms;
            }
        }
    }

    /// Time logged in (ms): ready or not.
    pub(super) fn logged_in_ms(&self) -> i64 {
        self.ready_ms + self.not_ready_ms
    }

    /// Handle time over time logged in (%), when logged in at all.
    pub(super) fn occupancy(&self, handle_ms: i64) -> Option<f64> {
        let logged_in = self.logged_in_ms();
        (logged_in > 0).then(|| handle_ms as f64 * 100.0 / logged_in as f64)
    }
}

/// The not-ready reasons a report's state times hold, in order (one column each), each with
/// its place: a state's reason is looked up, never copied.
#[derive(Debug, Default)]
pub(super) struct Reasons {
    names: Vec<String>,
    places: FxHashMap<String, usize>,
}

impl Reasons {
    /// The reasons of `states`.
    pub(super) fn of(states: &[StateTime]) -> Reasons {
        let names: BTreeSet<&str> = states
            .iter()
            .filter(|s| !s.state.ready)
            .map(|s| &*s.state.reason)
            .collect();
        let names: Vec<String> = names.into_iter().map(str::to_string).collect();
        let places = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Reasons { names, places }
    }

    /// How many.
    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    /// The place of `reason` (one past the last for a reason not held).
    fn place(&self, reason: &str) -> usize {
        self.places.get(reason).copied().unwrap_or(self.names.len())
    }
}

/// The heading of a not-ready reason's column (`{reason}`: the reason as the agent chose it).
pub const REASON_COLUMN: &str = "Not ready: {reason} (min)";

/// The reason a column of not-ready time per reason stands for (`None` for other columns).
pub fn reason_of_column(c: &Column) -> Option<&str> {
    let (before, after) = REASON_COLUMN.split_once("{reason}")?;
    c.key.strip_prefix("not_ready_")?;
    c.label.strip_prefix(before)?.strip_suffix(after)
}

/// The state columns: logged in, ready, not ready, then one per reason in `reasons`.
pub(super) fn state_columns(reasons: &Reasons) -> Vec<Column> {
    let mut columns = vec![
        column("logged_in", "Logged in (min)".into()),
        column("ready", "Ready (min)".into()),
        column("not_ready", "Not ready (min)".into()),
    ];
    for (i, r) in reasons.names.iter().enumerate() {
        let label = if r.is_empty() {
            "Not ready, no reason (min)".to_string()
        } else {
            REASON_COLUMN.replace("{reason}", r)
        };
        columns.push(column(&format!("not_ready_{}", i + 1), label));
    }
    columns
}

/// The values of [`state_columns`] (minutes).
pub(super) fn state_values(f: &Figures, reasons: &Reasons, v: &mut Vec<Option<f64>>) {
    v.extend([
        minutes(f.logged_in_ms()),
        minutes(f.ready_ms),
        minutes(f.not_ready_ms),
    ]);
    v.extend((0..reasons.len()).map(|i| minutes(f.by_reason.get(i).copied().unwrap_or(0))));
}

fn minutes(ms: i64) -> Option<f64> {
    Some(ms as f64 / 60_000.0)
}

/// The table of the Agent Presence report from the state times and the agent rollup rows (for
/// the handle time), naming agents from `names`. Times are in minutes; one column per
/// not-ready reason seen.
pub fn presence_table(
    shape: &Shape<'_>,
    states: &[StateTime],
    work: &[(AgentKey, AgentFigures)],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut periods = PeriodMemo::new(shape);
    let reasons = Reasons::of(states);
    let mut grouped: FxHashMap<(i64, i64), Figures> = FxHashMap::default();
    let mut total = Figures::default();
    for s in states {
        let period = periods.of(s.interval);
        grouped
            .entry((period, s.agent))
            .or_default()
            .add_state(s, &reasons);
        total.add_state(s, &reasons);
    }
    for (k, f) in work {
        let period = periods.of(k.interval);
        grouped.entry((period, k.agent.0)).or_default().handle_ms += f.handle_ms;
        total.handle_ms += f.handle_ms;
    }
    let mut columns = state_columns(&reasons);
    columns.push(column("handle", "Handle time (min)".into()));
    columns.push(column("occupancy", "Occupancy (%)".into()));
    let width = columns.len();
    let values = |f: &Figures| {
        let mut v = Vec::with_capacity(width);
        state_values(f, &reasons, &mut v);
        v.push(minutes(f.handle_ms));
        v.push(f.occupancy(f.handle_ms));
        v
    };
    table(shape, columns, grouped, names, values, &total)
}

pub(super) fn column(key: &str, label: String) -> Column {
    Column {
        key: key.into(),
        label,
    }
}
