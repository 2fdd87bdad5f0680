//! The details each kind of event carries (version 1 of every kind). Optional details are left
//! out of the JSON when absent; readers accept details written by earlier builds.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::activity::Priority;
use crate::channel::ChannelKind;
use crate::chat::{ChatParty, EndReason, SurveyAnswer};
use crate::ids::{
    ActivityId, ArticleId, CaseId, CategoryId, EmailId, EntryPointId, QueueId, UserGroupId, UserId,
    WorkflowId,
};
use crate::text::{CustomAttributes, nullable};
use crate::time::Timestamp;

/// `created`: the activity's channel and case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Created {
    /// The channel.
    pub channel: ChannelKind,
    /// The case it belongs to.
    pub case_id: CaseId,
}

/// `updated`: the fields that changed, with their new values; a cleared field is `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Changes {
    /// New subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// New priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// New due time.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Option<Timestamp>>,
    /// New sub-status.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    #[schema(value_type = Option<String>)]
    pub sub_status: Option<Option<String>>,
    /// New category.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "nullable"
    )]
    #[schema(value_type = Option<i64>)]
    pub category_id: Option<Option<CategoryId>>,
    /// All custom attributes after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<CustomAttributes>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == Changes::default()
    }
}

/// Why and how a life-cycle change happened, as the router or the inbound use case knows it.
/// Every field is optional; each kind keeps those that apply to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TransitionDetails {
    /// Why (a routing reason: `transfer`, `queue_full`, `declined`, `agent_gone`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Until when an offer stands.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "millis_or_time"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// The queue the work left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_queue_id: Option<QueueId>,
    /// Whether the move counts as abandoned in the queue it left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts_as_abandoned: Option<bool>,
    /// The agent the work waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_user_id: Option<UserId>,
    /// The group of agents the work waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_group_id: Option<UserGroupId>,
    /// Whom it is never offered to while it waits (a held reply's author, in its review queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_for_user_id: Option<UserId>,
    /// Not offered to an agent before this time (a delayed callback, a call to try again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub not_before: Option<Timestamp>,
}

/// Reads a time written as RFC 3339 or, by builds before typed events, as epoch milliseconds.
fn millis_or_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Millis(i64),
        Time(Timestamp),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::Millis(ms) => Timestamp::from_millis(ms),
        Either::Time(t) => t,
    }))
}

/// `queued`: the queue, and why it went there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Queued {
    /// The queue.
    pub queue_id: QueueId,
    /// Why, from where, for whom.
    #[serde(flatten)]
    pub details: TransitionDetails,
}

/// `offered`: to whom, until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Offered {
    /// The agent.
    pub agent_id: UserId,
    /// Until when the offer stands.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "millis_or_time"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

/// `assigned`: to whom, and why (pull, direct, transfer…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assigned {
    /// The agent.
    pub agent_id: UserId,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A life-cycle change with no target: accepted, declined, offer timed out, started, paused,
/// resumed, completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Transition {
    /// Why, when the router says (a decline, an interruption…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `replied`: the reply email and the outbound activity that carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Replied {
    /// The reply.
    pub email_id: EmailId,
    /// Its outbound activity.
    pub outbound_activity_id: ActivityId,
    /// The review queue it waits in, when held for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_queue_id: Option<QueueId>,
}

/// `delivery_failed`: a bounce came back, or the mail server refused for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DeliveryFailed {
    /// A bounce came back.
    Bounced {
        /// The bounce message.
        bounce_email_id: EmailId,
        /// The recipients it reports.
        recipients: Vec<String>,
        /// Whether the failure is permanent.
        permanent: bool,
    },
    /// The outgoing mail server refused the message for good.
    Refused {
        /// The email that was not sent.
        email_id: EmailId,
        /// What the server said.
        error: String,
    },
}

/// `sent`: the email the outgoing server accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sent {
    /// The email.
    pub email_id: EmailId,
}

/// `workflow_ran`: which workflow, its version and the path it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkflowRan {
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its version.
    pub version: i64,
    /// Its name when it ran.
    pub name: String,
    /// Step ids in the order they ran.
    pub path: Vec<String>,
    /// Whether it ended with `stop`.
    pub stopped: bool,
    /// An alarm workflow ran (not an inbound or outbound one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alarm: bool,
    /// An outbound workflow ran (on a reply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outbound: bool,
    /// Where an alarm workflow sent the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// What could not be done as asked, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// `acknowledged`: the acknowledgement sent and its article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Acknowledged {
    /// The acknowledgement.
    pub email_id: EmailId,
    /// The article it was written from.
    pub article_id: ArticleId,
}

/// `auto_replied`: the answer sent, its article, and whether it settled the activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutoReplied {
    /// The answer.
    pub email_id: EmailId,
    /// The article it was written from.
    pub article_id: ArticleId,
    /// Whether the answer completed the activity.
    pub complete: bool,
}

/// `notified`: the notification sent and to whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notified {
    /// The notification.
    pub email_id: EmailId,
    /// Its recipients.
    pub to: Vec<String>,
}

