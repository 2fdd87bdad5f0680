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

#[test]
fn a_queue_report_groups_periods_in_its_time_zone_and_totals() {
    let tz = time_zone("time_zone", "Europe/Berlin").unwrap();
    assert!(time_zone("time_zone", "Mars/Olympus").is_err());
    let monday_late = 1_796_078_700_000; // 2026-11-30T22:45:00Z = 23:45 Berlin, Monday
    let tuesday = monday_late + INTERVAL_MS; // 00:00 Berlin, Tuesday
    let key = |interval: i64, queue: i64| QueueKey {
        interval,
        department: DepartmentId(1),
        queue: QueueId(queue),
        channel: ChannelKind::Chat,
    };
    let f = |arrived: i64, answered: i64, within20: i64, abandoned: i64| QueueFigures {
        arrived,
        answered,
        wait_ms: answered * 10_000,
        within: [within20, answered, answered, answered, answered],
        abandoned,
        ..QueueFigures::default()
    };
    let rows = vec![
        (key(monday_late, 1), f(4, 3, 2, 1)),
        (key(tuesday, 1), f(2, 2, 2, 0)),
        (key(tuesday, 2), f(1, 0, 0, 1)),
    ];
    let names = std::collections::HashMap::from([(1, "Chat".to_string()), (2, "VIP".to_string())]);
    let shape = |granularity| Shape {
        kind: ReportKind::ServiceLevel,
        granularity,
        tz: &tz,
        tz_name: "Europe/Berlin",
        threshold: threshold_index(20).unwrap(),
    };
    let by_day = queue_table(&shape(Granularity::Day), &rows, &names);
    let periods: Vec<(&str, &str)> = by_day
        .rows
        .iter()
        .map(|r| (r.period.as_str(), r.group.as_str()))
        .collect();
    assert_eq!(
        periods,
        [
            ("2026-11-30T00:00:00+01:00", "Chat"),
            ("2026-12-01T00:00:00+01:00", "Chat"),
            ("2026-12-01T00:00:00+01:00", "VIP"),
        ]
    );
    // Service level: within the threshold of answered plus abandoned; 2 of 4, then 2 of 2.
    assert_eq!(by_day.rows[0].values[5], Some(50.0));
    assert_eq!(by_day.rows[1].values[5], Some(100.0));
    assert_eq!(by_day.rows[2].values[5], Some(0.0));
    assert_eq!(by_day.rows[2].values[6], None, "no average of nothing");
    assert_eq!(by_day.total.values[0], Some(7.0));
    assert_eq!(by_day.total.values[5], Some(4.0 / 7.0 * 100.0));
    // The same week (Monday to Sunday in Berlin), and one row per queue for the whole period.
    let by_week = queue_table(&shape(Granularity::Week), &rows, &names);
    assert_eq!(by_week.rows.len(), 2);
    assert_eq!(by_week.rows[0].period, "2026-11-30T00:00:00+01:00");
    let total = queue_table(&shape(Granularity::Total), &rows, &names);
    assert_eq!(total.rows.len(), 2);
    assert!(total.rows.iter().all(|r| r.period.is_empty()));
    assert_eq!(period_of(tuesday, Granularity::Month, &tz), tuesday);
    assert_eq!(
        period_of(monday_late, Granularity::Month, &tz),
        tuesday - 30 * 86_400_000,
        "1 November, Berlin"
    );
    assert!(threshold_index(45).is_err());
}

