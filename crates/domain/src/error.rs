//! The domain's expected errors: invalid input and illegal life-cycle transitions.

use crate::lifecycle::ActivityStatus;

/// An input value that breaks a rule. Names the offending field (a JSON path such as
/// `contact_points[1].value`) so an API client knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field that broke the rule.
    pub field: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl ValidationError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error nested under a parent field, e.g. `steps[2]` + `expression`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

/// An activity action that its current status does not allow, e.g. starting a completed activity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} an activity that is {from}")]
pub struct TransitionError {
    /// The action that was asked for.
    pub action: &'static str,
    /// The status the activity was in.
    pub from: ActivityStatus,
}
