//! Categories: the classifications workflows and agents put on activities (billing, complaint…).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{CategoryId, DepartmentId};
use crate::text::{self, MAX_NAME, MAX_TEXT};
use crate::time::Timestamp;

/// A category of activities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name, unique in the department.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
}

impl NewCategory {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        Ok(self)
    }
}

/// A partial update of a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
}

impl CategoryPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        Ok(self)
    }

    /// Applies the patch to a category read from the store.
    pub fn apply(&self, c: &mut Category) {
        if let Some(n) = &self.name {
            c.name.clone_from(n);
        }
        if let Some(d) = &self.description {
            c.description.clone_from(d);
        }
    }
}
