//! A webhook subscription as an administrator asks for it: a department's target URL and the
//! event kinds it wants. Validation checks the URL's form (its addresses are checked when a
//! delivery is sent, as names can change what they point to) and keeps each kind once.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::event::EventKind;
use crate::ids::DepartmentId;
use crate::text::{self, MAX_TEXT};

use super::target::check_url;

/// A new subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// The department whose events it hears.
    pub department_id: DepartmentId,
    /// Where deliveries are POSTed (`http` or `https`).
    pub url: String,
    /// The event kinds it wants (at least one).
    pub events: Vec<EventKind>,
    /// Whether deliveries go out (default: yes).
    #[serde(default = "yes")]
    pub active: bool,
    /// What it is for, for the administrators.
    #[serde(default)]
    pub description: String,
}

fn yes() -> bool {
    true
}

impl NewWebhook {
    /// Checks the URL's form and the description, and keeps each event kind once, in the
    /// order given.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.url = self.url.trim().to_string();
        check_url(&self.url)?;
        if self.events.is_empty() {
            return Err(ValidationError::new(
                "events",
                "name at least one event kind",
            ));
        }
        let mut once: Vec<EventKind> = Vec::with_capacity(self.events.len());
        for kind in self.events {
            if !once.contains(&kind) {
                once.push(kind);
            }
        }
        self.events = once;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        Ok(self)
    }
}

/// A delivery's id, the same on every attempt (the receiver's idempotency key): the event and
/// the subscription.
pub fn delivery_id(event_id: i64, subscription_id: i64) -> String {
    format!("msg_{event_id}_{subscription_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str, events: Vec<EventKind>) -> NewWebhook {
        NewWebhook {
            department_id: DepartmentId(1),
            url: url.into(),
            events,
            active: true,
            description: String::new(),
        }
    }

    #[test]
    fn a_subscription_needs_a_good_url_and_some_events_each_once() {
        let ok = new(
            " https://hooks.example.com/switchboard ",
            vec![EventKind::Created, EventKind::Completed, EventKind::Created],
        )
        .validate()
        .unwrap();
        assert_eq!(ok.url, "https://hooks.example.com/switchboard");
        assert_eq!(ok.events, vec![EventKind::Created, EventKind::Completed]);
        assert_eq!(
            new("ftp://x/", vec![EventKind::Created])
                .validate()
                .unwrap_err()
                .field,
            "url"
        );
        assert_eq!(
            new("https://x.example/", vec![])
                .validate()
                .unwrap_err()
                .field,
            "events"
        );
        let parsed: NewWebhook = serde_json::from_value(serde_json::json!({
            "department_id": 1, "url": "https://x.example/", "events": ["created", "chat_ended"]
        }))
        .unwrap();
        assert!(parsed.active);
        assert!(
            serde_json::from_value::<NewWebhook>(serde_json::json!({
                "department_id": 1, "url": "https://x.example/", "events": ["no_such_event"]
            }))
            .is_err()
        );
        assert_eq!(delivery_id(42, 7), "msg_42_7");
    }
}
