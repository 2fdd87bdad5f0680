//! The widget's template: its texts and colour. The wait message is dynamic: `{{position}}`
//! (1-based place in the queue), `{{expected_wait}}` (in words) and `{{activity.id}}` are filled
//! while the customer waits.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::template;
use crate::text::{self, MAX_NAME, MAX_TEXT};

/// The placeholders a wait message may use.
pub const WAIT_PLACEHOLDERS: [&str; 3] = ["position", "expected_wait", "activity.id"];

/// The texts and colour of an entry point's widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WidgetTemplate {
    /// The window's title and the button's label.
    pub title: String,
    /// Shown above the pre-chat form.
    pub welcome: String,
    /// Shown while the customer waits for an agent (with placeholders).
    pub wait_message: String,
    /// Shown when the entry point is closed or nobody can take a chat; the customer may leave an
    /// email instead.
    pub offline: String,
    /// The accent colour, `#rrggbb`.
    pub colour: String,
}

impl Default for WidgetTemplate {
    fn default() -> Self {
        WidgetTemplate {
            title: "Chat with us".into(),
            welcome: "Tell us who you are and what you need; an agent will be with you shortly."
                .into(),
            wait_message:
                "You are number {{position}} in the queue. Expected wait: {{expected_wait}}.".into(),
            offline: "We cannot chat right now. Leave us a message and we will answer by email."
                .into(),
            colour: "#1f5fbf".into(),
        }
    }
}

impl WidgetTemplate {
    /// Validates and normalises the template.
    pub fn check(&mut self) -> Result<(), ValidationError> {
        self.title = text::required("widget.title", &self.title, MAX_NAME)?;
        self.welcome = text::optional("widget.welcome", &self.welcome, MAX_TEXT)?;
        self.wait_message = text::optional("widget.wait_message", &self.wait_message, MAX_TEXT)?;
        self.offline = text::required("widget.offline", &self.offline, MAX_TEXT)?;
        template::check_names(
            "widget.wait_message",
            &self.wait_message,
            &WAIT_PLACEHOLDERS,
        )?;
        self.colour = self.colour.trim().to_ascii_lowercase();
        let hex = self.colour.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ValidationError::new(
                "widget.colour",
                "write the colour as #rrggbb, e.g. #1f5fbf",
            ));
        }
        Ok(())
    }
}

/// A wait message with its placeholders filled.
pub fn wait_message(template: &str, position: usize, expected_wait: &str, activity: i64) -> String {
    let (position, activity) = (position.to_string(), activity.to_string());
    template::render_names(
        template,
        &[
            ("position", &position),
            ("expected_wait", expected_wait),
            ("activity.id", &activity),
        ],
    )
}

/// An expected wait in words for the wait message: "less than a minute", "about 3 minutes",
/// "about 2 hours"; "a few minutes" when nothing has left the queue lately to estimate from.
pub fn wait_words(secs: Option<f64>) -> String {
    let Some(s) = secs.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "a few minutes".into();
    };
    if s < 60.0 {
        return "less than a minute".into();
    }
    let minutes = (s / 60.0).round() as u64;
    match minutes {
        1 => "about 1 minute".into(),
        m if m < 90 => format!("about {m} minutes"),
        m => {
            let hours = (m as f64 / 60.0).round() as u64;
            if hours == 1 {
                "about 1 hour".into()
            } else {
                format!("about {hours} hours")
            }
        }
    }
}

/// The HTML a web master pastes into a page to offer chat through entry point `id`: one script
/// tag referencing the server's widget script (`server` is the server's address as customers
/// reach it, e.g. `https://support.example.com`).
pub fn snippet(server: &str, id: crate::ids::EntryPointId) -> String {
    let server = server.trim_end_matches('/');
    format!(
        "<script src=\"{server}/chat/widget.js\" data-entry-point=\"{}\" async></script>",
        id.0
    )
}
