//! Alarm workflows: run on a schedule over the open activities of their department. Candidates
//! are read and evaluated outside the write (reads do not hold up the writer); what fired is
//! written in one job — the hit (once per workflow and activity, `alarm_hits`), the new
//! priority, category and attributes with an `updated` event, notifications, the run record —
//! and transfers are handed back for the router to make.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::AnyConnection;
use switchboard_domain::EventPayload;
use switchboard_domain::event::{Changes, Notified};
use switchboard_domain::{
    ActivityId, ActivityStatus, Alias, AliasId, ChannelKind, CustomAttributes, DepartmentId,
    Priority, QueueId, Timestamp, WorkflowId,
};
use switchboard_workflow::{ActivityFacts, Effects, Facts, Program, Ran, RouteTo, run};

use crate::activities::{self, NewEvent};
use crate::error::StoreError;
use crate::sql::{col, json, parsed};
use crate::store::Store;
use crate::{aliases, automation, compose};

/// When each alarm workflow last ran on this node.
#[derive(Default)]
pub(crate) struct AlarmClock(Mutex<HashMap<WorkflowId, Timestamp>>);

impl AlarmClock {
    fn due(&self, p: &Program, now: Timestamp) -> bool {
        let last = self.0.lock().ok().and_then(|m| m.get(&p.id).copied());
        last.is_none_or(|t| now.millis() - t.millis() >= i64::from(p.interval_secs) * 1000)
    }

    fn ran(&self, ids: &[WorkflowId], now: Timestamp) {
        if let Ok(mut m) = self.0.lock() {
            for id in ids {
                m.insert(*id, now);
            }
        }
    }
}

/// What one alarm round did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AlarmRound {
    /// Alarm workflows that were due and ran.
    pub workflows: usize,
    /// Open activities they looked at.
    pub examined: usize,
    /// Alarms fired (a workflow with an effect on an activity, at most once per pair).
    pub fired: usize,
    /// Transfers the alarms asked for; the router makes them.
    pub transfers: Vec<AlarmTransfer>,
}

/// A transfer an alarm asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmTransfer {
    /// The activity.
    pub activity: ActivityId,
    /// The alarm workflow.
    pub workflow: WorkflowId,
    /// Where to.
    pub to: RouteTo,
}

/// One activity an alarm fired on.
struct Fired {
    activity: ActivityId,
    version: i64,
    effects: Effects,
    ran: Ran,
}

/// Activities examined per query.
const PAGE: i64 = 5000;

impl Store {
    /// Runs the alarm workflows that are due (each every `interval_secs`) over the open
    /// activities of their department that they have not fired on yet.
    pub async fn run_alarms(&self, now: Timestamp) -> Result<AlarmRound, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let lib = self.inner.library.current(&mut c).await?;
        let due: Vec<&Program> = lib
            .alarms()
            .filter(|p| self.inner.alarms.due(p, now))
            .collect();
        let mut round = AlarmRound {
            workflows: due.len(),
            ..AlarmRound::default()
        };
        let mut fired = Vec::new();
        for p in &due {
            round.examined += evaluate(&mut c, p, now, &mut fired).await?;
        }
        drop(c);
        if !fired.is_empty() {
            let fired = std::sync::Arc::new(fired);
            let (n, transfers) = self
                .inner
                .writer
                .write(move |c| {
                    let fired = std::sync::Arc::clone(&fired);
                    Box::pin(async move { record(c, &fired, now).await })
                })
                .await?;
            round.fired = n;
            round.transfers = transfers;
            self.inner.notify.routing_work_changed();
        }
        let ids: Vec<WorkflowId> = due.iter().map(|p| p.id).collect();
        self.inner.alarms.ran(&ids, now);
        Ok(round)
    }
}

/// Evaluates one alarm workflow over its department's open activities it has not fired on;
/// returns how many it looked at.
async fn evaluate(
    c: &mut AnyConnection,
    p: &Program,
    now: Timestamp,
    out: &mut Vec<(WorkflowId, Fired)>,
) -> Result<usize, StoreError> {
    let sql = format!(
        "SELECT a.id, a.version, a.channel, a.status, a.priority, a.category_id, a.custom_attributes, \
         a.queue_id, a.subject, a.created_at, q.service_level_secs, cu.attributes AS customer_attributes \
         FROM activities a LEFT JOIN queues q ON q.id = a.queue_id JOIN customers cu ON cu.id = a.customer_id \
         WHERE a.department_id = $1 AND a.status IN ({}) AND a.id > $2 \
         AND NOT EXISTS (SELECT 1 FROM alarm_hits h WHERE h.workflow_id = $3 AND h.activity_id = a.id) \
         ORDER BY a.id LIMIT $4",
        crate::routing::OPEN
    );
    let mut after = 0i64;
    let mut seen = 0usize;
    loop {
        let rows = sqlx::query(&sql)
            .bind(p.department_id.0)
            .bind(after)
            .bind(p.id.0)
            .bind(PAGE)
            .fetch_all(&mut *c)
            .await?;
        let n = rows.len();
        for r in &rows {
            let id: i64 = col(r, "id")?;
            after = id;
            let created: i64 = col(r, "created_at")?;
            let customer: CustomAttributes = json(r, "customer_attributes")?;
            let facts = Facts {
                now,
                message: None,
                activity: ActivityFacts {
                    channel: parsed(r, "channel", ChannelKind::parse)?,
                    status: parsed(r, "status", ActivityStatus::parse)?,
                    priority: u8::try_from(col::<i64>(r, "priority")?).unwrap_or(5),
                    category: col::<Option<i64>>(r, "category_id")?
                        .map(switchboard_domain::CategoryId),
                    attributes: json(r, "custom_attributes")?,
                    queue: col::<Option<i64>>(r, "queue_id")?.map(QueueId),
                    subject: col(r, "subject")?,
                    waiting_secs: Some(u64::try_from((now.millis() - created) / 1000).unwrap_or(0)),
                    service_level_secs: col::<Option<i64>>(r, "service_level_secs")?
                        .and_then(|s| u64::try_from(s).ok()),
                },
                customer: &customer,
                new_case: false,
                agent: None,
            };
            let outcome = run([p], &facts);
            if outcome.effects.is_empty() {
                continue;
            }
            let Some(ran) = outcome.runs.into_iter().next() else {
                continue;
            };
            out.push((
                p.id,
                Fired {
                    activity: ActivityId(id),
                    version: col(r, "version")?,
                    effects: outcome.effects,
                    ran,
                },
            ));
        }
        seen += n;
        if i64::try_from(n).unwrap_or(0) < PAGE {
            return Ok(seen);
        }
    }
}

