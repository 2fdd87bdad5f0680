//! A department's callback settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::phone;
use crate::error::ValidationError;

/// Most attempts a department may allow.
pub const MAX_ATTEMPTS: u8 = 10;
/// Longest retry delay, in minutes (a day).
pub const MAX_RETRY_MINUTES: u32 = 1_440;
/// Longest notice a delayed callback may need, in minutes (a day).
pub const MAX_LEAD_MINUTES: u32 = 1_440;
/// Furthest ahead a delayed callback may be asked for, in days.
pub const MAX_HORIZON_DAYS: u32 = 60;
/// Longest softphone link template.
pub const MAX_LINK: usize = 500;

/// How a department calls its customers back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CallbackSettings {
    /// The country (ISO 3166 code, e.g. `US`, `DE`) of numbers given without one.
    pub default_country: String,
    /// Calls tried before the callback ends as unreachable (1–10).
    pub max_attempts: u8,
    /// Minutes before a callback whose call was not answered (or busy) is offered again.
    pub retry_minutes: u32,
    /// The least notice a delayed callback needs, in minutes.
    pub lead_minutes: u32,
    /// How many days ahead a delayed callback may be asked for.
    pub horizon_days: u32,
    /// A link that opens the contact center's softphone or CTI with the number, e.g.
    /// `https://cti.example.com/dial?to={phone}&ref={activity_id}` or `sip:{phone}`; empty: only
    /// the `tel:` link. `{phone}` is the E.164 number, `{activity_id}` the activity.
    pub dial_link: String,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        CallbackSettings {
            default_country: "US".to_string(),
            max_attempts: 3,
            retry_minutes: 15,
            lead_minutes: 15,
            horizon_days: 7,
            dial_link: String::new(),
        }
    }
}

impl CallbackSettings {
    /// Checks ranges, the country and the link; normalises the country's case.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.default_country = self.default_country.trim().to_ascii_uppercase();
        phone::country(&self.default_country)?;
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(ValidationError::new(
                "max_attempts",
                format!("must be from 1 to {MAX_ATTEMPTS}"),
            ));
        }
        if !(1..=MAX_RETRY_MINUTES).contains(&self.retry_minutes) {
            return Err(ValidationError::new(
                "retry_minutes",
                format!("must be from 1 to {MAX_RETRY_MINUTES}"),
            ));
        }
        if self.lead_minutes > MAX_LEAD_MINUTES {
            return Err(ValidationError::new(
                "lead_minutes",
                format!("at most {MAX_LEAD_MINUTES}"),
            ));
        }
        if !(1..=MAX_HORIZON_DAYS).contains(&self.horizon_days) {
            return Err(ValidationError::new(
                "horizon_days",
                format!("must be from 1 to {MAX_HORIZON_DAYS}"),
            ));
        }
        self.dial_link = self.dial_link.trim().to_string();
        phone::check_link_template(&self.dial_link)?;
        Ok(self)
    }
}
