//! Webhook deliveries: the durable outbox of the webhooks, written with the events that cause
//! them (`webhook_outbox.rs`). The sender reads what is due
//! ([`Store::webhooks_due`]), and records each attempt with what it decided
//! ([`Store::webhook_attempted`]); the log and replays serve the administrators.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::webhook::{
    AfterAttempt, DeliveryStatus, WebhookAttempt, WebhookDelivery, delivery_id,
};
use switchboard_domain::{
    ActivityEvent, DepartmentId, EventId, EventKind, Timestamp, WebhookDeliveryId, WebhookId,
};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{Arg, Page, PageRequest, Select, col, ts};

/// A delivery due for an attempt, with what sending it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    /// The delivery.
    pub id: WebhookDeliveryId,
    /// Its subscription.
    pub webhook_id: WebhookId,
    /// The subscription's URL.
    pub url: String,
    /// Whether the subscription wants strict order.
    pub ordered: bool,
    /// Its subscription's deliveries given up in a row.
    pub given_up_in_a_row: u32,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The event, as the API shows it.
    pub event: ActivityEvent,
    /// The event's department.
    pub department_id: DepartmentId,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempted {
    /// The delivery.
    pub id: WebhookDeliveryId,
    /// Its subscription.
    pub webhook_id: WebhookId,
    /// The attempt (its number is the delivery's attempts plus one).
    pub attempt: WebhookAttempt,
    /// What the sender decided.
    pub next: AfterAttempt,
}

fn u32_col(r: &AnyRow, name: &str) -> Result<u32, StoreError> {
    Ok(u32::try_from(col::<i64>(r, name)?).unwrap_or(u32::MAX))
}

fn delivery_from_row(r: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    let status: String = col(r, "status")?;
    let kind: String = col(r, "kind")?;
    let event_id: i64 = col(r, "event_id")?;
    let webhook_id: i64 = col(r, "webhook_id")?;
    let pending = status == DeliveryStatus::Pending.as_str();
    Ok(WebhookDelivery {
        id: WebhookDeliveryId(col(r, "id")?),
        message_id: delivery_id(event_id, webhook_id),
        webhook_id: WebhookId(webhook_id),
        event_id: EventId(event_id),
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Internal(format!("unknown event kind {kind:?}")))?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Internal(format!("unknown delivery status {status:?}")))?,
        attempts: u32_col(r, "attempts")?,
        next_attempt_at: if pending {
            Some(ts(r, "next_attempt_at")?)
        } else {
            None
        },
        last_status_code: col::<Option<i64>>(r, "last_status_code")?
            .and_then(|c| u16::try_from(c).ok()),
        last_error: col(r, "last_error")?,
        created_at: ts(r, "created_at")?,
        finished_at: col::<Option<i64>>(r, "finished_at")?.map(Timestamp::from_millis),
    })
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, d.status, d.attempts, d.next_attempt_at, \
     d.last_status_code, d.last_error, d.created_at, d.finished_at, e.kind";

