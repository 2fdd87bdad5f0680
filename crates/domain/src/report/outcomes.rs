//! Reports on outcomes recorded as they happen rather than folded into the rollup (they are
//! few beside the work itself): mail that could not be delivered, per alias, and the answers
//! customers gave to chat surveys, per queue. Each builds its table from plain facts the store
//! reads for the period, in the report's time zone, like the rollup's reports.

use std::collections::{BTreeMap, HashMap};

use super::definitions::{Column, PeriodMemo, ReportTable, Shape, table};
use super::rollup::interval_of;
use crate::chat::{QuestionKind, SurveyAnswer};

/// One delivery exception as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionFact {
    /// When it was recorded (ms).
    pub at_ms: i64,
    /// The alias whose mail it was (0: unknown).
    pub alias_id: i64,
    /// Whether the failure was permanent.
    pub permanent: bool,
    /// Whether a bounce reported it (else the outgoing server refused the mail).
    pub bounce: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct ExceptionFigures {
    all: i64,
    permanent: i64,
    bounces: i64,
}

/// The table of the delivery exceptions report, naming aliases from `names`.
pub fn exceptions_table(
    shape: &Shape<'_>,
    facts: &[ExceptionFact],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut grouped: BTreeMap<(i64, i64), ExceptionFigures> = BTreeMap::new();
    let mut total = ExceptionFigures::default();
    let mut periods = PeriodMemo::new(shape);
    for f in facts {
        let period = periods.of(interval_of(f.at_ms));
        for g in [grouped.entry((period, f.alias_id)).or_default(), &mut total] {
            g.all += 1;
            g.permanent += i64::from(f.permanent);
            g.bounces += i64::from(f.bounce);
        }
    }
    let columns = vec![
        column("exceptions", "Exceptions"),
        column("permanent", "Permanent"),
        column("temporary", "Temporary"),
        column("bounces", "Reported by a bounce"),
        column("refused", "Refused when sent"),
    ];
    let values = |f: &ExceptionFigures| {
        [
            f.all,
            f.permanent,
            f.all - f.permanent,
            f.bounces,
            f.all - f.bounces,
        ]
        .into_iter()
        .map(|v| Some(v as f64))
        .collect()
    };
    table(shape, columns, grouped, names, values, &total)
}

/// One answered survey as the report reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFact {
    /// When it was answered (ms).
    pub at_ms: i64,
    /// The chat's queue (0: none).
    pub queue_id: i64,
    /// The answers.
    pub answers: Vec<SurveyAnswer>,
}

#[derive(Debug, Clone, Copy, Default)]
struct SurveyFigures {
    surveys: i64,
    ratings: i64,
    rating_sum: i64,
    yes: i64,
    no: i64,
}

/// The table of the customer survey results report, naming queues from `names`: surveys
/// answered, the average of their ratings (1–5) and the share of yes among yes-or-no answers.
pub fn surveys_table(
    shape: &Shape<'_>,
    facts: &[SurveyFact],
    names: &HashMap<i64, String>,
) -> ReportTable {
    let mut grouped: BTreeMap<(i64, i64), SurveyFigures> = BTreeMap::new();
    let mut total = SurveyFigures::default();
    let mut periods = PeriodMemo::new(shape);
    for f in facts {
        let period = periods.of(interval_of(f.at_ms));
        for g in [grouped.entry((period, f.queue_id)).or_default(), &mut total] {
            g.surveys += 1;
            for a in &f.answers {
                match (a.kind, &a.value) {
                    (QuestionKind::Rating, v) => {
                        if let Some(r) = v.as_i64() {
                            g.ratings += 1;
                            g.rating_sum += r;
                        }
                    }
                    (QuestionKind::YesNo, serde_json::Value::Bool(true)) => g.yes += 1,
                    (QuestionKind::YesNo, serde_json::Value::Bool(false)) => g.no += 1,
                    _ => {}
                }
            }
        }
    }
    let columns = vec![
        column("surveys", "Surveys answered"),
        column("ratings", "Ratings"),
        column("average_rating", "Average rating (1–5)"),
        column("yes", "Yes"),
        column("no", "No"),
        column("yes_share", "Yes (%)"),
    ];
    let values = |f: &SurveyFigures| {
        let share = |n: i64, d: i64| (d > 0).then(|| n as f64 / d as f64);
        vec![
            Some(f.surveys as f64),
            Some(f.ratings as f64),
            share(f.rating_sum, f.ratings),
            Some(f.yes as f64),
            Some(f.no as f64),
            share(f.yes, f.yes + f.no).map(|s| s * 100.0),
        ]
    };
    table(shape, columns, grouped, names, values, &total)
}

fn column(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}
