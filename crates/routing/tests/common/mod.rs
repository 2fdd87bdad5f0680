//! A small contact center for router tests, and a script runner that prints every event with
//! what the router did.

#![allow(dead_code, clippy::panic, clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use switchboard_domain::user::AgentAttribute;
use switchboard_domain::{
    ActivityId, AgentOrder, ChannelKind, DepartmentId, PrecisionStep, QueueId, QueueKind,
    QueueRouting, Timestamp, UserGroupId, UserId,
};
use switchboard_routing::{
    AgentRules, Config, DepartmentRules, Event, NewWork, QueueRules, Router,
};

pub const DEPT: DepartmentId = DepartmentId(1);
/// Skill-group queue (group 1), longest available.
pub const SALES: QueueId = QueueId(1);
/// Precision queue: `language_es AND billing >= 7` for 30 s, then `billing >= 5` for 60 s, then
/// `billing`; most skilled first.
pub const BILLING: QueueId = QueueId(2);
/// Review queue.
pub const REVIEW: QueueId = QueueId(3);
/// Skill-group queue (group 2), priority 9.
pub const VIP: QueueId = QueueId(4);
/// The exception queue.
pub const EXCEPTION: QueueId = QueueId(99);

pub fn agent(id: i64, groups: &[i64], attrs: &[(&str, u8)]) -> AgentRules {
    AgentRules {
        id: UserId(id),
        department_id: DEPT,
        attributes: attrs
            .iter()
            .map(|(k, v)| {
                let a = if *v == 0 {
                    AgentAttribute::Bool(true)
                } else {
                    AgentAttribute::Proficiency(*v)
                };
                (k.to_string(), a)
            })
            .collect(),
        groups: groups.iter().map(|g| UserGroupId(*g)).collect(),
        capacity: [
            (ChannelKind::InboundEmail, 5),
            (ChannelKind::Chat, 3),
            (ChannelKind::Callback, 1),
        ]
        .into_iter()
        .collect(),
    }
}

fn queue(
    id: QueueId,
    kind: QueueKind,
    routing: QueueRouting,
    order: AgentOrder,
    priority: u8,
) -> QueueRules {
    QueueRules {
        id,
        department_id: DEPT,
        kind,
        routing,
        order,
        priority,
        active: true,
        service_level_secs: 3600,
    }
}

/// The department: G1 (group 1, Spanish, billing 8), G2 (group 1, billing 5), G3 (group 2,
/// billing 3), G4 (groups 1 and 2, billing 9).
pub fn config() -> Config {
    let mut dept = DepartmentRules::new(DEPT);
    dept.exception_queue = Some(EXCEPTION);
    let steps = vec![
        PrecisionStep {
            expression: "language_es AND billing >= 7".into(),
            wait_secs: 30,
        },
        PrecisionStep {
            expression: "billing >= 5".into(),
            wait_secs: 60,
        },
        PrecisionStep {
            expression: "billing".into(),
            wait_secs: 0,
        },
    ];
    Config {
        departments: vec![dept],
        queues: vec![
            queue(
                SALES,
                QueueKind::Standard,
                QueueRouting::UserGroup {
                    user_group_id: UserGroupId(1),
                },
                AgentOrder::LongestAvailable,
                5,
            ),
            queue(
                BILLING,
                QueueKind::Standard,
                QueueRouting::Precision { steps },
                AgentOrder::MostSkilled,
                5,
            ),
            queue(
                REVIEW,
                QueueKind::Review,
                QueueRouting::Manual,
                AgentOrder::LongestAvailable,
                5,
            ),
            queue(
                VIP,
                QueueKind::Standard,
                QueueRouting::UserGroup {
                    user_group_id: UserGroupId(2),
                },
                AgentOrder::LongestAvailable,
                9,
            ),
            queue(
                EXCEPTION,
                QueueKind::Exception,
                QueueRouting::Manual,
                AgentOrder::LongestAvailable,
                1,
            ),
        ],
        agents: vec![
            agent(1, &[1], &[("language_es", 0), ("billing", 8)]),
            agent(2, &[1], &[("billing", 5)]),
            agent(3, &[2], &[("billing", 3)]),
            agent(4, &[1, 2], &[("billing", 9)]),
        ],
    }
}

