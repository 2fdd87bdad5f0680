//! Activities and their event log. Every change of an activity appends its event in the same
//! transaction: there is never an activity state without the event that led to it.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};
use switchboard_domain::event::{CaseEvent, Created, Queued, TransitionDetails};
use switchboard_domain::{
    Activity, ActivityAction, ActivityEvent, ActivityId, ActivityPatch, ActivityStatus, Actor,
    Case, CaseId, ChannelKind, CustomerId, DepartmentId, EventId, EventKind, EventPayload,
    NewActivity, NewCase, Priority, QueueId, Timestamp, UserId, ValidationError,
};

use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::{Arg, Key, Page, PageRequest, Select, col, json, parsed, to_json, ts};
use crate::{Store, cases, queues, users};

/// Filters for listing activities.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only in this status.
    pub status: Option<ActivityStatus>,
    /// Only in this queue.
    pub queue_id: Option<QueueId>,
    /// Only offered or assigned to this agent.
    pub assignee_id: Option<UserId>,
    /// Only of this case.
    pub case_id: Option<CaseId>,
    /// Only of this customer.
    pub customer_id: Option<CustomerId>,
    /// Only on this channel.
    pub channel: Option<ChannelKind>,
    /// Only created at or after this time.
    pub created_from: Option<Timestamp>,
    /// Only created before this time.
    pub created_to: Option<Timestamp>,
}

/// The list query for `f` within `scope`, and its order. Each arm of the query reads one index
/// range: a scope of several departments is split by department, a queue's or an agent's
/// activities in any status by status (their indexes lead with the status), so a page never
/// sorts more than a page per arm.
fn list_query(scope: &switchboard_domain::Scope, f: &ActivityFilter) -> (Select, Key) {
    let key = if f.created_from.is_some() || f.created_to.is_some() {
        Key::CreatedAt
    } else {
        Key::Id
    };
    let mut s = Select::new("SELECT * FROM activities");
    s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
        .eq_opt("status", f.status.map(|x| Arg::Text(x.as_str().into())))
        .eq_opt("queue_id", f.queue_id.map(|d| Arg::Int(d.0)))
        .eq_opt("assignee_id", f.assignee_id.map(|d| Arg::Int(d.0)))
        .eq_opt("case_id", f.case_id.map(|d| Arg::Int(d.0)))
        .eq_opt("customer_id", f.customer_id.map(|d| Arg::Int(d.0)))
        .eq_opt("channel", f.channel.map(|x| Arg::Text(x.as_str().into())));
    if let Some(t) = f.created_from {
        s.cond("created_at", ">=", Arg::Int(t.millis()));
    }
    if let Some(t) = f.created_to {
        s.cond("created_at", "<", Arg::Int(t.millis()));
    }
    s.scope_arms("department_id", scope, f.department_id.is_some());
    let by_status = key == Key::Id
        && f.status.is_none()
        && f.case_id.is_none()
        && f.customer_id.is_none()
        && (f.queue_id.is_some() || f.assignee_id.is_some());
    if by_status {
        let statuses: Vec<String> = ActivityStatus::ALL
            .iter()
            .map(|x| format!("'{}'", x.as_str()))
            .collect();
        s.split("status", &statuses);
    }
    (s, key)
}

