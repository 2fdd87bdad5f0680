//! Entry points: defaults, the validation tables of forms, surveys, widget, origins and
//! time-outs, and patches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::widget::wait_message;
use super::*;

fn new(extra: serde_json::Value) -> Result<NewEntryPoint, String> {
    let mut v = json!({"department_id": 1, "name": " Web shop "});
    if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in more {
            obj.insert(k.clone(), x.clone());
        }
    }
    let n: NewEntryPoint = serde_json::from_value(v).map_err(|e| e.to_string())?;
    n.validate().map_err(|e| e.field)
}

#[test]
fn a_new_entry_point_gets_sensible_defaults() {
    let n = new(json!({})).unwrap();
    assert_eq!(n.name, "Web shop");
    assert!(n.active);
    let keys: Vec<&str> = n.pre_chat.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["name", "email", "question"]);
    assert_eq!(n.pre_chat[1].maps_to, FieldTarget::CustomerEmail);
    assert!(n.widget.wait_message.contains("{{position}}"));
    assert!(n.allowed_origins.is_empty() && n.survey.is_empty());
    assert!(n.timeouts.customer_warning_secs < n.timeouts.customer_inactivity_secs);
}

#[test]
fn validation_table() {
    let choice = |options: serde_json::Value| json!({"pre_chat": [{"key": "topic", "label": "Topic", "kind": "choice", "options": options}]});
    let rows: Vec<(serde_json::Value, Result<(), &str>)> = vec![
        (json!({"name": "  "}), Err("name")),
        (choice(json!(["Billing", "Orders"])), Ok(())),
        (choice(json!([])), Err("pre_chat[0].options")),
        (choice(json!(["A", "A"])), Err("pre_chat[0].options[1]")),
        (
            json!({"pre_chat": [{"key": "n", "label": "N", "kind": "text", "options": ["x"]}]}),
            Err("pre_chat[0].options"),
        ),
        (
            json!({"pre_chat": [
                {"key": "a", "label": "A", "kind": "text"},
                {"key": "a", "label": "B", "kind": "text"}]}),
            Err("pre_chat[1].key"),
        ),
        (
            json!({"pre_chat": [{"key": "Bad Key", "label": "A", "kind": "text"}]}),
            Err("pre_chat[0].key"),
        ),
        (
            json!({"pre_chat": [
                {"key": "a", "label": "A", "kind": "text", "maps_to": "customer_name"},
                {"key": "b", "label": "B", "kind": "text", "maps_to": "customer_name"}]}),
            Err("pre_chat[1].maps_to"),
        ),
        (
            json!({"pre_chat": [{"key": "e", "label": "E", "kind": "text", "maps_to": "customer_email"}]}),
            Err("pre_chat[0].kind"),
        ),
        (
            json!({"survey": [{"key": "score", "text": "How did we do?", "kind": "rating"}]}),
            Ok(()),
        ),
        (
            json!({"survey": [{"key": "pick", "text": "Which?", "kind": "choice"}]}),
            Err("survey[0].options"),
        ),
        (json!({"widget": {"colour": "blue"}}), Err("widget.colour")),
        (json!({"widget": {"colour": "#A0B1C2"}}), Ok(())),
        (
            json!({"widget": {"wait_message": "Place {{position}}, about {{expected_wait}}"}}),
            Ok(()),
        ),
        (
            json!({"widget": {"wait_message": "Hi {{customer.name}}"}}),
            Err("widget.wait_message"),
        ),
        (
            json!({"widget": {"wait_message": "Place {{position"}}),
            Err("widget.wait_message"),
        ),
        (
            json!({"allowed_origins": ["https://shop.example.com"]}),
            Ok(()),
        ),
        (
            json!({"allowed_origins": ["https://*.example.com"]}),
            Err("allowed_origins[0]"),
        ),
        (
            json!({"allowed_origins": ["ftp://example.com"]}),
            Err("allowed_origins[0]"),
        ),
        (
            json!({"allowed_origins": ["example.com"]}),
            Err("allowed_origins[0]"),
        ),
        (
            json!({"allowed_origins": ["https://example.com/path"]}),
            Err("allowed_origins[0]"),
        ),
        (
            json!({"allowed_origins": ["https://example.com:0"]}),
            Err("allowed_origins[0]"),
        ),
        (
            json!({"timeouts": {"customer_warning_secs": 5}}),
            Err("timeouts.customer_warning_secs"),
        ),
        (
            json!({"timeouts": {"customer_warning_secs": 300, "customer_inactivity_secs": 300}}),
            Err("timeouts.customer_warning_secs"),
        ),
        (
            json!({"timeouts": {"abandon_grace_secs": 100000}}),
            Err("timeouts.abandon_grace_secs"),
        ),
    ];
    for (input, want) in rows {
        let got = new(input.clone()).map(|_| ());
        assert_eq!(got, want.map_err(str::to_string), "{input}");
    }
}

