//! Users (agents, supervisors, administrators) and agent attributes for precision routing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::ids::{DepartmentId, UserId};
use crate::role::Role;
use crate::text::{self, EmailAddress, MAX_NAME};
use crate::time::Timestamp;

pub use crate::password::{MAX_PASSWORD, MIN_PASSWORD};

/// Most activities of one channel an agent may hold at once.
pub const MAX_CAPACITY: u8 = 50;

/// How many activities of each channel an agent holds at once unless set otherwise: 5 emails
/// each way, 3 chats, 1 callback of each kind.
pub fn default_capacity() -> BTreeMap<ChannelKind, u8> {
    ChannelKind::ALL
        .into_iter()
        .map(|c| {
            let n = match c {
                ChannelKind::InboundEmail | ChannelKind::OutboundEmail => 5,
                ChannelKind::Chat => 3,
                ChannelKind::Callback | ChannelKind::DelayedCallback => 1,
            };
            (c, n)
        })
        .collect()
}

/// An agent attribute: a skill the agent has (boolean) or how good they are at it (1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AgentAttribute {
    /// Has it or not, e.g. `language_es: true`.
    Bool(bool),
    /// Proficiency from 1 (novice) to 10 (expert), e.g. `billing: 7`.
    Proficiency(u8),
}

/// A user of Switchboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Home department.
    pub department_id: DepartmentId,
    /// Login and notification address; unique.
    pub email: EmailAddress,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether the user may log in and receive work.
    pub active: bool,
    /// Skills for precision routing.
    pub attributes: BTreeMap<String, AgentAttribute>,
    /// How many activities of each channel the user may hold at once; a channel not listed
    /// (or 0) gets no work of that channel.
    pub capacity: BTreeMap<ChannelKind, u8>,
    /// Whether the user's replies wait for a reviewer before they are sent.
    pub reviewed: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a user.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Home department.
    pub department_id: DepartmentId,
    /// Login address; unique.
    pub email: EmailAddress,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial password (write-only); without one the user cannot log in until it is set.
    #[serde(default)]
    pub password: Option<String>,
    /// Skills.
    #[serde(default)]
    pub attributes: BTreeMap<String, AgentAttribute>,
    /// Activities per channel at once; absent: [`default_capacity`].
    #[serde(default = "default_capacity")]
    pub capacity: BTreeMap<ChannelKind, u8>,
    /// Replies wait for a reviewer (default false).
    #[serde(default)]
    pub reviewed: bool,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl NewUser {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        if let Some(p) = &self.password {
            let address = self.email.to_string();
            let local = address.split('@').next().unwrap_or_default();
            crate::password::check("password", p, &[&address, local])?;
        }
        validate_attributes(&self.attributes)?;
        validate_capacity(&self.capacity)?;
        Ok(self)
    }
}

/// A partial update of a user.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The version the client last read.
    pub version: i64,
    /// New home department.
    pub department_id: Option<DepartmentId>,
    /// New login address.
    pub email: Option<EmailAddress>,
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Enable or disable.
    pub active: Option<bool>,
    /// New password (write-only).
    pub password: Option<String>,
    /// Replaces all attributes.
    pub attributes: Option<BTreeMap<String, AgentAttribute>>,
    /// Replaces the capacity of every channel (a channel left out takes no work).
    pub capacity: Option<BTreeMap<ChannelKind, u8>>,
    /// Whether replies wait for a reviewer.
    pub reviewed: Option<bool>,
}

impl std::fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserPatch")
            .field("version", &self.version)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl UserPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(p) = &self.password {
            let address = self.email.as_ref().map(ToString::to_string);
            let local = address.as_deref().and_then(|a| a.split('@').next());
            let context: Vec<&str> = address.as_deref().into_iter().chain(local).collect();
            crate::password::check("password", p, &context)?;
        }
        if let Some(a) = &self.attributes {
            validate_attributes(a)?;
        }
        if let Some(c) = &self.capacity {
            validate_capacity(c)?;
        }
        Ok(self)
    }

    /// Applies the patch (all but the password) to a user read from the store.
    pub fn apply(&self, u: &mut User) {
        if let Some(d) = self.department_id {
            u.department_id = d;
        }
        if let Some(e) = &self.email {
            u.email = e.clone();
        }
        if let Some(n) = &self.name {
            u.name.clone_from(n);
        }
        if let Some(r) = self.role {
            u.role = r;
        }
        if let Some(a) = self.active {
            u.active = a;
        }
        if let Some(a) = &self.attributes {
            u.attributes.clone_from(a);
        }
        if let Some(c) = &self.capacity {
            u.capacity.clone_from(c);
        }
        if let Some(r) = self.reviewed {
            u.reviewed = r;
        }
    }
}

fn validate_capacity(c: &BTreeMap<ChannelKind, u8>) -> Result<(), ValidationError> {
    for (channel, n) in c {
        if *n > MAX_CAPACITY {
            return Err(ValidationError::new(
                format!("capacity.{}", channel.as_str()),
                format!("at most {MAX_CAPACITY}"),
            ));
        }
    }
    Ok(())
}

fn validate_attributes(a: &BTreeMap<String, AgentAttribute>) -> Result<(), ValidationError> {
    if a.len() > 200 {
        return Err(ValidationError::new("attributes", "at most 200 attributes"));
    }
    for (k, v) in a {
        let field = format!("attributes.{k}");
        text::key(&field, k)?;
        if let AgentAttribute::Proficiency(p) = v
            && !(1..=10).contains(p)
        {
            return Err(ValidationError::new(field, "proficiency must be 1 to 10"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_booleans_or_proficiencies() {
        let a: BTreeMap<String, AgentAttribute> =
            serde_json::from_str(r#"{"language_es": true, "billing": 7}"#).unwrap_or_default();
        assert_eq!(a.get("billing"), Some(&AgentAttribute::Proficiency(7)));
        assert!(validate_attributes(&a).is_ok());
        let bad: BTreeMap<String, AgentAttribute> =
            serde_json::from_str(r#"{"billing": 11}"#).unwrap_or_default();
        assert_eq!(
            validate_attributes(&bad).map_err(|e| e.field),
            Err("attributes.billing".to_string())
        );
    }
}
