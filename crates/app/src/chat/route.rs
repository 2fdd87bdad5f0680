//! The department's start workflows for a new chat: they run over the chat's facts (the
//! question as the message, the customer's name and address as its sender, the pre-chat
//! form's attributes), [`switchboard_workflow::resolve::resolve_chat`] decides what their
//! effects become, and this module gathers what that decision looks up (the route's target,
//! the category).

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

/// Where a new chat waits and how, as the start workflows decided.
#[derive(Debug)]
pub(super) struct ChatPlan {
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

/// A new chat as the start workflows see it.
pub(super) struct ChatArrival<'a> {
    /// The entry point's department.
    pub dept: DepartmentId,
    /// The entry point's queue.
    pub queue: QueueId,
    /// The pre-chat answers.
    pub start: &'a ChatStart,
    /// The activity's subject.
    pub subject: &'a str,
    /// The customer.
    pub customer: CustomerId,
    /// Now.
    pub now: Timestamp,
}

/// The chat as a message: the question is its body, the customer its sender.
fn message(start: &ChatStart, subject: &str) -> Message {
    Message {
        subject: subject.to_string(),
        from: start
            .email
            .iter()
            .map(|e| e.as_str().to_string())
            .chain(start.name.clone())
            .collect(),
        to: Vec::new(),
        cc: Vec::new(),
        headers: Vec::new(),
        body: start.question.clone().unwrap_or_default(),
        attachments: Vec::new(),
    }
}

/// Runs the department's start workflows for a new chat and resolves their effects.
pub(super) async fn plan_chat(
    tx: &mut Tx<'_>,
    lib: &Library,
    a: ChatArrival<'_>,
) -> Result<ChatPlan, StoreError> {
    let mut plan = ChatPlan {
        queue: a.queue,
        priority: Priority::default(),
        category: None,
        attributes: a.start.attributes.clone(),
        for_user: None,
        for_group: None,
        runs: Vec::new(),
    };
    let programs = lib.start(a.dept);
    if programs.is_empty() {
        return Ok(plan);
    }
    let customer = tx.customer_attributes(a.customer).await?;
    let m = message(a.start, a.subject);
    let facts = Facts {
        now: a.now,
        message: Some(&m),
        activity: ActivityFacts {
            channel: ChannelKind::Chat,
            status: ActivityStatus::Queued,
            priority: Priority::default().get(),
            category: None,
            attributes: a.start.attributes.clone(),
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
