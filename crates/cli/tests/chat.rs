//! Web chat against the real binary: an entry point's availability (hidden while no agent is
//! ready, CORS by its allowed origins), a customer starting a chat, the conversation over a
//! WebSocket and by long polling (ordered, acknowledged after storing, typing, whispers kept from
//! the customer), a reload resuming the same chat with every message once, a transfer telling the
//! customer, the agent ending it for wrap-up, a customer leaving the queue (abandoned), the
//! offer time-out's pushback, the start rate limit and a restart that loses no message. The same
//! story runs on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::wait_for;
use common::{Api, Server};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const PASSWORD: &str = "a long enough password";
const SHOP: &str = "https://shop.example.com";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for something to happen.
const LIMIT: Duration = Duration::from_secs(15);

/// A customer's call to the public chat API from `origin`.
async fn public(
    base: &str,
    method: reqwest::Method,
    path: &str,
    origin: Option<&str>,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{base}/chat/v1{path}"));
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn get(base: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let (st, _, v) = public(base, reqwest::Method::GET, path, Some(SHOP), token, None).await;
    (st, v)
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let (st, _, v) = public(
        base,
        reqwest::Method::POST,
        path,
        Some(SHOP),
        token,
        Some(body),
    )
    .await;
    (st, v)
}

/// Opens the customer's WebSocket of chat `id` from the shop's page and says hello.
async fn connect(base: &str, id: i64, token: &str, after: i64) -> Socket {
    let url = format!(
        "{}/chat/v1/chats/{id}/socket",
        base.replacen("http", "ws", 1)
    );
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("origin", SHOP.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let hello = json!({"type": "hello", "token": token, "after": after});
    ws.send(Message::text(hello.to_string())).await.unwrap();
    ws
}

/// The next frame of `type` (others skipped), within 15 s.
async fn next(ws: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame"))
            .expect("socket closed")
            .unwrap();
        if let Message::Text(t) = frame {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == kind {
                return v;
            }
        }
    }
}

/// The next `state` frame whose chat is in `state`.
async fn next_state(ws: &mut Socket, state: &str) -> Value {
    loop {
        let v = next(ws, "state").await;
        if v["chat"]["state"] == state {
            return v["chat"].clone();
        }
    }
}

/// Messages sent on the socket until one numbered `seq` (inclusive), in order.
async fn messages_until(ws: &mut Socket, seq: i64) -> Vec<Value> {
    let mut out = vec![];
    loop {
        let m = next(ws, "message").await["message"].clone();
        let n = m["seq"].as_i64().unwrap();
        out.push(m);
        if n >= seq {
            return out;
        }
    }
}

async fn presence(api: &Api, body: Value) {
    let (st, p) = api.put("/me/presence", body).await;
    assert_eq!(st, 200, "{p}");
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

/// Makes `agent` ready for chat and waits until entry point `ep` takes chats.
async fn ready_and_open(agent: &Api, base: &str, ep: i64) {
    presence(agent, json!({"ready": true, "channel": "chat"})).await;
    wait_for("the entry point opens", LIMIT, || async {
        let (_, info) = get(base, &format!("/entry-points/{ep}"), None).await;
        (info["availability"] == "open").then_some(())
    })
    .await;
}

struct World {
    ep: i64,
    ann: (i64, Api),
}

async fn world(server: &Server, api: &Api) -> World {
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, s) = api
        .put(
            &format!("/departments/{dept}/channels/chat"),
            json!({"interruptible": false, "max_queued": 10000, "max_time_in_queue_secs": 0,
                   "task_life_secs": 300, "start_timeout_secs": 3, "max_duration_secs": 28800}),
        )
        .await;
    assert_eq!(st, 200, "{s}");
    let (st, u) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "ann@example.org", "name": "Ann Agent",
                   "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    let ann = u["id"].as_i64().unwrap();
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Chat team", "members": [ann]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let (st, q) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Web chat",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    let (st, ep) = api
        .post(
            "/entry-points",
            json!({"department_id": dept, "name": "Shop", "queue_id": q["id"],
                   "allowed_origins": [SHOP], "max_waiting": 5}),
        )
        .await;
    assert_eq!(st, 201, "{ep}");
    World {
        ep: ep["id"].as_i64().unwrap(),
        ann: (ann, Api::login(server, "ann@example.org", PASSWORD).await),
    }
}

fn answers(question: &str) -> Value {
    json!({"answers": {"name": "Carla Customer", "email": "carla@example.net", "question": question}})
}

async fn start(base: &str, ep: i64, question: &str) -> (i64, String, Value) {
    let (st, v) = post(
        base,
        &format!("/entry-points/{ep}/chats"),
        None,
        answers(question),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    (
        v["chat_id"].as_i64().unwrap(),
        v["token"].as_str().unwrap().to_string(),
        v,
    )
}

async fn chat_story(mut server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let (ann_id, ann) = (w.ann.0, &w.ann.1);
    let base = server.url.clone();
    let ep_path = format!("/entry-points/{}", w.ep);

    // Nobody is ready: the widget shows its offline alternative, and a start is refused.
    let (st, h, info) = public(
        &base,
        reqwest::Method::GET,
        &ep_path,
        Some(SHOP),
        None,
        None,
    )
    .await;
    assert_eq!(
        (st, info["availability"].as_str()),
        (200, Some("no_agents")),
        "{info}"
    );
    assert_eq!(h["access-control-allow-origin"], SHOP);
    assert_eq!(info["pre_chat"].as_array().unwrap().len(), 3);
    let (st, v) = post(&base, &format!("{ep_path}/chats"), None, answers("Hi")).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("chat_unavailable")),
        "{v}"
    );

    // Another web site may not use the entry point; its preflight gets no CORS grant.
    let evil = Some("https://evil.example.net");
    let (st, _, v) = public(&base, reqwest::Method::GET, &ep_path, evil, None, None).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (403, Some("origin_refused")),
        "{v}"
    );
    let (st, h, _) = public(
        &base,
        reqwest::Method::OPTIONS,
        &format!("{ep_path}/chats"),
        evil,
        None,
        None,
    )
    .await;
    assert_eq!(st, 204);
    assert!(h.get("access-control-allow-origin").is_none());
    let (st, h, _) = public(
        &base,
        reqwest::Method::OPTIONS,
        &format!("{ep_path}/chats"),
        Some(SHOP),
        None,
        None,
    )
    .await;
    assert_eq!(
        (st, &h["access-control-allow-origin"]),
        (204, &SHOP.parse().unwrap())
    );

    // Ann is ready for chat: the entry point opens.
    ready_and_open(ann, &base, w.ep).await;

    // A form that misses a required answer is refused by name.
    let (st, v) = post(
        &base,
        &format!("{ep_path}/chats"),
        None,
        json!({"answers": {"question": "Hi"}}),
    )
    .await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("answers.name")),
        "{v}"
    );

    // Staff of another department (signed in before the chat starts: the offer to Ann lasts
    // only a few seconds, and the test must see it).
    let (st, other) = api
        .post(
            "/departments",
            json!({"name": "Elsewhere", "description": ""}),
        )
        .await;
    assert_eq!(st, 201, "{other}");
    let mut outsiders = Vec::new();
    for (email, role) in [
        ("olga@example.org", "agent"),
        ("sid@example.org", "supervisor"),
    ] {
        let (st, u) = api
            .post(
                "/users",
                json!({"department_id": other["id"], "email": email, "name": email,
                       "role": role, "password": PASSWORD}),
            )
            .await;
        assert_eq!(st, 201, "{u}");
        outsiders.push((role, Api::login(&server, email, PASSWORD).await));
    }

    // The customer starts a chat; the question is its first message.
    let (id, token, started) = start(&base, w.ep, "Where is my order 4711?").await;
    assert_eq!(started["messages"][0]["seq"], 1);
    assert_eq!(started["messages"][0]["party"], "customer");
    let a = activity(&api, id).await;
    assert_eq!(
        (a["channel"].as_str(), a["subject"].as_str()),
        (Some("chat"), Some("Where is my order 4711?"))
    );
    let mut ws = connect(&base, id, &token, 0).await;
    let first = messages_until(&mut ws, 1).await;
    assert_eq!(first[0]["body"], "Where is my order 4711?");

    // Staff of another department find no such chat, whatever they try.
    for (role, outsider) in &outsiders {
        let chat = format!("/activities/{id}/chat");
        let (st, _) = outsider.get(&chat).await;
        assert_eq!(st, 404, "{role} reads");
        for (path, body) in [
            ("/messages", json!({"body": "hi", "whisper": true})),
            ("/typing", json!({"typing": true})),
            ("/end", json!({})),
        ] {
            let (st, _) = outsider.post(&format!("{chat}{path}"), body).await;
            assert_eq!(st, 404, "{role} {path}");
        }
        let (st, _) = outsider.get(&format!("{chat}/socket")).await;
        assert_eq!(st, 404, "{role} socket");
        let (st, _) = outsider.get(&format!("{chat}/files/1")).await;
        assert_eq!(st, 404, "{role} reads a file");
        let r = outsider
            .http
            .post(format!("{}/api/v1{chat}/files?name=a.txt", server.url))
            .bearer_auth(&outsider.token)
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{role} sends a file");
        for (path, body) in [
            ("notes", json!({"text": "hi"})),
            ("wrap-up", json!({"note": "done"})),
        ] {
            let (st, _) = outsider
                .post(&format!("/activities/{id}/{path}"), body)
                .await;
            assert_eq!(st, 404, "{role} {path}");
        }
    }

    // The router offers it to Ann; she accepts; the customer sees her name.
    until_status(&api, id, "offered").await;
    let (st, v) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let talking = next_state(&mut ws, "talking").await;
    assert_eq!(talking["agent_name"], "Ann Agent");

    // Messages both ways, in order; the customer's is acknowledged with its number.
    let (st, m) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Hello Carla! <b>Let me look.</b>"}),
        )
        .await;
    assert_eq!((st, m["seq"].as_i64()), (201, Some(2)), "{m}");
    let got = messages_until(&mut ws, 2).await;
    assert_eq!(
        got[0]["body"], "Hello Carla! <b>Let me look.</b>",
        "text stays text"
    );
    assert_eq!(got[0]["author_name"], "Ann Agent");
    // The agent's long poll hears the customer typing (typing is relayed, never stored).
    let typing = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        ws.send(Message::text(
            json!({"type": "typing", "typing": true}).to_string(),
        ))
        .await
        .unwrap();
    };
    let path = format!("/activities/{id}/chat?after=2&wait=5");
    let poll = ann.get(&path);
    let ((st, polled), ()) = tokio::join!(poll, typing);
    assert_eq!(
        (st, polled["typing"].as_bool()),
        (200, Some(true)),
        "{polled}"
    );
    ws.send(Message::text(
        json!({"type": "message", "body": "Thanks!", "ref": "c1"}).to_string(),
    ))
    .await
    .unwrap();
    let ack = next(&mut ws, "ack").await;
    assert_eq!(
        (ack["ref"].as_str(), ack["seq"].as_i64()),
        (Some("c1"), Some(3))
    );
    let (_, polled) = ann.get(&format!("/activities/{id}/chat?after=2")).await;
    assert_eq!(polled["messages"][0]["body"], "Thanks!");
    ws.send(Message::text(
        json!({"type": "message", "body": "  "}).to_string(),
    ))
    .await
    .unwrap();
    let err = next(&mut ws, "error").await;
    assert_eq!(err["code"], "invalid_field", "{err}");

    // A supervisor whispers: the agent sees it, the customer does not.
    let (st, m) = api
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Offer a voucher", "whisper": true}),
        )
        .await;
    assert_eq!((st, m["audience"].as_str()), (201, Some("staff")), "{m}");
    let (st, m) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Here is a voucher."}),
        )
        .await;
    assert_eq!((st, m["seq"].as_i64()), (201, Some(5)), "{m}");
    let got = messages_until(&mut ws, 5).await;
    assert_eq!(
        got.len(),
        1,
        "the whisper never reaches the customer: {got:?}"
    );
    let (_, polled) = ann.get(&format!("/activities/{id}/chat?after=3")).await;
    assert_eq!(polled["messages"].as_array().unwrap().len(), 2);

    // A reload resumes the same chat: every message once, from where the page was.
    drop(ws);
    let mut ws = connect(&base, id, &token, 0).await;
    let all = messages_until(&mut ws, 5).await;
    let seqs: Vec<i64> = all.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 5]);
    let mut ws2 = connect(&base, id, &token, 3).await;
    assert_eq!(messages_until(&mut ws2, 5).await.len(), 1);
    drop(ws2);

    // The long-polling fallback reads and writes the same conversation.
    let (st, v) = get(
        &base,
        &format!("/chats/{id}/messages?after=4"),
        Some(&token),
    )
    .await;
    assert_eq!(
        (st, v["messages"][0]["seq"].as_i64()),
        (200, Some(5)),
        "{v}"
    );
    let (st, v) = post(
        &base,
        &format!("/chats/{id}/messages"),
        Some(&token),
        json!({"body": "By poll"}),
    )
    .await;
    assert_eq!((st, v["seq"].as_i64()), (201, Some(6)), "{v}");
    assert_eq!(messages_until(&mut ws, 6).await[0]["body"], "By poll");

    // A token opens its own chat only.
    let (st, _) = get(&base, &format!("/chats/{id}"), Some("not-the-token")).await;
    assert_eq!(st, 404);
    let (other, other_token, _) = start(&base, w.ep, "Second question").await;
    let (st, _) = get(&base, &format!("/chats/{id}"), Some(&other_token)).await;
    assert_eq!(st, 404);

    // The second chat waits behind nobody; its customer sees place 1 and leaves the queue.
    let (_, v) = get(&base, &format!("/chats/{other}"), Some(&other_token)).await;
    assert_eq!(v["state"], "waiting", "{v}");
    let (st, v) = post(
        &base,
        &format!("/chats/{other}/end"),
        Some(&other_token),
        json!({}),
    )
    .await;
    assert_eq!((st, v["state"].as_str()), (200, Some("ended")), "{v}");
    until_status(&api, other, "abandoned").await;

    // A restart loses nothing: the chat comes back to Ann with every message. The socket open
    // while the node shuts down is told to reconnect.
    assert_eq!(server.terminate(), Some(0));
    let closed = loop {
        match tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    let closed = closed.expect("a close frame with a code");
    assert_eq!(
        (u16::from(closed.code), closed.reason.as_str()),
        (1012, "reconnect")
    );
    drop(ws);
    let old = server;
    server = Server::start_in(old.data_dir.clone(), old.env.clone());
    let base = server.url.clone();
    let api = api.with_base(&base);
    let ann = ann.with_base(&base);
    let a = activity(&api, id).await;
    assert_eq!(a["assignee_id"].as_i64(), Some(ann_id), "{a}");
    let mut ws = connect(&base, id, &token, 0).await;
    assert_eq!(messages_until(&mut ws, 6).await.len(), 5);
    let (st, m) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Still here."}),
        )
        .await;
    assert_eq!((st, m["seq"].as_i64()), (201, Some(7)), "{m}");
    assert_eq!(messages_until(&mut ws, 7).await[0]["body"], "Still here.");

    // Ann ends the chat: the customer is told; the activity stays with her for wrap-up.
    let (st, v) = ann
        .post(&format!("/activities/{id}/chat/end"), json!({}))
        .await;
    assert_eq!((st, v["state"].as_str()), (200, Some("ended")), "{v}");
    let notice = messages_until(&mut ws, 8).await;
    assert_eq!(notice[0]["party"], "system");
    next_state(&mut ws, "ended").await;
    let (st, v) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "late"}),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    let a = activity(&api, id).await;
    assert_eq!(a["assignee_id"].as_i64(), Some(ann_id), "{a}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    let ended = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "chat_ended")
        .cloned();
    let ended = ended.expect("chat_ended event");
    assert_eq!(ended["data"]["by"], "agent");
    assert_eq!(ended["data"]["customer_messages"], 3);
    assert_eq!(
        ended["data"]["agent_messages"], 3,
        "the whisper not counted"
    );
    let started = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "chat_started")
        .cloned();
    assert_eq!(started.expect("chat_started")["data"]["origin"], SHOP);
    let (st, v) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "complete"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    // An offer not accepted in time goes back to the queue and Ann becomes not ready.
    ready_and_open(&ann, &base, w.ep).await;
    let (pushed, _, _) = start(&base, w.ep, "Anyone there?").await;
    until_status(&api, pushed, "offered").await;
    let a = until_status(&api, pushed, "queued").await;
    assert_eq!(a["assignee_id"], Value::Null, "{a}");
    let (_, me) = ann.get("/me/presence").await;
    assert_eq!(me["ready"]["chat"], false, "{me}");

    // Starting chats over and over from one address is refused for a while.
    let mut limited = false;
    for _ in 0..8 {
        let (st, v) = post(&base, &format!("{ep_path}/chats"), None, answers("again")).await;
        if st == 429 {
            assert_eq!(v["code"], "rate_limited");
            limited = true;
            break;
        }
    }
    assert!(limited, "no rate limit");
    drop(old);
}

