//! The security event log: each event written in the same transaction as the change it records
//! (a password change, a token made or revoked), or on its own (a throttled login, which changes
//! nothing else).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::{SecurityEvent, SecurityEventKind, Timestamp, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{Page, PageRequest, Select, col, json, to_json, ts};

/// Appends one event inside a transaction.
pub(crate) async fn record(
    c: &mut AnyConnection,
    event: &SecurityEventKind,
    actor: Option<UserId>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO security_events (kind, actor_id, data, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(event.name())
    .bind(actor.map(|u| u.0))
    .bind(to_json(event)?)
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn from_row(r: &AnyRow) -> Result<SecurityEvent, StoreError> {
    Ok(SecurityEvent {
        id: col(r, "id")?,
        at: ts(r, "created_at")?,
        actor_id: col::<Option<i64>>(r, "actor_id")?.map(UserId),
        event: json(r, "data")?,
    })
}

impl Store {
    /// Records an event that goes with no other change.
    pub async fn record_security_event(
        &self,
        event: SecurityEventKind,
        actor: Option<UserId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
            let event = event.clone();
            Box::pin(async move { record(c, &event, actor, now).await })
        })
        .await
    }

    /// The security event log, oldest first, one page.
    pub async fn list_security_events(
        &self,
        page: &PageRequest,
    ) -> Result<Page<SecurityEvent>, StoreError> {
        let (rows, more) = Select::new("SELECT * FROM security_events")
            .page(&self.inner.read, page)
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |e| e.id))
    }
}
