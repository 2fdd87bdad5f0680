//! User groups: the skill groups queues route to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{DepartmentId, UserGroupId, UserId};
use crate::text::{self, MAX_NAME, MAX_TEXT};
use crate::time::Timestamp;

/// Most members a group may list in one request.
pub const MAX_MEMBERS: usize = 10_000;

/// A named set of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserGroup {
    /// Id.
    pub id: UserGroupId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name, unique in the department.
    pub name: String,
    /// What the group is for.
    pub description: String,
    /// Members, by id, ascending.
    pub members: Vec<UserId>,
    /// Whether the members' replies wait for a reviewer.
    pub reviewed: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// The groups one user belongs to, as read and written from the user's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The groups, by id, ascending.
    pub group_ids: Vec<UserGroupId>,
}

impl Membership {
    /// Validates and normalises (sorted, duplicates removed).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if self.group_ids.len() > MAX_MEMBERS {
            return Err(ValidationError::new(
                "group_ids",
                format!("at most {MAX_MEMBERS} groups"),
            ));
        }
        self.group_ids.sort_unstable();
        self.group_ids.dedup();
        Ok(self)
    }
}

/// Input to create a user group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserGroup {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Members.
    #[serde(default)]
    pub members: Vec<UserId>,
    /// The members' replies wait for a reviewer (default false).
    #[serde(default)]
    pub reviewed: bool,
}

impl NewUserGroup {
    /// Validates and normalises the input (members sorted, duplicates removed).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        normalise_members(&mut self.members)?;
        Ok(self)
    }
}

/// A partial update of a user group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserGroupPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Replaces the member list.
    pub members: Option<Vec<UserId>>,
    /// Whether the members' replies wait for a reviewer.
    pub reviewed: Option<bool>,
}

impl UserGroupPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        if let Some(m) = &mut self.members {
            normalise_members(m)?;
        }
        Ok(self)
    }

    /// Applies the patch to a group read from the store.
    pub fn apply(&self, g: &mut UserGroup) {
        if let Some(n) = &self.name {
            g.name.clone_from(n);
        }
        if let Some(d) = &self.description {
            g.description.clone_from(d);
        }
        if let Some(m) = &self.members {
            g.members.clone_from(m);
        }
        if let Some(r) = self.reviewed {
            g.reviewed = r;
        }
    }
}

fn normalise_members(m: &mut Vec<UserId>) -> Result<(), ValidationError> {
    if m.len() > MAX_MEMBERS {
        return Err(ValidationError::new(
            "members",
            format!("at most {MAX_MEMBERS} members"),
        ));
    }
    m.sort_unstable();
    m.dedup();
    Ok(())
}
