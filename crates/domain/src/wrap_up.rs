//! Wrapping work up: before an agent completes what they hold (a chat after its end, an email),
//! they give it a category and a note for whoever reads the activity later. The decision is
//! here: what the activity becomes and what the `wrapped_up` event says.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::activity::{Activity, ActivityPatch};
use crate::error::ValidationError;
use crate::event::{Changes, WrappedUp};
use crate::ids::CategoryId;
use crate::lifecycle::ActivityStatus;

/// Longest note, in characters.
pub const MAX_NOTE: usize = 4000;

/// What the agent sends to wrap work up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapUp {
    /// The category (none: the activity keeps its own).
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    /// A note for whoever reads the activity later.
    #[serde(default)]
    pub note: String,
}

crate::refers_fields!(WrapUp {
    category_id: Category
});

/// What wrapping up does to the activity.
#[derive(Debug, Clone, PartialEq)]
pub struct WrappedUpPlan {
    /// The change of category, when it changes (an `updated` event).
    pub changes: Option<Changes>,
    /// The `wrapped_up` event.
    pub event: WrappedUp,
}

/// Why work cannot be wrapped up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrapUpRefused {
    /// The input is wrong (the field says which).
    Invalid(ValidationError),
    /// Only work in hand — assigned, in progress or paused — is wrapped up.
    NotInHand(ActivityStatus),
}

impl From<ValidationError> for WrapUpRefused {
    fn from(e: ValidationError) -> Self {
        WrapUpRefused::Invalid(e)
    }
}

/// Decides a wrap-up of `a` (changed in place): a note of at most [`MAX_NOTE`] characters
/// without control characters but line breaks and tabs, trimmed; a category or a note, or both.
pub fn wrap_up(a: &mut Activity, input: &WrapUp) -> Result<WrappedUpPlan, WrapUpRefused> {
    if !matches!(
        a.status,
        ActivityStatus::Assigned | ActivityStatus::InProgress | ActivityStatus::Paused
    ) {
        return Err(WrapUpRefused::NotInHand(a.status));
    }
    let note = input.note.replace("\r\n", "\n").trim().to_string();
    if note.chars().count() > MAX_NOTE {
        return Err(ValidationError::new("note", format!("at most {MAX_NOTE} characters")).into());
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ValidationError::new("note", "must not contain control characters").into());
    }
    if note.is_empty() && input.category_id.is_none() {
        return Err(ValidationError::new("note", "give a category or a note").into());
    }
    let patch = ActivityPatch {
        version: a.version,
        subject: None,
        priority: None,
        due_at: None,
        sub_status: None,
        category_id: input.category_id.map(Some),
        custom_attributes: None,
    };
    let changed = patch.apply(a);
    Ok(WrappedUpPlan {
        changes: (!changed.is_empty()).then_some(changed),
        event: WrappedUp {
            category_id: input.category_id,
            note,
        },
    })
}

/// A department's wrap-up rule: its categories are the wrap-up codes; when `required`, an agent
/// gives one before completing work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WrapUpSettings {
    /// Whether work is completed only with a category.
    pub required: bool,
}

/// Whether `a` may be completed under `rule`: with a category when the department requires one.
pub fn ready_to_complete(rule: WrapUpSettings, a: &Activity) -> Result<(), ValidationError> {
    if rule.required && a.category_id.is_none() {
        return Err(ValidationError::new(
            "category_id",
            "choose a wrap-up category before completing (the department requires one)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::channel::ChannelKind;
    use crate::ids::{ActivityId, CaseId, CustomerId, DepartmentId};
    use crate::time::Timestamp;

    fn held(status: ActivityStatus, category: Option<CategoryId>) -> Activity {
        Activity {
            id: ActivityId(1),
            department_id: DepartmentId(1),
            case_id: CaseId(1),
            customer_id: CustomerId(1),
            channel: ChannelKind::Chat,
            subject: "Refund".into(),
            status,
            sub_status: None,
            priority: Default::default(),
            due_at: None,
            queue_id: None,
            assignee_id: None,
            category_id: category,
            custom_attributes: Default::default(),
            version: 3,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn input(category: Option<i64>, note: &str) -> WrapUp {
        WrapUp {
            category_id: category.map(CategoryId),
            note: note.into(),
        }
    }

    #[test]
    fn a_new_category_is_a_change_and_the_note_is_kept_trimmed() {
        let mut a = held(ActivityStatus::InProgress, Some(CategoryId(1)));
        let p = wrap_up(
            &mut a,
            &input(Some(2), "  Refund promised.\r\nCall back Monday. "),
        )
        .unwrap();
        assert_eq!(a.category_id, Some(CategoryId(2)));
        assert_eq!(p.changes.unwrap().category_id, Some(Some(CategoryId(2))));
        assert_eq!(p.event.note, "Refund promised.\nCall back Monday.");
        assert_eq!(p.event.category_id, Some(CategoryId(2)));
    }

    #[test]
    fn the_same_category_or_none_changes_nothing() {
        let mut a = held(ActivityStatus::Paused, Some(CategoryId(2)));
        let p = wrap_up(&mut a, &input(Some(2), "")).unwrap();
        assert_eq!(p.changes, None);
        let p = wrap_up(&mut a, &input(None, "Just a note")).unwrap();
        assert_eq!((p.changes, a.category_id), (None, Some(CategoryId(2))));
    }

    #[test]
    fn refusals() {
        let mut a = held(ActivityStatus::Completed, None);
        assert_eq!(
            wrap_up(&mut a, &input(Some(2), "x")),
            Err(WrapUpRefused::NotInHand(ActivityStatus::Completed))
        );
        let mut a = held(ActivityStatus::Assigned, None);
        let field = |r: Result<WrappedUpPlan, WrapUpRefused>| match r {
            Err(WrapUpRefused::Invalid(e)) => e.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(wrap_up(&mut a, &input(None, "   "))), "note");
        assert_eq!(field(wrap_up(&mut a, &input(None, "a\u{0}b"))), "note");
        assert_eq!(
            field(wrap_up(&mut a, &input(None, &"n".repeat(MAX_NOTE + 1)))),
            "note"
        );
        assert!(wrap_up(&mut a, &input(None, &"n".repeat(MAX_NOTE))).is_ok());
    }

    #[test]
    fn a_required_wrap_up_needs_a_category() {
        let mut a = held(ActivityStatus::InProgress, None);
        let rule = WrapUpSettings { required: true };
        assert_eq!(
            ready_to_complete(rule, &a).unwrap_err().field,
            "category_id"
        );
        assert!(ready_to_complete(WrapUpSettings::default(), &a).is_ok());
        a.category_id = Some(CategoryId(3));
        assert!(ready_to_complete(rule, &a).is_ok());
    }
}
