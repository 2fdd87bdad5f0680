//! What the customer is told by email: that the callback is booked, and that we could not reach
//! them. Plain text; times on the customer's wall clock when their time zone is known.

use jiff::tz::TimeZone;

use crate::time::Timestamp;

/// `t` as "Monday 7 December 2026, 10:00 (Europe/London)" in `zone` (UTC when none or unknown).
pub fn spoken_time(t: Timestamp, zone: Option<&str>) -> String {
    let name = zone.unwrap_or("UTC");
    let tz = TimeZone::get(name).unwrap_or(TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(t.millis()) {
        Ok(ts) => format!(
            "{} ({})",
            ts.to_zoned(tz).strftime("%A %-d %B %Y, %H:%M"),
            if zone.is_some() { name } else { "UTC" }
        ),
        Err(_) => t.to_rfc3339(),
    }
}

/// The confirmation of a callback request: subject and text.
pub fn confirmation(
    title: &str,
    name: &str,
    phone: &str,
    at: Option<Timestamp>,
    zone: Option<&str>,
) -> (String, String) {
    let when = match at {
        Some(t) => format!("on {}", spoken_time(t, zone)),
        None => "as soon as an agent is free".to_string(),
    };
    (
        format!("{title}: we will call you back"),
        format!(
            "Hello {name},\n\nthank you for your request. We will call you at {phone} {when}.\n\n\
             If you did not ask for this call, you can ignore this message.\n"
        ),
    )
}

/// The word to a customer we could not reach: subject and text.
pub fn unreachable(title: &str, name: &str, phone: &str, wrong_number: bool) -> (String, String) {
    let why = if wrong_number {
        format!("The number {phone} does not seem to be yours.")
    } else {
        format!("We tried to call you at {phone}, but could not reach you.")
    };
    (
        format!("{title}: we could not reach you"),
        format!(
            "Hello {name},\n\n{why} Please reply to this message or ask for a new call on our web \
             site.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_spoken_on_the_customers_clock() {
        let t = Timestamp::parse_rfc3339("2026-12-07T10:00:00Z").unwrap();
        assert_eq!(
            spoken_time(t, Some("America/New_York")),
            "Monday 7 December 2026, 05:00 (America/New_York)"
        );
        assert_eq!(spoken_time(t, None), "Monday 7 December 2026, 10:00 (UTC)");
        let (subject, text) = confirmation("Call us", "Ada", "+14155552671", Some(t), None);
        assert_eq!(subject, "Call us: we will call you back");
        assert!(text.contains("+14155552671 on Monday 7 December 2026, 10:00 (UTC)"));
        let (_, text) = unreachable("Call us", "Ada", "+14155552671", true);
        assert!(text.contains("does not seem to be yours"));
    }
}
