//! Webhook subscriptions: a department's target URL, the event kinds it wants (also kept one
//! row per kind, which the event log joins when it writes deliveries) and its signing secret,
//! sealed under the installation's key and shown only when it is made.

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::webhook::{NewWebhook, Secret, Webhook, WebhookPatch, WebhookWithSecret};
use switchboard_domain::{DepartmentId, EventKind, Timestamp, WebhookId};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{Page, PageRequest, col, fetch_by_id, int_list, ts};

/// What a webhook secret is sealed for.
const PURPOSE: &str = "webhook secret";

fn from_row(r: &AnyRow) -> Result<Webhook, StoreError> {
    Ok(Webhook {
        id: WebhookId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        url: col(r, "url")?,
        events: Vec::new(),
        active: col::<i64>(r, "active")? != 0,
        ordered: col::<i64>(r, "ordered")? != 0,
        description: col(r, "description")?,
        given_up_in_a_row: u32::try_from(col::<i64>(r, "given_up_in_a_row")?).unwrap_or(u32::MAX),
        disabled_at: col::<Option<i64>>(r, "disabled_at")?.map(Timestamp::from_millis),
        disabled_reason: col(r, "disabled_reason")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// The event kinds of subscription `id`, in the order they were given.
async fn kinds(c: &mut AnyConnection, id: WebhookId) -> Result<Vec<EventKind>, StoreError> {
    let rows =
        sqlx::query("SELECT kind FROM webhook_kinds WHERE webhook_id = $1 ORDER BY position")
            .bind(id.0)
            .fetch_all(&mut *c)
            .await?;
    rows.iter().map(kind_of).collect()
}

/// The event type in a row's `kind`.
fn kind_of(r: &AnyRow) -> Result<EventKind, StoreError> {
    let k: String = col(r, "kind")?;
    EventKind::parse(&k).ok_or_else(|| StoreError::Internal(format!("unknown event kind {k:?}")))
}

pub(crate) async fn fetch(c: &mut AnyConnection, id: WebhookId) -> Result<Webhook, StoreError> {
    let mut w = fetch_by_id(
        &mut *c,
        "SELECT * FROM webhooks WHERE id = $1",
        id.0,
        "webhook",
        from_row,
    )
    .await?;
    w.events = kinds(c, id).await?;
    Ok(w)
}

/// Replaces the event kinds of `w`.
async fn save_kinds(c: &mut AnyConnection, w: &Webhook) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM webhook_kinds WHERE webhook_id = $1")
        .bind(w.id.0)
        .execute(&mut *c)
        .await?;
    for (i, kind) in w.events.iter().enumerate() {
        sqlx::query(
            "INSERT INTO webhook_kinds (webhook_id, department_id, kind, position) VALUES ($1, $2, $3, $4)",
        )
        .bind(w.id.0)
        .bind(w.department_id.0)
        .bind(kind.as_str())
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

fn write_error(e: sqlx::Error) -> StoreError {
    crate::error::named_write_error(e, "webhook")
}

/// A new random signing secret.
fn new_secret() -> Result<Secret, StoreError> {
    let bytes = hex::decode(crate::secrets::random_secret())
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Secret::from_bytes(bytes).map_err(|e| StoreError::Internal(e.to_string()))
}

impl Store {
    /// Creates a subscription with a new secret, returned this once.
    pub async fn create_webhook(
        &self,
        n: NewWebhook,
        now: Timestamp,
    ) -> Result<WebhookWithSecret, StoreError> {
        let secret = new_secret()?;
        let sealed = self.sealer()?.seal(PURPOSE, &secret.reveal())?;
        let webhook = self
            .writes(move |c| {
                let n = n.clone();
                let sealed = sealed.clone();
                Box::pin(async move {
                    let id: i64 = sqlx::query(
                        "INSERT INTO webhooks (department_id, url, secret, active, ordered, description, \
                         given_up_in_a_row, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, 0, 1, $7, $7) RETURNING id",
                    )
                    .bind(n.department_id.0)
                    .bind(&n.url)
                    .bind(&sealed)
                    .bind(i64::from(n.active))
                    .bind(i64::from(n.ordered))
                    .bind(&n.description)
                    .bind(now.millis())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(write_error)
                    .and_then(|r| col(&r, "id"))?;
                    let mut w = fetch(c, WebhookId(id)).await?;
                    w.events = n.events.clone();
                    save_kinds(c, &w).await?;
                    Ok(w)
                })
            })
            .await?;
        Ok(WebhookWithSecret {
            webhook,
            secret: secret.reveal(),
        })
    }

    /// Gives a subscription a new secret, returned this once; the old one stops working.
    pub async fn renew_webhook_secret(
        &self,
        id: WebhookId,
        now: Timestamp,
    ) -> Result<WebhookWithSecret, StoreError> {
        let secret = new_secret()?;
        let sealed = self.sealer()?.seal(PURPOSE, &secret.reveal())?;
        let webhook = self
            .writes(move |c| {
                let sealed = sealed.clone();
                Box::pin(async move {
                    fetch(c, id).await?;
                    sqlx::query(
                        "UPDATE webhooks SET secret = $1, version = version + 1, updated_at = $2 WHERE id = $3",
                    )
                    .bind(&sealed)
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                    fetch(c, id).await
                })
            })
            .await?;
        Ok(WebhookWithSecret {
            webhook,
            secret: secret.reveal(),
        })
    }

    /// Reads a subscription.
    pub async fn webhook(&self, id: WebhookId) -> Result<Webhook, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// A subscription's signing secret, for the sender.
    pub async fn webhook_secret(&self, id: WebhookId) -> Result<Secret, StoreError> {
        let r = sqlx::query("SELECT secret FROM webhooks WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "webhook",
                id: id.0,
            })?;
        let sealed: String = col(&r, "secret")?;
        let plain = self.sealer()?.open(PURPOSE, &sealed)?;
        Secret::parse(&plain).map_err(|e| StoreError::Internal(e.to_string()))
    }

    /// Lists subscriptions, optionally of one department.
    pub async fn list_webhooks(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<Webhook>, StoreError> {
        let mut p = crate::sql::department_page(
            &self.inner.read,
            "webhooks",
            scope,
            department,
            page,
            from_row,
            |x| x.id.0,
        )
        .await?;
        if p.items.is_empty() {
            return Ok(p);
        }
        // The event types of the whole page in one read.
        let rows = sqlx::query(&format!(
            "SELECT webhook_id, kind FROM webhook_kinds WHERE webhook_id IN ({}) \
             ORDER BY webhook_id, position",
            int_list(p.items.iter().map(|w| w.id.0))
        ))
        .persistent(false)
        .fetch_all(&self.inner.read)
        .await?;
        let mut by_hook: HashMap<i64, Vec<EventKind>> = HashMap::new();
        for r in &rows {
            by_hook
                .entry(col(r, "webhook_id")?)
                .or_default()
                .push(kind_of(r)?);
        }
        for w in &mut p.items {
            w.events = by_hook.remove(&w.id.0).unwrap_or_default();
        }
        Ok(p)
    }

    /// Applies a partial update if `patch.version` is current.
    pub async fn update_webhook(
        &self,
        id: WebhookId,
        patch: WebhookPatch,
        now: Timestamp,
    ) -> Result<Webhook, StoreError> {
        self.writes(move |c| {
            let patch = patch.clone();
            Box::pin(async move {
                let mut w = fetch(c, id).await?;
                if w.version != patch.version {
                    return Err(StoreError::stale("webhook", id.0));
                }
                patch.apply(&mut w);
                save(c, &w, now).await?;
                if patch.events.is_some() {
                    save_kinds(c, &w).await?;
                }
                fetch(c, id).await
            })
        })
        .await
    }

    /// Deletes a subscription with its delivery log.
    pub async fn delete_webhook(&self, id: WebhookId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(c, id).await?;
                sqlx::query(
                    "DELETE FROM webhook_attempts WHERE delivery_id IN \
                     (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
                )
                .bind(id.0)
                .execute(&mut *c)
                .await?;
                for table in ["webhook_deliveries", "webhook_kinds"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE webhook_id = $1"))
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                }
                sqlx::query("DELETE FROM webhooks WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

/// Writes a subscription's own fields (not its kinds).
pub(crate) async fn save(
    c: &mut AnyConnection,
    w: &Webhook,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE webhooks SET url = $1, active = $2, ordered = $3, description = $4, \
         given_up_in_a_row = $5, disabled_at = $6, disabled_reason = $7, version = version + 1, \
         updated_at = $8 WHERE id = $9",
    )
    .bind(&w.url)
    .bind(i64::from(w.active))
    .bind(i64::from(w.ordered))
    .bind(&w.description)
    .bind(i64::from(w.given_up_in_a_row))
    .bind(w.disabled_at.map(|t| t.millis()))
    .bind(&w.disabled_reason)
    .bind(now.millis())
    .bind(w.id.0)
    .execute(&mut *c)
    .await
    .map_err(write_error)?;
    Ok(())
}