pub(crate) fn from_row(r: &AnyRow) -> Result<Activity, StoreError> {
    Ok(Activity {
        id: ActivityId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        case_id: CaseId(col(r, "case_id")?),
        customer_id: CustomerId(col(r, "customer_id")?),
        channel: parsed(r, "channel", ChannelKind::parse)?,
        subject: col(r, "subject")?,
        status: parsed(r, "status", ActivityStatus::parse)?,
        sub_status: col(r, "sub_status")?,
        priority: Priority::new(col(r, "priority")?).map_err(StoreError::Internal)?,
        due_at: col::<Option<i64>>(r, "due_at")?.map(Timestamp::from_millis),
        queue_id: col::<Option<i64>>(r, "queue_id")?.map(QueueId),
        assignee_id: col::<Option<i64>>(r, "assignee_id")?.map(UserId),
        category_id: col::<Option<i64>>(r, "category_id")?.map(switchboard_domain::CategoryId),
        custom_attributes: json(r, "custom_attributes")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) fn event_from_row(r: &AnyRow) -> Result<ActivityEvent, StoreError> {
    Ok(ActivityEvent {
        id: EventId(col(r, "id")?),
        activity_id: ActivityId(col(r, "activity_id")?),
        payload: payload(r)?,
        version: stored_version(r)?,
        from_status: col::<Option<String>>(r, "from_status")?
            .map(|s| {
                ActivityStatus::parse(&s)
                    .ok_or_else(|| StoreError::Internal(format!("bad status {s}")))
            })
            .transpose()?,
        to_status: parsed(r, "to_status", ActivityStatus::parse)?,
        actor: col::<Option<i64>>(r, "actor_user_id")?
            .map_or(Actor::System, |u| Actor::User(UserId(u))),
        at: ts(r, "at")?,
    })
}

fn stored_version(r: &AnyRow) -> Result<u16, StoreError> {
    let v: i64 = col(r, "version")?;
    u16::try_from(v).map_err(|_| StoreError::Internal(format!("bad event version {v}")))
}

/// An event row's typed details.
fn payload(r: &AnyRow) -> Result<EventPayload, StoreError> {
    let kind = parsed(r, "kind", EventKind::parse)?;
    let data: String = col(r, "data")?;
    EventPayload::from_stored(kind, stored_version(r)?, &data)
        .map_err(|e| StoreError::Internal(e.to_string()))
}

pub(crate) async fn fetch<'e, E: Executor<'e, Database = Any>>(
    e: E,
    id: ActivityId,
) -> Result<Activity, StoreError> {
    crate::sql::fetch_by_id(
        e,
        "SELECT * FROM activities WHERE id = $1",
        id.0,
        "activity",
        from_row,
    )
    .await
}

/// One event to append to an activity's log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub payload: EventPayload,
    /// The status before.
    pub from: Option<ActivityStatus>,
    /// The status after.
    pub to: ActivityStatus,
    /// Who did it.
    pub actor: Actor,
}

impl NewEvent {
    /// An event that leaves the status where it is, caused by the system.
    pub fn system(status: ActivityStatus, payload: EventPayload) -> NewEvent {
        NewEvent::by(Actor::System, status, payload)
    }

    /// An event that leaves the status where it is.
    pub fn by(actor: Actor, status: ActivityStatus, payload: EventPayload) -> NewEvent {
        NewEvent {
            payload,
            from: Some(status),
            to: status,
            actor,
        }
    }
}

/// Appends one event; call inside the transaction that makes the change.
pub(crate) async fn append_event(
    c: &mut AnyConnection,
    activity: ActivityId,
    e: NewEvent,
    now: Timestamp,
) -> Result<(), StoreError> {
    append_events(c, activity, vec![e], now).await
}

/// Appends several events of one activity; call inside the transaction that makes the change.
pub(crate) async fn append_events(
    c: &mut AnyConnection,
    activity: ActivityId,
    events: Vec<NewEvent>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let all: Vec<(ActivityId, NewEvent)> = events.into_iter().map(|e| (activity, e)).collect();
    append_many(c, &all, now).await
}

/// Event rows per INSERT statement (8 values each): enough to save round trips, few enough
/// that binding stays cheap (see [`crate::sql::int_list`]).
const EVENT_ROWS: usize = 50;

/// Appends events of any activities, a few hundred per statement.
pub(crate) async fn append_many(
    c: &mut AnyConnection,
    events: &[(ActivityId, NewEvent)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let timed: Vec<(ActivityId, &NewEvent, Timestamp)> =
        events.iter().map(|(a, e)| (*a, e, now)).collect();
    append_timed(c, &timed).await
}

/// Appends events of any activities, each at its own time, in the order given.
pub(crate) async fn append_timed(
    c: &mut AnyConnection,
    events: &[(ActivityId, &NewEvent, Timestamp)],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    // Deliveries are written only while some webhook listens: one cheap look per append.
    let hooked = crate::webhook_outbox::any_active(c).await?;
    for chunk in events.chunks(EVENT_ROWS) {
        let sql = format!(
            "INSERT INTO activity_events (activity_id, kind, version, from_status, to_status, actor_user_id, at, data) VALUES {}{}",
            crate::sql::value_rows(chunk.len(), 8),
            if hooked { " RETURNING id" } else { "" }
        );
        let mut q = sqlx::query(&sql);
        for (activity, e, at) in chunk {
            q = q
                .bind(activity.0)
                .bind(e.payload.kind().as_str())
                .bind(i64::from(e.payload.kind().version()))
                .bind(e.from.map(|s| s.as_str()))
                .bind(e.to.as_str())
                .bind(e.actor.user_id().map(|u| u.0))
                .bind(at.millis())
                .bind(
                    e.payload
                        .data_json()
                        .map_err(|e| StoreError::Internal(e.to_string()))?,
                );
        }
        if !hooked {
            q.execute(&mut *c).await?;
            continue;
        }
        let ids = q
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| col::<i64>(r, "id"))
            .collect::<Result<Vec<_>, _>>()?;
        let latest = chunk
            .iter()
            .map(|e| e.2)
            .max()
            .unwrap_or(Timestamp::from_millis(0));
        crate::webhook_outbox::enqueue(c, &ids, latest).await?;
    }
    Ok(())
}

/// Checks a queue exists, is active and belongs to `dept`.
pub(crate) async fn check_queue(
    c: &mut AnyConnection,
    dept: DepartmentId,
    q: QueueId,
    field: &str,
) -> Result<switchboard_domain::Queue, StoreError> {
    let queue = queues::fetch(&mut *c, q).await.map_err(|e| match e {
        StoreError::NotFound { .. } => ValidationError::new(field, "no such queue").into(),
        e => e,
    })?;
    match queue.accepts(dept, switchboard_domain::QueueUse::Work) {
        Ok(()) => Ok(queue),
        Err(switchboard_domain::QueueRefusal::OtherDepartment) => {
            Err(ValidationError::new(field, "the queue belongs to another department").into())
        }
        Err(_) => Err(ValidationError::new(field, "the queue is inactive").into()),
    }
}

/// Only a reply being held for review (a new outbound activity) or work already in a review
/// queue enters a review queue.
pub(crate) async fn check_review_entry(
    c: &mut AnyConnection,
    a: &Activity,
    target: &switchboard_domain::Queue,
) -> Result<(), StoreError> {
    if target.kind != switchboard_domain::QueueKind::Review {
        return Ok(());
    }
    if a.status == ActivityStatus::New
        && a.channel == switchboard_domain::ChannelKind::OutboundEmail
    {
        return Ok(());
    }
    let from_review = match a.queue_id {
        Some(q) => queues::fetch(&mut *c, q).await?.kind == switchboard_domain::QueueKind::Review,
        None => false,
    };
    if from_review {
        Ok(())
    } else {
        Err(ValidationError::new(
            "queue_id",
            "only replies waiting for review enter a review queue",
        )
        .into())
    }
}

/// Checks a category exists in `dept`.
pub(crate) async fn check_category(
    c: &mut AnyConnection,
    dept: DepartmentId,
    k: switchboard_domain::CategoryId,
    field: &str,
) -> Result<(), StoreError> {
    let r = sqlx::query("SELECT department_id FROM categories WHERE id = $1")
        .bind(k.0)
        .fetch_optional(&mut *c)
        .await?;
    match r {
        None => Err(ValidationError::new(field, "no such category").into()),
        Some(r) if col::<i64>(&r, "department_id")? != dept.0 => {
            Err(ValidationError::new(field, "the category belongs to another department").into())
        }
        Some(_) => Ok(()),
    }
}

/// Why category `k` cannot be set on work of `dept`, if it cannot.
pub(crate) async fn category_refusal(
    c: &mut AnyConnection,
    dept: DepartmentId,
    k: switchboard_domain::CategoryId,
) -> Result<Option<String>, StoreError> {
    match check_category(c, dept, k, "category_id").await {
        Ok(()) => Ok(None),
        Err(StoreError::Invalid(v)) => Ok(Some(v.message)),
        Err(e) => Err(e),
    }
}

/// Checks an agent exists and is active.
pub(crate) async fn check_agent(c: &mut AnyConnection, agent: UserId) -> Result<(), StoreError> {
    let u = users::fetch(&mut *c, agent).await.map_err(|e| match e {
        StoreError::NotFound { .. } => ValidationError::new("agent_id", "no such user").into(),
        e => e,
    })?;
    if !u.active {
        return Err(ValidationError::new("agent_id", "the user is inactive").into());
    }
    Ok(())
}

/// Creates an activity (and its case when `case_id` is none), checking the case and queue.
pub(crate) async fn insert(
    c: &mut AnyConnection,
    n: &NewActivity,
    actor: Actor,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    let case = match n.case_id {
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
            k
        }
        None => {
            let new_case = NewCase {
                customer_id: n.customer_id,
                subject: n.subject.clone(),
                owner_id: None,
            };
            cases::insert(c, &new_case, now).await?
        }
    };
    if let Some(q) = n.queue_id
        && check_queue(c, case.department_id, q, "queue_id")
            .await?
            .kind
            == switchboard_domain::QueueKind::Review
    {
        return Err(ValidationError::new(
            "queue_id",
            "only replies waiting for review enter a review queue",
        )
        .into());
    }
    if let Some(k) = n.category_id {
        check_category(c, case.department_id, k, "category_id").await?;
    }
    let (activity, events) =
        insert_in_case(c, &case, n, actor, TransitionDetails::default(), now).await?;
    append_events(c, activity.id, events, now).await?;
    Ok(activity)
}

