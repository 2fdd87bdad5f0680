//! What the customer (and the agent) see of a chat's state: waiting with its place in the queue,
//! the expected wait and the entry point's wait message filled in; talking with the agent's
//! name; or ended.

use serde::Serialize;
use switchboard_domain::chat::widget::{wait_message, wait_words};
use switchboard_domain::chat::{Chat, ChatState, Ended, SurveyAnswer};
use switchboard_domain::{Activity, ActivityId, ActivityStatus};
use switchboard_services::routing::WaitEstimate;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// A chat's state now.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChatView {
    /// The chat (its activity's id).
    pub id: ActivityId,
    /// Waiting, talking or ended.
    pub state: ChatState,
    /// While waiting: 1 for the next to be served.
    pub position: Option<usize>,
    /// While waiting: the expected wait in seconds, when it can be estimated.
    pub expected_wait_secs: Option<f64>,
    /// While waiting: the entry point's wait message, filled in.
    pub wait_message: Option<String>,
    /// While talking: the agent's name.
    pub agent_name: Option<String>,
    /// The number of the chat's latest message.
    pub last_seq: i64,
    /// How it ended.
    pub ended: Option<Ended>,
    /// The customer's answers to the survey, once given.
    pub survey: Option<Vec<SurveyAnswer>>,
    /// Whether the transcript was mailed.
    pub transcript_sent: bool,
}

/// The view of `chat` (whose activity is `a`).
pub async fn view(s: &AppState, chat: &Chat, a: &Activity) -> Result<ChatView, ApiError> {
    let state = chat.state(a.status);
    let mut v = ChatView {
        id: chat.activity_id,
        state,
        position: None,
        expected_wait_secs: None,
        wait_message: None,
        agent_name: None,
        last_seq: chat.last_seq,
        ended: chat.ended,
        survey: chat.survey.clone(),
        transcript_sent: chat.transcript_email_id.is_some(),
    };
    match state {
        ChatState::Waiting => {
            let mut wait = match &s.router {
                Some(r) => r.wait(chat.activity_id).await.ok().flatten(),
                None => None,
            };
            // Offered to an agent: next in line, about to be taken.
            if wait.is_none() && a.status == ActivityStatus::Offered {
                wait = Some(WaitEstimate {
                    position: 1,
                    expected_wait_secs: Some(0.0),
                });
            }
            if let Some(w) = wait {
                v.position = Some(w.position);
                v.expected_wait_secs = w.expected_wait_secs;
                let ep = s.store.entry_point(chat.entry_point_id).await?;
                v.wait_message = Some(wait_message(
                    &ep.widget.wait_message,
                    w.position,
                    &wait_words(w.expected_wait_secs),
                    chat.activity_id.0,
                ));
            }
        }
        ChatState::Talking => {
            if let Some(u) = a.assignee_id {
                v.agent_name = Some(s.store.user(u).await?.name);
            }
        }
        ChatState::Ended => {}
    }
    Ok(v)
}

/// The view of chat `id`, read now.
pub async fn view_of(s: &AppState, chat: &Chat) -> Result<ChatView, ApiError> {
    let a = s.store.activity(chat.activity_id).await?;
    let fresh = s.store.chat(chat.activity_id).await?;
    view(s, &fresh, &a).await
}
