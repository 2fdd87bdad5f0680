//! The plan a department's start and inbound workflows make for a new inbound email: the
//! workflows run over the email's facts, [`switchboard_workflow::resolve`] decides what their
//! effects become, and this module gathers what that decision looks up (routes, category,
//! articles) — asked in two rounds only when the effects name something.

use switchboard_domain::event::WorkflowRan;
use switchboard_domain::{
    ActivityStatus, AliasId, ArticleId, ArticleKind, CategoryId, ChannelKind, CustomAttributes,
    CustomerId, DepartmentId, InboundContent, MessageParts, Priority, QueueId, QueueUse, Timestamp,
    UserGroupId, UserId,
};
use switchboard_store::{StoreError, Tx};
use switchboard_workflow::{
    ActivityFacts, Facts, Message, Notice, Ran, RouteTo, resolve, run_with,
};

use crate::library::Library;

/// What the inbound workflows decided for one email, resolved against what exists.
#[derive(Debug, Default)]
pub(super) struct InboundPlan {
    /// The queue; `None` when an automatic answer completes the activity.
    pub queue: Option<QueueId>,
    pub priority: Priority,
    pub category: Option<CategoryId>,
    pub attributes: CustomAttributes,
    pub acknowledge: Option<ArticleId>,
    pub auto_reply: Option<(ArticleId, bool)>,
    pub notify: Vec<Notice>,
    pub runs: Vec<WorkflowRan>,
    /// The department's message parts with the alias's overrides.
    pub parts: MessageParts,
    /// The user the work waits for (a workflow routed it to them).
    pub for_user: Option<UserId>,
    /// The user group the work waits for, in its queue.
    pub for_group: Option<UserGroupId>,
    /// Another department to hand the email over to, before anything is written for it.
    pub department: Option<DepartmentId>,
}

/// A new inbound email as a department's start and inbound workflows see it.
pub(super) struct Arrival<'a> {
    /// The department whose workflows run.
    pub dept: DepartmentId,
    /// The alias the email came to (inbound workflows serving it run).
    pub alias: AliasId,
    /// The department's message parts (with the alias's overrides in its own department).
    pub parts: MessageParts,
    /// The email.
    pub content: &'a InboundContent,
    /// Its customer in `dept`; `None` while the sender is not one yet (no attributes).
    pub customer: Option<CustomerId>,
    /// Whether it starts a case.
    pub new_case: bool,
    /// Where it waits unless a workflow says otherwise.
    pub queue: QueueId,
    /// Whether a route to another department is followed (once: not after a hand-over).
    pub may_hand_over: bool,
    /// Now.
    pub now: Timestamp,
}

impl InboundPlan {
    /// No workflow: the activity waits in `queue`.
    pub(super) fn queued(queue: QueueId) -> InboundPlan {
        InboundPlan {
            queue: Some(queue),
            ..Default::default()
        }
    }

    /// The plan of the department the email was handed over to, after `self`'s: its runs come
    /// first, its notifications still go, its custom attributes stay under the new ones.
    pub(super) fn then(self, mut next: InboundPlan) -> InboundPlan {
        let mut runs = self.runs;
        runs.append(&mut next.runs);
        next.runs = runs;
        let mut notify = self.notify;
        notify.append(&mut next.notify);
        next.notify = notify;
        let mut attributes = self.attributes;
        attributes.extend(next.attributes);
        next.attributes = attributes;
        next
    }

    /// Adds a note to the last run record.
    pub(super) fn note(&mut self, text: String) {
        if let Some(last) = self.runs.last_mut() {
            last.notes.push(text);
        }
    }

    /// Whether the plan completes its activity right away.
    pub(super) fn settles(&self) -> bool {
        self.auto_reply.is_some_and(|(_, complete)| complete)
    }
}

/// A workflow run as its `workflow_ran` event records it.
pub(crate) fn run_record(r: &Ran) -> WorkflowRan {
    WorkflowRan {
        workflow_id: r.workflow,
        version: r.version,
        name: r.name.clone(),
        path: r.path.clone(),
        stopped: r.stopped,
        alarm: false,
        outbound: false,
        route: None,
        notes: Vec::new(),
    }
}

