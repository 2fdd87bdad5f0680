//! Outbound workflows and review queues. When an agent sends a reply, the department's outbound
//! workflows run on it; the reply waits for a reviewer when a workflow says so or when the agent
//! (or one of their groups) is flagged `reviewed`. A held reply is an outbound email with no
//! outbox entry whose outbound activity waits in the review queue (the one the workflow names,
//! else the one linked to the answered activity's queue). A reviewer approves it (perhaps
//! edited): the outbox entry is written and it leaves from the alias the customer wrote to; or
//! rejects it with a comment: it is never sent, and the author sees the comment on the activity
//! they answered. Review time is its own pair of events, so service-level clocks stay honest.

use sqlx::AnyConnection;
use switchboard_domain::EventPayload;
use switchboard_domain::event::{Changes, Notified, ReviewRequested};
use switchboard_domain::review::{self, ReviewRefusal};
use switchboard_domain::{
    Activity, ActivityId, ChannelKind, CustomAttributes, EmailId, QueueId, Timestamp, UserGroupId,
    UserId,
};
use switchboard_workflow::{ActivityFacts, AgentFacts, Facts, Message, Notice, run};

use crate::activities::{self, NewEvent};
use crate::automation::{self, Library};
use crate::error::StoreError;
use crate::sql::col;
use crate::{aliases, queues};

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

/// Runs the outbound workflows on a reply to `a` by `author`, applies their changes to `a`
/// (category, attributes) and decides whether the reply waits for review, and where.
pub(crate) async fn plan(
    c: &mut AnyConnection,
    lib: &Library,
    a: &mut Activity,
    author: Option<UserId>,
    draft: &OutboundDraft,
    now: Timestamp,
) -> Result<OutboundPlan, StoreError> {
    let mut out = OutboundPlan::default();
    let agent = match author {
        Some(u) => Some(agent_facts(c, u).await?),
        None => None,
    };
    let flagged = match (author, &agent) {
        (Some(u), Some(f)) => reviewed(c, u, &f.groups).await?,
        _ => false,
    };
    let programs = lib.outbound(a.department_id);
    let mut wanted: Option<Option<QueueId>> = flagged.then_some(None);
    if !programs.is_empty() {
        let customer: CustomAttributes =
            match sqlx::query("SELECT attributes FROM customers WHERE id = $1")
                .bind(a.customer_id.0)
                .fetch_optional(&mut *c)
                .await?
            {
                Some(r) => crate::sql::json(&r, "attributes")?,
                None => CustomAttributes::new(),
            };
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
        automation::classify(c, a, &e, &mut changed, &mut notes).await?;
        if e.review.is_some() {
            wanted = Some(e.review.flatten().or(wanted.flatten()));
        }
        out.notify = e.notify;
        let n = outcome.runs.len();
        for (i, r) in outcome.runs.iter().enumerate() {
            let mut v = automation::run_record(r);
            v.outbound = true;
            if i + 1 == n {
                v.notes = std::mem::take(&mut notes);
            }
            out.events.push(event(a, EventPayload::WorkflowRan(v)));
        }
        if !changed.is_empty() {
            activities::save(c, a, now).await?;
            a.version += 1;
            out.events.push(event(a, EventPayload::Updated(changed)));
        }
    }
    if let Some(named) = wanted {
        out.review = Some(review_queue(c, a, named).await?);
    }
    Ok(out)
}

fn event(a: &Activity, payload: EventPayload) -> NewEvent {
    NewEvent::system(a.status, payload)
}

async fn agent_facts(c: &mut AnyConnection, u: UserId) -> Result<AgentFacts, StoreError> {
    let rows = sqlx::query("SELECT group_id FROM user_group_members WHERE user_id = $1")
        .bind(u.0)
        .fetch_all(&mut *c)
        .await?;
    let groups = rows
        .iter()
        .map(|r| col(r, "group_id").map(UserGroupId))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AgentFacts {
        user: Some(u),
        groups,
    })
}

/// Whether the user or one of their groups is flagged `reviewed`.
async fn reviewed(
    c: &mut AnyConnection,
    u: UserId,
    groups: &[UserGroupId],
) -> Result<bool, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT (SELECT reviewed FROM users WHERE id = $1) AS u, \
         (SELECT COUNT(*) FROM user_groups WHERE reviewed = 1 AND id IN ({})) AS g",
        crate::sql::int_list(groups.iter().map(|g| g.0).chain(std::iter::once(0)))
    ))
    .bind(u.0)
    .fetch_one(&mut *c)
    .await?;
    Ok(col::<Option<i64>>(&r, "u")?.unwrap_or(0) != 0 || col::<i64>(&r, "g")? > 0)
}

