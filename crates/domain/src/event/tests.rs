//! The event contract: details written by earlier builds still read, every kind round-trips, and
//! the catalogue names every kind with its version.

use super::*;
use crate::lifecycle::ActivityAction;
use crate::{
    ArticleId, CaseId, CategoryId, ChannelKind, EmailId, QueueId, UserGroupId, WorkflowId,
};

/// Details exactly as builds before typed events stored them, one or more per kind.
const STORED_BEFORE: &[(&str, &str)] = &[
    ("created", r#"{"channel":"inbound_email","case_id":4}"#),
    (
        "updated",
        r#"{"priority":8,"due_at":null,"custom_attributes":{"tier":"gold"}}"#,
    ),
    ("updated", r#"{"category_id":3,"sub_status":"waiting"}"#),
    ("queued", r#"{"queue_id":2}"#),
    (
        "queued",
        r#"{"queue_id":2,"for_user_id":7,"for_group_id":1}"#,
    ),
    ("queued", r#"{"action":"queue","queue_id":2}"#),
    (
        "queued",
        r#"{"action":"queue","queue_id":3,"reason":"overflow","from_queue_id":2,"counts_as_abandoned":false,"for_group_id":5}"#,
    ),
    (
        "queued",
        r#"{"action":"queue","queue_id":2,"reason":"agent_gone"}"#,
    ),
    (
        "offered",
        r#"{"action":"offer","agent_id":7,"expires_at":1795255200250}"#,
    ),
    ("accepted", r#"{"action":"accept"}"#),
    ("declined", r#"{"action":"decline","reason":"declined"}"#),
    (
        "offer_timed_out",
        r#"{"action":"offer_timeout","reason":"offer_timed_out"}"#,
    ),
    ("assigned", r#"{"action":"assign","agent_id":7}"#),
    (
        "assigned",
        r#"{"action":"assign","agent_id":7,"reason":"pull"}"#,
    ),
    ("started", r#"{"action":"start"}"#),
    ("paused", r#"{"action":"pause","reason":"interrupted"}"#),
    ("resumed", r#"{"action":"resume"}"#),
    ("completed", r#"{"action":"complete"}"#),
    (
        "abandoned",
        r#"{"action":"abandon","reason":"max_time_in_queue","from_queue_id":2,"counts_as_abandoned":true}"#,
    ),
    ("replied", r#"{"email_id":9,"outbound_activity_id":11}"#),
    (
        "replied",
        r#"{"email_id":9,"outbound_activity_id":11,"review_queue_id":4}"#,
    ),
    (
        "delivery_failed",
        r#"{"bounce_email_id":12,"recipients":["a@example.com"],"permanent":true}"#,
    ),
    (
        "delivery_failed",
        r#"{"email_id":9,"error":"550 no such user"}"#,
    ),
    ("sent", r#"{"email_id":9}"#),
    (
        "workflow_ran",
        r#"{"workflow_id":1,"version":2,"name":"Start","path":["a","b → yes"],"stopped":false}"#,
    ),
    (
        "workflow_ran",
        r#"{"workflow_id":1,"version":2,"name":"Late","path":[],"stopped":true,"alarm":true,"route":"Queue(QueueId(3))","notes":["x"]}"#,
    ),
    (
        "workflow_ran",
        r#"{"workflow_id":1,"version":2,"name":"Out","path":[],"stopped":false,"outbound":true}"#,
    ),
    ("acknowledged", r#"{"email_id":9,"article_id":3}"#),
    (
        "auto_replied",
        r#"{"email_id":9,"article_id":3,"complete":true}"#,
    ),
    ("notified", r#"{"email_id":9,"to":["boss@example.com"]}"#),
    (
        "review_requested",
        r#"{"email_id":9,"outbound_activity_id":11,"review_queue_id":4}"#,
    ),
    (
        "review_requested",
        r#"{"email_id":9,"answered_activity_id":10,"author_id":7,"complete":true,"review_queue_id":4}"#,
    ),
    (
        "review_approved",
        r#"{"email_id":9,"reviewer_id":8,"edited":false,"comment":null,"review_ms":1200,"outbound_activity_id":11}"#,
    ),
    (
        "review_rejected",
        r#"{"email_id":9,"reviewer_id":8,"comment":"tone","review_ms":1200,"outbound_activity_id":11,"author_id":7}"#,
    ),
    ("chat_started", r#"{"entry_point_id":1001}"#),
    (
        "chat_ended",
        r#"{"by":"customer","reason":"ended","customer_messages":3,"agent_messages":2}"#,
    ),
    (
        "survey_answered",
        r#"{"answers":[{"key":"score","question":"How did we do?","kind":"rating","value":5}]}"#,
    ),
    (
        "transcript_sent",
        r#"{"email_id":9,"to":"ann@example.com"}"#,
    ),
    (
        "wrapped_up",
        r#"{"category_id":4,"note":"Refund promised."}"#,
    ),
    (
        "note_added",
        r#"{"text":"@bob@acme.test can you check?","mentions":[7]}"#,
    ),
    (
        "callback_requested",
        r#"{"entry_point_id":1002,"phone":"+14155552671"}"#,
    ),
    ("callback_attempted", r#"{"attempt":1,"outcome":"busy"}"#),
    (
        "customer_merged",
        r#"{"from_customer_id":9,"into_customer_id":4}"#,
    ),
    ("wait_told", r#"{"queue_id":3,"expected_wait_secs":40}"#),
    ("case_opened", r#"{"case_id":5}"#),
    ("case_closed", r#"{"case_id":5}"#),
    ("case_reopened", r#"{"case_id":5}"#),
];

#[test]
fn details_stored_before_typed_events_still_read() {
    for (kind, data) in STORED_BEFORE {
        let k = EventKind::parse(kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
        let p =
            EventPayload::from_stored(k, 1, data).unwrap_or_else(|e| panic!("{kind} {data}: {e}"));
        assert_eq!(p.kind(), k, "{data}");
    }
    let seen: Vec<&str> = STORED_BEFORE.iter().map(|(k, _)| *k).collect();
    for k in EventKind::ALL {
        assert!(seen.contains(&k.as_str()), "no stored example of {k:?}");
    }
}

#[test]
fn the_old_millisecond_expiry_reads_as_a_time() {
    let p = EventPayload::from_stored(
        EventKind::Offered,
        1,
        r#"{"action":"offer","agent_id":7,"expires_at":1795255200250}"#,
    );
    let Ok(EventPayload::Offered(o)) = p else {
        panic!("{p:?}");
    };
    assert_eq!(o.expires_at.map(Timestamp::millis), Some(1_795_255_200_250));
    let again = EventPayload::Offered(o.clone())
        .data_json()
        .unwrap_or_default();
    assert_eq!(
        again,
        r#"{"agent_id":7,"expires_at":"2026-11-21T10:00:00.25Z"}"#
    );
}

#[test]
fn reads_refuse_what_they_cannot_read() {
    assert!(matches!(
        EventPayload::from_stored(EventKind::Sent, 2, r#"{"email_id":9}"#),
        Err(PayloadError::NewerVersion { version: 2, .. })
    ));
    assert!(matches!(
        EventPayload::from_stored(EventKind::Sent, 1, r#"{"mail":9}"#),
        Err(PayloadError::Malformed { .. })
    ));
    assert!(matches!(
        EventPayload::from_stored(EventKind::Queued, 1, r#"{"reason":"x"}"#),
        Err(PayloadError::Malformed { .. })
    ));
}

/// One payload of every kind, with its details filled.
fn one_of_each() -> Vec<EventPayload> {
    let mut all = vec![
        EventPayload::Created(Created {
            channel: ChannelKind::InboundEmail,
            case_id: CaseId(4),
        }),
        EventPayload::Updated(Changes {
            due_at: Some(None),
            category_id: Some(Some(crate::CategoryId(3))),
            ..Changes::default()
        }),
        EventPayload::Replied(Replied {
            email_id: EmailId(9),
            outbound_activity_id: ActivityId(11),
            review_queue_id: None,
        }),
        EventPayload::DeliveryFailed(DeliveryFailed::Bounced {
            bounce_email_id: EmailId(12),
            recipients: vec!["a@example.com".into()],
            permanent: false,
        }),
        EventPayload::Sent(Sent {
            email_id: EmailId(9),
        }),
        EventPayload::WorkflowRan(WorkflowRan {
            workflow_id: WorkflowId(1),
            version: 2,
            name: "Start".into(),
            path: vec!["a".into()],
            stopped: false,
            alarm: true,
            outbound: false,
            route: None,
            notes: vec!["note".into()],
        }),
        EventPayload::Acknowledged(Acknowledged {
            email_id: EmailId(9),
            article_id: ArticleId(3),
        }),
        EventPayload::AutoReplied(AutoReplied {
            email_id: EmailId(9),
            article_id: ArticleId(3),
            complete: false,
        }),
        EventPayload::Notified(Notified {
            email_id: EmailId(9),
            to: vec!["boss@example.com".into()],
        }),
        EventPayload::ReviewRequested(ReviewRequested::Held {
            email_id: EmailId(9),
            answered_activity_id: ActivityId(10),
            author_id: None,
            complete: true,
            review_queue_id: QueueId(4),
        }),
        EventPayload::ReviewApproved(ReviewApproved {
            email_id: EmailId(9),
            reviewer_id: Some(UserId(8)),
            edited: true,
            comment: None,
            review_ms: 5,
            outbound_activity_id: ActivityId(11),
        }),
        EventPayload::ReviewRejected(ReviewRejected {
            email_id: EmailId(9),
            reviewer_id: Some(UserId(8)),
            comment: "tone".into(),
            review_ms: 5,
            outbound_activity_id: ActivityId(11),
            author_id: Some(UserId(7)),
        }),
        EventPayload::ChatStarted(ChatStarted {
            entry_point_id: crate::EntryPointId(1001),
            origin: Some("https://shop.example.com".into()),
        }),
        EventPayload::ChatEnded(ChatEnded {
            by: crate::chat::ChatParty::Agent,
            reason: crate::chat::EndReason::Ended,
            customer_messages: 3,
            agent_messages: 2,
        }),
        EventPayload::SurveyAnswered(SurveyAnswered {
            answers: vec![crate::chat::SurveyAnswer {
                key: "score".into(),
                question: "How did we do?".into(),
                kind: crate::chat::QuestionKind::Rating,
                value: serde_json::json!(5),
            }],
        }),
        EventPayload::TranscriptSent(TranscriptSent {
            email_id: EmailId(9),
            to: "ann@example.com".into(),
        }),
        EventPayload::WrappedUp(WrappedUp {
            category_id: Some(CategoryId(4)),
            note: "Refund promised.".into(),
        }),
        EventPayload::NoteAdded(NoteAdded {
            text: "@bob@acme.test can you check?".into(),
            mentions: vec![UserId(7)],
        }),
        EventPayload::CallbackRequested(CallbackRequested {
            entry_point_id: crate::EntryPointId(1002),
            phone: "+14155552671".into(),
            requested_at: Some(Timestamp::from_millis(5_000)),
            email_given: true,
        }),
        EventPayload::CallbackAttempted(CallbackAttempted {
            attempt: 2,
            outcome: crate::callback::CallOutcome::NoAnswer,
            note: "voicemail".into(),
            next_at: Some(Timestamp::from_millis(9_000)),
            unreachable: false,
        }),
        EventPayload::CustomerMerged(CustomerMerged {
            from_customer_id: crate::CustomerId(9),
            into_customer_id: crate::CustomerId(4),
        }),
        EventPayload::WaitTold(WaitTold {
            queue_id: QueueId(3),
            expected_wait_secs: 95,
            position: Some(4),
        }),
        EventPayload::CaseOpened(CaseEvent { case_id: CaseId(5) }),
        EventPayload::CaseClosed(CaseEvent { case_id: CaseId(5) }),
        EventPayload::CaseReopened(CaseEvent { case_id: CaseId(5) }),
    ];
    let details = TransitionDetails {
        reason: Some("transfer".into()),
        expires_at: Some(Timestamp::from_millis(1_000)),
        from_queue_id: Some(QueueId(2)),
        counts_as_abandoned: Some(false),
        for_user_id: Some(UserId(7)),
        for_group_id: Some(UserGroupId(1)),
        not_for_user_id: Some(UserId(8)),
        not_before: Some(Timestamp::from_millis(2_000)),
    };
    let actions = [
        ActivityAction::Queue {
            queue_id: QueueId(3),
        },
        ActivityAction::Offer {
            agent_id: UserId(7),
        },
        ActivityAction::Accept,
        ActivityAction::Decline,
        ActivityAction::OfferTimeout,
        ActivityAction::Assign {
            agent_id: UserId(7),
        },
        ActivityAction::Start,
        ActivityAction::Pause,
        ActivityAction::Resume,
        ActivityAction::Complete,
        ActivityAction::Abandon,
    ];
    for a in actions {
        let p = EventPayload::of_action(a, details.clone());
        assert_eq!(p.kind(), EventKind::of_action(a));
        all.push(p);
    }
    all
}

#[test]
fn every_kind_round_trips_through_storage_and_the_wire() {
    let all = one_of_each();
    for k in EventKind::ALL {
        assert!(all.iter().any(|p| p.kind() == k), "no example of {k:?}");
    }
    for p in all {
        let data = p.data_json().unwrap_or_default();
        let back = EventPayload::from_stored(p.kind(), p.kind().version(), &data);
        assert_eq!(back.as_ref(), Ok(&p), "{data}");
        let event = ActivityEvent {
            id: crate::EventId(1),
            activity_id: ActivityId(10),
            payload: p.clone(),
            version: p.kind().version(),
            from_status: None,
            to_status: crate::ActivityStatus::New,
            actor: Actor::System,
            at: Timestamp::from_millis(0),
        };
        let wire = serde_json::to_value(&event).unwrap_or_default();
        assert_eq!(wire["kind"], p.kind().as_str());
        assert!(wire["data"].is_object(), "{wire}");
        let read: Result<ActivityEvent, _> = serde_json::from_value(wire);
        assert_eq!(read.ok(), Some(event));
    }
}

#[test]
fn the_catalogue_names_every_kind_with_its_version() {
    let catalogue = include_str!("../../../../docs/events.md");
    for k in EventKind::ALL {
        let heading = format!("### `{}` (version {})", k.as_str(), k.version());
        assert!(
            catalogue.contains(&heading),
            "docs/events.md lacks {heading}"
        );
    }
}
