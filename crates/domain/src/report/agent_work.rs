//! The Agent Work Summary: per agent and period, offers made, accepted, declined and missed,
//! work assigned and completed (in all and per channel), handle time, and from the agent's
//! presence the time logged in, ready and not ready (in all and per reason) and the occupancy
//! (handle time over time logged in).

use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use super::definitions::{Column, PeriodMemo, ReportTable, Shape, table};
use super::presence::{Figures, Reasons, StateTime, column, state_columns, state_values};
use super::rollup::{AgentFigures, AgentKey};
use crate::channel::ChannelKind;

/// One agent's figures in one period.
#[derive(Debug, Clone, Default)]
struct Summary {
    work: AgentFigures,
    /// In the order of [`ChannelKind::ALL`].
    completed_by_channel: [i64; ChannelKind::ALL.len()],
    states: Figures,
}

impl Summary {
    fn add_work(&mut self, k: &AgentKey, f: &AgentFigures) {
        self.work.add(f);
        if let Some(n) = self.completed_by_channel.get_mut(k.channel.index()) {
            *n += f.completed;
        }
    }
}

fn work_columns(channels: &BTreeSet<ChannelKind>) -> Vec<Column> {
    let mut c = vec![
        column("offered", "Offered".into()),
        column("accepted", "Accepted".into()),
        column("declined", "Declined".into()),
        column("missed", "Missed".into()),
        column("assigned", "Assigned".into()),
        column("completed", "Completed".into()),
        column("handle_minutes", "Handle time (min)".into()),
        column("average_handle_secs", "Average handle time (s)".into()),
    ];
    for ch in channels {
        c.push(column(
            &format!("completed_{}", ch.as_str()),
            format!("Completed: {}", ch.label()),
        ));
    }
    c
}

fn work_values(s: &Summary, channels: &BTreeSet<ChannelKind>, v: &mut Vec<Option<f64>>) {
    let f = &s.work;
    let n = |v: i64| Some(v as f64);
    v.extend([
        n(f.offered),
        n(f.accepted),
        n(f.declined),
        n(f.missed),
        n(f.assigned),
        n(f.completed),
        Some(f.handle_ms as f64 / 60_000.0),
        (f.completed > 0).then(|| f.handle_ms as f64 / f.completed as f64 / 1000.0),
    ]);
    v.extend(
        channels
            .iter()
            .map(|ch| n(s.completed_by_channel.get(ch.index()).copied().unwrap_or(0))),
    );
}

/// The table of the Agent Work Summary over the agent rollup rows `rows` and the state times
/// `states`, naming agents from `names`: the work columns, a completed column per channel seen,
/// then the state columns (minutes, one per not-ready reason seen) and the occupancy.
pub fn agent_table(
    shape: &Shape<'_>,
    rows: &[(AgentKey, AgentFigures)],
    states: &[StateTime],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut periods = PeriodMemo::new(shape);
    let reasons = Reasons::of(states);
    let mut grouped: FxHashMap<(i64, i64), Summary> = FxHashMap::default();
    let mut total = Summary::default();
    let mut channels = BTreeSet::new();
    for (k, f) in rows {
        let period = periods.of(k.interval);
        grouped
            .entry((period, k.agent.0))
            .or_default()
            .add_work(k, f);
        total.add_work(k, f);
        channels.insert(k.channel);
    }
    for s in states {
        let period = periods.of(s.interval);
        grouped
            .entry((period, s.agent))
            .or_default()
            .states
            .add_state(s, &reasons);
        total.states.add_state(s, &reasons);
    }
    let mut columns = work_columns(&channels);
    columns.extend(state_columns(&reasons));
    columns.push(column("occupancy", "Occupancy (%)".into()));
    let width = columns.len();
    let values = |s: &Summary| {
        let mut v = Vec::with_capacity(width);
        work_values(s, &channels, &mut v);
        state_values(&s.states, &reasons, &mut v);
        v.push(s.states.occupancy(s.work.handle_ms));
        v
    };
    table(shape, columns, grouped, names, values, &total)
}
