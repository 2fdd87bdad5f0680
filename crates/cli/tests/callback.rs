//! Web callback and delayed callback against the real binary, the real SMTP server and the
//! customer's real mailbox: entry points of both kinds, a request checked by field (the number,
//! the time), the confirmation mailed, the callback routed to an agent ready for callbacks, a
//! delayed callback held by the router — offered to nobody and counted in no queue figure —
//! until its time and offered right after, a call to try again at a time, the department's
//! maximum attempts ending it as unreachable with word to the customer, and a reached customer's
//! wrap-up. Every step is an event. The same story runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Api;
use common::mail::{World, wait_for};
use serde_json::{Value, json};
use switchboard_domain::Timestamp;

const PASSWORD: &str = "a long enough password";
const SHOP: &str = "https://shop.example.com";
const LIMIT: Duration = Duration::from_secs(20);

/// A customer's call to the public API from the shop's page.
async fn public(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}/chat/v1{path}"))
        .header("origin", SHOP);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn info(base: &str, ep: i64) -> Value {
    let (st, v) = public(
        base,
        reqwest::Method::GET,
        &format!("/entry-points/{ep}"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    v
}

async fn ask(base: &str, ep: i64, body: Value) -> (u16, Value) {
    public(
        base,
        reqwest::Method::POST,
        &format!("/entry-points/{ep}/callbacks"),
        Some(body),
    )
    .await
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// RFC 3339 for `ms` after the epoch.
fn time(ms: i64) -> String {
    Timestamp::from_millis(ms).to_rfc3339()
}

fn ms(rfc3339: &Value) -> i64 {
    Timestamp::parse_rfc3339(rfc3339.as_str().unwrap())
        .unwrap()
        .millis()
}

async fn activity(api: &Api, id: i64) -> Value {
    let (st, a) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(st, 200, "{a}");
    a
}

async fn until_status(api: &Api, id: i64, status: &str) -> Value {
    wait_for(&format!("activity {id} {status}"), LIMIT, || async {
        let a = activity(api, id).await;
        (a["status"] == status).then_some(a)
    })
    .await
}

async fn events(api: &Api, id: i64) -> Vec<Value> {
    let (_, ev) = api.get(&format!("/activities/{id}/events?limit=500")).await;
    ev["items"].as_array().unwrap().clone()
}

/// When the activity was last offered, from its event log.
async fn offered_at(api: &Api, id: i64) -> i64 {
    let ev = events(api, id).await;
    let e = ev.iter().rev().find(|e| e["kind"] == "offered").unwrap();
    ms(&e["at"])
}

async fn accept(ann: &Api, id: i64) {
    let (st, v) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
}

/// Stays `queued` (offered to nobody) for `secs` seconds.
async fn stays_queued(api: &Api, id: i64, secs: u64) {
    for _ in 0..secs * 4 {
        let a = activity(api, id).await;
        assert_eq!(a["status"], "queued", "offered before its time: {a}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

struct Setup {
    queue: i64,
    now: i64,
    later: i64,
    ann: Api,
}

async fn setup(w: &World) -> Setup {
    let (api, dept) = (&w.api, w.dept);
    let (st, u) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "ann@example.org", "name": "Ann Agent",
                   "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Phone team", "members": [u["id"]]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let (st, q) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Callbacks",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    // Settings are checked by field; then two attempts, no notice needed.
    let path = format!("/departments/{dept}/callback-settings");
    let (st, v) = api.put(&path, json!({"default_country": "XX"})).await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("default_country")),
        "{v}"
    );
    let (st, v) = api
        .put(&path, json!({"dial_link": "javascript:dial({phone})"}))
        .await;
    assert_eq!((st, v["field"].as_str()), (422, Some("dial_link")), "{v}");
    let (st, v) = api
        .put(
            &path,
            json!({"default_country": "us", "max_attempts": 2, "lead_minutes": 0,
                   "dial_link": "https://cti.example.com/dial?to={phone}&ref={activity_id}"}),
        )
        .await;
    assert_eq!(
        (st, v["default_country"].as_str()),
        (200, Some("US")),
        "{v}"
    );
    let mut eps = vec![];
    for (name, kind) in [
        ("Call me now", "callback"),
        ("Call me later", "delayed_callback"),
    ] {
        let (st, ep) = api
            .post(
                "/entry-points",
                json!({"department_id": dept, "name": name, "kind": kind, "queue_id": q["id"],
                       "allowed_origins": [SHOP], "widget": {"title": name}}),
            )
            .await;
        assert_eq!((st, ep["kind"].as_str()), (201, Some(kind)), "{ep}");
        eps.push(ep["id"].as_i64().unwrap());
    }
    Setup {
        queue: q["id"].as_i64().unwrap(),
        now: eps[0],
        later: eps[1],
        ann: Api::login(&w.server, "ann@example.org", PASSWORD).await,
    }
}

async fn callback_story(w: World) {
    let base = w.server.url.clone();
    let api = &w.api;
    w.support_alias(w.queue).await;
    let s = setup(&w).await;
    let ann = &s.ann;

    // Nobody is ready for callbacks: the immediate entry point takes no request.
    let i = info(&base, s.now).await;
    assert_eq!(
        (i["kind"].as_str(), i["availability"].as_str()),
        (Some("callback"), Some("no_agents")),
        "{i}"
    );
    let carol = json!({"name": "Carol Customer", "phone": "(415) 555-2671",
                       "email": "carol@customer.test", "note": "About my invoice 42",
                       "time_zone": "America/Los_Angeles"});
    let (st, v) = ask(&base, s.now, carol.clone()).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("callback_unavailable")),
        "{v}"
    );
    // A chat cannot start on it either.
    let (st, v) = public(
        &base,
        reqwest::Method::POST,
        &format!("/entry-points/{}/chats", s.now),
        Some(json!({"answers": {}})),
    )
    .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("not_a_chat_entry_point")),
        "{v}"
    );

    // Ann is ready for both kinds of callback.
    for channel in ["callback", "delayed_callback"] {
        let (st, p) = ann
            .put("/me/presence", json!({"ready": true, "channel": channel}))
            .await;
        assert_eq!(st, 200, "{p}");
    }
    wait_for("the entry point opens", LIMIT, || async {
        (info(&base, s.now).await["availability"] == "open").then_some(())
    })
    .await;

    // Bad input is refused by field.
    for (bad, field) in [
        (json!({"name": "Carol", "phone": "12"}), "phone"),
        (json!({"name": "", "phone": "415 555 2671"}), "name"),
        (
            json!({"name": "Carol", "phone": "415 555 2671", "email": "nope"}),
            "email",
        ),
        (
            json!({"name": "Carol", "phone": "415 555 2671", "at": time(now_ms() + 60_000)}),
            "at",
        ),
    ] {
        let (st, v) = ask(&base, s.now, bad.clone()).await;
        assert_eq!((st, v["field"].as_str()), (422, Some(field)), "{bad}: {v}");
    }

    // Carol asks to be called now: the number in E.164, the confirmation in her mailbox.
    let (st, v) = ask(&base, s.now, carol.clone()).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["phone"], "+14155552671", "{v}");
    assert_eq!(v["confirmation_mailed"], true, "{v}");
    let id = v["callback_id"].as_i64().unwrap();
    let raw = w.reply_from_support("the confirmation").await;
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Call me now: we will call you back"));
    let text = mail.body_text(0).unwrap().to_string();
    assert!(
        text.contains("+14155552671 as soon as an agent is free"),
        "{text}"
    );

    // It reaches Ann; she sees the number; nobody else records her calls.
    let a = until_status(api, id, "offered").await;
    assert_eq!(
        (a["channel"].as_str(), a["subject"].as_str()),
        (Some("callback"), Some("About my invoice 42")),
        "{a}"
    );
    accept(ann, id).await;
    let (st, cb) = ann.get(&format!("/activities/{id}/callback")).await;
    assert_eq!(
        (st, cb["phone"].as_str(), cb["attempts"].as_i64()),
        (200, Some("+14155552671"), Some(0)),
        "{cb}"
    );
    let outcome = format!("/activities/{id}/callback-outcome");
    let (st, v) = api.post(&outcome, json!({"outcome": "reached"})).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("held_by_another")),
        "{v}"
    );
    let (st, v) = ann.post(&outcome, json!({"outcome": "call_again"})).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("at")), "{v}");

    // Carol asks to be called again in a few seconds: not offered before, offered right after.
    let again = now_ms() + 4_000;
    let (st, v) = ann
        .post(
            &outcome,
            json!({"outcome": "call_again", "at": time(again), "note": "in a meeting"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (
            v["activity"]["status"].as_str(),
            v["callback"]["attempts"].as_i64()
        ),
        (Some("queued"), Some(1)),
        "{v}"
    );
    assert_eq!(ms(&v["next_at"]), again, "{v}");
    stays_queued(api, id, 2).await;
    until_status(api, id, "offered").await;
    assert!(
        offered_at(api, id).await >= again,
        "offered before its time"
    );
    accept(ann, id).await;

    // No answer on the second and last attempt: unreachable, and Carol is told.
    let (st, v) = ann.post(&outcome, json!({"outcome": "no_answer"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (
            v["unreachable"].as_bool(),
            v["customer_told"].as_bool(),
            v["callback"]["state"].as_str()
        ),
        (Some(true), Some(true), Some("unreachable")),
        "{v}"
    );
    until_status(api, id, "completed").await;
    let raw = wait_for(
        "word that we could not reach her",
        Duration::from_secs(30),
        || async {
            w.dovecot
                .read_messages("carol")
                .into_iter()
                .find(|m| String::from_utf8_lossy(m).contains("we could not reach you"))
        },
    )
    .await;
    assert!(String::from_utf8_lossy(&raw).contains("+14155552671"));
    let kinds: Vec<String> = events(api, id)
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    for k in [
        "created",
        "queued",
        "callback_requested",
        "offered",
        "accepted",
        "callback_attempted",
        "completed",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    assert_eq!(
        kinds.iter().filter(|k| *k == "callback_attempted").count(),
        2,
        "{kinds:?}"
    );

    // A delayed callback: offered at the time Carol chooses, held until then.
    let i = info(&base, s.later).await;
    assert_eq!(
        (i["kind"].as_str(), i["availability"].as_str()),
        (Some("delayed_callback"), Some("open")),
        "{i}"
    );
    assert!(
        i["times"].as_array().unwrap().len() > 600,
        "a week of quarter hours: {i}"
    );
    let (st, v) = ask(
        &base,
        s.later,
        json!({"name": "Carol Customer", "phone": "+1 415 555 2671"}),
    )
    .await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("at")),
        "a time is needed: {v}"
    );
    let (st, v) = ask(
        &base,
        s.later,
        json!({"name": "Carol", "phone": "+1 415 555 2671", "at": time(now_ms() - 60_000)}),
    )
    .await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("at")),
        "a past time: {v}"
    );
    let due = now_ms() + 5_000;
    let (st, v) = ask(
        &base,
        s.later,
        json!({"name": "Carol Customer", "phone": "+1 415 555 2671", "at": time(due),
               "note": "New contract"}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["confirmation_mailed"], false, "no address given: {v}");
    let later = v["callback_id"].as_i64().unwrap();
    let a = activity(api, later).await;
    assert_eq!(
        (a["channel"].as_str(), a["customer_id"].as_i64()),
        (
            Some("delayed_callback"),
            activity(api, id).await["customer_id"].as_i64()
        ),
        "the same customer, by number: {a}"
    );
    // Held aside: in no queue figure.
    let (_, stats) = api.get(&format!("/queues/{}/stats", s.queue)).await;
    assert_eq!(stats["waiting"], 0, "{stats}");
    // Ann's inbox lists it among the work waiting in her queues, held until its time.
    let (_, inbox) = ann.get("/me/inbox?view=waiting&channel=callback").await;
    let line = inbox["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["activity_id"] == later)
        .unwrap_or_else(|| panic!("the delayed callback in {inbox}"));
    assert_eq!(ms(&line["held_until"]), due, "{line}");
    stays_queued(api, later, 2).await;
    until_status(api, later, "offered").await;
    assert!(
        offered_at(api, later).await >= due,
        "offered before its time"
    );
    accept(ann, later).await;
    // The department requires a wrap-up category: reached without one is refused.
    let (st, v) = api
        .put(
            &format!("/departments/{}/wrap-up-settings", w.dept),
            json!({"required": true}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = ann
        .post(
            &format!("/activities/{later}/callback-outcome"),
            json!({"outcome": "reached"}),
        )
        .await;
    assert_eq!((st, v["field"].as_str()), (422, Some("category_id")), "{v}");
    let (st, k) = api
        .post(
            "/categories",
            json!({"department_id": w.dept, "name": "Contracts"}),
        )
        .await;
    assert_eq!(st, 201, "{k}");
    let (st, v) = ann
        .post(
            &format!("/activities/{later}/callback-outcome"),
            json!({"outcome": "reached", "category_id": k["id"], "note": "Sent the new contract."}),
        )
        .await;
    assert_eq!(
        (st, v["callback"]["state"].as_str()),
        (200, Some("reached")),
        "{v}"
    );
    let a = until_status(api, later, "completed").await;
    assert_eq!(a["category_id"], k["id"], "{a}");
    let ev = events(api, later).await;
    let wrapped = ev.iter().find(|e| e["kind"] == "wrapped_up").unwrap();
    assert_eq!(
        wrapped["data"]["note"], "Sent the new contract.",
        "{wrapped}"
    );
    let requested = ev
        .iter()
        .find(|e| e["kind"] == "callback_requested")
        .unwrap();
    assert_eq!(ms(&requested["data"]["requested_at"]), due, "{requested}");

    // The department's start workflows run for a callback as for a chat: over its note.
    let (st, flow) = api
        .post(
            "/workflows",
            json!({"department_id": w.dept, "name": "Urgent calls", "kind": "start",
                   "definition": {"steps": [{"id": "sort", "type": "branch", "cases": [
                       {"label": "urgent", "when": {"type": "all", "of": [
                           {"type": "channel", "channels": ["callback"]},
                           {"type": "text", "field": "body", "op": "contains", "value": "urgent"}]},
                        "then": [
                           {"id": "high", "type": "set_priority", "priority": 9},
                           {"id": "topic", "type": "set_attribute", "name": "topic", "value": "urgent"}]}]}]}}),
        )
        .await;
    assert_eq!(st, 201, "{flow}");

    // A callback closed by a supervisor without a call reads as closed, not waiting.
    let (st, v) = ask(
        &base,
        s.now,
        json!({"name": "Dora", "phone": "+1 415 555 2671", "note": "urgent: my line is down"}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let closed = v["callback_id"].as_i64().unwrap();
    // Two callbacks have left the queue, so it has a pace: Dora is told a wait, and it is
    // recorded for the accuracy report, once.
    let told_secs = v["expected_wait_secs"]
        .as_i64()
        .unwrap_or_else(|| panic!("an expected wait: {v}"));
    let told: Vec<Value> = events(api, closed)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "wait_told")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["data"]["expected_wait_secs"], told_secs, "{told:?}");
    let a = activity(api, closed).await;
    assert_eq!(
        (
            a["priority"].as_i64(),
            a["custom_attributes"]["topic"].as_str()
        ),
        (Some(9), Some("urgent")),
        "{a}"
    );
    assert!(
        events(api, closed)
            .await
            .iter()
            .any(|e| e["kind"] == "workflow_ran"),
        "the run is in the activity's log"
    );
    until_status(api, closed, "offered").await;
    accept(ann, closed).await;
    // The accuracy report sets the wait told beside the wait until the offer.
    // The report reads the rollup, which folds the events within moments.
    wait_for(
        "the rollup to fold the answered wait",
        LIMIT,
        || async move {
            let (st, r) = api
                .get("/reports/wait_accuracy?granularity=total&preset=today")
                .await;
            assert_eq!(st, 200, "{r}");
            let values = &r["total"]["values"];
            let got = (values[0].as_f64(), values[1].as_f64(), values[4].as_f64());
            // Told once and answered.
            (got == (Some(1.0), Some(1.0), Some(told_secs as f64))).then_some(())
        },
    )
    .await;
    let (st, v) = api
        .post(
            &format!("/activities/{closed}/wrap-up"),
            json!({"category_id": k["id"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api
        .post(
            &format!("/activities/{closed}/actions"),
            json!({"action": "complete"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, cb) = api.get(&format!("/activities/{closed}/callback")).await;
    assert_eq!(
        (cb["state"].as_str(), cb["attempts"].as_i64()),
        (Some("closed"), Some(0)),
        "{cb}"
    );
}

#[tokio::test]
async fn callbacks_on_sqlite() {
    if !(switchboard_testkit::require_or_skip("dovecot")
        && switchboard_testkit::require_or_skip("aiosmtpd"))
    {
        return;
    }
    callback_story(World::start(true, &[]).await).await;
}

#[tokio::test]
async fn callbacks_on_postgres() {
    if !(switchboard_testkit::require_or_skip("dovecot")
        && switchboard_testkit::require_or_skip("aiosmtpd"))
    {
        return;
    }
    if let Some(w) = World::start_on_postgres(true, &[]).await {
        callback_story(w).await;
    }
}
