//! When a saved report runs by itself: a cron pattern (five fields, or six with seconds first;
//! `L`, `#` and `W` as in Vixie cron and its successors) read in the schedule's own time zone,
//! so "07:00 every Monday" stays 07:00 across a DST change.

use std::str::FromStr as _;

use croner::Cron;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::definitions::time_zone;
use super::file_format::ExportFormat;
use crate::error::ValidationError;
use crate::ids::{AliasId, UserId};
use crate::time::Timestamp;

/// Runs looked at for the shortest gap between two.
const GAP_RUNS: usize = 400;

/// Most recipients of one schedule.
pub const MAX_RECIPIENTS: usize = 50;

/// A saved report's schedule: when it runs, in which files, mailed from which alias to whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// A cron pattern, e.g. `0 7 * * 1` (07:00 on Mondays).
    pub cron: String,
    /// The IANA time zone the pattern is read in.
    pub time_zone: String,
    /// The files attached (at least one).
    pub formats: Vec<ExportFormat>,
    /// The users it is mailed to (at least one; each must read reports).
    pub recipients: Vec<UserId>,
    /// The alias it is sent from.
    pub alias_id: AliasId,
    /// Whether it runs (default: yes).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn pattern(cron: &str) -> Result<Cron, ValidationError> {
    Cron::from_str(cron.trim()).map_err(|e| {
        ValidationError::new(
            "schedule.cron",
            format!("not a cron pattern ({e}); e.g. 0 7 * * 1 for 07:00 on Mondays"),
        )
    })
}

/// The first time after `after` that `cron` names in `tz` (`None`: never).
pub fn next_run(cron: &str, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
    let c = pattern(cron).ok()?;
    let z = jiff::Timestamp::from_millisecond(after.millis())
        .ok()?
        .to_zoned(tz.clone());
    let next = c.find_next_occurrence(&z, false).ok()?;
    Some(Timestamp::from_millis(next.timestamp().as_millisecond()))
}

impl Schedule {
    /// Checks the pattern, the zone, the formats and the recipients, and that two runs are at
    /// least `min_gap_secs` apart; keeps each format and recipient once, in order.
    pub fn validate(
        mut self,
        min_gap_secs: i64,
        now: Timestamp,
    ) -> Result<Schedule, ValidationError> {
        self.cron = self.cron.trim().to_string();
        pattern(&self.cron)?;
        let tz = time_zone("schedule.time_zone", &self.time_zone)?;
        let mut at = next_run(&self.cron, &tz, now).ok_or_else(|| {
            ValidationError::new("schedule.cron", "this pattern never comes round")
        })?;
        // The closest two runs over the next ones (a pattern may bunch them, e.g. twice on the
        // first of the month).
        let gap_ms = min_gap_secs.saturating_mul(1000);
        for _ in 0..GAP_RUNS {
            let Some(next) = next_run(&self.cron, &tz, at) else {
                break;
            };
            if next.millis() - at.millis() < gap_ms {
                return Err(ValidationError::new(
                    "schedule.cron",
                    format!("runs must be at least {min_gap_secs} s apart"),
                ));
            }
            at = next;
        }
        self.formats = once(self.formats);
        if self.formats.is_empty() {
            return Err(ValidationError::new(
                "schedule.formats",
                "name at least one format",
            ));
        }
        self.recipients = once(self.recipients);
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            return Err(ValidationError::new(
                "schedule.recipients",
                format!("name between 1 and {MAX_RECIPIENTS} users"),
            ));
        }
        Ok(self)
    }

    /// The next run after `after`, if it is active and the pattern comes round.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        if !self.active {
            return None;
        }
        let tz = time_zone("schedule.time_zone", &self.time_zone).ok()?;
        next_run(&self.cron, &tz, after)
    }
}

fn once<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(v.len());
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}
