//! Showing a report a page at a time. A month of 61 agents at 15 minutes is 175,680 rows: no
//! one reads that on a screen, and a center of 2,500 agents would have 7 million. A page holds
//! whole periods (about [`ROWS_PER_PAGE`] rows), and is the report over just those periods under
//! the columns and totals of the whole period, so paging on changes neither.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::definitions::{Column, Granularity, ReportTable, label, period_end, period_of};
use super::rollup::{INTERVAL_MS, interval_of};

/// Rows a page shows at most (more only when one period alone holds more groups).
pub const ROWS_PER_PAGE: usize = 500;

/// Which periods one page of a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodPage {
    /// Its number, from 0.
    pub index: usize,
    /// How many pages the report has (at least 1).
    pub pages: usize,
    /// The start of its first period (ms, UTC; not before the report's start).
    pub from_ms: i64,
    /// The end of its last period (ms, UTC; not after the report's end).
    pub to_ms: i64,
}

impl PeriodPage {
    /// Its start and its end in `tz`, as a table gives a period's start (RFC 3339 with
    /// offset).
    pub fn labels(&self, tz: &TimeZone) -> (String, String) {
        (label(self.from_ms, tz), label(self.to_ms, tz))
    }
}

/// The bounds of the periods of `[from_ms, to_ms)` by `granularity` in `tz`: `from_ms`, each
/// later period's start, then `to_ms` (so one more bound than periods).
pub fn period_starts(
    from_ms: i64,
    to_ms: i64,
    granularity: Granularity,
    tz: &TimeZone,
) -> Vec<i64> {
    let mut bounds = vec![from_ms];
    let mut at = match granularity {
        Granularity::Quarter => interval_of(from_ms),
        Granularity::Total => to_ms,
        g => period_of(from_ms, g, tz),
    };
    while at < to_ms {
        let next = match granularity {
            Granularity::Quarter => Some(at + INTERVAL_MS),
            g => period_end(at, g, tz),
        };
        match next {
            Some(n) if n > at => at = n,
            _ => break,
        }
        if at < to_ms {
            bounds.push(at);
        }
    }
    bounds.push(to_ms);
    bounds
}

