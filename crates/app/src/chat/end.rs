//! Ending a chat: either side, or a time-out. The decision is the domain's
//! (`domain::chat::session::end`): a chat still waiting for an agent was abandoned — the caller
//! runs that through the router —, one in conversation stays with its agent for wrap-up. The
//! end, its notice in the conversation and the `chat_ended` event are one transaction.

use switchboard_domain::chat::{ChatParty, EndReason, Ended, NewChatMessage, session};
use switchboard_domain::event::{ChatEnded, EventPayload};
use switchboard_domain::{ActivityAction, ActivityId, Actor, Timestamp};
use switchboard_store::{NewEvent, StoreError};

use crate::App;
use crate::chat::ChatSignal;

/// What ending a chat left to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// The life-cycle action the activity still needs (abandon a waiting chat), for the caller
    /// to run the way routed work moves.
    pub action: Option<ActivityAction>,
}

impl App {
    /// Ends chat `id`: `by` (as `actor`) for `reason`. Refuses (409) when it has ended.
    pub async fn end_chat(
        &self,
        id: ActivityId,
        by: ChatParty,
        actor: Actor,
        reason: EndReason,
        now: Timestamp,
    ) -> Result<Ending, StoreError> {
        let (ending, notice) = self
            .store
            .write(move |mut tx| {
                Box::pin(async move {
                    let chat = tx.chat(id).await?;
                    let a = tx.activity(id).await?;
                    let plan = session::end(&chat, a.status, by, reason)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let notice = tx
                        .append_chat_message(id, &NewChatMessage::system(&plan.notice), now)
                        .await?;
                    tx.end_chat(
                        id,
                        &Ended {
                            by,
                            reason,
                            at: now,
                        },
                    )
                    .await?;
                    let (customer_messages, agent_messages) = tx.chat_counts(id).await?;
                    let event = NewEvent::by(
                        actor,
                        a.status,
                        EventPayload::ChatEnded(ChatEnded {
                            by,
                            reason,
                            customer_messages,
                            agent_messages,
                        }),
                    );
                    tx.append_events(id, vec![event], now).await?;
                    Ok((
                        Ending {
                            action: plan.action,
                        },
                        notice,
                    ))
                })
            })
            .await?;
        self.chats.publish(id, ChatSignal::Message(notice.into()));
        self.chats.publish(id, ChatSignal::State);
        Ok(ending)
    }
}
