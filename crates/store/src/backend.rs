//! Which database engine a store runs on.

use crate::error::StoreError;

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite in WAL mode with one writer.
    Sqlite,
    /// PostgreSQL for scale-out.
    Postgres,
}

impl Backend {
    /// Picks the engine from a database URL (`sqlite:…` or `postgres://…`).
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Invalid(
                switchboard_domain::ValidationError::new(
                    "database.url",
                    "must start with sqlite: or postgres://",
                ),
            ))
        }
    }
}
