//! The activity event log: every state change of an activity, appended in the same transaction as
//! the change. Reports, monitors and audit read it; nothing is inferred later.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{ActivityId, EventId, UserId};
use crate::lifecycle::{ActivityAction, ActivityStatus};
use crate::time::Timestamp;

/// What kind of change an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The activity was created.
    Created,
    /// Fields changed (subject, priority, due time, custom attributes…); `data` lists them.
    Updated,
    /// Put in a queue (first time, requeue or transfer).
    Queued,
    /// Offered to an agent.
    Offered,
    /// The agent accepted the offer.
    Accepted,
    /// The agent declined the offer.
    Declined,
    /// The offer ran out of time.
    OfferTimedOut,
    /// Given straight to an agent.
    Assigned,
    /// Work started.
    Started,
    /// Set aside by an interruption.
    Paused,
    /// Work resumed.
    Resumed,
    /// Done.
    Completed,
    /// Abandoned.
    Abandoned,
    /// An email reply was written on the activity and put in the outbox.
    Replied,
    /// An email of the activity could not be delivered (bounce or permanent send failure).
    DeliveryFailed,
    /// The activity's email was accepted by the outgoing mail server.
    Sent,
    /// A workflow ran on the activity: which one, its version and the path it took.
    WorkflowRan,
    /// The new case was acknowledged automatically.
    Acknowledged,
    /// A workflow answered the activity automatically.
    AutoReplied,
    /// A workflow sent a notification email about the activity.
    Notified,
    /// A reply waits for a reviewer (on the reply's outbound activity and the answered one).
    ReviewRequested,
    /// A reviewer approved the reply (perhaps edited) and it went to the outbox.
    ReviewApproved,
    /// A reviewer sent the reply back to its author with a comment; it is not sent.
    ReviewRejected,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 23] = [
        EventKind::Created,
        EventKind::Updated,
        EventKind::Queued,
        EventKind::Offered,
        EventKind::Accepted,
        EventKind::Declined,
        EventKind::OfferTimedOut,
        EventKind::Assigned,
        EventKind::Started,
        EventKind::Paused,
        EventKind::Resumed,
        EventKind::Completed,
        EventKind::Abandoned,
        EventKind::Replied,
        EventKind::DeliveryFailed,
        EventKind::Sent,
        EventKind::WorkflowRan,
        EventKind::Acknowledged,
        EventKind::AutoReplied,
        EventKind::Notified,
        EventKind::ReviewRequested,
        EventKind::ReviewApproved,
        EventKind::ReviewRejected,
    ];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Updated => "updated",
            EventKind::Queued => "queued",
            EventKind::Offered => "offered",
            EventKind::Accepted => "accepted",
            EventKind::Declined => "declined",
            EventKind::OfferTimedOut => "offer_timed_out",
            EventKind::Assigned => "assigned",
            EventKind::Started => "started",
            EventKind::Paused => "paused",
            EventKind::Resumed => "resumed",
            EventKind::Completed => "completed",
            EventKind::Abandoned => "abandoned",
            EventKind::Replied => "replied",
            EventKind::DeliveryFailed => "delivery_failed",
            EventKind::Sent => "sent",
            EventKind::WorkflowRan => "workflow_ran",
            EventKind::Acknowledged => "acknowledged",
            EventKind::AutoReplied => "auto_replied",
            EventKind::Notified => "notified",
            EventKind::ReviewRequested => "review_requested",
            EventKind::ReviewApproved => "review_approved",
            EventKind::ReviewRejected => "review_rejected",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The event an action produces.
    pub fn of_action(action: ActivityAction) -> EventKind {
        match action {
            ActivityAction::Queue { .. } => EventKind::Queued,
            ActivityAction::Offer { .. } => EventKind::Offered,
            ActivityAction::Accept => EventKind::Accepted,
            ActivityAction::Decline => EventKind::Declined,
            ActivityAction::OfferTimeout => EventKind::OfferTimedOut,
            ActivityAction::Assign { .. } => EventKind::Assigned,
            ActivityAction::Start => EventKind::Started,
            ActivityAction::Pause => EventKind::Paused,
            ActivityAction::Resume => EventKind::Resumed,
            ActivityAction::Complete => EventKind::Completed,
            ActivityAction::Abandon => EventKind::Abandoned,
        }
    }
}

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
    /// What happened.
    pub kind: EventKind,
    /// Status before the change.
    pub from_status: Option<ActivityStatus>,
    /// Status after the change.
    pub to_status: ActivityStatus,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: Timestamp,
    /// Details: the action's arguments, or the fields an update changed.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}
