//! Workflows from JSON to effects: parsing, validation with named nodes, compilation and runs,
//! plus a property test of the scanning evaluator against a naive one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;
use switchboard_domain::{
    ActivityStatus, AliasId, ArticleId, BusinessCalendar, CalendarId, CategoryId, ChannelKind,
    CustomAttributes, DepartmentId, Holiday, OpenHours, QueueId, Timestamp, UserGroupId, UserId,
    WeeklyHours, WorkflowId,
};
use switchboard_workflow::model::Definition;
use switchboard_workflow::{
    ActivityFacts, AgentFacts, AttachmentFacts, Facts, Message, NewWorkflow, Program, RouteTo,
    Scanner, Validate, Workflow, WorkflowKind, compile, run, run_with,
};

fn workflow(kind: WorkflowKind, steps: serde_json::Value) -> Workflow {
    let def: Definition = serde_json::from_value(json!({ "steps": steps })).unwrap();
    let new = NewWorkflow {
        department_id: DepartmentId(1),
        name: "w".into(),
        description: String::new(),
        kind,
        active: true,
        alias_ids: vec![],
        interval_secs: None,
        definition: def,
    }
    .validate()
    .unwrap();
    Workflow {
        id: WorkflowId(7),
        department_id: new.department_id,
        name: new.name,
        description: new.description,
        kind,
        active: true,
        alias_ids: new.alias_ids,
        interval_secs: new.interval_secs.unwrap_or(0),
        definition: new.definition,
        version: 3,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    }
}

fn program(kind: WorkflowKind, steps: serde_json::Value) -> Program {
    compile(&workflow(kind, steps), &HashMap::new()).unwrap()
}

fn activity() -> ActivityFacts {
    ActivityFacts {
        channel: ChannelKind::InboundEmail,
        status: ActivityStatus::Queued,
        priority: 5,
        category: None,
        attributes: CustomAttributes::new(),
        queue: Some(QueueId(1)),
        subject: String::new(),
        waiting_secs: None,
        service_level_secs: None,
    }
}

fn message(subject: &str, body: &str) -> Message {
    Message {
        subject: subject.into(),
        from: vec!["ann@customer.example".into(), "Ann Example".into()],
        to: vec!["support@acme.example".into()],
        cc: vec![],
        headers: vec![
            ("X-Priority".into(), "1 (Highest)".into()),
            ("Subject".into(), subject.into()),
        ],
        body: body.into(),
        attachments: vec![AttachmentFacts {
            name: "Invoice-42.PDF".into(),
            content_type: "application/pdf".into(),
        }],
    }
}

fn facts<'a>(m: &'a Message, customer: &'a CustomAttributes, new_case: bool) -> Facts<'a> {
    Facts {
        now: Timestamp::parse_rfc3339("2026-11-23T10:00:00Z").unwrap(),
        message: Some(m),
        activity: activity(),
        customer,
        new_case,
        agent: None,
    }
}

fn standard() -> serde_json::Value {
    json!([
        {"id": "ack", "type": "acknowledge"},
        {"id": "classify", "type": "branch", "cases": [
            {"label": "billing", "when": {"type": "any", "of": [
                {"type": "text", "field": "subject", "op": "contains", "value": "INVOICE"},
                {"type": "attachment", "op": "extension", "value": "pdf"}
            ]}, "then": [
                {"id": "cat-billing", "type": "set_category", "category_id": 2},
                {"id": "to-billing", "type": "route", "queue_id": 5}
            ]},
            {"label": "urgent", "when": {"type": "text", "field": "header", "header": "x-priority", "op": "starts_with", "value": "1"},
             "then": [{"id": "prio", "type": "set_priority", "priority": 9}]}
        ], "otherwise": [{"id": "general", "type": "route", "queue_id": 1}]},
        {"id": "vip?", "type": "branch", "cases": [
            {"when": {"type": "customer", "attribute": "tier", "op": "equals", "value": "Gold"},
             "then": [{"id": "raise", "type": "raise_priority", "by": 2}]}
        ]}
    ])
}

