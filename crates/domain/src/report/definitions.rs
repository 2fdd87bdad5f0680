//! The report definitions: what each report is called, which rollup rows it reads and which
//! columns it shows, and the pure step that turns rollup rows into a table — periods in the
//! report's time zone, one row per period and queue (or agent), totals at the end.

use std::collections::{BTreeMap, HashMap};

use jiff::tz::TimeZone;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::pages::PeriodPage;
use super::rollup::{QueueFigures, QueueKey, WAIT_BOUNDS_SECS};
use crate::channel::ChannelKind;
use crate::error::ValidationError;

/// A report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Email volume by queue.
    EmailVolume,
    /// Chat volume by queue.
    ChatVolume,
    /// Callback volume by queue (callbacks now and at a time).
    CallbackVolume,
    /// Service level by queue: answered within the threshold, abandoned, transferred out.
    ServiceLevel,
    /// Per agent: offers, work handled and handle time.
    AgentWork,
    /// Per alias: mail that could not be delivered.
    DeliveryExceptions,
    /// Per queue: what customers answered to chat surveys.
    SurveyResults,
    /// Per queue: the waits customers were told beside the waits that followed.
    WaitAccuracy,
    /// Per agent: time logged in, ready and not ready by reason, and occupancy.
    AgentPresence,
}

impl ReportKind {
    /// Every report.
    pub const ALL: [ReportKind; 9] = [
        ReportKind::EmailVolume,
        ReportKind::ChatVolume,
        ReportKind::CallbackVolume,
        ReportKind::ServiceLevel,
        ReportKind::AgentWork,
        ReportKind::DeliveryExceptions,
        ReportKind::SurveyResults,
        ReportKind::WaitAccuracy,
        ReportKind::AgentPresence,
    ];

    /// Its stable name (in URLs).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::EmailVolume => "email_volume",
            ReportKind::ChatVolume => "chat_volume",
            ReportKind::CallbackVolume => "callback_volume",
            ReportKind::ServiceLevel => "service_level",
            ReportKind::AgentWork => "agent_work",
            ReportKind::DeliveryExceptions => "delivery_exceptions",
            ReportKind::SurveyResults => "survey_results",
            ReportKind::WaitAccuracy => "wait_accuracy",
            ReportKind::AgentPresence => "agent_presence",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::EmailVolume => "Email volume by queue",
            ReportKind::ChatVolume => "Chat volume by queue",
            ReportKind::CallbackVolume => "Callback volume by queue",
            ReportKind::ServiceLevel => "Service level by queue",
            ReportKind::AgentWork => "Agent work summary",
            ReportKind::DeliveryExceptions => "Delivery exceptions by alias",
            ReportKind::SurveyResults => "Customer survey results by queue",
            ReportKind::WaitAccuracy => "Expected-wait accuracy by queue",
            ReportKind::AgentPresence => "Agent ready and not-ready time",
        }
    }

    /// What it shows.
    pub fn description(self) -> &'static str {
        match self {
            ReportKind::EmailVolume => {
                "Inbound email per queue: arrived, transferred, answered, abandoned and completed, with the average wait."
            }
            ReportKind::ChatVolume => {
                "Chats per queue: arrived, transferred, answered, abandoned and completed, with the average wait."
            }
            ReportKind::CallbackVolume => {
                "Callbacks (now and at a time) per queue: arrived, transferred, answered, abandoned and completed, with the average wait."
            }
            ReportKind::ServiceLevel => {
                "Per queue: the share of work answered within the threshold, of all answered or abandoned, and what left the queue."
            }
            ReportKind::AgentWork => {
                "Per agent: offers made, accepted, declined and missed, work assigned and completed (per channel too), handle time, time logged in, ready and not ready by reason, and occupancy."
            }
            ReportKind::DeliveryExceptions => {
                "Per alias: mail that could not be delivered, permanently or for now, reported by a bounce or refused when sent."
            }
            ReportKind::SurveyResults => {
                "Per queue: chat surveys answered, their average rating and the share of yes answers."
            }
            ReportKind::WaitAccuracy => {
                "Per queue: the waits customers were told beside the waits that followed, with the error's percentiles."
            }
            ReportKind::AgentPresence => {
                "Per agent: time logged in, ready and not ready (in all and by reason), handle time and occupancy."
            }
        }
    }

    /// The channels it reads (empty: all).
    pub fn channels(self) -> &'static [ChannelKind] {
        match self {
            ReportKind::EmailVolume => &[ChannelKind::InboundEmail],
            ReportKind::ChatVolume => &[ChannelKind::Chat],
            ReportKind::CallbackVolume => &[ChannelKind::Callback, ChannelKind::DelayedCallback],
            ReportKind::SurveyResults => &[ChannelKind::Chat],
            ReportKind::WaitAccuracy => &[ChannelKind::Chat, ChannelKind::Callback],
            ReportKind::ServiceLevel
            | ReportKind::AgentWork
            | ReportKind::DeliveryExceptions
            | ReportKind::AgentPresence => &[],
        }
    }

    /// Whether its rows are agents (else queues).
    pub fn by_agent(self) -> bool {
        matches!(self, ReportKind::AgentWork | ReportKind::AgentPresence)
    }
}

