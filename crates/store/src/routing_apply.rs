//! Recording the router's decisions: life-cycle changes of many activities with their events,
//! and agents' presence, in one write.

use std::collections::HashMap;

use sqlx::AnyConnection;
use switchboard_domain::EventPayload;
use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{Activity, ActivityAction, ActivityId, Actor, Presence, Timestamp};

use crate::Store;
use crate::activities::{NewEvent, append_many, from_row, save};
use crate::error::StoreError;
use crate::sql::int_list;

/// One life-cycle change the router decided (or an agent asked for through the router).
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingChange {
    /// The activity.
    pub activity: ActivityId,
    /// What happens to it.
    pub action: ActivityAction,
    /// Who caused it.
    pub actor: Actor,
    /// What the event records next to the action (the reason, an offer's expiry…).
    pub details: TransitionDetails,
}

/// A change the store refused because the activity is not where the router thought (gone,
/// or in another status); nothing of it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingConflict {
    /// The activity.
    pub activity: ActivityId,
    /// Why.
    pub reason: String,
}

/// Activities read per query.
const FETCH_CHUNK: usize = 500;

async fn apply(
    c: &mut AnyConnection,
    changes: &[RoutingChange],
    presence: &[Presence],
    now: Timestamp,
) -> Result<Vec<RoutingConflict>, StoreError> {
    let mut current: HashMap<ActivityId, Activity> = HashMap::new();
    let mut ids: Vec<i64> = changes.iter().map(|ch| ch.activity.0).collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(FETCH_CHUNK) {
        let sql = format!(
            "SELECT * FROM activities WHERE id IN ({})",
            int_list(chunk.iter().copied())
        );
        for r in sqlx::query(&sql).fetch_all(&mut *c).await? {
            let a = from_row(&r)?;
            current.insert(a.id, a);
        }
    }
    let mut conflicts = Vec::new();
    let mut events = Vec::with_capacity(changes.len());
    let mut touched: Vec<ActivityId> = Vec::new();
    for change in changes {
        let Some(a) = current.get_mut(&change.activity) else {
            conflicts.push(RoutingConflict {
                activity: change.activity,
                reason: "the activity no longer exists".into(),
            });
            continue;
        };
        let next = match change.action.apply(a.state()) {
            Ok(next) => next,
            Err(e) => {
                conflicts.push(RoutingConflict {
                    activity: change.activity,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let from = a.status;
        a.set_state(next);
        events.push((
            change.activity,
            NewEvent {
                payload: EventPayload::of_action(change.action, change.details.clone()),
                from: Some(from),
                to: a.status,
                actor: change.actor,
            },
        ));
        if !touched.contains(&change.activity) {
            touched.push(change.activity);
        }
    }
    for id in &touched {
        if let Some(a) = current.get(id) {
            save(c, a, now).await?;
        }
    }
    append_many(c, &events, now).await?;
    crate::agent_states::record_presence(c, presence, now).await?;
    Ok(conflicts)
}

impl Store {
    /// Records the router's decisions in one transaction: each change moves its activity
    /// through the life cycle and appends its event; presence rows are replaced. A change the
    /// activity's status does not allow (or of a deleted activity) is left out and returned as
    /// a conflict; the rest is written. Returns only after the commit.
    pub async fn apply_routing(
        &self,
        changes: Vec<RoutingChange>,
        presence: Vec<Presence>,
        now: Timestamp,
    ) -> Result<Vec<RoutingConflict>, StoreError> {
        if changes.is_empty() && presence.is_empty() {
            return Ok(Vec::new());
        }
        let conflicts = self
            .writes(move |c| {
                let changes = changes.clone();
                let presence = presence.clone();
                Box::pin(async move { apply(c, &changes, &presence, now).await })
            })
            .await?;
        Ok(conflicts)
    }
}
