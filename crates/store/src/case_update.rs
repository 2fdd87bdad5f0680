//! Changing a case: a partial update checked against its version, and a change of status
//! recorded as an event (`case_closed`, `case_reopened`) on the case's latest activity in the
//! same transaction, so webhooks and history hear of it.

use switchboard_domain::event::CaseEvent;
use switchboard_domain::{
    ActivityId, ActivityStatus, Actor, Case, CaseId, CasePatch, CaseStatus, EventPayload, Timestamp,
};

use crate::Store;
use crate::activities::NewEvent;
use crate::cases::{fetch, owner_error};
use crate::error::StoreError;
use crate::sql::col;

impl Store {
    /// Applies a partial update if `patch.version` is current; a change of status is recorded
    /// as made by `actor`.
    pub async fn update_case(
        &self,
        id: CaseId,
        patch: CasePatch,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Case, StoreError> {
        self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut k = fetch(&mut *c, id).await?;
                    if k.version != patch.version {
                        return Err(StoreError::stale("case", id.0));
                    }
                    let was = k.status;
                    patch.apply(&mut k);
                    sqlx::query(
                        "UPDATE cases SET subject = $1, status = $2, owner_id = $3, version = version + 1, updated_at = $4 \
                         WHERE id = $5",
                    )
                    .bind(&k.subject)
                    .bind(k.status.as_str())
                    .bind(k.owner_id.map(|o| o.0))
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(owner_error)?;
                    k.version += 1;
                    k.updated_at = now;
                    status_event(c, &k, was, actor, now).await?;
                    Ok(k)
                })
            })
            .await
    }
}

/// Records a case's change of status (`case_closed`, `case_reopened`) on its latest activity,
/// in the transaction of the change; a case without activities has nowhere to record it.
async fn status_event(
    c: &mut sqlx::AnyConnection,
    k: &Case,
    was: CaseStatus,
    actor: Actor,
    now: Timestamp,
) -> Result<(), StoreError> {
    let payload = match (was, k.status) {
        (CaseStatus::Open, CaseStatus::Closed) => EventPayload::CaseClosed,
        (CaseStatus::Closed, CaseStatus::Open) => EventPayload::CaseReopened,
        _ => return Ok(()),
    };
    let latest = sqlx::query(
        "SELECT id, status FROM activities WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(k.id.0)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = latest else {
        return Ok(());
    };
    let id = ActivityId(col(&row, "id")?);
    let status: String = col(&row, "status")?;
    let status = ActivityStatus::parse(&status)
        .ok_or_else(|| StoreError::Internal(format!("bad activity status {status}")))?;
    let event = NewEvent {
        payload: payload(CaseEvent { case_id: k.id }),
        from: Some(status),
        to: status,
        actor,
    };
    crate::activities::append_many(c, &[(id, event)], now).await
}
