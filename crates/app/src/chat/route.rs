//! The department's start workflows for new work that is no email — a chat, a callback: they
//! run over its facts (the chat's question or the callback's note as the message, the
//! customer's name and address as its sender, the pre-chat form's attributes),
//! [`switchboard_workflow::resolve::resolve_chat`] decides what their effects become, and this
//! module gathers what that decision looks up (the route's target, the category).

use switchboard_domain::chat::ChatStart;
use switchboard_domain::event::WorkflowRan;
use switchboard_domain::{
    ActivityStatus, CategoryId, ChannelKind, CustomAttributes, CustomerId, DepartmentId, Priority,
    QueueId, Timestamp, UserGroupId, UserId,
};
use switchboard_store::{StoreError, Tx};
use switchboard_workflow::resolve::{self, resolve_chat};
use switchboard_workflow::{ActivityFacts, Facts, Message, run};

use crate::ingest::{route_target, run_record};
use crate::library::Library;

/// Where new work waits and how, as the start workflows decided.
#[derive(Debug)]
pub(crate) struct ChatPlan {
    /// The queue.
    pub queue: QueueId,
    /// Priority.
    pub priority: Priority,
    /// Category.
    pub category: Option<CategoryId>,
    /// The pre-chat form's attributes with the workflows' over them.
    pub attributes: CustomAttributes,
    /// The user the chat waits for.
    pub for_user: Option<UserId>,
    /// The user group the chat waits for, in its queue.
    pub for_group: Option<UserGroupId>,
    /// The runs, for the activity's log.
    pub runs: Vec<WorkflowRan>,
}

/// New work as the start workflows see it.
pub(crate) struct ChatArrival<'a> {
    /// The entry point's department.
    pub dept: DepartmentId,
    /// The entry point's queue.
    pub queue: QueueId,
    /// Its channel.
    pub channel: ChannelKind,
    /// What the customer wrote, as a message.
    pub message: Message,
    /// The attributes it arrives with (a pre-chat form's).
    pub attributes: CustomAttributes,
    /// The activity's subject.
    pub subject: &'a str,
    /// The customer.
    pub customer: CustomerId,
    /// Now.
    pub now: Timestamp,
}

/// What a customer wrote as the workflows' message: `body` its text; the address and the name
/// its sender.
pub(crate) fn message(
    subject: &str,
    email: Option<&str>,
    name: Option<&str>,
    body: &str,
) -> Message {
    Message {
        subject: subject.to_string(),
        from: email.into_iter().chain(name).map(str::to_string).collect(),
        to: Vec::new(),
        cc: Vec::new(),
        headers: Vec::new(),
        body: body.to_string(),
        attachments: Vec::new(),
    }
}

/// A chat as the workflows' message: the question is its body.
pub(super) fn chat_message(start: &ChatStart, subject: &str) -> Message {
    message(
        subject,
        start.email.as_ref().map(|e| e.as_str()),
        start.name.as_deref(),
        start.question.as_deref().unwrap_or_default(),
    )
}

/// Runs the department's start workflows for new work and resolves their effects.
pub(crate) async fn plan_chat(
    tx: &mut Tx<'_>,
    lib: &Library,
    a: ChatArrival<'_>,
) -> Result<ChatPlan, StoreError> {
    let mut plan = ChatPlan {
        queue: a.queue,
        priority: Priority::default(),
        category: None,
        attributes: a.attributes.clone(),
        for_user: None,
        for_group: None,
        runs: Vec::new(),
    };
    let programs = lib.start(a.dept);
    if programs.is_empty() {
        return Ok(plan);
    }
    let customer = tx.customer_attributes(a.customer).await?;
    let facts = Facts {
        now: a.now,
        message: Some(&a.message),
        activity: ActivityFacts {
            channel: a.channel,
            status: ActivityStatus::Queued,
            priority: Priority::default().get(),
            category: None,
            attributes: a.attributes.clone(),
            queue: Some(a.queue),
            subject: a.subject.to_string(),
            waiting_secs: None,
            service_level_secs: None,
        },
        customer: &customer,
        new_case: true,
        agent: None,
    };
    let out = run(programs, &facts);
    let e = out.effects;
    let arrival = resolve::Arrival {
        dept: a.dept,
        queue: a.queue,
        new_case: true,
        automatic: false,
        may_hand_over: false,
    };
    let mut looked = resolve::Looked::default();
    if let Some(k) = e.category {
        looked.category_refusal = tx.category_refusal(a.dept, k).await?;
    }
    if let Some(to) = resolve::route_lookup(&e, &arrival) {
        looked.route = Some(route_target(tx, to, a.dept).await?);
    }
    let r = resolve_chat(e, &arrival, &looked);
    plan.queue = r.queue.unwrap_or(a.queue);
    plan.priority = r.priority;
    plan.category = r.category;
    plan.attributes.extend(r.attributes);
    plan.for_user = r.for_user;
    plan.for_group = r.for_group;
    let mut notes = r.notes;
    let n = out.runs.len();
    for (i, ran) in out.runs.iter().enumerate() {
        let mut v = run_record(ran);
        if i + 1 == n {
            v.notes = std::mem::take(&mut notes);
        }
        plan.runs.push(v);
    }
    Ok(plan)
}
