//! A department's wrap-up rule against the real binary: once it requires a category, work is
//! completed only with one — by the life-cycle action and by Send & Complete alike — and the
//! rule is the department's alone. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Api, Server};
use serde_json::json;

async fn story(server: Server) {
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let path = format!("/departments/{dept}/wrap-up-settings");
    let (st, v) = api.get(&path).await;
    assert_eq!((st, v["required"].as_bool()), (200, Some(false)), "{v}");
    let (st, v) = api.put(&path, json!({"required": "yes"})).await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = api.put(&path, json!({"required": true})).await;
    assert_eq!((st, v["required"].as_bool()), (200, Some(true)), "{v}");
    let (_, c) = api
        .post(
            "/customers",
            json!({"department_id": dept, "name": "Carol",
                   "contact_points": [{"kind": "email", "value": "carol@customer.test"}]}),
        )
        .await;
    let (_, a) = api
        .post(
            "/activities",
            json!({"customer_id": c["id"], "channel": "inbound_email", "subject": "Refund"}),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let (_, me) = api.get("/auth/me").await;
    let act = format!("/activities/{id}/actions");
    let (st, v) = api
        .post(
            &act,
            json!({"action": "assign", "agent_id": me["user"]["id"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api.post(&act, json!({"action": "complete"})).await;
    assert_eq!((st, v["field"].as_str()), (422, Some("category_id")), "{v}");
    let (st, v) = api
        .post(
            &format!("/activities/{id}/reply"),
            json!({"text": "Done.", "complete": true}),
        )
        .await;
    assert_eq!((st, v["field"].as_str()), (422, Some("category_id")), "{v}");
    let (_, k) = api
        .post(
            "/categories",
            json!({"department_id": dept, "name": "Refunds"}),
        )
        .await;
    let (st, v) = api
        .post(
            &format!("/activities/{id}/wrap-up"),
            json!({"category_id": k["id"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api.post(&act, json!({"action": "complete"})).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("completed")), "{v}");
    // Another department keeps its own rule.
    let (_, other) = api.post("/departments", json!({"name": "Elsewhere"})).await;
    let (_, v) = api
        .get(&format!("/departments/{}/wrap-up-settings", other["id"]))
        .await;
    assert_eq!(v["required"], false, "{v}");
}

#[tokio::test]
async fn wrap_up_rule_on_sqlite() {
    story(Server::sqlite()).await;
}

#[tokio::test]
async fn wrap_up_rule_on_postgres() {
    if let Some(server) = Server::postgres().await {
        story(server).await;
    }
}
