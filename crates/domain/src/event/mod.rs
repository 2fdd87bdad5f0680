//! The activity event log: every state change of an activity, appended in the same transaction as
//! the change. Reports, monitors and audit read it; nothing is inferred later.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{ActivityId, EventId, UserId};
use crate::lifecycle::ActivityStatus;
use crate::time::Timestamp;

pub mod agent;
mod details;
mod kind;
mod payload;

pub use details::{
    Acknowledged, Assigned, AutoReplied, CallbackAttempted, CallbackRequested, CaseEvent, Changes,
    ChatEnded, ChatStarted, Created, CustomerMerged, DeliveryFailed, NoteAdded, Notified, Offered,
    Queued, Replied, ReviewApproved, ReviewRejected, ReviewRequested, Sent, SurveyAnswered,
    TranscriptSent, Transition, TransitionDetails, WaitTold, WorkflowRan, WrappedUp,
};
pub use kind::EventKind;
pub use payload::{EventPayload, PayloadError};

/// Who caused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person, through a console or an API token.
    User(UserId),
    /// Switchboard itself: router, workflow, retriever, scheduler.
    System,
}

impl Actor {
    /// The user, if a person acted.
    pub fn user_id(self) -> Option<UserId> {
        match self {
            Actor::User(u) => Some(u),
            Actor::System => None,
        }
    }
}

/// One entry of an activity's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActivityEvent {
    /// Global, increasing id: also the order events happened in.
    pub id: EventId,
    /// The activity.
    pub activity_id: ActivityId,
    /// What happened, with its details: `kind` and `data` on the wire.
    #[serde(flatten)]
    pub payload: EventPayload,
    /// The version of the kind's details.
    pub version: u16,
    /// Status before the change.
    pub from_status: Option<ActivityStatus>,
    /// Status after the change.
    pub to_status: ActivityStatus,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
}

impl ActivityEvent {
    /// What kind of change it records.
    pub fn kind(&self) -> EventKind {
        self.payload.kind()
    }
}

#[cfg(test)]
mod tests;
