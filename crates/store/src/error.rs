//! What can go wrong in the store, split into what a caller should expect (not found, conflict,
//! duplicate, invalid) and what it should not (unavailable, internal).

use switchboard_domain::{TransitionError, ValidationError};

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object.
    #[error("{entity} {id} not found")]
    NotFound {
        /// The kind of object, e.g. `activity`.
        entity: &'static str,
        /// Its id.
        id: i64,
    },
    /// The object changed since the caller read it (version mismatch), or is in a state that
    /// forbids the change (e.g. deleting a department that still has users).
    #[error("{0}")]
    Conflict(String),
    /// A unique value is taken.
    #[error("{field}: {message}")]
    Duplicate {
        /// The field holding the value.
        field: String,
        /// What is taken.
        message: String,
    },
    /// The input breaks a rule only the store can check (e.g. a reference to a missing object).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An activity life-cycle action its status does not allow.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The database cannot be reached right now; retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A bug or a damaged database.
    #[error("internal store error: {0}")]
    Internal(String),
}

impl StoreError {
    /// A version mismatch on `entity`.
    pub fn stale(entity: &str, id: i64) -> StoreError {
        StoreError::Conflict(format!(
            "{entity} {id} was changed by someone else; read it again and retry with the new version"
        ))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match e {
            E::Io(_)
            | E::Tls(_)
            | E::PoolTimedOut
            | E::PoolClosed
            | E::WorkerCrashed
            | E::Protocol(_) => StoreError::Unavailable(e.to_string()),
            E::Database(d) => {
                // PostgreSQL errors that mean "the database is not there for us right now":
                // class 08 (connection), 57P (shutting down, cannot connect now), 53 (out of
                // resources, too many connections), 28 (login refused), 3D000 (no such
                // database), and a database closed to connections.
                let code = d.code().map(|c| c.to_string()).unwrap_or_default();
                let closed = code == "55000" && d.message().contains("accepting connections");
                if ["08", "57P", "53", "28", "3D000"]
                    .iter()
                    .any(|p| code.starts_with(p))
                    || closed
                {
                    StoreError::Unavailable(d.to_string())
                } else {
                    StoreError::Internal(d.to_string())
                }
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Internal(format!("stored JSON does not decode: {e}"))
    }
}

/// Which constraint a database error broke, if any.
pub(crate) enum Violation {
    Unique,
    ForeignKey,
}

/// Classifies a constraint violation, so an operation can turn it into a precise error.
pub(crate) fn violation(e: &sqlx::Error) -> Option<Violation> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    match d.kind() {
        sqlx::error::ErrorKind::UniqueViolation => Some(Violation::Unique),
        sqlx::error::ErrorKind::ForeignKeyViolation => Some(Violation::ForeignKey),
        _ => None,
    }
}

/// The error of an insert or update of a department-scoped object with a unique name: a
/// duplicate name, a missing department, or the database's own error.
pub(crate) fn named_write_error(e: sqlx::Error, noun: &str) -> StoreError {
    match violation(&e) {
        Some(Violation::Unique) => StoreError::Duplicate {
            field: "name".into(),
            message: format!("a {noun} with this name exists in the department"),
        },
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}
