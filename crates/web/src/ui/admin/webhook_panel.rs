//! What a webhook's page shows below its form: why the system switched it off (if it did), its
//! signing secret's panel (the secret appears there once, right after it is made or renewed),
//! and its latest deliveries with their answers and a replay button.

use switchboard_domain::WebhookId;
use switchboard_domain::webhook::{DeliveryStatus, WebhookDelivery};
use switchboard_store::PageRequest;

use crate::error::ApiResult;
use crate::state::AppState;

/// Deliveries shown on the page.
const SHOWN: u32 = 50;

/// One delivery as a row.
pub struct DeliveryRow {
    /// Its id (for the replay button).
    pub id: i64,
    /// When it was written, RFC 3339.
    pub at: String,
    /// The event's kind.
    pub kind: &'static str,
    /// Its status's stable name.
    pub status: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// The last answer: an HTTP status, or what went wrong.
    pub answer: String,
    /// When it is tried next (pending only), RFC 3339.
    pub next: String,
}

/// The panel.
pub struct WebhookPanel {
    /// Why the system switched it off.
    pub disabled_reason: Option<String>,
    /// The latest deliveries, newest first.
    pub deliveries: Vec<DeliveryRow>,
}

fn row(d: &WebhookDelivery) -> DeliveryRow {
    let answer = match (d.last_status_code, &d.last_error) {
        (Some(code), _) => code.to_string(),
        (None, Some(e)) => e.clone(),
        (None, None) => String::new(),
    };
    DeliveryRow {
        id: d.id.0,
        at: d.created_at.to_rfc3339(),
        kind: d.kind.as_str(),
        status: d.status.as_str(),
        attempts: d.attempts,
        answer,
        next: match (d.status, d.next_attempt_at) {
            (DeliveryStatus::Pending, Some(t)) => t.to_rfc3339(),
            _ => String::new(),
        },
    }
}

/// The panel of webhook `id`.
pub async fn panel(s: &AppState, id: i64) -> ApiResult<WebhookPanel> {
    let id = WebhookId(id);
    let w = s.store.webhook(id).await?;
    let page = s
        .store
        .webhook_deliveries(id, None, &PageRequest::first(SHOWN))
        .await?;
    Ok(WebhookPanel {
        disabled_reason: w.disabled_reason,
        deliveries: page.items.iter().map(row).collect(),
    })
}
