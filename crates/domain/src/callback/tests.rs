use super::*;
use crate::calendar::{BusinessCalendar, OpenHours, WeeklyHours};
use crate::ids::{CalendarId, DepartmentId};
use crate::time::Timestamp;

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn settings() -> CallbackSettings {
    CallbackSettings::default()
}

#[test]
fn numbers_become_e164_with_the_default_country() {
    let table = [
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("030 1234567", "DE", "+49301234567"),
    ];
    for (raw, country, want) in table {
        assert_eq!(phone::e164("phone", raw, country).unwrap(), want, "{raw}");
    }
}

#[test]
fn bad_numbers_are_refused_with_a_reason() {
    for raw in [
        "",
        "12",
        "hello",
        "+1 555",
        "+999 123 456 789",
        &"9".repeat(41),
    ] {
        let e = phone::e164("phone", raw, "US").unwrap_err();
        assert_eq!(e.field, "phone", "{raw}");
        assert!(!e.message.is_empty());
    }
}

#[test]
fn settings_check_country_ranges_and_link() {
    let ok = CallbackSettings {
        default_country: "de".into(),
        dial_link: "https://cti.example.com/dial?to={phone}&ref={activity_id}".into(),
        ..settings()
    }
    .validate()
    .unwrap();
    assert_eq!(ok.default_country, "DE");
    let bad = [
        CallbackSettings {
            default_country: "XX".into(),
            ..settings()
        },
        CallbackSettings {
            max_attempts: 0,
            ..settings()
        },
        CallbackSettings {
            retry_minutes: 0,
            ..settings()
        },
        CallbackSettings {
            horizon_days: 0,
            ..settings()
        },
        CallbackSettings {
            dial_link: "javascript:alert({phone})".into(),
            ..settings()
        },
        CallbackSettings {
            dial_link: "https://cti.example.com/dial".into(),
            ..settings()
        },
    ];
    for s in bad {
        assert!(s.clone().validate().is_err(), "{s:?}");
    }
}

#[test]
fn the_dial_link_carries_the_number_and_activity() {
    assert_eq!(
        softphone_link(
            "https://cti.example/d?n={phone}&a={activity_id}",
            "+14155552671",
            7
        ),
        Some("https://cti.example/d?n=%2B14155552671&a=7".into())
    );
    assert_eq!(softphone_link("", "+1", 7), None);
}

fn office() -> OpenHours {
    let cal = BusinessCalendar {
        id: CalendarId(1),
        department_id: DepartmentId(1),
        name: "Office".into(),
        time_zone: "Europe/Berlin".into(),
        hours: WeeklyHours {
            mon: vec!["09:00-17:00".into()],
            tue: vec!["09:00-17:00".into()],
            ..Default::default()
        },
        holidays: vec![],
        version: 1,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    };
    OpenHours::new(&cal).unwrap()
}

#[test]
fn times_are_quarter_hours_inside_business_hours() {
    let hours = office();
    let rules = TimeRules {
        open: Some(&hours),
        lead_minutes: 15,
        horizon_days: 7,
    };
    // Monday 2026-12-07 08:40 in Berlin (07:40 UTC).
    let now = at("2026-12-07T07:40:00Z");
    let t = times(&rules, now);
    // Open 09:00-17:00 on Monday and Tuesday: 32 quarter hours a day.
    assert_eq!(t.len(), 64);
    assert_eq!(t[0], at("2026-12-07T08:00:00Z"));
    assert_eq!(t[31], at("2026-12-07T15:45:00Z"));
    assert_eq!(t[32], at("2026-12-08T08:00:00Z"));
    // The least notice holds: at 09:50 the first time is 10:15 (Berlin).
    let t = times(&rules, at("2026-12-07T08:50:00Z"));
    assert_eq!(t[0], at("2026-12-07T09:15:00Z"));
    // Always open without a calendar: every quarter hour of the horizon.
    let always = TimeRules {
        open: None,
        lead_minutes: 0,
        horizon_days: 1,
    };
    assert_eq!(times(&always, now).len(), 96);
}

