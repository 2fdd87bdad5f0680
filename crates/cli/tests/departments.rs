//! System test of department scope: two departments (A and B), each with every kind of object
//! and an agent and a supervisor; every read of the other department's objects is 404, every
//! write is refused and changes nothing, lists show none of them; explicit sharing opens exactly
//! what it shares. Then work ownership inside one department: no taking a colleague's work, no
//! answering work one does not hold, no reply to an address outside the case. On SQLite and
//! PostgreSQL, with real Dovecot mailboxes feeding each department.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::Api;
use common::mail::{World, alias, wait_emails};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough passphrase";

/// One department's objects, by id.
#[derive(Debug, Clone)]
struct Objects {
    dept: i64,
    queue: i64,
    agent: i64,
    supervisor: i64,
    group: i64,
    customer: i64,
    case: i64,
    activity: i64,
    folder: i64,
    article: i64,
    category: i64,
    calendar: i64,
    workflow: i64,
    entry_point: i64,
    webhook: i64,
    saved_report: i64,
    alias: i64,
    email: i64,
    attachment: i64,
    email_activity: i64,
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn created(api: &Api, path: &str, body: Value) -> Value {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "POST {path}: {v}");
    v
}

/// A message with a small attachment.
fn with_attachment(to: &str, subject: &str, message_id: &str) -> Vec<u8> {
    format!(
        "From: Carol Customer <carol@example.com>\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
         Please see the file.\r\n--b\r\nContent-Type: text/plain; name=\"note.txt\"\r\n\
         Content-Disposition: attachment; filename=\"note.txt\"\r\n\r\nconfidential\r\n--b--\r\n"
    )
    .into_bytes()
}

