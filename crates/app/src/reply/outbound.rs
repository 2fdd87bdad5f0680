//! The outbound workflows on a reply: they run over the reply and its agent; their category
//! and attributes change the answered activity; the reply waits for a reviewer when a workflow
//! says so or when the agent (or one of their groups) is flagged `reviewed`, in the review queue
//! the workflow names, else the one linked to the answered activity's queue
//! ([`switchboard_domain::review`] decides).

use switchboard_domain::event::{Changes, Notified};
use switchboard_domain::review::{self, ReviewRefusal};
use switchboard_domain::{Activity, AliasId, EventPayload, QueueId, Timestamp, UserId};
use switchboard_store::{NewEvent, StoreError, Tx};
use switchboard_workflow::{ActivityFacts, AgentFacts, Facts, Message, Notice, run};

use crate::ingest::run_record;
use crate::library::Library;

/// What the outbound workflows and the review flags decided for one reply.
#[derive(Debug, Default)]
pub struct OutboundPlan {
    /// Hold the reply in this review queue.
    pub review: Option<QueueId>,
    /// Events for the answered activity (workflow runs, changes).
    pub events: Vec<NewEvent>,
    /// Notifications to send.
    pub notify: Vec<Notice>,
}

/// The reply as outbound workflows see it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundDraft {
    /// Subject.
    pub subject: String,
    /// To addresses.
    pub to: Vec<String>,
    /// Cc addresses.
    pub cc: Vec<String>,
    /// Text body.
    pub text: String,
}

fn event(a: &Activity, payload: EventPayload) -> NewEvent {
    NewEvent::system(a.status, payload)
}

/// Runs the outbound workflows on a reply to `a` by `author`, applies their changes to `a`
/// (category, attributes; saved) and decides whether the reply waits for review, and where.
pub async fn plan(
    tx: &mut Tx<'_>,
    lib: &Library,
    a: &mut Activity,
    author: Option<UserId>,
    draft: &OutboundDraft,
    now: Timestamp,
) -> Result<OutboundPlan, StoreError> {
    let mut out = OutboundPlan::default();
    let agent = match author {
        Some(u) => Some(AgentFacts {
            user: Some(u),
            groups: tx.groups_of(u).await?,
        }),
        None => None,
    };
    let flagged = match (author, &agent) {
        (Some(u), Some(f)) => tx.reviewed(u, &f.groups).await?,
        _ => false,
    };
    let programs = lib.outbound(a.department_id);
    let mut wanted: Option<Option<QueueId>> = flagged.then_some(None);
    if !programs.is_empty() {
        let customer = tx.customer_attributes(a.customer_id).await?;
        let m = Message {
            subject: draft.subject.clone(),
            from: vec![],
            to: draft.to.clone(),
            cc: draft.cc.clone(),
            headers: vec![],
            body: draft.text.clone(),
            attachments: vec![],
        };
        let facts = Facts {
            now,
            message: Some(&m),
            activity: ActivityFacts {
                channel: a.channel,
                status: a.status,
                priority: a.priority.get(),
                category: a.category_id,
                attributes: a.custom_attributes.clone(),
                queue: a.queue_id,
                subject: a.subject.clone(),
                waiting_secs: None,
                service_level_secs: None,
            },
            customer: &customer,
            new_case: false,
            agent: agent.as_ref(),
        };
        let outcome = run(programs, &facts);
        let e = outcome.effects;
        let mut changed = Changes::default();
        let mut notes = Vec::new();
        let refusal = match switchboard_workflow::apply::category_to_check(a, &e) {
            Some(k) => tx.category_refusal(a.department_id, k).await?,
            None => None,
        };
        switchboard_workflow::apply::classify(a, &e, refusal.as_deref(), &mut changed, &mut notes);
        if e.review.is_some() {
            wanted = Some(e.review.flatten().or(wanted.flatten()));
        }
        out.notify = e.notify;
        let n = outcome.runs.len();
        for (i, r) in outcome.runs.iter().enumerate() {
            let mut v = run_record(r);
            v.outbound = true;
            if i + 1 == n {
                v.notes = std::mem::take(&mut notes);
            }
            out.events.push(event(a, EventPayload::WorkflowRan(v)));
        }
        if !changed.is_empty() {
            tx.save_activity(a, now).await?;
            a.version += 1;
            out.events.push(event(a, EventPayload::Updated(changed)));
        }
    }
    if let Some(named) = wanted {
        out.review = Some(review_queue(tx, a, named).await?);
    }
    Ok(out)
}

/// The review queue for a held reply: the one named (a review queue of the department), else
/// the one linked to the answered activity's queue. None usable is an error: nothing is sent
/// unreviewed.
async fn review_queue(
    tx: &mut Tx<'_>,
    a: &Activity,
    named: Option<QueueId>,
) -> Result<QueueId, StoreError> {
    let refuse = |r: ReviewRefusal| StoreError::Conflict(r.to_string());
    let answered = match (named, a.queue_id) {
        (None, Some(q)) => Some(tx.queue(q).await?),
        _ => None,
    };
    let id = review::wanted_queue(named, answered.as_ref()).map_err(refuse)?;
    let candidate = match tx.queue(id).await {
        Ok(q) => Some(q),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    review::usable_queue(a.department_id, id, candidate.as_ref()).map_err(refuse)
}

/// Sends the plan's notifications about `a` from `alias`; returns their `notified` events.
pub async fn notify(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: AliasId,
    notices: &[Notice],
    now: Timestamp,
) -> Result<Vec<NewEvent>, StoreError> {
    if notices.is_empty() {
        return Ok(vec![]);
    }
    let alias = tx.alias(alias).await?;
    let sent = crate::notify::send(tx, a, &alias, notices, now).await?;
    let notified = sent.into_iter().zip(notices).map(|(email, n)| {
        let sent = Notified {
            email_id: email,
            to: n.to.clone(),
        };
        event(a, EventPayload::Notified(sent))
    });
    Ok(notified.collect())
}