#[tokio::test]
async fn chat_on_sqlite() {
    chat_story(Server::sqlite()).await;
}

#[tokio::test]
async fn chat_on_postgres() {
    if let Some(server) = Server::postgres().await {
        chat_story(server).await;
    }
}

/// After the chat: the survey's answers checked and stored with the activity, and the
/// transcript mailed from the department's address through the real dispatcher into the
/// customer's real mailbox (whispers left out).
async fn after_the_chat(w: common::mail::World) {
    let (api, dept) = (&w.api, w.dept);
    let base = w.server.url.clone();
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
            json!({"department_id": dept, "name": "Chat team", "members": [u["id"]]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let (st, q) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Web chat",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    let (st, ep) = api
        .post(
            "/entry-points",
            json!({"department_id": dept, "name": "Shop", "queue_id": q["id"],
            "allowed_origins": [SHOP],
            "survey": [
                {"key": "score", "text": "How did we do?", "kind": "rating", "required": true},
                {"key": "solved", "text": "Was your question answered?", "kind": "yes_no"}
            ]}),
        )
        .await;
    assert_eq!(st, 201, "{ep}");
    let ep = ep["id"].as_i64().unwrap();
    let ann = Api::login(&w.server, "ann@example.org", PASSWORD).await;
    ready_and_open(&ann, &base, ep).await;
    let (st, v) = post(
        &base,
        &format!("/entry-points/{ep}/chats"),
        None,
        json!({"answers": {"name": "Carol Customer", "email": "carol@customer.test",
                           "question": "Can I change my order?"}}),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let id = v["chat_id"].as_i64().unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    until_status(api, id, "offered").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Yes, until it ships."}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = api
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "internal note", "whisper": true}),
        )
        .await;
    assert_eq!(st, 201);

    // Neither comes before the end.
    let (st, v) = post(
        &base,
        &format!("/chats/{id}/transcript"),
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!(st, 409, "{v}");
    let (st, v) = post(&base, &format!("/chats/{id}/end"), Some(&token), json!({})).await;
    assert_eq!((st, v["state"].as_str()), (200, Some("ended")), "{v}");

    // The survey: checked by question, stored once, readable by the staff.
    let survey = format!("/chats/{id}/survey");
    let (st, v) = post(
        &base,
        &survey,
        Some(&token),
        json!({"answers": {"score": "6"}}),
    )
    .await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("answers.score")),
        "{v}"
    );
    let (st, v) = post(
        &base,
        &survey,
        Some(&token),
        json!({"answers": {"score": "5", "solved": "yes"}}),
    )
    .await;
    assert_eq!(
        (st, v["survey"][0]["value"].as_i64()),
        (200, Some(5)),
        "{v}"
    );
    let (st, _) = post(
        &base,
        &survey,
        Some(&token),
        json!({"answers": {"score": "1"}}),
    )
    .await;
    assert_eq!(st, 409, "answered once");
    let (_, staff) = ann.get(&format!("/activities/{id}/chat")).await;
    assert_eq!(staff["chat"]["survey"][1]["value"], true, "{staff}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "survey_answered"),
        "{ev}"
    );
    // The survey results report counts it: one survey, rated 5, answered yes.
    let (st, r) = api
        .get("/reports/survey_results?granularity=total&preset=today")
        .await;
    assert_eq!(st, 200, "{r}");
    let values = &r["total"]["values"];
    assert_eq!(
        (values[0].as_f64(), values[2].as_f64(), values[5].as_f64()),
        (Some(1.0), Some(5.0), Some(100.0)),
        "{r}"
    );

    // The transcript needs an address to send from; then it arrives, once.
    let (st, v) = post(
        &base,
        &format!("/chats/{id}/transcript"),
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!(st, 409, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("no email address to send from"),
        "{v}"
    );
    // Nor can an email be left while the department takes no mail in.
    let leave = format!("/entry-points/{ep}/emails");
    let (_, info) = get(&base, &format!("/entry-points/{ep}"), None).await;
    assert_eq!(info["leave_email"], false, "{info}");
    let note = json!({"name": "Carol Customer", "email": "carol@customer.test",
                      "message": "Please call me back.\nAbout order 17.", "key": "k-1"});
    let (st, v) = post(&base, &leave, None, note.clone()).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("email_unavailable")),
        "{v}"
    );
    w.support_alias(w.queue).await;
    let (st, v) = post(
        &base,
        &format!("/chats/{id}/transcript"),
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!(
        (st, v["transcript_sent"].as_bool()),
        (200, Some(true)),
        "{v}"
    );
    let (st, _) = post(
        &base,
        &format!("/chats/{id}/transcript"),
        Some(&token),
        json!({}),
    )
    .await;
    assert_eq!(st, 409, "sent once");
    let raw = w.reply_from_support("the transcript").await;
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Transcript: Chat with us"));
    let text = mail.body_text(0).unwrap().to_string();
    for part in [
        "Carol Customer: Can I change my order?",
        "Ann Agent: Yes, until it ships.",
        "The customer ended the chat.",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    assert!(!text.contains("internal note"), "{text}");
    assert_eq!(
        mail.to().unwrap().first().unwrap().address(),
        Some("carol@customer.test")
    );
    left_email(&w, ep, &leave, &note).await;
}

/// The offline alternative: an email left on the entry point becomes an inbound email activity
/// of the customer, in the queue of the alias that takes the department's mail in; a retried send
/// counts once; a bad address is refused by name.
async fn left_email(w: &common::mail::World, ep: i64, leave: &str, note: &Value) {
    let base = w.server.url.clone();
    let (_, info) = get(&base, &format!("/entry-points/{ep}"), None).await;
    assert_eq!(info["leave_email"], true, "{info}");
    let (st, v) = post(
        &base,
        leave,
        None,
        json!({"email": "not an address", "message": "Hello"}),
    )
    .await;
    assert_eq!((st, v["field"].as_str()), (422, Some("email")), "{v}");
    let (st, v) = post(&base, leave, None, json!({"email": "carol@customer.test"})).await;
    assert_eq!(st, 422, "a message is required: {v}");
    for _ in 0..2 {
        let (st, v) = post(&base, leave, None, note.clone()).await;
        assert_eq!((st, v["received"].as_bool()), (202, Some(true)), "{v}");
    }
    let path = format!("/activities?queue_id={}&channel=inbound_email", w.queue);
    let (_, list) = w.api.get(&path).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "taken in once: {list}");
    let a = &items[0];
    assert_eq!(a["subject"], "Please call me back.", "{a}");
    let (_, emails) = w.api.get(&format!("/emails?activity_id={}", a["id"])).await;
    let e = &emails["items"][0];
    assert_eq!(e["from"]["address"], "carol@customer.test", "{emails}");
    assert!(
        e["text"].as_str().unwrap().contains("About order 17."),
        "{e}"
    );
    // The customer who chatted is the one who wrote.
    let (_, chats) = w
        .api
        .get(&format!("/activities?customer_id={}", a["customer_id"]))
        .await;
    assert_eq!(chats["items"].as_array().unwrap().len(), 2, "{chats}");
}