/// Writes what fired: the hit first (a pair already hit, by another node meanwhile, is skipped),
/// then the changes, notifications and the run record. An activity that changed since it was
/// read is examined again next round.
async fn record(
    c: &mut AnyConnection,
    fired: &[(WorkflowId, Fired)],
    now: Timestamp,
) -> Result<(usize, Vec<AlarmTransfer>), StoreError> {
    let mut n = 0;
    let mut transfers = Vec::new();
    for (workflow, f) in fired {
        let mut a = match activities::fetch(&mut *c, f.activity).await {
            Ok(a) => a,
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        if a.version != f.version || a.status.is_final() {
            continue;
        }
        let hit = sqlx::query(
            "INSERT INTO alarm_hits (workflow_id, activity_id, fired_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workflow_id, activity_id) DO NOTHING",
        )
        .bind(workflow.0)
        .bind(f.activity.0)
        .bind(now.millis())
        .execute(&mut *c)
        .await?;
        if hit.rows_affected() == 0 {
            continue;
        }
        n += 1;
        let e = &f.effects;
        let mut notes: Vec<String> = Vec::new();
        let mut events = Vec::new();
        let status = a.status;
        let event = |payload: EventPayload| NewEvent::system(status, payload);
        let mut changed = Changes::default();
        if let Some(p) = e.priority.and_then(|p| Priority::new(i64::from(p)).ok())
            && p != a.priority
        {
            a.priority = p;
            changed.priority = Some(p);
        }
        automation::classify(c, &mut a, e, &mut changed, &mut notes).await?;
        if !changed.is_empty() {
            activities::save(c, &a, now).await?;
            a.version += 1;
            events.push(event(EventPayload::Updated(changed)));
        }
        if let Some(to) = e.route {
            transfers.push(AlarmTransfer {
                activity: a.id,
                workflow: *workflow,
                to,
            });
        }
        if !e.notify.is_empty() {
            match sender(c, a.id, a.department_id).await? {
                Some(alias) => {
                    let values = compose::values(c, &a, &alias).await?;
                    for notice in &e.notify {
                        let email = automation::notify(c, &a, &alias, notice, &values, now).await?;
                        events.push(event(EventPayload::Notified(Notified {
                            email_id: email,
                            to: notice.to.clone(),
                        })));
                    }
                }
                None => {
                    notes.push("notify: the department has no active alias to send from".into())
                }
            }
        }
        let mut ran = automation::run_record(&f.ran);
        ran.alarm = true;
        ran.route = e.route.map(|to| format!("{to:?}"));
        ran.notes = notes;
        events.insert(0, event(EventPayload::WorkflowRan(ran)));
        activities::append_events(c, a.id, events, now).await?;
    }
    Ok((n, transfers))
}

/// The alias notifications about an activity go out from: the one its mail came to, else the
/// department's first active alias.
async fn sender(
    c: &mut AnyConnection,
    activity: ActivityId,
    dept: DepartmentId,
) -> Result<Option<Alias>, StoreError> {
    let r = sqlx::query(
        "SELECT alias_id FROM emails WHERE activity_id = $1 AND alias_id IS NOT NULL ORDER BY id LIMIT 1",
    )
    .bind(activity.0)
    .fetch_optional(&mut *c)
    .await?;
    let id = match r {
        Some(r) => Some(AliasId(col(&r, "alias_id")?)),
        None => sqlx::query(
            "SELECT id FROM aliases WHERE department_id = $1 AND active = 1 ORDER BY id LIMIT 1",
        )
        .bind(dept.0)
        .fetch_optional(&mut *c)
        .await?
        .map(|r| col(&r, "id").map(AliasId))
        .transpose()?,
    };
    match id {
        Some(id) => match aliases::fetch(&mut *c, id).await {
            Ok(a) => Ok(Some(a)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}
