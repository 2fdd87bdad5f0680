//! Alarm workflows: run on a schedule over the open activities of their department.
//!
//! - **Gather**: the due workflows (the schedule is this node's), then the candidates of each,
//!   read and evaluated outside the write so reads do not hold up the writer.
//! - **Decide**: [`fire::fire`] — what the effects change, where the work goes, what is sent.
//! - **Apply**: one write job records each hit once per workflow and activity (another node may
//!   have been first), re-reads the activity and skips it when it changed since it was read, and
//!   writes the changes, notifications and run record. Transfers go back to the caller, which
//!   hands them to the router.

pub mod fire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_domain::event::Notified;
use switchboard_domain::{ActivityId, EventPayload, Timestamp, WorkflowId};
use switchboard_store::{AlarmCandidate, NewEvent, StoreError, Tx};
use switchboard_workflow::{ActivityFacts, Effects, Facts, Program, Ran, RouteTo, run};

use crate::App;
use fire::{Looked, category_to_check, fire, run_record};

/// When each alarm workflow last ran on this node.
#[derive(Default)]
pub struct AlarmClock(Mutex<HashMap<WorkflowId, Timestamp>>);

impl AlarmClock {
    /// Whether `p` is due at `now` (it never ran here, or its interval has passed).
    pub fn due(&self, p: &Program, now: Timestamp) -> bool {
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

/// One activity an alarm's conditions held on.
struct Hit {
    workflow: WorkflowId,
    activity: ActivityId,
    version: i64,
    effects: Effects,
    ran: Ran,
}

/// Activities examined per read.
const PAGE: usize = 5000;

impl App {
    /// Runs the alarm workflows that are due (each every `interval_secs`) over the open
    /// activities of their department that they have not fired on yet.
    pub async fn run_alarms(&self, now: Timestamp) -> Result<AlarmRound, StoreError> {
        let lib = self.library.current_read(&self.store).await?;
        let due: Vec<&Program> = lib.alarms().filter(|p| self.alarms.due(p, now)).collect();
        let mut round = AlarmRound {
            workflows: due.len(),
            ..AlarmRound::default()
        };
        let mut hits = Vec::new();
        for p in &due {
            round.examined += self.evaluate(p, now, &mut hits).await?;
        }
        if !hits.is_empty() {
            let hits = Arc::new(hits);
            let (n, transfers) = self
                .store
                .write(move |tx| {
                    let hits = Arc::clone(&hits);
                    Box::pin(async move { record(tx, &hits, now).await })
                })
                .await?;
            round.fired = n;
            round.transfers = transfers;
            self.store.notify().routing_work_changed();
        }
        let ids: Vec<WorkflowId> = due.iter().map(|p| p.id).collect();
        self.alarms.ran(&ids, now);
        Ok(round)
    }

    /// Evaluates one alarm workflow over its department's candidates; returns how many it
    /// looked at.
    async fn evaluate(
        &self,
        p: &Program,
        now: Timestamp,
        out: &mut Vec<Hit>,
    ) -> Result<usize, StoreError> {
        let mut after = ActivityId(0);
        let mut seen = 0;
        loop {
            let page = self
                .store
                .alarm_candidates(p.department_id, p.id, after, PAGE)
                .await?;
            for a in &page {
                after = a.id;
                let outcome = run([p], &facts(a, now));
                if outcome.effects.is_empty() {
                    continue;
                }
                let Some(ran) = outcome.runs.into_iter().next() else {
                    continue;
                };
                out.push(Hit {
                    workflow: p.id,
                    activity: a.id,
                    version: a.version,
                    effects: outcome.effects,
                    ran,
                });
            }
            seen += page.len();
            if page.len() < PAGE {
                return Ok(seen);
            }
        }
    }
}

/// What an alarm's conditions read of a candidate.
fn facts(a: &AlarmCandidate, now: Timestamp) -> Facts<'_> {
    Facts {
        now,
        message: None,
        activity: ActivityFacts {
            channel: a.channel,
            status: a.status,
            priority: a.priority,
            category: a.category,
            attributes: a.attributes.clone(),
            queue: a.queue,
            subject: a.subject.clone(),
            waiting_secs: Some(
                u64::try_from((now.millis() - a.created_at.millis()) / 1000).unwrap_or(0),
            ),
            service_level_secs: a.service_level_secs,
        },
        customer: &a.customer_attributes,
        new_case: false,
        agent: None,
    }
}

/// Writes what fired: the hit first (a pair already hit, by another node meanwhile, is
/// skipped), then the changes, notifications and the run record. An activity that changed since
/// it was read is examined again next round.
async fn record(
    mut tx: Tx<'_>,
    hits: &[Hit],
    now: Timestamp,
) -> Result<(usize, Vec<AlarmTransfer>), StoreError> {
    let mut n = 0;
    let mut transfers = Vec::new();
    for h in hits {
        // Gather.
        let mut a = match tx.activity(h.activity).await {
            Ok(a) => a,
            Err(StoreError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        if a.version != h.version || a.status.is_final() {
            continue;
        }
        if !tx.record_alarm_hit(h.workflow, h.activity, now).await? {
            continue;
        }
        n += 1;
        let e = &h.effects;
        let mut looked = Looked::default();
        if let Some(k) = category_to_check(&a, e) {
            looked.category_refusal = tx.category_refusal(a.department_id, k).await?;
        }
        let sender = match e.notify.is_empty() {
            true => None,
            false => tx.notification_sender(a.id, a.department_id).await?,
        };
        looked.has_sender = sender.is_some();
        // Decide.
        let firing = fire(&mut a, e, &looked);
        // Apply.
        let status = a.status;
        let mut events = vec![NewEvent::system(
            status,
            EventPayload::WorkflowRan(run_record(&h.ran, &firing)),
        )];
        if !firing.changes.is_empty() {
            tx.save_activity(&a, now).await?;
            a.version += 1;
            events.push(NewEvent::system(
                status,
                EventPayload::Updated(firing.changes.clone()),
            ));
        }
        if let Some(to) = firing.route {
            transfers.push(AlarmTransfer {
                activity: a.id,
                workflow: h.workflow,
                to,
            });
        }
        if let Some(alias) = &sender
            && !firing.notify.is_empty()
        {
            let sent = crate::notify::send(&mut tx, &a, alias, &firing.notify, now).await?;
            for (email, notice) in sent.into_iter().zip(&firing.notify) {
                let notified = Notified {
                    email_id: email,
                    to: notice.to.clone(),
                };
                events.push(NewEvent::system(status, EventPayload::Notified(notified)));
            }
        }
        tx.append_events(a.id, events, now).await?;
    }
    Ok((n, transfers))
}
