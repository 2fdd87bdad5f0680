//! Agents' states: splitting time into intervals, what a presence write closes, and the table.

use std::collections::{BTreeMap, HashMap};

use super::definitions::{Granularity, ReportKind, Shape, time_zone};
use super::presence::*;
use super::rollup::{AgentFigures, AgentKey};
use crate::channel::ChannelKind;
use crate::ids::{DepartmentId, UserId};
use crate::routing::Presence;
use crate::time::Timestamp;

const Q: i64 = 15 * 60_000;
const T0: i64 = 1_796_000_400_000; // an interval start

fn presence(logged_in: bool, ready: bool, reason: Option<&str>, since: i64) -> Presence {
    Presence {
        user_id: UserId(7),
        logged_in,
        ready: BTreeMap::from([
            (ChannelKind::Chat, ready),
            (ChannelKind::InboundEmail, false),
        ]),
        reason: reason.map(str::to_string),
        updated_at: Timestamp::from_millis(since),
    }
}

fn not_ready(reason: &str) -> AgentState {
    AgentState {
        ready: false,
        reason: reason.into(),
    }
}

#[test]
fn time_splits_at_quarter_hours() {
    assert_eq!(split(T0 + 5, T0 + 10), vec![(T0, 5)]);
    assert_eq!(
        split(T0 + Q - 60_000, T0 + 2 * Q + 1),
        vec![(T0, 60_000), (T0 + Q, Q), (T0 + 2 * Q, 1)]
    );
    assert_eq!(split(T0 + 10, T0 + 10), vec![]);
    assert_eq!(split(T0 + 10, T0), vec![]);
}

#[test]
fn a_state_counts_from_its_start_to_the_change_that_ends_it() {
    let now = Timestamp::from_millis(T0 + Q + 30_000);
    // Never recorded: nothing closes; the new state starts now.
    let first = presence_step(None, &presence(true, true, None, 0), now);
    assert_eq!(
        (first.closed.len(), first.since, first.changed),
        (0, now, true)
    );

    // Ready since T0 + 10 min, then on a break: 5 min in the first quarter, 30 s in the next.
    let ready = presence(true, true, None, T0 + 10 * 60_000);
    let brk = presence(true, false, Some("Break"), 0);
    let step = presence_step(Some(&ready), &brk, now);
    assert_eq!(step.since, now);
    let ready_state = AgentState {
        ready: true,
        reason: "".into(),
    };
    assert_eq!(
        step.closed,
        vec![
            StateTime {
                interval: T0,
                agent: 7,
                state: ready_state.clone(),
                ms: 5 * 60_000
            },
            StateTime {
                interval: T0 + Q,
                agent: 7,
                state: ready_state,
                ms: 30_000
            },
        ]
    );

    // The same state asked again (or a new reason while ready) keeps its start.
    let again = presence_step(Some(&ready), &presence(true, true, Some("x"), 0), now);
    assert_eq!(
        (again.closed.len(), again.since, again.changed),
        (0, ready.updated_at, true)
    );
    let same = presence_step(Some(&ready), &presence(true, true, None, 0), now);
    assert!(!same.changed);

    // A new reason is a new state; logging out closes it; logged out counts nothing.
    let on_break = presence(true, false, Some("Break"), T0);
    let lunch = presence_step(
        Some(&on_break),
        &presence(true, false, Some("Lunch"), 0),
        now,
    );
    assert_eq!(lunch.closed[0].state, not_ready("Break"));
    let out = presence_step(Some(&on_break), &presence(false, false, None, 0), now);
    assert_eq!(out.closed.iter().map(|s| s.ms).sum::<i64>(), Q + 30_000);
    let back = presence_step(Some(&presence(false, false, None, T0)), &ready, now);
    assert!(back.closed.is_empty(), "logged out time is not counted");
}

#[test]
fn the_presence_table_shows_reasons_and_occupancy() {
    let tz = time_zone("tz", "UTC").unwrap();
    let shape = Shape {
        kind: ReportKind::AgentPresence,
        granularity: Granularity::Total,
        tz: &tz,
        tz_name: "UTC",
        threshold: 1,
    };
    let min = 60_000;
    let ready = AgentState {
        ready: true,
        reason: "".into(),
    };
    let states = [
        StateTime {
            interval: T0,
            agent: 7,
            state: ready.clone(),
            ms: 40 * min,
        },
        StateTime {
            interval: T0,
            agent: 7,
            state: not_ready("Break"),
            ms: 15 * min,
        },
        StateTime {
            interval: T0 + Q,
            agent: 7,
            state: not_ready(""),
            ms: 5 * min,
        },
    ];
    let work = [(
        AgentKey {
            interval: T0,
            department: DepartmentId(1),
            agent: UserId(7),
            channel: ChannelKind::Chat,
        },
        AgentFigures {
            handle_ms: 30 * min,
            ..AgentFigures::default()
        },
    )];
    let names = HashMap::from([(7, "Ann".to_string())]);
    let t = presence_table(&shape, &states, &work, &names);
    let keys: Vec<&str> = t.columns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "logged_in",
            "ready",
            "not_ready",
            "not_ready_1",
            "not_ready_2",
            "handle",
            "occupancy"
        ]
    );
    assert_eq!(t.columns[3].label, "Not ready, no reason (min)");
    assert_eq!(t.columns[4].label, "Not ready: Break (min)");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].group, "Ann");
    let v = |xs: &[f64]| xs.iter().map(|x| Some(*x)).collect::<Vec<_>>();
    assert_eq!(
        t.rows[0].values,
        v(&[60.0, 40.0, 20.0, 5.0, 15.0, 30.0, 50.0])
    );
    assert_eq!(t.total.values, t.rows[0].values);
    let empty = presence_table(&shape, &[], &work, &names);
    assert_eq!(
        empty.rows[0].values.last(),
        Some(&None),
        "no time logged in: no occupancy"
    );
}