/// How a report's figures are grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// 15 minutes.
    Quarter,
    /// An hour.
    Hour,
    /// A day.
    Day,
    /// A week from Monday.
    Week,
    /// A month.
    Month,
    /// The whole period in one row per queue or agent.
    Total,
}

impl Granularity {
    /// Every granularity.
    pub const ALL: [Granularity; 6] = [
        Granularity::Quarter,
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
        Granularity::Total,
    ];

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Quarter => "15m",
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Total => "total",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Granularity> {
        Granularity::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Column {
    /// Its key (stable, for exports and charts).
    pub key: String,
    /// Its heading.
    pub label: String,
}

/// One row: a period and a queue or agent, with a value per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportRow {
    /// The period's start in the report's time zone (RFC 3339 with offset); empty for totals.
    pub period: String,
    /// The queue's or agent's id (0 in the totals row).
    pub group_id: i64,
    /// The queue's or agent's name ("Total" in the totals row).
    pub group: String,
    /// A value per column (counts, seconds or percentages; `None` when not defined, e.g. an
    /// average of nothing).
    pub values: Vec<Option<f64>>,
}

/// A report's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportTable {
    /// Which report.
    pub kind: ReportKind,
    /// Its title.
    pub title: String,
    /// The time zone of the periods.
    pub time_zone: String,
    /// The grouping in time.
    pub granularity: Granularity,
    /// The columns, after the period and the group.
    pub columns: Vec<Column>,
    /// The rows, by period then group name.
    pub rows: Vec<ReportRow>,
    /// The whole period for every group together.
    pub total: ReportRow,
    /// Which of the report's pages of periods the rows are (none: every period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PeriodPage>,
}

/// The time zone named `name` (IANA), or a validation error on `field`.
pub fn time_zone(field: &str, name: &str) -> Result<TimeZone, ValidationError> {
    TimeZone::get(name)
        .map_err(|_| ValidationError::new(field, "not a known time zone (e.g. Europe/Berlin)"))
}

/// The start (ms, UTC) of the period holding interval start `at_ms`, in `tz`.
pub fn period_of(at_ms: i64, granularity: Granularity, tz: &TimeZone) -> i64 {
    match granularity {
        Granularity::Quarter => return at_ms,
        Granularity::Total => return 0,
        _ => {}
    }
    let whole = || -> Option<i64> {
        let z = jiff::Timestamp::from_millisecond(at_ms)
            .ok()?
            .to_zoned(tz.clone());
        let start = match granularity {
            Granularity::Quarter => return Some(at_ms),
            Granularity::Total => return Some(0),
            Granularity::Hour => z
                .with()
                .minute(0)
                .second(0)
                .subsec_nanosecond(0)
                .build()
                .ok()?,
            Granularity::Day => z.start_of_day().ok()?,
            Granularity::Week => {
                let back = i64::from(z.weekday().to_monday_zero_offset());
                z.start_of_day()
                    .ok()?
                    .checked_sub(jiff::Span::new().days(back))
                    .ok()?
            }
            Granularity::Month => z.first_of_month().ok()?.start_of_day().ok()?,
        };
        Some(start.timestamp().as_millisecond())
    };
    whole().unwrap_or(at_ms)
}

/// The end (ms, UTC, exclusive) of the period starting at `start_ms`, in `tz` (a day is as
/// long as it is there, across a DST change); `None` for the whole period, which the report's
/// own end closes.
pub fn period_end(start_ms: i64, granularity: Granularity, tz: &TimeZone) -> Option<i64> {
    let z = jiff::Timestamp::from_millisecond(start_ms)
        .ok()?
        .to_zoned(tz.clone());
    let span = match granularity {
        Granularity::Quarter => jiff::Span::new().minutes(15),
        Granularity::Hour => jiff::Span::new().hours(1),
        Granularity::Day => jiff::Span::new().days(1),
        Granularity::Week => jiff::Span::new().days(7),
        Granularity::Month => jiff::Span::new().months(1),
        Granularity::Total => return None,
    };
    Some(z.checked_add(span).ok()?.timestamp().as_millisecond())
}

