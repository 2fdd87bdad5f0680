//! Workflows and the knowledge base end to end, against the spawned server with real Dovecot and
//! SMTP: a new email gets exactly one auto-acknowledgement built from KB articles (an auto-reply
//! and a follow-up in the case get none); a classified email lands in the queue the workflow
//! names; editing the workflow through the API changes where the next email goes, with no
//! restart; articles are sanitized, their placeholders checked, and found by search.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::Api;
use common::mail::*;
use serde_json::{Value, json};
use switchboard_testkit::require_or_skip;

const WAIT: Duration = Duration::from_secs(30);

fn servers_available() -> bool {
    require_or_skip("dovecot") && require_or_skip("aiosmtpd")
}

async fn article(api: &Api, dept: i64, kind: &str, title: &str, html: &str) -> i64 {
    let (st, a) = api
        .post(
            "/articles",
            json!({"department_id": dept, "kind": kind, "title": title, "html": html}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    a["id"].as_i64().unwrap()
}

async fn kinds(api: &Api, activity: i64) -> Vec<Value> {
    let (st, events) = api.get(&format!("/activities/{activity}/events")).await;
    assert_eq!(st, 200, "{events}");
    events["items"].as_array().cloned().unwrap()
}

/// The inbound email with this Message-ID, once stored.
async fn stored(api: &Api, alias: i64, message_id: &str) -> Value {
    wait_for(&format!("email {message_id}"), WAIT, || async {
        emails(api, &format!("alias_id={alias}&direction=inbound"))
            .await
            .into_iter()
            .find(|e| e["message_id"] == message_id)
    })
    .await
}

/// A story run as two system tests: on SQLite, and on PostgreSQL when the test command
/// provides a server.
macro_rules! on_both_engines {
    ($sqlite:ident, $postgres:ident, $story:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            if servers_available() {
                $story(World::start(true, &[]).await).await;
            }
        }

        #[tokio::test]
        async fn $postgres() {
            if servers_available()
                && let Some(w) = World::start_on_postgres(true, &[]).await
            {
                $story(w).await;
            }
        }
    };
}

on_both_engines!(
    acknowledge_classify_route_and_change_live,
    acknowledge_classify_route_and_change_live_on_postgres,
    acknowledge_story
);

/// One acknowledgement per new case, classification, a live change of the workflow.
async fn acknowledge_story(w: World) {
    let (dovecot, api, dept, general) = (&w.dovecot, &w.api, w.dept, w.queue);

    // Knowledge base: the standard parts and the acknowledgement, with placeholders. An unknown
    // placeholder is refused when saved, naming the field and line.
    let (st, bad) = api
        .post(
            "/articles",
            json!({"department_id": dept, "kind": "greeting", "title": "Bad", "text": "Hi\n{{customer.nmae}}"}),
        )
        .await;
    assert_eq!(st, 422, "{bad}");
    assert_eq!(bad["field"], "text", "{bad}");
    assert!(bad["message"].as_str().unwrap().contains("line 2"), "{bad}");
    let greeting = article(
        api,
        dept,
        "greeting",
        "Greeting",
        "<p>Dear {{customer.name}},</p>",
    )
    .await;
    let signature = article(
        api,
        dept,
        "signature",
        "Signature",
        "<p>Kind regards,<br>{{alias.name}}</p><script>alert(1)</script>",
    )
    .await;
    let (_, sig) = api.get(&format!("/articles/{signature}")).await;
    assert!(!sig["html"].as_str().unwrap().contains("script"), "{sig}");
    assert!(
        sig["text"].as_str().unwrap().contains("Kind regards"),
        "{sig}"
    );
    let ack = article(
        api,
        dept,
        "auto_acknowledgement",
        "We received your message",
        "<p>We received your message (case {{case.id}}) and will answer within {{expected_response}}.</p>",
    )
    .await;
    article(
        api,
        dept,
        "answer",
        "Refunds",
        "<p>Refunds take five days. Reply with your order number.</p>",
    )
    .await;
    let (_, settings) = api
        .get(&format!("/departments/{dept}/email-settings"))
        .await;
    let mut settings = settings.clone();
    settings["parts"] = json!({"greeting": greeting, "signature": signature});
    let (st, body) = api
        .put(
            &format!("/departments/{dept}/email-settings"),
            settings.clone(),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    // A part must be an article of its kind.
    settings["parts"] = json!({"greeting": ack});
    let (st, body) = api
        .put(&format!("/departments/{dept}/email-settings"), settings)
        .await;
    assert_eq!(
        (st, body["field"].as_str()),
        (422, Some("parts.greeting")),
        "{body}"
    );

    // Search ranks the title match first and finds words by their start.
    let (st, hits) = api
        .get(&format!("/articles/search?department_id={dept}&q=refund"))
        .await;
    assert_eq!(st, 200, "{hits}");
    assert_eq!(hits[0]["article"]["title"], "Refunds", "{hits}");
    let (_, hits) = api
        .get(&format!("/articles/search?department_id={dept}&q=receiv"))
        .await;
    assert_eq!(hits[0]["article"]["id"], ack, "{hits}");

    // Classification: invoices go to Billing with the Billing category.
    let billing = queue(api, dept, "Billing").await;
    let (st, cat) = api
        .post(
            "/categories",
            json!({"department_id": dept, "name": "Billing"}),
        )
        .await;
    assert_eq!(st, 201, "{cat}");
    let cat = cat["id"].as_i64().unwrap();
    let inc = json!({"protocol": "imap", "port": dovecot.imap_port(), "security": "starttls"});
    let alias = w.alias("support@acme.test", inc).await;
    let alias_id = alias["id"].as_i64().unwrap();
    let classify = |target: i64| {
        json!({"steps": [
            {"id": "classify", "type": "branch", "cases": [
                {"label": "invoice", "when": {"type": "text", "field": "subject", "op": "contains", "value": "invoice"},
                 "then": [
                    {"id": "category", "type": "set_category", "category_id": cat},
                    {"id": "queue", "type": "route", "queue_id": target}
                 ]}
            ]}
        ]})
    };
    // A bad definition is refused with the node named.
    let (st, bad) = api
        .post(
            "/workflows",
            json!({"department_id": dept, "name": "Broken", "kind": "inbound",
                   "definition": {"steps": [{"id": "x", "type": "route", "queue_id": 999999}]}}),
        )
        .await;
    assert_eq!(st, 422, "{bad}");
    assert_eq!(bad["field"], "definition.steps[0].queue_id", "{bad}");
    let (st, flow) = api
        .post(
            "/workflows",
            json!({"department_id": dept, "name": "Classify", "kind": "inbound",
                   "alias_ids": [alias_id], "definition": classify(billing)}),
        )
        .await;
    assert_eq!(st, 201, "{flow}");
    let flow_id = flow["id"].as_i64().unwrap();

    // 1. A new case: classified, routed, acknowledged once from the articles.
    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Question about my invoice",
            "w1@customer.test",
            "",
            "Why was I charged twice?",
        ),
    );
    let first = stored(api, alias_id, "w1@customer.test").await;
    let case = first["case_id"].as_i64().unwrap();
    let activity = first["activity_id"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(
        (a["queue_id"].as_i64(), a["category_id"].as_i64()),
        (Some(billing), Some(cat)),
        "{a}"
    );
    let events = kinds(api, activity).await;
    let ran: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "workflow_ran")
        .collect();
    assert_eq!(ran.len(), 2, "{events:?}");
    assert_eq!(ran[0]["data"]["name"], "Standard start");
    assert_eq!(ran[1]["data"]["workflow_id"], flow_id);
    assert_eq!(ran[1]["data"]["version"], 1);
    assert_eq!(
        ran[1]["data"]["path"],
        json!(["classify → invoice", "category", "queue"])
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["kind"] == "acknowledged")
            .count(),
        1
    );
    wait_for(
        "the acknowledgement in the customer's mailbox",
        WAIT,
        || async { (dovecot.count_messages("carol", None) == 1).then_some(()) },
    )
    .await;
    let raw = dovecot.read_messages("carol").pop().unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.in_reply_to().as_text(), Some("w1@customer.test"));
    assert!(parsed.subject().unwrap().contains(&format!("[#{case}]")));
    let body = parsed.body_text(0).unwrap().to_string();
    assert!(body.contains("Dear Carol Customer,"), "{body}");
    assert!(body.contains(&format!("(case {case})")), "{body}");
    assert!(body.contains("will answer within "), "{body}");
    assert!(body.contains("Kind regards,"), "{body}");
    assert!(text.contains("Auto-Submitted: auto-replied"), "{text}");

    // 2. An out-of-office answer to the acknowledgement and 3. a follow-up in the case get none.
    let ack_id = parsed.message_id().unwrap().to_string();
    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Out of office",
            "w2@customer.test",
            &format!("Auto-Submitted: auto-replied\r\nIn-Reply-To: <{ack_id}>\r\n"),
            "I am away.",
        ),
    );
    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            &format!("Re: Question about my invoice [#{case}]"),
            "w3@customer.test",
            "In-Reply-To: <w1@customer.test>\r\n",
            "Any news about the invoice?",
        ),
    );
    let away = stored(api, alias_id, "w2@customer.test").await;
    assert_eq!(away["outcome"], "attached", "{away}");
    let follow = stored(api, alias_id, "w3@customer.test").await;
    assert_eq!(follow["case_id"], case);
    let events = kinds(api, follow["activity_id"].as_i64().unwrap()).await;
    assert!(
        !events.iter().any(|e| e["kind"] == "acknowledged"),
        "{events:?}"
    );
    // The run record says why nothing was sent.
    let notes: Vec<String> = events
        .iter()
        .filter(|e| e["kind"] == "workflow_ran")
        .map(|e| e["data"]["notes"].to_string())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("not a new case")),
        "{notes:?}"
    );
    // Outbound mail is recorded in the same transaction as the inbound: still one.
    assert_eq!(emails(api, "direction=outbound").await.len(), 1);

    // 4. The workflow is changed through the API: the next invoice goes to the general queue.
    let (st, changed) = api
        .put(
            &format!("/workflows/{flow_id}"),
            json!({"version": 1, "definition": classify(general)}),
        )
        .await;
    assert_eq!(st, 200, "{changed}");
    assert_eq!(changed["version"], 2);
    dovecot.deliver(
        "support",
        &message(
            "dave@customer.test",
            "support@acme.test",
            "Another invoice question",
            "w4@customer.test",
            "",
            "Hello",
        ),
    );
    let next = stored(api, alias_id, "w4@customer.test").await;
    let (_, a) = api
        .get(&format!("/activities/{}", next["activity_id"]))
        .await;
    assert_eq!(a["queue_id"].as_i64(), Some(general), "{a}");
    let events = kinds(api, a["id"].as_i64().unwrap()).await;
    let ran = events
        .iter()
        .find(|e| e["kind"] == "workflow_ran" && e["data"]["workflow_id"] == flow_id)
        .unwrap();
    assert_eq!(ran["data"]["version"], 2);
    assert_eq!(emails(api, "direction=outbound").await.len(), 2);
    let (_, versions) = api.get(&format!("/workflows/{flow_id}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);

    // What a workflow uses cannot be deleted from under it.
    let (st, body) = api.delete(&format!("/categories/{cat}")).await;
    assert_eq!(st, 409, "{body}");
    let (st, body) = api.delete(&format!("/articles/{greeting}")).await;
    assert_eq!(st, 409, "{body}");

    // 5. Replies get the standard parts too: the draft shows them around the body, and a reply
    // is composed with them unless it says it already holds them.
    let answering = next["activity_id"].as_i64().unwrap();
    let (st, draft) = api
        .get(&format!("/activities/{answering}/reply-draft"))
        .await;
    assert_eq!(st, 200, "{draft}");
    assert_eq!(draft["before_text"], "Dear Carol Customer,", "{draft}");
    assert!(
        draft["after_html"]
            .as_str()
            .unwrap()
            .contains("Kind regards,<br>Acme Support"),
        "{draft}"
    );
    assert_eq!(draft["to"], json!(["dave@customer.test"]), "{draft}");
    for (text, compose) in [("Your invoice is corrected.", true), ("Plain.", false)] {
        let (st, sent) = api
            .post(
                &format!("/activities/{answering}/reply"),
                json!({"text": text, "compose": compose}),
            )
            .await;
        assert_eq!(st, 201, "{sent}");
    }
    let bodies = wait_for("both replies", WAIT, || async {
        let bodies: Vec<String> = dovecot
            .read_messages("carol")
            .iter()
            .filter_map(|raw| {
                let parsed = mail_parser::MessageParser::default().parse(raw)?;
                Some(parsed.body_text(0)?.to_string())
            })
            .filter(|b| b.contains("corrected") || b.contains("Plain."))
            .collect();
        (bodies.len() == 2).then_some(bodies)
    })
    .await;
    let composed = bodies.iter().find(|b| b.contains("corrected")).unwrap();
    let (greet, said, sign) = (
        composed.find("Dear Carol Customer,").unwrap(),
        composed.find("Your invoice is corrected.").unwrap(),
        composed.find("Kind regards,").unwrap(),
    );
    assert!(greet < said && said < sign, "{composed}");
    let plain = bodies.iter().find(|b| b.contains("Plain.")).unwrap();
    assert_eq!(plain.trim(), "Plain.", "{plain}");
}

/// Workflow run records of alarms on an activity.
async fn alarm_runs(api: &Api, activity: i64) -> Vec<Value> {
    kinds(api, activity)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "workflow_ran" && e["data"]["alarm"] == true)
        .collect()
}