#[tokio::test]
async fn survey_and_transcript_on_sqlite() {
    if !(switchboard_testkit::require_or_skip("dovecot")
        && switchboard_testkit::require_or_skip("aiosmtpd"))
    {
        return;
    }
    after_the_chat(common::mail::World::start(true, &[]).await).await;
}

#[tokio::test]
async fn survey_and_transcript_on_postgres() {
    if !(switchboard_testkit::require_or_skip("dovecot")
        && switchboard_testkit::require_or_skip("aiosmtpd"))
    {
        return;
    }
    if let Some(w) = common::mail::World::start_on_postgres(true, &[]).await {
        after_the_chat(w).await;
    }
}

/// The time-outs, watched every second: a waiting customer whose page is gone abandoned the
/// chat; a silent customer is warned, then the chat closes; a silent agent is nudged; a chat
/// that waits past the channel's maximum ends and its customer is told.
async fn time_outs(server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let ann = &w.ann.1;
    let base = server.url.clone();
    let (_, d) = api.get("/departments").await;
    let dept = d["items"][0]["id"].as_i64().unwrap();
    let (st, v) = api
        .put(
            &format!("/departments/{dept}/channels/chat"),
            json!({"interruptible": false, "max_queued": 10000, "max_time_in_queue_secs": 0,
                   "task_life_secs": 300, "start_timeout_secs": 60, "max_duration_secs": 28800}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, ep) = api.get(&format!("/entry-points/{}", w.ep)).await;
    let (st, v) = api
        .put(
            &format!("/entry-points/{}", w.ep),
            json!({"version": ep["version"], "timeouts": {
                "customer_warning_secs": 10, "customer_inactivity_secs": 20,
                "agent_inactivity_secs": 10, "abandon_grace_secs": 10}}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    ready_and_open(ann, &base, w.ep).await;

    // One chat Ann takes: she writes, the customer stays silent.
    let (silent, silent_token, _) = start(&base, w.ep, "Question one").await;
    until_status(&api, silent, "offered").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{silent}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);
    let mut ws = connect(&base, silent, &silent_token, 0).await;
    // One the agent leaves unanswered.
    let (nudged, _, _) = start(&base, w.ep, "Question two").await;
    until_status(&api, nudged, "offered").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{nudged}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = ann
        .post(
            &format!("/activities/{silent}/chat/messages"),
            json!({"body": "Are you there?"}),
        )
        .await;
    assert_eq!(st, 201);
    // One whose customer never opens the conversation (Ann has room for one more offer only;
    // it waits until she has).
    let (gone, _, _) = start(&base, w.ep, "Question three").await;

    let warned = loop {
        let m = next(&mut ws, "message").await;
        if m["message"]["party"] == "system" {
            break m;
        }
    };
    assert!(
        warned["message"]["body"]
            .as_str()
            .unwrap()
            .contains("still there"),
        "{warned}"
    );
    let closed = next_state(&mut ws, "ended").await;
    assert_eq!(closed["ended"]["reason"], "customer_inactive", "{closed}");
    let a = activity(&api, silent).await;
    assert_eq!(a["assignee_id"], w.ann.0, "left for wrap-up: {a}");

    let (_, c) = ann.get(&format!("/activities/{nudged}/chat")).await;
    let texts: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("will be with you again")),
        "{texts:?}"
    );
    assert_eq!(c["chat"]["state"], "talking");
    // The supervisor's monitor flags the silent agent's chat.
    let (st, html) = api.page("/ui/supervisor/monitor").await;
    assert_eq!(st, 200);
    let row = html
        .split(&format!("data-chat=\"{nudged}\""))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row for chat {nudged}: {html}"));
    assert!(
        row.contains("agent silent") && row.contains("Ann Agent"),
        "{row}"
    );

    until_status(&api, gone, "abandoned").await;
    let (_, ev) = api.get(&format!("/activities/{gone}/events")).await;
    let ended = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "chat_ended")
        .cloned()
        .expect("chat_ended");
    assert_eq!(ended["data"]["reason"], "customer_gone", "{ended}");
}

