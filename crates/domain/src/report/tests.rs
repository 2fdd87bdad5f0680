use super::*;
use crate::channel::ChannelKind;
use crate::event::{ActivityEvent, Actor, EventPayload};
use crate::event::{Assigned, Offered, Queued, Transition, TransitionDetails};
use crate::ids::{ActivityId, DepartmentId, EventId, QueueId, UserId};
use crate::lifecycle::ActivityStatus;
use crate::time::Timestamp;

const T0: i64 = 1_796_000_400_000; // an interval start

fn ev(n: i64, secs: i64, actor: Actor, payload: EventPayload) -> ActivityEvent {
    ActivityEvent {
        id: EventId(n),
        activity_id: ActivityId(1),
        payload,
        version: 1,
        from_status: None,
        to_status: ActivityStatus::Queued,
        actor,
        at: Timestamp::from_millis(T0 + secs * 1000),
    }
}

fn queued(q: i64) -> EventPayload {
    EventPayload::Queued(Queued {
        queue_id: QueueId(q),
        details: TransitionDetails::default(),
    })
}

fn plain() -> Transition {
    Transition { reason: None }
}

fn offered(a: i64) -> EventPayload {
    EventPayload::Offered(Offered {
        agent_id: UserId(a),
        expires_at: None,
    })
}

#[test]
fn a_life_counts_once_where_it_happened() {
    let sys = Actor::System;
    let b = Actor::User(UserId(8));
    let story = [
        ev(1, 0, sys, queued(1)),
        ev(2, 25, sys, offered(7)),
        ev(3, 55, sys, EventPayload::OfferTimedOut(plain())),
        ev(4, 56, sys, offered(8)),
        ev(5, 58, b, EventPayload::Accepted(plain())),
        ev(6, 60, b, EventPayload::Started(plain())),
        // Transferred in the next interval, assigned at once, completed 10 minutes later.
        ev(7, 900, b, queued(2)),
        ev(
            8,
            905,
            sys,
            EventPayload::Assigned(Assigned {
                agent_id: UserId(9),
                reason: None,
            }),
        ),
        ev(
            9,
            1505,
            Actor::User(UserId(9)),
            EventPayload::Completed(plain()),
        ),
    ];
    let mut t = Tracked::new(ActivityId(1), DepartmentId(3), ChannelKind::Chat);
    let mut out = Rollup::default();
    for e in &story {
        fold(&mut t, e, &mut out);
    }
    let q = |interval: i64, queue: i64| {
        out.queues
            .get(&QueueKey {
                interval: T0 + interval * INTERVAL_MS,
                department: DepartmentId(3),
                queue: QueueId(queue),
                channel: ChannelKind::Chat,
            })
            .copied()
            .unwrap_or_default()
    };
    let a = |interval: i64, agent: i64| {
        out.agents
            .get(&AgentKey {
                interval: T0 + interval * INTERVAL_MS,
                department: DepartmentId(3),
                agent: UserId(agent),
                channel: ChannelKind::Chat,
            })
            .copied()
            .unwrap_or_default()
    };
    assert_eq!(
        q(0, 1),
        QueueFigures {
            arrived: 1,
            answered: 1,
            wait_ms: 25_000,
            within: [0, 1, 1, 1, 1],
            ..QueueFigures::default()
        }
    );
    assert_eq!(
        q(1, 1),
        QueueFigures {
            transferred_out: 1,
            ..QueueFigures::default()
        }
    );
    assert_eq!(
        q(1, 2),
        QueueFigures {
            transferred_in: 1,
            answered: 1,
            wait_ms: 5_000,
            within: [1, 1, 1, 1, 1],
            completed: 1,
            ..QueueFigures::default()
        }
    );
    assert_eq!(
        a(0, 7),
        AgentFigures {
            offered: 1,
            missed: 1,
            ..AgentFigures::default()
        }
    );
    assert_eq!(
        a(0, 8),
        AgentFigures {
            offered: 1,
            accepted: 1,
            ..AgentFigures::default()
        }
    );
    assert_eq!(
        a(1, 9),
        AgentFigures {
            assigned: 1,
            completed: 1,
            handle_ms: 600_000,
            ..AgentFigures::default()
        }
    );
    assert_eq!(out.queues.len() + out.agents.len(), 6);
}

#[test]
fn abandoned_work_counts_in_its_queue_and_interval_starts_are_utc_quarters() {
    let mut t = Tracked::new(ActivityId(1), DepartmentId(3), ChannelKind::Callback);
    let mut out = Rollup::default();
    fold(&mut t, &ev(1, 10, Actor::System, queued(4)), &mut out);
    fold(
        &mut t,
        &ev(
            2,
            400,
            Actor::System,
            EventPayload::Abandoned(TransitionDetails::default()),
        ),
        &mut out,
    );
    let f = out.queues.values().next().copied().unwrap();
    assert_eq!((f.arrived, f.abandoned, f.answered), (1, 1, 0));
    assert_eq!(interval_of(T0 + 899_999), T0);
    assert_eq!(interval_of(T0 + 900_000), T0 + 900_000);
    assert_eq!(interval_of(-1), -INTERVAL_MS);
    let mut sum = Rollup::default();
    sum.merge(&out);
    sum.merge(&out);
    assert_eq!(sum.queues.values().next().unwrap().arrived, 2);
}

#[test]
fn a_hole_in_the_ids_holds_the_fold_until_it_fills_or_its_grace_ends() {
    // Without grace (one writer) everything goes.
    assert_eq!(foldable(10, &[11, 13], None, 0, 0), (2, None));
    // A hole is remembered from when it was first seen.
    let (n, gap) = foldable(10, &[11, 13, 14], None, 1_000, 30_000);
    assert_eq!(
        (n, gap),
        (
            1,
            Some(Gap {
                id: 12,
                since: 1_000
            })
        )
    );
    // Still within grace: held.
    assert_eq!(foldable(11, &[13, 14], gap, 20_000, 30_000), (0, gap));
    // Filled meanwhile: all go.
    assert_eq!(foldable(11, &[12, 13, 14], gap, 20_000, 30_000), (3, None));
    // Past grace: passed; a later hole is a new one.
    assert_eq!(
        foldable(11, &[13, 14, 16], gap, 31_000, 30_000),
        (
            2,
            Some(Gap {
                id: 15,
                since: 31_000
            })
        )
    );
}