impl Store {
    /// Deliveries due at `now` (at most `limit`), by id, of active subscriptions. A delivery of
    /// an ordered subscription waits while an earlier one of the same subscription waits for a
    /// later attempt.
    pub async fn webhooks_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.id AS delivery_id, d.webhook_id, d.attempts, w.url, w.ordered, w.given_up_in_a_row, \
             a.department_id AS event_department_id, e.* FROM webhook_deliveries d \
             JOIN webhooks w ON w.id = d.webhook_id \
             JOIN activity_events e ON e.id = d.event_id \
             JOIN activities a ON a.id = e.activity_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.active = 1 \
             AND (w.ordered = 0 OR NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
                  WHERE p.webhook_id = d.webhook_id AND p.status = 'pending' AND p.id < d.id \
                  AND p.next_attempt_at > $1)) \
             ORDER BY d.id LIMIT $2",
        )
        .bind(now.millis())
        .bind(i64::from(limit))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueDelivery {
                    id: WebhookDeliveryId(col(r, "delivery_id")?),
                    webhook_id: WebhookId(col(r, "webhook_id")?),
                    url: col(r, "url")?,
                    ordered: col::<i64>(r, "ordered")? != 0,
                    given_up_in_a_row: u32_col(r, "given_up_in_a_row")?,
                    attempts: u32_col(r, "attempts")?,
                    event: crate::activities::event_from_row(r)?,
                    department_id: DepartmentId(col(r, "event_department_id")?),
                })
            })
            .collect()
    }

    /// Records attempts and what was decided for each: the attempt in the log, the delivery
    /// delivered, due again or given up, and its subscription's run of given-up deliveries
    /// (switched off at the end of a long one). Returns the subscriptions switched off now.
    pub async fn webhook_attempted(
        &self,
        done: Vec<Attempted>,
        now: Timestamp,
    ) -> Result<Vec<WebhookId>, StoreError> {
        self.writes(move |c| {
            let done = done.clone();
            Box::pin(async move {
                let mut switched_off = Vec::new();
                for a in &done {
                    record(c, a, now, &mut switched_off).await?;
                }
                Ok(switched_off)
            })
        })
        .await
        .inspect(|off| {
            if !off.is_empty() {
                self.inner.notify.outbox_changed();
            }
        })
    }

    /// A subscription's deliveries, newest first, optionally of one status.
    pub async fn webhook_deliveries(
        &self,
        webhook: WebhookId,
        status: Option<DeliveryStatus>,
        page: &PageRequest,
    ) -> Result<Page<WebhookDelivery>, StoreError> {
        let mut s = Select::new(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN activity_events e ON e.id = d.event_id"
        ));
        s.eq("d.webhook_id", Arg::Int(webhook.0));
        s.eq_opt("d.status", status.map(|st| Arg::Text(st.as_str().into())));
        let (rows, more) = s.page_desc(&self.inner.read, page, "d.id").await?;
        let items = rows
            .iter()
            .map(delivery_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |d| d.id.0))
    }

    /// One delivery of subscription `webhook` with its attempts, oldest first.
    pub async fn webhook_delivery(
        &self,
        webhook: WebhookId,
        id: WebhookDeliveryId,
    ) -> Result<(WebhookDelivery, Vec<WebhookAttempt>), StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let d = fetch_delivery(&mut c, webhook, id).await?;
        let rows = sqlx::query(
            "SELECT at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&mut *c)
        .await?;
        let attempts = rows
            .iter()
            .map(|r| {
                Ok(WebhookAttempt {
                    at: ts(r, "at")?,
                    status_code: col::<Option<i64>>(r, "status_code")?
                        .and_then(|s| u16::try_from(s).ok()),
                    error: col(r, "error")?,
                    duration_ms: u64::try_from(col::<i64>(r, "duration_ms")?).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((d, attempts))
    }

    /// Sends a delivery again from the first attempt (same message id, so the receiver can
    /// tell), whatever became of it. Its subscription must be active for it to go out.
    pub async fn replay_webhook_delivery(
        &self,
        webhook: WebhookId,
        id: WebhookDeliveryId,
        now: Timestamp,
    ) -> Result<WebhookDelivery, StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch_delivery(c, webhook, id).await?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, \
                     finished_at = NULL WHERE id = $2",
                )
                .bind(now.millis())
                .bind(id.0)
                .execute(&mut *c)
                .await?;
                fetch_delivery(c, webhook, id).await
            })
        })
        .await
    }
}

async fn fetch_delivery(
    c: &mut AnyConnection,
    webhook: WebhookId,
    id: WebhookDeliveryId,
) -> Result<WebhookDelivery, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN activity_events e ON e.id = d.event_id \
         WHERE d.id = $1 AND d.webhook_id = $2"
    ))
    .bind(id.0)
    .bind(webhook.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or(StoreError::NotFound {
        entity: "delivery",
        id: id.0,
    })?;
    delivery_from_row(&r)
}