#[test]
fn a_time_asked_for_must_be_offered() {
    let hours = office();
    let rules = TimeRules {
        open: Some(&hours),
        lead_minutes: 15,
        horizon_days: 7,
    };
    let now = at("2026-12-07T07:50:00Z");
    assert!(check_time(&rules, now, at("2026-12-07T10:00:00Z")).is_ok());
    for bad in [
        "2026-12-07T07:00:00Z", // past
        "2026-12-07T17:00:00Z", // 18:00 Berlin: closed
        "2026-12-09T10:00:00Z", // Wednesday: closed
        "2026-12-21T10:00:00Z", // Monday beyond the horizon
    ] {
        let e = check_time(&rules, now, at(bad)).unwrap_err();
        assert_eq!(e.field, "at", "{bad}");
    }
}

fn request(phone: &str, at: Option<Timestamp>) -> CallbackRequest {
    CallbackRequest {
        name: " Ada Lovelace ".into(),
        phone: phone.into(),
        email: Some("ada@example.com".into()),
        at,
        time_zone: Some("Europe/London".into()),
        note: Some("About my invoice".into()),
    }
}

#[test]
fn requests_are_checked_for_their_kind() {
    let rules = TimeRules {
        open: None,
        lead_minutes: 15,
        horizon_days: 7,
    };
    let now = at("2026-12-07T07:50:00Z");
    let s = settings();
    let ask = check_request(&request("415 555 2671", None), false, &s, &rules, now).unwrap();
    assert_eq!(ask.name, "Ada Lovelace");
    assert_eq!(ask.phone, "+14155552671");
    assert_eq!(ask.email.unwrap().as_str(), "ada@example.com");
    assert_eq!(ask.at, None);
    let later = Some(at("2026-12-07T12:00:00Z"));
    let ask = check_request(&request("415 555 2671", later), true, &s, &rules, now).unwrap();
    assert_eq!(ask.at, later);
    let refused = [
        (request("415 555 2671", None), true, "at"),
        (request("415 555 2671", later), false, "at"),
        (request("12", None), false, "phone"),
        (
            CallbackRequest {
                name: "  ".into(),
                ..request("415 555 2671", None)
            },
            false,
            "name",
        ),
        (
            CallbackRequest {
                email: Some("not an address".into()),
                ..request("415 555 2671", None)
            },
            false,
            "email",
        ),
        (
            CallbackRequest {
                time_zone: Some("Mars/Olympus".into()),
                ..request("415 555 2671", None)
            },
            false,
            "time_zone",
        ),
    ];
    for (req, delayed, field) in refused {
        let e = check_request(&req, delayed, &s, &rules, now).unwrap_err();
        assert_eq!(e.field, field, "{req:?}");
    }
}

fn input(outcome: CallOutcome, at: Option<Timestamp>) -> OutcomeInput {
    OutcomeInput {
        outcome,
        note: String::new(),
        category_id: None,
        at,
    }
}

#[test]
fn outcomes_decide_what_follows() {
    let s = settings(); // 3 attempts, 15 minutes apart
    let now = at("2026-12-07T10:00:00Z");
    let in15 = at("2026-12-07T10:15:00Z");
    let tomorrow = at("2026-12-08T09:00:00Z");
    let table = [
        (CallOutcome::Reached, None, 0, (1, Next::Done)),
        (
            CallOutcome::NoAnswer,
            None,
            0,
            (1, Next::Retry { at: in15 }),
        ),
        (CallOutcome::Busy, None, 1, (2, Next::Retry { at: in15 })),
        (CallOutcome::NoAnswer, None, 2, (3, Next::Unreachable)),
        (CallOutcome::WrongNumber, None, 0, (1, Next::Unreachable)),
        (
            CallOutcome::CallAgain,
            Some(tomorrow),
            2,
            (3, Next::Retry { at: tomorrow }),
        ),
    ];
    for (outcome, when, before, want) in table {
        assert_eq!(
            decide(&input(outcome, when), before, &s, now).unwrap(),
            want,
            "{outcome:?} after {before}"
        );
    }
    let refused = [
        input(CallOutcome::CallAgain, None),
        input(CallOutcome::CallAgain, Some(at("2026-12-07T09:00:00Z"))),
        input(CallOutcome::CallAgain, Some(at("2027-01-30T09:00:00Z"))),
        input(CallOutcome::Reached, Some(tomorrow)),
    ];
    for i in refused {
        assert_eq!(decide(&i, 0, &s, now).unwrap_err().field, "at", "{i:?}");
    }
}