/// Creates an activity in `case` (whose customer it must have), trusting the caller that the case
/// and the queue were checked. Returns its `created` (and `queued`) events, which the caller
/// appends in the same transaction (a batch appends many activities' events at once).
/// `waits_for` goes with the queueing: the router reads whom the work waits for back from there.
pub(crate) async fn insert_in_case(
    c: &mut AnyConnection,
    case: &Case,
    n: &NewActivity,
    actor: Actor,
    waits_for: TransitionDetails,
    now: Timestamp,
) -> Result<(Activity, Vec<NewEvent>), StoreError> {
    let status = if n.queue_id.is_some() {
        ActivityStatus::Queued
    } else {
        ActivityStatus::New
    };
    let mut activity = Activity {
        id: ActivityId(0),
        department_id: case.department_id,
        case_id: case.id,
        customer_id: n.customer_id,
        channel: n.channel,
        subject: n.subject.clone(),
        status,
        sub_status: n.sub_status.clone(),
        priority: n.priority,
        due_at: n.due_at,
        queue_id: n.queue_id,
        assignee_id: None,
        category_id: n.category_id,
        custom_attributes: n.custom_attributes.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let id = insert_row(c, &activity).await?;
    activity.id = id;
    let earlier = sqlx::query("SELECT id FROM activities WHERE case_id = $1 AND id <> $2 LIMIT 1")
        .bind(case.id.0)
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    let events = arrival_events(&activity, earlier.is_none(), actor, waits_for);
    Ok((activity, events))
}

/// The events of `a` arriving as it stands: `created`, `case_opened` when it is its case's first
/// work, and `queued` when it arrives in a queue (with whom it waits for).
pub(crate) fn arrival_events(
    a: &Activity,
    opens_case: bool,
    actor: Actor,
    waits_for: TransitionDetails,
) -> Vec<NewEvent> {
    let mut events = vec![NewEvent {
        payload: EventPayload::Created(Created {
            channel: a.channel,
            case_id: a.case_id,
        }),
        from: None,
        to: ActivityStatus::New,
        actor,
    }];
    if opens_case {
        events.push(NewEvent {
            payload: EventPayload::CaseOpened(CaseEvent { case_id: a.case_id }),
            from: Some(ActivityStatus::New),
            to: ActivityStatus::New,
            actor,
        });
    }
    if let Some(queue_id) = a.queue_id {
        events.push(NewEvent {
            payload: EventPayload::Queued(Queued {
                queue_id,
                details: waits_for,
            }),
            from: Some(ActivityStatus::New),
            to: a.status,
            actor,
        });
    }
    events
}

/// Writes a new activity row as `a` stands (its id aside); returns the id it got.
pub(crate) async fn insert_row(
    c: &mut AnyConnection,
    a: &Activity,
) -> Result<ActivityId, StoreError> {
    sqlx::query(
        "INSERT INTO activities (department_id, case_id, customer_id, channel, subject, status, sub_status, priority, \
         due_at, queue_id, assignee_id, custom_attributes, category_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .bind(a.department_id.0)
    .bind(a.case_id.0)
    .bind(a.customer_id.0)
    .bind(a.channel.as_str())
    .bind(&a.subject)
    .bind(a.status.as_str())
    .bind(a.sub_status.clone())
    .bind(i64::from(a.priority))
    .bind(a.due_at.map(Timestamp::millis))
    .bind(a.queue_id.map(|q| q.0))
    .bind(a.assignee_id.map(|u| u.0))
    .bind(to_json(&a.custom_attributes)?)
    .bind(a.category_id.map(|k| k.0))
    .bind(a.version)
    .bind(a.created_at.millis())
    .bind(a.updated_at.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(StoreError::from)
    .and_then(|r| col(&r, "id"))
    .map(ActivityId)
}

pub(crate) async fn save(
    c: &mut AnyConnection,
    a: &Activity,
    now: Timestamp,
) -> Result<(), StoreError> {
    save_over(c, a, a.version, a.version + 1, now).await
}

/// Writes `a` as version `version` over the stored row if that is still of version `stored`.
pub(crate) async fn save_over(
    c: &mut AnyConnection,
    a: &Activity,
    stored: i64,
    version: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE activities SET subject = $1, status = $2, sub_status = $3, priority = $4, due_at = $5, queue_id = $6, \
         assignee_id = $7, custom_attributes = $8, category_id = $12, version = $13, updated_at = $9 WHERE id = $10 AND version = $11",
    )
    .bind(&a.subject)
    .bind(a.status.as_str())
    .bind(a.sub_status.clone())
    .bind(i64::from(a.priority))
    .bind(a.due_at.map(Timestamp::millis))
    .bind(a.queue_id.map(|q| q.0))
    .bind(a.assignee_id.map(|u| u.0))
    .bind(to_json(&a.custom_attributes)?)
    .bind(now.millis())
    .bind(a.id.0)
    .bind(stored)
    .bind(a.category_id.map(|k| k.0))
    .bind(version)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::stale("activity", a.id.0));
    }
    Ok(())
}

