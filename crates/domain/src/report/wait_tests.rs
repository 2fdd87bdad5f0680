//! The Expected-Wait Accuracy report's table and its recording rule.

use std::collections::HashMap;

use super::definitions::{Granularity, ReportKind, Shape, time_zone};
use super::wait_accuracy::*;
use crate::event::EventKind;
use crate::ids::EventId;

fn fact(at_ms: i64, queue_id: i64, told_secs: i64, end: WaitEnd) -> WaitFact {
    WaitFact {
        at_ms,
        queue_id,
        told_secs,
        end,
    }
}

fn answered(secs: i64) -> WaitEnd {
    WaitEnd::Answered {
        waited_ms: secs * 1000,
    }
}

#[test]
fn nearest_rank_percentiles() {
    let xs: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&xs, 50), Some(5));
    assert_eq!(percentile(&xs, 90), Some(9));
    assert_eq!(percentile(&xs, 95), Some(10));
    assert_eq!(percentile(&xs, 100), Some(10));
    assert_eq!(percentile(&[7], 1), Some(7));
    assert_eq!(percentile(&[], 50), None);
}

#[test]
fn accuracy_allows_thirty_seconds_or_a_fifth() {
    assert!(accurate(60, 30));
    assert!(accurate(60, -30));
    assert!(!accurate(60, 31));
    assert!(accurate(600, 120), "20 % of 10 minutes");
    assert!(!accurate(600, -121));
    assert!(accurate(0, 30));
}

#[test]
fn told_waits_beside_the_waits_that_followed() {
    let tz = time_zone("tz", "UTC").unwrap();
    let shape = |granularity| Shape {
        kind: ReportKind::WaitAccuracy,
        granularity,
        tz: &tz,
        tz_name: "UTC",
        threshold: 1,
    };
    let day = 86_400_000;
    let facts = [
        // Queue 7, day 0: told 60 s, waited 90 s (+30); told 120 s, waited 60 s (−60).
        fact(10, 7, 60, answered(90)),
        fact(20, 7, 120, answered(60)),
        // Left before an agent came, and still waiting: counted, not measured.
        fact(30, 7, 45, WaitEnd::Abandoned),
        fact(40, 7, 45, WaitEnd::Waiting),
        // Queue 8, day 1: told 300 s, waited 420 s (+120: beyond 60 s, a fifth of 300).
        fact(day + 5, 8, 300, answered(420)),
    ];
    let names = HashMap::from([(7, "Sales".to_string()), (8, "Support".to_string())]);
    let t = wait_accuracy_table(&shape(Granularity::Day), &facts, &names);
    assert_eq!(t.columns.len(), 11);
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0].group, "Sales");
    let v = |xs: &[Option<f64>]| xs.to_vec();
    assert_eq!(
        t.rows[0].values,
        v(&[
            Some(4.0),   // told
            Some(2.0),   // answered
            Some(1.0),   // abandoned
            Some(1.0),   // waiting
            Some(90.0),  // average estimate
            Some(75.0),  // average wait
            Some(-15.0), // average error
            Some(30.0),  // median absolute error
            Some(60.0),  // p90
            Some(60.0),  // p95
            Some(50.0),  // accurate share
        ])
    );
    assert_eq!(t.total.values[0], Some(5.0));
    assert_eq!(t.total.values[1], Some(3.0));
    assert_eq!(t.total.values[7], Some(60.0), "median of 30, 60, 120");
    assert_eq!(t.total.values[8], Some(120.0));
    assert_eq!(t.total.values[10], Some(100.0 / 3.0));

    let none = wait_accuracy_table(
        &shape(Granularity::Total),
        &[fact(1, 7, 30, WaitEnd::Abandoned)],
        &names,
    );
    assert_eq!(
        none.total.values[4..],
        [None, None, None, None, None, None, None],
        "nothing answered: nothing measured"
    );
}

#[test]
fn a_wait_is_told_once_per_stay_in_a_queue() {
    let e = |id: i64, k: EventKind| (EventId(id), k);
    use EventKind::*;
    assert!(!wait_told_due(&[e(1, Created)]), "never queued");
    assert!(wait_told_due(&[e(1, Created), e(2, Queued)]));
    assert!(!wait_told_due(&[
        e(1, Created),
        e(2, Queued),
        e(3, WaitTold)
    ]));
    assert!(
        wait_told_due(&[
            e(1, Created),
            e(2, Queued),
            e(3, WaitTold),
            e(4, Offered),
            e(5, Queued)
        ]),
        "queued again (declined, transferred): told again"
    );
}