#[tokio::test]
async fn time_outs_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_CHAT_WATCH_SECS".into(), "1".into())],
    );
    time_outs(server).await;
}

#[tokio::test]
async fn time_outs_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start_in(
            tmp.path().to_path_buf(),
            vec![
                ("SWITCHBOARD_DATABASE_URL".into(), url),
                ("SWITCHBOARD_CHAT_WATCH_SECS".into(), "1".into()),
            ],
        );
        time_outs(server).await;
    }
}

/// A transfer tells the customer and keeps the conversation; a chat that waits past the
/// channel's maximum ends and its customer is told.
async fn transfer_and_not_taken(server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let ann = &w.ann.1;
    let base = server.url.clone();
    let (_, d) = api.get("/departments").await;
    let dept = d["items"][0]["id"].as_i64().unwrap();
    let settings = |max_wait: u32| {
        json!({"interruptible": false, "max_queued": 10000, "max_time_in_queue_secs": max_wait,
               "task_life_secs": 300, "start_timeout_secs": 60, "max_duration_secs": 28800})
    };
    let path = format!("/departments/{dept}/channels/chat");
    let (st, v) = api.put(&path, settings(0)).await;
    assert_eq!(st, 200, "{v}");
    let (_, ep) = api.get(&format!("/entry-points/{}", w.ep)).await;
    let queue = ep["queue_id"].as_i64().unwrap();
    ready_and_open(ann, &base, w.ep).await;

    // Ann talks, then transfers the chat back to the queue: the customer is told and the
    // history stays with the chat.
    let (id, token, _) = start(&base, w.ep, "Transfer me").await;
    until_status(&api, id, "offered").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);
    let mut ws = connect(&base, id, &token, 0).await;
    next_state(&mut ws, "talking").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "One moment."}),
        )
        .await;
    assert_eq!(st, 201);
    // From now on a chat may wait 4 s at most (a transfer keeps its age).
    let (st, v) = api.put(&path, settings(4)).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = ann
        .post(
            &format!("/activities/{id}/transfer"),
            json!({"queue_id": queue}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let mut system = vec![];
    while system.len() < 2 {
        let m = next(&mut ws, "message").await;
        if m["message"]["party"] == "system" {
            system.push(m["message"]["body"].as_str().unwrap().to_string());
        }
    }
    assert!(system[0].contains("transferred"), "{system:?}");
    // Nobody took it in time: it ends, and the customer is told why.
    assert!(system[1].contains("in time"), "{system:?}");
    let ended = next_state(&mut ws, "ended").await;
    assert_eq!(ended["ended"]["reason"], "max_time_in_queue", "{ended}");
    until_status(&api, id, "abandoned").await;
    // While it waited after the transfer the widget told the customer a wait (the queue has a
    // pace: one chat left it): recorded once, and the accuracy report counts it as abandoned.
    let (st, ev) = api.get(&format!("/activities/{id}/events")).await;
    assert_eq!(st, 200, "{ev}");
    let told: Vec<&Value> = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "wait_told")
        .collect();
    assert_eq!(told.len(), 1, "{ev}");
    assert_eq!(told[0]["data"]["queue_id"], queue, "{ev}");
    // The report reads the rollup, which folds the events within moments.
    let api_ref = &api;
    wait_for(
        "the rollup to fold the abandoned wait",
        LIMIT,
        || async move {
            let (st, r) = api_ref
                .get("/reports/wait_accuracy?granularity=total&preset=today")
                .await;
            assert_eq!(st, 200, "{r}");
            let values = &r["total"]["values"];
            let counts = (values[0].as_f64(), values[1].as_f64(), values[2].as_f64());
            // Told once, not answered, abandoned.
            (counts == (Some(1.0), Some(0.0), Some(1.0))).then_some(())
        },
    )
    .await;
    let (_, c) = api.get(&format!("/activities/{id}/chat")).await;
    let bodies: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies[..2], ["Transfer me", "One moment."], "{bodies:?}");
}

