//! What the start and inbound workflows' effects become for a new inbound email (and the start
//! workflows' for a new chat, [`resolve_chat`]): a pure
//! decision over what the ingest use case looked up for the objects the effects name. Whatever
//! does not fit — a queue, user, group, department, category or article — is left out with a
//! note for the run record, and the mail stays where it was.
//!
//! The lookups are asked in two rounds, each only when needed ([`route_lookup`], then
//! [`answer_lookups`] once it is known whether the mail is handed over), and [`resolve`] decides
//! over their answers.

use switchboard_domain::{
    ArticleId, CategoryId, CustomAttributes, DepartmentId, Priority, QueueId, UserGroupId, UserId,
};

use crate::compile::{Notice, RouteTo};
use crate::eval::Effects;

/// The new mail as the resolution needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// The department whose workflows ran.
    pub dept: DepartmentId,
    /// Where it waits unless a workflow says otherwise.
    pub queue: QueueId,
    /// Whether it starts a case.
    pub new_case: bool,
    /// Whether it is automatic mail (never answered automatically).
    pub automatic: bool,
    /// Whether a route to another department is followed (once: not after a hand-over).
    pub may_hand_over: bool,
}

/// What was found for the target of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// It exists and fits: a queue of the department that takes routed work, an active user,
    /// a group of the department, a department.
    Fits,
    /// It exists but does not fit.
    Unfit,
    /// It is gone.
    Gone,
}

/// What the ingest use case looked up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Looked {
    /// Why the category the effects set cannot be set, when it cannot.
    pub category_refusal: Option<String>,
    /// The route's target, when [`route_lookup`] asked for one.
    pub route: Option<Found>,
    /// The acknowledgement article, or why there is none, when [`answer_lookups`] asked.
    pub acknowledgement: Option<Result<ArticleId, String>>,
    /// Whether the automatic answer's article can be used, when [`answer_lookups`] asked.
    pub auto_reply: Option<Result<(), String>>,
}

/// The route target to look up, if any: a department route needs none when it names the
/// mail's own department or when the mail was handed over already.
pub fn route_lookup(e: &Effects, a: &Arrival) -> Option<RouteTo> {
    match e.route? {
        RouteTo::Department(d) if d == a.dept || !a.may_hand_over => None,
        to => Some(to),
    }
}

/// Whether the mail goes to another department: then that department's workflows decide its
/// queue and what the customer is sent.
pub fn hands_over(e: &Effects, looked_route: Option<Found>) -> Option<DepartmentId> {
    match (e.route, looked_route) {
        (Some(RouteTo::Department(d)), Some(Found::Fits)) => Some(d),
        _ => None,
    }
}

/// The articles to look up once the hand-over is known: the acknowledgement's (the named one,
/// `Some(None)` for the default) for a new case of mail written by a person, and the automatic
/// answer's.
pub fn answer_lookups(
    e: &Effects,
    a: &Arrival,
    handed_over: bool,
) -> (Option<Option<ArticleId>>, Option<ArticleId>) {
    if handed_over {
        return (None, None);
    }
    let ack = e.acknowledge.filter(|_| a.new_case && !a.automatic);
    (ack, e.auto_reply.map(|(article, _)| article))
}

/// What the effects become.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The queue; `None` when an automatic answer completes the activity.
    pub queue: Option<QueueId>,
    /// Priority.
    pub priority: Priority,
    /// Category.
    pub category: Option<CategoryId>,
    /// Custom attributes set.
    pub attributes: CustomAttributes,
    /// The user the work waits for.
    pub for_user: Option<UserId>,
    /// The user group the work waits for, in its queue.
    pub for_group: Option<UserGroupId>,
    /// Another department to hand the mail over to, before anything is written for it.
    pub department: Option<DepartmentId>,
    /// Acknowledge with this article.
    pub acknowledge: Option<ArticleId>,
    /// Answer with this article, completing the activity or not.
    pub auto_reply: Option<(ArticleId, bool)>,
    /// Notifications to send.
    pub notify: Vec<Notice>,
    /// What could not be done as asked, and why (for the last run's record).
    pub notes: Vec<String>,
}