#[test]
fn the_first_matching_case_runs_and_the_path_is_recorded() {
    let p = program(WorkflowKind::Inbound, standard());
    let m = message("Question about my invoice", "Hello");
    let mut gold = CustomAttributes::new();
    gold.insert("tier".into(), json!("gold"));
    let out = run([&p], &facts(&m, &gold, true));
    assert_eq!(out.effects.category, Some(CategoryId(2)));
    assert_eq!(out.effects.route, Some(RouteTo::Queue(QueueId(5))));
    assert_eq!(out.effects.acknowledge, Some(None));
    // Raised from the activity's 5 by 2.
    assert_eq!(out.effects.priority, Some(7));
    assert_eq!(out.runs.len(), 1);
    assert_eq!(
        out.runs[0].path,
        vec![
            "ack",
            "classify → billing",
            "cat-billing",
            "to-billing",
            "vip? → case 1",
            "raise"
        ]
    );
    assert_eq!(out.runs[0].version, 3);
}

#[test]
fn otherwise_runs_when_no_case_holds() {
    let p = program(WorkflowKind::Inbound, standard());
    let mut m = message("Hello", "Hi there");
    m.attachments.clear();
    m.headers.clear();
    let none = CustomAttributes::new();
    let out = run([&p], &facts(&m, &none, false));
    assert_eq!(out.effects.route, Some(RouteTo::Queue(QueueId(1))));
    assert_eq!(out.effects.category, None);
    assert_eq!(out.effects.priority, None);
    assert_eq!(
        out.runs[0].path,
        vec!["ack", "classify → otherwise", "general"],
        "a branch with nothing to do otherwise leaves no entry"
    );
}

#[test]
fn stop_ends_every_later_workflow_and_later_steps_see_earlier_changes() {
    let first = program(
        WorkflowKind::Start,
        json!([
            {"id": "cat", "type": "set_category", "category_id": 3},
            {"id": "check", "type": "branch", "cases": [
                {"when": {"type": "category", "category_ids": [3]}, "then": [{"id": "halt", "type": "stop"}]}
            ]},
            {"id": "never", "type": "set_priority", "priority": 1}
        ]),
    );
    let second = program(
        WorkflowKind::Inbound,
        json!([{"id": "q", "type": "route", "queue_id": 9}]),
    );
    let m = message("x", "y");
    let none = CustomAttributes::new();
    let out = run([&first, &second], &facts(&m, &none, true));
    assert_eq!(out.runs.len(), 1);
    assert!(out.runs[0].stopped);
    assert_eq!(out.effects.priority, None);
    assert_eq!(out.effects.route, None);
}

#[test]
fn regexes_languages_cases_and_attachments() {
    let p = program(
        WorkflowKind::Inbound,
        json!([
            {"id": "order", "type": "branch", "cases": [
                {"when": {"type": "text", "field": "body", "op": "matches", "value": "(?i)order\\s+#?\\d{5,}"},
                 "then": [{"id": "a1", "type": "set_attribute", "name": "has_order", "value": true}]}
            ]},
            {"id": "german", "type": "branch", "cases": [
                {"when": {"type": "language", "languages": ["de"]}, "then": [{"id": "a2", "type": "set_attribute", "name": "lang", "value": "de"}]}
            ]},
            {"id": "reply", "type": "branch", "cases": [
                {"when": {"type": "case", "is": "reply"}, "then": [{"id": "a3", "type": "set_attribute", "name": "reply", "value": 1}]}
            ]},
            {"id": "images", "type": "branch", "cases": [
                {"when": {"type": "attachment", "op": "content_type", "value": "image/"}, "then": [{"id": "a4", "type": "set_attribute", "name": "image", "value": true}]}
            ]},
            {"id": "domain", "type": "branch", "cases": [
                {"when": {"type": "text", "field": "from", "op": "ends_with", "value": "@CUSTOMER.example"}, "then": [{"id": "a5", "type": "set_attribute", "name": "known_domain", "value": true}]}
            ]}
        ]),
    );
    let m = message(
        "Bestellung",
        "Guten Tag, ich habe die Ware zu Order #123456 nicht bekommen. Bitte helfen Sie mir. Danke!",
    );
    let none = CustomAttributes::new();
    let out = run([&p], &facts(&m, &none, false));
    let a = &out.effects.attributes;
    assert_eq!(a.get("has_order"), Some(&json!(true)));
    assert_eq!(a.get("lang"), Some(&json!("de")));
    assert_eq!(a.get("reply"), Some(&json!(1)));
    assert_eq!(a.get("image"), None);
    assert_eq!(a.get("known_domain"), Some(&json!(true)));
}

