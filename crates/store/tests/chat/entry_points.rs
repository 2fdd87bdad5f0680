//! Chat entry points: stored whole, updated by version, the queue and calendar they name checked
//! in their department, and what they name kept from deletion.

use serde_json::json;
use switchboard_domain::*;
use switchboard_store::*;

use crate::{R, now};

fn new_entry_point(v: serde_json::Value) -> NewEntryPoint {
    let n: NewEntryPoint = serde_json::from_value(v).unwrap();
    n.validate().unwrap()
}

pub(crate) async fn suite(s: &Store, dept: DepartmentId) -> R {
    let queue: NewQueue = serde_json::from_value(json!({
        "department_id": dept, "name": "Chat", "routing": {"type": "manual"}
    }))?;
    let queue = s.create_queue(queue.validate()?, now()).await?;
    let calendar: NewCalendar = serde_json::from_value(json!({
        "department_id": dept, "name": "Chat hours", "time_zone": "Europe/Berlin"
    }))?;
    let calendar = s.create_calendar(calendar.validate()?, now()).await?;
    let e = s
        .create_entry_point(
            new_entry_point(json!({
                "department_id": dept, "name": "Web shop", "queue_id": queue.id,
                "calendar_id": calendar.id,
                "allowed_origins": ["https://shop.example.com"],
                "survey": [{"key": "score", "text": "How did we do?", "kind": "rating"}]
            })),
            now(),
        )
        .await?;
    assert_eq!(e.version, 1);
    assert_eq!(s.entry_point(e.id).await?, e);
    assert_eq!(e.pre_chat.len(), 3, "the default form");
    assert_eq!(e.survey[0].kind, chat::QuestionKind::Rating);

    // The same name twice in a department is refused.
    let again = s
        .create_entry_point(
            new_entry_point(json!({"department_id": dept, "name": "Web shop"})),
            now(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { .. })),
        "{again:?}"
    );

    // A queue of another department, or no queue at all, is refused by name.
    let other = s
        .create_department(
            NewDepartment {
                name: "Chat elsewhere".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let foreign = s.exception_queue(other.id).await?;
    let bad = s
        .create_entry_point(
            new_entry_point(
                json!({"department_id": dept, "name": "Foreign", "queue_id": foreign.id}),
            ),
            now(),
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref v)) if v.field == "queue_id"),
        "{bad:?}"
    );
    let bad = s
        .create_entry_point(
            new_entry_point(
                json!({"department_id": dept, "name": "Ghost", "calendar_id": 999_999}),
            ),
            now(),
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref v)) if v.field == "calendar_id"),
        "{bad:?}"
    );

    // Updates go by version; `null` clears.
    let patch: EntryPointPatch = serde_json::from_value(json!({
        "version": 1, "active": false, "calendar_id": null
    }))?;
    let e2 = s
        .update_entry_point(e.id, patch.clone().validate()?, now())
        .await?;
    assert_eq!((e2.version, e2.active, e2.calendar_id), (2, false, None));
    assert_eq!(e2.queue_id, Some(queue.id));
    let stale = s.update_entry_point(e.id, patch.validate()?, now()).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

    // Listed in scope.
    let mine = s
        .list_entry_points(
            &Scope::Departments(vec![dept]),
            Some(dept),
            &PageRequest::first(10),
        )
        .await?;
    assert_eq!(mine.items.len(), 1);
    let theirs = s
        .list_entry_points(
            &Scope::Departments(vec![other.id]),
            None,
            &PageRequest::first(10),
        )
        .await?;
    assert!(theirs.items.is_empty());

    // What an entry point names is not deleted; once it is gone, it can be.
    let used = s.delete_queue(queue.id).await;
    assert!(
        matches!(used, Err(StoreError::Conflict(ref m)) if m.contains("entry point")),
        "{used:?}"
    );
    s.delete_entry_point(e.id).await?;
    assert!(matches!(
        s.entry_point(e.id).await,
        Err(StoreError::NotFound { .. })
    ));
    s.delete_queue(queue.id).await?;
    s.delete_calendar(calendar.id).await?;
    s.delete_department(other.id).await?;
    Ok(())
}
