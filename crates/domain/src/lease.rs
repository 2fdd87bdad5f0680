//! Leases: a singleton service of a cluster (the router, a mailbox's retriever, the dispatcher)
//! runs on the node that holds its lease. A lease has a holder, an expiry and a fencing token
//! that grows each time the lease changes hands, so a write carrying an older token can be
//! refused after its holder lost the lease. The store grants and renews them atomically; this
//! module checks names and says when to renew.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::time::Timestamp;

/// Longest lease or holder name, in characters.
pub const MAX_NAME: usize = 100;

/// A lease as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Lease {
    /// What it is for (`router`, `retriever.alias.3`).
    pub name: String,
    /// The node holding it.
    pub holder: String,
    /// Grows by one each time the lease changes hands.
    pub fencing: i64,
    /// When it lapses unless renewed.
    pub expires_at: Timestamp,
}

impl Lease {
    /// Whether `holder` holds it at `now`.
    pub fn held_by(&self, holder: &str, now: Timestamp) -> bool {
        self.holder == holder && self.expires_at > now
    }
}

/// How long a lease lasts once granted or renewed, in milliseconds: its holder renews it after a
/// third of that, so two renewals can fail before it lapses.
pub fn renew_after_ms(ttl_ms: i64) -> i64 {
    (ttl_ms / 3).max(1)
}

/// Checks a lease or holder name: 1 to [`MAX_NAME`] characters of letters, digits, `.`, `_`,
/// `-` and `:`.
pub fn check_name(field: &str, name: &str) -> Result<(), ValidationError> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            format!("1 to {MAX_NAME} letters, digits, '.', '_', '-' or ':'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_renewal() {
        assert!(check_name("name", "retriever.alias.3").is_ok());
        assert!(check_name("holder", "node-a:8080").is_ok());
        for bad in ["", "a b", "x/y", &"n".repeat(MAX_NAME + 1)] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(renew_after_ms(9000), 3000);
        assert_eq!(renew_after_ms(1), 1);
        let lease = Lease {
            name: "router".into(),
            holder: "a".into(),
            fencing: 2,
            expires_at: Timestamp::from_millis(100),
        };
        assert!(lease.held_by("a", Timestamp::from_millis(99)));
        assert!(!lease.held_by("a", Timestamp::from_millis(100)));
        assert!(!lease.held_by("b", Timestamp::from_millis(50)));
    }
}