/// Records one attempt and its consequences.
async fn record(
    c: &mut AnyConnection,
    a: &Attempted,
    now: Timestamp,
    switched_off: &mut Vec<WebhookId>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.id.0)
    .bind(a.attempt.at.millis())
    .bind(a.attempt.status_code.map(i64::from))
    .bind(&a.attempt.error)
    .bind(i64::try_from(a.attempt.duration_ms).unwrap_or(i64::MAX))
    .execute(&mut *c)
    .await?;
    let (status, next_at, finished) = match a.next {
        AfterAttempt::Delivered => (DeliveryStatus::Delivered, now.millis(), Some(now.millis())),
        AfterAttempt::Retry { after_secs } => (
            DeliveryStatus::Pending,
            now.millis()
                .saturating_add(i64::try_from(after_secs.saturating_mul(1000)).unwrap_or(i64::MAX)),
            None,
        ),
        AfterAttempt::GivenUp { .. } | AfterAttempt::Unsubscribed => {
            (DeliveryStatus::GivenUp, now.millis(), Some(now.millis()))
        }
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, \
         last_status_code = $3, last_error = $4, finished_at = $5 WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(next_at)
    .bind(a.attempt.status_code.map(i64::from))
    .bind(&a.attempt.error)
    .bind(finished)
    .bind(a.id.0)
    .execute(&mut *c)
    .await?;
    match a.next {
        AfterAttempt::Delivered => {
            sqlx::query("UPDATE webhooks SET given_up_in_a_row = 0 WHERE id = $1 AND given_up_in_a_row <> 0")
                .bind(a.webhook_id.0)
                .execute(&mut *c)
                .await?;
        }
        AfterAttempt::Retry { .. } => {}
        AfterAttempt::GivenUp { disable } => {
            sqlx::query(
                "UPDATE webhooks SET given_up_in_a_row = given_up_in_a_row + 1 WHERE id = $1",
            )
            .bind(a.webhook_id.0)
            .execute(&mut *c)
            .await?;
            if disable {
                let why = format!(
                    "switched off after {} deliveries in a row were given up",
                    switchboard_domain::webhook::DISABLE_AFTER
                );
                switch_off(c, a.webhook_id, &why, now, switched_off).await?;
            }
        }
        AfterAttempt::Unsubscribed => {
            let why = "switched off: the receiver answered 410 Gone, asking to be unsubscribed";
            switch_off(c, a.webhook_id, why, now, switched_off).await?;
        }
    }
    Ok(())
}

/// Switches subscription `id` off for `why`, unless it is off already.
async fn switch_off(
    c: &mut AnyConnection,
    id: WebhookId,
    why: &str,
    now: Timestamp,
    switched_off: &mut Vec<WebhookId>,
) -> Result<(), StoreError> {
    let changed = sqlx::query(
        "UPDATE webhooks SET active = 0, disabled_at = $1, disabled_reason = $2, \
         version = version + 1, updated_at = $1 WHERE id = $3 AND active = 1",
    )
    .bind(now.millis())
    .bind(why)
    .bind(id.0)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if changed > 0 {
        switched_off.push(id);
        notify_admins(c, id, why, now).await?;
    }
    Ok(())
}

/// Most administrators one notice goes to.
const NOTICE_RECIPIENTS: i64 = 50;

/// Queues the notice that subscription `id` was switched off to the active administrators,
/// from the first active alias of its department — in the transaction that switches it off.
/// Without such an alias there is nobody to send it; the subscription's page and the services
/// page still say it.
async fn notify_admins(
    c: &mut AnyConnection,
    id: WebhookId,
    why: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let w = sqlx::query(
        "SELECT w.url, w.department_id, d.name FROM webhooks w JOIN departments d ON d.id = w.department_id WHERE w.id = $1",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    let dept: i64 = col(&w, "department_id")?;
    let alias = sqlx::query(
        "SELECT id FROM aliases WHERE department_id = $1 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(dept)
    .fetch_optional(&mut *c)
    .await?;
    let Some(alias) = alias else {
        tracing::warn!(
            webhook = id.0,
            "no active alias in its department sends the switch-off notice"
        );
        return Ok(());
    };
    let alias =
        crate::aliases::fetch(&mut *c, switchboard_domain::AliasId(col(&alias, "id")?)).await?;
    let to: Vec<switchboard_domain::Mailbox> = sqlx::query(
        "SELECT email, name FROM users WHERE role = 'admin' AND active = 1 ORDER BY id LIMIT $1",
    )
    .bind(NOTICE_RECIPIENTS)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| {
        Ok(switchboard_domain::Mailbox {
            name: Some(col::<String>(r, "name")?).filter(|n| !n.is_empty()),
            address: col(r, "email")?,
        })
    })
    .collect::<Result<_, StoreError>>()?;
    if to.is_empty() {
        return Ok(());
    }
    let url: String = col(&w, "url")?;
    let name: String = col(&w, "name")?;
    let (subject, text) = switchboard_domain::webhook::switched_off_notice(id.0, &url, &name, why);
    let mail = crate::outbox::SystemMail {
        to,
        subject,
        text,
        attachments: Vec::new(),
    };
    crate::outbox::system_mail_in(c, &alias, mail, None, "webhook notice", now).await?;
    Ok(())
}
