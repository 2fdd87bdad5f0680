//! The cluster's node registry: each instance upserts its row when it starts and on every
//! heartbeat; rows of instances silent for a day are pruned.

use sqlx::any::AnyRow;
use switchboard_domain::node::{Node, NodeState};

use crate::Store;
use crate::error::StoreError;
use crate::sql::{col, ts};

const COLUMNS: &str = "holder, name, address, version, started_at, seen_at, state";

/// How long a silent instance's row is kept, in milliseconds.
const KEEP_MS: i64 = 24 * 3600 * 1000;

fn from_row(r: &AnyRow) -> Result<Node, StoreError> {
    Ok(Node {
        holder: col(r, "holder")?,
        name: col(r, "name")?,
        address: col(r, "address")?,
        version: col(r, "version")?,
        started_at: ts(r, "started_at")?,
        seen_at: ts(r, "seen_at")?,
        state: NodeState::parse(&col::<String>(r, "state")?),
    })
}

impl Store {
    /// Records `node` as it reports itself now (its `seen_at`), and forgets instances silent
    /// for a day.
    pub async fn report_node(&self, node: Node) -> Result<(), StoreError> {
        self.inner
            .writer
            .write(move |c| {
                let n = node.clone();
                Box::pin(async move {
                    sqlx::query(&format!(
                        "INSERT INTO nodes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (holder) DO UPDATE SET name = excluded.name, \
                         address = excluded.address, version = excluded.version, \
                         started_at = excluded.started_at, seen_at = excluded.seen_at, \
                         state = excluded.state"
                    ))
                    .bind(&n.holder)
                    .bind(&n.name)
                    .bind(&n.address)
                    .bind(&n.version)
                    .bind(n.started_at.millis())
                    .bind(n.seen_at.millis())
                    .bind(n.state.as_str())
                    .execute(&mut *c)
                    .await?;
                    sqlx::query("DELETE FROM nodes WHERE seen_at < $1")
                        .bind(n.seen_at.millis() - KEEP_MS)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    /// Every instance that reported itself within the last day, by name then start.
    pub async fn nodes(&self) -> Result<Vec<Node>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM nodes ORDER BY name, started_at"
        ))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The instance named `holder` (a lease's holder), if it reported itself.
    pub async fn node(&self, holder: &str) -> Result<Option<Node>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM nodes WHERE holder = $1"))
            .bind(holder)
            .fetch_optional(&self.inner.read)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
}
