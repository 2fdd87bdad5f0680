//! A chat's own record beside its activity: how far its messages have got and whether it has
//! ended. Whether the customer still waits or talks is the activity's status (the router moves
//! it), so the two cannot disagree.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::message::{Audience, ChatParty};
use super::survey::SurveyAnswer;
use crate::ids::{ActivityId, DepartmentId, EmailId, EntryPointId};
use crate::lifecycle::ActivityAction;
use crate::lifecycle::ActivityStatus;
use crate::time::Timestamp;

/// Where a chat's conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatState {
    /// The customer waits for an agent.
    Waiting,
    /// An agent has accepted it; messages flow.
    Talking,
    /// Either side ended it; no more messages.
    Ended,
}

impl ChatState {
    /// The stable name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatState::Waiting => "waiting",
            ChatState::Talking => "talking",
            ChatState::Ended => "ended",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ChatState> {
        match s {
            "waiting" => Some(ChatState::Waiting),
            "talking" => Some(ChatState::Talking),
            "ended" => Some(ChatState::Ended),
            _ => None,
        }
    }
}

/// Why a chat ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Someone chose to end it.
    Ended,
    /// The customer stayed silent past the entry point's time-out.
    CustomerInactive,
    /// The customer's connection was gone past the grace period.
    CustomerGone,
    /// It waited in the queue past the channel's maximum.
    MaxTimeInQueue,
}

impl EndReason {
    /// Every reason.
    pub const ALL: [EndReason; 4] = [
        EndReason::Ended,
        EndReason::CustomerInactive,
        EndReason::CustomerGone,
        EndReason::MaxTimeInQueue,
    ];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Ended => "ended",
            EndReason::CustomerInactive => "customer_inactive",
            EndReason::CustomerGone => "customer_gone",
            EndReason::MaxTimeInQueue => "max_time_in_queue",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<EndReason> {
        EndReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A chat: the conversation side of a chat activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Chat {
    /// Its activity (also the chat's id).
    pub activity_id: ActivityId,
    /// The department.
    pub department_id: DepartmentId,
    /// The entry point it came through.
    pub entry_point_id: EntryPointId,
    /// The sequence number of its latest message (0 before the first).
    pub last_seq: i64,
    /// The customer's name, as the pre-chat form gave it.
    pub customer_name: String,
    /// Who ended it and why; `None` while it goes on.
    pub ended: Option<Ended>,
    /// When it was started.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When the customer last wrote.
    #[schema(value_type = String, format = DateTime)]
    pub customer_seen_at: Timestamp,
    /// When an agent or supervisor last wrote to the customer.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub agent_seen_at: Option<Timestamp>,
    /// When the silent customer was last warned.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub customer_warned_at: Option<Timestamp>,
    /// When the customer was last told that the agent is busy.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub agent_nudged_at: Option<Timestamp>,
    /// The customer's answers to the survey, once given.
    pub survey: Option<Vec<SurveyAnswer>>,
    /// The transcript mailed to the customer, once asked for.
    pub transcript_email_id: Option<EmailId>,
}

/// How a chat ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ended {
    /// Who ended it.
    pub by: ChatParty,
    /// Why.
    pub reason: EndReason,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

impl Chat {
    /// Where the conversation stands when its activity is `status`.
    pub fn state(&self, status: ActivityStatus) -> ChatState {
        if self.ended.is_some() || status.is_final() {
            ChatState::Ended
        } else if matches!(
            status,
            ActivityStatus::New | ActivityStatus::Queued | ActivityStatus::Offered
        ) {
            ChatState::Waiting
        } else {
            ChatState::Talking
        }
    }
}

/// What ending a chat does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndPlan {
    /// The life-cycle action for its activity: a chat ended while it still waits was abandoned;
    /// one ended while talking stays with its agent for wrap-up.
    pub action: Option<ActivityAction>,
    /// The notice written into the conversation.
    pub notice: String,
}

/// Why a chat cannot be ended (or written to).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatClosed {
    /// It has ended already.
    #[error("the chat has ended")]
    Ended,
}

