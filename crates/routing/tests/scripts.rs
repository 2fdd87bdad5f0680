//! Event scripts, one per routing rule, with their output as snapshots: each line is an event
//! at its time and the actions the router took (invariants are checked after every step).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::BTreeMap;

use common::*;
use switchboard_domain::{ActivityId, ChannelKind, Timestamp, UserGroupId, UserId};
use switchboard_routing::{Event, Held, NewWork, Pin, Router, Target};

fn a(id: i64) -> ActivityId {
    ActivityId(id)
}

fn g(id: i64) -> UserId {
    UserId(id)
}

fn at(t: i64, events: Vec<Event>) -> Vec<(i64, Event)> {
    events.into_iter().map(|e| (t, e)).collect()
}

fn script(parts: Vec<Vec<(i64, Event)>>) -> Vec<(i64, Event)> {
    parts.into_iter().flatten().collect()
}

#[test]
fn offer_accept_start_complete() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (5, email(10, SALES, 5)),
                (
                    7,
                    Event::Accept {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
                (8, Event::Start(a(10))),
                (60, Event::Complete(a(10))),
                (
                    61,
                    Event::Accept {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn longest_available_agent_first() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[2])),
            at(10, ready(&[1])),
            vec![(20, email(10, SALES, 20)), (21, email(11, SALES, 21))],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn start_timeout_returns_the_offer_keeping_its_age_and_the_agent_becomes_not_ready() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![(5, email(10, SALES, 5))],
            at(20, ready(&[2])),
            vec![(34, Event::Tick), (36, Event::Tick)],
        ]),
    );
    assert_eq!(
        r.order_of(a(10)).map(|k| k.1),
        Some(5000),
        "the age is kept"
    );
    insta::assert_snapshot!(log);
}

#[test]
fn an_agent_who_went_not_ready_keeps_their_reason_when_an_offer_runs_out() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (5, email(10, SALES, 5)),
                (
                    10,
                    Event::SetReady {
                        agent: g(1),
                        channel: None,
                        ready: false,
                        reason: Some("Lunch".into()),
                    },
                ),
            ],
            at(20, ready(&[2])),
            vec![(36, Event::Tick)],
        ]),
    );
    let g1 = r.agent_states().into_iter().find(|s| s.id == g(1));
    assert_eq!(
        g1.and_then(|s| s.reason).as_deref(),
        Some("Lunch"),
        "the chosen reason stays"
    );
    insta::assert_snapshot!(log);
}

#[test]
fn a_declined_offer_goes_to_someone_else_and_not_back() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (5, email(10, SALES, 5)),
                (
                    6,
                    Event::Decline {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
            ],
            at(7, ready(&[2])),
        ]),
    );
    insta::assert_snapshot!(log);
    // Offered twice, taken once.
    let stats = r.queue_stats(SALES, Timestamp::from_millis(8_000));
    assert_eq!(stats.map(|s| s.taken_today), Some(1));
}

#[test]
fn precision_steps_widen_over_time() {
    let mut r = Router::new(config());
    // G2 (billing 5) and G3 (billing 3) are ready; G1 (Spanish, billing 8) is not logged in.
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[2, 3])),
            vec![
                (1, email(10, BILLING, 1)),
                (30, Event::Tick),
                (31, Event::Tick),
                (40, email(11, BILLING, 40)),
                (
                    40,
                    Event::SetReady {
                        agent: g(2),
                        channel: None,
                        ready: false,
                        reason: Some("lunch".into()),
                    },
                ),
                (100, email(12, BILLING, 100)),
                (131, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn most_skilled_agent_first_in_a_precision_queue() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[2, 4])),
            vec![(1, email(10, BILLING, 1)), (95, email(11, BILLING, 1))],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn a_chat_interrupts_email_work_which_resumes_after() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (1, email(10, SALES, 1)),
                (
                    2,
                    Event::Accept {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
                (3, Event::Start(a(10))),
                (10, chat(20, SALES, 10)),
                (
                    11,
                    Event::Accept {
                        activity: a(20),
                        agent: g(1),
                    },
                ),
                (12, Event::Start(a(20))),
                // A chat is not interruptible: no email reaches G1 meanwhile.
                (13, email(11, SALES, 13)),
                (50, Event::Complete(a(20))),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn capacity_per_channel_holds() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (1, chat(20, SALES, 1)),
                (1, chat(21, SALES, 1)),
                (1, chat(22, SALES, 1)),
                (2, chat(23, SALES, 2)),
                (
                    3,
                    Event::Accept {
                        activity: a(20),
                        agent: g(1),
                    },
                ),
                (4, Event::Complete(a(20))),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn raised_priority_goes_first() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &[
            (1, email(10, SALES, 1)),
            (2, email(11, SALES, 2)),
            (
                3,
                Event::Reprioritize {
                    activity: a(11),
                    priority: 8,
                },
            ),
            (4, Event::Login(g(4))),
            (
                4,
                Event::SetReady {
                    agent: g(4),
                    channel: Some(ChannelKind::InboundEmail),
                    ready: true,
                    reason: None,
                },
            ),
        ],
    );
    insta::assert_snapshot!(log);
}

