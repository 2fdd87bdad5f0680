//! Business calendars: a time zone, opening hours per weekday and holidays. Workflows ask whether
//! the center is open at a moment; the time-zone database is compiled in, so the answer never
//! depends on the machine.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{CalendarId, DepartmentId};
use crate::text::{self, MAX_NAME};
use crate::time::Timestamp;

/// Most holidays one calendar lists.
pub const MAX_HOLIDAYS: usize = 1000;
/// Most opening spans per weekday.
pub const MAX_SPANS: usize = 8;

/// Opening hours per weekday: spans like `"09:00-17:30"`; a day without spans is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// Monday.
    #[serde(default)]
    pub mon: Vec<String>,
    /// Tuesday.
    #[serde(default)]
    pub tue: Vec<String>,
    /// Wednesday.
    #[serde(default)]
    pub wed: Vec<String>,
    /// Thursday.
    #[serde(default)]
    pub thu: Vec<String>,
    /// Friday.
    #[serde(default)]
    pub fri: Vec<String>,
    /// Saturday.
    #[serde(default)]
    pub sat: Vec<String>,
    /// Sunday.
    #[serde(default)]
    pub sun: Vec<String>,
}

impl WeeklyHours {
    /// The days with their field names, Monday first.
    fn days(&self) -> [(&'static str, &Vec<String>); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

/// A day the center is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The date, `YYYY-MM-DD`, in the calendar's time zone.
    pub date: String,
    /// What it is.
    #[serde(default)]
    pub name: String,
}

/// A business calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BusinessCalendar {
    /// Id.
    pub id: CalendarId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name, unique in the department.
    pub name: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Opening hours.
    pub hours: WeeklyHours,
    /// Closed days.
    pub holidays: Vec<Holiday>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a business calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCalendar {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Opening hours.
    #[serde(default)]
    pub hours: WeeklyHours,
    /// Closed days.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl NewCalendar {
    /// Validates and normalises the input (holidays sorted by date).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.time_zone = self.time_zone.trim().to_string();
        check_parts(&self.time_zone, &self.hours, &mut self.holidays)?;
        Ok(self)
    }
}

/// A partial update of a business calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// Replaces the opening hours.
    pub hours: Option<WeeklyHours>,
    /// Replaces the holidays.
    pub holidays: Option<Vec<Holiday>>,
}

impl CalendarPatch {
    /// Validates the parts it carries.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(tz) = &self.time_zone {
            let tz = tz.trim().to_string();
            zone("time_zone", &tz)?;
            self.time_zone = Some(tz);
        }
        if let Some(h) = &self.hours {
            check_hours(h)?;
        }
        if let Some(list) = &mut self.holidays {
            check_holidays(list)?;
        }
        Ok(self)
    }

    /// Applies the patch to a calendar read from the store.
    pub fn apply(&self, c: &mut BusinessCalendar) {
        if let Some(n) = &self.name {
            c.name.clone_from(n);
        }
        if let Some(tz) = &self.time_zone {
            c.time_zone.clone_from(tz);
        }
        if let Some(h) = &self.hours {
            c.hours.clone_from(h);
        }
        if let Some(list) = &self.holidays {
            c.holidays.clone_from(list);
        }
    }
}

fn check_parts(
    tz: &str,
    hours: &WeeklyHours,
    holidays: &mut [Holiday],
) -> Result<(), ValidationError> {
    zone("time_zone", tz)?;
    check_hours(hours)?;
    check_holidays(holidays)
}

fn check_hours(h: &WeeklyHours) -> Result<(), ValidationError> {
    for (day, spans) in h.days() {
        if spans.len() > MAX_SPANS {
            return Err(ValidationError::new(
                format!("hours.{day}"),
                format!("at most {MAX_SPANS} spans a day"),
            ));
        }
        for (i, s) in spans.iter().enumerate() {
            span(s).map_err(|m| ValidationError::new(format!("hours.{day}[{i}]"), m))?;
        }
    }
    Ok(())
}

fn check_holidays(list: &mut [Holiday]) -> Result<(), ValidationError> {
    if list.len() > MAX_HOLIDAYS {
        return Err(ValidationError::new(
            "holidays",
            format!("at most {MAX_HOLIDAYS} holidays"),
        ));
    }
    for (i, h) in list.iter_mut().enumerate() {
        h.date = h.date.trim().to_string();
        date(&h.date).map_err(|m| ValidationError::new(format!("holidays[{i}].date"), m))?;
        h.name = text::optional(&format!("holidays[{i}].name"), h.name.trim(), MAX_NAME)?;
    }
    list.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(())
}

/// Looks up an IANA time zone in the compiled-in database.
pub fn zone(field: &str, name: &str) -> Result<TimeZone, ValidationError> {
    if name.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    TimeZone::get(name).map_err(|_| {
        ValidationError::new(
            field,
            format!("unknown time zone {name:?} (use an IANA name such as Europe/Berlin)"),
        )
    })
}

/// The IANA time zones of the compiled-in database (`Area/City` names), sorted.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("SystemV/"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Parses `HH:MM` into minutes after midnight; `24:00` is the end of the day.
pub fn clock(s: &str) -> Result<u16, String> {
    let bad = || format!("{s:?} is not a time of day (HH:MM)");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Parses `HH:MM-HH:MM` into a half-open range of minutes.
fn span(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?} is not a span (HH:MM-HH:MM)"))?;
    let (a, b) = (clock(a)?, clock(b)?);
    if a >= b {
        return Err(format!("{s:?} ends before it starts"));
    }
    Ok((a, b))
}

