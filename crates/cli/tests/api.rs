//! System tests: the real binary, spawned on a free port, driven over HTTP. The same API story
//! runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Api, Server};
use serde_json::{Value, json};

/// The API story: every resource, its errors, roles and the activity life cycle.
async fn api_story(server: &Server) {
    let api = Api::admin(server).await;

    // Health, OpenAPI, metrics.
    let health = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/activities/{id}/events",
        "/api/v1/customers",
        "/api/v1/user-groups/{id}",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }
    assert!(doc["components"]["schemas"]["Activity"].is_object());

    // Departments: the default one exists, with its exception queue.
    let (st, depts) = api.get("/departments").await;
    assert_eq!(st, 200);
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, d2) = api.post("/departments", json!({"name": "Sales"})).await;
    assert_eq!(st, 201, "{d2}");
    let (st, dup) = api.post("/departments", json!({"name": "Sales"})).await;
    assert_eq!((st, dup["code"].as_str()), (409, Some("duplicate")));
    let (st, ch) = api
        .get(&format!("/departments/{}/channels/chat", d2["id"]))
        .await;
    assert_eq!((st, ch["start_timeout_secs"].as_i64()), (200, Some(30)));
    let (st, e) = api
        .put(&format!("/departments/{}/channels/inbound_email", d2["id"]), json!({"interruptible": false, "max_queued": 1, "max_time_in_queue_secs": 0, "task_life_secs": 300, "start_timeout_secs": 30, "max_duration_secs": 10}))
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("interruptible")));

    // Users and roles.
    let (st, agent) = api
        .post("/users", json!({"department_id": dept, "email": "agent@example.org", "name": "Ann Agent", "role": "agent",
            "password": "another good password", "attributes": {"language_es": true, "billing": 7}}))
        .await;
    assert_eq!(st, 201, "{agent}");
    assert!(agent.get("password").is_none() && agent.get("password_hash").is_none());
    let (st, e) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "x@example.org", "name": "X", "role": "wizard"}),
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("role")));
    let (st, e) = api.post("/users", json!({"department_id": dept, "email": "y@example.org", "name": "Y", "role": "agent", "attributes": {"billing": 12}})).await;
    assert_eq!((st, e["field"].as_str()), (422, Some("attributes.billing")));
    let (st, e) = api.post("/users", json!({"department_id": dept, "email": "z@example.org", "name": "Z".repeat(201), "role": "agent"})).await;
    assert_eq!((st, e["field"].as_str()), (422, Some("name")));

    // The agent logs in with a token of their own: may work, may not configure.
    let agent_login: Value = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"email": "agent@example.org", "password": "wrong password here"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(agent_login["code"], "bad_credentials");
    let agent_token = {
        let out = std::process::Command::new(common::BIN)
            .args([
                "admin",
                "create-token",
                "--email",
                "agent@example.org",
                "--data-dir",
            ])
            .arg(&server.data_dir)
            .envs(server.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let as_agent = api.with_token(&agent_token);
    let (st, me) = as_agent.get("/auth/me").await;
    assert_eq!((st, me["user"]["role"].as_str()), (200, Some("agent")));
    let (st, e) = as_agent
        .post("/queues", json!({"department_id": dept, "name": "Nope"}))
        .await;
    assert_eq!((st, e["code"].as_str()), (403, Some("forbidden")));

    // Groups and queues.
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Billing", "members": [agent["id"]]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    // Membership from the user's side: exactly the groups given, each changed group bumped.
    let (st, other) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Refunds"}),
        )
        .await;
    assert_eq!(st, 201, "{other}");
    let groups_of_agent = format!("/users/{}/groups", agent["id"]);
    let (st, m) = api.get(&groups_of_agent).await;
    assert_eq!((st, m["group_ids"].clone()), (200, json!([group["id"]])));
    let (st, m) = api
        .put(
            &groups_of_agent,
            json!({"group_ids": [other["id"], other["id"]]}),
        )
        .await;
    assert_eq!((st, m["group_ids"].clone()), (200, json!([other["id"]])));
    let (_, g) = api.get(&format!("/user-groups/{}", group["id"])).await;
    assert_eq!(
        (g["members"].clone(), g["version"].clone()),
        (json!([]), json!(2))
    );
    let (_, g) = api.get(&format!("/user-groups/{}", other["id"])).await;
    assert_eq!(g["members"], json!([agent["id"]]));
    let (st, e) = api
        .put(&groups_of_agent, json!({"group_ids": [999_999]}))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("group_ids[0]")),
        "{e}"
    );
    let (st, _) = as_agent
        .put(&groups_of_agent, json!({"group_ids": []}))
        .await;
    assert_eq!(st, 403);
    let (st, m) = api
        .put(&groups_of_agent, json!({"group_ids": [group["id"]]}))
        .await;
    assert_eq!((st, m["group_ids"].clone()), (200, json!([group["id"]])));
    let (st, queue) = api
        .post("/queues", json!({"department_id": dept, "name": "Billing", "routing": {"type": "user_group", "user_group_id": group["id"]}}))
        .await;
    assert_eq!(st, 201, "{queue}");
    let (st, e) = api
        .post("/queues", json!({"department_id": dept, "name": "Precise", "routing": {"type": "precision", "steps": [{"expression": "(billing", "wait_secs": 10}]}}))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("routing.steps[0].expression"))
    );

    // Customers, cases, activities.
    let (st, cust) = api
        .post("/customers", json!({"department_id": dept, "name": "Carla", "contact_points": [{"kind": "email", "value": "carla@example.com"}]}))
        .await;
    assert_eq!(st, 201, "{cust}");
    let (st, found) = api.get("/customers?contact=CARLA@example.com").await;
    assert_eq!(
        (st, found["items"][0]["id"].clone()),
        (200, cust["id"].clone())
    );
    let (st, e) = api.get("/customers?department_id=abc").await;
    assert_eq!((st, e["field"].as_str()), (422, Some("department_id")));
    let (st, act) = as_agent
        .post("/activities", json!({"customer_id": cust["id"], "channel": "inbound_email", "subject": "Refund please", "queue_id": queue["id"]}))
        .await;
    assert_eq!((st, act["status"].as_str()), (201, Some("queued")), "{act}");
    let id = act["id"].as_i64().unwrap();
    let (st, e) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "start"}),
        )
        .await;
    assert_eq!(
        st, 403,
        "an agent cannot start work that is not theirs: {e}"
    );
    let take = json!({"action": "assign", "agent_id": agent["id"]});
    let (st, e) = as_agent
        .post(&format!("/activities/{id}/actions"), take.clone())
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (409, Some("not_logged_in")),
        "{e}"
    );
    let (st, _) = as_agent
        .put("/me/presence", json!({"logged_in": true}))
        .await;
    assert_eq!(st, 200);
    let (st, a) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "assign", "agent_id": agent["id"]}),
        )
        .await;
    assert_eq!((st, a["status"].as_str()), (200, Some("assigned")), "{a}");
    let (st, a) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "start"}),
        )
        .await;
    assert_eq!((st, a["status"].as_str()), (200, Some("in_progress")));
    let (st, e) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "resume"}),
        )
        .await;
    // The router holds the work it gave: it refuses the transition.
    assert_eq!((st, e["code"].as_str()), (409, Some("wrong_state")), "{e}");
    let (st, e) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "teleport"}),
        )
        .await;
    assert_eq!((st, e["code"].as_str()), (422, Some("invalid_field")));
    let version = a["version"].as_i64().unwrap();
    let (st, a) = as_agent
        .put(
            &format!("/activities/{id}"),
            json!({"version": version, "priority": 8, "custom_attributes": {"order_id": "A-17"}}),
        )
        .await;
    assert_eq!((st, a["priority"].as_i64()), (200, Some(8)));
    let (st, e) = as_agent
        .put(
            &format!("/activities/{id}"),
            json!({"version": version, "priority": 2}),
        )
        .await;
    assert_eq!((st, e["code"].as_str()), (409, Some("version_conflict")));
    let (st, e) = as_agent
        .put(
            &format!("/activities/{id}"),
            json!({"version": version + 1, "priority": 11}),
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("priority")));
    let (st, e) = as_agent
        .put(
            &format!("/activities/{id}"),
            json!({"version": version + 1, "status": "completed"}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("status")),
        "status changes only through actions"
    );
    let (st, _) = as_agent
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "complete"}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, events) = api.get(&format!("/activities/{id}/events")).await;
    assert_eq!(st, 200);
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "case_opened",
            "queued",
            "assigned",
            "started",
            "updated",
            "completed"
        ]
    );
    assert_eq!(
        events["items"][3]["actor"],
        json!({"type": "user", "id": agent["id"]})
    );
    // Closing the work's case is recorded on it, as made by whoever closed it.
    let (_, a) = api.get(&format!("/activities/{id}")).await;
    let case = format!("/cases/{}", a["case_id"]);
    let (_, k) = api.get(&case).await;
    let (st, k) = api
        .put(&case, json!({"version": k["version"], "status": "closed"}))
        .await;
    assert_eq!((st, k["status"].as_str()), (200, Some("closed")), "{k}");
    let (_, events) = api.get(&format!("/activities/{id}/events")).await;
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["data"]["case_id"].clone()),
        (Some("case_closed"), a["case_id"].clone()),
        "{events}"
    );
    assert_eq!(last["actor"]["type"], "user", "{last}");

    // Pagination over a list.
    for i in 0..5 {
        let (st, _) = api
            .post(
                "/cases",
                json!({"customer_id": cust["id"], "subject": format!("case {i}")}),
            )
            .await;
        assert_eq!(st, 201);
    }
    let mut seen = 0;
    let mut path = format!("/cases?customer_id={}&limit=2", cust["id"]);
    loop {
        let (st, page) = api.get(&path).await;
        assert_eq!(st, 200);
        seen += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/cases?customer_id={}&limit=2&cursor={c}", cust["id"]),
            None => break,
        }
    }
    assert_eq!(seen, 6);
    let (st, e) = api.get("/cases?cursor=garbage").await;
    assert_eq!((st, e["field"].as_str()), (422, Some("cursor")));

    // Unknown ids, bad bodies, deletes.
    assert_eq!(api.get("/activities/999999").await.0, 404);
    assert_eq!(api.get("/activities/not-a-number").await.0, 404);
    assert_eq!(api.get("/no-such-thing").await.0, 404);
    let raw = api
        .http
        .post(format!("{}/api/v1/customers", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"department_id\": 1,")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let (st, e) = api
        .post(
            "/customers",
            json!({"department_id": dept, "nickname": "C"}),
        )
        .await;
    assert_eq!((st, e["code"].as_str()), (422, Some("invalid_field")));
    let big = "x".repeat(2 * 1024 * 1024);
    let raw = api
        .http
        .post(format!("{}/api/v1/customers", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{big}\"}}"))
        .send()
        .await;
    // The server answers 413 as soon as it sees the length, and may close before the client has
    // sent everything: either way the body is refused and the server stays up.
    if let Ok(r) = raw {
        assert_eq!(r.status(), 413);
    }
    assert_eq!(
        reqwest::get(format!("{}/healthz", server.url))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(as_agent.delete(&format!("/activities/{id}")).await.0, 403);
    assert_eq!(
        api.delete(&format!("/customers/{}", cust["id"])).await.0,
        409
    );
    assert_eq!(api.delete(&format!("/activities/{id}")).await.0, 204);
    assert_eq!(api.get(&format!("/activities/{id}")).await.0, 404);
    let (_, before) = api.get("/customers").await;
    let (st, _) = api
        .post("/customers", json!({"department_id": 424242}))
        .await;
    assert_eq!(st, 422);
    let (_, after) = api.get("/customers").await;
    assert_eq!(
        before["items"].as_array().unwrap().len(),
        after["items"].as_array().unwrap().len(),
        "nothing written"
    );

    // Tokens: revoked means refused.
    let (st, toks) = as_agent.get("/tokens").await;
    assert_eq!(st, 200);
    let tok_id = toks[0]["id"].as_i64().unwrap();
    assert_eq!(as_agent.delete(&format!("/tokens/{tok_id}")).await.0, 204);
    assert_eq!(as_agent.get("/auth/me").await.0, 401);
    assert_eq!(api.with_token("sbt_forged").get("/customers").await.0, 401);

    // Chat entry points: validated field by field, updated by version.
    let (st, e) = api
        .post(
            "/entry-points",
            json!({"department_id": dept, "name": "Web shop",
                   "allowed_origins": ["https://*.example.com"]}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("allowed_origins[0]")),
        "{e}"
    );
    let (st, ep) = api
        .post(
            "/entry-points",
            json!({"department_id": dept, "name": "Web shop",
                   "allowed_origins": ["HTTPS://Shop.Example.com/"],
                   "widget": {"wait_message": "You are number {{position}}."}}),
        )
        .await;
    assert_eq!(st, 201, "{ep}");
    assert_eq!(ep["allowed_origins"], json!(["https://shop.example.com"]));
    assert_eq!(ep["pre_chat"][1]["maps_to"], "customer_email");
    let path = format!("/entry-points/{}", ep["id"]);
    let (st, e) = api
        .put(
            &path,
            json!({"version": 1, "timeouts": {"customer_warning_secs": 600}}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("timeouts.customer_warning_secs")),
        "{e}"
    );
    let (st, ep) = api.put(&path, json!({"version": 1, "active": false})).await;
    assert_eq!(
        (st, ep["active"].as_bool(), ep["version"].as_i64()),
        (200, Some(false), Some(2)),
        "{ep}"
    );
    let (st, _) = api.delete(&path).await;
    assert_eq!(st, 204);

    // Run-time log levels.
    let (st, l) = api
        .put(
            "/system/logging",
            json!({"filter": "info,switchboard_store=debug", "revert_after_secs": 1}),
        )
        .await;
    assert_eq!(
        (st, l["filter"].as_str()),
        (200, Some("info,switchboard_store=debug"))
    );
    let (st, _) = api
        .put("/system/logging", json!({"filter": "info,[[["}))
        .await;
    assert_eq!(st, 422);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (_, l) = api.get("/system/logging").await;
    assert_eq!(l["filter"], "warn", "a timed level falls back by itself");
    let anonymous = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "metrics are not public");
    let metrics = api
        .http
        .get(format!("{}/metrics", server.url))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("switchboard_http_requests_total"));
}