/// `review_requested`: recorded on both activities of a held reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReviewRequested {
    /// On the reply's outbound activity: what finishing the review needs.
    Held {
        /// The held reply.
        email_id: EmailId,
        /// The activity it answers.
        answered_activity_id: ActivityId,
        /// Who wrote it.
        author_id: Option<UserId>,
        /// Whether approval completes the answered activity.
        complete: bool,
        /// The review queue.
        review_queue_id: QueueId,
    },
    /// On the answered activity.
    Answered {
        /// The held reply.
        email_id: EmailId,
        /// Its outbound activity.
        outbound_activity_id: ActivityId,
        /// The review queue.
        review_queue_id: QueueId,
    },
}

/// `review_approved`: recorded on both activities of the reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewApproved {
    /// The reply.
    pub email_id: EmailId,
    /// The reviewer (none when the system approved).
    pub reviewer_id: Option<UserId>,
    /// Whether the reviewer changed it.
    pub edited: bool,
    /// A note for the author.
    pub comment: Option<String>,
    /// How long it waited for review, in milliseconds.
    pub review_ms: i64,
    /// The reply's outbound activity.
    pub outbound_activity_id: ActivityId,
}

/// `review_rejected`: recorded on both activities of the reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReviewRejected {
    /// The reply.
    pub email_id: EmailId,
    /// The reviewer.
    pub reviewer_id: Option<UserId>,
    /// Why.
    pub comment: String,
    /// How long it waited for review, in milliseconds.
    pub review_ms: i64,
    /// The reply's outbound activity.
    pub outbound_activity_id: ActivityId,
    /// Who wrote it.
    pub author_id: Option<UserId>,
}

/// `chat_started`: a customer started the chat from an entry point's widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatStarted {
    /// The entry point.
    pub entry_point_id: EntryPointId,
    /// The web origin of the page the widget ran on, when the browser said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// `chat_ended`: the conversation ended (the activity may stay with its agent for wrap-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatEnded {
    /// Who ended it.
    pub by: ChatParty,
    /// Why.
    pub reason: EndReason,
    /// Messages the customer wrote.
    pub customer_messages: i64,
    /// Messages the agents and supervisors wrote the customer (whispers not counted).
    pub agent_messages: i64,
}

/// `survey_answered`: the customer answered the entry point's survey after the chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyAnswered {
    /// The answers, each with its question as asked.
    pub answers: Vec<SurveyAnswer>,
}

/// `transcript_sent`: the chat's transcript was put in the outbox for the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptSent {
    /// The email.
    pub email_id: EmailId,
    /// Its recipient.
    pub to: String,
}

/// `wrapped_up`: the agent wrapped the work up — the category it was given (also recorded as a
/// change of the activity when it changed) and a note for whoever reads the activity later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WrappedUp {
    /// The category chosen, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<crate::ids::CategoryId>,
    /// The note (may be empty).
    #[serde(default)]
    pub note: String,
}

/// `note_added`: an internal note on the activity, never sent to the customer; the colleagues it
/// mentions are told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NoteAdded {
    /// The note.
    pub text: String,
    /// The colleagues it mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<crate::ids::UserId>,
}

/// `callback_requested`: a customer asked to be called back from an entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CallbackRequested {
    /// The entry point.
    pub entry_point_id: EntryPointId,
    /// The number to call, E.164.
    pub phone: String,
    /// When the customer asked to be called (a delayed callback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub requested_at: Option<Timestamp>,
    /// Whether the customer gave an email address (for the confirmation).
    #[serde(default)]
    pub email_given: bool,
}

/// `callback_attempted`: an agent called and recorded how it went, and what follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CallbackAttempted {
    /// Which call this was (1 for the first).
    pub attempt: u8,
    /// How it went.
    pub outcome: crate::callback::CallOutcome,
    /// The agent's note.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// When it is offered again (no answer, busy, call again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_at: Option<Timestamp>,
    /// Whether the callback ended as unreachable (attempts ran out, wrong number).
    #[serde(default)]
    pub unreachable: bool,
}

/// `customer_merged`: the activity's customer was merged into another; the activity (and its
/// case) now belong to the kept one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerMerged {
    /// The customer merged away.
    pub from_customer_id: crate::ids::CustomerId,
    /// The customer kept.
    pub into_customer_id: crate::ids::CustomerId,
}

/// `wait_told`: the customer waiting in a queue was told how long they could expect to wait
/// (by the chat widget, or when a callback was booked). Recorded once per stay in a queue, so
/// the Expected-Wait Accuracy report can set it beside the wait that followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WaitTold {
    /// The queue the customer waited in.
    pub queue_id: QueueId,
    /// The expected wait told, in seconds.
    pub expected_wait_secs: u64,
    /// The customer's place in the queue when told (1: next), when it was shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

/// `case_opened`, `case_closed`, `case_reopened`: the activity's case was opened (by this, its
/// first activity), closed or opened again (recorded on the case's latest activity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseEvent {
    /// The case.
    pub case_id: CaseId,
}
