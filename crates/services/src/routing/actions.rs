//! Which life-cycle actions go through the router, and what happens when it does not hold the
//! work: the one policy every caller (the API and the consoles now, chat and callback later)
//! uses, so routed work never moves behind the router's back.
//!
//! - Offers and their time-outs are the router's own: nobody else makes them.
//! - Everything else becomes a router request ([`request_for`], a pure mapping with a table
//!   test). Work the router does not hold (never queued, or past its maximum duration) is
//!   decided by the store alone; a direct assignment to someone the router cannot give work to
//!   (not logged in, no room, not an agent of routing) is released by the router and made by the
//!   store.
//! - Without a router (a server run without routing) the store decides.

use switchboard_domain::{
    Activity, ActivityAction, ActivityId, ActivityStatus, Actor, Timestamp, TransitionError, UserId,
};
use switchboard_routing::{Action, RouteError, Target};
use switchboard_store::{Store, StoreError};

use super::{Request, RouterError, RouterHandle};

/// Why an action was not done.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// Offers and their time-outs are made by the router only.
    #[error("offers are made and withdrawn by the router")]
    Routed,
    /// The action is not allowed in the activity's status.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The work is not waiting in a queue the agent serves (a pull).
    #[error("this activity is not waiting in a queue you serve")]
    NotAvailable,
    /// The agent is not logged in to routing (a pull).
    #[error("log in to take work (PUT /me/presence)")]
    NotLoggedIn,
    /// The agent has no room for more work on the channel (a pull).
    #[error("you have no room for more work on this channel")]
    NoCapacity,
    /// The router refused or failed.
    #[error(transparent)]
    Router(#[from] RouterError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The router request `action` on `a` becomes.
pub fn request_for(a: &Activity, action: ActivityAction) -> Result<Request, ActError> {
    let id = a.id;
    Ok(match action {
        ActivityAction::Offer { .. } | ActivityAction::OfferTimeout => {
            return Err(ActError::Routed);
        }
        ActivityAction::Accept | ActivityAction::Decline => {
            let Some(agent) = a.assignee_id else {
                return Err(TransitionError {
                    action: action.name(),
                    from: a.status,
                }
                .into());
            };
            if action == ActivityAction::Accept {
                Request::Accept {
                    activity: id,
                    agent,
                }
            } else {
                Request::Decline {
                    activity: id,
                    agent,
                }
            }
        }
        ActivityAction::Start => Request::Start(id),
        ActivityAction::Pause => Request::Pause(id),
        ActivityAction::Resume => Request::Resume(id),
        ActivityAction::Complete => Request::Complete(id),
        ActivityAction::Abandon => Request::Abandon(id),
        ActivityAction::Queue { queue_id } => Request::Transfer {
            activity: id,
            to: Target::Queue(queue_id),
        },
        ActivityAction::Assign { agent_id } => Request::Transfer {
            activity: id,
            to: Target::Agent(agent_id),
        },
    })
}

/// Runs `action` on activity `id` the way routed work moves (see the module docs). With
/// `expected`, refuses when the activity changed since that version.
pub async fn act(
    router: Option<&RouterHandle>,
    store: &Store,
    id: ActivityId,
    action: ActivityAction,
    expected: Option<i64>,
    actor: Actor,
    now: Timestamp,
) -> Result<Activity, ActError> {
    let Some(router) = router else {
        return Ok(store
            .act_on_activity(id, action, expected, actor, now)
            .await?);
    };
    let a = store.activity(id).await?;
    if expected.is_some_and(|v| v != a.version) {
        return Err(StoreError::stale("activity", id.0).into());
    }
    match router.request(request_for(&a, action)?, actor).await {
        Ok(_) => {}
        Err(RouterError::Refused(RouteError::UnknownActivity(_))) => {
            return Ok(store.act_on_activity(id, action, None, actor, now).await?);
        }
        Err(RouterError::Refused(
            RouteError::NotLoggedIn(_) | RouteError::NoCapacity(_) | RouteError::UnknownAgent(_),
        )) if matches!(action, ActivityAction::Assign { .. }) => {
            router.request(Request::Release(id), actor).await?;
            return Ok(store.act_on_activity(id, action, None, actor, now).await?);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(store.activity(id).await?)
}

/// Agent `agent` takes `a` for themselves: only work waiting in a queue they serve (the
/// router's pull), never work someone holds. Without the router, only waiting work nobody
/// holds.
pub async fn pull(
    router: Option<&RouterHandle>,
    store: &Store,
    agent: UserId,
    a: &Activity,
    expected: Option<i64>,
    now: Timestamp,
) -> Result<Activity, ActError> {
    if expected.is_some_and(|v| v != a.version) {
        return Err(StoreError::stale("activity", a.id.0).into());
    }
    let waiting = matches!(a.status, ActivityStatus::New | ActivityStatus::Queued);
    if a.assignee_id.is_some() || !waiting {
        return Err(ActError::NotAvailable);
    }
    let actor = Actor::User(agent);
    let Some(router) = router else {
        let action = ActivityAction::Assign { agent_id: agent };
        return Ok(store
            .act_on_activity(a.id, action, Some(a.version), actor, now)
            .await?);
    };
    let request = Request::Pull {
        agent,
        activity: Some(a.id),
    };
    match router.request(request, actor).await {
        Ok(actions) => {
            let got = actions.iter().any(|x| {
                matches!(x, Action::Assign { activity, agent: to, .. }
                    if *activity == a.id && *to == agent)
            });
            if !got {
                return Err(ActError::NotAvailable);
            }
        }
        Err(RouterError::Refused(RouteError::NotLoggedIn(_))) => return Err(ActError::NotLoggedIn),
        Err(RouterError::Refused(RouteError::NoCapacity(_))) => return Err(ActError::NoCapacity),
        Err(RouterError::Refused(_)) => return Err(ActError::NotAvailable),
        Err(e) => return Err(e.into()),
    }
    Ok(store.activity(a.id).await?)
}

#[cfg(test)]
mod tests;
