//! Internal notes on a case: text for colleagues about the customer's whole matter, across its
//! activities and channels, never sent to the customer. The text and its mentions follow the
//! rules of notes on activities (`note.rs`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{CaseId, UserId};
use crate::time::Timestamp;

/// A note on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseNote {
    /// Its number.
    pub id: i64,
    /// The case.
    pub case_id: CaseId,
    /// Who wrote it (none: the system).
    pub author_id: Option<UserId>,
    /// The text, checked by [`crate::note::check_note`].
    pub text: String,
    /// The colleagues it mentions (they were told).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// When it was written.
    pub created_at: Timestamp,
}