#[test]
fn the_agent_work_summary_shows_handle_time_channels_states_and_occupancy() {
    let tz = time_zone("time_zone", "UTC").unwrap();
    let rows = vec![(
        AgentKey {
            interval: T0,
            department: DepartmentId(1),
            agent: UserId(5),
            channel: ChannelKind::InboundEmail,
        },
        AgentFigures {
            offered: 3,
            accepted: 2,
            missed: 1,
            completed: 2,
            handle_ms: 240_000,
            ..AgentFigures::default()
        },
    )];
    let t = agent_table(
        &Shape {
            kind: ReportKind::AgentWork,
            granularity: Granularity::Hour,
            tz: &tz,
            tz_name: "UTC",
            threshold: 0,
        },
        &rows,
        &[
            crate::report::StateTime {
                interval: T0,
                agent: 5,
                state: crate::report::AgentState {
                    ready: true,
                    reason: "".into(),
                },
                ms: 360_000,
            },
            crate::report::StateTime {
                interval: T0,
                agent: 5,
                state: crate::report::AgentState {
                    ready: false,
                    reason: "Break".into(),
                },
                ms: 120_000,
            },
        ],
        &std::collections::HashMap::new(),
    );
    assert_eq!(t.rows[0].group, "#5");
    assert_eq!(t.rows[0].values[6], Some(4.0));
    assert_eq!(t.rows[0].values[7], Some(120.0));
    let keys: Vec<&str> = t.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys[8..],
        [
            "completed_inbound_email",
            "logged_in",
            "ready",
            "not_ready",
            "not_ready_1",
            "occupancy"
        ]
    );
    assert_eq!(t.columns[8].label, "Completed: Email");
    assert_eq!(t.columns[12].label, "Not ready: Break (min)");
    // Two completed by email; logged in 8 min (6 ready, 2 on a break); 4 of them handling.
    assert_eq!(
        t.rows[0].values[8..],
        [
            Some(2.0),
            Some(8.0),
            Some(6.0),
            Some(2.0),
            Some(2.0),
            Some(50.0)
        ]
    );
    assert_eq!(t.columns.len(), t.rows[0].values.len());
}

mod saved {
    use crate::ids::{AliasId, UserId};
    use crate::report::{ExportFormat, PeriodChoice, PeriodPreset, Schedule, next_run, time_zone};
    use crate::time::Timestamp;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn presets_are_whole_days_weeks_and_months_in_the_zone() {
        let berlin = time_zone("tz", "Europe/Berlin").unwrap();
        // Wednesday 2026-11-04 10:00 in Berlin (UTC+1).
        let now = at("2026-11-04T09:00:00Z");
        let cases = [
            (
                PeriodPreset::Today,
                "2026-11-03T23:00:00Z",
                "2026-11-04T23:00:00Z",
            ),
            (
                PeriodPreset::Yesterday,
                "2026-11-02T23:00:00Z",
                "2026-11-03T23:00:00Z",
            ),
            (
                PeriodPreset::Last7Days,
                "2026-10-27T23:00:00Z",
                "2026-11-03T23:00:00Z",
            ),
            (
                PeriodPreset::ThisWeek,
                "2026-11-01T23:00:00Z",
                "2026-11-08T23:00:00Z",
            ),
            (
                PeriodPreset::LastWeek,
                "2026-10-25T23:00:00Z",
                "2026-11-01T23:00:00Z",
            ),
            // October has 31 days and a DST change (the 25th): it starts at UTC+2.
            (
                PeriodPreset::LastMonth,
                "2026-09-30T22:00:00Z",
                "2026-10-31T23:00:00Z",
            ),
            (
                PeriodPreset::ThisMonth,
                "2026-10-31T23:00:00Z",
                "2026-11-30T23:00:00Z",
            ),
            (
                PeriodPreset::LastYear,
                "2024-12-31T23:00:00Z",
                "2025-12-31T23:00:00Z",
            ),
        ];
        for (p, from, to) in cases {
            assert_eq!(p.resolve(now, &berlin), Some((at(from), at(to))), "{p:?}");
            assert_eq!(PeriodPreset::parse(p.as_str()), Some(p));
        }
        let fixed = PeriodChoice {
            preset: None,
            from: Some(at("2026-01-01T00:00:00Z")),
            to: Some(at("2026-02-01T00:00:00Z")),
        };
        assert!(fixed.check().is_ok());
        assert_eq!(
            fixed.resolve(now, &berlin),
            Some((at("2026-01-01T00:00:00Z"), at("2026-02-01T00:00:00Z")))
        );
        let both = PeriodChoice {
            preset: Some(PeriodPreset::Today),
            ..fixed.clone()
        };
        assert_eq!(both.check().unwrap_err().field, "period");
        let backwards = PeriodChoice {
            from: fixed.to,
            to: fixed.from,
            ..fixed
        };
        assert_eq!(backwards.check().unwrap_err().field, "period.to");
    }