fn date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// A calendar ready to answer "open at this moment?".
#[derive(Debug, Clone)]
pub struct OpenHours {
    tz: TimeZone,
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

impl OpenHours {
    /// Prepares a stored calendar; fails only if it no longer validates.
    pub fn new(c: &BusinessCalendar) -> Result<OpenHours, ValidationError> {
        let tz = zone("time_zone", &c.time_zone)?;
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, (day, spans)) in c.hours.days().into_iter().enumerate() {
            for (j, s) in spans.iter().enumerate() {
                let sp =
                    span(s).map_err(|m| ValidationError::new(format!("hours.{day}[{j}]"), m))?;
                week[i].push(sp);
            }
        }
        let mut holidays = BTreeSet::new();
        for (i, h) in c.holidays.iter().enumerate() {
            holidays.insert(
                date(&h.date).map_err(|m| ValidationError::new(format!("holidays[{i}]"), m))?,
            );
        }
        Ok(OpenHours { tz, week, holidays })
    }

    /// Whether the center is open at `t`.
    pub fn is_open(&self, t: Timestamp) -> bool {
        let Some(local) = local(&self.tz, t) else {
            return false;
        };
        if self.holidays.contains(&local.date) {
            return false;
        }
        self.week[local.weekday]
            .iter()
            .any(|(a, b)| (*a..*b).contains(&local.minute))
    }
}

/// A moment on the wall clock of a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// The date.
    pub date: Date,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: usize,
    /// Minutes after midnight.
    pub minute: u16,
}

/// Where `t` falls on the wall clock of `tz`.
pub fn local(tz: &TimeZone, t: Timestamp) -> Option<LocalTime> {
    let ts = jiff::Timestamp::from_millisecond(t.millis()).ok()?;
    let dt = ts.to_zoned(tz.clone()).datetime();
    let weekday = match dt.weekday() {
        Weekday::Monday => 0,
        Weekday::Tuesday => 1,
        Weekday::Wednesday => 2,
        Weekday::Thursday => 3,
        Weekday::Friday => 4,
        Weekday::Saturday => 5,
        Weekday::Sunday => 6,
    };
    let minute = u16::try_from(i32::from(dt.hour()) * 60 + i32::from(dt.minute())).ok()?;
    Some(LocalTime {
        date: dt.date(),
        weekday,
        minute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(tz: &str) -> BusinessCalendar {
        BusinessCalendar {
            id: CalendarId(1),
            department_id: DepartmentId(1),
            name: "office".into(),
            time_zone: tz.into(),
            hours: WeeklyHours {
                mon: vec!["09:00-12:00".into(), "13:00-17:00".into()],
                fri: vec!["09:00-15:00".into()],
                ..Default::default()
            },
            holidays: vec![Holiday {
                date: "2026-12-25".into(),
                name: "Christmas".into(),
            }],
            version: 1,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or(Timestamp::from_millis(0))
    }

    #[test]
    fn open_hours_follow_the_time_zone_and_holidays() {
        let h = OpenHours::new(&cal("Europe/Berlin")).unwrap();
        // Monday 2026-11-23 10:30 Berlin = 09:30 UTC.
        assert!(h.is_open(at("2026-11-23T09:30:00Z")));
        // 12:30 Berlin: lunch break.
        assert!(!h.is_open(at("2026-11-23T11:30:00Z")));
        // 08:30 UTC on Monday is 09:30 Berlin: open; 07:30 UTC is 08:30: closed.
        assert!(h.is_open(at("2026-11-23T08:30:00Z")));
        assert!(!h.is_open(at("2026-11-23T07:30:00Z")));
        // Tuesday has no hours.
        assert!(!h.is_open(at("2026-11-24T10:00:00Z")));
        // Friday 2026-12-25 is a holiday.
        assert!(!h.is_open(at("2026-12-25T10:00:00Z")));
        assert!(h.is_open(at("2026-12-18T10:00:00Z")));
    }

    #[test]
    fn bad_calendars_name_the_field() {
        let n = |tz: &str, mon: &str, date: &str| NewCalendar {
            department_id: DepartmentId(1),
            name: "x".into(),
            time_zone: tz.into(),
            hours: WeeklyHours {
                mon: vec![mon.into()],
                ..Default::default()
            },
            holidays: vec![Holiday {
                date: date.into(),
                name: String::new(),
            }],
        };
        assert_eq!(
            n("Mars/Olympus", "09:00-17:00", "2026-01-01")
                .validate()
                .unwrap_err()
                .field,
            "time_zone"
        );
        assert_eq!(
            n("UTC", "17:00-09:00", "2026-01-01")
                .validate()
                .unwrap_err()
                .field,
            "hours.mon[0]"
        );
        assert_eq!(
            n("UTC", "09:00-25:00", "2026-01-01")
                .validate()
                .unwrap_err()
                .field,
            "hours.mon[0]"
        );
        assert_eq!(
            n("UTC", "09:00-17:00", "2026-02-30")
                .validate()
                .unwrap_err()
                .field,
            "holidays[0].date"
        );
        assert!(n("UTC", "00:00-24:00", "2026-02-28").validate().is_ok());
    }
}