/// New work: activity `id` on `channel` in `queue` at `t` seconds, priority 5.
pub fn work(id: i64, channel: ChannelKind, queue: QueueId, t: i64) -> Event {
    Event::Enqueue(NewWork {
        activity: ActivityId(id),
        channel,
        queue,
        priority: 5,
        arrived_at: Timestamp::from_millis(t * 1000),
        last_agent: None,
        required: BTreeMap::new(),
        pin: None,
        not_for: None,
        not_before: None,
    })
}

pub fn email(id: i64, queue: QueueId, t: i64) -> Event {
    work(id, ChannelKind::InboundEmail, queue, t)
}

pub fn chat(id: i64, queue: QueueId, t: i64) -> Event {
    work(id, ChannelKind::Chat, queue, t)
}

/// Logs the agents in and makes them ready on every channel.
pub fn ready(agents: &[i64]) -> Vec<Event> {
    agents
        .iter()
        .flat_map(|&a| {
            [
                Event::Login(UserId(a)),
                Event::SetReady {
                    agent: UserId(a),
                    channel: None,
                    ready: true,
                    reason: None,
                },
            ]
        })
        .collect()
}

/// Runs `(seconds, event)` in order, checking the invariants after each step, and prints a
/// line per event with the actions (timers that fire in between print as `(timers)`).
pub fn run(router: &mut Router, script: &[(i64, Event)]) -> String {
    let mut log = String::new();
    for (t, event) in script {
        let now = Timestamp::from_millis(t * 1000);
        let timed = router.advance(now);
        if !timed.is_empty() {
            let _ = writeln!(log, "{t:>4}s (timers)");
            for a in &timed {
                let _ = writeln!(log, "        → {a}");
            }
        }
        if let Err(e) = router.check_invariants(now) {
            panic!("after the timers at {t}s: {e}\n{log}");
        }
        let shown = show(event);
        match router.handle(now, event.clone()) {
            Ok(actions) => {
                let _ = writeln!(log, "{t:>4}s {shown}");
                for a in &actions {
                    let _ = writeln!(log, "        → {a}");
                }
            }
            Err(e) => {
                let _ = writeln!(log, "{t:>4}s {shown}\n        ✗ {e}");
            }
        }
        if let Err(e) = router.check_invariants(now) {
            panic!("after {shown} at {t}s: {e}\n{log}");
        }
    }
    log
}

fn show(e: &Event) -> String {
    match e {
        Event::Enqueue(w) => {
            let mut s = format!(
                "enqueue A{} ({}, priority {}) in Q{}",
                w.activity,
                w.channel.as_str(),
                w.priority,
                w.queue
            );
            if let Some(a) = w.last_agent {
                let _ = write!(s, ", last agent G{a}");
            }
            if !w.required.is_empty() {
                let _ = write!(s, ", requires {:?}", w.required);
            }
            match w.pin {
                Some(switchboard_routing::Pin::Agent(a)) => {
                    let _ = write!(s, ", for G{a} only");
                }
                Some(switchboard_routing::Pin::Group(g)) => {
                    let _ = write!(s, ", for group {g} only");
                }
                None => {}
            }
            s
        }
        Event::SetReady {
            agent,
            channel,
            ready,
            ..
        } => format!(
            "G{agent} {} on {}",
            if *ready { "ready" } else { "not ready" },
            channel.map_or("all channels", |c| c.as_str())
        ),
        Event::Login(a) => format!("G{a} logs in"),
        Event::Restore { work, agent, held } => format!(
            "restore A{} ({}) in Q{}, {held:?} by G{agent}",
            work.activity,
            work.channel.as_str(),
            work.queue
        ),
        Event::Logout(a) => format!("G{a} logs out"),
        other => format!("{other:?}"),
    }
}

/// A set of agent ids.
pub fn ids(v: &[i64]) -> BTreeSet<UserId> {
    v.iter().map(|i| UserId(*i)).collect()
}