    fn schedule(cron: &str) -> Schedule {
        Schedule {
            cron: cron.into(),
            time_zone: "Europe/Berlin".into(),
            formats: vec![ExportFormat::Pdf, ExportFormat::Csv, ExportFormat::Pdf],
            recipients: vec![UserId(3), UserId(3)],
            alias_id: AliasId(1),
            active: true,
        }
    }

    #[test]
    fn a_schedule_runs_at_its_local_time_across_dst_and_not_too_often() {
        let berlin = time_zone("tz", "Europe/Berlin").unwrap();
        // 07:00 on Mondays: UTC+2 before the change on 2026-10-25, UTC+1 after it.
        let before = next_run("0 7 * * 1", &berlin, at("2026-10-20T00:00:00Z"));
        assert_eq!(before, Some(at("2026-10-26T06:00:00Z")));
        let summer = next_run("0 7 * * 1", &berlin, at("2026-10-13T00:00:00Z"));
        assert_eq!(summer, Some(at("2026-10-19T05:00:00Z")));
        let now = at("2026-12-01T00:00:00Z");
        let s = schedule("0 7 * * 1").validate(900, now).unwrap();
        assert_eq!(s.formats, vec![ExportFormat::Pdf, ExportFormat::Csv]);
        assert_eq!(s.recipients, vec![UserId(3)]);
        assert_eq!(s.next_after(now), Some(at("2026-12-07T06:00:00Z")));
        let e = schedule("* * * * *").validate(900, now).unwrap_err();
        assert_eq!(e.field, "schedule.cron");
        assert!(schedule("*/2 * * * * *").validate(1, now).is_ok());
        // Twice a minute apart on the first of each month: bunched, however far off.
        let e = schedule("0,1 9 1 * *").validate(900, now).unwrap_err();
        assert_eq!(e.field, "schedule.cron");
        assert!(schedule("0 7 * * 1").validate(i64::MAX, now).is_err());
        assert_eq!(
            schedule("61 * * * *").validate(1, now).unwrap_err().field,
            "schedule.cron"
        );
        let mut none = schedule("0 7 * * 1");
        none.recipients.clear();
        assert_eq!(
            none.validate(1, now).unwrap_err().field,
            "schedule.recipients"
        );
        let mut off = schedule("0 7 * * 1");
        off.active = false;
        assert_eq!(off.next_after(now), None);
    }
}

mod outcomes {
    use std::collections::HashMap;

    use crate::chat::{QuestionKind, SurveyAnswer};
    use crate::report::{
        ExceptionFact, Granularity, ReportKind, Shape, SurveyFact, exceptions_table, surveys_table,
        time_zone,
    };

    fn answer(kind: QuestionKind, value: serde_json::Value) -> SurveyAnswer {
        SurveyAnswer {
            key: "q".into(),
            question: "Q?".into(),
            kind,
            value,
        }
    }

    #[test]
    fn exceptions_and_surveys_make_tables_by_period_and_group() {
        let tz = time_zone("tz", "UTC").unwrap();
        let shape = |kind| Shape {
            kind,
            granularity: Granularity::Day,
            tz: &tz,
            tz_name: "UTC",
            threshold: 1,
        };
        let day = 86_400_000;
        let names = HashMap::from([(3, "support@acme.test".to_string())]);
        let facts = [
            ExceptionFact {
                at_ms: 10,
                alias_id: 3,
                permanent: true,
                bounce: true,
            },
            ExceptionFact {
                at_ms: 20,
                alias_id: 3,
                permanent: false,
                bounce: false,
            },
            ExceptionFact {
                at_ms: day + 5,
                alias_id: 3,
                permanent: true,
                bounce: false,
            },
        ];
        let t = exceptions_table(&shape(ReportKind::DeliveryExceptions), &facts, &names);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].group, "support@acme.test");
        let v = |xs: &[f64]| xs.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        assert_eq!(t.rows[0].values, v(&[2.0, 1.0, 1.0, 1.0, 1.0]));
        assert_eq!(t.total.values, v(&[3.0, 2.0, 1.0, 1.0, 2.0]));

        let surveys = [
            SurveyFact {
                at_ms: 10,
                queue_id: 7,
                answers: vec![
                    answer(QuestionKind::Rating, serde_json::json!(5)),
                    answer(QuestionKind::YesNo, serde_json::json!(true)),
                    answer(QuestionKind::Text, serde_json::json!("great")),
                ],
            },
            SurveyFact {
                at_ms: 30,
                queue_id: 7,
                answers: vec![
                    answer(QuestionKind::Rating, serde_json::json!(2)),
                    answer(QuestionKind::YesNo, serde_json::json!(false)),
                ],
            },
            SurveyFact {
                at_ms: 40,
                queue_id: 7,
                answers: vec![],
            },
        ];
        let t = surveys_table(&shape(ReportKind::SurveyResults), &surveys, &HashMap::new());
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            t.rows[0].group, "#7",
            "a queue without a name is shown by its id"
        );
        assert_eq!(
            t.total.values,
            vec![
                Some(3.0),
                Some(2.0),
                Some(3.5),
                Some(1.0),
                Some(1.0),
                Some(50.0)
            ]
        );
        let none = surveys_table(&shape(ReportKind::SurveyResults), &[], &HashMap::new());
        assert_eq!(none.total.values[2], None, "no ratings, no average");
    }
}

