//! Departments: each holds its own users, groups, queues and settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::DepartmentId;
use crate::text::{self, MAX_NAME, MAX_TEXT};
use crate::time::Timestamp;

/// Most departments one department can share its objects with.
pub const MAX_SHARED: usize = 1000;

/// A department of the business partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Department {
    /// Id.
    pub id: DepartmentId,
    /// Unique name.
    pub name: String,
    /// What the department is for.
    pub description: String,
    /// The departments whose users may see and work on this department's objects, as if it
    /// were their own (ECE's sharing between departments). Empty: only its own users (and
    /// administrators).
    #[serde(default)]
    pub shared_with: Vec<DepartmentId>,
    /// Optimistic-concurrency version: send it back with an update.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a department. A new department gets its exception queue and default channel
/// settings with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    /// Unique name.
    pub name: String,
    /// What the department is for.
    #[serde(default)]
    pub description: String,
}

impl NewDepartment {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        Ok(self)
    }
}

/// A partial update of a department; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    /// The version the client last read; a mismatch is a conflict.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Replaces the departments this one shares its objects with.
    #[serde(default)]
    pub shared_with: Option<Vec<DepartmentId>>,
}

impl DepartmentPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        if let Some(ds) = &mut self.shared_with {
            ds.sort_unstable();
            ds.dedup();
            if ds.len() > MAX_SHARED {
                return Err(ValidationError::new(
                    "shared_with",
                    format!("at most {MAX_SHARED} departments"),
                ));
            }
        }
        Ok(self)
    }

    /// Applies the patch to a department read from the store.
    pub fn apply(&self, d: &mut Department) {
        if let Some(n) = &self.name {
            d.name.clone_from(n);
        }
        if let Some(x) = &self.description {
            d.description.clone_from(x);
        }
        if let Some(x) = &self.shared_with {
            d.shared_with.clone_from(x);
        }
    }
}