#[tokio::test]
async fn transfer_and_max_wait_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_CHAT_WATCH_SECS".into(), "1".into())],
    );
    transfer_and_not_taken(server).await;
}

#[tokio::test]
async fn transfer_and_max_wait_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start_in(
            tmp.path().to_path_buf(),
            vec![
                ("SWITCHBOARD_DATABASE_URL".into(), url),
                ("SWITCHBOARD_CHAT_WATCH_SECS".into(), "1".into()),
            ],
        );
        transfer_and_not_taken(server).await;
    }
}

/// The department's start workflows route chats like mail (queue, priority, attributes; what
/// only mail has is left out with a note); an agent transfers a chat to a colleague, who gets it
/// with its history while the customer is told.
async fn routed_and_handed_to_a_colleague(server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let (ann_id, ann) = (w.ann.0, &w.ann.1);
    let base = server.url.clone();
    let (_, d) = api.get("/departments").await;
    let dept = d["items"][0]["id"].as_i64().unwrap();
    let (st, bob) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "bob@example.org", "name": "Bob Billing",
                   "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{bob}");
    let (st, refunds_team) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Refunds team", "members": [bob["id"]]}),
        )
        .await;
    assert_eq!(st, 201, "{refunds_team}");
    let (st, refunds) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Refunds",
                   "routing": {"type": "user_group", "user_group_id": refunds_team["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{refunds}");
    let (st, flow) = api
        .post(
            "/workflows",
            json!({"department_id": dept, "name": "Refund chats", "kind": "start",
                   "definition": {"steps": [{"id": "sort", "type": "branch", "cases": [
                       {"label": "refund", "when": {"type": "all", "of": [
                           {"type": "channel", "channels": ["chat"]},
                           {"type": "text", "field": "body", "op": "contains", "value": "refund"}]},
                        "then": [
                           {"id": "urgent", "type": "set_priority", "priority": 9},
                           {"id": "topic", "type": "set_attribute", "name": "topic", "value": "refund"},
                           {"id": "ack", "type": "acknowledge"},
                           {"id": "to", "type": "route", "queue_id": refunds["id"]}]}]}]}}),
        )
        .await;
    assert_eq!(st, 201, "{flow}");
    let bob_api = Api::login(&server, "bob@example.org", PASSWORD).await;
    presence(&bob_api, json!({"ready": true, "channel": "chat"})).await;
    ready_and_open(ann, &base, w.ep).await;

    // A plain question stays in the entry point's queue.
    let (plain, plain_token, _) = start(&base, w.ep, "Hello there").await;
    let a = activity(&api, plain).await;
    let (_, ep) = api.get(&format!("/entry-points/{}", w.ep)).await;
    assert_eq!(
        (&a["queue_id"], &a["priority"]),
        (&ep["queue_id"], &json!(5)),
        "{a}"
    );
    let (st, _) = post(
        &base,
        &format!("/chats/{plain}/end"),
        Some(&plain_token),
        json!({}),
    )
    .await;
    assert_eq!(st, 200);

    // A refund goes to the refunds queue, urgent, and Bob is offered it.
    let (id, token, _) = start(&base, w.ep, "I want a refund for order 9").await;
    let a = until_status(&api, id, "offered").await;
    assert_eq!(a["queue_id"], refunds["id"], "{a}");
    assert_eq!(a["priority"], 9, "{a}");
    assert_eq!(a["custom_attributes"]["topic"], "refund", "{a}");
    assert_eq!(a["assignee_id"], bob["id"], "{a}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    let ran = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "workflow_ran" && e["data"]["name"] == "Refund chats")
        .unwrap_or_else(|| panic!("{ev}"))
        .clone();
    assert!(
        ran["data"]["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("acknowledge"),
        "{ran}"
    );
    let (st, _) = bob_api
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);
    let mut ws = connect(&base, id, &token, 0).await;
    let talking = next_state(&mut ws, "talking").await;
    assert_eq!(talking["agent_name"], "Bob Billing", "{talking}");
    let (st, _) = bob_api
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Let me fetch a colleague."}),
        )
        .await;
    assert_eq!(st, 201);

    // Bob hands it to Ann: the customer is told, Ann has it with its whole history.
    let (st, v) = bob_api
        .post(
            &format!("/activities/{id}/transfer"),
            json!({"agent_id": ann_id}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let told = loop {
        let m = next(&mut ws, "message").await;
        if m["message"]["party"] == "system" {
            break m["message"]["body"].as_str().unwrap().to_string();
        }
    };
    assert!(told.contains("transferred"), "{told}");
    // A transfer to an agent gives her the chat at once (she is ready, with room).
    let a = activity(&api, id).await;
    assert_eq!(
        (&a["status"], &a["assignee_id"]),
        (&json!("assigned"), &json!(ann_id)),
        "{a}"
    );
    wait_for("the customer sees Ann", LIMIT, || async {
        let (_, v) = get(&base, &format!("/chats/{id}"), Some(&token)).await;
        (v["agent_name"] == "Ann Agent" && v["state"] == "talking").then_some(())
    })
    .await;
    let (st, c) = ann.get(&format!("/activities/{id}/chat")).await;
    assert_eq!(st, 200, "{c}");
    let bodies: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies[..2],
        ["I want a refund for order 9", "Let me fetch a colleague."],
        "{bodies:?}"
    );
    // Bob no longer holds it: he cannot write to the customer.
    let (st, _) = bob_api
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Still here?"}),
        )
        .await;
    assert_eq!(st, 409);
}

