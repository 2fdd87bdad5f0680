//! Event kinds: the stable names stored and shown, and each kind's payload version.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::lifecycle::ActivityAction;

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
    /// A customer started a chat from an entry point.
    ChatStarted,
    /// A chat's conversation ended.
    ChatEnded,
    /// The customer answered the survey after a chat.
    SurveyAnswered,
    /// A chat's transcript was mailed to the customer.
    TranscriptSent,
    /// The agent wrapped the work up: its category and a note.
    WrappedUp,
    /// A colleague wrote an internal note (never sent to the customer).
    NoteAdded,
    /// A customer asked to be called back (now or at a time).
    CallbackRequested,
    /// An agent called the customer back and recorded how it went.
    CallbackAttempted,
    /// The activity's customer was merged into another.
    CustomerMerged,
    /// The customer waiting in a queue was told how long they could expect to wait.
    WaitTold,
    /// The activity opened its case (the case's first activity).
    CaseOpened,
    /// The activity's case was closed (recorded on the case's latest activity).
    CaseClosed,
    /// The activity's case was opened again (recorded on the case's latest activity).
    CaseReopened,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 36] = [
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
        EventKind::ChatStarted,
        EventKind::ChatEnded,
        EventKind::SurveyAnswered,
        EventKind::TranscriptSent,
        EventKind::WrappedUp,
        EventKind::NoteAdded,
        EventKind::CallbackRequested,
        EventKind::CallbackAttempted,
        EventKind::CustomerMerged,
        EventKind::WaitTold,
        EventKind::CaseOpened,
        EventKind::CaseClosed,
        EventKind::CaseReopened,
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
            EventKind::ChatStarted => "chat_started",
            EventKind::ChatEnded => "chat_ended",
            EventKind::SurveyAnswered => "survey_answered",
            EventKind::TranscriptSent => "transcript_sent",
            EventKind::WrappedUp => "wrapped_up",
            EventKind::NoteAdded => "note_added",
            EventKind::CallbackRequested => "callback_requested",
            EventKind::CallbackAttempted => "callback_attempted",
            EventKind::CustomerMerged => "customer_merged",
            EventKind::WaitTold => "wait_told",
            EventKind::CaseOpened => "case_opened",
            EventKind::CaseClosed => "case_closed",
            EventKind::CaseReopened => "case_reopened",
        }
    }

    /// The version of the kind's payload this build writes (see `docs/events.md`). A change
    /// that readers of the previous version cannot read raises it.
    pub fn version(self) -> u16 {
        1
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
