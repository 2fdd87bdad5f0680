//! What a customer asks for: to be called back now, or at a time.

use serde::Deserialize;
use utoipa::ToSchema;

use super::phone;
use super::settings::CallbackSettings;
use super::times::{TimeRules, check_time};
use crate::calendar;
use crate::error::ValidationError;
use crate::text::{self, EmailAddress, MAX_NAME};
use crate::time::Timestamp;

/// Longest note a customer may leave.
pub const MAX_NOTE: usize = 2_000;

/// A customer's callback request, as the widget or a site sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    /// The customer's name.
    pub name: String,
    /// The number to call, as typed (with the department's default country when it names none).
    pub phone: String,
    /// An email address for the confirmation and for word if we cannot reach them.
    #[serde(default)]
    pub email: Option<String>,
    /// When to call (delayed callback only): one of the times offered.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// The customer's time zone (IANA name, e.g. `Europe/Berlin`), to speak of the time in it.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// What it is about.
    #[serde(default)]
    pub note: Option<String>,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAsk {
    /// Name, trimmed.
    pub name: String,
    /// E.164.
    pub phone: String,
    /// Email address, when given.
    pub email: Option<EmailAddress>,
    /// When to call (delayed callback).
    pub at: Option<Timestamp>,
    /// The customer's time zone, when given and known.
    pub time_zone: Option<String>,
    /// What it is about (may be empty).
    pub note: String,
}

/// Checks `req` for an entry point of a callback (`delayed`: at a time) at `now`.
pub fn check_request(
    req: &CallbackRequest,
    delayed: bool,
    settings: &CallbackSettings,
    rules: &TimeRules<'_>,
    now: Timestamp,
) -> Result<CallbackAsk, ValidationError> {
    let name = text::required("name", &req.name, MAX_NAME)?;
    let phone = phone::e164("phone", &req.phone, &settings.default_country)?;
    let email = match req
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) => Some(EmailAddress::parse(e).map_err(|why| ValidationError::new("email", why))?),
        None => None,
    };
    let at = match (delayed, req.at) {
        (true, None) => return Err(ValidationError::new("at", "choose when we should call")),
        (false, Some(_)) => {
            return Err(ValidationError::new(
                "at",
                "this entry point calls back as soon as it can; it takes no time",
            ));
        }
        (true, Some(at)) => {
            check_time(rules, now, at)?;
            Some(at)
        }
        (false, None) => None,
    };
    let time_zone = match req
        .time_zone
        .as_deref()
        .map(str::trim)
        .filter(|z| !z.is_empty())
    {
        Some(z) => {
            calendar::zone("time_zone", z)?;
            Some(z.to_string())
        }
        None => None,
    };
    let note = text::optional(
        "note",
        req.note.as_deref().unwrap_or_default().trim(),
        MAX_NOTE,
    )?;
    Ok(CallbackAsk {
        name,
        phone,
        email,
        at,
        time_zone,
        note,
    })
}
