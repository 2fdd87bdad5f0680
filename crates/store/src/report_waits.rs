//! The waits customers were told, as the rollup keeps them (`report_wait_facts`): each batch
//! adds the waits it saw told (ended or not) and ends those told earlier that its events ended.
//! (`report_facts.rs` reads them for the Expected-Wait Accuracy report.)

use std::collections::BTreeMap;

use sqlx::AnyConnection;
use switchboard_domain::ActivityId;
use switchboard_domain::report::{Rollup, WaitEnd, WaitRow};

use crate::error::StoreError;
use crate::sql::value_rows;

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
