//! Writing a long history at once (a simulated year for the reports benchmark, an import).
//! Each step is checked as the live action checks it — the case, queue, category and agents
//! named, the life cycle's transition — and records the events the live action records, but a
//! batch is gathered, decided in memory and then written in bulk: one row per new case and
//! activity as it ends the batch, the events in step order a few dozen per statement, and one
//! update per activity an earlier batch wrote.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{
    Activity, ActivityAction, ActivityEvent, ActivityId, ActivityStatus, Actor, CaseId, CustomerId,
    DepartmentId, EventPayload, NewActivity, NewCase, Presence, QueueId, Timestamp, UserId,
    ValidationError,
};

use crate::activities::{self, NewEvent};
use crate::error::StoreError;
use crate::{Store, cases, customers};

/// Which activity a step acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRef {
    /// One written before.
    Known(ActivityId),
    /// The one step `n` of the same batch created.
    Created(usize),
}

/// One step of a history.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryStep {
    /// An activity arrives.
    Create {
        /// What arrives.
        input: NewActivity,
        /// When.
        at: Timestamp,
    },
    /// An event that changes nothing of the activity is recorded on it (the wait a customer
    /// was told, …).
    Record {
        /// On which.
        activity: HistoryRef,
        /// What.
        payload: EventPayload,
        /// When.
        at: Timestamp,
    },
    /// An agent's presence changes (the router's record of it, as the routing service writes
    /// it).
    Presence {
        /// How it stands after the change.
        presence: Presence,
        /// When.
        at: Timestamp,
    },
    /// Something happens to one.
    Act {
        /// To which.
        activity: HistoryRef,
        /// What.
        action: ActivityAction,
        /// By whom.
        actor: Actor,
        /// When.
        at: Timestamp,
    },
}

/// What a batch wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryWritten {
    /// The activity each step created (`None` for the other steps).
    pub created: Vec<Option<ActivityId>>,
    /// Steps the life cycle refused (left out).
    pub refused: usize,
}

impl Store {
    /// Writes `steps` in order in one transaction; a step the life cycle refuses is left out
    /// and counted. A step that names what does not exist (a customer, case, queue, category
    /// or agent) or may not be used fails the whole batch, as the live action would fail.
    pub async fn import_history(
        &self,
        steps: Vec<HistoryStep>,
    ) -> Result<HistoryWritten, StoreError> {
        self.writes(move |c| {
            let steps = steps.clone();
            Box::pin(async move { write_batch(c, &steps).await })
        })
        .await
    }

