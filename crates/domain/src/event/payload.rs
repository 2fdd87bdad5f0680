//! What each kind of event records: one type per kind. This is the contract the history, reports,
//! webhooks and the cluster bus read; `docs/events.md` is its catalogue. A payload is stored as
//! its kind's stable name, the kind's version and the details as JSON.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::EventKind;
use super::details::{
    Acknowledged, Assigned, AutoReplied, CallbackAttempted, CallbackRequested, CaseEvent, Changes,
    ChatEnded, ChatStarted, Created, CustomerMerged, DeliveryFailed, NoteAdded, Notified, Offered,
    Queued, Replied, ReviewApproved, ReviewRejected, ReviewRequested, Sent, SurveyAnswered,
    TranscriptSent, Transition, TransitionDetails, WaitTold, WorkflowRan, WrappedUp,
};
use crate::lifecycle::ActivityAction;

/// Declares the payload enum with one variant per event kind, and the mapping between the two.
macro_rules! payloads {
    ($($(#[$doc:meta])* $kind:ident($ty:ty),)*) => {
        /// An event's kind with its details. Serialized as `{"kind": …, "data": {…}}`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(tag = "kind", content = "data", rename_all = "snake_case")]
        pub enum EventPayload {
            $($(#[$doc])* $kind($ty),)*
        }

        impl EventPayload {
            /// The kind.
            pub fn kind(&self) -> EventKind {
                match self {
                    $(EventPayload::$kind(_) => EventKind::$kind,)*
                }
            }

            /// The details as stored: a JSON object.
            pub fn data_json(&self) -> Result<String, serde_json::Error> {
                match self {
                    $(EventPayload::$kind(d) => serde_json::to_string(d),)*
                }
            }

            /// Reads stored details of `kind` written at `version`.
            pub fn from_stored(
                kind: EventKind,
                version: u16,
                data: &str,
            ) -> Result<EventPayload, PayloadError> {
                if version > kind.version() {
                    return Err(PayloadError::NewerVersion { kind, version });
                }
                let bad = |e: serde_json::Error| PayloadError::Malformed {
                    kind,
                    reason: e.to_string(),
                };
                Ok(match kind {
                    $(EventKind::$kind => EventPayload::$kind(serde_json::from_str(data).map_err(bad)?),)*
                })
            }
        }
    };
}

payloads! {
    /// The activity was created.
    Created(Created),
    /// Descriptive fields changed.
    Updated(Changes),
    /// Put in a queue.
    Queued(Queued),
    /// Offered to an agent.
    Offered(Offered),
    /// The agent accepted the offer.
    Accepted(Transition),
    /// The agent declined the offer.
    Declined(Transition),
    /// The offer ran out of time.
    OfferTimedOut(Transition),
    /// Given straight to an agent.
    Assigned(Assigned),
    /// Work started.
    Started(Transition),
    /// Set aside by an interruption.
    Paused(Transition),
    /// Work resumed.
    Resumed(Transition),
    /// Done.
    Completed(Transition),
    /// Abandoned.
    Abandoned(TransitionDetails),
    /// A reply was written and put in the outbox.
    Replied(Replied),
    /// An email could not be delivered.
    DeliveryFailed(DeliveryFailed),
    /// The outgoing mail server accepted the activity's email.
    Sent(Sent),
    /// A workflow ran.
    WorkflowRan(WorkflowRan),
    /// The new case was acknowledged automatically.
    Acknowledged(Acknowledged),
    /// A workflow answered automatically.
    AutoReplied(AutoReplied),
    /// A workflow sent a notification.
    Notified(Notified),
    /// A reply waits for a reviewer.
    ReviewRequested(ReviewRequested),
    /// A reviewer approved a reply.
    ReviewApproved(ReviewApproved),
    /// A reviewer sent a reply back.
    ReviewRejected(ReviewRejected),
    /// A customer started a chat.
    ChatStarted(ChatStarted),
    /// A chat's conversation ended.
    ChatEnded(ChatEnded),
    /// The customer answered the survey.
    SurveyAnswered(SurveyAnswered),
    /// The transcript was mailed.
    TranscriptSent(TranscriptSent),
    /// The agent wrapped the work up.
    WrappedUp(WrappedUp),
    /// An internal note.
    NoteAdded(NoteAdded),
    /// A customer asked to be called back.
    CallbackRequested(CallbackRequested),
    /// An agent called and recorded the outcome.
    CallbackAttempted(CallbackAttempted),
    /// The customer was merged into another.
    CustomerMerged(CustomerMerged),
    /// The waiting customer was told the expected wait.
    WaitTold(WaitTold),
    /// The activity opened its case.
    CaseOpened(CaseEvent),
    /// The case was closed.
    CaseClosed(CaseEvent),
    /// The case was opened again.
    CaseReopened(CaseEvent),
}

impl EventPayload {
    /// The event of a life-cycle action, with what the router adds (why, until when, …).
    pub fn of_action(action: ActivityAction, d: TransitionDetails) -> EventPayload {
        let plain = || Transition {
            reason: d.reason.clone(),
        };
        match action {
            ActivityAction::Queue { queue_id } => EventPayload::Queued(Queued {
                queue_id,
                details: d.clone(),
            }),
            ActivityAction::Offer { agent_id } => EventPayload::Offered(Offered {
                agent_id,
                expires_at: d.expires_at,
            }),
            ActivityAction::Assign { agent_id } => EventPayload::Assigned(Assigned {
                agent_id,
                reason: d.reason.clone(),
            }),
            ActivityAction::Accept => EventPayload::Accepted(plain()),
            ActivityAction::Decline => EventPayload::Declined(plain()),
            ActivityAction::OfferTimeout => EventPayload::OfferTimedOut(plain()),
            ActivityAction::Start => EventPayload::Started(plain()),
            ActivityAction::Pause => EventPayload::Paused(plain()),
            ActivityAction::Resume => EventPayload::Resumed(plain()),
            ActivityAction::Complete => EventPayload::Completed(plain()),
            ActivityAction::Abandon => EventPayload::Abandoned(d),
        }
    }
}

/// Stored details this build cannot read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    /// Written by a newer build.
    #[error("a {kind:?} event of version {version} is newer than this build reads")]
    NewerVersion {
        /// The kind.
        kind: EventKind,
        /// Its stored version.
        version: u16,
    },
    /// Not the kind's shape.
    #[error("a {kind:?} event's details do not parse: {reason}")]
    Malformed {
        /// The kind.
        kind: EventKind,
        /// What the parser said.
        reason: String,
    },
}
