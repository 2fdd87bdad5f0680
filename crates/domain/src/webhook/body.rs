//! What a delivery's body says: the Standard Webhooks envelope (`type`, `timestamp`, `data`)
//! around the event as the API shows it, with the activity's department, so a receiver needs no
//! second call to know what happened, to what, when and by whom.

use serde_json::{Value, json};

use crate::event::ActivityEvent;
use crate::ids::DepartmentId;

/// The body of a delivery of `event` (of an activity of `department`): `type` is
/// `activity.<kind>`, `timestamp` when it happened (RFC 3339, UTC), `data` the event.
pub fn body(event: &ActivityEvent, department: DepartmentId) -> Value {
    let mut data = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut data {
        map.insert("department_id".into(), json!(department.0));
    }
    json!({
        "type": format!("activity.{}", event.kind().as_str()),
        "timestamp": event.at.to_rfc3339(),
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Actor, EventKind, EventPayload};
    use crate::ids::{ActivityId, EventId, UserId};
    use crate::lifecycle::ActivityStatus;
    use crate::time::Timestamp;

    #[test]
    fn the_envelope_names_the_kind_the_time_and_carries_the_event() {
        let payload = EventPayload::from_stored(
            EventKind::Offered,
            EventKind::Offered.version(),
            r#"{"action":"offer","agent_id":7,"expires_at":1795255200250}"#,
        )
        .unwrap();
        let event = ActivityEvent {
            id: EventId(41),
            activity_id: ActivityId(9),
            payload,
            version: EventKind::Offered.version(),
            from_status: Some(ActivityStatus::Queued),
            to_status: ActivityStatus::Offered,
            actor: Actor::User(UserId(3)),
            at: Timestamp::from_millis(1_795_255_170_250),
        };
        let b = body(&event, DepartmentId(2));
        assert_eq!(b["type"], "activity.offered");
        assert_eq!(
            b["timestamp"],
            Timestamp::from_millis(1_795_255_170_250).to_rfc3339()
        );
        assert_eq!(b["data"]["id"], 41);
        assert_eq!(b["data"]["activity_id"], 9);
        assert_eq!(b["data"]["department_id"], 2);
        assert_eq!(b["data"]["kind"], "offered");
        assert_eq!(b["data"]["data"]["agent_id"], 7);
        assert_eq!(b["data"]["to_status"], "offered");
        assert_eq!(b["data"]["actor"], json!({"type": "user", "id": 3}));
    }
}