#[test]
fn business_hours_and_time_of_day() {
    let cal = BusinessCalendar {
        id: CalendarId(4),
        department_id: DepartmentId(1),
        name: "office".into(),
        time_zone: "Europe/Berlin".into(),
        hours: WeeklyHours {
            mon: vec!["09:00-17:00".into()],
            ..Default::default()
        },
        holidays: vec![Holiday {
            date: "2026-12-24".into(),
            name: String::new(),
        }],
        version: 1,
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    };
    let mut cals = HashMap::new();
    cals.insert(CalendarId(4), Arc::new(OpenHours::new(&cal).unwrap()));
    let w = workflow(
        WorkflowKind::Inbound,
        json!([
            {"id": "closed?", "type": "branch", "cases": [
                {"when": {"type": "business_hours", "calendar_id": 4, "open": false},
                 "then": [{"id": "after-hours", "type": "route", "queue_id": 8}]}
            ]},
            {"id": "night?", "type": "branch", "cases": [
                {"when": {"type": "time", "time_zone": "America/New_York", "from": "22:00", "to": "06:00"},
                 "then": [{"id": "night", "type": "set_attribute", "name": "night", "value": true}]}
            ]}
        ]),
    );
    let p = compile(&w, &cals).unwrap();
    let m = message("x", "y");
    let none = CustomAttributes::new();
    let mut f = facts(&m, &none, true);
    // Monday 10:00 UTC = 11:00 Berlin (open) = 05:00 New York (night).
    let out = run([&p], &f);
    assert_eq!(out.effects.route, None);
    assert_eq!(out.effects.attributes.get("night"), Some(&json!(true)));
    // Monday 17:30 UTC = 18:30 Berlin (closed) = 12:30 New York.
    f.now = Timestamp::parse_rfc3339("2026-11-23T17:30:00Z").unwrap();
    let out = run([&p], &f);
    assert_eq!(out.effects.route, Some(RouteTo::Queue(QueueId(8))));
    assert_eq!(out.effects.attributes.get("night"), None);
    // A calendar that is gone never holds.
    let p = compile(&w, &HashMap::new()).unwrap();
    assert_eq!(run([&p], &f).effects.route, None);
}

#[test]
fn alarms_look_at_waiting_time_and_the_service_level() {
    let p = program(
        WorkflowKind::Alarm,
        json!([
            {"id": "late?", "type": "branch", "cases": [
                {"when": {"type": "all", "of": [
                    {"type": "service_level", "exceeded": true},
                    {"type": "status", "statuses": ["queued"]}
                ]}, "then": [
                    {"id": "up", "type": "raise_priority", "by": 3},
                    {"id": "tell", "type": "notify", "to": ["boss@acme.example"], "text": "Case {{case.id}} waits"},
                    {"id": "move", "type": "route", "group_id": 4}
                ]}
            ]}
        ]),
    );
    let none = CustomAttributes::new();
    let mut a = activity();
    a.waiting_secs = Some(700);
    a.service_level_secs = Some(600);
    a.priority = 9;
    let f = Facts {
        now: Timestamp::from_millis(0),
        message: None,
        activity: a.clone(),
        customer: &none,
        new_case: false,
        agent: None,
    };
    let out = run([&p], &f);
    assert_eq!(out.effects.priority, Some(10));
    assert_eq!(out.effects.notify.len(), 1);
    assert_eq!(out.effects.route, Some(RouteTo::Group(UserGroupId(4))));
    let mut early = f.clone();
    early.activity.waiting_secs = Some(10);
    assert!(run([&p], &early).effects.is_empty());
}

#[test]
fn outbound_review_by_agent_group() {
    let p = program(
        WorkflowKind::Outbound,
        json!([
            {"id": "trainees", "type": "branch", "cases": [
                {"when": {"type": "agent", "group_ids": [3]}, "then": [{"id": "hold", "type": "review"}]}
            ]}
        ]),
    );
    let m = message("Re: x", "Answer");
    let none = CustomAttributes::new();
    let trainee = AgentFacts {
        user: Some(UserId(5)),
        groups: vec![UserGroupId(3)],
    };
    let mut f = facts(&m, &none, false);
    f.agent = Some(&trainee);
    assert_eq!(run([&p], &f).effects.review, Some(None));
    let senior = AgentFacts {
        user: Some(UserId(6)),
        groups: vec![UserGroupId(1)],
    };
    f.agent = Some(&senior);
    assert_eq!(run([&p], &f).effects.review, None);
}