#[test]
fn period_bounds_cover_the_period_in_its_zone() {
    let berlin = time_zone("tz", "Europe/Berlin").unwrap();
    let at = |s: &str| Timestamp::parse_rfc3339(s).unwrap().millis();
    // Across the DST change of 2026-10-25 (a 25-hour day).
    let days = period_bounds(
        at("2026-10-24T10:00:00Z"),
        at("2026-10-26T10:00:00Z"),
        Granularity::Day,
        &berlin,
    )
    .unwrap();
    assert_eq!(
        days,
        vec![
            at("2026-10-23T22:00:00Z"),
            at("2026-10-24T22:00:00Z"),
            at("2026-10-25T23:00:00Z"),
            at("2026-10-26T23:00:00Z"),
        ]
    );
    assert_eq!(period_bounds(5, 10, Granularity::Quarter, &berlin), None);
    assert_eq!(
        period_bounds(5, 10, Granularity::Total, &berlin),
        Some(vec![5, 10])
    );
    let ten_years = 3_653 * 86_400_000;
    assert_eq!(
        period_bounds(0, ten_years, Granularity::Hour, &berlin),
        None
    );
    assert!(period_bounds(0, ten_years, Granularity::Week, &berlin).is_some());
}

fn told(secs: u64) -> EventPayload {
    EventPayload::WaitTold(crate::event::WaitTold {
        queue_id: QueueId(1),
        expected_wait_secs: secs,
        position: Some(2),
    })
}

#[test]
fn a_wait_told_ends_at_the_first_answer_or_abandonment_even_in_a_later_batch() {
    let sys = Actor::System;
    let mut t = Tracked::new(ActivityId(1), DepartmentId(3), ChannelKind::Chat);
    // Told 40 s at 10 s, offered at 70 s: answered after 60 s, in the same batch.
    let mut out = Rollup::default();
    for e in [
        ev(1, 0, sys, queued(1)),
        ev(2, 10, sys, told(40)),
        ev(3, 70, sys, offered(7)),
        ev(4, 80, sys, EventPayload::Accepted(plain())),
    ] {
        fold(&mut t, &e, &mut out);
    }
    assert_eq!(out.told.len(), 1);
    assert_eq!(
        (out.told[0].fact.told_secs, out.told[0].fact.end),
        (40, WaitEnd::Answered { waited_ms: 60_000 })
    );
    assert!(
        out.ended.is_empty() && !t.told_open,
        "the acceptance ends nothing more"
    );
    // Requeued and told again; the customer leaves in the next batch.
    let mut out = Rollup::default();
    for e in [ev(5, 100, sys, queued(2)), ev(6, 110, sys, told(30))] {
        fold(&mut t, &e, &mut out);
    }
    assert_eq!(out.told[0].fact.end, WaitEnd::Waiting);
    assert!(t.told_open);
    let mut next = Rollup::default();
    fold(
        &mut t,
        &ev(
            7,
            200,
            sys,
            EventPayload::Abandoned(TransitionDetails::default()),
        ),
        &mut next,
    );
    assert!(next.told.is_empty());
    assert_eq!(
        next.ended,
        [WaitEnded {
            activity: ActivityId(1),
            at: T0 + 200_000,
            abandoned: true
        }]
    );
}