/// Resolves the effects `e` of the workflows that ran on mail `a`, over what was looked up.
pub fn resolve(e: Effects, a: &Arrival, looked: &Looked) -> Resolution {
    let mut r = Resolution {
        queue: Some(a.queue),
        priority: e
            .priority
            .map(|p| Priority::new(i64::from(p)).unwrap_or_default())
            .unwrap_or_default(),
        category: None,
        attributes: e.attributes.clone().into_iter().collect(),
        for_user: None,
        for_group: None,
        department: None,
        acknowledge: None,
        auto_reply: None,
        notify: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(k) = e.category {
        match &looked.category_refusal {
            None => r.category = Some(k),
            Some(why) => r.notes.push(format!("category {k} not set: {why}")),
        }
    }
    if let Some(to) = e.route {
        route(&mut r, to, a, looked.route);
    }
    match r.department {
        Some(d) => r.notes.push(format!(
            "handed over to department {d}: its workflows decide the queue, acknowledgement and answer"
        )),
        None => answers(&mut r, &e, a, looked),
    }
    r.notify = e.notify;
    r
}

/// What the start workflows' effects become for a new chat: its queue, user or group, priority,
/// category and attributes as for mail. What only mail has — an acknowledgement, an automatic
/// answer, notifications by email, a hand-over to another department (the customer is already
/// talking to this one's entry point) — is left out, with a note.
pub fn resolve_chat(mut e: Effects, a: &Arrival, looked: &Looked) -> Resolution {
    let mut skipped = Vec::new();
    if e.acknowledge.take().is_some() {
        skipped.push("acknowledge: a chat is answered by its agent".to_string());
    }
    if e.auto_reply.take().is_some() {
        skipped.push("auto_reply: a chat is answered by its agent".to_string());
    }
    if !e.notify.is_empty() {
        e.notify.clear();
        skipped.push("notify: not sent for chats".to_string());
    }
    if let Some(RouteTo::Department(d)) = e.route
        && d != a.dept
    {
        e.route = None;
        skipped.push(format!(
            "department {d}: a chat stays with its entry point's department, in queue {}",
            a.queue
        ));
    }
    let a = Arrival {
        may_hand_over: false,
        automatic: false,
        ..*a
    };
    let mut r = resolve(e, &a, looked);
    r.notes.extend(skipped);
    r
}

/// A workflow's route: a target that is gone, does not fit, or (for a department) may not be
/// followed leaves the mail where it was, with a note.
fn route(r: &mut Resolution, to: RouteTo, a: &Arrival, found: Option<Found>) {
    let stays = format!(": the mail stays in queue {}", a.queue);
    let found = found.unwrap_or(Found::Gone);
    match (to, found) {
        (RouteTo::Queue(q), Found::Fits) => r.queue = Some(q),
        (RouteTo::Queue(q), Found::Unfit) => r.notes.push(format!(
            "queue {q} is inactive, a review queue or of another department{stays}"
        )),
        (RouteTo::Queue(q), Found::Gone) => r.notes.push(format!("queue {q} is gone{stays}")),
        (RouteTo::User(u), Found::Fits) => r.for_user = Some(u),
        (RouteTo::User(u), Found::Unfit) => r
            .notes
            .push(format!("user {u} is inactive{stays} for everyone")),
        (RouteTo::User(u), Found::Gone) => r
            .notes
            .push(format!("user {u} is gone{stays} for everyone")),
        (RouteTo::Group(g), Found::Fits) => r.for_group = Some(g),
        (RouteTo::Group(g), Found::Unfit) => r.notes.push(format!(
            "user group {g} is of another department{stays} for everyone"
        )),
        (RouteTo::Group(g), Found::Gone) => r
            .notes
            .push(format!("user group {g} is gone{stays} for everyone")),
        (RouteTo::Department(d), _) if d == a.dept => {}
        (RouteTo::Department(d), _) if !a.may_hand_over => r.notes.push(format!(
            "department {d}: mail handed over once is not handed over again{stays}"
        )),
        (RouteTo::Department(d), Found::Fits) => r.department = Some(d),
        (RouteTo::Department(d), _) => r.notes.push(format!("department {d} is gone{stays}")),
    }
}

/// The acknowledgement and the automatic answer: never for automatic mail, an acknowledgement
/// only for a new case; an article that cannot be used is left out with a note.
fn answers(r: &mut Resolution, e: &Effects, a: &Arrival, looked: &Looked) {
    if e.acknowledge.is_some() {
        if !a.new_case {
            r.notes.push("acknowledge: not a new case".into());
        } else if a.automatic {
            r.notes
                .push("acknowledge: automatic mail is never answered".into());
        } else {
            match &looked.acknowledgement {
                Some(Ok(id)) => r.acknowledge = Some(*id),
                Some(Err(why)) => r.notes.push(format!("acknowledge: {why}")),
                None => r
                    .notes
                    .push("acknowledge: the article was not looked up".into()),
            }
        }
    }
    if let Some((article, complete)) = e.auto_reply {
        match &looked.auto_reply {
            Some(Ok(())) if !a.automatic => {
                r.auto_reply = Some((article, complete));
                if complete {
                    r.queue = None;
                }
            }
            Some(Ok(())) => r
                .notes
                .push("auto_reply: automatic mail is never answered".into()),
            Some(Err(why)) => r.notes.push(format!("auto_reply: {why}")),
            None => r
                .notes
                .push("auto_reply: the article was not looked up".into()),
        }
    }
}

#[cfg(test)]
mod tests;
