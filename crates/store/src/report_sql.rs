//! SQL shared by the rollup's writes and the reports' reads: the figure columns of the
//! interval tables, the upsert that adds rows to them, and the CASE that finds a row's period.

use std::collections::HashMap;

use sqlx::AnyConnection;
use switchboard_domain::report::{AgentFigures, AgentKey, StateTime};

use crate::error::StoreError;
use crate::sql::value_rows;

/// Rows per statement.
const ROWS: usize = 40;

/// The figure columns of the queue interval table (also summed by the report reads).
pub(crate) const QUEUE_FIGURES: [&str; 12] = [
    "arrived",
    "transferred_in",
    "transferred_out",
    "answered",
    "wait_ms",
    "within_20s",
    "within_30s",
    "within_60s",
    "within_120s",
    "within_300s",
    "abandoned",
    "completed",
];

/// The figure columns of the agent interval table.
pub(crate) const AGENT_FIGURES: [&str; 7] = [
    "offered",
    "accepted",
    "declined",
    "missed",
    "assigned",
    "completed",
    "handle_ms",
];

/// `INSERT … ON CONFLICT (keys) DO UPDATE SET f = t.f + excluded.f, …` for `rows` rows.
pub(crate) fn upsert(
    table: &str,
    keys: &[&str],
    conflict: &[&str],
    figures: &[&str],
    rows: usize,
) -> String {
    let columns: Vec<&str> = keys.iter().chain(figures).copied().collect();
    let sets: Vec<String> = figures
        .iter()
        .map(|f| format!("{f} = {table}.{f} + excluded.{f}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        value_rows(rows, columns.len()),
        conflict.join(", "),
        sets.join(", ")
    )
}

/// Adds agent `rows` to `table` (keyed by zone too when one is given: the day rows).
pub(crate) async fn add_agent_rows(
    c: &mut AnyConnection,
    (table, zone): (&str, Option<&str>),
    rows: &[(&AgentKey, &AgentFigures)],
) -> Result<(), StoreError> {
    let keys: &[&str] = match zone {
        Some(_) => &[
            "zone",
            "interval_start",
            "department_id",
            "agent_id",
            "channel",
        ],
        None => &["interval_start", "department_id", "agent_id", "channel"],
    };
    for chunk in rows.chunks(ROWS) {
        let sql = upsert(table, keys, keys, &AGENT_FIGURES, chunk.len());
        let mut q = sqlx::query(&sql);
        for (k, f) in chunk {
            if let Some(z) = zone {
                q = q.bind(z.to_string());
            }
            q = q
                .bind(k.interval)
                .bind(k.department.0)
                .bind(k.agent.0)
                .bind(k.channel.as_str())
                .bind(f.offered)
                .bind(f.accepted)
                .bind(f.declined)
                .bind(f.missed)
                .bind(f.assigned)
                .bind(f.completed)
                .bind(f.handle_ms);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Adds the state `times` to `table` (keyed by zone too when one is given: the day rows), each
/// under the period `period_of` gives its interval and its agent's department in
/// `departments`; summed per row first, as a statement may not touch a row twice.
pub(crate) async fn add_state_rows(
    c: &mut AnyConnection,
    (table, zone): (&str, Option<&str>),
    times: &[StateTime],
    departments: &HashMap<i64, i64>,
    mut period_of: impl FnMut(i64) -> i64,
) -> Result<(), StoreError> {
    let mut summed: HashMap<(i64, i64, bool, &str), i64> = HashMap::new();
    for t in times {
        *summed
            .entry((
                period_of(t.interval),
                t.agent,
                t.state.ready,
                &*t.state.reason,
            ))
            .or_default() += t.ms;
    }
    // The row's key, then its department (not part of the key).
    let (columns, keys): (&[&str], &[&str]) = match zone {
        Some(_) => (
            &[
                "zone",
                "interval_start",
                "agent_id",
                "ready",
                "reason",
                "department_id",
            ],
            &["zone", "interval_start", "agent_id", "ready", "reason"],
        ),
        None => (
            &[
                "interval_start",
                "agent_id",
                "ready",
                "reason",
                "department_id",
            ],
            &["interval_start", "agent_id", "ready", "reason"],
        ),
    };
    let rows: Vec<_> = summed.into_iter().collect();
    for chunk in rows.chunks(ROWS) {
        let sql = upsert(table, columns, keys, &["ms"], chunk.len());
        let mut q = sqlx::query(&sql);
        for ((period, agent, ready, reason), ms) in chunk {
            if let Some(z) = zone {
                q = q.bind(z.to_string());
            }
            q = q
                .bind(*period)
                .bind(*agent)
                .bind(i64::from(*ready))
                .bind(reason.to_string())
                .bind(departments.get(agent).copied().unwrap_or(0))
                .bind(*ms);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// A CASE expression giving the start of the period among `starts` (sorted) that
/// `interval_start` falls in, found by halving: a year by day compares each row nine times.
pub(crate) fn period_case(starts: &[i64]) -> String {
    match starts {
        [] => "interval_start".into(),
        [one] => one.to_string(),
        _ => {
            let mid = starts.len() / 2;
            format!(
                "CASE WHEN interval_start < {} THEN {} ELSE {} END",
                starts[mid],
                period_case(&starts[..mid]),
                period_case(&starts[mid..])
            )
        }
    }
}
