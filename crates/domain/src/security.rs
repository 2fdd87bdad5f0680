//! The security event log: lock-outs, password changes and API tokens made or revoked, each a
//! typed event written with the change it records. Administrators read it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{TokenId, UserId};
use crate::time::Timestamp;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecurityEventKind {
    /// Failed logins made an account (or a client address) wait before the next try.
    LoginThrottled {
        /// The address tried.
        email: String,
        /// The client address the tries came from.
        client: String,
        /// Failures in a row.
        failures: u32,
        /// When the next try is accepted.
        #[schema(value_type = String, format = DateTime)]
        retry_at: Timestamp,
    },
    /// A user's password was changed; their other sessions ended.
    PasswordChanged {
        /// Whose.
        #[schema(value_type = i64)]
        user_id: UserId,
        /// Sessions ended with the change.
        sessions_ended: u64,
    },
    /// An API token was made.
    TokenCreated {
        /// The token.
        #[schema(value_type = i64)]
        token_id: TokenId,
        /// Its owner.
        #[schema(value_type = i64)]
        user_id: UserId,
        /// When it stops working, if ever.
        #[schema(value_type = Option<String>, format = DateTime)]
        expires_at: Option<Timestamp>,
    },
    /// An API token was revoked.
    TokenRevoked {
        /// The token.
        #[schema(value_type = i64)]
        token_id: TokenId,
        /// Its owner.
        #[schema(value_type = i64)]
        user_id: UserId,
    },
}

impl SecurityEventKind {
    /// The stable name stored in its own column.
    pub fn name(&self) -> &'static str {
        match self {
            SecurityEventKind::LoginThrottled { .. } => "login_throttled",
            SecurityEventKind::PasswordChanged { .. } => "password_changed",
            SecurityEventKind::TokenCreated { .. } => "token_created",
            SecurityEventKind::TokenRevoked { .. } => "token_revoked",
        }
    }
}

/// One entry of the security event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecurityEvent {
    /// Id, ascending in time.
    pub id: i64,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Who did it, when a signed-in user did.
    #[schema(value_type = Option<i64>)]
    pub actor_id: Option<UserId>,
    /// What happened.
    pub event: SecurityEventKind,
}