fn invalid(kind: WorkflowKind, body: serde_json::Value) -> (String, String) {
    let def: Definition = match serde_json::from_value(body) {
        Ok(d) => d,
        Err(e) => return ("parse".into(), e.to_string()),
    };
    let e = NewWorkflow {
        department_id: DepartmentId(1),
        name: "w".into(),
        description: String::new(),
        kind,
        active: true,
        alias_ids: vec![],
        interval_secs: None,
        definition: def,
    }
    .validate()
    .unwrap_err();
    (e.field, e.message)
}

#[test]
fn errors_name_the_node() {
    let (f, m) = invalid(
        WorkflowKind::Inbound,
        json!({"steps": [
            {"id": "ok", "type": "stop"},
            {"id": "classify", "type": "branch", "cases": [
                {"when": {"type": "all", "of": [
                    {"type": "text", "field": "subject", "op": "contains", "value": "a"},
                    {"type": "text", "field": "body", "op": "matches", "value": "(unclosed"}
                ]}, "then": []}
            ]}
        ]}),
    );
    assert_eq!(f, "definition.steps[1].cases[0].when.of[1].value");
    assert!(
        m.starts_with("step \"classify\": the regular expression does not compile"),
        "{m}"
    );

    let (f, m) = invalid(
        WorkflowKind::Inbound,
        json!({"steps": [{"id": "a", "type": "stop"}, {"id": "a", "type": "stop"}]}),
    );
    assert_eq!(
        (f.as_str(), m.contains("used by another step")),
        ("definition.steps[1].id", true)
    );

    let (f, m) = invalid(
        WorkflowKind::Inbound,
        json!({"steps": [{"id": "r", "type": "review"}]}),
    );
    assert_eq!(f, "definition.steps[0].type");
    assert!(
        m.contains("cannot be used in a inbound workflow") || m.contains("inbound"),
        "{m}"
    );

    let (f, _) = invalid(
        WorkflowKind::Inbound,
        json!({"steps": [{"id": "r", "type": "route", "queue_id": 1, "user_id": 2}]}),
    );
    assert_eq!(f, "definition.steps[0]");

    let (f, _) = invalid(
        WorkflowKind::Alarm,
        json!({"steps": [{"id": "b", "type": "branch", "cases": [
            {"when": {"type": "text", "field": "body", "op": "contains", "value": "x"}, "then": []}
        ]}]}),
    );
    assert_eq!(f, "definition.steps[0].cases[0].when.field");

    let (f, m) = invalid(
        WorkflowKind::Alarm,
        json!({"steps": [{"id": "n", "type": "notify", "to": ["x@y.example"], "text": "{{case.idd}}"}]}),
    );
    assert_eq!(f, "definition.steps[0].text");
    assert!(m.contains("unknown placeholder"), "{m}");

    // Unknown fields and types are refused by the parser, with the path.
    let body = json!({"steps": [{"id": "x", "type": "set_priority", "priority": 3, "prio": 4}]});
    let e = serde_path_to_error::deserialize::<_, Definition>(body).unwrap_err();
    assert!(e.to_string().contains("prio"), "{e}");
    assert_eq!(e.path().to_string(), "steps[0]");
    let body = json!({"steps": [{"id": "x", "type": "teleport"}]});
    assert!(serde_json::from_value::<Definition>(body).is_err());
}

#[test]
fn inbound_workflows_serve_their_aliases() {
    let mut w = workflow(WorkflowKind::Inbound, json!([]));
    w.alias_ids = vec![AliasId(2)];
    let p = compile(&w, &HashMap::new()).unwrap();
    assert!(p.serves(AliasId(2)));
    assert!(!p.serves(AliasId(3)));
    let all = program(WorkflowKind::Inbound, json!([]));
    assert!(all.serves(AliasId(3)));
    let refs = switchboard_workflow::refs::references(
        &workflow(WorkflowKind::Inbound, standard()).definition,
    );
    assert!(refs.contains(&(
        "steps[1].cases[0].then[1].queue_id".to_string(),
        switchboard_workflow::refs::Ref::Queue(QueueId(5))
    )));
    let _ = ArticleId(1);
}

