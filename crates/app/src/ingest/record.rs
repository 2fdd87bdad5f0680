//! Writing the work an email becomes: its activity (in a new case or the one it continues), or
//! an activity in the department's exception queue when nobody can route it.

use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{
    Activity, Actor, CaseId, ChannelKind, CustomerId, DepartmentId, IngestResult, NewActivity,
    NewCase, Outcome, Timestamp,
};
use switchboard_store::{EmailRow, StoreError, Tx};

use super::flow::result;
use super::lookups::Lookups;
use super::people;
use super::plan::InboundPlan;

/// Longest subject kept on an activity (the email keeps the whole subject).
const MAX_ACTIVITY_SUBJECT: usize = 2000;

/// The work to create for an email.
pub(super) struct NewWork<'a> {
    /// Its department.
    pub dept: DepartmentId,
    /// The case it continues; a new one when `None`.
    pub case: Option<CaseId>,
    /// The customer of a new case.
    pub customer: CustomerId,
    /// The email's subject.
    pub subject: &'a str,
    /// Why it waits in the exception queue, if it does.
    pub sub_status: Option<&'a str>,
}

/// An activity's subject from an email's: trimmed, no control characters, bounded.
pub(super) fn activity_subject(subject: &str) -> String {
    subject
        .trim()
        .chars()
        .filter(|ch| !ch.is_control())
        .take(MAX_ACTIVITY_SUBJECT)
        .collect()
}

/// Creates the inbound activity (joining the case when threaded; an activity belongs to its
/// case's customer, so a colleague answering in a thread adds to that customer's case). Its
/// events are written at the job's flush.
pub(super) async fn create_activity(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    w: NewWork<'_>,
    plan: &InboundPlan,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    let subject = activity_subject(w.subject);
    let case = match w.case {
        Some(k) => tx.case(k).await?,
        None => {
            let new_case = NewCase {
                customer_id: w.customer,
                subject: subject.clone(),
                owner_id: None,
            };
            tx.insert_case(w.dept, &new_case, now).await?
        }
    };
    let n = NewActivity {
        customer_id: case.customer_id,
        case_id: Some(case.id),
        channel: ChannelKind::InboundEmail,
        subject,
        priority: plan.priority,
        due_at: None,
        queue_id: plan.queue,
        sub_status: w.sub_status.map(str::to_string),
        category_id: plan.category,
        custom_attributes: plan.attributes.clone(),
    };
    let waits_for = TransitionDetails {
        for_user_id: plan.for_user,
        for_group_id: plan.for_group,
        ..TransitionDetails::default()
    };
    let (activity, events) = tx
        .insert_activity(&case, &n, Actor::System, waits_for, now)
        .await?;
    l.events
        .extend(events.into_iter().map(|e| (activity.id, e)));
    Ok(activity)
}

/// Records a message nobody can route as an activity in the exception queue, of `customer`
/// (else the department's unknown sender), with `why` as its sub-status.
pub(super) async fn to_exception_queue(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    mut row: EmailRow,
    customer: Option<CustomerId>,
    why: &str,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let customer = match customer {
        Some(cu) => cu,
        None => people::unknown_sender(tx, l, dept, now).await?,
    };
    let queue = l.exception_queue(tx, dept).await?;
    let subject = if row.subject.trim().is_empty() {
        format!("({why})")
    } else {
        row.subject.clone()
    };
    let plan = InboundPlan::queued(queue);
    let new = NewWork {
        dept,
        case: None,
        customer,
        subject: &subject,
        sub_status: Some(why),
    };
    let activity = create_activity(tx, l, new, &plan, now).await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = Outcome::ExceptionQueue;
    if row.outcome_reason.is_empty() {
        row.outcome_reason = why.to_string();
    }
    let id = l.insert_email(tx, &row, now).await?;
    Ok(result(
        id,
        Outcome::ExceptionQueue,
        Some(activity.id),
        Some(activity.case_id),
    ))
}
