//! After a chat: the customer answers the entry point's survey (stored with the chat, the
//! `survey_answered` event on the activity) and may have the transcript mailed to the address
//! the pre-chat form gave — from the department's address, through the outbox and the real
//! dispatcher. Each once, after the end (`domain::chat::session`).

use std::collections::BTreeMap;

use switchboard_domain::chat::{SurveyAnswer, check_survey_answers, session, transcript};
use switchboard_domain::event::{EventPayload, SurveyAnswered, TranscriptSent};
use switchboard_domain::{ActivityId, Actor, ContactKind, Mailbox, Timestamp};
use switchboard_store::{NewEvent, StoreError};

use crate::App;

impl App {
    /// Stores the customer's answers to chat `id`'s survey. 422 naming the answer at fault;
    /// 409 before the end or when answered already.
    pub async fn answer_survey(
        &self,
        id: ActivityId,
        answers: BTreeMap<String, String>,
        now: Timestamp,
    ) -> Result<Vec<SurveyAnswer>, StoreError> {
        self.store
            .write(move |mut tx| {
                let answers = answers.clone();
                Box::pin(async move {
                    let chat = tx.chat(id).await?;
                    let a = tx.activity(id).await?;
                    session::may_answer_survey(&chat, a.status)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let ep = tx.entry_point(chat.entry_point_id).await?;
                    let checked = check_survey_answers(&ep.survey, &answers)?;
                    tx.answer_survey(id, &checked).await?;
                    let event = NewEvent::system(
                        a.status,
                        EventPayload::SurveyAnswered(SurveyAnswered {
                            answers: checked.clone(),
                        }),
                    );
                    tx.append_events(id, vec![event], now).await?;
                    Ok(checked)
                })
            })
            .await
    }

    /// Mails chat `id`'s transcript to its customer's address. 409 before the end, when sent
    /// already, when the customer gave no address or the department has none to send from.
    pub async fn send_transcript(
        &self,
        id: ActivityId,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let sent = self
            .store
            .write(move |mut tx| {
                Box::pin(async move {
                    let chat = tx.chat(id).await?;
                    let a = tx.activity(id).await?;
                    session::may_send_transcript(&chat, a.status)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let customer = tx.customer(a.customer_id).await?;
                    let Some(address) = customer
                        .contact_points
                        .iter()
                        .find(|p| p.kind == ContactKind::Email)
                        .map(|p| p.value.clone())
                    else {
                        return Err(StoreError::Conflict(
                            "the chat has no email address to send the transcript to".into(),
                        ));
                    };
                    let Some(alias) = tx.notification_sender(id, a.department_id).await? else {
                        return Err(StoreError::Conflict(
                            "the department has no email address to send from".into(),
                        ));
                    };
                    let ep = tx.entry_point(chat.entry_point_id).await?;
                    let mut messages = Vec::new();
                    loop {
                        let after = messages
                            .last()
                            .map_or(0, |m: &switchboard_domain::chat::ChatMessage| m.seq);
                        let batch = tx.chat_messages(id, after).await?;
                        if batch.is_empty() {
                            break;
                        }
                        messages.extend(batch);
                    }
                    let (subject, text) =
                        transcript(&ep.widget.title, &chat.customer_name, &messages);
                    let to = Mailbox {
                        name: Some(chat.customer_name.clone()),
                        address: address.clone(),
                    };
                    let email_id = tx
                        .send_transcript(id, &alias, to, subject, text, a.case_id, now)
                        .await?;
                    let event = NewEvent::by(
                        Actor::System,
                        a.status,
                        EventPayload::TranscriptSent(TranscriptSent {
                            email_id,
                            to: address.clone(),
                        }),
                    );
                    tx.append_events(id, vec![event], now).await?;
                    Ok(address)
                })
            })
            .await?;
        self.store.notify().outbox_changed();
        Ok(sent)
    }
}