#[tokio::test]
async fn api_on_sqlite() {
    let server = Server::sqlite();
    api_story(&server).await;
}

#[tokio::test]
async fn api_on_postgres() {
    if let Some(server) = Server::postgres().await {
        api_story(&server).await;
    }
}

/// Every console page, fragment, API answer and error carries the security headers.
#[tokio::test]
async fn pages_and_api_send_security_headers() {
    let server = Server::sqlite();
    let admin = Api::admin(&server).await;
    let (_, depts) = admin.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let pages = [
        "/login".to_string(),
        "/api/v1/departments".into(),
        "/healthz".into(),
        "/agent".into(),
        "/inbox".into(),
        "/inbox?view=waiting".into(),
        "/ui/inbox/list?view=offered".into(),
        "/agent/search?q=x".into(),
        "/supervisor".into(),
        "/supervisor/review".into(),
        "/supervisor/outbox".into(),
        "/admin".into(),
        "/admin/services".into(),
        "/admin/departments".into(),
        format!("/admin/departments/{dept}"),
        "/admin/users/new".into(),
        "/ui/agent/work".into(),
        "/ui/supervisor/monitor".into(),
        "/no/such/page".into(),
    ];
    for path in pages {
        let r = admin
            .http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}

#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = Server::sqlite();
    let mode = |name: &str| {
        let p = server.data_dir.join(name);
        std::fs::metadata(&p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    assert_eq!(mode(""), 0o700);
    for file in ["switchboard.db", "switchboard.db-wal", "secret.key"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let m = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(
            m & 0o077,
            0,
            "nothing in the data directory is readable by others"
        );
    }
}

/// A queue set up before any user group: the form says to create a group first, and the API's
/// refusal reads as a sentence, not a decoder's message.
#[tokio::test]
async fn a_queue_before_any_group_explains_itself() {
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (_, groups) = api.get("/user-groups").await;
    assert_eq!(groups["items"].as_array().unwrap().len(), 0, "{groups}");
    let (st, html) = api.page("/admin/queues/new").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("data-prerequisite=\"user-groups\"")
            && html.contains("href=\"/admin/user-groups/new\""),
        "{html}"
    );
    let (st, e) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Sales",
                   "routing": {"type": "user_group", "user_group_id": null}}),
        )
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("routing")), "{e}");
    assert_eq!(e["message"], "a value is required here", "{e}");
}

