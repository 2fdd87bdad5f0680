//! The agents' day rollups: their work (`report_agent_days`) and state times
//! (`report_agent_state_days`) summed per local day in each zone of `report_zones`, added in the
//! same transaction as the 15-minute rows they sum. A zone newly kept is filled from the
//! 15-minute rows already there; a zone no longer kept is dropped.

use std::collections::HashMap;

use sqlx::AnyConnection;
use switchboard_domain::Timestamp;
use switchboard_domain::report::{
    AgentFigures, AgentKey, DayOf, StateTime, Zone as TimeZone, day_bounds,
};

use crate::backend::Backend;
use crate::error::StoreError;
use crate::report_sql::{AGENT_FIGURES, add_agent_rows, add_state_rows, period_case};
use crate::sql::col;
use crate::{Store, sql};

/// Days filled per statement when a zone is first kept (a year's CASE halves nine times).
const FILL_DAYS: usize = 400;

/// The zone days are always kept in.
pub const UTC: &str = "UTC";

/// The zones days are kept in, each with its rules (a name no longer known is passed).
pub(crate) async fn kept_zones(
    c: &mut AnyConnection,
) -> Result<Vec<(String, TimeZone)>, StoreError> {
    let rows = sqlx::query("SELECT zone FROM report_zones ORDER BY zone")
        .fetch_all(&mut *c)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let name: String = col(r, "zone")?;
        if let Ok(tz) = TimeZone::get(&name) {
            out.push((name, tz));
        }
    }
    Ok(out)
}

/// Adds the agent work `rows` (15-minute) to the day rows of every kept zone.
pub(crate) async fn add_work_days(
    c: &mut AnyConnection,
    rows: &[(&AgentKey, &AgentFigures)],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    for (zone, tz) in kept_zones(c).await? {
        let mut days = DayOf::new(&tz);
        let mut summed: HashMap<AgentKey, AgentFigures> = HashMap::new();
        for (k, f) in rows {
            let day = AgentKey {
                interval: days.start(k.interval),
                ..**k
            };
            summed.entry(day).or_default().add(f);
        }
        let summed: Vec<(&AgentKey, &AgentFigures)> = summed.iter().collect();
        add_agent_rows(c, ("report_agent_days", Some(&zone)), &summed).await?;
    }
    Ok(())
}

/// Adds the state `times` (15-minute) to the day rows of every kept zone, each agent under its
/// department in `departments`.
pub(crate) async fn add_state_days(
    c: &mut AnyConnection,
    times: &[StateTime],
    departments: &HashMap<i64, i64>,
) -> Result<(), StoreError> {
    if times.is_empty() {
        return Ok(());
    }
    for (zone, tz) in kept_zones(c).await? {
        let mut days = DayOf::new(&tz);
        add_state_rows(
            c,
            ("report_agent_state_days", Some(&zone)),
            times,
            departments,
            |at| days.start(at),
        )
        .await?;
    }
    Ok(())
}

/// The first and last interval start of the 15-minute agent rows (work and states), if any.
async fn span(c: &mut AnyConnection) -> Result<Option<(i64, i64)>, StoreError> {
    let mut lo: Option<i64> = None;
    let mut hi: Option<i64> = None;
    for table in ["report_agent_intervals", "report_agent_states"] {
        let r = sqlx::query(&format!(
            "SELECT MIN(interval_start) AS lo, MAX(interval_start) AS hi FROM {table}"
        ))
        .fetch_one(&mut *c)
        .await?;
        if let (Some(a), Some(b)) = (col::<Option<i64>>(&r, "lo")?, col::<Option<i64>>(&r, "hi")?) {
            lo = Some(lo.map_or(a, |x| x.min(a)));
            hi = Some(hi.map_or(b, |x| x.max(b)));
        }
    }
    Ok(lo.zip(hi))
}

