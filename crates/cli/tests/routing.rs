//! The router service through the API, against the real binary: offers (announced on the
//! agent's event stream), time-out pushback, pull, interruption, transfers, personalized
//! assignment, the exception queue, queue figures, and state kept across a restart. The same
//! story runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::{Api, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

/// Polls `f` until it returns `Some`, for at most 15 s.
async fn until<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn activity(api: &Api, id: i64) -> Value {
    let (st, a) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(st, 200, "{a}");
    a
}

/// Waits until the activity has `status` and `assignee` (`None`: nobody).
async fn until_status(api: &Api, id: i64, status: &str, assignee: Option<i64>) -> Value {
    until(
        &format!("activity {id} {status} for {assignee:?}"),
        || async {
            let a = activity(api, id).await;
            (a["status"] == status && a["assignee_id"].as_i64() == assignee).then_some(a)
        },
    )
    .await
}

async fn events(api: &Api, id: i64) -> Vec<Value> {
    let (st, e) = api.get(&format!("/activities/{id}/events")).await;
    assert_eq!(st, 200);
    e["items"].as_array().unwrap().clone()
}

async fn act(api: &Api, id: i64, action: Value) -> Value {
    let (st, a) = api.post(&format!("/activities/{id}/actions"), action).await;
    assert_eq!(st, 200, "{a}");
    a
}

async fn presence(api: &Api, body: Value) -> Value {
    let (st, p) = api.put("/me/presence", body).await;
    assert_eq!(st, 200, "{p}");
    p
}

struct World {
    dept: i64,
    exception: i64,
    sales: i64,
    other: i64,
    customer: i64,
    ann: (i64, Api),
    bob: (i64, Api),
}

fn chat_settings(max_time_in_queue: u32) -> Value {
    json!({"interruptible": false, "max_queued": 10000, "max_time_in_queue_secs": max_time_in_queue,
           "task_life_secs": 300, "start_timeout_secs": 2, "max_duration_secs": 28800})
}

