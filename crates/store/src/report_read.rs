//! Reading the report rollup: interval rows of queues and agents within a period, the caller's
//! department scope and the report's filters.

use switchboard_domain::report::{AgentFigures, AgentKey, QueueFigures, QueueKey};
use switchboard_domain::{ChannelKind, DepartmentId, QueueId, Scope, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::packed::{Packed, channel_code, channel_of_code, read_packed};
use crate::report_sql::{AGENT_FIGURES, QUEUE_FIGURES, period_case};
use crate::sql::int_list;

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
    /// The zone whose local days the report's periods are made of, when they are whole days
    /// (the agents' day rollups may then be read, if they are kept in that zone).
    pub day_zone: Option<String>,
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

/// Where a report's rows are read from: the 15-minute table, the same summed per hour if the
/// rollup keeps it, and summed per day in a zone (the table and the zone) if it keeps that.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sources<'a> {
    pub(crate) table: &'a str,
    pub(crate) hours: Option<&'a str>,
    pub(crate) days: Option<(&'a str, &'a str)>,
}

/// The query of interval `table`'s rows matching `f` (`ids`: of the `id_column`), keyed by
/// `keys` besides the interval and department: as stored, or summed per hour or over the whole
/// period (a year by day then reads 24 rows a day rather than 96). Per hour, a table the rollup
/// keeps summed per hour (`hours`) is read as it is; else the database sums. Periods of whole
/// days in a zone the rollup keeps days for sum the day rows.
pub(crate) fn interval_query(
    Sources { table, hours, days }: Sources<'_>,
    (id_column, ids): (&str, &[i64]),
    keys: &[&str],
    figures: &[&str],
    f: &IntervalFilter,
    scope: &Scope,
) -> String {
    const HOUR_MS: i64 = 3_600_000;
    let mut filter = f.sql(scope, id_column, ids);
    let keys = keys.join(", ");
    let day_source = match (&f.summed, days) {
        (Summed::Periods(_) | Summed::Whole, Some((days, zone))) => {
            filter.push_str(&format!(" AND zone = '{}'", zone.replace('\'', "''")));
            Some(days)
        }
        _ => None,
    };
    let sums: Vec<String> = figures
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect();
    let sums = sums.join(", ");
    match (&f.summed, hours) {
        (Summed::No, _) => format!("SELECT * FROM {table}{filter}"),
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
            let source = match (day_source, hours) {
                (Some(d), _) => d,
                (None, Some(h)) if whole_hours => h,
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
             FROM {}{filter} GROUP BY department_id, {keys}",
            day_source.unwrap_or(table)
        ),
    }
}

/// The column of a row's interval: its own, or the start of the bucket the database summed
/// it into.
pub(crate) fn interval_column(f: &IntervalFilter) -> &'static str {
    if f.summed == Summed::No {
        "interval_start"
    } else {
        "bucket_start"
    }
}

/// Each row of `packed` (its `width` integers) with the group's text values.
pub(crate) fn unpacked(
    packed: &[Packed],
    width: usize,
) -> impl Iterator<Item = (&[String], &[i64])> {
    packed.iter().flat_map(move |p| {
        p.ints
            .chunks_exact(width)
            .map(|row| (p.texts.as_slice(), row))
    })
}

/// What a packed read of interval rows takes of each: its interval, department, `id_column`
/// and channel (as a code), then its `figures`.
fn interval_ints(f: &IntervalFilter, id_column: &str, figures: &[&str]) -> Vec<String> {
    let mut ints = vec![
        format!("r.{}", interval_column(f)),
        "r.department_id".into(),
        format!("r.{id_column}"),
        channel_code("r.channel"),
    ];
    ints.extend(figures.iter().map(|c| format!("r.{c}")));
    ints
}

impl Store {
    /// `f`'s day zone, if its periods are whole days there and the agents' day rollups are
    /// kept in it.
    pub(crate) async fn day_zone_kept(
        &self,
        f: &IntervalFilter,
    ) -> Result<Option<String>, StoreError> {
        let Some(zone) = &f.day_zone else {
            return Ok(None);
        };
        if !matches!(f.summed, Summed::Periods(_) | Summed::Whole) {
            return Ok(None);
        }
        let kept = self.report_zones().await?;
        Ok(kept.contains(zone).then(|| zone.clone()))
    }

    /// Queue interval rows matching `f` within `scope`, by interval.
    pub async fn queue_intervals(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<(QueueKey, QueueFigures)>, StoreError> {
        let ids: Vec<i64> = f.queues.iter().map(|q| q.0).collect();
        let sql = interval_query(
            Sources {
                table: "report_queue_intervals",
                hours: None,
                days: None,
            },
            ("queue_id", &ids),
            &["queue_id", "channel"],
            &QUEUE_FIGURES,
            f,
            scope,
        );
        let ints = interval_ints(f, "queue_id", &QUEUE_FIGURES);
        let packed = read_packed(&self.inner.read, &sql, &[], &ints).await?;
        unpacked(&packed, ints.len())
            .map(|(_, v)| {
                Ok((
                    QueueKey {
                        interval: v[0],
                        department: DepartmentId(v[1]),
                        queue: QueueId(v[2]),
                        channel: channel_of_code(v[3])?,
                    },
                    QueueFigures {
                        arrived: v[4],
                        transferred_in: v[5],
                        transferred_out: v[6],
                        answered: v[7],
                        wait_ms: v[8],
                        within: [v[9], v[10], v[11], v[12], v[13]],
                        abandoned: v[14],
                        completed: v[15],
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
        let zone = self.day_zone_kept(f).await?;
        let sql = interval_query(
            Sources {
                table: "report_agent_intervals",
                hours: Some("report_agent_hours"),
                days: zone.as_deref().map(|z| ("report_agent_days", z)),
            },
            ("agent_id", &ids),
            &["agent_id", "channel"],
            &AGENT_FIGURES,
            f,
            scope,
        );
        let ints = interval_ints(f, "agent_id", &AGENT_FIGURES);
        let packed = read_packed(&self.inner.read, &sql, &[], &ints).await?;
        unpacked(&packed, ints.len())
            .map(|(_, v)| {
                Ok((
                    AgentKey {
                        interval: v[0],
                        department: DepartmentId(v[1]),
                        agent: UserId(v[2]),
                        channel: channel_of_code(v[3])?,
                    },
                    AgentFigures {
                        offered: v[4],
                        accepted: v[5],
                        declined: v[6],
                        missed: v[7],
                        assigned: v[8],
                        completed: v[9],
                        handle_ms: v[10],
                    },
                ))
            })
            .collect()
    }
}
