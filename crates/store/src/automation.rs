//! Workflows at work inside the store's write jobs: the compiled library (reloaded when the
//! `workflow` generation read in the same transaction changed), the plan the start and inbound
//! workflows make for a new inbound email, and its application — classification, queue,
//! acknowledgement, automatic answer, notifications and the run records — in the transaction
//! that creates the activity. So an acknowledgement is sent exactly when its case is created.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::AnyConnection;
use switchboard_domain::EventPayload;
use switchboard_domain::event::{Acknowledged, AutoReplied, Changes, Notified, WorkflowRan};
use switchboard_domain::template::{self, Values};
use switchboard_domain::{
    Activity, ActivityAction, Actor, Alias, AliasId, ArticleId, ArticleKind, CalendarId,
    CategoryId, CustomAttributes, CustomerId, DepartmentId, EmailAddress, InboundContent, Mailbox,
    MessageParts, OpenHours, Priority, QueueId, Timestamp, UserGroupId, UserId,
};
use switchboard_workflow::resolve;
use switchboard_workflow::{
    ActivityFacts, Facts, Message, Notice, Program, Ran, RouteTo, Scanner, WorkflowKind, compile,
    run_with,
};

use crate::activities::{self, NewEvent};
use crate::error::StoreError;
use crate::sql::col;
use crate::{calendars, compose, departments, kb, outbox, queues, users, workflows};

/// Compiled active workflows of every department, at one generation.
#[derive(Default)]
pub struct Library {
    generation: i64,
    depts: HashMap<DepartmentId, Programs>,
}

#[derive(Default)]
struct Programs {
    start: Vec<Program>,
    inbound: Vec<Program>,
    outbound: Vec<Program>,
    alarm: Vec<Program>,
    /// The start and inbound workflows' text tests merged: one scan per field of an email.
    scanner: Option<Scanner>,
}

impl Library {
    /// The merged text index of the department's start and inbound workflows.
    pub(crate) fn scanner(&self, dept: DepartmentId) -> Option<&Scanner> {
        self.depts.get(&dept).and_then(|p| p.scanner.as_ref())
    }

    /// The department's start workflows, then the inbound ones serving `alias`.
    pub(crate) fn inbound(
        &self,
        dept: DepartmentId,
        alias: switchboard_domain::AliasId,
    ) -> Vec<&Program> {
        let Some(p) = self.depts.get(&dept) else {
            return vec![];
        };
        p.start
            .iter()
            .chain(p.inbound.iter().filter(|w| w.serves(alias)))
            .collect()
    }
}

impl Library {
    /// The department's outbound workflows.
    pub(crate) fn outbound(&self, dept: DepartmentId) -> Vec<&Program> {
        self.depts
            .get(&dept)
            .map(|p| p.outbound.iter().collect())
            .unwrap_or_default()
    }

    /// Every department's alarm workflows.
    pub fn alarms(&self) -> impl Iterator<Item = &Program> {
        self.depts.values().flat_map(|p| p.alarm.iter())
    }
}

/// The library shared by the store's jobs.
#[derive(Default)]
pub(crate) struct LibraryCache(Mutex<Option<Arc<Library>>>);

impl LibraryCache {
    /// The library at the generation committed now (one small read when nothing changed).
    pub(crate) async fn current(&self, c: &mut AnyConnection) -> Result<Arc<Library>, StoreError> {
        let generation = workflows::generation(c).await?;
        let cached = self.0.lock().ok().and_then(|g| g.clone());
        if let Some(l) = cached
            && l.generation == generation
        {
            return Ok(l);
        }
        let lib = Arc::new(load(c, generation).await?);
        if let Ok(mut g) = self.0.lock() {
            *g = Some(Arc::clone(&lib));
        }
        Ok(lib)
    }
}

impl crate::Store {
    /// The compiled workflows at the generation committed now.
    pub async fn workflow_library(&self) -> Result<Arc<Library>, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        self.inner.library.current(&mut c).await
    }
}