/// Fills the day rows of `zone` from the 15-minute rows there are.
async fn fill(c: &mut AnyConnection, zone: &str, tz: &TimeZone) -> Result<(), StoreError> {
    let Some((lo, hi)) = span(c).await? else {
        return Ok(());
    };
    let bounds = day_bounds(lo, hi + 1, tz);
    let figures = AGENT_FIGURES.map(|f| format!("SUM({f})")).join(", ");
    let mut start = 0;
    while start + 1 < bounds.len() {
        let end = (start + FILL_DAYS).min(bounds.len() - 1);
        let (from, to) = (bounds[start], bounds[end]);
        let case = period_case(&bounds[start..end]);
        sqlx::query(&format!(
            "INSERT INTO report_agent_days (zone, interval_start, department_id, agent_id, channel, {}) \
             SELECT $1, {case} AS day_start, department_id, agent_id, channel, {figures} \
             FROM report_agent_intervals WHERE interval_start >= {from} AND interval_start < {to} \
             GROUP BY day_start, department_id, agent_id, channel",
            AGENT_FIGURES.join(", ")
        ))
        .persistent(false)
        .bind(zone.to_string())
        .execute(&mut *c)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO report_agent_state_days (zone, interval_start, department_id, agent_id, ready, reason, ms) \
             SELECT $1, {case} AS day_start, MIN(department_id), agent_id, ready, reason, SUM(ms) \
             FROM report_agent_states WHERE interval_start >= {from} AND interval_start < {to} \
             GROUP BY day_start, agent_id, ready, reason"
        ))
        .persistent(false)
        .bind(zone.to_string())
        .execute(&mut *c)
        .await?;
        start = end;
    }
    Ok(())
}

/// Keeps days in exactly `wanted` (and UTC): drops the others' rows, fills the new ones'.
async fn keep(
    c: &mut AnyConnection,
    backend: Backend,
    wanted: &[String],
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    let kept_now: Vec<String> = kept_zones(c).await?.into_iter().map(|z| z.0).collect();
    let unchanged = kept_now.iter().all(|z| z == UTC || wanted.contains(z))
        && wanted
            .iter()
            .all(|z| kept_now.contains(z) || TimeZone::get(z).is_err());
    if unchanged {
        return Ok(Vec::new());
    }
    if backend == Backend::Postgres {
        // Writers of 15-minute rows wait until the new zones are filled, then see them.
        sqlx::query(
            "LOCK TABLE report_agent_intervals, report_agent_states IN SHARE ROW EXCLUSIVE MODE",
        )
        .execute(&mut *c)
        .await?;
    }
    let kept: Vec<String> = kept_zones(c).await?.into_iter().map(|z| z.0).collect();
    for zone in kept.iter().filter(|z| *z != UTC && !wanted.contains(z)) {
        for table in [
            "report_agent_days",
            "report_agent_state_days",
            "report_zones",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE zone = $1"))
                .persistent(false)
                .bind(zone.clone())
                .execute(&mut *c)
                .await?;
        }
    }
    let mut added = Vec::new();
    for zone in wanted.iter().filter(|z| !kept.contains(z)) {
        let Ok(tz) = TimeZone::get(zone) else {
            continue;
        };
        fill(c, zone, &tz).await?;
        sqlx::query("INSERT INTO report_zones (zone, added_at) VALUES ($1, $2)")
            .bind(zone.clone())
            .bind(now.millis())
            .execute(&mut *c)
            .await?;
        added.push(zone.clone());
    }
    Ok(added)
}

impl Store {
    /// Keeps the agents' day rollups in the zones `wanted` (and always UTC): a zone newly kept
    /// is filled from the 15-minute rows in the same transaction; one no longer wanted is
    /// dropped. The zones added.
    pub async fn keep_report_zones(
        &self,
        wanted: Vec<String>,
        now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let backend = self.backend();
        self.writes(move |c| {
            let wanted = wanted.clone();
            Box::pin(async move { keep(c, backend, &wanted, now).await })
        })
        .await
    }

    /// The zones the agents' day rollups are kept in.
    pub async fn report_zones(&self) -> Result<Vec<String>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        Ok(kept_zones(&mut c).await?.into_iter().map(|z| z.0).collect())
    }

    /// The distinct time zones of the business calendars: the zones reports are read in.
    pub async fn calendar_zones(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT time_zone FROM calendars ORDER BY time_zone")
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(|r| sql::col(r, "time_zone")).collect()
    }
}
