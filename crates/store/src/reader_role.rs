//! Custom SQL reports' access: the columns of a reporting view as the database has them (the
//! data dictionary's test compares), and on PostgreSQL a login role that may read the
//! reporting views and nothing else.

use crate::error::StoreError;
use crate::sql::col;
use crate::{Backend, Store};

/// A role name: a letter, then letters, digits or underscores, at most 63.
fn role_name(name: &str) -> Result<&str, StoreError> {
    let ok = name.len() <= 63
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(switchboard_domain::ValidationError::new(
            "name",
            "a lower-case letter, then lower-case letters, digits or underscores (at most 63)",
        )
        .into())
    }
}

impl Store {
    /// The columns of view (or table) `name`, in order.
    pub async fn view_columns(&self, name: &str) -> Result<Vec<String>, StoreError> {
        let rows = match self.backend() {
            Backend::Sqlite => {
                sqlx::query(&format!("SELECT name FROM pragma_table_info('{}')", role_name(name)?))
                    .persistent(false)
                    .fetch_all(&self.inner.read)
                    .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "SELECT column_name::text AS name FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(name)
                .fetch_all(&self.inner.read)
                .await?
            }
        };
        rows.iter().map(|r| col(r, "name")).collect()
    }

    /// How many rows view (or table) `name` has.
    pub async fn view_row_count(&self, name: &str) -> Result<i64, StoreError> {
        let r = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {}", role_name(name)?))
            .persistent(false)
            .fetch_one(&self.inner.read)
            .await?;
        col(&r, "n")
    }

    /// On PostgreSQL: makes (or updates) login role `name` with `password`, allowed to read the
    /// reporting views `views` and nothing else. Not available on SQLite.
    pub async fn create_reader(
        &self,
        name: &str,
        password: &str,
        views: &[&str],
    ) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres {
            return Err(StoreError::Conflict(
                "a reader role exists only on PostgreSQL; on SQLite, open a copy of the database file read-only".into(),
            ));
        }
        let name = role_name(name)?;
        if password.len() < 12 {
            return Err(switchboard_domain::ValidationError::new(
                "password",
                "at least 12 characters",
            )
            .into());
        }
        let literal = password.replace('\'', "''");
        let mut c = self.inner.write_pool.acquire().await?;
        let exists = sqlx::query("SELECT 1 AS x FROM pg_roles WHERE rolname = $1")
            .bind(name)
            .fetch_optional(&mut *c)
            .await?
            .is_some();
        let verb = if exists { "ALTER" } else { "CREATE" };
        sqlx::query(&format!(
            "{verb} ROLE {name} LOGIN PASSWORD '{literal}' NOSUPERUSER NOCREATEDB NOCREATEROLE"
        ))
        .persistent(false)
        .execute(&mut *c)
        .await?;
        sqlx::query(&format!("GRANT USAGE ON SCHEMA public TO {name}"))
            .persistent(false)
            .execute(&mut *c)
            .await?;
        for v in views {
            sqlx::query(&format!("GRANT SELECT ON {} TO {name}", role_name(v)?))
                .persistent(false)
                .execute(&mut *c)
                .await?;
        }
        Ok(())
    }
}
