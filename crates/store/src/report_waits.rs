//! The waits customers were told, as the rollup keeps them (`report_wait_facts`): each batch
//! adds the waits it saw told (ended or not) and ends those told earlier that its events ended;
//! the Expected-Wait Accuracy report reads them for a period within the caller's scope.

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use switchboard_domain::report::{Rollup, WaitEnd, WaitFact, WaitRow};
use switchboard_domain::{ActivityId, Scope};

use crate::Store;
use crate::error::StoreError;
use crate::report_facts::departments;
use crate::report_read::IntervalFilter;
use crate::sql::{col, int_list, value_rows};

/// Rows per statement.
const ROWS: usize = 100;

/// How a wait ended, as stored.
fn outcome(end: &WaitEnd) -> (&'static str, Option<i64>) {
    match end {
        WaitEnd::Answered { waited_ms } => ("answered", Some(*waited_ms)),
        WaitEnd::Abandoned => ("abandoned", None),
        WaitEnd::Waiting => ("waiting", None),
    }
}

/// Adds the batch's waits told, then ends the earlier ones its events ended.
pub(crate) async fn add_waits(c: &mut AnyConnection, rollup: &Rollup) -> Result<(), StoreError> {
    // One row per wait (a statement may not touch a row twice).
    let told: BTreeMap<(ActivityId, i64), &WaitRow> = rollup
        .told
        .iter()
        .map(|w| ((w.activity, w.fact.at_ms), w))
        .collect();
    let told: Vec<&WaitRow> = told.into_values().collect();
    for chunk in told.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO report_wait_facts (activity_id, told_at, department_id, queue_id, \
             told_secs, outcome, waited_ms) VALUES {} ON CONFLICT (activity_id, told_at) DO UPDATE \
             SET outcome = excluded.outcome, waited_ms = excluded.waited_ms",
            value_rows(chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for w in chunk {
            let (outcome, waited) = outcome(&w.fact.end);
            q = q
                .bind(w.activity.0)
                .bind(w.fact.at_ms)
                .bind(w.department.0)
                .bind(w.fact.queue_id)
                .bind(w.fact.told_secs)
                .bind(outcome)
                .bind(waited);
        }
        q.execute(&mut *c).await?;
    }
    for e in &rollup.ended {
        let sql = if e.abandoned {
            "UPDATE report_wait_facts SET outcome = 'abandoned', waited_ms = NULL \
             WHERE activity_id = $1 AND outcome = 'waiting' AND told_at <= $2"
        } else {
            "UPDATE report_wait_facts SET outcome = 'answered', waited_ms = $2 - told_at \
             WHERE activity_id = $1 AND outcome = 'waiting' AND told_at <= $2"
        };
        sqlx::query(sql)
            .bind(e.activity.0)
            .bind(e.at)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The waits told in `f`'s period within `scope` (and `f`'s queues), oldest first, each with
    /// how it ended as far as the rollup has folded: answered (with the wait), abandoned, or
    /// still waiting.
    pub async fn wait_facts(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<WaitFact>, StoreError> {
        let mut sql = format!(
            "SELECT told_at, queue_id, told_secs, outcome, waited_ms FROM report_wait_facts \
             WHERE told_at >= $1 AND told_at < $2{}",
            departments("department_id", scope, &f.departments)
        );
        if !f.queues.is_empty() {
            sql.push_str(&format!(
                " AND queue_id IN ({})",
                int_list(f.queues.iter().map(|q| q.0))
            ));
        }
        sql.push_str(" ORDER BY told_at, activity_id");
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(f.from_ms)
            .bind(f.to_ms)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                let outcome: String = col(r, "outcome")?;
                let end = match outcome.as_str() {
                    "answered" => WaitEnd::Answered {
                        waited_ms: col::<Option<i64>>(r, "waited_ms")?.unwrap_or(0),
                    },
                    "abandoned" => WaitEnd::Abandoned,
                    _ => WaitEnd::Waiting,
                };
                Ok(WaitFact {
                    at_ms: col(r, "told_at")?,
                    queue_id: col(r, "queue_id")?,
                    told_secs: col(r, "told_secs")?,
                    end,
                })
            })
            .collect()
    }
}
