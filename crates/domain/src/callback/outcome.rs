//! What an agent records after a call, and what happens next: the callback is done, offered again
//! later, or ends as unreachable once the department's attempts run out (or the number is wrong).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::settings::CallbackSettings;
use crate::error::ValidationError;
use crate::ids::CategoryId;
use crate::text;
use crate::time::Timestamp;

/// Longest note of a call, in characters (a wrap-up note's bound).
pub const MAX_NOTE: usize = 4000;

/// How a call went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// The customer was reached and helped.
    Reached,
    /// Nobody answered.
    NoAnswer,
    /// The line was busy.
    Busy,
    /// The number is not the customer's (or not in service).
    WrongNumber,
    /// The customer asked to be called again at a time.
    CallAgain,
}

impl CallOutcome {
    /// Every outcome, in the order the agent's form lists them.
    pub const ALL: [CallOutcome; 5] = [
        CallOutcome::Reached,
        CallOutcome::NoAnswer,
        CallOutcome::Busy,
        CallOutcome::WrongNumber,
        CallOutcome::CallAgain,
    ];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Reached => "reached",
            CallOutcome::NoAnswer => "no_answer",
            CallOutcome::Busy => "busy",
            CallOutcome::WrongNumber => "wrong_number",
            CallOutcome::CallAgain => "call_again",
        }
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            CallOutcome::Reached => "Reached",
            CallOutcome::NoAnswer => "No answer",
            CallOutcome::Busy => "Busy",
            CallOutcome::WrongNumber => "Wrong number",
            CallOutcome::CallAgain => "Call again at…",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<CallOutcome> {
        CallOutcome::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What the agent sends after a call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    /// How the call went.
    pub outcome: CallOutcome,
    /// A note for whoever reads the activity later.
    #[serde(default)]
    pub note: String,
    /// The wrap-up category (reached).
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    /// When to call again (`call_again`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
}

crate::refers_fields!(OutcomeInput {
    category_id: Category
});

/// What follows a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The customer was reached: the activity completes.
    Done,
    /// Offered again, not before `at`.
    Retry {
        /// When.
        at: Timestamp,
    },
    /// No call will reach the customer: the activity ends and the customer is told by email
    /// when they gave an address.
    Unreachable,
}

/// Decides what follows a call recorded at `now`, the `attempts` made before it counted: every
/// call counts; no answer and busy retry after the department's delay until its attempts run
/// out; a wrong number ends at once; a customer who asked to be called again is called at their
/// time (within the department's horizon), however many calls it took.
pub fn decide(
    input: &OutcomeInput,
    attempts: u8,
    settings: &CallbackSettings,
    now: Timestamp,
) -> Result<(u8, Next), ValidationError> {
    text::optional("note", input.note.trim(), MAX_NOTE)?;
    if input.at.is_some() && input.outcome != CallOutcome::CallAgain {
        return Err(ValidationError::new(
            "at",
            "a time is given only with call_again",
        ));
    }
    let made = attempts.saturating_add(1);
    let next = match input.outcome {
        CallOutcome::Reached => Next::Done,
        CallOutcome::WrongNumber => Next::Unreachable,
        CallOutcome::NoAnswer | CallOutcome::Busy => {
            if made >= settings.max_attempts {
                Next::Unreachable
            } else {
                Next::Retry {
                    at: now.plus(Duration::from_secs(u64::from(settings.retry_minutes) * 60)),
                }
            }
        }
        CallOutcome::CallAgain => {
            let Some(at) = input.at else {
                return Err(ValidationError::new("at", "say when to call again"));
            };
            if at.millis() <= now.millis() {
                return Err(ValidationError::new("at", "must be in the future"));
            }
            let latest = now.plus(Duration::from_secs(
                u64::from(settings.horizon_days) * 86_400,
            ));
            if at.millis() > latest.millis() {
                return Err(ValidationError::new(
                    "at",
                    format!("at most {} days ahead", settings.horizon_days),
                ));
            }
            Next::Retry { at }
        }
    };
    Ok((made, next))
}