#[test]
fn priorities_and_fifo() {
    let mut r = Router::new(config());
    let mut urgent = match email(12, SALES, 3) {
        Event::Enqueue(w) => w,
        _ => unreachable!(),
    };
    urgent.priority = 9;
    let log = run(
        &mut r,
        &[
            (1, email(10, SALES, 1)),
            (2, email(11, SALES, 2)),
            (3, Event::Enqueue(urgent)),
            (4, email(13, VIP, 4)),
            (5, Event::Login(g(4))),
            (
                5,
                Event::SetReady {
                    agent: g(4),
                    channel: Some(ChannelKind::InboundEmail),
                    ready: true,
                    reason: None,
                },
            ),
        ],
    );
    insta::assert_snapshot!(log);
}

fn personal(id: i64, queue: switchboard_domain::QueueId, t: i64, last: i64) -> Event {
    Event::Enqueue(NewWork {
        activity: a(id),
        channel: ChannelKind::InboundEmail,
        queue,
        priority: 5,
        arrived_at: Timestamp::from_millis(t * 1000),
        last_agent: Some(g(last)),
        required: BTreeMap::new(),
        pin: None,
        not_for: None,
        not_before: None,
    })
}

fn with_personal_wait(secs: u32, even_logged_out: bool) -> Router {
    let mut c = config();
    c.departments[0].personal_wait_secs = secs;
    c.departments[0].queue_if_agent_not_logged_in = even_logged_out;
    Router::new(c)
}

#[test]
fn personalized_assignment_waits_for_the_last_agent() {
    let mut r = with_personal_wait(60, false);
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (
                    1,
                    Event::SetReady {
                        agent: g(2),
                        channel: None,
                        ready: false,
                        reason: Some("meeting".into()),
                    },
                ),
                (2, personal(10, SALES, 2, 2)),
                (
                    30,
                    Event::SetReady {
                        agent: g(2),
                        channel: None,
                        ready: true,
                        reason: None,
                    },
                ),
                (31, personal(11, SALES, 31, 2)),
                (
                    32,
                    Event::SetReady {
                        agent: g(2),
                        channel: None,
                        ready: false,
                        reason: None,
                    },
                ),
                (31 + 60, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn personalized_assignment_and_a_logged_out_agent() {
    // Without "queue if agent not logged in": normal routing at once.
    let mut r = with_personal_wait(60, false);
    let plain = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![(2, personal(10, SALES, 2, 2))],
        ]),
    );
    // With it: the work waits for G2 until the wait ends.
    let mut r = with_personal_wait(60, true);
    let waiting = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (2, personal(10, SALES, 2, 2)),
                (61, Event::Tick),
                (62, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(format!("{plain}---\n{waiting}"));
}

