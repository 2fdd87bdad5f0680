//! The administrator's first-run checklist against the real binary, Dovecot and the SMTP server:
//! from an empty installation (only the first department) through group, agent, queue, alias and
//! answer to a first test mail taken in from the real mailbox, each step turning done as its
//! object appears.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::{World, message, wait_for};
use serde_json::json;

/// The steps the checklist shows as done.
async fn done(w: &World) -> Vec<String> {
    let (st, html) = w.api.page("/admin/setup").await;
    assert_eq!(st, 200);
    html.split("<li class=\"done\" data-step=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn from_an_empty_installation_to_a_first_test_mail() {
    if !(switchboard_testkit::require_or_skip("dovecot")
        && switchboard_testkit::require_or_skip("aiosmtpd"))
    {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    assert_eq!(done(&w).await, vec!["department"]);
    let (_, html) = api.page("/admin/setup").await;
    assert!(html.contains("1 of 7 steps done"), "{html}");
    assert!(html.contains("href=\"/admin/user-groups/new\""));

    let (st, ann) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "ann@acme.test", "name": "Ann Agent",
                   "role": "agent", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(st, 201, "{ann}");
    let (st, group) = api
        .post(
            "/user-groups",
            json!({"department_id": dept, "name": "Support", "members": [ann["id"]]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    assert_eq!(done(&w).await, vec!["department", "group", "agents"]);
    let (st, q) = api
        .post(
            "/queues",
            json!({"department_id": dept, "name": "Support",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    let (st, a) = api
        .post(
            "/articles",
            json!({"department_id": dept, "kind": "answer", "title": "Refunds",
                   "html": "<p>Refunds take five days.</p>"}),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    w.support_alias(q["id"].as_i64().unwrap()).await;
    assert_eq!(
        done(&w).await,
        vec!["department", "group", "agents", "queue", "alias", "answer"]
    );
    let (_, html) = api.page("/admin/setup").await;
    assert!(
        html.contains("Write to support@acme.test."),
        "the test mail's address"
    );

    // The first test mail, from the real mailbox.
    w.dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Test",
            "first@customer.test",
            "",
            "Hello?",
        ),
    );
    wait_for("the test mail", Duration::from_secs(30), || async {
        (done(&w).await.len() == 7).then_some(())
    })
    .await;
    let (_, html) = api.page("/admin/setup").await;
    assert!(html.contains("7 of 7 steps done"), "{html}");
}
