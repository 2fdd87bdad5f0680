//! Which router request each action becomes.

use serde_json::json;
use switchboard_domain::{QueueId, UserId};

use super::*;

fn activity(status: &str, assignee: Option<i64>) -> Activity {
    serde_json::from_value(json!({
        "id": 10, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": "inbound_email",
        "subject": "s", "status": status, "sub_status": null, "priority": 5, "due_at": null,
        "queue_id": 3, "assignee_id": assignee, "category_id": null, "custom_attributes": {},
        "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The request's shape, or the refusal, as text for the table.
fn becomes(a: &Activity, action: ActivityAction) -> String {
    match request_for(a, action) {
        Ok(r) => format!("{r:?}"),
        Err(ActError::Routed) => "refused: routed".into(),
        Err(ActError::Transition(e)) => format!("refused: {e}"),
        Err(e) => format!("other: {e}"),
    }
}

#[test]
fn the_table() {
    let held = activity("offered", Some(7));
    let waiting = activity("queued", None);
    let table: Vec<(&Activity, ActivityAction, &str)> = vec![
        (
            &held,
            ActivityAction::Offer {
                agent_id: UserId(7),
            },
            "refused: routed",
        ),
        (&held, ActivityAction::OfferTimeout, "refused: routed"),
        (
            &held,
            ActivityAction::Accept,
            "Accept { activity: ActivityId(10), agent: UserId(7) }",
        ),
        (
            &held,
            ActivityAction::Decline,
            "Decline { activity: ActivityId(10), agent: UserId(7) }",
        ),
        (&waiting, ActivityAction::Accept, "refused: "),
        (&waiting, ActivityAction::Decline, "refused: "),
        (&held, ActivityAction::Start, "Start(ActivityId(10))"),
        (&held, ActivityAction::Pause, "Pause(ActivityId(10))"),
        (&held, ActivityAction::Resume, "Resume(ActivityId(10))"),
        (&held, ActivityAction::Complete, "Complete(ActivityId(10))"),
        (&waiting, ActivityAction::Abandon, "Abandon(ActivityId(10))"),
        (
            &held,
            ActivityAction::Queue {
                queue_id: QueueId(5),
            },
            "Transfer { activity: ActivityId(10), to: Queue(QueueId(5)) }",
        ),
        (
            &waiting,
            ActivityAction::Assign {
                agent_id: UserId(8),
            },
            "Transfer { activity: ActivityId(10), to: Agent(UserId(8)) }",
        ),
    ];
    for (a, action, want) in table {
        let got = becomes(a, action);
        assert!(got.starts_with(want), "{action:?} on {:?}: {got}", a.status);
    }
}