#[test]
fn limits_send_work_to_the_exception_queue() {
    let mut c = config();
    let mut email_rules = ChannelKind::InboundEmail.default_settings();
    email_rules.max_queued = 2;
    let mut chat_rules = ChannelKind::Chat.default_settings();
    chat_rules.max_time_in_queue_secs = 120;
    c.departments[0]
        .channels
        .insert(ChannelKind::InboundEmail, email_rules);
    c.departments[0]
        .channels
        .insert(ChannelKind::Chat, chat_rules);
    let mut r = Router::new(c);
    let log = run(
        &mut r,
        &[
            (1, email(10, SALES, 1)),
            (2, email(11, SALES, 2)),
            (3, email(12, SALES, 3)),
            (4, chat(20, SALES, 4)),
            (124, Event::Tick),
            (
                125,
                Event::Pull {
                    agent: g(1),
                    activity: Some(a(20)),
                },
            ),
            (126, Event::Login(g(1))),
            (
                127,
                Event::Pull {
                    agent: g(1),
                    activity: Some(a(20)),
                },
            ),
        ],
    );
    insta::assert_snapshot!(log);
}

fn pinned(id: i64, t: i64, pin: Pin) -> Event {
    Event::Enqueue(NewWork {
        activity: a(id),
        channel: ChannelKind::InboundEmail,
        queue: SALES,
        priority: 5,
        arrived_at: Timestamp::from_millis(t * 1000),
        last_agent: None,
        required: BTreeMap::new(),
        pin: Some(pin),
        not_for: None,
        not_before: None,
    })
}

