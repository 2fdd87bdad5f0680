//! A report's period: fixed dates, or a preset ("last week", "last month") that a saved or
//! scheduled report resolves afresh at every run, in its time zone. Presets cover whole days: a
//! day starts at midnight in the zone (whatever its length across a DST change), a week on
//! Monday.

use jiff::tz::TimeZone;
use jiff::{Span, Zoned};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::time::Timestamp;

/// A period relative to the moment a report runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodPreset {
    /// From midnight today to midnight tomorrow.
    Today,
    /// The day before today.
    Yesterday,
    /// The seven whole days before today.
    Last7Days,
    /// The thirty whole days before today.
    Last30Days,
    /// This week, from Monday.
    ThisWeek,
    /// Last week, Monday to Sunday.
    LastWeek,
    /// This calendar month.
    ThisMonth,
    /// Last calendar month.
    LastMonth,
    /// This calendar year.
    ThisYear,
    /// Last calendar year.
    LastYear,
}

impl PeriodPreset {
    /// Every preset.
    pub const ALL: [PeriodPreset; 10] = [
        PeriodPreset::Today,
        PeriodPreset::Yesterday,
        PeriodPreset::Last7Days,
        PeriodPreset::Last30Days,
        PeriodPreset::ThisWeek,
        PeriodPreset::LastWeek,
        PeriodPreset::ThisMonth,
        PeriodPreset::LastMonth,
        PeriodPreset::ThisYear,
        PeriodPreset::LastYear,
    ];

    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodPreset::Today => "today",
            PeriodPreset::Yesterday => "yesterday",
            PeriodPreset::Last7Days => "last_7_days",
            PeriodPreset::Last30Days => "last_30_days",
            PeriodPreset::ThisWeek => "this_week",
            PeriodPreset::LastWeek => "last_week",
            PeriodPreset::ThisMonth => "this_month",
            PeriodPreset::LastMonth => "last_month",
            PeriodPreset::ThisYear => "this_year",
            PeriodPreset::LastYear => "last_year",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<PeriodPreset> {
        PeriodPreset::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            PeriodPreset::Today => "Today",
            PeriodPreset::Yesterday => "Yesterday",
            PeriodPreset::Last7Days => "Last 7 days",
            PeriodPreset::Last30Days => "Last 30 days",
            PeriodPreset::ThisWeek => "This week",
            PeriodPreset::LastWeek => "Last week",
            PeriodPreset::ThisMonth => "This month",
            PeriodPreset::LastMonth => "Last month",
            PeriodPreset::ThisYear => "This year",
            PeriodPreset::LastYear => "Last year",
        }
    }

    /// The period `[from, to)` this preset means at `now` in `tz`.
    pub fn resolve(self, now: Timestamp, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
        let z = jiff::Timestamp::from_millisecond(now.millis())
            .ok()?
            .to_zoned(tz.clone());
        let today = z.start_of_day().ok()?;
        let days = |n: i64| Span::new().days(n);
        let monday = today
            .checked_sub(days(i64::from(today.weekday().to_monday_zero_offset())))
            .ok()?;
        let month = today.first_of_month().ok()?.start_of_day().ok()?;
        let year = today.first_of_year().ok()?.start_of_day().ok()?;
        let (from, to): (Zoned, Zoned) = match self {
            PeriodPreset::Today => (today.clone(), today.checked_add(days(1)).ok()?),
            PeriodPreset::Yesterday => (today.checked_sub(days(1)).ok()?, today),
            PeriodPreset::Last7Days => (today.checked_sub(days(7)).ok()?, today),
            PeriodPreset::Last30Days => (today.checked_sub(days(30)).ok()?, today),
            PeriodPreset::ThisWeek => (monday.clone(), monday.checked_add(days(7)).ok()?),
            PeriodPreset::LastWeek => (monday.checked_sub(days(7)).ok()?, monday),
            PeriodPreset::ThisMonth => (
                month.clone(),
                month.checked_add(Span::new().months(1)).ok()?,
            ),
            PeriodPreset::LastMonth => (month.checked_sub(Span::new().months(1)).ok()?, month),
            PeriodPreset::ThisYear => (year.clone(), year.checked_add(Span::new().years(1)).ok()?),
            PeriodPreset::LastYear => (year.checked_sub(Span::new().years(1)).ok()?, year),
        };
        let ms = |z: &Zoned| Timestamp::from_millis(z.timestamp().as_millisecond());
        Some((ms(&from), ms(&to)))
    }
}

/// A report's period as saved: a preset, or fixed times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodChoice {
    /// A period relative to each run (then `from` and `to` are left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<PeriodPreset>,
    /// Fixed start (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// Fixed end (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
}

impl PeriodChoice {
    /// A preset period.
    pub fn preset(p: PeriodPreset) -> PeriodChoice {
        PeriodChoice {
            preset: Some(p),
            from: None,
            to: None,
        }
    }

    /// Checks that it is either a preset or two fixed times in order.
    pub fn check(&self) -> Result<(), ValidationError> {
        match (self.preset, self.from, self.to) {
            (Some(_), None, None) => Ok(()),
            (None, Some(from), Some(to)) if from < to => Ok(()),
            (None, Some(_), Some(_)) => {
                Err(ValidationError::new("period.to", "must be after from"))
            }
            _ => Err(ValidationError::new(
                "period",
                "either a preset, or both from and to",
            )),
        }
    }

    /// The period `[from, to)` at `now` in `tz`.
    pub fn resolve(&self, now: Timestamp, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
        match (self.preset, self.from, self.to) {
            (Some(p), _, _) => p.resolve(now, tz),
            (None, Some(from), Some(to)) => Some((from, to)),
            _ => None,
        }
    }
}
