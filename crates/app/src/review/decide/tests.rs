//! Table tests of a review's outcome.

use serde_json::json;
use switchboard_domain::{ActivityStatus, AliasId, EmailId, UserId};

use super::*;

fn activity(id: i64, channel: &str, status: &str, assignee: Option<i64>) -> Activity {
    serde_json::from_value(json!({
        "id": id, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": channel,
        "subject": "Refund", "status": status, "sub_status": null, "priority": 5,
        "due_at": null, "queue_id": 3, "assignee_id": assignee, "category_id": null,
        "custom_attributes": {}, "version": 2,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn held(complete: bool) -> HeldReply {
    HeldReply {
        email: EmailId(9),
        alias: AliasId(1),
        answered: Some(switchboard_domain::ActivityId(10)),
        author: Some(UserId(7)),
        complete,
        since: Timestamp::from_millis(1_000),
    }
}

fn approve(edited: bool) -> ReviewDecision {
    ReviewDecision::Approve {
        subject: edited.then(|| "Better".to_string()),
        text: None,
        html: None,
        comment: None,
    }
}

fn reject() -> ReviewDecision {
    ReviewDecision::Reject {
        comment: "tone".into(),
    }
}

const REVIEWER: Actor = Actor::User(UserId(8));

/// One row: decision, Send & Complete, outbound status (and assignee), answered status, who
/// reviews, and what is expected: sent, taken by the reviewer, answered completed.
struct Row {
    decision: ReviewDecision,
    complete: bool,
    outbound: (&'static str, Option<i64>),
    answered: Option<&'static str>,
    reviewer: Actor,
    send: bool,
    take: bool,
    complete_answered: bool,
}

#[test]
fn the_table() {
    let row = |decision, complete, outbound, answered, reviewer, expect: (bool, bool, bool)| Row {
        decision,
        complete,
        outbound,
        answered,
        reviewer,
        send: expect.0,
        take: expect.1,
        complete_answered: expect.2,
    };
    let rows = [
        // Approved while waiting in the review queue: the reviewer takes it to complete it.
        row(
            approve(false),
            false,
            ("queued", None),
            Some("in_progress"),
            REVIEWER,
            (true, true, false),
        ),
        // Already the reviewer's and started: no take.
        row(
            approve(true),
            false,
            ("in_progress", Some(8)),
            Some("in_progress"),
            REVIEWER,
            (true, false, false),
        ),
        // Send & Complete completes the answered activity…
        row(
            approve(false),
            true,
            ("in_progress", Some(8)),
            Some("in_progress"),
            REVIEWER,
            (true, false, true),
        ),
        // …unless it is already done…
        row(
            approve(false),
            true,
            ("in_progress", Some(8)),
            Some("completed"),
            REVIEWER,
            (true, false, false),
        ),
        // …or gone.
        row(
            approve(false),
            true,
            ("in_progress", Some(8)),
            None,
            REVIEWER,
            (true, false, false),
        ),
        // Rejected: never sent; the answered activity stays open even with Send & Complete.
        row(
            reject(),
            true,
            ("queued", None),
            Some("in_progress"),
            REVIEWER,
            (false, true, false),
        ),
        // The system takes nothing.
        row(
            approve(false),
            false,
            ("queued", None),
            Some("in_progress"),
            Actor::System,
            (true, false, false),
        ),
    ];
    for (i, r) in rows.iter().enumerate() {
        let o = activity(11, "outbound_email", r.outbound.0, r.outbound.1);
        let a = r
            .answered
            .map(|s| activity(10, "inbound_email", s, Some(7)));
        let plan = decide(
            &r.decision,
            &held(r.complete),
            &o,
            a.as_ref(),
            r.reviewer,
            Timestamp::from_millis(61_000),
        );
        assert_eq!(plan.send, r.send, "row {i}");
        assert_eq!(plan.take.is_some(), r.take, "row {i}");
        assert_eq!(plan.complete_answered, r.complete_answered, "row {i}");
        assert_eq!(
            matches!(plan.settlement, ReplySettlement::Approved { .. }),
            r.send,
            "row {i}"
        );
    }
}

#[test]
fn the_event_says_who_how_long_and_what_changed() {
    let o = activity(11, "outbound_email", "in_progress", Some(8));
    let now = Timestamp::from_millis(61_000);
    let plan = decide(&approve(true), &held(false), &o, None, REVIEWER, now);
    let EventPayload::ReviewApproved(e) = plan.event else {
        panic!("{:?}", plan.event);
    };
    assert_eq!(e.review_ms, 60_000);
    assert!(e.edited);
    assert_eq!(e.reviewer_id, Some(UserId(8)));
    assert_eq!(e.outbound_activity_id, o.id);

    let plan = decide(&reject(), &held(false), &o, None, REVIEWER, now);
    assert_eq!(
        plan.settlement,
        ReplySettlement::Rejected {
            reason: "rejected in review: tone".into()
        }
    );
    let EventPayload::ReviewRejected(e) = plan.event else {
        panic!("{:?}", plan.event);
    };
    assert_eq!(e.author_id, Some(UserId(7)));
    assert_eq!(e.comment, "tone");
    assert_eq!(o.status, ActivityStatus::InProgress);
}
