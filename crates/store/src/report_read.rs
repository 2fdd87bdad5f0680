//! Reading the report rollup: interval rows of queues and agents within a period, the caller's
//! department scope and the report's filters.

use sqlx::any::AnyRow;
use switchboard_domain::report::{AgentFigures, AgentKey, QueueFigures, QueueKey};
use switchboard_domain::{ChannelKind, DepartmentId, QueueId, Scope, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::report_rollup::{AGENT_FIGURES, QUEUE_FIGURES};
use crate::sql::{col, int_list};

/// Which interval rows a report reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntervalFilter {
    /// First interval start included (ms, UTC).
    pub from_ms: i64,
    /// Interval starts before this (ms, UTC).
    pub to_ms: i64,
    /// Only these departments (empty: all in scope).
    pub departments: Vec<DepartmentId>,
    /// Only these queues (queue rows; empty: all).
    pub queues: Vec<QueueId>,
    /// Only these agents (agent rows; empty: all).
    pub agents: Vec<UserId>,
    /// Only these channels (empty: all).
    pub channels: Vec<ChannelKind>,
    /// How the database sums the rows before they are read.
    pub summed: Summed,
}

/// How the database sums interval rows before they are read (the report then groups the sums
/// into its periods, which must be made of whole buckets).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Summed {
    /// Not at all: one row per 15 minutes.
    #[default]
    No,
    /// Per hour (UTC): for periods that start and end on whole hours.
    Hourly,
    /// Per period: the sorted period boundaries (each period from one to the next, all on
    /// 15-minute bounds); each row's interval is then its period's start.
    Periods(Vec<i64>),
    /// Over the whole period: each row's interval is then the first one it sums.
    Whole,
}

