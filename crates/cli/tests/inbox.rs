//! The agent's one inbox against the real binary: email, chat and callback work offered to one
//! agent are listed together (offers first, each with its customer, queue, waiting time and
//! due time), narrowed by view and channel; work waiting in her queues is listed for taking;
//! her saved views are kept by name; the pages draw the list beside the open item, and after an
//! item is done `/inbox/next` opens the one that followed it. Another department's work is not
//! found. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::{Api, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

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

async fn create(api: &Api, path: &str, body: Value) -> i64 {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

fn ids(inbox: &Value) -> Vec<i64> {
    inbox["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["activity_id"].as_i64().unwrap())
        .collect()
}

async fn story(server: Server) {
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let ann_id = create(
        &api,
        "/users",
        json!({"department_id": dept, "email": "ann@example.org", "name": "Ann",
               "role": "agent", "password": PASSWORD}),
    )
    .await;
    let group = create(
        &api,
        "/user-groups",
        json!({"department_id": dept, "name": "Desk", "members": [ann_id]}),
    )
    .await;
    let queue = create(
        &api,
        "/queues",
        json!({"department_id": dept, "name": "Desk", "service_level_secs": 3600,
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol Customer",
               "contact_points": [{"kind": "email", "value": "carol@customer.test"}]}),
    )
    .await;
    // A chat in hand lets a callback in (chats are not interrupted by default).
    let (st, v) = api
        .put(
            &format!("/departments/{dept}/channels/chat"),
            json!({"interruptible": true, "max_queued": 100, "max_time_in_queue_secs": 0,
                   "task_life_secs": 3600, "start_timeout_secs": 3600, "max_duration_secs": 28800}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let ann = Api::login(&server, "ann@example.org", PASSWORD).await;
    let (st, p) = ann.put("/me/presence", json!({"ready": true})).await;
    assert_eq!(st, 200, "{p}");
    let mut work = vec![];
    for (channel, subject) in [
        ("inbound_email", "Where is my parcel?"),
        ("chat", "Chat about returns"),
        ("callback", "Call me about my invoice"),
    ] {
        work.push(
            create(
                &api,
                "/activities",
                json!({"customer_id": customer, "channel": channel, "subject": subject,
                       "queue_id": queue}),
            )
            .await,
        );
    }
    // They are offered to Ann, listed with what she needs to choose; she accepts each.
    let offered = until("an offer", || async {
        let (_, v) = ann.get("/me/inbox?view=offered").await;
        (!ids(&v).is_empty()).then_some(v)
    })
    .await;
    let line = &offered["lines"][0];
    assert_eq!(line["customer_name"], "Carol Customer", "{line}");
    assert_eq!(line["queue_name"], "Desk", "{line}");
    assert_eq!(line["status"], "offered", "{line}");
    assert!(line["offer_expires_at"].is_string(), "{line}");
    assert!(
        line["due_at"].is_string(),
        "the queue's service level: {line}"
    );
    assert_eq!(line["overdue"], false, "{line}");
    until("all three accepted", || async {
        let (_, v) = ann.get("/me/inbox?view=offered").await;
        for id in ids(&v) {
            let (st, a) = ann
                .post(
                    &format!("/activities/{id}/actions"),
                    json!({"action": "accept"}),
                )
                .await;
            assert_eq!(st, 200, "{a}");
        }
        let (_, v) = ann.get("/me/inbox").await;
        let held = v["lines"].as_array().unwrap();
        (held.len() == 3 && held.iter().all(|l| l["status"] == "assigned")).then_some(())
    })
    .await;
    let (_, mine) = ann.get("/me/inbox").await;
    assert_eq!(mine["filter"]["view"], "mine", "{mine}");
    let mut listed = ids(&mine);
    listed.sort_unstable();
    assert_eq!(listed, work, "{mine}");
    let (_, offers) = ann.get("/me/inbox?view=offered").await;
    assert!(ids(&offers).is_empty(), "{offers}");
    for (channel, want) in [("email", work[0]), ("chat", work[1]), ("callback", work[2])] {
        let (_, v) = ann.get(&format!("/me/inbox?channel={channel}")).await;
        assert_eq!(ids(&v), [want], "{channel}: {v}");
    }
    let (st, v) = ann.get("/me/inbox?view=everything").await;
    assert_eq!(st, 422, "an unknown view: {v}");

    // Work waiting in her queues, while she is not ready for it.
    let (st, p) = ann
        .put("/me/presence", json!({"ready": false, "reason": "Break"}))
        .await;
    assert_eq!(st, 200, "{p}");
    let waiting = create(
        &api,
        "/activities",
        json!({"customer_id": customer, "channel": "chat", "subject": "Anyone there?",
               "queue_id": queue}),
    )
    .await;
    let v = until("the waiting chat", || async {
        let (_, v) = ann.get("/me/inbox?view=waiting").await;
        (ids(&v) == [waiting]).then_some(v)
    })
    .await;
    assert_eq!(v["lines"][0]["status"], "queued", "{v}");
    let (_, v) = ann.get("/me/inbox?view=waiting&channel=email").await;
    assert!(ids(&v).is_empty(), "{v}");

    // Saved views, by name.
    let (st, v) = ann
        .post(
            "/me/views",
            json!({"name": "Calls", "view": "mine", "channel": "callback"}),
        )
        .await;
    assert_eq!((st, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");
    let (st, v) = ann
        .post(
            "/me/views",
            json!({"name": "calls", "view": "waiting", "channel": "callback"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v[0]["view"], "waiting", "replaced by name: {v}");
    let (st, v) = ann
        .post("/me/views", json!({"name": " ", "view": "mine"}))
        .await;
    assert_eq!((st, v["field"].as_str()), (422, Some("name")), "{v}");
    let (st, v) = ann
        .post("/me/views", json!({"name": "x", "view": "all"}))
        .await;
    assert_eq!(st, 422, "{v}");
    let (_, v) = ann.get("/me/views").await;
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let (_, page) = ann.page("/inbox").await;
    assert!(
        page.contains("href=\"/inbox?view=waiting&#38;channel=callback\">calls</a>"),
        "the saved view is offered: {page}"
    );
    let (st, _) = ann.delete("/me/views/CALLS").await;
    assert_eq!(st, 204);
    let (st, v) = ann.delete("/me/views/calls").await;
    assert_eq!((st, v["code"].as_str()), (404, Some("not_found")), "{v}");

    // The pages: the list beside the open item; the next item after one is done.
    let (st, page) = ann.page("/inbox").await;
    assert_eq!(st, 200);
    for id in &work {
        assert!(
            page.contains(&format!("href=\"/inbox/{id}?view=mine\"")),
            "{id} is listed"
        );
    }
    let (st, page) = ann.page(&format!("/inbox/{}?view=mine", work[1])).await;
    assert_eq!(st, 200);
    assert!(page.contains("Chat about returns"), "the chat is open");
    assert!(
        page.contains(&format!(
            "data-activity=\"{}\" aria-current=\"true\"",
            work[1]
        )),
        "and marked in the list"
    );
    assert!(
        page.contains("data-inbox=\"view=mine\""),
        "Send & Complete goes on in the inbox"
    );
    let (st, a) = ann
        .post(
            &format!("/activities/{}/actions", work[1]),
            json!({"action": "complete"}),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let shown = work
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let (st, page) = ann
        .page(&format!(
            "/inbox/next?view=mine&after={}&shown={shown}",
            work[1]
        ))
        .await;
    assert_eq!(st, 200);
    assert!(
        page.contains(&format!(
            "data-activity=\"{}\" aria-current=\"true\"",
            work[2]
        )),
        "the callback that followed the chat is open"
    );
    // The waiting view lists work to take, not to open.
    let (_, page) = ann.page("/inbox?view=waiting").await;
    assert!(
        page.contains(&format!("data-action=\"pull\" data-activity=\"{waiting}\"")),
        "{page}"
    );

    // Another department's agent finds none of it.
    let other = create(&api, "/departments", json!({"name": "Elsewhere"})).await;
    create(
        &api,
        "/users",
        json!({"department_id": other, "email": "olga@example.org", "name": "Olga",
               "role": "agent", "password": PASSWORD}),
    )
    .await;
    let olga = Api::login(&server, "olga@example.org", PASSWORD).await;
    let (st, _) = olga.page(&format!("/inbox/{}", work[0])).await;
    assert_eq!(st, 404);
    let (_, v) = olga.get("/me/inbox?view=waiting").await;
    assert!(ids(&v).is_empty(), "{v}");
}

#[tokio::test]
async fn one_inbox_on_sqlite() {
    story(Server::sqlite()).await;
}

#[tokio::test]
async fn one_inbox_on_postgres() {
    let Some(server) = Server::postgres().await else {
        return;
    };
    story(server).await;
}
