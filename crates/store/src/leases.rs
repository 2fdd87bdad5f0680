//! Leases of singleton services, granted in one statement: the lease is taken when it is free
//! or lapsed, or renewed by its holder; the fencing token grows when it changes hands. The same
//! SQL on SQLite and PostgreSQL; times are the caller's (the nodes' clocks are kept in step).
//!
//! Fencing: a store handle made by [`Store::fenced`] checks, inside the transaction of each of
//! its writes, that its lease still has the holder and token it was granted with. On
//! PostgreSQL the check reads the lease row `FOR SHARE`, so a takeover (which updates that row)
//! waits until the write has committed or rolled back: a write either lands before the lease
//! changes hands or is refused with [`StoreError::Fenced`]. SQLite has one writer, which gives
//! the same order.

use std::sync::Arc;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::Timestamp;
use switchboard_domain::lease::{Lease, check_name};

use crate::Store;
use crate::backend::Backend;
use crate::error::StoreError;
use crate::sql::{col, ts};

const COLUMNS: &str = "name, holder, fencing, expires_at";

fn from_row(r: &AnyRow) -> Result<Lease, StoreError> {
    Ok(Lease {
        name: col(r, "name")?,
        holder: col(r, "holder")?,
        fencing: col(r, "fencing")?,
        expires_at: ts(r, "expires_at")?,
    })
}

impl Store {
    /// Takes lease `name` for `holder` until `now + ttl_ms`, or renews it when `holder` has it:
    /// the lease, or `None` while another holder's lease runs.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl_ms: i64,
        now: Timestamp,
    ) -> Result<Option<Lease>, StoreError> {
        check_name("name", name)?;
        check_name("holder", holder)?;
        let (name, holder) = (name.to_string(), holder.to_string());
        let until = now.millis().saturating_add(ttl_ms.max(1));
        self.inner
            .writer
            .write(move |c| {
                let (name, holder) = (name.clone(), holder.clone());
                Box::pin(async move {
                    let row = sqlx::query(&format!(
                        "INSERT INTO leases (name, holder, fencing, expires_at) \
                         VALUES ($1, $2, 1, $3) \
                         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
                         expires_at = excluded.expires_at, \
                         fencing = leases.fencing + \
                         CASE WHEN leases.holder = excluded.holder THEN 0 ELSE 1 END \
                         WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder \
                         RETURNING {COLUMNS}"
                    ))
                    .bind(&name)
                    .bind(&holder)
                    .bind(until)
                    .bind(now.millis())
                    .fetch_optional(&mut *c)
                    .await?;
                    row.as_ref().map(from_row).transpose()
                })
            })
            .await
    }

    /// Lets lease `name` go at once when `holder` has it (a node shutting down); whether it did.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_string(), holder.to_string());
        self.inner
            .writer
            .write(move |c| {
                let (name, holder) = (name.clone(), holder.clone());
                Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2",
                    )
                    .bind(&name)
                    .bind(&holder)
                    .execute(&mut *c)
                    .await?;
                    Ok(done.rows_affected() > 0)
                })
            })
            .await
    }

    /// Lets every lease go (a single-node store starting: whatever held them is gone); how many
    /// were held.
    pub async fn release_all_leases(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.inner
            .writer
            .write(move |c| {
                Box::pin(async move {
                    let done =
                        sqlx::query("UPDATE leases SET expires_at = 0 WHERE expires_at > $1")
                            .bind(now.millis())
                            .execute(&mut *c)
                            .await?;
                    Ok(done.rows_affected())
                })
            })
            .await
    }

    /// Every lease as it stands, by name.
    pub async fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM leases ORDER BY name"))
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Lease `name` as it stands (lapsed ones included), if it was ever taken.
    pub async fn lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM leases WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.inner.read)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// This handle, writing only while `lease` stays held with its holder and fencing token:
    /// every write made through the returned handle is refused with [`StoreError::Fenced`] once
    /// the lease changed hands.
    pub fn fenced(&self, lease: &Lease) -> Store {
        Store {
            inner: Arc::clone(&self.inner),
            fence: Some(Arc::new(lease.clone())),
        }
    }

    /// The lease this handle's writes are fenced by, if any.
    pub fn fence(&self) -> Option<&Lease> {
        self.fence.as_deref()
    }
}

/// Refuses the transaction unless `fence` still has its holder and token; on PostgreSQL the
/// lease row stays share-locked until the transaction ends.
pub(crate) async fn check_fence(
    c: &mut AnyConnection,
    backend: Backend,
    fence: &Lease,
) -> Result<(), StoreError> {
    let lock = match backend {
        Backend::Postgres => " FOR SHARE",
        Backend::Sqlite => "",
    };
    let held = sqlx::query(&format!(
        "SELECT fencing FROM leases WHERE name = $1 AND holder = $2 AND fencing = $3{lock}"
    ))
    .bind(&fence.name)
    .bind(&fence.holder)
    .bind(fence.fencing)
    .fetch_optional(&mut *c)
    .await?;
    match held {
        Some(_) => Ok(()),
        None => Err(StoreError::Fenced(fence.name.clone())),
    }
}