/// Decides what `by` ending `chat` (whose activity is `status`) does, for `reason`.
pub fn end(
    chat: &Chat,
    status: ActivityStatus,
    by: ChatParty,
    reason: EndReason,
) -> Result<EndPlan, ChatClosed> {
    // The record decides whether the conversation goes on: an activity the router already let
    // go (abandoned for waiting too long) still has its chat ended, with nothing left to do.
    if chat.ended.is_some() {
        return Err(ChatClosed::Ended);
    }
    let action = match chat.state(status) {
        ChatState::Waiting => Some(ActivityAction::Abandon),
        ChatState::Talking | ChatState::Ended => None,
    };
    let notice = match (by, reason) {
        (_, EndReason::CustomerInactive) => "The chat closed: the customer was inactive.",
        (_, EndReason::CustomerGone) => "The customer left.",
        (_, EndReason::MaxTimeInQueue) => "Nobody could take the chat in time.",
        (ChatParty::Customer, _) => "The customer ended the chat.",
        (ChatParty::Agent | ChatParty::Supervisor, _) => "The agent ended the chat.",
        (ChatParty::System, _) => "The chat ended.",
    };
    Ok(EndPlan {
        action,
        notice: notice.to_string(),
    })
}

/// Whether anyone may write into `chat` (its activity `status`): nobody writes after the end.
pub fn may_write(chat: &Chat, status: ActivityStatus) -> Result<(), ChatClosed> {
    match chat.state(status) {
        ChatState::Ended => Err(ChatClosed::Ended),
        ChatState::Waiting | ChatState::Talking => Ok(()),
    }
}

/// As whom a staff member writes into a chat, and for whom: the agent holding it writes to the
/// customer; a supervisor (or administrator) who does not hold it joins (the customer sees it)
/// or whispers to the agent (`whisper`: the customer does not). An agent who does not hold the
/// chat may not write, and only a supervisor whispers.
pub fn staff_voice(
    supervises: bool,
    holds_it: bool,
    whisper: bool,
) -> Result<(ChatParty, Audience), &'static str> {
    match (holds_it, supervises, whisper) {
        (true, _, false) => Ok((ChatParty::Agent, Audience::Everyone)),
        (false, true, false) => Ok((ChatParty::Supervisor, Audience::Everyone)),
        (false, true, true) => Ok((ChatParty::Supervisor, Audience::Staff)),
        (true, _, true) => {
            Err("the agent holding the chat writes to the customer; only a supervisor whispers")
        }
        (false, false, _) => Err("the chat is not assigned to you"),
    }
}

/// What the customer may still do once a chat has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AfterChat {
    /// The chat goes on.
    #[error("the chat has not ended yet")]
    NotEnded,
    /// The survey was answered already.
    #[error("the survey was answered already")]
    SurveyAnswered,
    /// The transcript was sent already.
    #[error("the transcript was sent already")]
    TranscriptSent,
}

/// Whether the customer may answer `chat`'s survey now (its activity `status`): once, after
/// the end.
pub fn may_answer_survey(chat: &Chat, status: ActivityStatus) -> Result<(), AfterChat> {
    if chat.state(status) != ChatState::Ended {
        return Err(AfterChat::NotEnded);
    }
    if chat.survey.is_some() {
        return Err(AfterChat::SurveyAnswered);
    }
    Ok(())
}

/// Whether the customer may have `chat`'s transcript mailed now: once, after the end.
pub fn may_send_transcript(chat: &Chat, status: ActivityStatus) -> Result<(), AfterChat> {
    if chat.state(status) != ChatState::Ended {
        return Err(AfterChat::NotEnded);
    }
    if chat.transcript_email_id.is_some() {
        return Err(AfterChat::TranscriptSent);
    }
    Ok(())
}
