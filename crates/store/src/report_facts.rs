//! The facts of the reports read one by one for a period within the caller's scope: delivery
//! exceptions (with their mail's alias), answered chat surveys (with their activity's queue),
//! and the waits customers were told as the rollup keeps them (`report_waits.rs`).

use switchboard_domain::report::{ExceptionFact, SurveyFact, WaitEnd, WaitFact};
use switchboard_domain::{DepartmentId, EventKind, EventPayload, Scope};

use crate::Store;
use crate::error::StoreError;
use crate::packed::read_packed;
use crate::report_read::IntervalFilter;
use crate::report_read::unpacked;
use crate::sql::{col, int_list};

/// ` AND <column> IN (…)` for the scope and the filter's departments (`1 = 0` for no scope).
pub(crate) fn departments(column: &str, scope: &Scope, only: &[DepartmentId]) -> String {
    let mut w = String::new();
    match scope.departments() {
        Some([]) => w.push_str(" AND 1 = 0"),
        Some(ds) => w.push_str(&format!(
            " AND {column} IN ({})",
            int_list(ds.iter().map(|d| d.0))
        )),
        None => {}
    }
    if !only.is_empty() {
        w.push_str(&format!(
            " AND {column} IN ({})",
            int_list(only.iter().map(|d| d.0))
        ));
    }
    w
}

impl Store {
    /// The delivery exceptions recorded in `f`'s period within `scope`, oldest first.
    pub async fn exception_facts(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<ExceptionFact>, StoreError> {
        let sql = format!(
            "SELECT x.created_at AS at, e.alias_id AS alias, x.permanent, x.bounce_email_id \
             FROM delivery_exceptions x LEFT JOIN emails e ON e.id = x.email_id \
             WHERE x.created_at >= $1 AND x.created_at < $2{} ORDER BY x.id",
            departments("x.department_id", scope, &f.departments)
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(f.from_ms)
            .bind(f.to_ms)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ExceptionFact {
                    at_ms: col(r, "at")?,
                    alias_id: col::<Option<i64>>(r, "alias")?.unwrap_or(0),
                    permanent: col::<i64>(r, "permanent")? != 0,
                    bounce: col::<Option<i64>>(r, "bounce_email_id")?.is_some(),
                })
            })
            .collect()
    }

    /// The chat surveys answered in `f`'s period within `scope` (and `f`'s queues), oldest
    /// first, each with its activity's queue.
    pub async fn survey_facts(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<SurveyFact>, StoreError> {
        let mut sql = format!(
            "SELECT e.*, a.queue_id AS activity_queue FROM activity_events e \
             JOIN activities a ON a.id = e.activity_id \
             WHERE e.kind = $1 AND e.at >= $2 AND e.at < $3{}",
            departments("a.department_id", scope, &f.departments)
        );
        if !f.queues.is_empty() {
            sql.push_str(&format!(
                " AND a.queue_id IN ({})",
                int_list(f.queues.iter().map(|q| q.0))
            ));
        }
        sql.push_str(" ORDER BY e.id");
        let rows = sqlx::query(&sql)
            .persistent(false)
            .bind(EventKind::SurveyAnswered.as_str())
            .bind(f.from_ms)
            .bind(f.to_ms)
            .fetch_all(&self.inner.read)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = crate::activities::event_from_row(r)?;
            if let EventPayload::SurveyAnswered(s) = e.payload {
                out.push(SurveyFact {
                    at_ms: e.at.millis(),
                    queue_id: col::<Option<i64>>(r, "activity_queue")?.unwrap_or(0),
                    answers: s.answers,
                });
            }
        }
        Ok(out)
    }

    /// The waits told in `f`'s period within `scope` (and `f`'s queues), oldest first, each with
    /// how it ended as far as the rollup has folded: answered (with the wait), abandoned, or
    /// still waiting.
    pub async fn wait_facts(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<WaitFact>, StoreError> {
        let mut sql = format!(
            "SELECT told_at, queue_id, told_secs, outcome, COALESCE(waited_ms, 0) AS waited_ms \
             FROM report_wait_facts WHERE told_at >= {} AND told_at < {}{}",
            f.from_ms,
            f.to_ms,
            departments("department_id", scope, &f.departments)
        );
        if !f.queues.is_empty() {
            sql.push_str(&format!(
                " AND queue_id IN ({})",
                int_list(f.queues.iter().map(|q| q.0))
            ));
        }
        let ints = ["r.told_at", "r.queue_id", "r.told_secs", "r.waited_ms"];
        let packed = read_packed(&self.inner.read, &sql, &["outcome"], &ints).await?;
        Ok(unpacked(&packed, ints.len())
            .map(|(texts, v)| WaitFact {
                at_ms: v[0],
                queue_id: v[1],
                told_secs: v[2],
                end: match texts.first().map(String::as_str) {
                    Some("answered") => WaitEnd::Answered { waited_ms: v[3] },
                    Some("abandoned") => WaitEnd::Abandoned,
                    _ => WaitEnd::Waiting,
                },
            })
            .collect())
    }
}