/// A CASE expression giving the start of the period among `starts` (sorted) that
/// `interval_start` falls in, found by halving: a year by day compares each row nine times.
fn period_case(starts: &[i64]) -> String {
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

impl IntervalFilter {
    fn sql(&self, scope: &Scope, id_column: &str, ids: &[i64]) -> String {
        let mut w = format!(
            " WHERE interval_start >= {} AND interval_start < {}",
            self.from_ms, self.to_ms
        );
        match scope.departments() {
            Some([]) => w.push_str(" AND 1 = 0"),
            Some(ds) => w.push_str(&format!(
                " AND department_id IN ({})",
                int_list(ds.iter().map(|d| d.0))
            )),
            None => {}
        }
        if !self.departments.is_empty() {
            w.push_str(&format!(
                " AND department_id IN ({})",
                int_list(self.departments.iter().map(|d| d.0))
            ));
        }
        if !ids.is_empty() {
            w.push_str(&format!(
                " AND {id_column} IN ({})",
                int_list(ids.iter().copied())
            ));
        }
        if !self.channels.is_empty() {
            let names: Vec<String> = self
                .channels
                .iter()
                .map(|c| format!("'{}'", c.as_str()))
                .collect();
            w.push_str(&format!(" AND channel IN ({})", names.join(", ")));
        }
        w
    }
}

fn channel(r: &AnyRow) -> Result<ChannelKind, StoreError> {
    let c: String = col(r, "channel")?;
    ChannelKind::parse(&c).ok_or_else(|| StoreError::Internal(format!("bad channel {c}")))
}

/// The query of interval `table`'s rows matching `f` (`ids`: of the `id_column`), keyed by
/// `keys` besides the interval and department: as stored, or summed per hour or over the whole
/// period (a year by day then reads 24 rows a day rather than 96). Per hour, a table the rollup
/// keeps summed per hour (`hours`) is read as it is; else the database sums.
pub(crate) fn interval_query(
    (table, hours): (&str, Option<&str>),
    (id_column, ids): (&str, &[i64]),
    keys: &[&str],
    figures: &[&str],
    f: &IntervalFilter,
    scope: &Scope,
) -> String {
    const HOUR_MS: i64 = 3_600_000;
    let filter = f.sql(scope, id_column, ids);
    let keys = keys.join(", ");
    let sums: Vec<String> = figures
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect();
    let sums = sums.join(", ");
    match (&f.summed, hours) {
        (Summed::No, _) => format!("SELECT * FROM {table}{filter} ORDER BY interval_start, {keys}"),
        (Summed::Hourly, Some(hours)) => format!(
            "SELECT interval_start AS bucket_start, department_id, {keys}, {} FROM {hours}{filter}",
            figures.join(", ")
        ),
        (Summed::Hourly, None) => format!(
            "SELECT (interval_start / {HOUR_MS}) * {HOUR_MS} AS bucket_start, department_id, \
             {keys}, {sums} FROM {table}{filter} \
             GROUP BY interval_start / {HOUR_MS}, department_id, {keys}"
        ),
        (Summed::Periods(bounds), _) => {
            // Periods made of whole hours sum the hourly rows where the rollup keeps them.
            let whole_hours = bounds
                .iter()
                .chain([&f.from_ms, &f.to_ms])
                .all(|b| b % HOUR_MS == 0);
            let source = match hours {
                Some(h) if whole_hours => h,
                _ => table,
            };
            let starts = bounds.get(..bounds.len().saturating_sub(1)).unwrap_or(&[]);
            format!(
                "SELECT {} AS bucket_start, department_id, {keys}, {sums} FROM {source}{filter} \
                 GROUP BY bucket_start, department_id, {keys}",
                period_case(starts)
            )
        }
        (Summed::Whole, _) => format!(
            "SELECT MIN(interval_start) AS bucket_start, department_id, {keys}, {sums} \
             FROM {table}{filter} GROUP BY department_id, {keys}"
        ),
    }
}

/// A row's interval: its own, or the start of the bucket the database summed it into.
pub(crate) fn interval(r: &AnyRow, f: &IntervalFilter) -> Result<i64, StoreError> {
    if f.summed == Summed::No {
        col(r, "interval_start")
    } else {
        col(r, "bucket_start")
    }
}

impl Store {
    /// Queue interval rows matching `f` within `scope`, by interval.
    pub async fn queue_intervals(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<(QueueKey, QueueFigures)>, StoreError> {
        let ids: Vec<i64> = f.queues.iter().map(|q| q.0).collect();
        let sql = interval_query(
            ("report_queue_intervals", None),
            ("queue_id", &ids),
            &["queue_id", "channel"],
            &QUEUE_FIGURES,
            f,
            scope,
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    QueueKey {
                        interval: interval(r, f)?,
                        department: DepartmentId(col(r, "department_id")?),
                        queue: QueueId(col(r, "queue_id")?),
                        channel: channel(r)?,
                    },
                    QueueFigures {
                        arrived: col(r, "arrived")?,
                        transferred_in: col(r, "transferred_in")?,
                        transferred_out: col(r, "transferred_out")?,
                        answered: col(r, "answered")?,
                        wait_ms: col(r, "wait_ms")?,
                        within: [
                            col(r, "within_20s")?,
                            col(r, "within_30s")?,
                            col(r, "within_60s")?,
                            col(r, "within_120s")?,
                            col(r, "within_300s")?,
                        ],
                        abandoned: col(r, "abandoned")?,
                        completed: col(r, "completed")?,
                    },
                ))
            })
            .collect()
    }

    /// Agent interval rows matching `f` within `scope`, by interval.
    pub async fn agent_intervals(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<(AgentKey, AgentFigures)>, StoreError> {
        let ids: Vec<i64> = f.agents.iter().map(|a| a.0).collect();
        let sql = interval_query(
            ("report_agent_intervals", Some("report_agent_hours")),
            ("agent_id", &ids),
            &["agent_id", "channel"],
            &AGENT_FIGURES,
            f,
            scope,
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    AgentKey {
                        interval: interval(r, f)?,
                        department: DepartmentId(col(r, "department_id")?),
                        agent: UserId(col(r, "agent_id")?),
                        channel: channel(r)?,
                    },
                    AgentFigures {
                        offered: col(r, "offered")?,
                        accepted: col(r, "accepted")?,
                        declined: col(r, "declined")?,
                        missed: col(r, "missed")?,
                        assigned: col(r, "assigned")?,
                        completed: col(r, "completed")?,
                        handle_ms: col(r, "handle_ms")?,
                    },
                ))
            })
            .collect()
    }
}