async fn load(c: &mut AnyConnection, generation: i64) -> Result<Library, StoreError> {
    let mut cals: HashMap<CalendarId, Arc<OpenHours>> = HashMap::new();
    for r in sqlx::query("SELECT * FROM calendars")
        .fetch_all(&mut *c)
        .await?
    {
        let cal = calendars::from_row(&r)?;
        match OpenHours::new(&cal) {
            Ok(h) => {
                cals.insert(cal.id, Arc::new(h));
            }
            Err(e) => {
                tracing::warn!(calendar = cal.id.0, error = %e, "a stored calendar does not validate; conditions on it never hold")
            }
        }
    }
    let mut lib = Library {
        generation,
        depts: HashMap::new(),
    };
    for w in workflows::active_all(c).await? {
        let p = match compile(&w, &cals) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(workflow = w.id.0, error = %e, "a stored workflow does not compile; it is skipped");
                continue;
            }
        };
        let d = lib.depts.entry(w.department_id).or_default();
        match w.kind {
            WorkflowKind::Start => d.start.push(p),
            WorkflowKind::Inbound => d.inbound.push(p),
            WorkflowKind::Outbound => d.outbound.push(p),
            WorkflowKind::Alarm => d.alarm.push(p),
        }
    }
    for (dept, p) in &mut lib.depts {
        match Scanner::new(p.start.iter().chain(p.inbound.iter())) {
            Ok(s) => p.scanner = Some(s),
            Err(e) => {
                tracing::warn!(department = dept.0, error = %e, "the department's workflows are scanned one by one: their merged text tests exceed the size limits")
            }
        }
    }
    Ok(lib)
}

/// What the inbound workflows decided for one email, resolved against the store.
#[derive(Debug, Default)]
pub(crate) struct InboundPlan {
    /// The queue; `None` when an automatic answer completes the activity.
    pub queue: Option<QueueId>,
    pub priority: Priority,
    pub category: Option<CategoryId>,
    pub attributes: CustomAttributes,
    acknowledge: Option<ArticleId>,
    auto_reply: Option<(ArticleId, bool)>,
    notify: Vec<Notice>,
    runs: Vec<WorkflowRan>,
    /// The department's message parts with the alias's overrides.
    parts: MessageParts,
    /// The user the work waits for (a workflow routed it to them).
    pub for_user: Option<UserId>,
    /// The user group the work waits for, in its queue.
    pub for_group: Option<UserGroupId>,
    /// Another department to hand the email over to, before anything is written for it.
    pub department: Option<DepartmentId>,
}

/// A new inbound email as a department's start and inbound workflows see it.
pub(crate) struct Arrival<'a> {
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
    pub(crate) fn queued(queue: QueueId) -> InboundPlan {
        InboundPlan {
            queue: Some(queue),
            ..Default::default()
        }
    }

    /// The plan of the department the email was handed over to, after `self`'s: its runs come
    /// first, its notifications still go, its custom attributes stay under the new ones.
    pub(crate) fn then(self, mut next: InboundPlan) -> InboundPlan {
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
    pub(crate) fn note(&mut self, text: String) {
        if let Some(last) = self.runs.last_mut() {
            last.notes.push(text);
        }
    }
}