#[test]
fn origins_are_normalised_and_matched() {
    let n = new(json!({"allowed_origins": [
        "HTTPS://Shop.Example.com/", "https://shop.example.com", "http://localhost:8080"]}))
    .unwrap();
    assert_eq!(
        n.allowed_origins,
        ["https://shop.example.com", "http://localhost:8080"]
    );
    assert!(origin::allows(
        &n.allowed_origins,
        "https://shop.example.com"
    ));
    assert!(origin::allows(&n.allowed_origins, "http://LOCALHOST:8080"));
    assert!(!origin::allows(
        &n.allowed_origins,
        "https://evil.example.com"
    ));
    assert!(!origin::allows(&n.allowed_origins, "null"));
}

#[test]
fn wait_messages_are_filled() {
    let t = "You are number {{position}}; about {{ expected_wait }} (chat {{activity.id}}).";
    assert_eq!(
        wait_message(t, 3, "2 minutes", 77),
        "You are number 3; about 2 minutes (chat 77)."
    );
    assert_eq!(
        wait_message("no placeholders", 1, "x", 1),
        "no placeholders"
    );
}

#[test]
fn a_patch_sets_what_it_names() {
    let mut e: EntryPoint = serde_json::from_value(json!({
        "id": 1001, "department_id": 1, "name": "Web shop", "description": "", "active": true,
        "queue_id": 4, "calendar_id": 2, "max_waiting": 0, "pre_chat": [], "widget": WidgetTemplate::default(),
        "allowed_origins": [], "survey": [], "timeouts": ChatTimeouts::default(), "version": 3,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap();
    let p: EntryPointPatch = serde_json::from_value(json!({
        "version": 3, "active": false, "calendar_id": null, "max_waiting": 5,
        "allowed_origins": ["https://Shop.example.com"]
    }))
    .unwrap();
    let p = p.validate().unwrap();
    p.apply_to(&mut e);
    assert!(!e.active);
    assert_eq!(e.calendar_id, None);
    assert_eq!(e.max_waiting, 5);
    assert_eq!(
        e.queue_id,
        Some(crate::QueueId(4)),
        "absent: left as it was"
    );
    assert_eq!(e.allowed_origins, ["https://shop.example.com"]);
    let bad: EntryPointPatch =
        serde_json::from_value(json!({"version": 3, "widget": {"title": ""}})).unwrap();
    assert_eq!(bad.validate().unwrap_err().field, "widget.title");
}

fn form() -> Vec<PreChatField> {
    let mut f = form::default_pre_chat();
    f.push(PreChatField {
        key: "topic".into(),
        label: "Topic".into(),
        kind: FieldKind::Choice,
        required: true,
        options: vec!["Billing".into(), "Orders".into()],
        maps_to: FieldTarget::Attribute,
    });
    f.push(PreChatField {
        key: "order_no".into(),
        label: "Order number".into(),
        kind: FieldKind::Number,
        required: false,
        options: vec![],
        maps_to: FieldTarget::Attribute,
    });
    f
}

fn answers(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn answers_are_sorted_by_where_they_go() {
    let a = answers(&[
        ("name", " Carol Customer "),
        ("email", "carol@example.net"),
        ("question", "Where is my order?\nIt was due Monday."),
        ("topic", "Orders"),
        ("order_no", "4711"),
    ]);
    let s = check_answers(&form(), &a).unwrap();
    assert_eq!(s.name.as_deref(), Some("Carol Customer"));
    assert_eq!(
        s.email.as_ref().map(|e| e.as_str()),
        Some("carol@example.net")
    );
    assert_eq!(
        s.question.as_deref(),
        Some("Where is my order?\nIt was due Monday.")
    );
    assert_eq!(s.attributes["topic"], json!("Orders"));
    assert_eq!(s.attributes["order_no"], json!(4711));
}

#[test]
fn answer_table() {
    let ok = [
        ("name", "Carol"),
        ("email", "carol@example.net"),
        ("topic", "Billing"),
    ];
    let with = |k: &str, v: &str| {
        let mut a = answers(&ok);
        a.insert(k.into(), v.into());
        a
    };
    let without = |k: &str| {
        let mut a = answers(&ok);
        a.remove(k);
        a
    };
    type Answers = std::collections::BTreeMap<String, String>;
    let rows: Vec<(Answers, Result<(), &str>)> = vec![
        (answers(&ok), Ok(())),
        (without("name"), Err("answers.name")),
        (with("name", "   "), Err("answers.name")),
        (without("question"), Ok(())),
        (with("email", "not an address"), Err("answers.email")),
        (with("topic", "Sales"), Err("answers.topic")),
        (with("order_no", "12x"), Err("answers.order_no")),
        (with("order_no", "NaN"), Err("answers.order_no")),
        (with("name", "Carol\u{7}"), Err("answers.name")),
        (with("name", "Line\nbreak"), Err("answers.name")),
        (with("question", "Two\nlines"), Ok(())),
        (with("name", &"x".repeat(501)), Err("answers.name")),
        (with("question", &"x".repeat(4001)), Err("answers.question")),
        (with("shoe_size", "44"), Err("answers.shoe_size")),
    ];
    for (a, want) in rows {
        let got = check_answers(&form(), &a).map(|_| ()).map_err(|e| e.field);
        assert_eq!(got, want.map_err(str::to_string), "{a:?}");
    }
}