#[tokio::test]
async fn alarm_escalates_work_waiting_past_its_service_level() {
    if !servers_available() {
        return;
    }
    let w = World::start(true, &[("SWITCHBOARD_WORKFLOWS_ALARM_TICK_SECS", "1")]).await;
    let (dovecot, api, dept) = (&w.dovecot, &w.api, w.dept);
    let (st, slow) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Slow", "service_level_secs": 2}),
        )
        .await;
    assert_eq!(st, 201, "{slow}");
    let slow = slow["id"].as_i64().unwrap();
    let escalations = queue(api, dept, "Escalations").await;
    let inc = json!({"protocol": "imap", "port": dovecot.imap_port(), "security": "starttls"});
    let alias = alias(
        api,
        dept,
        slow,
        "support@acme.test",
        "support",
        inc,
        w.sink.as_ref(),
    )
    .await;
    let alias_id = alias["id"].as_i64().unwrap();

    // An alarm that only a saved alarm may be: a message condition is refused, naming the node.
    let (st, bad) = api
        .post(
            "/workflows",
            json!({"department_id": dept, "name": "Bad alarm", "kind": "alarm", "interval_secs": 5,
                   "definition": {"steps": [{"id": "b", "type": "branch", "cases": [
                       {"when": {"type": "text", "field": "body", "op": "contains", "value": "x"},
                        "then": [{"id": "s", "type": "stop"}]}]}]}}),
        )
        .await;
    assert_eq!(st, 422, "{bad}");
    assert!(
        bad["field"]
            .as_str()
            .unwrap()
            .starts_with("definition.steps[0].cases[0].when"),
        "{bad}"
    );
    let (st, alarm) = api
        .post(
            "/workflows",
            json!({"department_id": dept, "name": "Overdue", "kind": "alarm", "interval_secs": 5,
                   "definition": {"steps": [{"id": "late", "type": "branch", "cases": [
                       {"label": "overdue", "when": {"type": "all", "of": [
                           {"type": "service_level", "exceeded": true},
                           {"type": "status", "statuses": ["queued"]}]},
                        "then": [
                           {"id": "up", "type": "raise_priority", "by": 3},
                           {"id": "tell", "type": "notify", "to": ["supervisor@acme.test"],
                            "subject": "Overdue: case {{case.id}}", "text": "{{customer.name}} waits in {{queue.name}}."},
                           {"id": "move", "type": "route", "queue_id": escalations}]}]}]}}),
        )
        .await;
    assert_eq!(st, 201, "{alarm}");
    let alarm_id = alarm["id"].as_i64().unwrap();

    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Nobody answers",
            "late1@customer.test",
            "",
            "Hello?",
        ),
    );
    let email = stored(api, alias_id, "late1@customer.test").await;
    let activity = email["activity_id"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(
        (a["queue_id"].as_i64(), a["priority"].as_i64()),
        (Some(slow), Some(5)),
        "{a}"
    );

    // Past its service level, the alarm raises it, tells the supervisor and moves it.
    let moved = wait_for("the escalation", WAIT, || async {
        let (_, a) = api.get(&format!("/activities/{activity}")).await;
        (a["queue_id"].as_i64() == Some(escalations)).then_some(a)
    })
    .await;
    assert_eq!(moved["priority"], 8, "{moved}");
    assert_eq!(moved["status"], "queued", "{moved}");
    let runs = alarm_runs(api, activity).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["data"]["workflow_id"], alarm_id);
    assert_eq!(
        runs[0]["data"]["path"],
        json!(["late → overdue", "up", "tell", "move"])
    );
    let events = kinds(api, activity).await;
    assert!(events.iter().any(|e| e["kind"] == "notified"), "{events:?}");
    let case = email["case_id"].as_i64().unwrap();
    let note = wait_for("the supervisor's notification", WAIT, || async {
        dovecot
            .read_messages("carol")
            .into_iter()
            .map(|raw| String::from_utf8_lossy(&raw).to_string())
            .find(|m| m.contains(&format!("Overdue: case {case}")))
    })
    .await;
    assert!(note.contains("supervisor@acme.test"), "{note}");
    assert!(note.contains("Carol Customer waits in Slow."), "{note}");

    // Once per workflow and activity: later rounds leave it alone.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(alarm_runs(api, activity).await.len(), 1);
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["priority"], 8, "{a}");
}