#[tokio::test]
async fn workflows_and_transfer_to_an_agent_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    routed_and_handed_to_a_colleague(Server::start_in(tmp.path().to_path_buf(), vec![])).await;
}

#[tokio::test]
async fn workflows_and_transfer_to_an_agent_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start_in(
            tmp.path().to_path_buf(),
            vec![("SWITCHBOARD_DATABASE_URL".into(), url)],
        );
        routed_and_handed_to_a_colleague(server).await;
    }
}

/// A chat offered to an agent working an email pauses the email; the agent sees the customer's
/// new messages counted in their list of work until they read them; after the end they wrap the
/// chat up (category, note) and complete it, and the email resumes.
async fn an_email_gives_way_to_a_chat(server: Server) {
    let api = Api::admin(&server).await;
    let w = world(&server, &api).await;
    let ann = &w.ann.1;
    let base = server.url.clone();
    let (_, d) = api.get("/departments").await;
    let dept = d["items"][0]["id"].as_i64().unwrap();
    let path = format!("/departments/{dept}/channels/inbound_email");
    let (_, mut email) = api.get(&path).await;
    email["interruptible"] = json!(true);
    let (st, v) = api.put(&path, email).await;
    assert_eq!(st, 200, "{v}");
    let (_, ep) = api.get(&format!("/entry-points/{}", w.ep)).await;
    let (st, customer) = api
        .post(
            "/customers",
            json!({"department_id": dept, "name": "Erik Email"}),
        )
        .await;
    assert_eq!(st, 201, "{customer}");
    let (st, e) = api
        .post(
            "/activities",
            json!({"customer_id": customer["id"], "channel": "inbound_email",
                   "subject": "Invoice question", "queue_id": ep["queue_id"]}),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    let e = e["id"].as_i64().unwrap();
    ready_and_open(ann, &base, w.ep).await;
    let (st, v) = ann.post("/me/pull", json!({"activity_id": e})).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = ann
        .post(
            &format!("/activities/{e}/actions"),
            json!({"action": "start"}),
        )
        .await;
    assert_eq!(
        (st, v["status"].as_str()),
        (200, Some("in_progress")),
        "{v}"
    );

    // The chat is offered to Ann: her email pauses.
    let (id, token, _) = start(&base, w.ep, "Quick question").await;
    until_status(&api, id, "offered").await;
    until_status(&api, e, "paused").await;
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200);

    // The customer writes twice: Ann's list counts three unread (the question too) until she
    // reads the chat.
    for text in ["Are you there?", "It is about order 5."] {
        let (st, v) = post(
            &base,
            &format!("/chats/{id}/messages"),
            Some(&token),
            json!({"body": text}),
        )
        .await;
        assert_eq!(st, 201, "{v}");
    }
    let (_, work) = ann.get("/me/work").await;
    assert_eq!(work["unread"][id.to_string()], 3, "{work}");
    let (st, c) = ann.get(&format!("/activities/{id}/chat")).await;
    assert_eq!(
        (st, c["messages"].as_array().unwrap().len()),
        (200, 3),
        "{c}"
    );
    let (_, work) = ann.get("/me/work").await;
    assert!(work["unread"].get(id.to_string()).is_none(), "{work}");
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/chat/messages"),
            json!({"body": "Yes: order 5 shipped today."}),
        )
        .await;
    assert_eq!(st, 201);

    files_both_ways(&api, ann, &base, id, &token, dept).await;

    // Ann ends the chat and wraps it up.
    let (st, _) = ann
        .post(&format!("/activities/{id}/chat/end"), json!({}))
        .await;
    assert_eq!(st, 200);
    let (st, k) = api
        .post(
            "/categories",
            json!({"department_id": dept, "name": "Shipping"}),
        )
        .await;
    assert_eq!(st, 201, "{k}");
    let wrap = format!("/activities/{id}/wrap-up");
    let (st, v) = ann.post(&wrap, json!({"note": "x".repeat(4001)})).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("note")), "{v}");
    let (st, v) = ann
        .post(
            &wrap,
            json!({"category_id": k["id"], "note": "Order 5 shipped; no action."}),
        )
        .await;
    assert_eq!((st, &v["category_id"]), (200, &k["id"]), "{v}");
    let (st, _) = ann
        .post(
            &format!("/activities/{id}/actions"),
            json!({"action": "complete"}),
        )
        .await;
    assert_eq!(st, 200);
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    let wrapped = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "wrapped_up")
        .unwrap_or_else(|| panic!("{ev}"))
        .clone();
    assert_eq!(
        wrapped["data"]["note"], "Order 5 shipped; no action.",
        "{wrapped}"
    );
    let (st, v) = ann.post(&wrap, json!({"note": "late"})).await;
    assert_eq!(st, 409, "only work in hand: {v}");

    // With the chat done, the email resumes.
    until_status(&api, e, "in_progress").await;
}

