//! Customers across channels against the real binary: a supervisor searches the department by
//! name, address, number and id; merges the record a callback created (by number) into the one
//! an email created (by address) — contact points, cases and activities move, every moved
//! activity records `customer_merged`, the duplicate is gone — and the customer page shows the
//! work of both channels. Agents neither search everything nor merge; another department's
//! customers are found by nobody here. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Api, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

async fn create(api: &Api, path: &str, body: Value) -> Value {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "{path}: {v}");
    v
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

async fn story(server: Server) {
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let other = create(&api, "/departments", json!({"name": "Elsewhere"})).await["id"]
        .as_i64()
        .unwrap();
    for (email, role, d) in [
        ("sam@acme.test", "supervisor", dept),
        ("ann@acme.test", "agent", dept),
    ] {
        create(
            &api,
            "/users",
            json!({"department_id": d, "email": email, "name": email, "role": role,
                   "password": PASSWORD}),
        )
        .await;
    }
    let sam = Api::login(&server, "sam@acme.test", PASSWORD).await;
    let ann = Api::login(&server, "ann@acme.test", PASSWORD).await;
    // The same person: an email customer and a callback customer; and a stranger elsewhere.
    let by_mail = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol Customer",
               "contact_points": [{"kind": "email", "value": "carol@customer.test"}],
               "attributes": {"tier": "gold"}}),
    )
    .await;
    let by_phone = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol",
               "contact_points": [{"kind": "phone", "value": "+14155552671"}],
               "attributes": {"tier": "silver", "city": "Oslo"}}),
    )
    .await;
    let stranger = create(
        &api,
        "/customers",
        json!({"department_id": other, "name": "Carol Elsewhere",
               "contact_points": [{"kind": "email", "value": "carol@elsewhere.test"}]}),
    )
    .await;
    let (keep, dup) = (
        by_mail["id"].as_i64().unwrap(),
        by_phone["id"].as_i64().unwrap(),
    );
    let mail_work = create(
        &api,
        "/activities",
        json!({"customer_id": keep, "channel": "inbound_email", "subject": "Invoice 42 is wrong"}),
    )
    .await;
    let call_work = create(
        &api,
        "/activities",
        json!({"customer_id": dup, "channel": "callback", "subject": "Call me about invoice 42"}),
    )
    .await;

    // Search: by name, address, number, subject and id — within the supervisor's department.
    let sam_scope = |q: &str| {
        let encoded: String = q
            .chars()
            .map(|c| match c {
                ' ' => "%20".to_string(),
                '+' => "%2B".to_string(),
                '#' => "%23".to_string(),
                '%' => "%25".to_string(),
                '&' => "%26".to_string(),
                c => c.to_string(),
            })
            .collect();
        format!("/search?q={encoded}")
    };
    let (st, found) = sam.get(&sam_scope("carol")).await;
    assert_eq!(st, 200, "{found}");
    let mut customers = ids(&found["customers"]);
    customers.sort_unstable();
    assert_eq!(
        customers,
        vec![keep, dup],
        "not the stranger elsewhere: {found}"
    );
    assert!(!ids(&found["customers"]).contains(&stranger["id"].as_i64().unwrap()));
    let (_, found) = sam.get(&sam_scope("(415) 555-2671")).await;
    assert_eq!(ids(&found["customers"]), vec![dup], "{found}");
    let (_, found) = sam.get(&sam_scope("carol@customer.test")).await;
    assert_eq!(ids(&found["customers"]), vec![keep], "{found}");
    let (_, found) = sam.get(&sam_scope("invoice 42")).await;
    assert_eq!(ids(&found["activities"]).len(), 2, "{found}");
    assert_eq!(ids(&found["cases"]).len(), 2, "{found}");
    let (_, found) = sam.get(&sam_scope(&format!("#{}", call_work["id"]))).await;
    assert_eq!(
        ids(&found["activities"]),
        vec![call_work["id"].as_i64().unwrap()]
    );
    let (_, found) = sam.get(&sam_scope("50%")).await;
    assert!(ids(&found["customers"]).is_empty(), "% is text: {found}");
    let (st, _) = ann.get(&sam_scope("carol")).await;
    assert_eq!(st, 403, "agents search their own work");

    // Merge the callback's record into the email's.
    let merge = format!("/customers/{keep}/merge");
    let (st, _) = ann
        .post(&merge, json!({"from_customer_id": dup, "version": 1}))
        .await;
    assert_eq!(st, 403, "agents do not merge");
    let (st, v) = sam
        .post(&merge, json!({"from_customer_id": keep, "version": 1}))
        .await;
    assert_eq!(
        (st, v["field"].as_str()),
        (422, Some("from_customer_id")),
        "{v}"
    );
    let (st, v) = sam
        .post(
            &merge,
            json!({"from_customer_id": stranger["id"], "version": 1}),
        )
        .await;
    assert_eq!(
        st, 422,
        "another department's customer is no such customer: {v}"
    );
    let (st, v) = sam
        .post(&merge, json!({"from_customer_id": dup, "version": 7}))
        .await;
    assert_eq!(st, 409, "a stale version: {v}");
    let (st, kept) = sam
        .post(&merge, json!({"from_customer_id": dup, "version": 1}))
        .await;
    assert_eq!(st, 200, "{kept}");
    let points: Vec<&str> = kept["contact_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        points,
        vec!["carol@customer.test", "+14155552671"],
        "{kept}"
    );
    assert_eq!(kept["attributes"]["tier"], "gold", "the kept one's win");
    assert_eq!(kept["attributes"]["city"], "Oslo", "the other's fill in");
    let (st, _) = api.get(&format!("/customers/{dup}")).await;
    assert_eq!(st, 404, "the duplicate is gone");
    let id = call_work["id"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(a["customer_id"].as_i64(), Some(keep), "{a}");
    let (_, case) = api.get(&format!("/cases/{}", a["case_id"])).await;
    assert_eq!(case["customer_id"].as_i64(), Some(keep), "{case}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    let merged = ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "customer_merged")
        .unwrap()
        .clone();
    assert_eq!(
        (
            merged["data"]["from_customer_id"].as_i64(),
            merged["data"]["into_customer_id"].as_i64()
        ),
        (Some(dup), Some(keep)),
        "{merged}"
    );
    assert_eq!(
        ev["items"][0]["kind"], "created",
        "earlier events stay: {ev}"
    );
    // The number now finds the kept customer.
    let (_, found) = sam.get(&sam_scope("+1 415 555 2671")).await;
    assert_eq!(ids(&found["customers"]), vec![keep], "{found}");

    // The customer page shows the work of both channels.
    let (st, html) = sam.page(&format!("/customers/{keep}")).await;
    assert_eq!(st, 200);
    for part in [
        "Invoice 42 is wrong",
        "Call me about invoice 42",
        "href=\"tel:+14155552671\"",
        "Merge a duplicate",
        &format!("#{}", mail_work["id"]),
    ] {
        assert!(html.contains(part), "{part} on the page");
    }
    let (st, html) = ann.page(&format!("/customers/{keep}")).await;
    assert_eq!(st, 200);
    assert!(!html.contains("Merge a duplicate"), "agents do not merge");
    let (st, _) = sam.page(&format!("/customers/{}", stranger["id"])).await;
    assert_eq!(st, 404, "outside the supervisor's department");
    let (st, html) = sam.page("/search?q=invoice").await;
    assert_eq!(st, 200);
    assert!(html.contains("Call me about invoice 42"));
}

#[tokio::test]
async fn customers_on_sqlite() {
    story(Server::sqlite()).await;
}

#[tokio::test]
async fn customers_on_postgres() {
    if let Some(server) = Server::postgres().await {
        story(server).await;
    }
}