/// Runs the start and inbound workflows for a new inbound email and resolves their effects:
/// a queue, user, group, department, category or article that does not fit is left out, with a
/// note in the run record.
pub(crate) async fn plan_inbound(
    c: &mut AnyConnection,
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
    let row = match customer {
        Some(k) => {
            sqlx::query("SELECT attributes FROM customers WHERE id = $1")
                .bind(k.0)
                .fetch_optional(&mut *c)
                .await?
        }
        None => None,
    };
    let attrs: CustomAttributes = match row {
        Some(r) => crate::sql::json(&r, "attributes")?,
        None => CustomAttributes::new(),
    };
    let m = Message::of_inbound(content);
    let facts = Facts {
        now,
        message: Some(&m),
        activity: ActivityFacts {
            channel: switchboard_domain::ChannelKind::InboundEmail,
            status: switchboard_domain::ActivityStatus::Queued,
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
        looked.category_refusal = activities::category_refusal(c, dept, k).await?;
    }
    if let Some(to) = resolve::route_lookup(&e, &arrival) {
        looked.route = Some(route_target(c, to, dept).await?);
    }
    let handed_over = resolve::hands_over(&e, looked.route).is_some();
    let (ack, answer) = resolve::answer_lookups(&e, &arrival, handed_over);
    if let Some(named) = ack {
        looked.acknowledgement = Some(ack_article(c, dept, &parts, named).await?);
    }
    if let Some(article) = answer {
        looked.auto_reply = Some(usable_article(c, dept, article).await?);
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

/// What a workflow's route names, as found for new inbound work of `dept`: a queue of the
/// department that takes routed work, an active user, a group of the department, a department.
async fn route_target(
    c: &mut AnyConnection,
    to: RouteTo,
    dept: DepartmentId,
) -> Result<resolve::Found, StoreError> {
    use resolve::Found;
    let gone = |e: StoreError| match e {
        StoreError::NotFound { .. } => Ok(Found::Gone),
        e => Err(e),
    };
    match to {
        RouteTo::Queue(q) => match queues::fetch(&mut *c, q).await {
            Ok(found)
                if found
                    .accepts(dept, switchboard_domain::QueueUse::Route)
                    .is_ok() =>
            {
                Ok(Found::Fits)
            }
            Ok(_) => Ok(Found::Unfit),
            Err(e) => gone(e),
        },
        RouteTo::User(u) => match users::fetch(&mut *c, u).await {
            Ok(user) if user.active => Ok(Found::Fits),
            Ok(_) => Ok(Found::Unfit),
            Err(e) => gone(e),
        },
        RouteTo::Group(g) => {
            let found = sqlx::query("SELECT department_id FROM user_groups WHERE id = $1")
                .bind(g.0)
                .fetch_optional(&mut *c)
                .await?;
            Ok(match found {
                Some(r) if col::<i64>(&r, "department_id")? == dept.0 => Found::Fits,
                Some(_) => Found::Unfit,
                None => Found::Gone,
            })
        }
        RouteTo::Department(d) => match departments::fetch(&mut *c, d).await {
            Ok(_) => Ok(Found::Fits),
            Err(e) => gone(e),
        },
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

/// Writes a workflow's notifications about `a` from `alias` into the outbox (placeholders
/// filled once for all); returns their emails in order.
pub(crate) async fn send_notifications(
    c: &mut AnyConnection,
    a: &Activity,
    alias: &Alias,
    notices: &[Notice],
    now: Timestamp,
) -> Result<Vec<switchboard_domain::EmailId>, StoreError> {
    if notices.is_empty() {
        return Ok(Vec::new());
    }
    let values = compose::values(c, a, alias).await?;
    let mut sent = Vec::with_capacity(notices.len());
    for n in notices {
        sent.push(notify(c, a, alias, n, &values, now).await?);
    }
    Ok(sent)
}

/// Applies a run's category and attributes to `a` (a category that does not fit is left out,
/// with a note), recording what changed for the `updated` event.
pub(crate) async fn classify(
    c: &mut AnyConnection,
    a: &mut Activity,
    e: &switchboard_workflow::Effects,
    changed: &mut Changes,
    notes: &mut Vec<String>,
) -> Result<(), StoreError> {
    let refusal = match switchboard_workflow::apply::category_to_check(a, e) {
        Some(k) => activities::category_refusal(c, a.department_id, k).await?,
        None => None,
    };
    switchboard_workflow::apply::classify(a, e, refusal.as_deref(), changed, notes);
    Ok(())
}

/// The acknowledgement article: the one named, else the alias's or department's part, else the
/// department's first active auto-acknowledgement article.
async fn ack_article(
    c: &mut AnyConnection,
    dept: DepartmentId,
    parts: &MessageParts,
    named: Option<ArticleId>,
) -> Result<Result<ArticleId, String>, StoreError> {
    if let Some(a) = named {
        return Ok(usable_article(c, dept, a).await?.map(|()| a));
    }
    if let Some(a) = parts.acknowledgement
        && usable_article(c, dept, a).await?.is_ok()
    {
        return Ok(Ok(a));
    }
    let r = sqlx::query(
        "SELECT id FROM articles WHERE department_id = $1 AND kind = $2 AND active = 1 ORDER BY id LIMIT 1",
    )
    .bind(dept.0)
    .bind(ArticleKind::AutoAcknowledgement.as_str())
    .fetch_optional(&mut *c)
    .await?;
    Ok(match r {
        Some(r) => Ok(ArticleId(col(&r, "id")?)),
        None => Err("the department has no active auto-acknowledgement article".into()),
    })
}

async fn usable_article(
    c: &mut AnyConnection,
    dept: DepartmentId,
    id: ArticleId,
) -> Result<Result<(), String>, StoreError> {
    match kb::fetch_article(c, id).await {
        Ok(a) if a.department_id == dept && a.active => Ok(Ok(())),
        Ok(_) => Ok(Err(format!(
            "article {id} is inactive or of another department"
        ))),
        Err(StoreError::NotFound { .. }) => Ok(Err(format!("article {id} is gone"))),
        Err(e) => Err(e),
    }
}

/// Applies a plan to the activity just created (its inbound email row is written): run records,
/// acknowledgement, automatic answer (completing the activity when asked), notifications.
/// Returns the events to append.
pub(crate) async fn apply_inbound(
    c: &mut AnyConnection,
    plan: InboundPlan,
    activity: &Activity,
    alias: &Alias,
    now: Timestamp,
) -> Result<Vec<NewEvent>, StoreError> {
    let mut events = Vec::new();
    let event = |payload: EventPayload| NewEvent::system(activity.status, payload);
    for r in plan.runs {
        events.push(event(EventPayload::WorkflowRan(r)));
    }
    if plan.acknowledge.is_none() && plan.auto_reply.is_none() && plan.notify.is_empty() {
        return Ok(events);
    }
    let values = compose::values(c, activity, alias).await?;
    if let Some(article) = plan.acknowledge {
        let (text, html) = compose::composed(c, &plan.parts, article, &values).await?;
        if let Some(email) = outbox::automatic_in(c, activity, text, Some(html), now).await? {
            events.push(event(EventPayload::Acknowledged(Acknowledged {
                email_id: email,
                article_id: article,
            })));
        }
    }
    if let Some((article, complete)) = plan.auto_reply {
        let (text, html) = compose::composed(c, &plan.parts, article, &values).await?;
        if let Some(email) = outbox::automatic_in(c, activity, text, Some(html), now).await? {
            events.push(event(EventPayload::AutoReplied(AutoReplied {
                email_id: email,
                article_id: article,
                complete,
            })));
        }
    }
    for n in plan.notify {
        let email = notify(c, activity, alias, &n, &values, now).await?;
        events.push(event(EventPayload::Notified(Notified {
            email_id: email,
            to: n.to.clone(),
        })));
    }
    Ok(events)
}

/// Completes an activity an automatic answer settled (it never reaches a queue).
pub(crate) async fn complete_settled(
    c: &mut AnyConnection,
    activity: &Activity,
    now: Timestamp,
) -> Result<(), StoreError> {
    activities::act(
        c,
        activity.id,
        ActivityAction::Complete,
        None,
        Actor::System,
        now,
    )
    .await?;
    Ok(())
}

/// Whether a plan completes its activity right away.
pub(crate) fn settles(plan: &InboundPlan) -> bool {
    plan.auto_reply.is_some_and(|(_, complete)| complete)
}

/// Sends one notification about `activity`.
pub(crate) async fn notify(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
    n: &Notice,
    values: &Values,
    now: Timestamp,
) -> Result<switchboard_domain::EmailId, StoreError> {
    let subject = if n.subject.trim().is_empty() {
        format!("[{}] {}", activity.id, activity.subject)
    } else {
        template::render(&n.subject, values, false)
    };
    let mut text = template::render(&n.text, values, false);
    if let Some(a) = n.article
        && let Ok(article) = kb::fetch_article(c, a).await
    {
        let body = if article.text.trim().is_empty() {
            switchboard_domain::html_text::html_to_text(&article.html)
        } else {
            article.text
        };
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&template::render(&body, values, false));
    }
    let to: Vec<Mailbox> =
        n.to.iter()
            .filter_map(|a| EmailAddress::parse(a).ok())
            .map(|a| Mailbox {
                name: None,
                address: a.to_string(),
            })
            .collect();
    outbox::notification_in(c, alias, to, subject, text, Some(activity.case_id), now).await
}
