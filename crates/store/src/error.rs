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
    /// The database cannot be reached or written right now (down, read-only); retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database's disk is full: nothing can be written until space is freed.
    #[error("database disk full: {0}")]
    Full(String),
    /// The write came through a handle fenced by a lease ([`crate::Store::fenced`]) that this
    /// node no longer holds: another node runs the service now.
    #[error("lease {0} is no longer held here: another node runs this service now")]
    Fenced(String),
    /// A bug or a damaged database.
    #[error("internal store error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Whether a resource every write needs failed (the database is unreachable, read-only or
    /// full), rather than this operation or its input.
    pub fn is_resource(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Full(_))
    }

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
                let code = d.code().map(|c| c.to_string()).unwrap_or_default();
                match resource_failure(&code, d.message()) {
                    Some(Resource::Full) => StoreError::Full(d.to_string()),
                    Some(Resource::Unavailable) => StoreError::Unavailable(d.to_string()),
                    None => StoreError::Internal(d.to_string()),
                }
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

/// A resource that failed, from a database error.
#[derive(Debug, PartialEq, Eq)]
enum Resource {
    Full,
    Unavailable,
}

/// Which resource a database error code means, if any. PostgreSQL (SQLSTATE): 53100 disk
/// full; class 08 (connection), 57P (shutting down, cannot connect now), 53 (out of resources,
/// too many connections), 28 (login refused), 3D000 (no such database), 25006 (read-only
/// transaction: a standby), and a database closed to connections. SQLite (result code, whose
/// low byte is the primary code): 13 `SQLITE_FULL`, 8 `SQLITE_READONLY`, 10 `SQLITE_IOERR`,
/// 14 `SQLITE_CANTOPEN`.
fn resource_failure(code: &str, message: &str) -> Option<Resource> {
    // A SQLSTATE has exactly five characters; SQLite's result codes have at most four digits.
    if code.len() == 5 {
        if code == "53100" {
            return Some(Resource::Full);
        }
        let closed = code == "55000" && message.contains("accepting connections");
        let down = ["08", "57P", "53", "28", "3D000", "25006"]
            .iter()
            .any(|p| code.starts_with(p));
        return (down || closed).then_some(Resource::Unavailable);
    }
    match code.parse::<u32>().map(|c| c & 0xff) {
        Ok(13) => Some(Resource::Full),
        Ok(8 | 10 | 14) => Some(Resource::Unavailable),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::{Resource, resource_failure};

    #[test]
    fn resource_failures_are_told_from_other_errors() {
        let cases = [
            ("53100", "could not extend file", Some(Resource::Full)),
            ("13", "database or disk is full", Some(Resource::Full)),
            (
                "8",
                "attempt to write a readonly database",
                Some(Resource::Unavailable),
            ),
            (
                "1032",
                "readonly database moved",
                Some(Resource::Unavailable),
            ),
            ("778", "disk I/O error", Some(Resource::Unavailable)),
            (
                "25006",
                "read-only transaction",
                Some(Resource::Unavailable),
            ),
            ("08006", "connection failure", Some(Resource::Unavailable)),
            ("23505", "duplicate key", None),
            ("2067", "UNIQUE constraint failed", None),
            ("22021", "invalid byte sequence", None),
            ("", "", None),
        ];
        for (code, message, want) in cases {
            assert_eq!(resource_failure(code, message), want, "{code} {message}");
        }
    }
}
