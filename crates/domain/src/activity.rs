//! Activities: one piece of work (an email, a chat, a callback) in a case.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::event::Changes;
use crate::ids::{ActivityId, CaseId, CategoryId, CustomerId, DepartmentId, QueueId, UserId};
use crate::lifecycle::{ActivityState, ActivityStatus};
use crate::text::{self, CustomAttributes, MAX_TEXT};
use crate::time::Timestamp;

/// How urgent an activity is: 1 (lowest) to 10 (highest); 5 by default.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64)]
pub struct Priority(u8);

impl Priority {
    /// The default priority.
    pub const NORMAL: Priority = Priority(5);

    /// A priority from 1 to 10.
    pub fn new(p: i64) -> Result<Priority, String> {
        u8::try_from(p)
            .ok()
            .filter(|p| (1..=10).contains(p))
            .map(Priority)
            .ok_or_else(|| "must be 1 to 10".to_string())
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for Priority {
    fn default() -> Self {
        Priority::NORMAL
    }
}

impl TryFrom<i64> for Priority {
    type Error = String;
    fn try_from(p: i64) -> Result<Self, String> {
        Priority::new(p)
    }
}

impl From<Priority> for i64 {
    fn from(p: Priority) -> i64 {
        i64::from(p.0)
    }
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    /// Id.
    pub id: ActivityId,
    /// Department.
    pub department_id: DepartmentId,
    /// The case it belongs to.
    pub case_id: CaseId,
    /// The customer.
    pub customer_id: CustomerId,
    /// Channel (media class).
    pub channel: ChannelKind,
    /// Subject.
    pub subject: String,
    /// Where it is in its life cycle.
    pub status: ActivityStatus,
    /// A finer label inside the status, e.g. `awaiting_customer`.
    pub sub_status: Option<String>,
    /// Priority.
    pub priority: Priority,
    /// When it must be done by.
    pub due_at: Option<Timestamp>,
    /// The queue it waits in or came from.
    pub queue_id: Option<QueueId>,
    /// The agent it is offered or assigned to.
    pub assignee_id: Option<UserId>,
    /// Its category (classification).
    pub category_id: Option<CategoryId>,
    /// Custom attributes.
    #[schema(value_type = Object)]
    pub custom_attributes: CustomAttributes,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Activity {
    /// The part the life cycle changes.
    pub fn state(&self) -> ActivityState {
        ActivityState {
            status: self.status,
            queue_id: self.queue_id,
            assignee_id: self.assignee_id,
        }
    }

    /// Sets the life-cycle part.
    pub fn set_state(&mut self, s: ActivityState) {
        self.status = s.status;
        self.queue_id = s.queue_id;
        self.assignee_id = s.assignee_id;
    }
}

/// Input to create an activity. Without `case_id` a new case is opened for the customer; with
/// `queue_id` the activity is queued at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    /// The customer.
    pub customer_id: CustomerId,
    /// The case; a new one when absent.
    #[serde(default)]
    pub case_id: Option<CaseId>,
    /// Channel.
    pub channel: ChannelKind,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Priority (default 5).
    #[serde(default)]
    pub priority: Priority,
    /// Due time.
    #[serde(default)]
    pub due_at: Option<Timestamp>,
    /// Queue to put it in straight away.
    #[serde(default)]
    pub queue_id: Option<QueueId>,
    /// Sub-status.
    #[serde(default)]
    pub sub_status: Option<String>,
    /// Category.
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    /// Custom attributes.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub custom_attributes: CustomAttributes,
}

impl NewActivity {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.subject = text::optional("subject", self.subject.trim(), MAX_TEXT)?;
        if let Some(s) = &self.sub_status {
            text::key("sub_status", s)?;
        }
        text::custom_attributes("custom_attributes", &self.custom_attributes)?;
        Ok(self)
    }
}

/// A partial update of an activity's descriptive fields. The queue, assignee and status change
/// only through life-cycle actions, so every such change is an event of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    /// The version the client last read.
    pub version: i64,
    /// New subject.
    pub subject: Option<String>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New due time; `null` clears it.
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Option<Timestamp>>,
    /// New sub-status; `null` clears it.
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<String>)]
    pub sub_status: Option<Option<String>>,
    /// New category; `null` clears it.
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<i64>)]
    pub category_id: Option<Option<CategoryId>>,
    /// Replaces all custom attributes.
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<CustomAttributes>,
}

impl ActivityPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(s) = &self.subject {
            self.subject = Some(text::optional("subject", s.trim(), MAX_TEXT)?);
        }
        if let Some(Some(s)) = &self.sub_status {
            text::key("sub_status", s)?;
        }
        if let Some(a) = &self.custom_attributes {
            text::custom_attributes("custom_attributes", a)?;
        }
        Ok(self)
    }

    /// Applies the patch and returns the changed fields with their new values, for the
    /// `updated` event.
    pub fn apply(&self, a: &mut Activity) -> Changes {
        let mut changed = Changes::default();
        if let Some(s) = &self.subject
            && *s != a.subject
        {
            a.subject.clone_from(s);
            changed.subject = Some(s.clone());
        }
        if let Some(p) = self.priority
            && p != a.priority
        {
            a.priority = p;
            changed.priority = Some(p);
        }
        if let Some(d) = self.due_at
            && d != a.due_at
        {
            a.due_at = d;
            changed.due_at = Some(d);
        }
        if let Some(s) = &self.sub_status
            && *s != a.sub_status
        {
            a.sub_status.clone_from(s);
            changed.sub_status = Some(s.clone());
        }
        if let Some(c) = self.category_id
            && c != a.category_id
        {
            a.category_id = c;
            changed.category_id = Some(c);
        }
        if let Some(c) = &self.custom_attributes
            && *c != a.custom_attributes
        {
            a.custom_attributes.clone_from(c);
            changed.custom_attributes = Some(c.clone());
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_are_one_to_ten() {
        assert!(Priority::new(0).is_err());
        assert!(Priority::new(11).is_err());
        assert_eq!(Priority::new(10).map(Priority::get), Ok(10));
        let p: Result<Priority, _> = serde_json::from_str("12");
        assert!(p.is_err());
    }

    #[test]
    fn patch_reports_only_real_changes() {
        let mut a = Activity {
            id: ActivityId(1),
            department_id: DepartmentId(1),
            case_id: CaseId(1),
            customer_id: CustomerId(1),
            channel: ChannelKind::InboundEmail,
            subject: "Refund".into(),
            status: ActivityStatus::New,
            sub_status: None,
            priority: Priority::NORMAL,
            due_at: None,
            queue_id: None,
            assignee_id: None,
            category_id: None,
            custom_attributes: CustomAttributes::new(),
            version: 1,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        };
        let patch: ActivityPatch = serde_json::from_str(
            r#"{"version":1,"subject":"Refund","priority":8,"sub_status":null}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let changed = patch.apply(&mut a);
        assert_eq!(
            changed,
            Changes {
                priority: Priority::new(8).ok(),
                ..Changes::default()
            }
        );
        assert_eq!(a.priority.get(), 8);
    }
}