/// Internal notes: kept in the activity's log, never sent; a mention must name a colleague who
/// can see the work, is told live and may open the activity.
#[tokio::test]
async fn notes_tell_the_colleagues_they_mention() {
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, other) = api.post("/departments", json!({"name": "Elsewhere"})).await;
    assert_eq!(st, 201, "{other}");
    let password = "a long enough password";
    for (email, d) in [
        ("bob@acme.test", dept),
        ("dave@acme.test", other["id"].as_i64().unwrap()),
    ] {
        let (st, u) = api
            .post(
                "/users",
                json!({"department_id": d, "email": email, "name": email, "role": "agent",
                       "password": password}),
            )
            .await;
        assert_eq!(st, 201, "{u}");
    }
    let (_, customer) = api
        .post(
            "/customers",
            json!({"department_id": dept, "name": "Carla"}),
        )
        .await;
    let (_, queues) = api.get("/queues").await;
    let queue = queues["items"][0]["id"].clone();
    let (st, a) = api
        .post(
            "/activities",
            json!({"customer_id": customer["id"], "channel": "inbound_email",
                   "subject": "Refund", "queue_id": queue}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let bob = Api::login(&server, "bob@acme.test", password).await;
    assert_eq!(bob.page(&format!("/activities/{id}")).await.0, 403);
    let mut stream = bob
        .http
        .get(format!("{}/api/v1/me/events", server.url))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    let notes = format!("/activities/{id}/notes");
    for (text, why) in [
        ("  ", "must not be empty"),
        ("@dave@acme.test look", "@dave@acme.test is no colleague"),
        (
            "@nobody@acme.test look",
            "@nobody@acme.test is no colleague",
        ),
    ] {
        let (st, e) = api.post(&notes, json!({"text": text})).await;
        assert_eq!((st, e["field"].as_str()), (422, Some("text")), "{e}");
        assert!(e["message"].as_str().unwrap().contains(why), "{e}");
    }
    let (st, v) = api
        .post(
            &notes,
            json!({"text": "@bob@acme.test can you check the refund?"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["mentions"].as_array().unwrap().len(), 1, "{v}");

    // Bob hears of it live, and may open the activity now.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut buf = String::new();
    while !(buf.contains("event: mentioned") && buf.contains(&format!("\"activity\":{id}"))) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("no mention notice")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    let (st, html) = bob.page(&format!("/activities/{id}")).await;
    assert_eq!(st, 200);
    assert!(html.contains("can you check the refund?"), "{html}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    let note = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "note_added")
        .unwrap_or_else(|| panic!("{ev}"))
        .clone();
    assert_eq!(
        note["data"]["text"],
        "@bob@acme.test can you check the refund?"
    );
}