const PASSWORD: &str = "a long enough password";

/// Creates a user with `extra` fields and logs them in.
async fn person(w: &World, name: &str, extra: Value) -> (i64, Api) {
    let mut body = json!({"department_id": w.dept, "email": format!("{name}@acme.test"),
                          "name": name, "role": "agent", "password": PASSWORD});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, u) = w.api.post("/users", body).await;
    assert_eq!(st, 201, "{u}");
    let api = Api::login(&w.server, &format!("{name}@acme.test"), PASSWORD).await;
    (u["id"].as_i64().unwrap(), api)
}

async fn group_queue(w: &World, name: &str, members: &[i64], extra: Value) -> i64 {
    let (st, g) = w
        .api
        .post(
            "/user-groups",
            json!({"department_id": w.dept, "name": name, "members": members}),
        )
        .await;
    assert_eq!(st, 201, "{g}");
    let mut body = json!({"department_id": w.dept, "name": name,
                          "routing": {"type": "user_group", "user_group_id": g["id"]}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, q) = w.api.post("/queues", body).await;
    assert_eq!(st, 201, "{q}");
    q["id"].as_i64().unwrap()
}

/// Waits until `api`'s agent is offered `activity`, then accepts it.
async fn take(api: &Api, activity: i64) {
    wait_for(&format!("an offer of {activity}"), WAIT, || async {
        let (_, a) = api.get(&format!("/activities/{activity}")).await;
        (a["status"] == "offered").then_some(())
    })
    .await;
    let (st, a) = api
        .post(
            &format!("/activities/{activity}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200, "{a}");
}

async fn ready(api: &Api) {
    let (st, p) = api.put("/me/presence", json!({"ready": true})).await;
    assert_eq!(st, 200, "{p}");
}

async fn reply(api: &Api, activity: i64, text: &str) -> Value {
    let (st, r) = api
        .post(
            &format!("/activities/{activity}/reply"),
            json!({"text": text, "complete": true}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    r
}

#[tokio::test]
async fn reviewed_reply_waits_for_a_reviewer_then_leaves_from_the_alias() {
    if !servers_available() {
        return;
    }
    let w = World::start(true, &[]).await;
    let (ann, ann_api) = person(&w, "ann", json!({"reviewed": true})).await;
    let (rita, rita_api) = person(&w, "rita", json!({})).await;
    // The review queue is served by a group Ann belongs to as well: her own held replies must
    // still go to Rita (never offered to their author).
    let review = group_queue(&w, "Review", &[rita, ann], json!({"kind": "review"})).await;
    // Only a review queue may be linked as one.
    let (st, bad) = w
        .api
        .post(
            "/queues",
            json!({"department_id": w.dept, "name": "Odd", "review_queue_id": w.queue}),
        )
        .await;
    assert_eq!(
        (st, bad["field"].as_str()),
        (422, Some("review_queue_id")),
        "{bad}"
    );
    let support = group_queue(&w, "Support", &[ann], json!({"review_queue_id": review})).await;
    let alias_id = w.support_alias(support).await;
    for api in [&ann_api, &rita_api] {
        ready(api).await;
    }

    w.dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Where is my parcel?",
            "r1@customer.test",
            "",
            "It has not arrived.",
        ),
    );
    let email = stored(&w.api, alias_id, "r1@customer.test").await;
    let activity = email["activity_id"].as_i64().unwrap();
    take(&ann_api, activity).await;

    // Ann's reply waits for review instead of the outbox; her activity stays open.
    let held = reply(&ann_api, activity, "It is on its way.").await;
    assert_eq!(held["review"]["queue_id"], review, "{held}");
    let first = held["review"]["outbound_activity_id"].as_i64().unwrap();
    let (_, a) = w.api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["status"], "assigned", "{a}");
    // A normal queue cannot send work into a review queue.
    let (st, body) = ann_api
        .post(
            &format!("/activities/{activity}/transfer"),
            json!({"queue_id": review}),
        )
        .await;
    assert_eq!(st, 409, "{body}");
    assert_eq!(body["code"], "into_review_queue", "{body}");
    let (st, body) = w
        .api
        .post(
            &format!("/activities/{activity}/actions"),
            json!({"action": "queue", "queue_id": review}),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (409, Some("into_review_queue")),
        "{body}"
    );

    // Rita gets the held reply through routing and rejects it with a comment: nothing is sent.
    take(&rita_api, first).await;
    let (_, offered) = w.api.get(&format!("/activities/{first}")).await;
    assert_eq!(
        offered["assignee_id"], rita,
        "never to its author: {offered}"
    );
    let (st, body) = rita_api
        .post(
            &format!("/activities/{first}/review"),
            json!({"decision": "reject"}),
        )
        .await;
    assert_eq!(
        (st, body["field"].as_str()),
        (422, Some("comment")),
        "{body}"
    );
    let (st, done) = rita_api
        .post(
            &format!("/activities/{first}/review"),
            json!({"decision": "reject", "comment": "Give the tracking number."}),
        )
        .await;
    assert_eq!(
        (st, done["status"].as_str()),
        (200, Some("completed")),
        "{done}"
    );
    let events = kinds(&w.api, activity).await;
    let rejected = events
        .iter()
        .find(|e| e["kind"] == "review_rejected")
        .unwrap();
    assert_eq!(rejected["data"]["comment"], "Give the tracking number.");
    assert_eq!(rejected["actor"]["id"], rita);
    let (st, body) = rita_api
        .post(
            &format!("/activities/{first}/review"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(st, 409, "a decided reply is decided: {body}");

    // Ann answers again; Rita approves it with an edit; it leaves from the alias.
    let held = reply(&ann_api, activity, "It is on its way: XX.").await;
    let second = held["review"]["outbound_activity_id"].as_i64().unwrap();
    take(&rita_api, second).await;
    let (st, done) = rita_api
        .post(
            &format!("/activities/{second}/review"),
            json!({"decision": "approve", "text": "It is on its way: tracking 1Z999."}),
        )
        .await;
    assert_eq!(st, 200, "{done}");
    let raw = w.reply_from_support("the approved reply").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.in_reply_to().as_text(), Some("r1@customer.test"));
    let body = parsed.body_text(0).unwrap().to_string();
    assert!(body.contains("tracking 1Z999"), "{body}");
    assert_eq!(
        w.dovecot.count_messages("carol", None),
        1,
        "only the approved reply"
    );
    // "Send & Complete" completes the answered activity once the reply is approved.
    let (_, a) = w.api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["status"], "completed", "{a}");
    let events = kinds(&w.api, second).await;
    let approved = events
        .iter()
        .find(|e| e["kind"] == "review_approved")
        .unwrap();
    assert_eq!(approved["data"]["edited"], true);
    assert!(approved["data"]["review_ms"].as_i64().unwrap() >= 0);
    assert!(events.iter().any(|e| e["kind"] == "review_requested"));

    // An outbound workflow holds replies that promise a discount, whoever writes them.
    let (_, u) = w.api.get(&format!("/users/{ann}")).await;
    let (st, u) = w
        .api
        .put(
            &format!("/users/{ann}"),
            json!({"version": u["version"], "reviewed": false}),
        )
        .await;
    assert_eq!((st, &u["reviewed"]), (200, &json!(false)), "{u}");
    let (st, flow) = w
        .api
        .post(
            "/workflows",
            json!({"department_id": w.dept, "name": "Discounts", "kind": "outbound",
                   "definition": {"steps": [{"id": "promise", "type": "branch", "cases": [
                       {"label": "discount", "when": {"type": "text", "field": "body", "op": "contains", "value": "discount"},
                        "then": [{"id": "hold", "type": "review"}]}]}]}}),
        )
        .await;
    assert_eq!(st, 201, "{flow}");
    w.dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Late again",
            "r2@customer.test",
            "",
            "Can you do something?",
        ),
    );
    let email = stored(&w.api, alias_id, "r2@customer.test").await;
    let next = email["activity_id"].as_i64().unwrap();
    take(&ann_api, next).await;
    let held = reply(&ann_api, next, "Sorry: here is a discount.").await;
    assert_eq!(held["review"]["queue_id"], review, "{held}");
    let events = kinds(&w.api, next).await;
    let ran = events
        .iter()
        .find(|e| e["kind"] == "workflow_ran" && e["data"]["outbound"] == true)
        .unwrap();
    assert_eq!(ran["data"]["path"], json!(["promise → discount", "hold"]));
}

