//! Query plans, for tests and diagnostics that check a list reads along an index.

use sqlx::{AnyPool, Connection, Row};

use crate::backend::Backend;
use crate::error::StoreError;
use crate::sql::{Arg, bind};

/// The plan of `sql` with `args`, one line per step. SQLite: `id|parent|detail` rows of
/// `EXPLAIN QUERY PLAN`. PostgreSQL: the text of `EXPLAIN`, planned with sequential scans,
/// bitmap scans and sorts disabled (they remain only where nothing else can serve), so that a
/// small table shows whether an index reads the query in its order, as a large table needs.
pub(crate) async fn explain(
    pool: &AnyPool,
    backend: Backend,
    sql: &str,
    args: Vec<Arg>,
) -> Result<Vec<String>, StoreError> {
    let mut c = pool.acquire().await?;
    let mut tx = c.begin().await?;
    let explain = match backend {
        Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        Backend::Postgres => {
            for setting in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
                sqlx::query(&format!("SET LOCAL {setting} = off"))
                    .execute(&mut *tx)
                    .await?;
            }
            format!("EXPLAIN {sql}")
        }
    };
    let rows = bind(sqlx::query(&explain), args)
        .fetch_all(&mut *tx)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        lines.push(match backend {
            Backend::Sqlite => format!(
                "{}|{}|{}",
                r.try_get::<i64, _>(0)?,
                r.try_get::<i64, _>(1)?,
                r.try_get::<String, _>(3)?
            ),
            Backend::Postgres => r.try_get::<String, _>(0)?,
        });
    }
    tx.rollback().await?;
    Ok(lines)
}

impl crate::Store {
    /// The plan of one page of the list query `s` in `key` order.
    pub(crate) async fn list_plan(
        &self,
        s: crate::sql::Select,
        page: &crate::sql::PageRequest,
        key: crate::sql::Key,
    ) -> Result<Vec<String>, StoreError> {
        let (sql, args) = s.keyed_sql(page, key)?;
        explain(&self.inner.read, self.inner.backend, &sql, args).await
    }
}
