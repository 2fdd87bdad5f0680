//! The Expected-Wait Accuracy report: what customers were told they would wait (`wait_told`)
//! beside what they then waited until an agent was offered the work (or took it, when told
//! while the offer was out), per queue. The error of an
//! estimate is the wait minus the estimate (positive: the customer waited longer than told);
//! its percentiles are taken over the absolute errors of the answered waits. Waits that ended in
//! abandonment are counted but not measured (their true wait is unknown); waits still open at
//! the end of the period are counted as waiting.
//!
//! Also the decision of when an estimate is recorded: once per stay in a queue. How an
//! estimate's wait ends is read from the events by the rollup (`rollup.rs`).

use std::collections::BTreeMap;
use std::collections::HashMap;

use super::definitions::{Column, PeriodMemo, ReportTable, Shape, table};
use super::rollup::interval_of;
use crate::event::EventKind;
use crate::ids::EventId;

/// How an estimated wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// An agent was offered (or assigned) the work this many ms after the customer was told.
    Answered {
        /// The wait (ms).
        waited_ms: i64,
    },
    /// The customer left first.
    Abandoned,
    /// Neither yet.
    Waiting,
}

/// One estimate told, as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitFact {
    /// When it was told (ms).
    pub at_ms: i64,
    /// The queue the customer waited in.
    pub queue_id: i64,
    /// The estimate told (seconds).
    pub told_secs: i64,
    /// How the wait ended.
    pub end: WaitEnd,
}

/// An estimate counts as accurate when it is off by at most this many seconds…
pub const ACCURATE_WITHIN_SECS: i64 = 30;
/// …or by at most this share of the estimate (percent), whichever is more.
pub const ACCURATE_WITHIN_PERCENT: i64 = 20;

/// Whether an estimate of `told_secs` that was off by `error_secs` counts as accurate.
pub fn accurate(told_secs: i64, error_secs: i64) -> bool {
    let tolerance = ACCURATE_WITHIN_SECS.max(told_secs * ACCURATE_WITHIN_PERCENT / 100);
    error_secs.abs() <= tolerance
}

/// The nearest-rank `p`th percentile (0 < p ≤ 100) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

#[derive(Debug, Clone, Default)]
struct Figures {
    told: i64,
    abandoned: i64,
    waiting: i64,
    told_sum: i64,
    waited_sum_ms: i64,
    /// The signed errors (seconds) of the answered waits.
    errors: Vec<i64>,
    accurate: i64,
}

impl Figures {
    fn add(&mut self, f: &WaitFact) {
        self.told += 1;
        match f.end {
            WaitEnd::Answered { waited_ms } => {
                let error = (waited_ms.max(0) + 500) / 1000 - f.told_secs;
                self.told_sum += f.told_secs;
                self.waited_sum_ms += waited_ms.max(0);
                self.errors.push(error);
                self.accurate += i64::from(accurate(f.told_secs, error));
            }
            WaitEnd::Abandoned => self.abandoned += 1,
            WaitEnd::Waiting => self.waiting += 1,
        }
    }

    fn values(&self) -> Vec<Option<f64>> {
        let answered = self.errors.len() as i64;
        let mean = |sum: f64| (answered > 0).then(|| sum / answered as f64);
        let mut abs: Vec<i64> = self.errors.iter().map(|e| e.abs()).collect();
        abs.sort_unstable();
        let pct = |p| percentile(&abs, p).map(|v| v as f64);
        vec![
            Some(self.told as f64),
            Some(answered as f64),
            Some(self.abandoned as f64),
            Some(self.waiting as f64),
            mean(self.told_sum as f64),
            mean(self.waited_sum_ms as f64 / 1000.0),
            mean(self.errors.iter().sum::<i64>() as f64),
            pct(50),
            pct(90),
            pct(95),
            mean(self.accurate as f64 * 100.0),
        ]
    }
}

/// The table of the Expected-Wait Accuracy report, naming queues from `names`.
pub fn wait_accuracy_table(
    shape: &Shape<'_>,
    facts: &[WaitFact],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut grouped: BTreeMap<(i64, i64), Figures> = BTreeMap::new();
    let mut total = Figures::default();
    let mut periods = PeriodMemo::new(shape);
    for f in facts {
        let period = periods.of(interval_of(f.at_ms));
        grouped.entry((period, f.queue_id)).or_default().add(f);
        total.add(f);
    }
    let columns = [
        ("told", "Estimates told"),
        ("answered", "Answered"),
        ("abandoned", "Abandoned"),
        ("waiting", "Still waiting"),
        ("average_estimate", "Average estimate (s)"),
        ("average_wait", "Average wait (s)"),
        ("average_error", "Average error (s)"),
        ("error_p50", "Median error (s)"),
        ("error_p90", "90th percentile error (s)"),
        ("error_p95", "95th percentile error (s)"),
        ("accurate_share", "Within 30 s or 20 % (%)"),
    ]
    .into_iter()
    .map(|(key, label)| Column {
        key: key.into(),
        label: label.into(),
    })
    .collect();
    table(shape, columns, grouped, names, Figures::values, &total)
}

/// Whether a wait estimate is to be recorded now, given the activity's events so far (oldest
/// first): when none was told since the activity was last queued. Work never queued has no wait
/// to estimate.
pub fn wait_told_due(events: &[(EventId, EventKind)]) -> bool {
    let last = |kind: EventKind| {
        events
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(id, _)| *id)
            .max()
    };
    match (last(EventKind::Queued), last(EventKind::WaitTold)) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(q), Some(t)) => t < q,
    }
}
