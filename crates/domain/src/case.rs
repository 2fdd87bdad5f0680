//! Cases: a thread of related activities with one customer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{CaseId, CustomerId, DepartmentId, UserId};
use crate::text::{self, MAX_TEXT};
use crate::time::Timestamp;

/// Whether a case is still being worked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Work goes on.
    Open,
    /// Resolved.
    Closed,
}

impl CaseStatus {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<CaseStatus> {
        match s {
            "open" => Some(CaseStatus::Open),
            "closed" => Some(CaseStatus::Closed),
            _ => None,
        }
    }
}

/// A case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    /// Id; also the case number customers see in subjects.
    pub id: CaseId,
    /// Department.
    pub department_id: DepartmentId,
    /// The customer.
    pub customer_id: CustomerId,
    /// Subject.
    pub subject: String,
    /// Open or closed.
    pub status: CaseStatus,
    /// The user who owns it.
    pub owner_id: Option<UserId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// The customer (its department is the case's).
    pub customer_id: CustomerId,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Owner.
    #[serde(default)]
    pub owner_id: Option<UserId>,
}

impl NewCase {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.subject = text::optional("subject", self.subject.trim(), MAX_TEXT)?;
        Ok(self)
    }
}

/// A partial update of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    /// The version the client last read.
    pub version: i64,
    /// New subject.
    pub subject: Option<String>,
    /// Open or close.
    pub status: Option<CaseStatus>,
    /// New owner; `null` clears it.
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<UserId>>,
}

impl CasePatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(s) = &self.subject {
            self.subject = Some(text::optional("subject", s.trim(), MAX_TEXT)?);
        }
        Ok(self)
    }

    /// Applies the patch to a case read from the store.
    pub fn apply(&self, c: &mut Case) {
        if let Some(s) = &self.subject {
            c.subject.clone_from(s);
        }
        if let Some(s) = self.status {
            c.status = s;
        }
        if let Some(o) = self.owner_id {
            c.owner_id = o;
        }
    }
}