// The scanning evaluator (one automaton and one regex set per field) agrees with a naive
// evaluation of each text test on its own.
fn naive(op: &str, value: &str, entries: &[String]) -> bool {
    let v = value.to_lowercase();
    match op {
        "contains" => entries.join("\n").to_lowercase().contains(&v),
        "equals" => entries.iter().any(|e| e.trim().to_lowercase() == v),
        "starts_with" => entries
            .iter()
            .any(|e| e.trim_start().to_lowercase().starts_with(&v)),
        "ends_with" => entries
            .iter()
            .any(|e| e.trim_end().to_lowercase().ends_with(&v)),
        "matches" => regex::Regex::new(value)
            .unwrap()
            .is_match(&entries.join("\n")),
        _ => unreachable!(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn scanning_agrees_with_naive_evaluation(
        tests in proptest::collection::vec(
            (0usize..5, 0usize..4, "[a-cÄä ]{1,3}"), 1..12),
        subject in "[a-cÄä @.]{0,12}",
        to in proptest::collection::vec("[a-cÄä @.]{0,6}", 0..3),
    ) {
        let ops = ["contains", "equals", "starts_with", "ends_with", "matches"];
        let fields = ["subject", "to", "body", "from"];
        let m = Message {
            subject: subject.clone(),
            from: vec![subject.chars().rev().collect()],
            to: to.clone(),
            cc: vec![],
            headers: vec![],
            body: format!("{subject} {}", to.join(" ")),
            attachments: vec![],
        };
        let mut steps = Vec::new();
        let mut expected = BTreeMap::new();
        for (i, (op, field, value)) in tests.iter().enumerate() {
            let value = if ops[*op] == "matches" { regex::escape(value) } else { value.clone() };
            let entries: Vec<String> = match fields[*field] {
                "subject" => vec![m.subject.clone()],
                "to" => m.to.clone(),
                "body" => vec![m.body.clone()],
                _ => m.from.clone(),
            };
            expected.insert(format!("t{i}"), naive(ops[*op], &value, &entries));
            steps.push(json!({"id": format!("b{i}"), "type": "branch", "cases": [
                {"when": {"type": "text", "field": fields[*field], "op": ops[*op], "value": value},
                 "then": [{"id": format!("s{i}"), "type": "set_attribute", "name": format!("t{i}"), "value": true}]}
            ]}));
        }
        let p = program(WorkflowKind::Inbound, json!(steps));
        let none = CustomAttributes::new();
        let out = run([&p], &facts(&m, &none, true));
        // The same tests split over two workflows read through one merged scanner.
        let half = steps.len().div_ceil(2);
        let mut parts = Vec::new();
        for (n, chunk) in [&steps[..half], &steps[half..]].into_iter().enumerate() {
            if chunk.is_empty() {
                continue;
            }
            let mut w = workflow(WorkflowKind::Inbound, json!(chunk));
            w.id = WorkflowId(n as i64 + 1);
            parts.push(compile(&w, &HashMap::new()).unwrap());
        }
        let scanner = Scanner::new(parts.iter()).unwrap();
        let merged = run_with(parts.iter(), Some(&scanner), &facts(&m, &none, true));
        for (k, want) in expected {
            prop_assert_eq!(out.effects.attributes.contains_key(&k), want, "test {}", k);
            prop_assert_eq!(merged.effects.attributes.contains_key(&k), want, "merged test {}", k);
        }
    }
}

#[test]
fn the_standard_start_workflow_is_valid_and_acknowledges() {
    let n = switchboard_domain::workflow::standard_start(DepartmentId(4))
        .validate()
        .unwrap();
    assert_eq!(n.kind, WorkflowKind::Start);
    assert_eq!(n.department_id, DepartmentId(4));
    let steps = serde_json::to_value(&n.definition).unwrap();
    assert_eq!(steps["steps"][0]["type"], "acknowledge");
    assert_eq!(steps["steps"].as_array().map(Vec::len), Some(1));
}
