//! The webhooks' outbox, written inside the transaction that appends events: one delivery per
//! event and active subscription of the event's department that wants its kind, so an event is
//! never committed without its deliveries.

use sqlx::AnyConnection;
use switchboard_domain::Timestamp;

use crate::error::StoreError;

/// Whether any webhook is active (read in the transaction, so a subscription committed before
/// it is seen).
pub(crate) async fn any_active(c: &mut AnyConnection) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT 1 AS x FROM webhooks WHERE active = 1 LIMIT 1")
            .fetch_optional(&mut *c)
            .await?
            .is_some(),
    )
}

/// Writes the deliveries of events `ids` (just appended, in this transaction).
pub(crate) async fn enqueue(
    c: &mut AnyConnection,
    ids: &[i64],
    now: Timestamp,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, status, attempts, next_attempt_at, created_at) \
         SELECT k.webhook_id, e.id, 'pending', 0, $1, $1 FROM activity_events e \
         JOIN activities a ON a.id = e.activity_id \
         JOIN webhook_kinds k ON k.department_id = a.department_id AND k.kind = e.kind \
         JOIN webhooks w ON w.id = k.webhook_id AND w.active = 1 \
         WHERE e.id IN ({}) ORDER BY e.id, k.webhook_id",
        crate::sql::int_list(ids.iter().copied())
    );
    sqlx::query(&sql)
        .persistent(false)
        .bind(now.millis())
        .execute(&mut *c)
        .await?;
    Ok(())
}
