//! The supervisor's live monitor over its WebSocket, against the real binary: the whole
//! monitor first, then only the rows that changed, each within the supervisor's departments
//! (another department's agent never reaches them, an administrator sees both); an agent
//! logging out leaves the table; a page of another site and an agent are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::{Api, Server};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

const PASSWORD: &str = "a long enough password";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the monitor's socket as `who`, from a page of `origin`.
async fn open(who: &Api, origin: Option<&str>) -> Result<Socket, WsError> {
    let url = format!(
        "{}/ui/supervisor/monitor/live",
        who.base.replacen("http", "ws", 1)
    );
    let mut req = url.into_client_request()?;
    let h = req.headers_mut();
    h.insert(
        "authorization",
        format!("Bearer {}", who.token).parse().unwrap(),
    );
    if let Some(o) = origin {
        h.insert("origin", o.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
}

/// The next frame within `wait`, or `None`.
async fn frame(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let m = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()?;
        if let Message::Text(t) = m.expect("the socket is open").unwrap() {
            return Some(serde_json::from_str(&t).unwrap());
        }
    }
}

/// Frames until one `accept`s, for at most 15 s; the frames read on the way are returned too.
async fn until(socket: &mut Socket, what: &str, accept: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let f = frame(socket, left)
            .await
            .unwrap_or_else(|| panic!("no frame {what}; frames seen: {seen:#?}"));
        let done = accept(&f);
        seen.push(f);
        if done {
            return seen;
        }
    }
}

/// The rows a `rows` frame sets in `table`, as (id, html).
fn set(f: &Value, table: &str) -> Vec<(i64, String)> {
    f["data"]["set"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["table"] == table)
                .map(|r| {
                    (
                        r["id"].as_i64().unwrap(),
                        r["html"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn user(api: &Api, dept: i64, name: &str, role: &str) -> i64 {
    let (st, u) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": format!("{name}@example.org"), "name": name,
                   "role": role, "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    u["id"].as_i64().unwrap()
}

async fn presence(agent: &Api, body: Value) {
    let (st, p) = agent.put("/me/presence", body).await;
    assert_eq!(st, 200, "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_monitor_sends_what_changed_within_scope() {
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let north = depts["items"][0]["id"].as_i64().unwrap();
    let (st, d) = api.post("/departments", json!({"name": "South"})).await;
    assert_eq!(st, 201, "{d}");
    let south = d["id"].as_i64().unwrap();
    let ann = user(&api, north, "ann", "agent").await;
    let zed = user(&api, south, "zed", "agent").await;
    user(&api, north, "sue", "supervisor").await;
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": north, "name": "Billing", "members": [ann]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let (st, q) = api
        .post(
            "/queues",
            json!({"department_id": north, "name": "Billing",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    let billing = q["id"].as_i64().unwrap();
    let ann_api = Api::login(&server, "ann@example.org", PASSWORD).await;
    let zed_api = Api::login(&server, "zed@example.org", PASSWORD).await;
    let sue = Api::login(&server, "sue@example.org", PASSWORD).await;

    // Refused: a page of another site, and an agent.
    let foreign = open(&sue, Some("https://evil.example")).await;
    assert!(
        matches!(foreign, Err(WsError::Http(ref r)) if r.status() == 403),
        "{foreign:?}"
    );
    let agent = open(&ann_api, None).await;
    assert!(
        matches!(agent, Err(WsError::Http(ref r)) if r.status() == 403),
        "{agent:?}"
    );

    // The whole monitor first: Sue's department's queue, nobody logged in.
    let mut sue_socket = open(&sue, None).await.unwrap();
    let mut admin_socket = open(&api, None).await.unwrap();
    let first = frame(&mut sue_socket, Duration::from_secs(15))
        .await
        .unwrap();
    assert_eq!(first["event"], "full", "{first}");
    let html = first["data"]["html"].as_str().unwrap();
    assert!(
        html.contains(&format!("data-queue=\"{billing}\"")),
        "{html}"
    );
    assert!(!html.contains("data-agent="), "{html}");
    assert_eq!(
        frame(&mut admin_socket, Duration::from_secs(15))
            .await
            .unwrap()["event"],
        "full"
    );

    // Ann goes ready: Sue gets her row alone (and her department's queues', whose ready counts
    // moved), not the whole table.
    presence(&ann_api, json!({"ready": true})).await;
    let seen = until(&mut sue_socket, "with Ann ready", |f| {
        set(f, "agent")
            .iter()
            .any(|(id, h)| *id == ann && h.contains("Ready"))
    })
    .await;
    let last = seen.last().unwrap();
    assert_eq!(last["event"], "rows", "{last}");
    assert_eq!(set(last, "agent").len(), 1, "{last}");
    let (_, qs) = api.get(&format!("/queues?department_id={north}")).await;
    let north_queues: Vec<i64> = qs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    assert!(
        set(last, "queue")
            .iter()
            .all(|(id, _)| north_queues.contains(id)),
        "{last}"
    );
    assert_eq!(last["data"]["counts"]["agents"], 1, "{last}");
    assert!(!last.to_string().contains("zed"), "{last}");
    let logged_out = last["data"]["counts"]["logged_out"].as_i64().unwrap();

    // Zed, of the other department, goes ready: the administrator sees it, Sue hears nothing.
    presence(&zed_api, json!({"ready": true})).await;
    until(&mut admin_socket, "with Zed ready", |f| {
        set(f, "agent").iter().any(|(id, _)| *id == zed)
    })
    .await;
    while let Some(f) = frame(&mut sue_socket, Duration::from_millis(1500)).await {
        assert!(set(&f, "agent").iter().all(|(id, _)| *id != zed), "{f}");
        assert!(!f.to_string().contains("zed"), "{f}");
    }

    // Ann goes not ready with a reason; then an email waits in Billing with nobody to take it.
    presence(&ann_api, json!({"ready": false, "reason": "lunch"})).await;
    until(&mut sue_socket, "with Ann at lunch", |f| {
        set(f, "agent")
            .iter()
            .any(|(id, h)| *id == ann && h.contains("Not ready") && h.contains("lunch"))
    })
    .await;
    let (st, c) = api
        .post(
            "/customers",
            json!({"department_id": north, "name": "Carla"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let (st, a) = api
        .post(
            "/activities",
            json!({"customer_id": c["id"], "channel": "inbound_email", "subject": "Help", "queue_id": billing}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let seen = until(&mut sue_socket, "with an email waiting", |f| {
        set(f, "queue").iter().any(|(id, h)| {
            *id == billing && h.contains(r#"data-cell="waiting">1<"#) && h.contains("data-since=")
        })
    })
    .await;
    assert!(set(seen.last().unwrap(), "agent").is_empty(), "{seen:#?}");

    // Ann logs out: her row goes, and the logged-out count says so.
    presence(&ann_api, json!({"logged_in": false})).await;
    until(&mut sue_socket, "with Ann gone", |f| {
        f["data"]["gone"]
            .as_array()
            .is_some_and(|g| g.iter().any(|r| r["table"] == "agent" && r["id"] == ann))
            && f["data"]["counts"]["agents"] == 0
            && f["data"]["counts"]["logged_out"] == logged_out + 1
    })
    .await;
}
