//! Composition tables: the values a message gets, how an article renders, which parts apply,
//! a reply between its parts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::*;
use crate::template::Placeholder;

fn activity(dept: i64, queue: Option<i64>) -> Activity {
    serde_json::from_value(json!({
        "id": 10, "department_id": dept, "case_id": 4, "customer_id": 2, "channel": "inbound_email",
        "subject": "Refund", "status": "queued", "sub_status": null, "priority": 5,
        "due_at": null, "queue_id": queue, "assignee_id": null, "category_id": null,
        "custom_attributes": {}, "version": 1,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn alias(dept: i64, parts: serde_json::Value) -> Alias {
    serde_json::from_value(json!({
        "id": 3, "department_id": dept, "address": "help@example.com", "display_name": "Help",
        "queue_id": 8, "active": true, "parts": parts,
        "incoming": {"protocol": "imap", "host": "h", "port": 993, "security": "tls", "username": "u"},
        "incoming_password_set": false,
        "outgoing": {"host": "h", "port": 465, "security": "tls", "username": null},
        "outgoing_password_set": false, "version": 1,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn queue() -> Queue {
    serde_json::from_value(json!({
        "id": 8, "department_id": 1, "name": "Billing", "description": "",
        "kind": "standard", "routing": {"type": "manual"}, "agent_order": "longest_available",
        "service_level_secs": 7200, "priority": 5, "active": true, "review_queue_id": null,
        "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn article(text: &str, html: &str, active: bool) -> Article {
    serde_json::from_value(json!({
        "id": 5, "department_id": 1, "folder_id": null, "kind": "answer", "title": "T",
        "html": html, "text": text, "active": active, "version": 1,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn facts() -> MessageFacts {
    MessageFacts {
        customer_name: "Ann & Bo".into(),
        case_subject: "Refund".into(),
        department_name: "Sales".into(),
        customer_email: Some("ann@example.net".into()),
    }
}

#[test]
fn values_table() {
    let a = activity(1, Some(8));
    let v = values(
        Some(&facts()),
        &a,
        Some(&alias(1, json!({}))),
        Some(&queue()),
    );
    let cases = [
        (Placeholder::CustomerName, Some("Ann & Bo")),
        (Placeholder::CustomerEmail, Some("ann@example.net")),
        (Placeholder::CaseId, Some("4")),
        (Placeholder::CaseSubject, Some("Refund")),
        (Placeholder::ActivityId, Some("10")),
        (Placeholder::DepartmentName, Some("Sales")),
        (Placeholder::AliasAddress, Some("help@example.com")),
        (Placeholder::AliasName, Some("Help")),
        (Placeholder::QueueName, Some("Billing")),
        (Placeholder::ExpectedResponse, Some("2 hours")),
        (Placeholder::AgentName, None),
    ];
    for (p, want) in cases {
        assert_eq!(v.get(p), want, "{p:?}");
    }
    // Without the case's facts or a queue, those placeholders stay empty (defaults apply).
    let v = values(None, &a, Some(&alias(1, json!({}))), None);
    assert_eq!(v.get(Placeholder::CustomerName), None);
    assert_eq!(v.get(Placeholder::QueueName), None);
    assert_eq!(v.get(Placeholder::CaseId), Some("4"));
    // A chat has no alias: its placeholders stay empty.
    let v = values(Some(&facts()), &a, None, None);
    assert_eq!(v.get(Placeholder::AliasAddress), None);
    assert_eq!(v.get(Placeholder::CustomerName), Some("Ann & Bo"));
}

#[test]
fn the_quoted_queue_is_the_work_s_else_the_alias_s() {
    assert_eq!(
        quoted_queue(&activity(1, Some(2)), &alias(1, json!({}))),
        Some(crate::QueueId(2))
    );
    assert_eq!(
        quoted_queue(&activity(1, None), &alias(1, json!({}))),
        Some(crate::QueueId(8))
    );
}

#[test]
fn render_table() {
    let mut v = Values::default();
    v.set(Placeholder::CustomerName, "Ann & Bo");
    // Both forms: text rendered as text, HTML rendered escaping values.
    let p = render(
        &article("Hi {{customer.name}}", "<p>Hi {{customer.name}}</p>", true),
        &v,
    )
    .unwrap();
    assert_eq!(p.text, "Hi Ann & Bo");
    assert_eq!(p.html, "<p>Hi Ann &amp; Bo</p>");
    // No text: the HTML as text, entities decoded (no `&amp;` in a customer's mail).
    let p = render(
        &article("", "<p>Fish &amp; {{customer.name}}</p>", true),
        &v,
    )
    .unwrap();
    assert_eq!(p.text, "Fish & Ann & Bo");
    // No HTML: the text as HTML.
    let p = render(&article("A < B", "", true), &v).unwrap();
    assert!(p.html.contains("A &lt; B"), "{}", p.html);
    // Inactive: nothing.
    assert_eq!(render(&article("x", "", false), &v), None);
}

#[test]
fn parts_table() {
    let dept = MessageParts {
        header: Some(ArticleId(1)),
        greeting: Some(ArticleId(2)),
        ..MessageParts::default()
    };
    let own = alias(1, json!({"greeting": 7}));
    let other = alias(2, json!({"greeting": 7}));
    let p = parts_for(dept, &activity(1, None), &own);
    assert_eq!(
        (p.header, p.greeting),
        (Some(ArticleId(1)), Some(ArticleId(7)))
    );
    // After a hand-over the alias is another department's: its overrides do not apply.
    let p = parts_for(dept, &activity(1, None), &other);
    assert_eq!(
        (p.header, p.greeting),
        (Some(ArticleId(1)), Some(ArticleId(2)))
    );
    assert_eq!(
        around_article(&p, ArticleId(9)),
        [
            Some(ArticleId(1)),
            Some(ArticleId(2)),
            Some(ArticleId(9)),
            None,
            None
        ]
    );
    assert_eq!(
        around_reply(&p),
        [Some(ArticleId(1)), Some(ArticleId(2)), None, None]
    );
}

#[test]
fn a_reply_between_its_parts() {
    let none = Composed::default();
    assert_eq!(reply("Body", None, none.clone(), none.clone()), None);
    let before = Composed {
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
    };
    let out = reply("Body", None, before.clone(), none.clone()).unwrap();
    assert_eq!(out.text, "Hello\n\nBody");
    assert!(
        out.html.contains("<p>Hello</p>") && out.html.contains("Body"),
        "{}",
        out.html
    );
    let out = reply("Body", Some("<b>Body</b>"), before, none).unwrap();
    assert!(out.html.contains("<b>Body</b>"), "{}", out.html);
}

#[test]
fn join_skips_absent_parts() {
    let p = |t: &str| Part {
        text: t.into(),
        html: format!("<p>{t}</p>"),
    };
    let out = join(&[Some(p("a")), None, Some(p("b"))]);
    assert_eq!(out.text, "a\n\nb");
}