/// Runs a life-cycle action inside a write transaction (see [`Store::act_on_activity`]).
pub(crate) async fn act(
    c: &mut AnyConnection,
    id: ActivityId,
    action: ActivityAction,
    expected_version: Option<i64>,
    actor: Actor,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    act_with(
        c,
        id,
        action,
        expected_version,
        actor,
        TransitionDetails::default(),
        now,
    )
    .await
}

/// [`act`] with details for its event (whom queued work waits for, or is never offered to).
pub(crate) async fn act_with(
    c: &mut AnyConnection,
    id: ActivityId,
    action: ActivityAction,
    expected_version: Option<i64>,
    actor: Actor,
    details: TransitionDetails,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    let mut a = fetch(&mut *c, id).await?;
    if expected_version.is_some_and(|v| v != a.version) {
        return Err(StoreError::stale("activity", id.0));
    }
    let next = action.apply(a.state())?;
    match action {
        ActivityAction::Queue { queue_id } => {
            let target = check_queue(c, a.department_id, queue_id, "queue_id").await?;
            check_review_entry(c, &a, &target).await?;
        }
        ActivityAction::Offer { agent_id } | ActivityAction::Assign { agent_id } => {
            check_agent(c, agent_id).await?;
        }
        _ => {}
    }
    let from = a.status;
    a.set_state(next);
    save(c, &a, now).await?;
    let e = NewEvent {
        payload: EventPayload::of_action(action, details),
        from: Some(from),
        to: a.status,
        actor,
    };
    append_event(c, id, e, now).await?;
    a.version += 1;
    a.updated_at = now;
    Ok(a)
}