/// Builds department `name` (or uses `existing`) with one object of every kind; `tag` keeps
/// names and addresses apart.
async fn department(w: &World, existing: Option<i64>, tag: &str) -> Objects {
    let api = &w.api;
    let dept = match existing {
        Some(d) => d,
        None => id(&created(api, "/departments", json!({"name": format!("Dept {tag}")})).await),
    };
    let user = |role: &str| {
        json!({"department_id": dept, "email": format!("{role}.{tag}@example.org"),
               "name": format!("{role} {tag}"), "role": role, "password": PASSWORD})
    };
    let agent = id(&created(api, "/users", user("agent")).await);
    let supervisor = id(&created(api, "/users", user("supervisor")).await);
    let group = id(&created(
        api,
        "/user-groups",
        json!({"department_id": dept, "name": format!("Team {tag}"), "members": [agent]}),
    )
    .await);
    let queue = id(&created(
        api,
        "/queues",
        json!({"department_id": dept, "name": format!("Mail {tag}"),
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await);
    let customer = id(&created(
        api,
        "/customers",
        json!({"department_id": dept, "name": format!("Customer {tag}"),
               "contact_points": [{"kind": "email", "value": format!("cust.{tag}@example.com")}]}),
    )
    .await);
    let activity = created(
        api,
        "/activities",
        json!({"customer_id": customer, "channel": "inbound_email",
               "subject": format!("Work {tag}"), "queue_id": queue}),
    )
    .await;
    let folder = id(&created(
        api,
        "/kb-folders",
        json!({"department_id": dept, "name": format!("Folder {tag}")}),
    )
    .await);
    let article = id(&created(
        api,
        "/articles",
        json!({"department_id": dept, "folder_id": folder, "kind": "answer",
               "title": format!("Answer {tag}"), "html": format!("<p>secret{tag}</p>")}),
    )
    .await);
    let category = id(&created(
        api,
        "/categories",
        json!({"department_id": dept, "name": format!("Category {tag}")}),
    )
    .await);
    let calendar = id(&created(
        api,
        "/calendars",
        json!({"department_id": dept, "name": format!("Hours {tag}"), "time_zone": "Europe/Berlin"}),
    )
    .await);
    let workflow = id(&created(
        api,
        "/workflows",
        json!({"department_id": dept, "name": format!("Alarm {tag}"), "kind": "alarm",
               "interval_secs": 3600, "active": false, "definition": {"steps": [{"id": "s", "type": "stop"}]}}),
    )
    .await);
    let entry_point = id(&created(
        api,
        "/entry-points",
        json!({"department_id": dept, "name": format!("Chat {tag}"), "queue_id": queue,
               "calendar_id": calendar, "allowed_origins": ["https://shop.example.com"]}),
    )
    .await);
    let webhook = id(&created(
        api,
        "/webhooks",
        json!({"department_id": dept, "url": format!("https://hooks.example.com/{tag}"),
               "events": ["created"], "active": false}),
    )
    .await);
    let mailbox = format!("box{}", tag.to_lowercase());
    w.dovecot.add_user(&mailbox, "secret");
    let address = format!("{mailbox}@acme.test");
    let inc = json!({"protocol": "imap", "port": w.dovecot.imap_port(), "security": "starttls"});
    let a = alias(api, dept, queue, &address, &mailbox, inc, w.sink.as_ref()).await;
    let saved_report = id(&created(
        api,
        "/saved-reports",
        json!({"department_id": dept, "name": format!("Weekly {tag}"), "kind": "email_volume",
               "period": {"preset": "last_week"},
               "schedule": {"cron": "0 7 * * 1", "time_zone": "UTC", "formats": ["csv"],
                            "recipients": [supervisor], "alias_id": id(&a)}}),
    )
    .await);
    let mid = format!("m-{tag}@example.com");
    w.dovecot.deliver(
        &mailbox,
        &with_attachment(&address, &format!("Mail {tag}"), &mid),
    );
    let emails = wait_emails(
        api,
        &format!("department_id={dept}&alias_id={}", id(&a)),
        1,
        Duration::from_secs(30),
    )
    .await;
    let email = emails[0].clone();
    let email_id = id(&email);
    let (st, full) = api.get(&format!("/emails/{email_id}")).await;
    assert_eq!(st, 200, "{full}");
    let attachment = full["attachments"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no attachment in {full}"));
    Objects {
        dept,
        queue,
        agent,
        supervisor,
        group,
        customer,
        case: activity["case_id"].as_i64().unwrap(),
        activity: id(&activity),
        folder,
        article,
        category,
        calendar,
        workflow,
        entry_point,
        webhook,
        saved_report,
        alias: id(&a),
        email: email_id,
        attachment,
        email_activity: email["activity_id"].as_i64().unwrap(),
    }
}

/// Every path that reads one of `b`'s objects.
fn reads(b: &Objects) -> Vec<String> {
    let Objects {
        dept: d,
        queue: q,
        agent: u,
        group: g,
        customer: c,
        case: k,
        activity: a,
        folder: f,
        article: r,
        category: y,
        calendar: l,
        workflow: wf,
        entry_point: ep,
        webhook: wh,
        saved_report: sr,
        alias: al,
        email: e,
        attachment: at,
        ..
    } = b.clone();
    [
        format!("/departments/{d}"),
        format!("/departments/{d}/channels/inbound_email"),
        format!("/departments/{d}/routing"),
        format!("/departments/{d}/email-settings"),
        format!("/departments/{d}/callback-settings"),
        format!("/departments/{d}/wrap-up-settings"),
        format!("/users/{u}"),
        format!("/users/{u}/groups"),
        format!("/user-groups/{g}"),
        format!("/queues/{q}"),
        format!("/queues/{q}/stats"),
        format!("/customers/{c}"),
        format!("/cases/{k}"),
        format!("/cases/{k}/notes"),
        format!("/activities/{a}"),
        format!("/activities/{a}/events"),
        format!("/activities/{a}/wait"),
        format!("/activities/{a}/reply-draft"),
        format!("/activities/{a}/draft"),
        format!("/activities/{a}/callback"),
        format!("/activities/{a}/articles/{r}"),
        format!("/kb-folders/{f}"),
        format!("/articles/{r}"),
        format!("/categories/{y}"),
        format!("/calendars/{l}"),
        format!("/workflows/{wf}"),
        format!("/workflows/{wf}/versions"),
        format!("/entry-points/{ep}"),
        format!("/webhooks/{wh}"),
        format!("/webhooks/{wh}/deliveries"),
        format!("/webhooks/{wh}/deliveries/1"),
        format!("/saved-reports/{sr}"),
        format!("/saved-reports/{sr}/runs"),
        format!("/saved-reports/{sr}/runs/1/files/0"),
        format!("/aliases/{al}"),
        format!("/emails/{e}"),
        format!("/emails/{e}/html"),
        format!("/emails/{e}/raw"),
        format!("/attachments/{at}/content"),
    ]
    .into_iter()
    .collect()
}

/// Writes that name one of `b`'s objects in the path: `(method, path, body)`.
fn path_writes(b: &Objects, me: i64) -> Vec<(reqwest::Method, String, Value)> {
    use reqwest::Method as M;
    let v = json!({"version": 1, "name": "taken"});
    vec![
        (M::PUT, format!("/customers/{}", b.customer), v.clone()),
        (M::DELETE, format!("/customers/{}", b.customer), Value::Null),
        (
            M::POST,
            format!("/cases/{}/notes", b.case),
            json!({"text": "planted"}),
        ),
        (
            M::PUT,
            format!("/cases/{}", b.case),
            json!({"version": 1, "status": "closed"}),
        ),
        (
            M::PUT,
            format!("/activities/{}", b.activity),
            json!({"version": 1, "priority": 9}),
        ),
        (
            M::DELETE,
            format!("/activities/{}", b.activity),
            Value::Null,
        ),
        (
            M::POST,
            format!("/activities/{}/actions", b.activity),
            json!({"action": "assign", "agent_id": me}),
        ),
        (
            M::POST,
            format!("/activities/{}/transfer", b.activity),
            json!({"agent_id": me}),
        ),
        (
            M::POST,
            format!("/activities/{}/reply", b.email_activity),
            json!({"text": "hello", "to": ["eve@evil.test"]}),
        ),
        (
            M::PUT,
            format!("/activities/{}/draft", b.email_activity),
            json!({"text": "draft"}),
        ),
        (
            M::PUT,
            format!("/articles/{}", b.article),
            json!({"version": 1, "title": "rewritten"}),
        ),
        (M::DELETE, format!("/articles/{}", b.article), Value::Null),
        (M::PUT, format!("/kb-folders/{}", b.folder), v.clone()),
        (
            M::PUT,
            format!("/user-groups/{}", b.group),
            json!({"version": 1, "members": [me]}),
        ),
        (M::PUT, format!("/queues/{}", b.queue), v.clone()),
        (M::PUT, format!("/departments/{}", b.dept), v.clone()),
        (M::POST, format!("/aliases/{}/test", b.alias), json!({})),
        (
            M::POST,
            format!("/activities/{}/callback-outcome", b.activity),
            json!({"outcome": "reached"}),
        ),
        (
            M::POST,
            format!("/activities/{}/viewers", b.activity),
            json!({"typing": true}),
        ),
        (
            M::POST,
            format!("/activities/{}/take-over", b.activity),
            json!({}),
        ),
        (
            M::POST,
            format!("/customers/{}/merge", b.customer),
            json!({"from_customer_id": b.customer, "version": 1}),
        ),
        (
            M::PUT,
            format!("/departments/{}/callback-settings", b.dept),
            json!({"default_country": "DE"}),
        ),
        (
            M::PUT,
            format!("/departments/{}/wrap-up-settings", b.dept),
            json!({"required": true}),
        ),
        (
            M::PUT,
            format!("/entry-points/{}", b.entry_point),
            v.clone(),
        ),
        (
            M::DELETE,
            format!("/entry-points/{}", b.entry_point),
            Value::Null,
        ),
        (
            M::PUT,
            format!("/webhooks/{}", b.webhook),
            json!({"version": 1, "active": true}),
        ),
        (M::DELETE, format!("/webhooks/{}", b.webhook), Value::Null),
        (
            M::PUT,
            format!("/saved-reports/{}", b.saved_report),
            json!({"version": 1, "department_id": b.dept, "name": "taken", "kind": "email_volume",
                   "period": {"preset": "today"}}),
        ),
        (
            M::DELETE,
            format!("/saved-reports/{}", b.saved_report),
            Value::Null,
        ),
        (
            M::POST,
            format!("/saved-reports/{}/run", b.saved_report),
            json!({}),
        ),
        (
            M::POST,
            format!("/webhooks/{}/secret", b.webhook),
            json!({}),
        ),
        (
            M::POST,
            format!("/webhooks/{}/deliveries/1/replay", b.webhook),
            json!({}),
        ),
    ]
}

/// Writes that name one of `b`'s objects in the body, from a caller of department `a`.
fn body_writes(a: &Objects, b: &Objects, me: i64) -> Vec<(reqwest::Method, String, Value)> {
    use reqwest::Method as M;
    vec![
        (
            M::POST,
            "/customers".into(),
            json!({"department_id": b.dept, "name": "Planted"}),
        ),
        (
            M::POST,
            "/cases".into(),
            json!({"customer_id": b.customer, "subject": "Planted"}),
        ),
        (
            M::POST,
            "/activities".into(),
            json!({"customer_id": b.customer, "channel": "inbound_email", "subject": "x"}),
        ),
        (
            M::POST,
            "/activities".into(),
            json!({"customer_id": a.customer, "channel": "inbound_email", "subject": "x", "queue_id": b.queue}),
        ),
        (
            M::PUT,
            format!("/users/{me}/groups"),
            json!({"group_ids": [b.group]}),
        ),
        (
            M::POST,
            "/user-groups".into(),
            json!({"department_id": a.dept, "name": "Mixed", "members": [b.agent]}),
        ),
        (
            M::POST,
            "/articles".into(),
            json!({"department_id": b.dept, "kind": "answer", "title": "Planted", "html": "<p>x</p>"}),
        ),
        (
            M::POST,
            format!("/activities/{}/transfer", a.activity),
            json!({"queue_id": b.queue}),
        ),
        (
            M::POST,
            "/me/pull".into(),
            json!({"activity_id": b.activity}),
        ),
        (
            M::POST,
            format!("/customers/{}/merge", a.customer),
            json!({"from_customer_id": b.customer, "version": 1}),
        ),
        (
            M::POST,
            "/aliases/test".into(),
            json!({"department_id": b.dept, "address": "planted@evil.test",
                   "incoming": {"protocol": "imap", "host": "127.0.0.1", "port": 143,
                                "security": "starttls", "username": "x"},
                   "outgoing": {"host": "127.0.0.1", "port": 25, "security": "starttls"}}),
        ),
        (
            M::POST,
            "/entry-points".into(),
            json!({"department_id": a.dept, "name": "Planted", "queue_id": b.queue}),
        ),
        (
            M::POST,
            "/entry-points".into(),
            json!({"department_id": a.dept, "name": "Planted", "calendar_id": b.calendar}),
        ),
        (
            M::POST,
            "/webhooks".into(),
            json!({"department_id": b.dept, "url": "https://planted.example/", "events": ["created"]}),
        ),
        (
            M::POST,
            "/saved-reports".into(),
            json!({"department_id": b.dept, "name": "Planted", "kind": "email_volume",
                   "period": {"preset": "today"}}),
        ),
        (
            M::POST,
            "/saved-reports".into(),
            json!({"department_id": a.dept, "name": "Planted", "kind": "email_volume",
                   "period": {"preset": "today"}, "queues": [b.queue]}),
        ),
        (
            M::POST,
            "/saved-reports".into(),
            json!({"department_id": a.dept, "name": "Planted", "kind": "email_volume",
                   "period": {"preset": "today"},
                   "schedule": {"cron": "0 7 * * 1", "time_zone": "UTC", "formats": ["pdf"],
                                "recipients": [b.supervisor], "alias_id": a.alias}}),
        ),
    ]
}

/// Lists whose items must all belong to the caller's departments: `(path, field naming the
/// department)`.
const LISTS: &[(&str, &str)] = &[
    ("/departments?limit=500", "id"),
    ("/users?limit=500", "department_id"),
    ("/user-groups?limit=500", "department_id"),
    ("/queues?limit=500", "department_id"),
    ("/customers?limit=500", "department_id"),
    ("/cases?limit=500", "department_id"),
    ("/activities?limit=500", "department_id"),
    ("/kb-folders?limit=500", "department_id"),
    ("/articles?limit=500", "department_id"),
    ("/categories?limit=500", "department_id"),
    ("/calendars?limit=500", "department_id"),
    ("/workflows?limit=500", "department_id"),
    ("/entry-points?limit=500", "department_id"),
    ("/webhooks?limit=500", "department_id"),
    ("/saved-reports?limit=500", "department_id"),
    ("/aliases?limit=500", "department_id"),
    ("/emails?limit=500", "department_id"),
    ("/delivery-exceptions?limit=500", "department_id"),
    ("/outbox/retrying?limit=500", "department_id"),
];

/// Asserts that `who` can neither see nor change anything of `b` (and that `b` is unchanged).
async fn isolated(w: &World, who: &Api, me: i64, a: &Objects, b: &Objects, role: &str) {
    for path in reads(b) {
        let (st, e) = who.get(&path).await;
        assert_eq!(st, 404, "{role} reads {path}: {e}");
    }
    for page in [
        format!("/activities/{}", b.activity),
        format!("/inbox/{}", b.activity),
        format!("/cases/{}", b.case),
    ] {
        let (st, _) = who.page(&page).await;
        assert_eq!(
            st, 404,
            "{role}: the console page {page} of another department's object"
        );
    }
    for (method, path, body) in path_writes(b, me) {
        let body = (!body.is_null()).then_some(body);
        let (st, e) = who.call(method.clone(), &path, body).await;
        assert_eq!(st, 404, "{role} {method} {path}: {e}");
    }
    for (method, path, body) in body_writes(a, b, me) {
        let (st, e) = who.call(method.clone(), &path, Some(body.clone())).await;
        assert!(
            st == 422 || st == 403,
            "{role} {method} {path} {body}: {st} {e}"
        );
        if st == 422 {
            assert!(
                e["message"].as_str().unwrap_or("").starts_with("no such"),
                "{role} {path}: {e}"
            );
        }
    }
    let (st, e) = who
        .get(&format!(
            "/articles/search?department_id={}&q=secret",
            b.dept
        ))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("department_id")),
        "{role}: {e}"
    );
    let mine = [a.dept];
    // The search finds nothing of another department.
    let (st, found) = who.get("/search?q=customer").await;
    if st != 403 {
        assert_eq!(st, 200, "{role}: {found}");
        for kind in ["customers", "cases", "activities"] {
            for item in found[kind].as_array().unwrap() {
                let d = item["department_id"].as_i64().unwrap();
                assert!(mine.contains(&d), "{role} finds {item}");
            }
        }
    }
    for (path, field) in LISTS {
        let (st, list) = who.get(path).await;
        if st == 403 {
            continue; // the role may not read these at all
        }
        assert_eq!(st, 200, "{role} {path}: {list}");
        for item in list["items"].as_array().unwrap() {
            let d = item[*field].as_i64().unwrap();
            assert!(mine.contains(&d), "{role} {path} lists {item}");
        }
    }
    // Nothing of B changed.
    let admin = &w.api;
    let (_, c) = admin.get(&format!("/customers/{}", b.customer)).await;
    assert_eq!(c["name"].as_str(), Some("Customer B"));
    let (_, act) = admin.get(&format!("/activities/{}", b.activity)).await;
    assert_eq!(
        (act["status"].as_str(), act["assignee_id"].as_i64()),
        (Some("queued"), None)
    );
    let (_, art) = admin.get(&format!("/articles/{}", b.article)).await;
    assert_eq!(art["title"].as_str(), Some("Answer B"));
    let (_, g) = admin.get(&format!("/user-groups/{}", b.group)).await;
    assert_eq!(g["members"], json!([b.agent]));
}

async fn story(w: World) {
    let a = department(&w, Some(w.dept), "A").await;
    let b = department(&w, None, "B").await;
    let agent_a = Api::login(&w.server, "agent.A@example.org", PASSWORD).await;
    let supervisor_a = Api::login(&w.server, "supervisor.A@example.org", PASSWORD).await;

    isolated(&w, &agent_a, a.agent, &a, &b, "agent of A").await;
    isolated(&w, &supervisor_a, a.supervisor, &a, &b, "supervisor of A").await;

    // The supervisor's monitor and review pages name nothing of B.
    let (st, page) = supervisor_a.page("/supervisor").await;
    assert_eq!(st, 200);
    assert!(page.contains("Mail A"), "{page}");
    assert!(!page.contains("Mail B"), "the monitor shows B's queue");

    // Even an administrator cannot put a user into another department's group.
    let mixed = json!({"department_id": a.dept, "name": "Mixed", "members": [b.agent]});
    let (st, e) = w.api.post("/user-groups", mixed).await;
    assert_eq!((st, e["field"].as_str()), (422, Some("members[0]")), "{e}");
    let (st, e) = w
        .api
        .put(
            &format!("/users/{}/groups", a.agent),
            json!({"group_ids": [b.group]}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("group_ids[0]")),
        "{e}"
    );

    // Sharing: B shares with A — A's people see and work on B's objects; a third department
    // stays closed.
    let c = w
        .api
        .post("/departments", json!({"name": "Dept C"}))
        .await
        .1;
    let c_customer = id(&created(
        &w.api,
        "/customers",
        json!({"department_id": id(&c), "name": "Customer C"}),
    )
    .await);
    let (_, dept_b) = w.api.get(&format!("/departments/{}", b.dept)).await;
    let (st, shared) = w
        .api
        .put(
            &format!("/departments/{}", b.dept),
            json!({"version": dept_b["version"], "shared_with": [a.dept]}),
        )
        .await;
    assert_eq!(
        (st, shared["shared_with"].clone()),
        (200, json!([a.dept])),
        "{shared}"
    );
    for path in [
        format!("/customers/{}", b.customer),
        format!("/activities/{}", b.activity),
        format!("/articles/{}", b.article),
        format!("/emails/{}", b.email),
    ] {
        let (st, e) = agent_a.get(&path).await;
        assert_eq!(st, 200, "shared: {path}: {e}");
    }
    let (st, list) = agent_a.get("/customers?limit=500").await;
    assert_eq!(st, 200);
    let ids: Vec<i64> = list["items"].as_array().unwrap().iter().map(id).collect();
    assert!(
        ids.contains(&b.customer) && ids.contains(&a.customer),
        "{ids:?}"
    );
    assert!(!ids.contains(&c_customer));
    let (st, _) = agent_a.get(&format!("/customers/{c_customer}")).await;
    assert_eq!(st, 404, "C shares nothing");
    let shared_team = json!({"department_id": b.dept, "name": "With A", "members": [a.agent]});
    let (st, e) = w.api.post("/user-groups", shared_team).await;
    assert_eq!(
        st, 201,
        "B's group may hold A's agent once B shares with A: {e}"
    );
    let (st, hits) = agent_a
        .get(&format!(
            "/articles/search?department_id={}&q=secretB",
            b.dept
        ))
        .await;
    assert_eq!(
        (st, hits.as_array().map(Vec::len)),
        (200, Some(1)),
        "{hits}"
    );
    // Sharing is one-way: B's agent still sees nothing of A.
    let agent_b = Api::login(&w.server, "agent.B@example.org", PASSWORD).await;
    let (st, _) = agent_b.get(&format!("/customers/{}", a.customer)).await;
    assert_eq!(st, 404);
    // The administration console sets it too; its choices are the other departments.
    let (st, form) = w.api.page(&format!("/admin/departments/{}", b.dept)).await;
    assert_eq!(st, 200);
    assert!(
        form.contains("Shared with") && form.contains("Dept C"),
        "{form}"
    );
    // Only administrators set sharing.
    let (st, _) = supervisor_a
        .put(
            &format!("/departments/{}", a.dept),
            json!({"version": 1, "shared_with": [b.dept]}),
        )
        .await;
    assert_eq!(st, 403);
    // Unshared again: closed again.
    let (st, _) = w
        .api
        .put(
            &format!("/departments/{}", b.dept),
            json!({"version": shared["version"], "shared_with": []}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = agent_a.get(&format!("/customers/{}", b.customer)).await;
    assert_eq!(st, 404);
    let (st, _) = supervisor_a
        .page(&format!("/admin/user-groups/{}", b.group))
        .await;
    assert_eq!(st, 404, "the console of another department's group");

    ownership(&w, &a, &agent_a).await;
}

/// Inside one department: work is taken only as the router gives it, answered only by who
/// holds it, and replies go only to the case's participants.
async fn ownership(w: &World, a: &Objects, agent_a: &Api) {
    let admin = &w.api;
    let colleague = id(&created(
        admin,
        "/users",
        json!({"department_id": a.dept, "email": "colleague.A@example.org", "name": "Colleague",
               "role": "agent", "password": PASSWORD}),
    )
    .await);
    let colleague_api = Api::login(&w.server, "colleague.A@example.org", PASSWORD).await;
    for who in [agent_a, &colleague_api] {
        let (st, _) = who.put("/me/presence", json!({"logged_in": true})).await;
        assert_eq!(st, 200);
    }
    // The colleague holds the email activity (assigned by the administrator).
    let act = a.email_activity;
    let (st, e) = admin
        .post(
            &format!("/activities/{act}/actions"),
            json!({"action": "assign", "agent_id": colleague}),
        )
        .await;
    assert_eq!(st, 200, "{e}");
    // The agent cannot take it, nor answer, draft, transfer, change or complete it.
    let (st, e) = agent_a
        .post(
            &format!("/activities/{act}/actions"),
            json!({"action": "assign", "agent_id": a.agent}),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (409, Some("not_available")),
        "{e}"
    );
    let (st, _) = agent_a
        .post(
            &format!("/activities/{act}/actions"),
            json!({"action": "assign", "agent_id": colleague}),
        )
        .await;
    assert_eq!(st, 403, "an agent assigns work to no one else");
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            format!("/activities/{act}/reply"),
            json!({"text": "mine now"}),
        ),
        (
            reqwest::Method::PUT,
            format!("/activities/{act}/draft"),
            json!({"text": "mine"}),
        ),
        (
            reqwest::Method::POST,
            format!("/activities/{act}/transfer"),
            json!({"agent_id": a.agent}),
        ),
        (
            reqwest::Method::POST,
            format!("/activities/{act}/actions"),
            json!({"action": "complete"}),
        ),
        (
            reqwest::Method::PUT,
            format!("/activities/{act}"),
            json!({"version": 1, "priority": 9}),
        ),
    ] {
        let (st, e) = agent_a.call(method.clone(), &path, Some(body)).await;
        assert_eq!(st, 403, "{method} {path}: {e}");
    }
    let (_, still) = admin.get(&format!("/activities/{act}")).await;
    assert_eq!(still["assignee_id"].as_i64(), Some(colleague));

    // The holder writes only to the case's participants.
    let (st, e) = colleague_api
        .post(
            &format!("/activities/{act}/reply"),
            json!({"text": "Here is everything", "to": ["eve@evil.test"]}),
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("to[0]")), "{e}");
    let (st, e) = colleague_api
        .post(
            &format!("/activities/{act}/reply"),
            json!({"text": "Copy", "cc": ["eve@evil.test"]}),
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("cc[0]")), "{e}");
    let (st, e) = colleague_api
        .post(
            &format!("/activities/{act}/reply"),
            json!({"text": "Thanks", "to": ["Carol@Example.com"], "cc": ["boxa@acme.test"]}),
        )
        .await;
    assert_eq!(st, 201, "participants may be written to: {e}");

    // Waiting work in a queue the agent serves can be taken (the router's pull), once.
    let (_, queued) = admin.get(&format!("/activities/{}", a.activity)).await;
    assert_eq!(queued["status"].as_str(), Some("queued"), "{queued}");
    let take = json!({"action": "assign", "agent_id": a.agent});
    let (st, got) = agent_a
        .post(&format!("/activities/{}/actions", a.activity), take.clone())
        .await;
    assert_eq!(
        (st, got["assignee_id"].as_i64()),
        (200, Some(a.agent)),
        "{got}"
    );
    let colleague_take = json!({"action": "assign", "agent_id": colleague});
    let (st, _) = colleague_api
        .post(
            &format!("/activities/{}/actions", a.activity),
            colleague_take,
        )
        .await;
    assert_eq!(st, 409, "held work cannot be taken");
    // One person answers: a supervisor does not answer work a colleague holds, but takes it
    // over first; then they may write to anyone.
    let sup = Api::login(&w.server, "supervisor.A@example.org", PASSWORD).await;
    let reply = json!({"text": "From the supervisor", "to": ["someone@elsewhere.test"]});
    let (st, e) = sup
        .post(&format!("/activities/{act}/reply"), reply.clone())
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (409, Some("held_by_another")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("holds this activity"),
        "{e}"
    );
    let (_, me) = sup.get("/auth/me").await;
    let (st, e) = sup
        .post(
            &format!("/activities/{act}/actions"),
            json!({"action": "assign", "agent_id": me["user"]["id"]}),
        )
        .await;
    assert_eq!(st, 200, "{e}");
    let (st, e) = sup.post(&format!("/activities/{act}/reply"), reply).await;
    assert_eq!(st, 201, "{e}");
}

#[tokio::test]
async fn departments_are_isolated_on_sqlite() {
    story(World::start(true, &[]).await).await;
}

#[tokio::test]
async fn departments_are_isolated_on_postgres() {
    if let Some(w) = World::start_on_postgres(true, &[]).await {
        story(w).await;
    }
}
