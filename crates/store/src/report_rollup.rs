//! The report rollup's storage: its cursor in the event log, what it remembers of each activity
//! ([`Tracked`]), and the 15-minute interval tables it adds to. A batch is gathered outside the
//! writer ([`Store::rollup_gather`]), folded by the domain, and applied in one transaction that
//! moves the cursor only if it is still where the batch started ([`Store::rollup_apply`]), so a
//! batch is counted once even when two folds race or a node dies between the steps.

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::report::{AgentFigures, AgentKey, QueueFigures, QueueKey, Rollup, Tracked};
use switchboard_domain::{
    ActivityEvent, ActivityId, ChannelKind, DepartmentId, QueueId, Timestamp, UserId,
};

use crate::Store;
use crate::error::StoreError;
use crate::report_sql::{QUEUE_FIGURES, add_agent_rows, upsert};
use crate::sql::{col, int_list, value_rows};

/// The rollup's name in the cursor table.
const ROLLUP: &str = "intervals";

/// Rows per upsert statement.
const ROWS: usize = 40;

/// Events after a cursor, with what the rollup knows of their activities.
#[derive(Debug, Clone, Default)]
pub struct RollupBatch {
    /// The events, by id.
    pub events: Vec<ActivityEvent>,
    /// Each event's activity as the rollup last left it (new ones from the activity itself).
    pub tracked: HashMap<ActivityId, Tracked>,
}

fn opt_id(r: &AnyRow, name: &str) -> Result<Option<i64>, StoreError> {
    col::<Option<i64>>(r, name)
}

fn channel(r: &AnyRow) -> Result<ChannelKind, StoreError> {
    let c: String = col(r, "channel")?;
    ChannelKind::parse(&c).ok_or_else(|| StoreError::Internal(format!("bad channel {c}")))
}

fn tracked_from_row(r: &AnyRow) -> Result<Tracked, StoreError> {
    Ok(Tracked {
        activity: ActivityId(col(r, "activity_id")?),
        department: DepartmentId(col(r, "department_id")?),
        channel: channel(r)?,
        queue: opt_id(r, "queue_id")?.map(QueueId),
        waiting_since: opt_id(r, "waiting_since")?,
        answered: col::<i64>(r, "answered")? != 0,
        offered_to: opt_id(r, "offered_to")?.map(UserId),
        agent: opt_id(r, "agent_id")?.map(UserId),
        working_since: opt_id(r, "working_since")?,
        told_open: col::<i64>(r, "told_open")? != 0,
    })
}

impl Store {
    /// The last event the rollup folded in (0: none).
    pub async fn rollup_cursor(&self) -> Result<i64, StoreError> {
        let r = sqlx::query("SELECT last_event_id FROM report_cursor WHERE name = $1")
            .bind(ROLLUP)
            .fetch_optional(&self.inner.read)
            .await?;
        r.map_or(Ok(0), |r| col(&r, "last_event_id"))
    }

    /// Up to `limit` events after `after`, with their activities' tracked state.
    pub async fn rollup_gather(&self, after: i64, limit: u32) -> Result<RollupBatch, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let rows = sqlx::query("SELECT * FROM activity_events WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&mut *c)
            .await?;
        let events = rows
            .iter()
            .map(crate::activities::event_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut ids: Vec<i64> = events.iter().map(|e| e.activity_id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut tracked = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = int_list(chunk.iter().copied());
            let known = sqlx::query(&format!(
                "SELECT * FROM report_tracked WHERE activity_id IN ({list})"
            ))
            .persistent(false)
            .fetch_all(&mut *c)
            .await?;
            for r in &known {
                let t = tracked_from_row(r)?;
                tracked.insert(t.activity, t);
            }
            let fresh = sqlx::query(&format!(
                "SELECT id, department_id, channel FROM activities WHERE id IN ({list})"
            ))
            .persistent(false)
            .fetch_all(&mut *c)
            .await?;
            for r in &fresh {
                let id = ActivityId(col(r, "id")?);
                if let std::collections::hash_map::Entry::Vacant(slot) = tracked.entry(id) {
                    slot.insert(Tracked::new(
                        id,
                        DepartmentId(col(r, "department_id")?),
                        channel(r)?,
                    ));
                }
            }
        }
        Ok(RollupBatch { events, tracked })
    }

    /// Adds `rollup` to the interval tables, saves `tracked` and moves the cursor from `after`
    /// to `upto`, in one transaction; a conflict when the cursor is no longer at `after`.
    pub async fn rollup_apply(
        &self,
        after: i64,
        upto: i64,
        rollup: Rollup,
        tracked: Vec<Tracked>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
            let (rollup, tracked) = (rollup.clone(), tracked.clone());
            Box::pin(async move {
                let at = current(c).await?;
                if at != after {
                    return Err(StoreError::Conflict(format!(
                        "the rollup moved from {after} to {at} meanwhile"
                    )));
                }
                add_queues(c, &rollup).await?;
                add_agents(c, &rollup).await?;
                crate::report_waits::add_waits(c, &rollup).await?;
                save_tracked(c, &tracked).await?;
                set_cursor(c, upto, now).await
            })
        })
        .await
    }

    /// Empties the rollup (intervals, waits told, tracked activities, cursor) so it is built again from the
    /// first event. (The agents' state times are rebuilt apart: [`Store::rebuild_agent_states`].)
    pub async fn rollup_reset(&self, now: Timestamp) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                for table in [
                    "report_queue_intervals",
                    "report_agent_intervals",
                    "report_agent_hours",
                    "report_agent_days",
                    "report_wait_facts",
                    "report_tracked",
                ] {
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *c)
                        .await?;
                }
                set_cursor(c, 0, now).await
            })
        })
        .await
    }
}