/// Runs the start and inbound workflows for a new inbound email and resolves their effects:
/// a queue, user, group, department, category or article that does not fit is left out, with a
/// note in the run record.
pub(super) async fn plan_inbound(
    tx: &mut Tx<'_>,
    lib: &Library,
    a: Arrival<'_>,
) -> Result<InboundPlan, StoreError> {
    let Arrival {
        dept,
        parts,
        content,
        customer,
        new_case,
        queue,
        now,
        ..
    } = a;
    let mut plan = InboundPlan {
        parts,
        ..InboundPlan::queued(queue)
    };
    let programs = lib.inbound(dept, a.alias);
    if programs.is_empty() {
        return Ok(plan);
    }
    let attrs = match customer {
        Some(k) => tx.customer_attributes(k).await?,
        None => CustomAttributes::new(),
    };
    let m = Message::of_inbound(content);
    let facts = Facts {
        now,
        message: Some(&m),
        activity: ActivityFacts {
            channel: ChannelKind::InboundEmail,
            status: ActivityStatus::Queued,
            priority: Priority::default().get(),
            category: None,
            attributes: CustomAttributes::new(),
            queue: Some(queue),
            subject: content.subject.clone(),
            waiting_secs: None,
            service_level_secs: None,
        },
        customer: &attrs,
        new_case,
        agent: None,
    };
    let out = run_with(programs, lib.scanner(dept), &facts);
    // Gather what the effects name, then resolve them (a pure decision).
    let e = out.effects;
    let arrival = resolve::Arrival {
        dept,
        queue,
        new_case,
        automatic: content.kind.is_automatic(),
        may_hand_over: a.may_hand_over,
    };
    let mut looked = resolve::Looked::default();
    if let Some(k) = e.category {
        looked.category_refusal = tx.category_refusal(dept, k).await?;
    }
    if let Some(to) = resolve::route_lookup(&e, &arrival) {
        looked.route = Some(route_target(tx, to, dept).await?);
    }
    let handed_over = resolve::hands_over(&e, looked.route).is_some();
    let (ack, answer) = resolve::answer_lookups(&e, &arrival, handed_over);
    if let Some(named) = ack {
        looked.acknowledgement = Some(ack_article(tx, dept, &plan.parts, named).await?);
    }
    if let Some(article) = answer {
        looked.auto_reply = Some(usable_article(tx, dept, article).await?);
    }
    let r = resolve::resolve(e, &arrival, &looked);
    plan.queue = r.queue;
    plan.priority = r.priority;
    plan.category = r.category;
    plan.attributes = r.attributes;
    plan.for_user = r.for_user;
    plan.for_group = r.for_group;
    plan.department = r.department;
    plan.acknowledge = r.acknowledge;
    plan.auto_reply = r.auto_reply;
    plan.notify = r.notify;
    let mut notes = r.notes;
    let n = out.runs.len();
    for (i, run) in out.runs.iter().enumerate() {
        let mut v = run_record(run);
        if i + 1 == n {
            v.notes = std::mem::take(&mut notes);
        }
        plan.runs.push(v);
    }
    Ok(plan)
}

/// What a workflow's route names, as found for new inbound work of `dept` (mail or a chat): a queue of the
/// department that takes routed work, an active user, a group of the department, a department.
pub(crate) async fn route_target(
    tx: &mut Tx<'_>,
    to: RouteTo,
    dept: DepartmentId,
) -> Result<resolve::Found, StoreError> {
    use resolve::Found;
    let gone = |e: StoreError| match e {
        StoreError::NotFound { .. } => Ok(Found::Gone),
        e => Err(e),
    };
    match to {
        RouteTo::Queue(q) => match tx.queue(q).await {
            Ok(found) if found.accepts(dept, QueueUse::Route).is_ok() => Ok(Found::Fits),
            Ok(_) => Ok(Found::Unfit),
            Err(e) => gone(e),
        },
        RouteTo::User(u) => match tx.user(u).await {
            Ok(user) if user.active => Ok(Found::Fits),
            Ok(_) => Ok(Found::Unfit),
            Err(e) => gone(e),
        },
        RouteTo::Group(g) => Ok(match tx.group_department(g).await? {
            Some(d) if d == dept => Found::Fits,
            Some(_) => Found::Unfit,
            None => Found::Gone,
        }),
        RouteTo::Department(d) => match tx.department(d).await {
            Ok(_) => Ok(Found::Fits),
            Err(e) => gone(e),
        },
    }
}

/// The acknowledgement article: the one named, else the alias's or department's part, else the
/// department's first active auto-acknowledgement article.
async fn ack_article(
    tx: &mut Tx<'_>,
    dept: DepartmentId,
    parts: &MessageParts,
    named: Option<ArticleId>,
) -> Result<Result<ArticleId, String>, StoreError> {
    if let Some(a) = named {
        return Ok(usable_article(tx, dept, a).await?.map(|()| a));
    }
    if let Some(a) = parts.acknowledgement
        && usable_article(tx, dept, a).await?.is_ok()
    {
        return Ok(Ok(a));
    }
    let first = tx
        .first_article(dept, ArticleKind::AutoAcknowledgement)
        .await?;
    Ok(first.ok_or_else(|| "the department has no active auto-acknowledgement article".into()))
}

/// Whether article `id` may be sent for `dept`: active and the department's.
async fn usable_article(
    tx: &mut Tx<'_>,
    dept: DepartmentId,
    id: ArticleId,
) -> Result<Result<(), String>, StoreError> {
    match tx.article(id).await {
        Ok(a) if a.department_id == dept && a.active => Ok(Ok(())),
        Ok(_) => Ok(Err(format!(
            "article {id} is inactive or of another department"
        ))),
        Err(StoreError::NotFound { .. }) => Ok(Err(format!("article {id} is gone"))),
        Err(e) => Err(e),
    }
}
