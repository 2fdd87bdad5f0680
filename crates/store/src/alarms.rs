//! What alarm workflows read and write: the open activities of a department an alarm has not
//! fired on yet (read outside the write, so reads do not hold up the writer), the once-only hit
//! per workflow and activity (`alarm_hits`), and the alias notifications go out from. The alarm
//! use case itself (schedule, firing, effects) lives above the store.

use sqlx::AnyConnection;
use switchboard_domain::{
    ActivityId, ActivityStatus, Alias, AliasId, CategoryId, ChannelKind, CustomAttributes,
    DepartmentId, QueueId, Timestamp, WorkflowId,
};

use crate::aliases;
use crate::error::StoreError;
use crate::sql::{col, json, parsed};
use crate::store::Store;

/// An open activity an alarm workflow may fire on, with what its conditions read.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmCandidate {
    /// The activity.
    pub id: ActivityId,
    /// Its version when read: the alarm's effects apply only if it is unchanged.
    pub version: i64,
    /// Channel.
    pub channel: ChannelKind,
    /// Status.
    pub status: ActivityStatus,
    /// Priority (1–10).
    pub priority: u8,
    /// Category.
    pub category: Option<CategoryId>,
    /// Custom attributes.
    pub attributes: CustomAttributes,
    /// Queue.
    pub queue: Option<QueueId>,
    /// Subject.
    pub subject: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its queue's service level.
    pub service_level_secs: Option<u64>,
    /// Its customer's attributes.
    pub customer_attributes: CustomAttributes,
}

impl Store {
    /// Open activities of `dept` with an id above `after` that alarm `workflow` has not fired
    /// on, in id order, at most `limit`.
    pub async fn alarm_candidates(
        &self,
        dept: DepartmentId,
        workflow: WorkflowId,
        after: ActivityId,
        limit: usize,
    ) -> Result<Vec<AlarmCandidate>, StoreError> {
        let sql = format!(
            "SELECT a.id, a.version, a.channel, a.status, a.priority, a.category_id, a.custom_attributes, \
             a.queue_id, a.subject, a.created_at, q.service_level_secs, cu.attributes AS customer_attributes \
             FROM activities a LEFT JOIN queues q ON q.id = a.queue_id JOIN customers cu ON cu.id = a.customer_id \
             WHERE a.department_id = $1 AND a.status IN ({}) AND a.id > $2 \
             AND NOT EXISTS (SELECT 1 FROM alarm_hits h WHERE h.workflow_id = $3 AND h.activity_id = a.id) \
             ORDER BY a.id LIMIT $4",
            crate::routing::OPEN
        );
        let rows = sqlx::query(&sql)
            .bind(dept.0)
            .bind(after.0)
            .bind(workflow.0)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AlarmCandidate {
                    id: ActivityId(col(r, "id")?),
                    version: col(r, "version")?,
                    channel: parsed(r, "channel", ChannelKind::parse)?,
                    status: parsed(r, "status", ActivityStatus::parse)?,
                    priority: u8::try_from(col::<i64>(r, "priority")?).unwrap_or(5),
                    category: col::<Option<i64>>(r, "category_id")?.map(CategoryId),
                    attributes: json(r, "custom_attributes")?,
                    queue: col::<Option<i64>>(r, "queue_id")?.map(QueueId),
                    subject: col(r, "subject")?,
                    created_at: Timestamp::from_millis(col(r, "created_at")?),
                    service_level_secs: col::<Option<i64>>(r, "service_level_secs")?
                        .and_then(|s| u64::try_from(s).ok()),
                    customer_attributes: json(r, "customer_attributes")?,
                })
            })
            .collect()
    }
}

/// Records the hit of `workflow` on `activity`; false when the pair was already hit.
pub(crate) async fn record_hit(
    c: &mut AnyConnection,
    workflow: WorkflowId,
    activity: ActivityId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let hit = sqlx::query(
        "INSERT INTO alarm_hits (workflow_id, activity_id, fired_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workflow_id, activity_id) DO NOTHING",
    )
    .bind(workflow.0)
    .bind(activity.0)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(hit.rows_affected() > 0)
}

/// The alias notifications about an activity go out from: the one its mail came to, else the
/// department's first active alias.
pub(crate) async fn sender(
    c: &mut AnyConnection,
    activity: ActivityId,
    dept: DepartmentId,
) -> Result<Option<Alias>, StoreError> {
    let r = sqlx::query(
        "SELECT alias_id FROM emails WHERE activity_id = $1 AND alias_id IS NOT NULL ORDER BY id LIMIT 1",
    )
    .bind(activity.0)
    .fetch_optional(&mut *c)
    .await?;
    let id = match r {
        Some(r) => Some(AliasId(col(&r, "alias_id")?)),
        None => sqlx::query(
            "SELECT id FROM aliases WHERE department_id = $1 AND active = 1 ORDER BY id LIMIT 1",
        )
        .bind(dept.0)
        .fetch_optional(&mut *c)
        .await?
        .map(|r| col(&r, "id").map(AliasId))
        .transpose()?,
    };
    match id {
        Some(id) => match aliases::fetch(&mut *c, id).await {
            Ok(a) => Ok(Some(a)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}