/// The review queue for a held reply: the one named (a review queue of the department), else
/// the one linked to the answered activity's queue. None usable is an error: nothing is sent
/// unreviewed.
async fn review_queue(
    c: &mut AnyConnection,
    a: &Activity,
    named: Option<QueueId>,
) -> Result<QueueId, StoreError> {
    let refuse = |r: ReviewRefusal| StoreError::Conflict(r.to_string());
    let answered = match (named, a.queue_id) {
        (None, Some(q)) => Some(queues::fetch(&mut *c, q).await?),
        _ => None,
    };
    let id = review::wanted_queue(named, answered.as_ref()).map_err(refuse)?;
    let candidate = match queues::fetch(&mut *c, id).await {
        Ok(q) => Some(q),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return Err(e),
    };
    review::usable_queue(a.department_id, id, candidate.as_ref()).map_err(refuse)
}

/// Sends the plan's notifications about `a`.
pub(crate) async fn notify(
    c: &mut AnyConnection,
    a: &Activity,
    alias: switchboard_domain::AliasId,
    notices: &[Notice],
    now: Timestamp,
) -> Result<Vec<NewEvent>, StoreError> {
    if notices.is_empty() {
        return Ok(vec![]);
    }
    let alias = aliases::fetch(&mut *c, alias).await?;
    let sent = automation::send_notifications(c, a, &alias, notices, now).await?;
    let notified = sent.into_iter().zip(notices).map(|(email, n)| {
        let sent = Notified {
            email_id: email,
            to: n.to.clone(),
        };
        event(a, EventPayload::Notified(sent))
    });
    Ok(notified.collect())
}

/// The reply an outbound activity holds for review, as `review_requested` recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldReply {
    /// The reply email (not in the outbox yet).
    pub email: EmailId,
    /// The alias it leaves from once approved.
    pub alias: switchboard_domain::AliasId,
    /// The activity it answers.
    pub answered: Option<ActivityId>,
    /// Who wrote it.
    pub author: Option<UserId>,
    /// Whether approval completes the answered activity ("Send & Complete").
    pub complete: bool,
    /// Since when it waits.
    pub since: Timestamp,
}

/// The reply outbound activity `o` holds for review; a conflict when it holds none.
pub(crate) async fn held(c: &mut AnyConnection, o: &Activity) -> Result<HeldReply, StoreError> {
    let not_held = || {
        StoreError::Conflict(format!(
            "activity {} holds no reply waiting for review",
            o.id
        ))
    };
    if o.channel != ChannelKind::OutboundEmail || o.status.is_final() {
        return Err(not_held());
    }
    let r = sqlx::query(
        "SELECT e.id, e.alias_id FROM emails e WHERE e.activity_id = $1 AND e.direction = 'outbound' \
         AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.email_id = e.id) ORDER BY e.id DESC LIMIT 1",
    )
    .bind(o.id.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(not_held)?;
    let email = EmailId(col(&r, "id")?);
    let alias = col::<Option<i64>>(&r, "alias_id")?
        .map(switchboard_domain::AliasId)
        .ok_or_else(|| StoreError::Conflict("the reply's alias was deleted".into()))?;
    let ev = sqlx::query(
        "SELECT data, at FROM activity_events WHERE activity_id = $1 AND kind = 'review_requested' ORDER BY id DESC LIMIT 1",
    )
    .bind(o.id.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(not_held)?;
    let data: String = col(&ev, "data")?;
    let (answered, author, complete) = match serde_json::from_str(&data) {
        Ok(ReviewRequested::Held {
            answered_activity_id,
            author_id,
            complete,
            ..
        }) => (Some(answered_activity_id), author_id, complete),
        _ => (None, None, false),
    };
    Ok(HeldReply {
        email,
        alias,
        answered,
        author,
        complete,
        since: Timestamp::from_millis(col(&ev, "at")?),
    })
}

/// Settles a held reply's email: approved (with the reviewer's edits, sent now) or rejected
/// (kept unsent, with the reason).
pub(crate) async fn settle(
    c: &mut AnyConnection,
    email: EmailId,
    settlement: &ReplySettlement,
    now: Timestamp,
) -> Result<(), StoreError> {
    match settlement {
        ReplySettlement::Approved {
            subject,
            text,
            html,
        } => {
            sqlx::query(
                "UPDATE emails SET subject = COALESCE($1, subject), text_body = COALESCE($2, text_body), \
                 html_body = COALESCE($3, html_body), sent_at = $4, outcome_reason = '' WHERE id = $5",
            )
            .bind(subject.clone())
            .bind(text.clone())
            .bind(html.clone())
            .bind(now.millis())
            .bind(email.0)
            .execute(&mut *c)
            .await?;
        }
        ReplySettlement::Rejected { reason } => {
            sqlx::query("UPDATE emails SET outcome_reason = $1 WHERE id = $2")
                .bind(reason)
                .bind(email.0)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// What becomes of a held reply's email.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplySettlement {
    /// Approved: the reviewer's edits (none: unchanged), sent now.
    Approved {
        /// New subject.
        subject: Option<String>,
        /// New text body.
        text: Option<String>,
        /// New HTML body.
        html: Option<String>,
    },
    /// Rejected: kept unsent, with the reason.
    Rejected {
        /// Why, as the email's outcome shows it.
        reason: String,
    },
}
