//! The store's view of routing configuration and work, turned into the router's inputs.

use std::collections::BTreeMap;

use switchboard_domain::{ActivityStatus, UserGroupId};
use switchboard_routing::{
    AgentRules, Config, DepartmentRules, Event, Held, NewWork, Pin, QueueRules,
};
use switchboard_store::{RoutedActivity, RoutingConfig};

/// The router's configuration from the store's.
pub fn config(c: &RoutingConfig) -> Config {
    Config {
        departments: c
            .departments
            .iter()
            .map(|d| DepartmentRules {
                id: d.id,
                channels: d.channels.clone(),
                auto_accept: d.settings.auto_accept.iter().copied().collect(),
                exception_queue: d.exception_queue,
                personal_wait_secs: d.settings.personal_wait_secs,
                queue_if_agent_not_logged_in: d.settings.queue_if_agent_not_logged_in,
                logout_return_secs: d.settings.logout_return_secs,
            })
            .collect(),
        queues: c
            .queues
            .iter()
            .map(|q| QueueRules {
                id: q.id,
                department_id: q.department_id,
                kind: q.kind,
                routing: q.routing.clone(),
                order: q.agent_order,
                priority: q.priority,
                active: q.active,
                service_level_secs: q.service_level_secs,
            })
            .collect(),
        agents: c
            .agents
            .iter()
            .map(|a| AgentRules {
                id: a.user.id,
                department_id: a.user.department_id,
                attributes: a.user.attributes.clone(),
                groups: a
                    .groups
                    .iter()
                    .copied()
                    .collect::<std::collections::BTreeSet<UserGroupId>>(),
                capacity: a.user.capacity.clone(),
            })
            .collect(),
    }
}

/// The work the router needs for an open activity: `None` when it has no queue.
pub fn work(a: &RoutedActivity) -> Option<NewWork> {
    Some(NewWork {
        activity: a.id,
        channel: a.channel,
        queue: a.queue_id?,
        priority: a.priority,
        arrived_at: a.queued_at,
        last_agent: a.last_agent,
        required: BTreeMap::new(),
        pin: match (a.for_user, a.for_group) {
            (Some(u), _) => Some(Pin::Agent(u)),
            (None, Some(g)) => Some(Pin::Group(g)),
            (None, None) => None,
        },
        not_for: a.not_for,
        not_before: a.not_before,
    })
}

/// How its agent holds an open activity; `None` while it waits in its queue.
pub fn held(a: &RoutedActivity) -> Option<Held> {
    match a.status {
        ActivityStatus::Offered => Some(Held::Offered),
        ActivityStatus::Assigned => Some(Held::Assigned),
        ActivityStatus::InProgress => Some(Held::Working),
        ActivityStatus::Paused => Some(Held::Paused),
        _ => None,
    }
}

/// The event that puts an open activity into the router: waiting work is enqueued, work with
/// an agent restored with its holder; `None` when it has no queue.
pub fn entry(a: &RoutedActivity) -> Option<Event> {
    let work = work(a)?;
    Some(match (held(a), a.assignee_id) {
        (Some(held), Some(agent)) => Event::Restore { work, agent, held },
        _ => Event::Enqueue(work),
    })
}
