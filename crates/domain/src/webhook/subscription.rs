//! A webhook subscription as an administrator asks for it: a department's target URL and the
//! event kinds it wants. Validation checks the URL's form (its addresses are checked when a
//! delivery is sent, as names can change what they point to) and keeps each kind once.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::event::EventKind;
use crate::ids::{DepartmentId, WebhookId};
use crate::text::{self, MAX_TEXT};
use crate::time::Timestamp;

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
    /// Whether deliveries go strictly in event order: a failing delivery holds back the later
    /// ones until it succeeds or is given up (default: no, each is retried on its own).
    #[serde(default)]
    pub ordered: bool,
    /// What it is for, for the administrators.
    #[serde(default)]
    pub description: String,
}

/// A subscription as stored. Its secret is shown once, when it is created (or replaced).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    /// Id.
    pub id: WebhookId,
    /// The department whose events it hears.
    pub department_id: DepartmentId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event kinds it wants.
    pub events: Vec<EventKind>,
    /// Whether deliveries go out; switched off by an administrator or after
    /// [`super::DISABLE_AFTER`] deliveries in a row were given up.
    pub active: bool,
    /// Whether deliveries go strictly in event order.
    pub ordered: bool,
    /// What it is for.
    pub description: String,
    /// Deliveries given up in a row (reset by a success).
    pub given_up_in_a_row: u32,
    /// When the system switched it off, if it did.
    pub disabled_at: Option<Timestamp>,
    /// Why the system switched it off.
    pub disabled_reason: Option<String>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// A subscription just created or given a new secret: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookWithSecret {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`); keep it, it is not shown again.
    pub secret: String,
}

/// A partial update of a subscription. Switching it on again clears what the system recorded
/// when it switched it off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    /// The version the client last read.
    pub version: i64,
    /// New target URL.
    pub url: Option<String>,
    /// New event kinds (at least one).
    pub events: Option<Vec<EventKind>>,
    /// On or off.
    pub active: Option<bool>,
    /// Strict event order or not.
    pub ordered: Option<bool>,
    /// New description.
    pub description: Option<String>,
}

impl WebhookPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(url) = &self.url {
            let url = url.trim().to_string();
            check_url(&url)?;
            self.url = Some(url);
        }
        if let Some(events) = self.events.take() {
            self.events = Some(kinds_once(events)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        Ok(self)
    }

    /// Applies the patch to a subscription read from the store.
    pub fn apply(&self, w: &mut Webhook) {
        if let Some(url) = &self.url {
            w.url.clone_from(url);
        }
        if let Some(events) = &self.events {
            w.events.clone_from(events);
        }
        if let Some(ordered) = self.ordered {
            w.ordered = ordered;
        }
        if let Some(d) = &self.description {
            w.description.clone_from(d);
        }
        if let Some(active) = self.active {
            if active && !w.active {
                w.given_up_in_a_row = 0;
                w.disabled_at = None;
                w.disabled_reason = None;
            }
            w.active = active;
        }
    }
}

/// Keeps each kind once, in the order given; at least one.
fn kinds_once(events: Vec<EventKind>) -> Result<Vec<EventKind>, ValidationError> {
    if events.is_empty() {
        return Err(ValidationError::new(
            "events",
            "name at least one event kind",
        ));
    }
    let mut once: Vec<EventKind> = Vec::with_capacity(events.len());
    for kind in events {
        if !once.contains(&kind) {
            once.push(kind);
        }
    }
    Ok(once)
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
        self.events = kinds_once(self.events)?;
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
            ordered: false,
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
