//! Writing a long history at once (a simulated year for the reports benchmark, an import): each
//! step runs through the same code as the live action — an activity created with its case and
//! events, a life-cycle action checked and recorded — but a whole batch shares one
//! transaction instead of committing each step.

use switchboard_domain::{
    ActivityAction, ActivityEvent, ActivityId, Actor, NewActivity, Timestamp,
};

use crate::Store;
use crate::activities;
use crate::error::StoreError;

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
    /// and counted.
    pub async fn import_history(
        &self,
        steps: Vec<HistoryStep>,
    ) -> Result<HistoryWritten, StoreError> {
        self.writes(move |c| {
            let steps = steps.clone();
            Box::pin(async move {
                let mut out = HistoryWritten {
                    created: Vec::with_capacity(steps.len()),
                    refused: 0,
                };
                for step in &steps {
                    match step {
                        HistoryStep::Create { input, at } => {
                            let a = activities::insert(c, input, Actor::System, *at).await?;
                            out.created.push(Some(a.id));
                        }
                        HistoryStep::Act {
                            activity,
                            action,
                            actor,
                            at,
                        } => {
                            out.created.push(None);
                            let id = match activity {
                                HistoryRef::Known(id) => Some(*id),
                                HistoryRef::Created(n) => out.created.get(*n).copied().flatten(),
                            };
                            let Some(id) = id else {
                                out.refused += 1;
                                continue;
                            };
                            match activities::act(c, id, *action, None, *actor, *at).await {
                                Ok(_) => {}
                                Err(StoreError::Transition(_)) => out.refused += 1,
                                Err(e) => return Err(e),
                            }
                        }
                    }
                }
                Ok(out)
            })
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
