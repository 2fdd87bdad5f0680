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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Summed {
    /// Not at all: one row per 15 minutes.
    #[default]
    No,
    /// Per hour (UTC): for periods that start and end on whole hours.
    Hourly,
    /// Over the whole period: each row's interval is then the first one it sums.
    Whole,
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
    let filter = f.sql(scope, id_column, ids);
    let keys = keys.join(", ");
    let bucket = match (f.summed, hours) {
        (Summed::No, _) => {
            return format!("SELECT * FROM {table}{filter} ORDER BY interval_start, {keys}");
        }
        (Summed::Hourly, Some(hours)) => {
            return format!(
                "SELECT interval_start AS bucket_start, department_id, {keys}, {} \
                 FROM {hours}{filter}",
                figures.join(", ")
            );
        }
        (Summed::Hourly, None) => "(interval_start / 3600000) * 3600000",
        (Summed::Whole, _) => "MIN(interval_start)",
    };
    let by_hour = if f.summed == Summed::Hourly {
        "interval_start / 3600000, "
    } else {
        ""
    };
    let sums: Vec<String> = figures
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect();
    format!(
        "SELECT {bucket} AS bucket_start, department_id, {keys}, {} FROM {table}{filter} \
         GROUP BY {by_hour}department_id, {keys}",
        sums.join(", ")
    )
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