async fn world(server: &Server, api: &Api) -> World {
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, s) = api
        .put(
            &format!("/departments/{dept}/channels/chat"),
            chat_settings(0),
        )
        .await;
    assert_eq!(st, 200, "{s}");
    let mut ids = vec![];
    for name in ["ann", "bob"] {
        let (st, u) = api
            .post(
                "/users",
                json!({"department_id": dept, "email": format!("{name}@example.org"),
                "name": name, "role": "agent", "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, 201, "{u}");
        assert_eq!(u["capacity"]["chat"], 3, "default capacity: {u}");
        ids.push(u["id"].as_i64().unwrap());
    }
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Sales", "members": ids}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let mut queues = vec![];
    for name in ["Sales", "Other"] {
        let (st, q) = api
            .post(
                "/queues",
                json!({"department_id": dept, "name": name,
                "routing": {"type": "user_group", "user_group_id": group["id"]}}),
            )
            .await;
        assert_eq!(st, 201, "{q}");
        queues.push(q["id"].as_i64().unwrap());
    }
    let (_, qs) = api.get(&format!("/queues?department_id={dept}")).await;
    let exception = qs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "exception")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (st, c) = api
        .post(
            "/customers",
            json!({"department_id": dept, "name": "Carla Customer"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    World {
        dept,
        exception,
        sales: queues[0],
        other: queues[1],
        customer: c["id"].as_i64().unwrap(),
        ann: (
            ids[0],
            Api::login(server, "ann@example.org", PASSWORD).await,
        ),
        bob: (
            ids[1],
            Api::login(server, "bob@example.org", PASSWORD).await,
        ),
    }
}

async fn new_work(api: &Api, w: &World, channel: &str, case: Option<i64>) -> i64 {
    let mut body = json!({"customer_id": w.customer, "channel": channel, "subject": "Help", "queue_id": w.sales});
    if let Some(c) = case {
        body["case_id"] = c.into();
    }
    let (st, a) = api.post("/activities", body).await;
    assert_eq!((st, a["status"].as_str()), (201, Some("queued")), "{a}");
    a["id"].as_i64().unwrap()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the agent's notices as a WebSocket (as their console does), from a page of `origin`.
async fn notice_socket(
    agent: &Api,
    origin: Option<&str>,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/api/v1/me/events", agent.base.replacen("http", "ws", 1));
    let mut req = url.into_client_request()?;
    let h = req.headers_mut();
    h.insert(
        "authorization",
        format!("Bearer {}", agent.token).parse().unwrap(),
    );
    if let Some(o) = origin {
        h.insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
}

/// Reads the socket until a frame of event `kind` about `activity` arrives.
async fn next_frame(socket: &mut Socket, kind: &str, activity: i64) {
    use futures_util::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let m = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame for {activity}"))
            .expect("the socket is open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            let f: Value = serde_json::from_str(&t).unwrap();
            if f["event"] == kind && f["data"]["activity"] == activity {
                return;
            }
        }
    }
}

/// Reads the event stream until an event named `kind` about `activity` arrives.
async fn next_notice(stream: &mut reqwest::Response, buf: &mut String, kind: &str, activity: i64) {
    let want = format!("\"activity\":{activity}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            if frame.contains(&format!("event: {kind}")) && frame.contains(&want) {
                return;
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {kind} notice for {activity}"))
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn routing_story(mut server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let (ann_id, ann) = (&w.ann.0, &w.ann.1);
    let (bob_id, bob) = (&w.bob.0, &w.bob.1);
    let (ann_id, bob_id) = (*ann_id, *bob_id);

    // Offer: Ann is ready on every channel; a chat is offered to her and announced on her
    // event stream; she accepts and starts it.
    let mut stream = ann
        .http
        .get(format!("{}/api/v1/me/events", ann.base))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut buf = String::new();
    let p = presence(ann, json!({"ready": true})).await;
    assert_eq!(
        (p["logged_in"].as_bool(), p["ready"]["chat"].as_bool()),
        (Some(true), Some(true)),
        "{p}"
    );
    let c1 = new_work(&api, &w, "chat", None).await;
    until_status(&api, c1, "offered", Some(ann_id)).await;
    next_notice(&mut stream, &mut buf, "offered", c1).await;
    let (st, mine) = ann.get("/me/work").await;
    assert_eq!(st, 200);
    assert_eq!(mine["offers"][0]["activity"]["id"], c1, "{mine}");
    assert!(mine["offers"][0]["expires_at"].is_string(), "{mine}");
    let (st, e) = bob
        .post(
            &format!("/activities/{c1}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 403, "only the offered agent accepts: {e}");
    act(ann, c1, json!({"action": "accept"})).await;
    let a = act(ann, c1, json!({"action": "start"})).await;
    assert_eq!(a["status"], "in_progress");
    let ev = events(&api, c1).await;
    let offered = ev.iter().find(|e| e["kind"] == "offered").unwrap();
    assert_eq!(offered["actor"]["type"], "system", "{offered}");
    let accepted = ev.iter().find(|e| e["kind"] == "accepted").unwrap();
    assert_eq!(accepted["actor"]["id"], ann_id, "{accepted}");

    // Time-out pushback: an offer Ann does not answer goes back to the queue after the chat
    // start time-out (2 s), and Ann becomes not ready; Bob then gets it.
    let c2 = new_work(&api, &w, "chat", None).await;
    until_status(&api, c2, "offered", Some(ann_id)).await;
    until_status(&api, c2, "queued", None).await;
    assert!(
        events(&api, c2)
            .await
            .iter()
            .any(|e| e["kind"] == "offer_timed_out")
    );
    let (_, p) = ann.get("/me/presence").await;
    assert_eq!(
        (p["ready"]["chat"].as_bool(), p["reason"].as_str()),
        (Some(false), Some("missed an offer")),
        "{p}"
    );
    // Bob's console holds his notices as a WebSocket: the offer arrives as a frame. A
    // handshake from another site's page is refused.
    let foreign = notice_socket(bob, Some("https://evil.example")).await;
    assert!(
        matches!(foreign, Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 403),
        "{foreign:?}"
    );
    let mut socket = notice_socket(bob, None).await.unwrap();
    presence(bob, json!({"ready": true, "channel": "chat"})).await;
    until_status(&api, c2, "offered", Some(bob_id)).await;
    next_frame(&mut socket, "offered", c2).await;
    act(bob, c2, json!({"action": "accept"})).await;

    // Position, expected wait and queue figures; then a pull: nobody is ready for email, so
    // an email waits until Ann pulls it.
    let e1 = new_work(&api, &w, "inbound_email", None).await;
    let (st, wait) = api.get(&format!("/activities/{e1}/wait")).await;
    assert_eq!((st, wait["position"].as_i64()), (200, Some(1)), "{wait}");
    let (st, stats) = api.get(&format!("/queues/{}/stats", w.sales)).await;
    assert_eq!(st, 200, "{stats}");
    assert_eq!(
        (
            stats["waiting"].as_i64(),
            stats["agents_logged_in"].as_i64()
        ),
        (Some(1), Some(2)),
        "{stats}"
    );
    let (st, pulled) = ann.post("/me/pull", json!({})).await;
    assert_eq!(
        (st, pulled["id"].as_i64(), pulled["status"].as_str()),
        (200, Some(e1), Some("assigned")),
        "{pulled}"
    );
    let (st, e) = ann.post("/me/pull", json!({})).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (409, Some("nothing_to_pull")),
        "{e}"
    );
    act(ann, e1, json!({"action": "start"})).await;

    // Interruption: with her chat done, Ann's email in progress pauses when a chat is offered
    // to her, and resumes when the chat is done.
    act(ann, c1, json!({"action": "complete"})).await;
    presence(bob, json!({"ready": false, "reason": "lunch"})).await;
    presence(ann, json!({"ready": true, "channel": "chat"})).await;
    let c3 = new_work(&api, &w, "chat", None).await;
    until_status(&api, c3, "offered", Some(ann_id)).await;
    until_status(&api, e1, "paused", Some(ann_id)).await;
    next_notice(&mut stream, &mut buf, "paused", e1).await;
    act(ann, c3, json!({"action": "accept"})).await;
    act(ann, c3, json!({"action": "start"})).await;
    act(ann, c3, json!({"action": "complete"})).await;
    until_status(&api, e1, "in_progress", Some(ann_id)).await;

    // Transfers: to an agent, then to another queue.
    let (st, t) = ann
        .post(
            &format!("/activities/{e1}/transfer"),
            json!({"agent_id": bob_id}),
        )
        .await;
    assert_eq!(
        (st, t["status"].as_str(), t["assignee_id"].as_i64()),
        (200, Some("assigned"), Some(bob_id)),
        "{t}"
    );
    let (st, e) = ann
        .post(
            &format!("/activities/{e1}/transfer"),
            json!({"queue_id": w.other}),
        )
        .await;
    assert_eq!(st, 403, "Ann no longer holds it: {e}");
    let (st, t) = bob
        .post(
            &format!("/activities/{e1}/transfer"),
            json!({"queue_id": w.other}),
        )
        .await;
    assert_eq!(
        (st, t["status"].as_str(), t["queue_id"].as_i64()),
        (200, Some("queued"), Some(w.other)),
        "{t}"
    );
    let (st, e) = bob
        .post(
            &format!("/activities/{e1}/transfer"),
            json!({"queue_id": w.other, "agent_id": ann_id}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("agent_id")),
        "one target only: {e}"
    );

    // Personalized assignment: new work on Ann's case waits for Ann (not ready) although Bob
    // is ready, and goes to her when she is.
    let (st, s) = api
        .put(
            &format!("/departments/{}/routing", w.dept),
            json!({"personal_wait_secs": 60}),
        )
        .await;
    assert_eq!(
        (st, s["personal_wait_secs"].as_i64()),
        (200, Some(60)),
        "{s}"
    );
    presence(ann, json!({"ready": false, "reason": "coffee"})).await;
    presence(bob, json!({"ready": true, "channel": "chat"})).await;
    let case = activity(&api, c3).await["case_id"].as_i64().unwrap();
    let c4 = new_work(&api, &w, "chat", Some(case)).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let a = activity(&api, c4).await;
    assert_eq!(
        (a["status"].as_str(), a["assignee_id"].as_i64()),
        (Some("queued"), None),
        "reserved for Ann: {a}"
    );
    presence(ann, json!({"ready": true, "channel": "chat"})).await;
    until_status(&api, c4, "offered", Some(ann_id)).await;
    act(ann, c4, json!({"action": "accept"})).await;

    // The exception queue: with a 1 s limit on waiting chats and nobody ready, a chat moves
    // to the exception queue and counts as abandoned.
    presence(ann, json!({"ready": false})).await;
    presence(bob, json!({"ready": false})).await;
    let (st, _) = api
        .put(
            &format!("/departments/{}/channels/chat", w.dept),
            chat_settings(1),
        )
        .await;
    assert_eq!(st, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c5 = new_work(&api, &w, "chat", None).await;
    let moved = until(&format!("{c5} in the exception queue"), || async {
        let a = activity(&api, c5).await;
        (a["queue_id"].as_i64() == Some(w.exception)).then_some(a)
    })
    .await;
    assert_eq!(moved["status"], "queued");
    let ev = events(&api, c5).await;
    let last = ev.last().unwrap();
    assert_eq!(
        (
            last["data"]["reason"].as_str(),
            last["data"]["counts_as_abandoned"].as_bool()
        ),
        (Some("max_time_in_queue"), Some(true)),
        "{last}"
    );

    // A restart keeps presence and held work: Bob is still logged in and his chat still
    // his; made ready again, he is offered new work.
    drop(stream);
    assert_eq!(server.terminate(), Some(0));
    let old = server;
    server = Server::start_in(old.data_dir.clone(), old.env.clone());
    let api = api.with_base(&server.url);
    let bob = bob.with_base(&server.url);
    let (_, p) = bob.get("/me/presence").await;
    assert_eq!(p["logged_in"].as_bool(), Some(true), "{p}");
    let a = activity(&api, c2).await;
    assert_eq!(
        (a["status"].as_str(), a["assignee_id"].as_i64()),
        (Some("assigned"), Some(bob_id))
    );
    let (st, _) = api
        .put(
            &format!("/departments/{}/channels/chat", w.dept),
            chat_settings(0),
        )
        .await;
    assert_eq!(st, 200);
    presence(&bob, json!({"ready": true, "channel": "chat"})).await;
    let c6 = new_work(&api, &w, "chat", None).await;
    until_status(&api, c6, "offered", Some(bob_id)).await;
    let (_, sys) = api.get("/system/services").await;
    assert_eq!(sys["router"]["state"], "running", "{sys}");
    drop(old);
}

#[tokio::test]
async fn routing_on_sqlite() {
    routing_story(Server::sqlite()).await;
}

#[tokio::test]
async fn routing_on_postgres() {
    if let Some(server) = Server::postgres().await {
        routing_story(server).await;
    }
}
