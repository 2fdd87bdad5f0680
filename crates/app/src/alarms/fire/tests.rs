//! Table tests of what an alarm does to an activity.

use std::collections::BTreeMap;

use serde_json::json;
use switchboard_domain::{Activity, CategoryId, Priority, QueueId};
use switchboard_workflow::{Effects, Notice, Ran, RouteTo};

use super::*;

fn activity() -> Activity {
    serde_json::from_value(json!({
        "id": 10, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": "inbound_email",
        "subject": "Where is my order?", "status": "queued", "sub_status": null, "priority": 5,
        "due_at": null, "queue_id": 3, "assignee_id": null, "category_id": 7,
        "custom_attributes": {"tier": "gold"}, "version": 4,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn notice() -> Notice {
    Notice {
        to: vec!["lead@example.com".into()],
        subject: String::new(),
        text: "Late".into(),
        article: None,
    }
}

fn attrs(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

/// One row: the effects, what was looked up, and the expected changes and notes.
struct Row {
    name: &'static str,
    effects: Effects,
    looked: Looked,
    changes: Changes,
    notes: &'static [&'static str],
    notifies: bool,
}

#[test]
fn the_table() {
    let p8 = Priority::new(8).ok();
    let rows = [
        Row {
            name: "nothing",
            effects: Effects::default(),
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &[],
            notifies: false,
        },
        Row {
            name: "priority raised",
            effects: Effects {
                priority: Some(8),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes {
                priority: p8,
                ..Changes::default()
            },
            notes: &[],
            notifies: false,
        },
        Row {
            name: "the same priority is no change",
            effects: Effects {
                priority: Some(5),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &[],
            notifies: false,
        },
        Row {
            name: "a priority out of range is ignored",
            effects: Effects {
                priority: Some(11),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &[],
            notifies: false,
        },
        Row {
            name: "a category that fits",
            effects: Effects {
                category: Some(CategoryId(9)),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes {
                category_id: Some(Some(CategoryId(9))),
                ..Changes::default()
            },
            notes: &[],
            notifies: false,
        },
        Row {
            name: "a category that does not fit is left out with a note",
            effects: Effects {
                category: Some(CategoryId(9)),
                priority: Some(8),
                ..Effects::default()
            },
            looked: Looked {
                category_refusal: Some("no such category".into()),
                has_sender: false,
            },
            changes: Changes {
                priority: p8,
                ..Changes::default()
            },
            notes: &["category 9 not set: no such category"],
            notifies: false,
        },
        Row {
            name: "the current category is no change",
            effects: Effects {
                category: Some(CategoryId(7)),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &[],
            notifies: false,
        },
        Row {
            name: "attributes merge; all of them are recorded",
            effects: Effects {
                attributes: attrs(&[("late", json!(true)), ("tier", json!("gold"))]),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes {
                custom_attributes: Some(attrs(&[("late", json!(true)), ("tier", json!("gold"))])),
                ..Changes::default()
            },
            notes: &[],
            notifies: false,
        },
        Row {
            name: "attributes already set are no change",
            effects: Effects {
                attributes: attrs(&[("tier", json!("gold"))]),
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &[],
            notifies: false,
        },
        Row {
            name: "notifications with an alias to send from",
            effects: Effects {
                notify: vec![notice()],
                ..Effects::default()
            },
            looked: Looked {
                category_refusal: None,
                has_sender: true,
            },
            changes: Changes::default(),
            notes: &[],
            notifies: true,
        },
        Row {
            name: "notifications without an alias are left out with a note",
            effects: Effects {
                notify: vec![notice()],
                ..Effects::default()
            },
            looked: Looked::default(),
            changes: Changes::default(),
            notes: &["notify: the department has no active alias to send from"],
            notifies: false,
        },
    ];
    for r in rows {
        let mut a = activity();
        let f = fire(&mut a, &r.effects, &r.looked);
        assert_eq!(f.changes, r.changes, "{}", r.name);
        assert_eq!(f.notes, r.notes, "{}", r.name);
        assert_eq!(!f.notify.is_empty(), r.notifies, "{}", r.name);
        // The activity carries exactly the recorded changes.
        if let Some(p) = r.changes.priority {
            assert_eq!(a.priority, p, "{}", r.name);
        }
        if let Some(k) = r.changes.category_id {
            assert_eq!(a.category_id, k, "{}", r.name);
        }
        if r.changes.is_empty() {
            assert_eq!(a, activity(), "{}", r.name);
        }
    }
}

#[test]
fn the_route_goes_to_the_router_and_into_the_record() {
    let mut a = activity();
    let e = Effects {
        route: Some(RouteTo::Queue(QueueId(12))),
        notify: vec![notice()],
        ..Effects::default()
    };
    let f = fire(&mut a, &e, &Looked::default());
    assert_eq!(f.route, Some(RouteTo::Queue(QueueId(12))));
    let ran = Ran {
        workflow: switchboard_domain::WorkflowId(3),
        version: 2,
        name: "Late".into(),
        path: vec!["check".into()],
        stopped: false,
    };
    let record = run_record(&ran, &f);
    assert!(record.alarm);
    assert_eq!(record.route.as_deref(), Some("Queue(QueueId(12))"));
    assert_eq!(
        record.notes,
        ["notify: the department has no active alias to send from"]
    );
}

#[test]
fn only_a_changed_category_is_checked() {
    let a = activity();
    let with = |k: i64| Effects {
        category: Some(CategoryId(k)),
        ..Effects::default()
    };
    assert_eq!(category_to_check(&a, &with(9)), Some(CategoryId(9)));
    assert_eq!(category_to_check(&a, &with(7)), None);
    assert_eq!(category_to_check(&a, &Effects::default()), None);
}