impl Store {
    /// Creates an activity (and a case, when none is given) with its `created` event, and its
    /// `queued` event when a queue is given.
    pub async fn create_activity(
        &self,
        input: NewActivity,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        let out = self
            .writes(move |c| {
                let n = input.clone();
                Box::pin(async move { insert(c, &n, actor, now).await })
            })
            .await;
        self.announce(&out, Notify::routing_work_changed);
        out
    }

    /// Reads an activity.
    pub async fn activity(&self, id: ActivityId) -> Result<Activity, StoreError> {
        fetch(&self.inner.read, id).await
    }

    /// Lists activities by id; with a creation-time filter, by creation time then id.
    pub async fn list_activities(
        &self,
        scope: &switchboard_domain::Scope,
        f: &ActivityFilter,
        page: &PageRequest,
    ) -> Result<Page<Activity>, StoreError> {
        let (s, key) = list_query(scope, f);
        let (rows, more) = s.page_keyed(&self.inner.read, page, key).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(match key {
            Key::Id => Page::of(items, more, |a| a.id.0),
            Key::CreatedAt => Page::of_created(items, more, |a| (a.created_at.millis(), a.id.0)),
        })
    }

    /// The database's plan for [`Store::list_activities`] with these arguments, one line per
    /// step (for tests and diagnostics: every documented filter reads along an index).
    pub async fn activity_list_plan(
        &self,
        scope: &switchboard_domain::Scope,
        f: &ActivityFilter,
        page: &PageRequest,
    ) -> Result<Vec<String>, StoreError> {
        let (s, key) = list_query(scope, f);
        self.list_plan(s, page, key).await
    }

