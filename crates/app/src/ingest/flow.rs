//! One message's way through ingest: already stored? → which alias, which department → screen
//! (bounce, no sender, blocked) → thread → place (attach, exception, work) → workflows (and a
//! hand-over) → customer, activity, email row → the workflows' mail and events.

use switchboard_domain::inbound::{self, Placement, Screen};
use switchboard_domain::{
    ActivityId, AliasId, CaseId, CustomerId, DepartmentId, EmailAddress, EmailId, InboundContent,
    InboundEmail, IngestResult, Outcome, ThreadRule, Timestamp,
};
use switchboard_store::{EmailRow, StoreError, Tx};

use super::lookups::Lookups;
use super::plan::{self, Arrival, InboundPlan};
use super::{apply, bounce, people, record};
use crate::library::Library;

/// Ingests one message, or returns what became of it the first time.
pub(super) async fn ingest(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    m: &InboundEmail,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    if let Some(done) = l.already(tx, m).await? {
        return Ok(done);
    }
    let r = decide(tx, l, m, now).await?;
    l.remember(m, &r);
    Ok(r)
}

async fn decide(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    m: &InboundEmail,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let mailbox = l.alias(tx, m.mailbox_alias_id).await?;
    let Some(content) = &m.content else {
        let mut row = EmailRow::inbound(m, mailbox.department_id, &mailbox);
        row.outcome_reason = m
            .parse_error
            .clone()
            .unwrap_or_else(|| "the message could not be parsed".into());
        return record::to_exception_queue(tx, l, row, None, "unparseable", now).await;
    };
    let alias = people::routed_alias(tx, l, &mailbox, content).await?;
    let dept = alias.department_id;
    let settings = l.settings(tx, dept).await?;
    let mut row = EmailRow::inbound(m, dept, &alias);
    for a in &mut row.attachments {
        if settings.blocked_attachment(&a.name) {
            a.blob = None;
        }
    }
    let sender = match inbound::screen(content, &settings) {
        Screen::Bounce => return bounce::record_bounce(tx, l, row, content, now).await,
        Screen::NoSender => {
            row.outcome_reason = "the message has no usable sender address".into();
            return record::to_exception_queue(tx, l, row, None, "no_sender", now).await;
        }
        Screen::Blocked(why) => {
            row.outcome = Outcome::Blocked;
            row.outcome_reason = why;
            let id = l.insert_email(tx, &row, now).await?;
            return Ok(result(id, Outcome::Blocked, None, None));
        }
        Screen::Proceed(sender) => sender,
    };
    let (mut case, rule) = people::thread(tx, dept, content, &sender).await?;
    row.thread_rule = Some(rule);
    // Created only once the email stays in this department (not when a workflow hands it over).
    let mut customer = people::find_customer(tx, l, dept, &sender).await?;
    let takes_work = match alias.queue_id {
        Some(q) if !content.kind.is_automatic() => l.queue_usable(tx, dept, q).await?,
        _ => false,
    };
    let (usable, unrouted) = match inbound::place(content.kind, case, alias.queue_id, takes_work) {
        Placement::Attach { case, reason } => {
            row.case_id = Some(case);
            row.outcome = Outcome::Attached;
            row.outcome_reason = reason;
            let id = l.insert_email(tx, &row, now).await?;
            return Ok(result(id, Outcome::Attached, None, Some(case)));
        }
        Placement::Exception { sub_status, reason } => {
            row.outcome_reason = reason;
            let customer = match customer {
                Some(k) => k,
                None => people::create_customer(tx, l, dept, &sender, content, now).await?,
            };
            return record::to_exception_queue(tx, l, row, Some(customer), sub_status, now).await;
        }
        Placement::Work { queue } => (Some(queue), None),
        Placement::Unrouted { reason } => (None, Some(reason)),
    };
    let queue = match usable {
        Some(q) => q,
        None => l.exception_queue(tx, dept).await?,
    };
    let mut dept = dept;
    let plan = match usable {
        Some(q) => {
            let lib = l.library(tx).await?;
            let arrival = Arrival {
                dept,
                alias: alias.id,
                parts: settings.parts.overridden_by(alias.parts),
                content,
                customer,
                new_case: case.is_none(),
                queue: q,
                may_hand_over: true,
                now,
            };
            let plan = plan::plan_inbound(tx, &lib, arrival).await?;
            match plan.department {
                Some(to) => {
                    let first = Handed {
                        alias: alias.id,
                        content,
                        sender: &sender,
                        plan,
                    };
                    let h = hand_over(tx, l, &lib, first, to, now).await?;
                    dept = to;
                    case = h.case;
                    customer = Some(h.customer);
                    row.department_id = to;
                    row.thread_rule = Some(h.rule);
                    h.plan
                }
                None => plan,
            }
        }
        None => InboundPlan::queued(queue),
    };
    let customer = match customer {
        Some(k) => k,
        None => people::create_customer(tx, l, dept, &sender, content, now).await?,
    };
    let new = record::NewWork {
        dept,
        case,
        customer,
        subject: &content.subject,
        sub_status: None,
    };
    let activity = record::create_activity(tx, l, new, &plan, now).await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = if usable.is_some() {
        Outcome::Activity
    } else {
        Outcome::ExceptionQueue
    };
    if let Some(reason) = unrouted {
        row.outcome_reason = reason.into();
    }
    let id = l.insert_email(tx, &row, now).await?;
    let settles = plan.settles();
    let events = apply::apply_inbound(tx, plan, &activity, &alias, now).await?;
    l.events
        .extend(events.into_iter().map(|e| (activity.id, e)));
    if settles {
        // The events so far (created, workflow runs) go first: completion reads the activity.
        l.flush(tx, now).await?;
        apply::complete_settled(tx, &activity, now).await?;
    }
    Ok(result(
        id,
        row.outcome,
        Some(activity.id),
        Some(activity.case_id),
    ))
}

