//! Property tests: random event sequences against a small center. After every event the
//! router's invariants hold (no agent over capacity on any channel, bookkeeping consistent,
//! nothing waiting while an eligible agent is available); every offer goes to an eligible
//! agent and takes nothing out of FIFO order; no activity is lost or duplicated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use proptest::prelude::*;
use switchboard_domain::{ActivityId, ChannelKind, QueueId, Timestamp, UserGroupId, UserId};
use switchboard_routing::{Action, AssignReason, Event, NewWork, Pin, Router, Target};

const QUEUES: [QueueId; 5] = [SALES, BILLING, REVIEW, VIP, EXCEPTION];
const CHANNELS: [ChannelKind; 3] = [
    ChannelKind::InboundEmail,
    ChannelKind::Chat,
    ChannelKind::Callback,
];

#[derive(Debug, Clone)]
enum Op {
    Login(i64),
    Logout(i64),
    Ready(i64, Option<usize>, bool),
    Enqueue {
        queue: usize,
        channel: usize,
        priority: u8,
        last: Option<i64>,
        billing: Option<u8>,
        pin: Option<(bool, i64)>,
    },
    Accept(usize),
    Decline(usize),
    Start(usize),
    Pause(usize),
    Resume(usize),
    Complete(usize),
    Abandon(usize),
    ToAgent(usize, i64),
    ToGroup(usize, i64),
    ToQueue(usize, usize),
    Pull(i64, Option<usize>),
    Reprioritize(usize, u8),
    Wait(i64),
    Reconfigure(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let agent = 1i64..=4;
    prop_oneof![
        1 => agent.clone().prop_map(Op::Login),
        1 => agent.clone().prop_map(Op::Logout),
        1 => (agent.clone(), proptest::option::of(0usize..3), any::<bool>())
            .prop_map(|(a, c, r)| Op::Ready(a, c, r)),
        3 => (0usize..5, 0usize..3, 1u8..=10, proptest::option::of(1i64..=4), proptest::option::of(1u8..=9), proptest::option::weighted(0.3, (any::<bool>(), 1i64..=4)))
            .prop_map(|(queue, channel, priority, last, billing, pin)| Op::Enqueue { queue, channel, priority, last, billing, pin }),
        2 => any::<usize>().prop_map(Op::Accept),
        1 => any::<usize>().prop_map(Op::Decline),
        1 => any::<usize>().prop_map(Op::Start),
        1 => any::<usize>().prop_map(Op::Pause),
        1 => any::<usize>().prop_map(Op::Resume),
        2 => any::<usize>().prop_map(Op::Complete),
        1 => any::<usize>().prop_map(Op::Abandon),
        1 => (any::<usize>(), agent.clone()).prop_map(|(k, a)| Op::ToAgent(k, a)),
        1 => (any::<usize>(), 1i64..=2).prop_map(|(k, g)| Op::ToGroup(k, g)),
        1 => (any::<usize>(), 0usize..5).prop_map(|(k, q)| Op::ToQueue(k, q)),
        1 => (agent, proptest::option::of(any::<usize>())).prop_map(|(a, k)| Op::Pull(a, k)),
        1 => (any::<usize>(), 1u8..=10).prop_map(|(k, p)| Op::Reprioritize(k, p)),
        2 => (0i64..120).prop_map(Op::Wait),
        1 => (0u8..5).prop_map(Op::Reconfigure),
    ]
}

fn config_with_limits() -> switchboard_routing::Config {
    let mut c = config();
    let d = &mut c.departments[0];
    d.personal_wait_secs = 40;
    d.logout_return_secs = 60;
    d.auto_accept.insert(ChannelKind::Callback);
    let mut chat = ChannelKind::Chat.default_settings();
    chat.max_time_in_queue_secs = 200;
    chat.max_queued = 6;
    d.channels.insert(ChannelKind::Chat, chat);
    c
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn routing_invariants_hold_for_any_event_sequence(ops in proptest::collection::vec(op(), 1..120)) {
        let mut r = Router::new(config_with_limits());
        let mut now = 0i64;
        let mut ids: Vec<ActivityId> = Vec::new();
        let mut live: BTreeSet<ActivityId> = BTreeSet::new();
        let pick = |ids: &Vec<ActivityId>, k: usize| ids.get(k % ids.len().max(1)).copied();
        for op in ops {
            let t = Timestamp::from_millis(now);
            let timed = r.advance(t);
            forget(&timed, &mut live);
            r.check_invariants(t).map_err(TestCaseError::fail)?;
            let event = match op {
                Op::Login(a) => Event::Login(UserId(a)),
                Op::Logout(a) => Event::Logout(UserId(a)),
                Op::Ready(a, c, ready) => Event::SetReady { agent: UserId(a), channel: c.map(|c| CHANNELS[c]), ready, reason: None },
                Op::Enqueue { queue, channel, priority, last, billing, pin } => {
                    let id = ActivityId(ids.len() as i64 + 1);
                    ids.push(id);
                    Event::Enqueue(NewWork {
                        activity: id,
                        channel: CHANNELS[channel],
                        queue: QUEUES[queue],
                        priority,
                        arrived_at: t,
                        last_agent: last.map(UserId),
                        required: billing.map(|b| ("billing".to_string(), b)).into_iter().collect::<BTreeMap<_, _>>(),
                        pin: pin.map(|(agent, n)| if agent { Pin::Agent(UserId(n)) } else { Pin::Group(UserGroupId(1 + n % 2)) }),
                        not_for: None,
                        not_before: None,
                    })
                }
                Op::Accept(k) | Op::Decline(k) => {
                    let Some(id) = pick(&ids, k) else { continue };
                    let agent = r.holder(id).unwrap_or(UserId(1));
                    if matches!(op, Op::Accept(_)) { Event::Accept { activity: id, agent } } else { Event::Decline { activity: id, agent } }
                }
                Op::Start(k) | Op::Pause(k) | Op::Resume(k) | Op::Complete(k) | Op::Abandon(k) => {
                    let Some(id) = pick(&ids, k) else { continue };
                    match op {
                        Op::Start(_) => Event::Start(id),
                        Op::Pause(_) => Event::Pause(id),
                        Op::Resume(_) => Event::Resume(id),
                        Op::Complete(_) => Event::Complete(id),
                        _ => Event::Abandon(id),
                    }
                }
                Op::ToAgent(k, a) => { let Some(id) = pick(&ids, k) else { continue }; Event::Transfer { activity: id, to: Target::Agent(UserId(a)) } }
                Op::ToGroup(k, g) => { let Some(id) = pick(&ids, k) else { continue }; Event::Transfer { activity: id, to: Target::Group(UserGroupId(g)) } }
                Op::ToQueue(k, q) => { let Some(id) = pick(&ids, k) else { continue }; Event::Transfer { activity: id, to: Target::Queue(QUEUES[q]) } }
                Op::Pull(a, k) => Event::Pull { agent: UserId(a), activity: k.and_then(|k| pick(&ids, k)) },
                Op::Reprioritize(k, priority) => { let Some(id) = pick(&ids, k) else { continue }; Event::Reprioritize { activity: id, priority } }
                Op::Wait(s) => { now += s * 1000; continue; }
                Op::Reconfigure(v) => {
                    let actions = r.configure(t, variant(v));
                    forget(&actions, &mut live);
                    r.check_invariants(t).map_err(|e| TestCaseError::fail(format!("after reconfiguring {v}: {e}")))?;
                    prop_assert_eq!(r.len(), live.len(), "no activity lost or duplicated");
                    continue;
                }
            };
            let before = r.len();
            match r.handle(t, event.clone()) {
                Ok(actions) => {
                    match &event {
                        Event::Enqueue(w) => { live.insert(w.activity); }
                        Event::Complete(id) | Event::Abandon(id) => { live.remove(id); }
                        _ => {}
                    }
                    forget(&actions, &mut live);
                    for a in &actions {
                        let pushed = match a {
                            Action::Offer { activity, .. } => Some(*activity),
                            Action::Assign { activity, reason: AssignReason::AutoAccept, .. } => Some(*activity),
                            _ => None,
                        };
                        if let Some(id) = pushed && r.contains(id) && r.holder(id).is_some() {
                            r.check_push(id, t).map_err(|e| TestCaseError::fail(format!("{event:?}: {e}")))?;
                        }
                    }
                }
                Err(_) => prop_assert_eq!(r.len(), before, "a refused event changed nothing"),
            }
            r.check_invariants(t).map_err(|e| TestCaseError::fail(format!("after {event:?}: {e}")))?;
            prop_assert_eq!(r.len(), live.len(), "no activity lost or duplicated");
            for id in &live {
                prop_assert!(r.contains(*id), "{} lost", id);
            }
            now += 100;
        }
    }
}

/// The configuration, changed: 0 as it was, 1 Sales inactive, 2 agent 2 gone, 3 the Billing
/// queue gone, 4 agent 1 without Spanish and in group 2 too.
fn variant(v: u8) -> switchboard_routing::Config {
    let mut c = config_with_limits();
    match v {
        1 => c.queues[0].active = false,
        2 => c.agents.retain(|a| a.id != UserId(2)),
        3 => c.queues.retain(|q| q.id != BILLING),
        4 => {
            c.agents[0].attributes.remove("language_es");
            c.agents[0].groups.insert(UserGroupId(2));
        }
        _ => {}
    }
    c
}

/// Activities the router let go of: moved to no queue, or expired.
fn forget(actions: &[Action], live: &mut BTreeSet<ActivityId>) {
    for a in actions {
        match a {
            Action::Move {
                activity, to: None, ..
            }
            | Action::Expired { activity, .. } => {
                live.remove(activity);
            }
            _ => {}
        }
    }
}

proptest! {
    /// A queue's figures are those of what waits in it, whatever the mix of priorities,
    /// lanes (channel, required attributes) and ages: how many, the oldest, and how many past
    /// the service level. (Email: it has no longest time in a queue.)
    #[test]
    fn queue_figures_count_what_waits(
        items in proptest::collection::vec((1u8..=10, 0i64..20_000, 0usize..4), 0..150),
        later in 0i64..10_000,
    ) {
        let mut r = Router::new(config());
        for (i, (priority, secs, channel)) in items.iter().enumerate() {
            let at = Timestamp::from_millis(secs * 1000);
            r.handle(at, Event::Enqueue(NewWork {
                activity: ActivityId(i as i64 + 1),
                channel: [ChannelKind::InboundEmail, ChannelKind::OutboundEmail][channel % 2],
                queue: SALES,
                priority: *priority,
                arrived_at: at,
                last_agent: None,
                required: (*channel >= 2).then(|| ("billing".to_string(), 5)).into_iter().collect(),
                pin: None,
                not_for: None,
                not_before: None,
            })).unwrap();
        }
        let now = (items.iter().map(|x| x.1).max().unwrap_or(0) + later) * 1000;
        let s = r.queue_stats(SALES, Timestamp::from_millis(now)).unwrap();
        let all = r.all_queue_stats(Timestamp::from_millis(now));
        prop_assert_eq!(all.iter().find(|x| x.queue == SALES), Some(&s));
        let oldest = items.iter().map(|x| x.1 * 1000).min();
        // SALES's service level is an hour.
        let late = items.iter().filter(|x| x.1 * 1000 < now - 3_600_000).count();
        prop_assert_eq!(s.waiting, items.len());
        prop_assert_eq!(s.oldest_wait_ms, oldest.map_or(0, |o| now - o));
        prop_assert_eq!(s.waiting_past_service_level, late);
    }
}
