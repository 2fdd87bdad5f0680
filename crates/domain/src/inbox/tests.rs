use super::*;
use crate::ActivityStatus::*;
use crate::ChannelKind::{Callback, Chat, DelayedCallback, InboundEmail, OutboundEmail};

const T0: &str = "2026-12-01T10:00:00Z";

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap_or_else(|| panic!("{s}"))
}

fn activity(id: i64, channel: ChannelKind, status: ActivityStatus, created: &str) -> Activity {
    serde_json::from_value(serde_json::json!({
        "id": id, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": channel,
        "subject": "s", "status": status, "sub_status": null, "priority": 5, "due_at": null,
        "queue_id": null, "assignee_id": null, "category_id": null, "custom_attributes": {},
        "version": 1, "created_at": created, "updated_at": created
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn entry(id: i64, status: ActivityStatus, created: &str, sl: Option<u32>) -> InboxEntry {
    InboxEntry {
        activity: activity(id, InboundEmail, status, created),
        service_level_secs: sl,
        not_before: None,
    }
}

#[test]
fn views_and_channels_admit_their_work() {
    let filter = |view, channel| InboxFilter { view, channel };
    let table = [
        (filter(InboxView::Mine, None), InboundEmail, Offered, true),
        (filter(InboxView::Mine, None), Chat, InProgress, true),
        (filter(InboxView::Mine, None), Callback, Paused, true),
        (filter(InboxView::Mine, None), InboundEmail, Queued, false),
        (
            filter(InboxView::Mine, None),
            InboundEmail,
            Completed,
            false,
        ),
        (filter(InboxView::Offered, None), Chat, Offered, true),
        (filter(InboxView::Offered, None), Chat, Assigned, false),
        (filter(InboxView::Waiting, None), Chat, Queued, true),
        (filter(InboxView::Waiting, None), Chat, Offered, false),
        (
            filter(InboxView::Mine, Some(InboxChannel::Email)),
            OutboundEmail,
            InProgress,
            true,
        ),
        (
            filter(InboxView::Mine, Some(InboxChannel::Email)),
            Chat,
            InProgress,
            false,
        ),
        (
            filter(InboxView::Mine, Some(InboxChannel::Callback)),
            DelayedCallback,
            Assigned,
            true,
        ),
        (
            filter(InboxView::Waiting, Some(InboxChannel::Chat)),
            Callback,
            Queued,
            false,
        ),
    ];
    for (f, channel, status, want) in table {
        assert_eq!(
            f.admits(&activity(1, channel, status, T0)),
            want,
            "{f:?} {channel:?} {status:?}"
        );
    }
}

#[test]
fn names_and_queries_round_trip() {
    for v in InboxView::ALL {
        assert_eq!(InboxView::parse(v.as_str()), Some(v));
    }
    for c in InboxChannel::ALL {
        assert_eq!(InboxChannel::parse(c.as_str()), Some(c));
    }
    assert_eq!(InboxView::parse("everything"), None);
    let f = InboxFilter {
        view: InboxView::Waiting,
        channel: Some(InboxChannel::Callback),
    };
    assert_eq!(f.query(), "view=waiting&channel=callback");
    assert_eq!(InboxFilter::default().query(), "view=mine");
}

#[test]
fn saved_view_names_are_checked() {
    let view = |name: &str| SavedView {
        name: name.to_string(),
        view: InboxView::Mine,
        channel: None,
    };
    assert_eq!(
        view("  Chats  ").validate().map(|v| v.name),
        Ok("Chats".into())
    );
    assert_eq!(view(" ").validate().unwrap_err().field, "name");
    assert!(view(&"x".repeat(MAX_VIEW_NAME_CHARS)).validate().is_ok());
    assert!(
        view(&"x".repeat(MAX_VIEW_NAME_CHARS + 1))
            .validate()
            .is_err()
    );
    assert!(view("a\u{7}b").validate().is_err());
    let json: SavedView = serde_json::from_value(
        serde_json::json!({"name": "Calls", "view": "waiting", "channel": "callback"}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        json.filter(),
        InboxFilter {
            view: InboxView::Waiting,
            channel: Some(InboxChannel::Callback)
        }
    );
}

#[test]
fn offers_first_then_by_due_time_with_waiting_and_overdue() {
    let now = at("2026-12-01T10:10:00Z");
    let mut due_soon = entry(4, InProgress, "2026-12-01T10:08:00Z", Some(60));
    due_soon.activity.due_at = Some(at("2026-12-01T10:09:00Z"));
    let entries = [
        entry(1, InProgress, "2026-12-01T10:00:00Z", None),
        entry(2, Assigned, "2026-12-01T10:05:00Z", Some(3600)),
        entry(3, Offered, "2026-12-01T10:09:30Z", Some(3600)),
        due_soon,
        entry(5, InProgress, "2026-12-01T09:00:00Z", None),
    ];
    let rows = rows(&entries, now);
    let order: Vec<i64> = rows.iter().map(|r| r.activity_id.0).collect();
    // The offer, then #4 (due 10:09, its own time), #2 (10:05 + 1 h), then those without a due
    // time, the longest waiting first.
    assert_eq!(order, [3, 4, 2, 5, 1]);
    let r4 = &rows[1];
    assert_eq!((r4.waiting_secs, r4.overdue), (120, true));
    let r2 = &rows[2];
    assert_eq!(r2.due_at, Some(at("2026-12-01T11:05:00Z")));
    assert!(!r2.overdue);
    assert_eq!((rows[4].due_at, rows[4].overdue), (None, false));
    // A service level of 0 sets no due time.
    assert_eq!(due(&entry(9, Queued, T0, Some(0))), None);
}

#[test]
fn the_next_item_follows_the_one_done() {
    let ids = |v: &[i64]| v.iter().map(|i| ActivityId(*i)).collect::<Vec<_>>();
    // (shown before, listed now, done, what opens next)
    type Case<'a> = (&'a [i64], &'a [i64], i64, Option<i64>);
    let table: [Case; 7] = [
        // The one after it, as shown.
        (&[1, 2, 3], &[1, 3], 2, Some(3)),
        // The last one done: the one before it.
        (&[1, 2, 3], &[1, 2], 3, Some(2)),
        // The one after it left too: the next still listed.
        (&[1, 2, 3, 4], &[1, 4], 2, Some(4)),
        // Not shown before (opened from elsewhere): the first listed now.
        (&[1, 2], &[5, 1], 9, Some(5)),
        // Still listed (sent without completing elsewhere): never itself.
        (&[2], &[2], 2, None),
        // Nothing left.
        (&[2], &[], 2, None),
        // New work arrived since: what followed still comes first.
        (&[1, 2, 3], &[7, 1, 3], 2, Some(3)),
    ];
    for (before, now, done, want) in table {
        assert_eq!(
            next_after(&ids(before), &ids(now), ActivityId(done)),
            want.map(ActivityId),
            "{before:?} {now:?} {done}"
        );
    }
}

#[test]
fn saved_views_are_kept_by_name_up_to_a_bound() {
    let view = |name: &str, view| SavedView {
        name: name.to_string(),
        view,
        channel: None,
    };
    let views = keep(vec![], view("Calls", InboxView::Mine)).unwrap_or_default();
    let views = keep(views, view("Queue", InboxView::Waiting)).unwrap_or_default();
    // The same name (case aside) replaces it in its place.
    let views = keep(views, view(" calls ", InboxView::Offered)).unwrap_or_default();
    let names: Vec<&str> = views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["calls", "Queue"]);
    assert_eq!(views[0].view, InboxView::Offered);
    assert!(keep(views.clone(), view("", InboxView::Mine)).is_err());
    let full: Vec<SavedView> = (0..MAX_SAVED_VIEWS)
        .map(|i| view(&format!("v{i}"), InboxView::Mine))
        .collect();
    assert!(keep(full.clone(), view("one more", InboxView::Mine)).is_err());
    assert!(
        keep(full, view("V3", InboxView::Waiting)).is_ok(),
        "a replacement fits"
    );
    assert_eq!(forget(views.clone(), "QUEUE").map(|v| v.len()), Some(1));
    assert_eq!(forget(views, "nothing"), None);
}

#[test]
fn callbacks_held_aside_come_last_and_say_until_when() {
    let now = at("2026-12-01T10:10:00Z");
    let later = at("2026-12-01T15:00:00Z");
    let held = |id, not_before| InboxEntry {
        activity: activity(id, DelayedCallback, Queued, "2026-12-01T09:00:00Z"),
        service_level_secs: Some(60),
        not_before,
    };
    let rows = rows(
        &[
            held(1, Some(later)),
            entry(2, Queued, "2026-12-01T10:09:00Z", Some(3600)),
            held(3, Some(at("2026-12-01T10:00:00Z"))),
        ],
        now,
    );
    let order: Vec<i64> = rows.iter().map(|r| r.activity_id.0).collect();
    assert_eq!(order, [3, 2, 1], "due now first; held aside last");
    assert_eq!((rows[2].held_until, rows[2].overdue), (Some(later), false));
    assert_eq!(rows[0].held_until, None, "its time has come");
    assert!(rows[0].overdue);
}
