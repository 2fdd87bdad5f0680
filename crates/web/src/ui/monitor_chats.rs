//! The monitor's chats: every chat going on within the supervisor's scope — waiting or talking,
//! its queue and agent, how long it has gone on — with the agents found silent flagged
//! (`domain::chat::watch::agent_silent`). A row opens the chat read-only, where the supervisor
//! may join or whisper.

use switchboard_domain::DepartmentId;
use switchboard_domain::chat::ChatState;
use switchboard_domain::chat::watch::agent_silent;

use super::monitor_rows::age;
use crate::error::ApiResult;
use crate::state::AppState;

/// Most chats the monitor lists.
const SHOWN: i64 = 500;

/// A chat's row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ChatRow {
    /// Its activity.
    pub id: i64,
    /// Its department.
    pub department_id: DepartmentId,
    /// The customer's name.
    pub customer: String,
    /// `Waiting` or `Talking`.
    pub state: &'static str,
    /// The queue's name.
    pub queue: String,
    /// The agent's name, when one holds it (or is offered it).
    pub agent: String,
    /// When it began (ms since the epoch).
    pub since: i64,
    /// The agent was found silent and has not written since.
    pub silent: bool,
}

impl ChatRow {
    /// How long it has gone on at `now`.
    pub fn age(&self, now: &i64) -> String {
        age(now - self.since)
    }

    /// The key rows are listed by (the chat's id, zero-padded).
    pub fn sort_key(&self) -> String {
        format!("{:020}", self.id)
    }
}

/// The chats going on in every department, the longest first.
pub(super) async fn chat_rows(s: &AppState) -> ApiResult<Vec<ChatRow>> {
    let open: Vec<_> = s.store.open_chats(SHOWN).await?;
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let names = s
        .monitor_names
        .get(
            s,
            open.iter().filter_map(|c| c.queue),
            open.iter().filter_map(|c| c.assignee),
        )
        .await?;
    let mut rows: Vec<ChatRow> = open
        .iter()
        .filter_map(|c| {
            let state = match c.chat.state(c.status) {
                ChatState::Waiting => "Waiting",
                ChatState::Talking => "Talking",
                ChatState::Ended => return None,
            };
            Some(ChatRow {
                id: c.chat.activity_id.0,
                department_id: c.chat.department_id,
                customer: c.chat.customer_name.clone(),
                state,
                queue: c
                    .queue
                    .and_then(|q| names.queues.get(&q))
                    .map(|q| q.name.clone())
                    .unwrap_or_default(),
                agent: c
                    .assignee
                    .and_then(|u| names.users.get(&u))
                    .cloned()
                    .unwrap_or_default(),
                since: c.chat.created_at.millis(),
                silent: state == "Talking" && agent_silent(&c.chat),
            })
        })
        .collect();
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}