/// Page `index` (the last one if past it) of a report with period bounds `bounds` (from
/// [`period_starts`]) and `groups` queues or agents, at most `rows_per_page` rows a page.
pub fn period_page(
    bounds: &[i64],
    groups: usize,
    rows_per_page: usize,
    index: usize,
) -> PeriodPage {
    let periods = bounds.len().saturating_sub(1).max(1);
    let per_page = (rows_per_page / groups.max(1)).max(1);
    let pages = periods.div_ceil(per_page);
    let index = index.min(pages - 1);
    let bound = |i: usize| {
        bounds
            .get(i.min(bounds.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    PeriodPage {
        index,
        pages,
        from_ms: bound(index * per_page),
        to_ms: bound(((index + 1) * per_page).min(periods)),
    }
}

/// Whether two columns of one report stand for the same figure. A not-ready reason's key is
/// its place among the reasons a table holds, so those match on their heading.
fn same_column(a: &Column, b: &Column) -> bool {
    let reason = |c: &Column| c.key.starts_with("not_ready_");
    a.label == b.label && (a.key == b.key || (reason(a) && reason(b)))
}

impl ReportTable {
    /// This page's rows under the columns and the totals of `whole` (the same report over the
    /// whole period): a column this page lacks (a reason or channel none of its rows had)
    /// is 0 in its rows.
    pub fn aligned_to(self, whole: &ReportTable, page: PeriodPage) -> ReportTable {
        let places: Vec<Option<usize>> = whole
            .columns
            .iter()
            .map(|c| self.columns.iter().position(|o| same_column(o, c)))
            .collect();
        let rows = self
            .rows
            .into_iter()
            .map(|mut r| {
                r.values = places
                    .iter()
                    .map(|p| match p {
                        Some(i) => r.values.get(*i).copied().flatten(),
                        None => Some(0.0),
                    })
                    .collect();
                r
            })
            .collect();
        ReportTable {
            columns: whole.columns.clone(),
            rows,
            total: whole.total.clone(),
            page: Some(page),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::definitions::ReportKind;
    use crate::report::{ReportRow, time_zone};

    const DAY: i64 = 86_400_000;
    /// 2026-03-29 00:00 in Berlin (23:00 UTC the day before): the day the clocks go forward.
    const SPRING: i64 = 1_774_738_800_000;

    #[test]
    fn bounds_are_the_periods_clamped_to_the_report() {
        let utc = time_zone("tz", "UTC").unwrap();
        assert_eq!(
            period_starts(0, 3_600_000, Granularity::Quarter, &utc),
            vec![0, 900_000, 1_800_000, 2_700_000, 3_600_000]
        );
        // A start within a period keeps its own start; the end cuts the last period.
        assert_eq!(
            period_starts(100, 2_000_000, Granularity::Quarter, &utc),
            vec![100, 900_000, 1_800_000, 2_000_000]
        );
        assert_eq!(period_starts(5, 9, Granularity::Total, &utc), vec![5, 9]);
        // Days in Berlin over the spring change: one of them 23 hours long.
        let berlin = time_zone("tz", "Europe/Berlin").unwrap();
        let b = period_starts(
            SPRING - DAY,
            SPRING + 2 * DAY - 3_600_000,
            Granularity::Day,
            &berlin,
        );
        assert_eq!(
            b,
            vec![
                SPRING - DAY,
                SPRING,
                SPRING + DAY - 3_600_000,
                SPRING + 2 * DAY - 3_600_000
            ]
        );
    }

    #[test]
    fn pages_hold_whole_periods_of_about_the_rows_asked_for() {
        let b: Vec<i64> = (0..=10).collect(); // 10 periods
        // 3 groups, 7 rows a page: 2 periods (6 rows) a page, 5 pages.
        let p = period_page(&b, 3, 7, 0);
        assert_eq!((p.index, p.pages, p.from_ms, p.to_ms), (0, 5, 0, 2));
        let last = period_page(&b, 3, 7, 4);
        assert_eq!((last.from_ms, last.to_ms), (8, 10));
        // Past the end: the last page.
        assert_eq!(period_page(&b, 3, 7, 99), last);
        // More groups than rows a page: one period a page.
        assert_eq!(
            period_page(&b, 50, 7, 3).to_ms - period_page(&b, 50, 7, 3).from_ms,
            1
        );
        assert_eq!(period_page(&b, 50, 7, 0).pages, 10);
        // No group at all, or everything on one page.
        assert_eq!(period_page(&b, 0, 500, 0).pages, 1);
        let one = period_page(&b, 3, 500, 0);
        assert_eq!((one.pages, one.from_ms, one.to_ms), (1, 0, 10));
        // An uneven last page.
        let b: Vec<i64> = (0..=5).collect();
        assert_eq!(period_page(&b, 1, 2, 2).from_ms, 4);
        assert_eq!(period_page(&b, 1, 2, 2).to_ms, 5);
    }

    fn column(key: &str, label: &str) -> Column {
        Column {
            key: key.into(),
            label: label.into(),
        }
    }

    fn row(values: Vec<Option<f64>>) -> ReportRow {
        ReportRow {
            period: "p".into(),
            group_id: 1,
            group: "Ann".into(),
            values,
        }
    }

    #[test]
    fn a_page_takes_the_whole_reports_columns_and_totals() {
        let table = |columns: Vec<Column>, rows: Vec<ReportRow>, total: ReportRow| ReportTable {
            kind: ReportKind::AgentPresence,
            title: "t".into(),
            time_zone: "UTC".into(),
            granularity: Granularity::Quarter,
            columns,
            rows,
            total,
            page: None,
        };
        let whole = table(
            vec![
                column("ready", "Ready (min)"),
                column("not_ready_1", "Not ready: Break (min)"),
                column("not_ready_2", "Not ready: Lunch (min)"),
                column("occupancy", "Occupancy (%)"),
            ],
            vec![],
            row(vec![Some(9.0), Some(2.0), Some(3.0), Some(50.0)]),
        );
        // The page saw only lunches: its one reason column is its first.
        let page = table(
            vec![
                column("ready", "Ready (min)"),
                column("not_ready_1", "Not ready: Lunch (min)"),
                column("occupancy", "Occupancy (%)"),
            ],
            vec![row(vec![Some(4.0), Some(3.0), None])],
            row(vec![Some(4.0), Some(3.0), None]),
        );
        let at = PeriodPage {
            index: 1,
            pages: 3,
            from_ms: 10,
            to_ms: 20,
        };
        let aligned = page.aligned_to(&whole, at);
        assert_eq!(aligned.columns, whole.columns);
        assert_eq!(aligned.total, whole.total);
        assert_eq!(aligned.page, Some(at));
        assert_eq!(
            aligned.rows[0].values,
            vec![Some(4.0), Some(0.0), Some(3.0), None]
        );
        assert_eq!(aligned.rows[0].group, "Ann");
        let utc = time_zone("tz", "UTC").unwrap();
        let (from, to) = PeriodPage {
            from_ms: 0,
            to_ms: 900_000,
            ..at
        }
        .labels(&utc);
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("1970-01-01T00:00:00+00:00", "1970-01-01T00:15:00+00:00")
        );
    }
}
