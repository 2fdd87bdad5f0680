//! The callback kept beside its activity: whom to call, where, when, and how the calls went.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::outcome::CallOutcome;
use crate::ids::{ActivityId, DepartmentId, EntryPointId};
use crate::time::Timestamp;

/// Where a callback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackState {
    /// Waiting for a call (now, or at `due_at`).
    Pending,
    /// An agent reached the customer.
    Reached,
    /// No call reached the customer: attempts ran out or the number was wrong.
    Unreachable,
    /// The activity ended otherwise (a supervisor closed it).
    Closed,
}

impl CallbackState {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackState::Pending => "pending",
            CallbackState::Reached => "reached",
            CallbackState::Unreachable => "unreachable",
            CallbackState::Closed => "closed",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<CallbackState> {
        [
            CallbackState::Pending,
            CallbackState::Reached,
            CallbackState::Unreachable,
            CallbackState::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Callback {
    /// Its activity.
    pub activity_id: ActivityId,
    /// Department.
    pub department_id: DepartmentId,
    /// The entry point it came from.
    pub entry_point_id: EntryPointId,
    /// The customer's name as given.
    pub name: String,
    /// The number, E.164.
    pub phone: String,
    /// The customer's email address, when given.
    pub email: Option<String>,
    /// The customer's time zone, when known.
    pub time_zone: Option<String>,
    /// What it is about, as the customer wrote.
    pub note: String,
    /// When the customer asked to be called (delayed callback).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub requested_at: Option<Timestamp>,
    /// Not offered to an agent before this time (the requested time, or a retry's).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// Calls made so far.
    pub attempts: u8,
    /// How the last call went.
    pub last_outcome: Option<CallOutcome>,
    /// Where it stands.
    pub state: CallbackState,
    /// When it was asked for.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When it last changed.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl Callback {
    /// As it stands once its activity's status is known: still pending when the activity was
    /// completed or abandoned some other way (a supervisor closed it) is closed.
    pub fn as_of(mut self, activity: crate::ActivityStatus) -> Callback {
        if self.state == CallbackState::Pending && activity.is_final() {
            self.state = CallbackState::Closed;
        }
        self
    }
}

/// A callback to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCallback {
    /// Its activity.
    pub activity_id: ActivityId,
    /// Department.
    pub department_id: DepartmentId,
    /// Entry point.
    pub entry_point_id: EntryPointId,
    /// Name.
    pub name: String,
    /// E.164 number.
    pub phone: String,
    /// Email address.
    pub email: Option<String>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Note.
    pub note: String,
    /// Requested time.
    pub requested_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ActivityStatus::{Abandoned, Assigned, Completed, Queued};

    fn callback(state: CallbackState) -> Callback {
        serde_json::from_value(serde_json::json!({
            "activity_id": 1, "department_id": 1, "entry_point_id": 1, "name": "Carla",
            "phone": "+14155552671", "email": null, "time_zone": null, "note": "",
            "requested_at": null, "due_at": null, "attempts": 0, "last_outcome": null,
            "state": state, "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_pending_callback_of_finished_work_is_closed() {
        use CallbackState::*;
        let table = [
            (Pending, Queued, Pending),
            (Pending, Assigned, Pending),
            (Pending, Completed, Closed),
            (Pending, Abandoned, Closed),
            (Reached, Completed, Reached),
            (Unreachable, Completed, Unreachable),
        ];
        for (state, status, want) in table {
            assert_eq!(
                callback(state).as_of(status).state,
                want,
                "{state:?} {status:?}"
            );
        }
    }
}
