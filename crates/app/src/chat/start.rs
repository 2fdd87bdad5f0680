//! A customer starts a chat: the pre-chat answers checked against the entry point's form
//! (`domain::chat::check_answers`), the customer found by email address or created, a new case
//! and a chat activity in the entry point's queue (the department's exception queue when it
//! names none) unless the department's start workflows route it elsewhere ([`super::route`]), the chat record with the customer's token, and the question as the first
//! message — in one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_domain::chat::{
    Audience, Chat, ChatMessage, ChatParty, ChatStart, EntryPoint, NewChatMessage, check_answers,
};
use switchboard_domain::event::{ChatStarted, EventPayload, TransitionDetails};
use switchboard_domain::{
    Activity, Actor, ChannelKind, ContactKind, ContactPoint, CustomerId, DepartmentId,
    EntryPointId, NewActivity, NewCase, NewCustomer, Timestamp, ValidationError,
};
use switchboard_store::{NewChat, NewEvent, StoreError, Tx};

use super::route::{ChatArrival, chat_message, plan_chat};
use crate::App;
use crate::chat::ChatSignal;
use crate::library::Library;

/// The name of a customer who gave none.
const VISITOR: &str = "Web visitor";
/// Longest activity subject taken from the question.
const MAX_SUBJECT: usize = 200;

/// What the widget sends to start a chat.
#[derive(Debug, Clone)]
pub struct StartChat {
    /// The entry point.
    pub entry_point: EntryPointId,
    /// The pre-chat answers, by field key.
    pub answers: BTreeMap<String, String>,
    /// The web origin of the page, when the browser said.
    pub origin: Option<String>,
    /// SHA-256 (hex) of the token the customer was given for this chat.
    pub token_hash: String,
}

/// A started chat.
#[derive(Debug, Clone)]
pub struct StartedChat {
    /// The chat.
    pub chat: Chat,
    /// Its activity.
    pub activity: Activity,
    /// The question, as the first message.
    pub first: Option<ChatMessage>,
}

/// The activity's subject: the question's first line, bounded; "Chat" without one.
fn subject(start: &ChatStart) -> String {
    let line = start
        .question
        .as_deref()
        .and_then(|q| q.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("Chat");
    line.chars().take(MAX_SUBJECT).collect()
}

/// The customer of `dept` with the answered email address, else a new one.
async fn customer(
    tx: &mut Tx<'_>,
    dept: DepartmentId,
    start: &ChatStart,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    if let Some(e) = &start.email
        && let Some(found) = tx.customer_by_email(dept, &e.lookup_key()).await?
    {
        return Ok(found);
    }
    let new = NewCustomer {
        department_id: dept,
        name: start.name.clone().unwrap_or_else(|| VISITOR.to_string()),
        contact_points: start
            .email
            .iter()
            .map(|e| ContactPoint {
                kind: ContactKind::Email,
                value: e.as_str().to_string(),
            })
            .collect(),
        attributes: Default::default(),
    };
    tx.insert_customer(new, now).await
}

/// The whole start in one transaction.
async fn start_in(
    tx: &mut Tx<'_>,
    lib: &Library,
    s: &StartChat,
    now: Timestamp,
) -> Result<StartedChat, StoreError> {
    let ep: EntryPoint = tx.entry_point(s.entry_point).await?;
    if !ep.active {
        return Err(StoreError::Conflict(
            "the entry point takes no chats".into(),
        ));
    }
    let start = check_answers(&ep.pre_chat, &s.answers)?;
    let dept = ep.department_id;
    let customer = customer(tx, dept, &start, now).await?;
    let subject = subject(&start);
    let case = tx
        .insert_case(
            dept,
            &NewCase {
                customer_id: customer,
                subject: subject.clone(),
                owner_id: None,
            },
            now,
        )
        .await?;
    let queue = match ep.queue_id {
        Some(q) => q,
        None => tx.exception_queue(dept).await?,
    };
    let arrival = ChatArrival {
        dept,
        queue,
        channel: ChannelKind::Chat,
        message: chat_message(&start, &subject),
        attributes: start.attributes.clone(),
        subject: &subject,
        customer,
        now,
    };
    let plan = plan_chat(tx, lib, arrival).await?;
    let new = NewActivity {
        customer_id: customer,
        case_id: Some(case.id),
        channel: ChannelKind::Chat,
        subject,
        priority: plan.priority,
        due_at: None,
        queue_id: Some(plan.queue),
        sub_status: None,
        category_id: plan.category,
        custom_attributes: plan.attributes,
    };
    let new = new.validate()?;
    let waits_for = TransitionDetails {
        for_user_id: plan.for_user,
        for_group_id: plan.for_group,
        ..TransitionDetails::default()
    };
    let (activity, mut events) = tx
        .insert_activity(&case, &new, Actor::System, waits_for, now)
        .await?;
    for r in plan.runs {
        events.push(NewEvent::system(
            activity.status,
            EventPayload::WorkflowRan(r),
        ));
    }
    events.push(NewEvent::system(
        activity.status,
        EventPayload::ChatStarted(ChatStarted {
            entry_point_id: ep.id,
            origin: s.origin.clone(),
        }),
    ));
    let customer_name = start.name.clone().unwrap_or_else(|| VISITOR.to_string());
    tx.insert_chat(
        &NewChat {
            activity_id: activity.id,
            department_id: dept,
            entry_point_id: ep.id,
            token_hash: s.token_hash.clone(),
            customer_name: customer_name.clone(),
        },
        now,
    )
    .await?;
    let first = match &start.question {
        Some(q) => Some(
            tx.append_chat_message(
                activity.id,
                &NewChatMessage {
                    party: ChatParty::Customer,
                    author_id: None,
                    author_name: customer_name,
                    audience: Audience::Everyone,
                    body: q.clone(),
                    file: None,
                },
                now,
            )
            .await?,
        ),
        None => None,
    };
    // The queued event goes last: the router follows the log and must find the chat whole.
    tx.append_events(activity.id, events, now).await?;
    let chat = tx.chat(activity.id).await?;
    Ok(StartedChat {
        chat,
        activity,
        first,
    })
}

impl App {
    /// Starts a chat from entry point `s.entry_point`'s pre-chat form. Refuses answers that do
    /// not fit the form (422 naming the field) and an inactive entry point (409).
    pub async fn start_chat(
        &self,
        s: StartChat,
        now: Timestamp,
    ) -> Result<StartedChat, StoreError> {
        if s.token_hash.len() != 64 {
            return Err(ValidationError::new("token", "not a chat token").into());
        }
        let cache = Arc::clone(&self.library);
        let started = self
            .store
            .write(move |mut tx| {
                let s = s.clone();
                let cache = Arc::clone(&cache);
                Box::pin(async move {
                    let lib = cache.current(&mut tx).await?;
                    start_in(&mut tx, &lib, &s, now).await
                })
            })
            .await?;
        if let Some(m) = &started.first {
            self.chats
                .publish(m.activity_id, ChatSignal::Message(m.clone().into()));
        }
        Ok(started)
    }
}