/// An email a workflow of its alias's department hands over, with that department's plan.
struct Handed<'a> {
    alias: AliasId,
    content: &'a InboundContent,
    sender: &'a EmailAddress,
    plan: InboundPlan,
}

/// An email handed over to another department.
struct HandOver {
    case: Option<CaseId>,
    rule: ThreadRule,
    customer: CustomerId,
    plan: InboundPlan,
}

/// Hands a new email over to department `to`, as a workflow of the alias's department said,
/// before anything is written for it: it is threaded among `to`'s cases and gets `to`'s
/// customer; `to`'s start workflows (and its inbound workflows for every alias) decide its
/// queue, acknowledgement and answer, by default its exception queue. The first department's
/// runs are recorded first.
async fn hand_over(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    lib: &Library,
    first: Handed<'_>,
    to: DepartmentId,
    now: Timestamp,
) -> Result<HandOver, StoreError> {
    let Handed {
        alias,
        content,
        sender,
        plan: first,
    } = first;
    let (case, rule) = people::thread(tx, to, content, sender).await?;
    let customer = people::find_or_create_customer(tx, l, to, sender, content, now).await?;
    let queue = l.exception_queue(tx, to).await?;
    let arrival = Arrival {
        dept: to,
        alias,
        parts: l.settings(tx, to).await?.parts,
        content,
        customer: Some(customer),
        new_case: case.is_none(),
        queue,
        may_hand_over: false,
        now,
    };
    let next = plan::plan_inbound(tx, lib, arrival).await?;
    let mut plan = first.then(next);
    if plan.queue == Some(queue) {
        plan.note(format!(
            "the mail waits in department {to}'s exception queue {queue}"
        ));
    }
    Ok(HandOver {
        case,
        rule,
        customer,
        plan,
    })
}

/// A new email's result.
pub(super) fn result(
    email_id: EmailId,
    outcome: Outcome,
    activity_id: Option<ActivityId>,
    case_id: Option<CaseId>,
) -> IngestResult {
    IngestResult {
        email_id,
        created: true,
        outcome,
        activity_id,
        case_id,
    }
}