    /// Changes descriptive fields if `patch.version` is current; records an `updated` event with
    /// the fields that really changed (none changed: nothing is written).
    pub async fn update_activity(
        &self,
        id: ActivityId,
        patch: ActivityPatch,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        self.writes(move |c| {
            let patch = patch.clone();
            Box::pin(async move {
                let mut a = fetch(&mut *c, id).await?;
                if a.version != patch.version {
                    return Err(StoreError::stale("activity", id.0));
                }
                let changed = patch.apply(&mut a);
                if changed.is_empty() {
                    return Ok(a);
                }
                if let Some(Some(k)) = patch.category_id {
                    check_category(c, a.department_id, k, "category_id").await?;
                }
                save(c, &a, now).await?;
                let e = NewEvent::by(actor, a.status, EventPayload::Updated(changed));
                append_event(c, id, e, now).await?;
                a.version += 1;
                a.updated_at = now;
                Ok(a)
            })
        })
        .await
    }

    /// Runs a life-cycle action. With `expected_version`, refuses if the activity changed since.
    /// Illegal transitions are refused with [`StoreError::Transition`] and change nothing.
    pub async fn act_on_activity(
        &self,
        id: ActivityId,
        action: ActivityAction,
        expected_version: Option<i64>,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Activity, StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move { act(c, id, action, expected_version, actor, now).await })
            })
            .await;
        self.announce(&out, Notify::routing_work_changed);
        out
    }

    /// Deletes an activity with its events.
    pub async fn delete_activity(&self, id: ActivityId) -> Result<(), StoreError> {
        let out = self
            .writes(move |c| {
                Box::pin(async move {
                    fetch(&mut *c, id).await?;
                    sqlx::query("DELETE FROM activity_events WHERE activity_id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("DELETE FROM activities WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await;
        self.announce(&out, Notify::routing_work_changed);
        out
    }

    /// An activity's events, oldest first.
    pub async fn activity_events(
        &self,
        id: ActivityId,
        page: &PageRequest,
    ) -> Result<Page<ActivityEvent>, StoreError> {
        fetch(&self.inner.read, id).await?;
        let mut s = Select::new("SELECT * FROM activity_events");
        s.eq("activity_id", Arg::Int(id.0));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |e| e.id.0))
    }

    /// Counts activities and events, and activities without a `created` event (must be zero):
    /// a consistency check used after crashes.
    pub async fn activity_consistency(&self) -> Result<(i64, i64, i64), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM activities) AS a, (SELECT COUNT(*) FROM activity_events) AS e, \
             (SELECT COUNT(*) FROM activities x WHERE NOT EXISTS \
               (SELECT 1 FROM activity_events v WHERE v.activity_id = x.id AND v.kind = 'created')) AS orphans",
        )
        .fetch_one(&self.inner.read)
        .await?;
        Ok((col(&r, "a")?, col(&r, "e")?, col(&r, "orphans")?))
    }
}