    /// Up to `limit` events after event `after`, in log order.
    pub async fn events_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ActivityEvent>, StoreError> {
        let rows = sqlx::query("SELECT * FROM activity_events WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(activities::event_from_row).collect()
    }
}

/// An activity the batch touches, as it stands after the steps decided so far.
struct Slot {
    activity: Activity,
    /// The version stored before the batch; `None` for one the batch creates.
    stored_version: Option<i64>,
    /// Whether its case is new (written with it).
    new_case: bool,
    /// Whether its arrival opens its case.
    opens_case: bool,
}

/// What a step records, before the new activities have ids.
enum Draft {
    /// The arrival of the slot's activity (`created`, maybe `case_opened`, and `queued` when it
    /// arrives in this queue).
    Arrival(Option<QueueId>),
    /// One life-cycle event.
    Event(NewEvent),
}

/// The checks a batch makes once per thing named.
#[derive(Default)]
struct Checked {
    departments: HashMap<CustomerId, DepartmentId>,
    queues: HashSet<(DepartmentId, QueueId)>,
    agents: HashSet<UserId>,
    /// Cases known to hold work (stored, or created earlier in the batch).
    cases_with_work: HashSet<CaseId>,
}

async fn write_batch(
    c: &mut AnyConnection,
    steps: &[HistoryStep],
) -> Result<HistoryWritten, StoreError> {
    let mut out = HistoryWritten {
        created: Vec::with_capacity(steps.len()),
        refused: 0,
    };
    let mut slots: Vec<Slot> = Vec::new();
    let mut slot_of_step: Vec<Option<usize>> = Vec::with_capacity(steps.len());
    let mut known: HashMap<ActivityId, usize> = HashMap::new();
    let mut drafts: Vec<(usize, Draft, Timestamp)> = Vec::with_capacity(steps.len() * 2);
    let mut checked = Checked::default();
    for step in steps {
        match step {
            HistoryStep::Create { input, at } => {
                let slot = arrival(c, &mut checked, input, *at).await?;
                slots.push(slot);
                slot_of_step.push(Some(slots.len() - 1));
                drafts.push((slots.len() - 1, Draft::Arrival(input.queue_id), *at));
            }
            HistoryStep::Presence { presence, at } => {
                slot_of_step.push(None);
                crate::agent_states::record_presence(c, std::slice::from_ref(presence), *at)
                    .await?;
            }
            HistoryStep::Record {
                activity,
                payload,
                at,
            } => {
                slot_of_step.push(None);
                let Some(slot) =
                    slot_for(c, activity, &slot_of_step, &mut known, &mut slots).await?
                else {
                    out.refused += 1;
                    continue;
                };
                let e = NewEvent::system(slots[slot].activity.status, payload.clone());
                drafts.push((slot, Draft::Event(e), *at));
            }
            HistoryStep::Act {
                activity,
                action,
                actor,
                at,
            } => {
                slot_of_step.push(None);
                let slot = slot_for(c, activity, &slot_of_step, &mut known, &mut slots).await?;
                let Some(slot) = slot else {
                    out.refused += 1;
                    continue;
                };
                let a = &mut slots[slot].activity;
                match step_event(c, &mut checked, a, *action, *actor).await? {
                    Some(e) => {
                        a.version += 1;
                        a.updated_at = *at;
                        drafts.push((slot, Draft::Event(e), *at));
                    }
                    None => out.refused += 1,
                }
            }
        }
    }
    // Apply: the new cases and activities in the order they arrived, then every event in step
    // order, then the activities earlier batches wrote.
    for slot in slots.iter_mut().filter(|s| s.stored_version.is_none()) {
        if slot.new_case {
            let n = NewCase {
                customer_id: slot.activity.customer_id,
                subject: slot.activity.subject.clone(),
                owner_id: None,
            };
            let at = slot.activity.created_at;
            slot.activity.case_id = cases::insert_for(c, slot.activity.department_id, &n, at)
                .await?
                .id;
        }
        slot.activity.id = activities::insert_row(c, &slot.activity).await?;
    }
    let mut events: Vec<(ActivityId, NewEvent, Timestamp)> = Vec::with_capacity(drafts.len());
    for (slot, draft, at) in drafts {
        let s = &slots[slot];
        match draft {
            Draft::Arrival(queue) => {
                let arrived = as_arrived(&s.activity, queue);
                for e in activities::arrival_events(
                    &arrived,
                    s.opens_case,
                    Actor::System,
                    TransitionDetails::default(),
                ) {
                    events.push((s.activity.id, e, at));
                }
            }
            Draft::Event(e) => events.push((s.activity.id, e, at)),
        }
    }
    let timed: Vec<(ActivityId, &NewEvent, Timestamp)> =
        events.iter().map(|(a, e, at)| (*a, e, *at)).collect();
    activities::append_timed(c, &timed).await?;
    for slot in &slots {
        let a = &slot.activity;
        if let Some(v) = slot.stored_version.filter(|v| *v != a.version) {
            activities::save_over(c, a, v, a.version, a.updated_at).await?;
        }
    }
    out.created = slot_of_step
        .iter()
        .map(|slot| slot.and_then(|s| slots.get(s)).map(|s| s.activity.id))
        .collect();
    Ok(out)
}

/// The slot of the activity `r` names: one created earlier in the batch (`None` when that step
/// wrote nothing), or a stored one, read at its first mention.
async fn slot_for(
    c: &mut AnyConnection,
    r: &HistoryRef,
    slot_of_step: &[Option<usize>],
    known: &mut HashMap<ActivityId, usize>,
    slots: &mut Vec<Slot>,
) -> Result<Option<usize>, StoreError> {
    let id = match r {
        HistoryRef::Created(n) => return Ok(slot_of_step.get(*n).copied().flatten()),
        HistoryRef::Known(id) => *id,
    };
    if let Some(s) = known.get(&id) {
        return Ok(Some(*s));
    }
    let a = activities::fetch(&mut *c, id).await?;
    slots.push(Slot {
        stored_version: Some(a.version),
        activity: a,
        new_case: false,
        opens_case: false,
    });
    known.insert(id, slots.len() - 1);
    Ok(Some(slots.len() - 1))
}

/// The activity as it stood when it arrived in `queue` (or in none).
fn as_arrived(a: &Activity, queue: Option<QueueId>) -> Activity {
    let mut first = a.clone();
    first.queue_id = queue;
    first.status = if queue.is_some() {
        ActivityStatus::Queued
    } else {
        ActivityStatus::New
    };
    first
}

/// Checks an arrival as the live creation does and returns its activity, not yet written.
async fn arrival(
    c: &mut AnyConnection,
    checked: &mut Checked,
    n: &NewActivity,
    at: Timestamp,
) -> Result<Slot, StoreError> {
    let (dept, case_id, new_case, opens_case) = match n.case_id {
        Some(id) => {
            let k = cases::fetch(&mut *c, id).await.map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    ValidationError::new("case_id", "no such case").into()
                }
                e => e,
            })?;
            if k.customer_id != n.customer_id {
                return Err(ValidationError::new(
                    "case_id",
                    "the case belongs to another customer",
                )
                .into());
            }
            let opens = !checked.cases_with_work.contains(&id)
                && sqlx::query("SELECT id FROM activities WHERE case_id = $1 LIMIT 1")
                    .bind(id.0)
                    .fetch_optional(&mut *c)
                    .await?
                    .is_none();
            checked.cases_with_work.insert(id);
            (k.department_id, id, false, opens)
        }
        None => {
            let dept = match checked.departments.get(&n.customer_id) {
                Some(d) => *d,
                None => {
                    let d = customers::fetch(&mut *c, n.customer_id)
                        .await
                        .map_err(|e| match e {
                            StoreError::NotFound { .. } => {
                                ValidationError::new("customer_id", "no such customer").into()
                            }
                            e => e,
                        })?
                        .department_id;
                    checked.departments.insert(n.customer_id, d);
                    d
                }
            };
            (dept, CaseId(0), true, true)
        }
    };
    if let Some(q) = n.queue_id
        && !checked.queues.contains(&(dept, q))
    {
        let queue = activities::check_queue(c, dept, q, "queue_id").await?;
        if queue.kind == switchboard_domain::QueueKind::Review {
            return Err(ValidationError::new(
                "queue_id",
                "only replies waiting for review enter a review queue",
            )
            .into());
        }
        checked.queues.insert((dept, q));
    }
    if let Some(k) = n.category_id {
        activities::check_category(c, dept, k, "category_id").await?;
    }
    let activity = Activity {
        id: ActivityId(0),
        department_id: dept,
        case_id,
        customer_id: n.customer_id,
        channel: n.channel,
        subject: n.subject.clone(),
        status: if n.queue_id.is_some() {
            ActivityStatus::Queued
        } else {
            ActivityStatus::New
        },
        sub_status: n.sub_status.clone(),
        priority: n.priority,
        due_at: n.due_at,
        queue_id: n.queue_id,
        assignee_id: None,
        category_id: n.category_id,
        custom_attributes: n.custom_attributes.clone(),
        version: 1,
        created_at: at,
        updated_at: at,
    };
    Ok(Slot {
        activity,
        stored_version: None,
        new_case,
        opens_case,
    })
}

/// Applies one life-cycle action to `a` as the live action does; returns its event, or `None`
/// when the life cycle refuses it (nothing changes then).
async fn step_event(
    c: &mut AnyConnection,
    checked: &mut Checked,
    a: &mut Activity,
    action: ActivityAction,
    actor: Actor,
) -> Result<Option<NewEvent>, StoreError> {
    let Ok(next) = action.apply(a.state()) else {
        return Ok(None);
    };
    match action {
        ActivityAction::Queue { queue_id } => {
            let target = activities::check_queue(c, a.department_id, queue_id, "queue_id").await?;
            activities::check_review_entry(c, a, &target).await?;
        }
        ActivityAction::Offer { agent_id } | ActivityAction::Assign { agent_id }
            if !checked.agents.contains(&agent_id) =>
        {
            activities::check_agent(c, agent_id).await?;
            checked.agents.insert(agent_id);
        }
        _ => {}
    }
    let from = a.status;
    a.set_state(next);
    Ok(Some(NewEvent {
        payload: EventPayload::of_action(action, TransitionDetails::default()),
        from: Some(from),
        to: a.status,
        actor,
    }))
}
