//! The conversation of a chat activity on its page: the messages so far (whispers included for
//! the staff), and whether the viewer writes — the agent holding it to the customer, a
//! supervisor joining or whispering. `chat.js` keeps it live over the staff's WebSocket.

use switchboard_domain::chat::{ChatMessage, ChatState};
use switchboard_domain::{Activity, ChannelKind};
use switchboard_store::StoreError;

use super::page::Viewer;
use crate::error::ApiResult;
use crate::state::AppState;

/// Most messages drawn with the page (the script reads on from the last).
const SHOWN: i64 = 500;

/// A chat as its page shows it.
pub struct ChatPanel {
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The number of the last one drawn.
    pub last: i64,
    /// Whether the viewer may write (holds it, or supervises).
    pub may_write: bool,
    /// Whether the viewer may whisper (a supervisor who does not hold it).
    pub whisper: bool,
    /// Whether the conversation has ended.
    pub ended: bool,
    /// The customer's name as the pre-chat form gave it.
    pub customer_name: String,
    /// The survey's answers: (question, answer).
    pub survey: Vec<(String, String)>,
}

/// An answer as people read it.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Bool(true) => "yes".into(),
        serde_json::Value::Bool(false) => "no".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The panel of `a` when it is a chat.
pub async fn panel(s: &AppState, viewer: &Viewer, a: &Activity) -> ApiResult<Option<ChatPanel>> {
    if a.channel != ChannelKind::Chat {
        return Ok(None);
    }
    let chat = match s.store.chat(a.id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let messages = s.store.chat_messages(a.id, 0, true, SHOWN).await?;
    let me = &viewer.0.user;
    let holds = a.assignee_id == Some(me.id);
    let ended = chat.state(a.status) == ChatState::Ended;
    let last = messages.last().map_or(0, |m| m.seq);
    if holds && last > 0 {
        s.store.mark_chat_read(a.id, last).await?;
    }
    Ok(Some(ChatPanel {
        last,
        messages,
        may_write: !ended && (holds || me.role.oversees()),
        whisper: !holds && me.role.oversees(),
        ended,
        survey: chat
            .survey
            .iter()
            .flatten()
            .map(|a| (a.question.clone(), shown(&a.value)))
            .collect(),
        customer_name: chat.customer_name,
    }))
}