#[test]
fn pinned_work_waits_for_its_agent_or_group() {
    let mut r = Router::new(config());
    let decline = |id: i64, agent: i64| Event::Decline {
        activity: a(id),
        agent: g(agent),
    };
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            // For G2, who is logged out: G1 does not get it.
            vec![(1, pinned(10, 1, Pin::Agent(g(2))))],
            at(2, ready(&[2])),
            // Declined: anyone may take it now.
            vec![(3, decline(10, 2))],
            // G2 logs out: work pinned to them still waits for them.
            vec![
                (4, Event::Logout(g(2))),
                (5, pinned(11, 5, Pin::Agent(g(2)))),
            ],
            at(6, ready(&[2])),
            // For user group 2, in a queue of group 1: neither G1 nor G2.
            vec![(7, pinned(12, 7, Pin::Group(UserGroupId(2))))],
            at(8, ready(&[3])),
            // For an agent the router does not know: anyone.
            vec![(9, pinned(13, 9, Pin::Agent(g(99))))],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn logout_returns_unstarted_work_after_the_grace_period() {
    let mut c = config();
    c.departments[0].logout_return_secs = 300;
    let mut r = Router::new(c);
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (1, email(10, SALES, 1)),
                (
                    2,
                    Event::Accept {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
                (3, email(11, SALES, 3)),
                (
                    4,
                    Event::Accept {
                        activity: a(11),
                        agent: g(1),
                    },
                ),
                (5, Event::Start(a(11))),
                (6, email(12, SALES, 6)),
                (10, Event::Logout(g(1))),
                (200, Event::Tick),
                (310, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn transfers_to_an_agent_a_group_and_a_queue() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (1, email(10, SALES, 1)),
                (
                    2,
                    Event::Accept {
                        activity: a(10),
                        agent: g(1),
                    },
                ),
                (
                    3,
                    Event::Transfer {
                        activity: a(10),
                        to: Target::Agent(g(2)),
                    },
                ),
                (
                    4,
                    Event::Transfer {
                        activity: a(10),
                        to: Target::Agent(g(3)),
                    },
                ),
                (
                    5,
                    Event::Transfer {
                        activity: a(10),
                        to: Target::Group(UserGroupId(2)),
                    },
                ),
                (6, Event::Login(g(3))),
                (
                    6,
                    Event::SetReady {
                        agent: g(3),
                        channel: None,
                        ready: true,
                        reason: None,
                    },
                ),
                (
                    7,
                    Event::Transfer {
                        activity: a(10),
                        to: Target::Queue(REVIEW),
                    },
                ),
                (
                    8,
                    Event::Transfer {
                        activity: a(10),
                        to: Target::Queue(BILLING),
                    },
                ),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn agents_pull_the_next_activity_or_a_given_one() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &[
            (1, email(10, SALES, 1)),
            (2, email(11, SALES, 2)),
            (3, email(12, VIP, 3)),
            (4, Event::Login(g(1))),
            (
                5,
                Event::Pull {
                    agent: g(1),
                    activity: None,
                },
            ),
            (
                6,
                Event::Pull {
                    agent: g(1),
                    activity: Some(a(12)),
                },
            ),
            (
                7,
                Event::Pull {
                    agent: g(1),
                    activity: Some(a(11)),
                },
            ),
            (
                8,
                Event::Pull {
                    agent: g(1),
                    activity: None,
                },
            ),
        ],
    );
    insta::assert_snapshot!(log);
}

#[test]
fn email_can_be_accepted_automatically_and_tasks_expire() {
    let mut c = config();
    c.departments[0]
        .auto_accept
        .insert(ChannelKind::InboundEmail);
    let mut r = Router::new(c);
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![
                (1, email(10, SALES, 1)),
                (2, Event::Start(a(10))),
                (28_801, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn statistics_position_and_expected_wait() {
    let mut r = Router::new(config());
    let t = |s: i64| Timestamp::from_millis(s * 1000);
    let _ = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            (0..20).map(|i| (i, email(100 + i, SALES, i))).collect(),
        ]),
    );
    // G1 took five (capacity); completing them every 10 s gives the queue a service rate.
    for id in 100..105 {
        r.handle(
            t(20),
            Event::Accept {
                activity: a(id),
                agent: g(1),
            },
        )
        .unwrap();
    }
    let mut now = 20;
    let mut done = 0;
    let mut held: Vec<i64> = (100..105).collect();
    while done < 10 {
        now += 10;
        let id = held.remove(0);
        let actions = r.handle(t(now), Event::Complete(a(id))).unwrap();
        for act in actions {
            if let switchboard_routing::Action::Offer { activity, .. } = act {
                r.handle(
                    t(now),
                    Event::Accept {
                        activity,
                        agent: g(1),
                    },
                )
                .unwrap();
                held.push(activity.0);
            }
        }
        done += 1;
    }
    let s = r.queue_stats(SALES, t(now)).unwrap();
    assert_eq!(s.waiting, 5);
    assert_eq!(s.oldest_wait_ms, (now - 15) * 1000);
    // G1 has no room for email but is still available for chat.
    assert_eq!((s.agents_logged_in, s.agents_available), (1, 1));
    assert_eq!(r.position(a(115)), Some(1));
    assert_eq!(r.position(a(119)), Some(5));
    assert_eq!(r.position(a(105)), None, "with an agent");
    // Fifteen departures in about 120 s: roughly 0.12 per second, so position 5 waits ~40 s.
    let ewt = r.expected_wait(a(119), t(now)).unwrap();
    assert!((20.0..80.0).contains(&ewt), "{ewt}");
    assert!(r.expected_wait(a(115), t(now)).unwrap() < ewt);
}

/// After a restart: held work counts against capacity at once (G2 holds three chats, so the
/// fourth goes to G1), an offer runs a new start time-out, and an offer to an agent who is not
/// logged in goes back to its queue.
#[test]
fn restored_work_keeps_its_holder() {
    let restore = |id: i64, agent: i64, held: Held| {
        let Event::Enqueue(work) = chat(id, SALES, 0) else {
            unreachable!()
        };
        Event::Restore {
            work,
            agent: g(agent),
            held,
        }
    };
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (1, restore(10, 2, Held::Working)),
                (1, restore(11, 2, Held::Paused)),
                (1, restore(12, 2, Held::Offered)),
                (1, restore(13, 3, Held::Offered)),
                (2, chat(14, SALES, 2)),
                (35, Event::Tick),
            ],
        ]),
    );
    insta::assert_snapshot!(log);
}

