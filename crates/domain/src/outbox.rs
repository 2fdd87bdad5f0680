//! What a supervisor sees of mail that has not left yet: queued messages whose last attempt
//! failed for now and that the dispatcher keeps retrying.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::email::Mailbox;
use crate::ids::{ActivityId, DepartmentId, EmailId};
use crate::time::Timestamp;

/// A queued message that failed for now and is being retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetryingMessage {
    /// The outbox entry.
    pub id: i64,
    /// The outbound email.
    pub email_id: EmailId,
    /// Its outbound activity, if any (automatic messages may have none).
    pub activity_id: Option<ActivityId>,
    /// The department it belongs to.
    pub department_id: DepartmentId,
    /// Recipients.
    pub to: Vec<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: String,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// When it was queued (retries go on for the dispatcher's send lifetime from here).
    pub queued_at: Timestamp,
}