/// The periods of interval starts in a shape's zone, each worked out once: a report's rows
/// share a few thousand intervals at most.
pub(super) struct PeriodMemo<'a> {
    granularity: Granularity,
    tz: &'a TimeZone,
    seen: FxHashMap<i64, i64>,
}

impl<'a> PeriodMemo<'a> {
    /// A memo for `shape`'s periods.
    pub(super) fn new(shape: &Shape<'a>) -> PeriodMemo<'a> {
        PeriodMemo {
            granularity: shape.granularity,
            tz: shape.tz,
            seen: FxHashMap::default(),
        }
    }

    /// The start of the period holding `interval` ([`period_of`]).
    pub(super) fn of(&mut self, interval: i64) -> i64 {
        let (g, tz) = (self.granularity, self.tz);
        match g {
            // Each interval is its own period, or all are one: nothing to work out.
            Granularity::Quarter | Granularity::Total => return period_of(interval, g, tz),
            _ => {}
        }
        *self
            .seen
            .entry(interval)
            .or_insert_with(|| period_of(interval, g, tz))
    }
}

/// Most period boundaries [`period_bounds`] works out.
pub const MAX_SUMMED_PERIODS: usize = 2_000;

/// The boundaries of the periods of `[from_ms, to_ms)` by `granularity` in `tz` — each period
/// from one boundary to the next — e.g. to see whether they all fall on whole hours (then the
/// store may sum interval rows per hour); `None` when the rows are the periods (15 minutes) or
/// there are more than [`MAX_SUMMED_PERIODS`].
pub fn period_bounds(
    from_ms: i64,
    to_ms: i64,
    granularity: Granularity,
    tz: &TimeZone,
) -> Option<Vec<i64>> {
    match granularity {
        Granularity::Quarter => None,
        Granularity::Total => Some(vec![from_ms, to_ms]),
        g => {
            let mut bounds = vec![period_of(from_ms, g, tz)];
            while let Some(&last) = bounds.last()
                && last < to_ms
            {
                if bounds.len() > MAX_SUMMED_PERIODS {
                    return None;
                }
                let next = period_end(last, g, tz)?;
                if next <= last {
                    return None;
                }
                bounds.push(next);
            }
            Some(bounds)
        }
    }
}

/// The start of a period in `tz` as a table gives it (RFC 3339 with offset).
pub(super) fn label(period_ms: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(period_ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn col(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}

/// The index in [`WAIT_BOUNDS_SECS`] of the service-level threshold `secs` (one of them).
pub fn threshold_index(secs: i64) -> Result<usize, ValidationError> {
    WAIT_BOUNDS_SECS
        .iter()
        .position(|b| *b == secs)
        .ok_or_else(|| ValidationError::new("threshold_secs", "one of 20, 30, 60, 120 or 300"))
}

/// How a queue report reads its rows.
#[derive(Debug, Clone)]
pub struct Shape<'a> {
    /// Which report.
    pub kind: ReportKind,
    /// Grouping in time.
    pub granularity: Granularity,
    /// The time zone of the periods, and its name.
    pub tz: &'a TimeZone,
    /// Its name.
    pub tz_name: &'a str,
    /// The service-level threshold's index in [`WAIT_BOUNDS_SECS`].
    pub threshold: usize,
}

fn queue_columns(kind: ReportKind, threshold: usize) -> Vec<Column> {
    if kind == ReportKind::ServiceLevel {
        let _ = threshold;
        vec![
            col("arrived", "Arrived"),
            col("answered", "Answered"),
            col("answered_within", "Answered within threshold"),
            col("abandoned", "Abandoned"),
            col("transferred_out", "Transferred out"),
            col("service_level", "Service level (%)"),
            col("average_wait_secs", "Average wait (s)"),
        ]
    } else {
        vec![
            col("arrived", "Arrived"),
            col("transferred_in", "Transferred in"),
            col("transferred_out", "Transferred out"),
            col("answered", "Answered"),
            col("abandoned", "Abandoned"),
            col("completed", "Completed"),
            col("average_wait_secs", "Average wait (s)"),
        ]
    }
}

fn queue_values(kind: ReportKind, threshold: usize, f: &QueueFigures) -> Vec<Option<f64>> {
    let n = |v: i64| Some(v as f64);
    let wait = ratio(f.wait_ms, f.answered).map(|ms| ms / 1000.0);
    if kind == ReportKind::ServiceLevel {
        let within = f.within[threshold];
        vec![
            n(f.arrived),
            n(f.answered),
            n(within),
            n(f.abandoned),
            n(f.transferred_out),
            ratio(within, f.answered + f.abandoned).map(|r| r * 100.0),
            wait,
        ]
    } else {
        vec![
            n(f.arrived),
            n(f.transferred_in),
            n(f.transferred_out),
            n(f.answered),
            n(f.abandoned),
            n(f.completed),
            wait,
        ]
    }
}

/// The table of a queue report over `rows`, naming queues from `names`.
pub fn queue_table(
    shape: &Shape<'_>,
    rows: &[(QueueKey, QueueFigures)],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut grouped: BTreeMap<(i64, i64), QueueFigures> = BTreeMap::new();
    let mut total = QueueFigures::default();
    let mut periods = PeriodMemo::new(shape);
    for (k, f) in rows {
        let period = periods.of(k.interval);
        grouped.entry((period, k.queue.0)).or_default().add(f);
        total.add(f);
    }
    let values = |f: &QueueFigures| queue_values(shape.kind, shape.threshold, f);
    table(
        shape,
        queue_columns(shape.kind, shape.threshold),
        grouped,
        names,
        values,
        &total,
    )
}

/// A table of `columns` from figures grouped by (period, group id) (in any order), naming the
/// groups from `names`, with `total` at the end; rows in time, then by name.
pub(super) fn table<F>(
    shape: &Shape<'_>,
    columns: Vec<Column>,
    grouped: impl IntoIterator<Item = ((i64, i64), F)>,
    names: &HashMap<i64, String>,
    values: impl Fn(&F) -> Vec<Option<f64>>,
    total: &F,
) -> ReportTable {
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    // Each period's label worked out once (many groups share a period).
    let mut labels: FxHashMap<i64, String> = FxHashMap::default();
    let rows: Vec<(i64, ReportRow)> = grouped
        .into_iter()
        .map(|((period, id), f)| {
            let row = ReportRow {
                period: if shape.granularity == Granularity::Total {
                    String::new()
                } else {
                    labels
                        .entry(period)
                        .or_insert_with(|| label(period, shape.tz))
                        .clone()
                },
                group_id: id,
                group: name(id),
                values: values(&f),
            };
            (period, row)
        })
        .collect();
    // In time (a label's offset may change within a day), then by name.
    // Each group's place by name worked out once: rows then compare two integers.
    let mut seen = FxHashSet::default();
    let mut ids: Vec<(String, i64)> = rows
        .iter()
        .filter(|(_, r)| seen.insert(r.group_id))
        .map(|(_, r)| (r.group.clone(), r.group_id))
        .collect();
    ids.sort_unstable();
    let rank: FxHashMap<i64, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    let mut rows: Vec<((i64, usize), ReportRow)> = rows
        .into_iter()
        .map(|(period, r)| ((period, rank.get(&r.group_id).copied().unwrap_or(0)), r))
        .collect();
    // A group has one row per period: no two keys are equal.
    rows.sort_unstable_by_key(|(key, _)| *key);
    let rows = rows.into_iter().map(|(_, row)| row).collect();
    ReportTable {
        kind: shape.kind,
        title: shape.kind.title().into(),
        time_zone: shape.tz_name.into(),
        granularity: shape.granularity,
        columns,
        rows,
        total: ReportRow {
            period: String::new(),
            group_id: 0,
            group: "Total".into(),
            values: values(total),
        },
        page: None,
    }
}

/// The start of day `date` (`YYYY-MM-DD`) in `tz`, for periods given as dates.
pub fn day_start(date: &str, tz: &TimeZone) -> Option<crate::time::Timestamp> {
    let d: jiff::civil::Date = date.trim().parse().ok()?;
    let z = d.to_zoned(tz.clone()).ok()?;
    Some(crate::time::Timestamp::from_millis(
        z.timestamp().as_millisecond(),
    ))
}

/// The date (`YYYY-MM-DD`) of `t` in `tz`.
pub fn date_of(t: crate::time::Timestamp, tz: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(t.millis())
        .map(|x| x.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

impl ReportKind {
    /// The column its chart shows.
    pub fn chart_column(self) -> &'static str {
        match self {
            ReportKind::ServiceLevel => "service_level",
            ReportKind::AgentWork => "completed",
            ReportKind::DeliveryExceptions => "exceptions",
            ReportKind::SurveyResults => "surveys",
            ReportKind::WaitAccuracy => "error_p90",
            ReportKind::AgentPresence => "ready",
            _ => "arrived",
        }
    }
}
