//! When a delayed callback may be asked for: on a grid of quarter hours from the department's
//! least notice to its horizon, inside the entry point's business hours. The widget shows these
//! times in the customer's own time zone; a time sent through the API is checked against the same
//! rules.

use std::time::Duration;

use crate::calendar::OpenHours;
use crate::error::ValidationError;
use crate::time::Timestamp;

/// The grid, in minutes.
pub const STEP_MINUTES: i64 = 15;
/// Most times offered at once.
pub const MAX_TIMES: usize = 2_000;

const MINUTE: i64 = 60_000;

/// What bounds the times of one entry point.
#[derive(Debug, Clone, Copy)]
pub struct TimeRules<'a> {
    /// The entry point's business hours (none: always open).
    pub open: Option<&'a OpenHours>,
    /// The least notice, in minutes.
    pub lead_minutes: u32,
    /// How many days ahead.
    pub horizon_days: u32,
}

impl TimeRules<'_> {
    fn is_open(&self, t: Timestamp) -> bool {
        self.open.is_none_or(|h| h.is_open(t))
    }

    fn latest(&self, now: Timestamp) -> Timestamp {
        now.plus(Duration::from_secs(u64::from(self.horizon_days) * 86_400))
    }
}

/// The times a delayed callback may be asked for at `now`, earliest first.
pub fn times(rules: &TimeRules<'_>, now: Timestamp) -> Vec<Timestamp> {
    let step = STEP_MINUTES * MINUTE;
    let first = now.millis() + i64::from(rules.lead_minutes) * MINUTE;
    let mut t = first.div_euclid(step) * step;
    if t < first {
        t += step;
    }
    let last = rules.latest(now).millis();
    let mut out = Vec::new();
    while t <= last && out.len() < MAX_TIMES {
        let at = Timestamp::from_millis(t);
        if rules.is_open(at) {
            out.push(at);
        }
        t += step;
    }
    out
}

/// Checks a time asked for at `now`: not past, within the horizon, inside business hours. (The
/// least notice shapes what is offered; a time offered a little while ago stays good.)
pub fn check_time(
    rules: &TimeRules<'_>,
    now: Timestamp,
    at: Timestamp,
) -> Result<(), ValidationError> {
    if at.millis() < now.millis() {
        return Err(ValidationError::new(
            "at",
            "this time has passed; choose another",
        ));
    }
    if at.millis() > rules.latest(now).millis() {
        return Err(ValidationError::new(
            "at",
            format!("at most {} days ahead", rules.horizon_days),
        ));
    }
    if !rules.is_open(at) {
        return Err(ValidationError::new(
            "at",
            "we do not call at this time; choose one of the times offered",
        ));
    }
    Ok(())
}