#[tokio::test]
async fn interruption_unread_and_wrap_up_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    an_email_gives_way_to_a_chat(Server::start_in(tmp.path().to_path_buf(), vec![])).await;
}

#[tokio::test]
async fn interruption_unread_and_wrap_up_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start_in(
            tmp.path().to_path_buf(),
            vec![("SWITCHBOARD_DATABASE_URL".into(), url)],
        );
        an_email_gives_way_to_a_chat(server).await;
    }
}

/// Sends `bytes` as file `name` into chat `id`: as its customer with `token`, or as `staff`.
async fn send_file(
    base: &str,
    id: i64,
    staff: Option<&Api>,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let q = format!("name={}", name.replace(' ', "%20"));
    let req = match staff {
        Some(api) => api
            .http
            .post(format!("{base}/api/v1/activities/{id}/chat/files?{q}"))
            .bearer_auth(&api.token),
        None => reqwest::Client::new()
            .post(format!("{base}/chat/v1/chats/{id}/files?{q}"))
            .bearer_auth(token),
    };
    let r = req
        .header("content-type", "text/plain")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap_or(Value::Null))
}

/// Files both ways: checked against the department's blocked extensions and the size bound,
/// stored as numbered messages, each side downloads the other's bytes exactly.
async fn files_both_ways(api: &Api, ann: &Api, base: &str, id: i64, token: &str, dept: i64) {
    let (st, v) = api
        .put(
            &format!("/departments/{dept}/email-settings"),
            json!({"blocked_extensions": ["exe"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = send_file(base, id, None, token, "setup.exe", b"MZ".to_vec()).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("name")), "{v}");
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let (st, v) = send_file(base, id, None, token, "big.txt", big).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("file")), "{v}");
    let (st, m) = send_file(base, id, None, token, "my notes.txt", b"order 5".to_vec()).await;
    assert_eq!(st, 201, "{m}");
    assert_eq!(
        (&m["body"], &m["file"]["name"], &m["file"]["size"]),
        (&json!("my notes.txt"), &json!("my notes.txt"), &json!(7)),
        "{m}"
    );
    let seq = m["seq"].as_i64().unwrap();
    let r = ann
        .http
        .get(format!("{base}/api/v1/activities/{id}/chat/files/{seq}"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "{:?}",
        r.headers()
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"order 5");
    // Ann's file reaches the customer; a message without a file is no file.
    let (st, m) = send_file(base, id, Some(ann), token, "label.txt", b"LABEL".to_vec()).await;
    assert_eq!(st, 201, "{m}");
    let seq = m["seq"].as_i64().unwrap();
    let get = |path: String, t: Option<String>| async move {
        let mut req = reqwest::Client::new().get(format!("{base}/chat/v1{path}"));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap())
    };
    let (st, bytes) = get(format!("/chats/{id}/files/{seq}"), Some(token.to_string())).await;
    assert_eq!((st, bytes.as_ref()), (200, b"LABEL".as_slice()));
    let (st, _) = get(format!("/chats/{id}/files/{seq}"), None).await;
    assert_eq!(st, 404, "a file needs the chat's token");
    let (st, _) = get(format!("/chats/{id}/files/1"), Some(token.to_string())).await;
    assert_eq!(st, 404, "message 1 carries no file");
}
