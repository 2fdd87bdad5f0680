//! Internal notes on cases against the real binary: a supervisor writes one mentioning the
//! agent who holds the case's work (she is told on her event stream, with the case), the agent
//! adds hers, a colleague without work on the case may read but not write, bad notes are
//! refused by name, the case page shows them as text, and another department finds none of it.
//! On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::{Api, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

async fn create(api: &Api, path: &str, body: Value) -> i64 {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

async fn user(api: &Api, dept: i64, name: &str, role: &str) -> i64 {
    create(
        api,
        "/users",
        json!({"department_id": dept, "email": format!("{name}@example.org"), "name": name,
               "role": role, "password": PASSWORD}),
    )
    .await
}

/// Reads the event stream until a `mentioned` notice arrives; its data.
async fn mentioned(stream: &mut reqwest::Response) -> Value {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            if frame.contains("event: mentioned") {
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .unwrap()
                    .trim();
                return serde_json::from_str(data).unwrap();
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("no mentioned notice")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn story(server: Server) {
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let ann_id = user(&api, dept, "ann", "agent").await;
    user(&api, dept, "bob", "agent").await;
    user(&api, dept, "sam", "supervisor").await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol",
               "contact_points": [{"kind": "email", "value": "carol@customer.test"}]}),
    )
    .await;
    let activity = create(
        &api,
        "/activities",
        json!({"customer_id": customer, "channel": "inbound_email", "subject": "Refund"}),
    )
    .await;
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    let case = a["case_id"].as_i64().unwrap();
    let (st, v) = api
        .post(
            &format!("/activities/{activity}/actions"),
            json!({"action": "assign", "agent_id": ann_id}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let ann = Api::login(&server, "ann@example.org", PASSWORD).await;
    let bob = Api::login(&server, "bob@example.org", PASSWORD).await;
    let sam = Api::login(&server, "sam@example.org", PASSWORD).await;
    let mut stream = ann
        .http
        .get(format!("{}/api/v1/me/events", ann.base))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let notes = format!("/cases/{case}/notes");

    // The supervisor's note mentions Ann: she is told, with the case.
    let (st, n) = sam
        .post(
            &notes,
            json!({"text": "@ann@example.org she wants <b>cash</b>, call her."}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    assert_eq!(n["mentions"], json!([ann_id]), "{n}");
    assert_eq!(n["case_id"], case, "{n}");
    let told = mentioned(&mut stream).await;
    assert_eq!(
        (told["case"].as_i64(), told["reason"].as_str()),
        (Some(case), Some("sam")),
        "{told}"
    );

    // Ann holds work on the case and adds hers; Bob does not, and may only read.
    let (st, v) = ann
        .post(&notes, json!({"text": "Called; refund by transfer."}))
        .await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = bob.post(&notes, json!({"text": "Me too"})).await;
    assert_eq!((st, v["code"].as_str()), (403, Some("forbidden")), "{v}");
    let (st, list) = bob.get(&notes).await;
    assert_eq!(st, 200, "{list}");
    let texts: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "@ann@example.org she wants <b>cash</b>, call her.",
            "Called; refund by transfer."
        ]
    );

    // Bad notes are refused by name, and nothing is kept.
    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "ask @nobody@example.org"}), "text"),
    ] {
        let (st, v) = sam.post(&notes, body.clone()).await;
        assert_eq!((st, v["field"].as_str()), (422, Some(field)), "{body}: {v}");
    }
    let (st, v) = sam.post(&notes, json!({"note": "x"})).await;
    assert_eq!(st, 422, "{v}");
    let (_, list) = api.get(&notes).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");

    // The case page: the notes as text, the form for those who may write.
    let (st, page) = ann.page(&format!("/cases/{case}")).await;
    assert_eq!(st, 200);
    assert!(
        page.contains("she wants &#60;b&#62;cash&#60;/b&#62;"),
        "escaped: {page}"
    );
    assert!(
        page.contains("data-action=\"add-note\" data-case="),
        "Ann may write"
    );
    assert!(
        page.contains(&format!("href=\"/activities/{activity}\"")),
        "her work opens"
    );
    let (st, page) = bob.page(&format!("/cases/{case}")).await;
    assert_eq!(st, 200);
    assert!(!page.contains("data-action=\"add-note\""), "Bob reads only");
    assert!(
        !page.contains(&format!("href=\"/activities/{activity}\"")),
        "not his work"
    );

    // Another department's supervisor finds none of it.
    let other = create(&api, "/departments", json!({"name": "Elsewhere"})).await;
    user(&api, other, "olga", "supervisor").await;
    let olga = Api::login(&server, "olga@example.org", PASSWORD).await;
    let (st, _) = olga.get(&notes).await;
    assert_eq!(st, 404);
    let (st, _) = olga.post(&notes, json!({"text": "planted"})).await;
    assert_eq!(st, 404);
    let (st, _) = olga.page(&format!("/cases/{case}")).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn case_notes_on_sqlite() {
    story(Server::sqlite()).await;
}

#[tokio::test]
async fn case_notes_on_postgres() {
    let Some(server) = Server::postgres().await else {
        return;
    };
    story(server).await;
}