#[test]
fn work_barred_from_an_agent_is_never_offered_or_reserved_to_them() {
    // A held reply in its review queue: its author (G1, also the case's last agent) is ready
    // first, but only G2 gets it.
    let mut r = Router::new(config());
    let held = Event::Enqueue(NewWork {
        activity: a(10),
        channel: ChannelKind::InboundEmail,
        queue: SALES,
        priority: 5,
        arrived_at: Timestamp::from_millis(5_000),
        last_agent: Some(g(1)),
        required: BTreeMap::new(),
        pin: None,
        not_for: Some(g(1)),
        not_before: None,
    });
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![(5, held)],
            at(7, ready(&[2])),
        ]),
    );
    assert!(!log.contains("offer A10 to G1"), "{log}");
    assert!(!log.contains("reserve"), "{log}");
    assert!(log.contains("offer A10 to G2"), "{log}");
}

/// A callback on `SALES` that may not be offered before `due` seconds.
fn callback_at(id: i64, t: i64, due: i64) -> Event {
    Event::Enqueue(NewWork {
        activity: a(id),
        channel: ChannelKind::Callback,
        queue: SALES,
        priority: 5,
        arrived_at: Timestamp::from_millis(t * 1000),
        last_agent: None,
        required: BTreeMap::new(),
        pin: None,
        not_for: None,
        not_before: Some(Timestamp::from_millis(due * 1000)),
    })
}

#[test]
fn future_work_is_offered_at_its_time_and_counted_nowhere_before() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1])),
            vec![(5, callback_at(20, 5, 100)), (6, callback_at(21, 6, 200))],
        ]),
    );
    assert!(!log.contains("A20 to"), "{log}");
    assert!(r.contains(a(20)));
    assert_eq!(r.not_before(a(20)), Some(Timestamp::from_millis(100_000)));
    let stats = r
        .queue_stats(SALES, Timestamp::from_millis(50_000))
        .unwrap();
    assert_eq!(stats.waiting, 0, "held-aside work is in no queue figure");
    assert_eq!(r.expected_wait(a(20), Timestamp::from_millis(50_000)), None);
    // Nothing at 99 s; offered at 100 s, its age counted from then. Abandoned before its time,
    // A21 is never offered.
    let log = run(
        &mut r,
        &[
            (99, Event::Tick),
            (100, Event::Tick),
            (150, Event::Abandon(a(21))),
        ],
    );
    assert!(
        log.contains(" 100s (timers)\n        → offer A20 to G1"),
        "offered by the timer at its time, not before: {log}"
    );
    assert_eq!(r.not_before(a(20)), None);
    let log = run(&mut r, &[(300, Event::Tick)]);
    assert!(!log.contains("A21"), "{log}");
}

#[test]
fn future_work_refuses_a_pull_and_follows_a_transfer_at_once() {
    let mut r = Router::new(config());
    let log = run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (5, callback_at(30, 5, 1_000)),
                (
                    6,
                    Event::Pull {
                        agent: g(1),
                        activity: Some(a(30)),
                    },
                ),
                (
                    7,
                    Event::Transfer {
                        activity: a(30),
                        to: Target::Agent(g(2)),
                    },
                ),
            ],
        ]),
    );
    assert!(log.contains("be pulled before its time"), "{log}");
    assert!(log.contains("A30") && log.contains("G2"), "{log}");
    assert_eq!(r.holder(a(30)), Some(g(2)), "{log}");
}

#[test]
fn every_queues_figures_at_once_are_each_queues_figures() {
    // Work reserved for the last agent counts in its queue's figures whichever way they are read.
    let mut r = with_personal_wait(60, false);
    run(
        &mut r,
        &script(vec![
            at(0, ready(&[1, 2])),
            vec![
                (
                    1,
                    Event::SetReady {
                        agent: g(2),
                        channel: None,
                        ready: false,
                        reason: Some("meeting".into()),
                    },
                ),
                (2, personal(10, SALES, 2, 2)),
            ],
        ]),
    );
    let now = Timestamp::from_millis(5_000);
    let each: Vec<_> = r
        .queue_ids()
        .into_iter()
        .filter_map(|q| r.queue_stats(q, now))
        .collect();
    let sales = each.iter().find(|s| s.queue == SALES).map(|s| s.waiting);
    assert_eq!(sales, Some(1), "the reserved email waits in Sales");
    assert_eq!(r.all_queue_stats(now), each);
}
