//! The messages of a chat: who wrote them, who sees them, and the text rules. Each stored message
//! has a sequence number, 1, 2, 3 … per chat, so a receiver that reconnects asks for what came
//! after the last one it saw and gets every message once, in order.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::file::{ChatFile, NewChatFile};
use crate::error::ValidationError;
use crate::ids::{ActivityId, UserId};
use crate::time::Timestamp;

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatParty {
    /// The customer, in the widget.
    Customer,
    /// The agent handling the chat.
    Agent,
    /// A supervisor who joined (or whispers to the agent).
    Supervisor,
    /// Switchboard (the chat was transferred, the customer left …).
    System,
}

impl ChatParty {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatParty::Customer => "customer",
            ChatParty::Agent => "agent",
            ChatParty::Supervisor => "supervisor",
            ChatParty::System => "system",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ChatParty> {
        [
            ChatParty::Customer,
            ChatParty::Agent,
            ChatParty::Supervisor,
            ChatParty::System,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Who sees a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The customer and the staff.
    Everyone,
    /// The staff only: a supervisor's whisper to the agent.
    Staff,
}

impl Audience {
    /// The stable name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Everyone => "everyone",
            Audience::Staff => "staff",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "everyone" => Some(Audience::Everyone),
            "staff" => Some(Audience::Staff),
            _ => None,
        }
    }
}

/// A stored chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatMessage {
    /// The chat (its activity).
    pub activity_id: ActivityId,
    /// 1 for the chat's first message, then one more for each.
    pub seq: i64,
    /// Who wrote it.
    pub party: ChatParty,
    /// The user who wrote it (agent or supervisor).
    pub author_id: Option<UserId>,
    /// The name the customer sees (the agent's display name, or the customer's).
    pub author_name: String,
    /// Who sees it.
    pub audience: Audience,
    /// The text. Customer text is text: shown escaped, never as HTML. For a file, its name.
    pub body: String,
    /// The file it carries, if it is one (read it from the chat's `files/{seq}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<ChatFile>,
    /// When it was stored.
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// A message to store: everything but its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChatMessage {
    /// Who writes it.
    pub party: ChatParty,
    /// The user who writes it.
    pub author_id: Option<UserId>,
    /// The name shown with it.
    pub author_name: String,
    /// Who sees it.
    pub audience: Audience,
    /// The checked text (for a file, its name).
    pub body: String,
    /// The file it carries, if it is one.
    pub file: Option<NewChatFile>,
}

impl NewChatMessage {
    /// A notice of Switchboard's (a transfer, a time-out, the end), for everyone.
    pub fn system(text: &str) -> NewChatMessage {
        NewChatMessage {
            party: ChatParty::System,
            author_id: None,
            author_name: String::new(),
            audience: Audience::Everyone,
            body: text.to_string(),
            file: None,
        }
    }
}

/// Checks a message's text: not blank, at most [`MAX_MESSAGE_CHARS`], no control characters but
/// line breaks and tabs. Returns it trimmed, with `\r\n` as `\n`.
pub fn check_text(field: &str, raw: &str) -> Result<String, ValidationError> {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ValidationError::new(
            field,
            format!("at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_string())
}