async fn current(c: &mut AnyConnection) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT last_event_id FROM report_cursor WHERE name = $1")
        .bind(ROLLUP)
        .fetch_optional(&mut *c)
        .await?;
    r.map_or(Ok(0), |r| col(&r, "last_event_id"))
}

async fn set_cursor(c: &mut AnyConnection, upto: i64, now: Timestamp) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO report_cursor (name, last_event_id, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at",
    )
    .bind(ROLLUP)
    .bind(upto)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn queue_values(f: &QueueFigures) -> [i64; 12] {
    [
        f.arrived,
        f.transferred_in,
        f.transferred_out,
        f.answered,
        f.wait_ms,
        f.within[0],
        f.within[1],
        f.within[2],
        f.within[3],
        f.within[4],
        f.abandoned,
        f.completed,
    ]
}

async fn add_queues(c: &mut AnyConnection, r: &Rollup) -> Result<(), StoreError> {
    let rows: Vec<(&QueueKey, &QueueFigures)> = r.queues.iter().collect();
    for chunk in rows.chunks(ROWS) {
        let sql = upsert(
            "report_queue_intervals",
            &["interval_start", "department_id", "queue_id", "channel"],
            &["interval_start", "queue_id", "channel"],
            &QUEUE_FIGURES,
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for (k, f) in chunk {
            q = q
                .bind(k.interval)
                .bind(k.department.0)
                .bind(k.queue.0)
                .bind(k.channel.as_str());
            for v in queue_values(f) {
                q = q.bind(v);
            }
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Adds the agent rows to the 15-minute table and, summed per hour and per day, to the hourly
/// and daily ones.
async fn add_agents(c: &mut AnyConnection, r: &Rollup) -> Result<(), StoreError> {
    let rows: Vec<(&AgentKey, &AgentFigures)> = r.agents.iter().collect();
    add_agent_rows(c, ("report_agent_intervals", None), &rows).await?;
    // After the 15-minute rows: on PostgreSQL, a zone being filled meanwhile is seen.
    crate::report_days::add_work_days(c, &rows).await?;
    let mut hours: HashMap<AgentKey, AgentFigures> = HashMap::new();
    for (k, f) in &rows {
        let hour = AgentKey {
            interval: k.interval - k.interval.rem_euclid(HOUR_MS),
            ..**k
        };
        hours.entry(hour).or_default().add(f);
    }
    let hours: Vec<(&AgentKey, &AgentFigures)> = hours.iter().collect();
    add_agent_rows(c, ("report_agent_hours", None), &hours).await
}

/// An hour (ms).
const HOUR_MS: i64 = 3_600_000;

async fn save_tracked(c: &mut AnyConnection, tracked: &[Tracked]) -> Result<(), StoreError> {
    const COLUMNS: [&str; 10] = [
        "activity_id",
        "department_id",
        "channel",
        "queue_id",
        "waiting_since",
        "answered",
        "offered_to",
        "agent_id",
        "working_since",
        "told_open",
    ];
    for chunk in tracked.chunks(ROWS) {
        let sets: Vec<String> = COLUMNS[1..]
            .iter()
            .map(|k| format!("{k} = excluded.{k}"))
            .collect();
        let sql = format!(
            "INSERT INTO report_tracked ({}) VALUES {} ON CONFLICT (activity_id) DO UPDATE SET {}",
            COLUMNS.join(", "),
            value_rows(chunk.len(), COLUMNS.len()),
            sets.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for t in chunk {
            q = q
                .bind(t.activity.0)
                .bind(t.department.0)
                .bind(t.channel.as_str())
                .bind(t.queue.map(|x| x.0))
                .bind(t.waiting_since)
                .bind(i64::from(t.answered))
                .bind(t.offered_to.map(|x| x.0))
                .bind(t.agent.map(|x| x.0))
                .bind(t.working_since)
                .bind(i64::from(t.told_open));
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}
