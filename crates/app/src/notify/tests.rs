//! How a notice becomes mail: subject and text with placeholders, the article appended, only
//! addresses kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;
use switchboard_domain::template::{Placeholder, Values};
use switchboard_domain::{Activity, Article, ArticleId};
use switchboard_workflow::Notice;

use super::notice_mail;

fn activity() -> Activity {
    serde_json::from_value(json!({
        "id": 10, "department_id": 1, "case_id": 4, "customer_id": 2, "channel": "inbound_email",
        "subject": "Refund", "status": "queued", "sub_status": null, "priority": 5,
        "due_at": null, "queue_id": 3, "assignee_id": null, "category_id": null,
        "custom_attributes": {}, "version": 1,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn article(text: &str, html: &str) -> Article {
    serde_json::from_value(json!({
        "id": 5, "department_id": 1, "folder_id": null, "kind": "answer", "title": "T",
        "html": html, "text": text, "active": true, "version": 1,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn notice(subject: &str, text: &str, to: &[&str]) -> Notice {
    Notice {
        to: to.iter().map(|s| s.to_string()).collect(),
        subject: subject.into(),
        text: text.into(),
        article: Some(ArticleId(5)),
    }
}

fn values() -> Values {
    let mut v = Values::default();
    v.set(Placeholder::CustomerName, "Ann & Bo");
    v
}

#[test]
fn the_subject_defaults_to_the_activity() {
    let m = notice_mail(
        &notice(" ", "Hi", &["lead@example.com"]),
        &activity(),
        &values(),
        None,
    );
    assert_eq!(m.subject, "[10] Refund");
    assert_eq!(m.text, "Hi");
    assert_eq!(m.to.len(), 1);
    assert_eq!(m.to[0].address, "lead@example.com");
}

#[test]
fn placeholders_are_filled_as_text() {
    let n = notice("About {{customer.name}}", "From {{customer.name}}", &[]);
    let m = notice_mail(&n, &activity(), &values(), None);
    assert_eq!(m.subject, "About Ann & Bo");
    assert_eq!(m.text, "From Ann & Bo");
}

#[test]
fn the_article_follows_the_text() {
    let n = notice("S", "Look:", &[]);
    let m = notice_mail(
        &n,
        &activity(),
        &values(),
        Some(&article("Dear {{customer.name}}", "")),
    );
    assert_eq!(m.text, "Look:\n\nDear Ann & Bo");
    // An article without text gives its HTML as text, entities decoded.
    let m = notice_mail(
        &n,
        &activity(),
        &values(),
        Some(&article("", "<p>Fish &amp; chips</p>")),
    );
    assert_eq!(m.text, "Look:\n\nFish & chips");
    let quiet = notice("S", "", &[]);
    let m = notice_mail(&quiet, &activity(), &values(), Some(&article("Only", "")));
    assert_eq!(m.text, "Only");
}

#[test]
fn recipients_that_are_not_addresses_are_dropped() {
    let n = notice("S", "T", &["lead@example.com", "not an address", ""]);
    let m = notice_mail(&n, &activity(), &values(), None);
    let to: Vec<&str> = m.to.iter().map(|t| t.address.as_str()).collect();
    assert_eq!(to, vec!["lead@example.com"]);
}
