//! Table tests of a reply's rules.

use serde_json::json;
use switchboard_domain::EventKind as K;
use switchboard_domain::event::{Changes, Notified};
use switchboard_domain::{ActivityId, EventKind, UserId};

use super::*;

fn activity(id: i64, channel: &str, status: &str) -> Activity {
    serde_json::from_value(json!({
        "id": id, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": channel,
        "subject": "Refund", "status": status, "sub_status": null, "priority": 5,
        "due_at": null, "queue_id": 3, "assignee_id": 7, "category_id": null,
        "custom_attributes": {}, "version": 2,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn kinds(events: &[NewEvent]) -> Vec<EventKind> {
    events.iter().map(|e| e.payload.kind()).collect()
}

#[test]
fn events_table() {
    let a = activity(10, "inbound_email", "in_progress");
    let sent = activity(11, "outbound_email", "completed");
    let held = activity(11, "outbound_email", "queued");
    let agent = Actor::User(UserId(7));
    let workflow = vec![NewEvent::system(
        a.status,
        EventPayload::Updated(Changes::default()),
    )];
    let notified = vec![NewEvent::system(
        a.status,
        EventPayload::Notified(Notified {
            email_id: EmailId(20),
            to: vec!["lead@example.com".into()],
        }),
    )];
    // (hold, Send & Complete) → answered kinds, an outbound event, completes now.
    let cases = [
        (
            None,
            false,
            vec![K::Replied, K::Updated, K::Notified],
            false,
            false,
        ),
        (
            None,
            true,
            vec![K::Replied, K::Updated, K::Notified],
            false,
            true,
        ),
        (
            Some(QueueId(5)),
            false,
            vec![K::Replied, K::Updated, K::Notified, K::ReviewRequested],
            true,
            false,
        ),
        // Held for review: Send & Complete waits for the approval.
        (
            Some(QueueId(5)),
            true,
            vec![K::Replied, K::Updated, K::Notified, K::ReviewRequested],
            true,
            false,
        ),
    ];
    for (hold, complete, want, outbound_event, completes) in cases {
        let o = if hold.is_some() { &held } else { &sent };
        let w = Written {
            email: EmailId(9),
            outbound: o,
            actor: agent,
            hold,
            complete,
        };
        let r = events(&a, &w, workflow.clone(), notified.clone());
        assert_eq!(
            kinds(&r.answered),
            want,
            "hold {hold:?} complete {complete}"
        );
        assert_eq!(r.outbound.is_some(), outbound_event, "hold {hold:?}");
        assert_eq!(r.complete, completes, "hold {hold:?} complete {complete}");
    }
}

#[test]
fn the_held_reply_records_what_the_review_needs() {
    let a = activity(10, "inbound_email", "in_progress");
    let o = activity(11, "outbound_email", "queued");
    let w = Written {
        email: EmailId(9),
        outbound: &o,
        actor: Actor::User(UserId(7)),
        hold: Some(QueueId(5)),
        complete: true,
    };
    let r = events(&a, &w, vec![], vec![]);
    let Some(NewEvent {
        payload: EventPayload::ReviewRequested(held),
        to,
        ..
    }) = r.outbound
    else {
        panic!("{:?}", r.outbound);
    };
    assert_eq!(to, o.status);
    assert_eq!(
        held,
        ReviewRequested::Held {
            email_id: EmailId(9),
            answered_activity_id: ActivityId(10),
            author_id: Some(UserId(7)),
            complete: true,
            review_queue_id: QueueId(5),
        }
    );
    let EventPayload::Replied(replied) = &r.answered[0].payload else {
        panic!("{:?}", r.answered);
    };
    assert_eq!(replied.review_queue_id, Some(QueueId(5)));
    assert_eq!(replied.outbound_activity_id, ActivityId(11));
}