/// Posts `body` to `path`, expecting 201, and returns what was created.
async fn created(api: &Api, path: &str, body: Value) -> Value {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "{path}: {v}");
    v
}

/// The data of the activity's latest `queued` event.
async fn queued(api: &Api, activity: i64) -> Value {
    let events = kinds(api, activity).await;
    let e = events.iter().rev().find(|e| e["kind"] == "queued").unwrap();
    e["data"].clone()
}

async fn status(api: &Api, activity: i64) -> (String, Option<i64>) {
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    (
        a["status"].as_str().unwrap().to_string(),
        a["assignee_id"].as_i64(),
    )
}

on_both_engines!(
    inbound_routes_to_a_user_a_group_and_another_department,
    inbound_routes_on_postgres,
    routes_story
);

/// Routes to a user, a user group and another department, across a restart.
async fn routes_story(mut w: World) {
    let (ann, ann_api) = person(&w, "ann", json!({})).await;
    let (bob, bob_api) = person(&w, "bob", json!({})).await;
    let support = group_queue(&w, "Support", &[ann, bob], json!({})).await;
    let billing = created(
        &w.api,
        "/user-groups",
        json!({"department_id": w.dept, "name": "Billing", "members": [bob]}),
    )
    .await;
    let billing = billing["id"].as_i64().unwrap();

    // Another department with its own agent, queue and inbound workflow.
    let legal = created(&w.api, "/departments", json!({"name": "Legal"})).await;
    let legal = legal["id"].as_i64().unwrap();
    let lena = created(
        &w.api,
        "/users",
        json!({"department_id": legal, "email": "lena@acme.test", "name": "Lena",
                   "role": "agent", "password": PASSWORD}),
    )
    .await;
    let lena = lena["id"].as_i64().unwrap();
    let lawyers = created(
        &w.api,
        "/user-groups",
        json!({"department_id": legal, "name": "Lawyers", "members": [lena]}),
    )
    .await;
    let desk = created(
        &w.api,
        "/queues",
        json!({"department_id": legal, "name": "Legal desk",
                   "routing": {"type": "user_group", "user_group_id": lawyers["id"]}}),
    )
    .await;
    let desk = desk["id"].as_i64().unwrap();
    let to_desk = created(
        &w.api,
        "/workflows",
        json!({"department_id": legal, "name": "Desk", "kind": "inbound",
                   "definition": {"steps": [{"id": "desk", "type": "route", "queue_id": desk}]}}),
    )
    .await;

    let alias_id = w.support_alias(support).await;
    let text =
        |value: &str| json!({"type": "text", "field": "subject", "op": "contains", "value": value});
    let who = created(&w.api, "/workflows", json!({"department_id": w.dept, "name": "Who", "kind": "inbound",
                   "definition": {"steps": [{"id": "who", "type": "branch", "cases": [
                       {"label": "personal", "when": text("for bob"),
                        "then": [{"id": "to_bob", "type": "route", "user_id": bob}]},
                       {"label": "money", "when": text("invoice"),
                        "then": [{"id": "to_billing", "type": "route", "group_id": billing}]},
                       {"label": "legal", "when": text("lawsuit"),
                        "then": [{"id": "to_legal", "type": "route", "department_id": legal}]}]}]}})).await;

    // Ann is ready, Bob is not: the mail for Bob and the invoice (for Billing, which is Bob)
    // wait for him, while mail that came after them goes to Ann.
    ready(&ann_api).await;
    let deliver = |subject: &str, id: &str, extra: &str| {
        w.dovecot.deliver(
            "support",
            &message(
                "carol@customer.test",
                "support@acme.test",
                subject,
                id,
                extra,
                "Hello.",
            ),
        );
    };
    deliver("A note for bob", "p1@customer.test", "");
    let personal = stored(&w.api, alias_id, "p1@customer.test").await["activity_id"]
        .as_i64()
        .unwrap();
    deliver("Your invoice", "p2@customer.test", "");
    let invoice = stored(&w.api, alias_id, "p2@customer.test").await["activity_id"]
        .as_i64()
        .unwrap();
    assert_eq!(queued(&w.api, personal).await["for_user_id"], bob);
    assert_eq!(queued(&w.api, invoice).await["for_group_id"], billing);
    deliver("Hello", "p3@customer.test", "");
    let later = stored(&w.api, alias_id, "p3@customer.test").await["activity_id"]
        .as_i64()
        .unwrap();
    take(&ann_api, later).await;
    for a in [personal, invoice] {
        assert_eq!(status(&w.api, a).await, ("queued".to_string(), None));
    }

    // A restart keeps whom the work waits for.
    assert_eq!(w.server.terminate(), Some(0));
    w.server = common::Server::start_in(w.server.data_dir.clone(), w.server.env.clone());
    let api = w.api.with_base(&w.server.url);
    let ann_api = ann_api.with_base(&w.server.url);
    let bob_api = bob_api.with_base(&w.server.url);
    ready(&ann_api).await;
    deliver("Hello again", "p4@customer.test", "");
    let again = stored(&api, alias_id, "p4@customer.test").await["activity_id"]
        .as_i64()
        .unwrap();
    take(&ann_api, again).await;
    for a in [personal, invoice] {
        assert_eq!(status(&api, a).await, ("queued".to_string(), None));
    }
    ready(&bob_api).await;
    take(&bob_api, personal).await;
    take(&bob_api, invoice).await;
    for a in [personal, invoice] {
        assert_eq!(status(&api, a).await, ("assigned".to_string(), Some(bob)));
    }

    // Mail about a lawsuit is handed over to Legal: its customer, its case, its workflows.
    deliver("About the lawsuit", "p5@customer.test", "");
    let email = stored(&api, alias_id, "p5@customer.test").await;
    let handed = email["activity_id"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/activities/{handed}")).await;
    assert_eq!(
        (a["department_id"].as_i64(), a["queue_id"].as_i64()),
        (Some(legal), Some(desk)),
        "{a}"
    );
    let (_, customer) = api.get(&format!("/customers/{}", a["customer_id"])).await;
    assert_eq!(customer["department_id"], legal, "{customer}");
    let runs: Vec<Value> = kinds(&api, handed)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "workflow_ran")
        .map(|e| e["data"].clone())
        .collect();
    // Support's start workflow and "Who", then Legal's start workflow and "Desk".
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert_eq!(runs[1]["workflow_id"], who["id"], "{runs:?}");
    assert_eq!(runs[1]["path"], json!(["who → legal", "to_legal"]));
    assert_eq!(
        runs.last().unwrap()["workflow_id"],
        to_desk["id"],
        "{runs:?}"
    );
    assert!(
        runs.iter()
            .any(|r| r["notes"].to_string().contains("handed over to department")),
        "{runs:?}"
    );

    // Lena answers; the reply leaves from the alias the customer wrote to, and the customer's
    // answer to it joins the same case in Legal.
    let lena_api = Api::login(&w.server, "lena@acme.test", PASSWORD).await;
    ready(&lena_api).await;
    take(&lena_api, handed).await;
    reply(&lena_api, handed, "Our lawyers will write to you.").await;
    let raw = w.reply_from_support("Lena's reply").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let reply_id = parsed.message_id().unwrap().to_string();
    deliver(
        "Re: About the lawsuit",
        "p6@customer.test",
        &format!("In-Reply-To: <{reply_id}>\r\n"),
    );
    let answer = stored(&api, alias_id, "p6@customer.test").await;
    assert_eq!(answer["case_id"], a["case_id"], "{answer}");
    let (_, next) = api
        .get(&format!("/activities/{}", answer["activity_id"]))
        .await;
    assert_eq!(next["department_id"], legal, "{next}");
}
