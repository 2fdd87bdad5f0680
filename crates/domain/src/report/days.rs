//! Days in a time zone for the agents' day rollups: the rollup keeps the agents' work and
//! state times summed per local day in each zone it keeps days for, so a report by day, week or
//! month over a year reads one row per agent and day rather than 24 or 96. A report reads them
//! only when its periods are whole days in one of those zones.

use jiff::tz::TimeZone;

/// A time zone's rules (for the crates that keep days and do not name the time library).
pub type Zone = TimeZone;

use super::definitions::{Granularity, period_end, period_of};

/// The start (ms, UTC) of the local day holding instants, each worked out once per day: the
/// rows of a batch fall in a few days.
#[derive(Debug)]
pub struct DayOf<'a> {
    tz: &'a TimeZone,
    day: Option<(i64, i64)>,
}

impl<'a> DayOf<'a> {
    /// Days in `tz`.
    pub fn new(tz: &'a TimeZone) -> Self {
        Self { tz, day: None }
    }

    /// The start of the local day holding `at_ms`.
    pub fn start(&mut self, at_ms: i64) -> i64 {
        if let Some((start, end)) = self.day
            && (start..end).contains(&at_ms)
        {
            return start;
        }
        let start = period_of(at_ms, Granularity::Day, self.tz);
        match period_end(start, Granularity::Day, self.tz) {
            Some(end) if end > at_ms && start <= at_ms => self.day = Some((start, end)),
            _ => self.day = None,
        }
        start
    }
}

/// The starts of every local day in `tz` from the one holding `from_ms` to the first that
/// starts at or after `to_ms` (that one included): the bounds of those days.
pub fn day_bounds(from_ms: i64, to_ms: i64, tz: &TimeZone) -> Vec<i64> {
    let mut bounds = vec![period_of(from_ms, Granularity::Day, tz)];
    while let Some(&last) = bounds.last()
        && last < to_ms
    {
        match period_end(last, Granularity::Day, tz) {
            Some(next) if next > last => bounds.push(next),
            _ => break,
        }
    }
    bounds
}

/// Whether every instant of `bounds` starts a local day in `tz`: then periods between them are
/// made of whole days and may be summed from the day rollups.
pub fn whole_days(bounds: &[i64], tz: &TimeZone) -> bool {
    bounds
        .iter()
        .all(|b| period_of(*b, Granularity::Day, tz) == *b)
}

/// Most zones days are kept in, UTC included: each adds a row per agent and day.
pub const MAX_DAY_ZONES: usize = 8;

/// The zones to keep days in given the business calendars' zones: UTC, then each known zone
/// once, in order, at most [`MAX_DAY_ZONES`] in all.
pub fn day_zones(calendar_zones: &[String]) -> Vec<String> {
    let mut out = vec!["UTC".to_string()];
    for z in calendar_zones {
        let z = z.trim();
        if out.len() < MAX_DAY_ZONES && !out.iter().any(|o| o == z) && TimeZone::get(z).is_ok() {
            out.push(z.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("zone")
    }

    // 2026-03-29 is the day Berlin moves to summer time: 23 hours long.
    const MARCH_28_UTC: i64 = 1_774_656_000_000;
    const HOUR: i64 = 3_600_000;

    #[test]
    fn days_follow_the_zone_across_a_dst_change() {
        let berlin = zone("Europe/Berlin");
        let bounds = day_bounds(MARCH_28_UTC, MARCH_28_UTC + 3 * 24 * HOUR, &berlin);
        let lengths: Vec<i64> = bounds.windows(2).map(|w| (w[1] - w[0]) / HOUR).collect();
        assert_eq!(lengths, vec![24, 23, 24, 24]);
        // The day holding midnight UTC of the 28th began an hour before, in Berlin.
        assert_eq!(bounds[0], MARCH_28_UTC - HOUR);
        assert!(whole_days(&bounds, &berlin));
        assert!(!whole_days(&bounds, &zone("UTC")));
    }

    #[test]
    fn zones_kept_are_utc_and_the_known_calendar_zones() {
        let given: Vec<String> = ["Europe/Berlin", "UTC", "Mars/Olympus", " Europe/Berlin "]
            .iter()
            .map(|s| s.to_string())
            .chain((0..20).map(|h| format!("Etc/GMT+{}", h % 12 + 1)))
            .collect();
        let kept = day_zones(&given);
        assert_eq!(&kept[..3], ["UTC", "Europe/Berlin", "Etc/GMT+1"]);
        assert_eq!(kept.len(), MAX_DAY_ZONES);
    }

    #[test]
    fn the_memo_gives_what_the_zone_gives() {
        for name in ["UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"] {
            let tz = zone(name);
            let mut days = DayOf::new(&tz);
            for q in 0..(4 * 24 * 4) {
                let at = MARCH_28_UTC + q * 900_000;
                assert_eq!(
                    days.start(at),
                    period_of(at, Granularity::Day, &tz),
                    "{name} {at}"
                );
            }
        }
    }
}
