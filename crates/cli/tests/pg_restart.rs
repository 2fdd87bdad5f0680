//! PostgreSQL restarted under load, for real: a server of the test's own is stopped (a fast
//! shutdown: connections closed, transactions under way rolled back) while a backlog of mail is
//! being fetched, and again while replies are being sent. The node's health says the database
//! is gone, its services stop and resume once it is back, every message is stored once and
//! every reply reaches the SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::mail::*;
use serde_json::{Value, json};
use switchboard_testkit::{Postgres, require_or_skip};

const MAILS: usize = 200;

async fn health(url: &str) -> (u16, Value) {
    match reqwest::get(format!("{url}/healthz")).await {
        Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
        Err(_) => (0, Value::Null),
    }
}

/// Every stored inbound email, checked to hold each Message-ID once.
async fn stored_once(w: &World, n: usize) -> Vec<Value> {
    let mails = wait_emails(&w.api, "direction=inbound", n, Duration::from_secs(120)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = all_emails(&w.api, "direction=inbound").await;
    let ids: HashSet<&str> = all
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    assert_eq!((all.len(), ids.len()), (n, n), "each message stored once");
    mails
}

/// Stops the database for a few seconds: the node says so and keeps its services quiet, then
/// picks up again.
async fn outage(w: &World, pg: &mut Postgres) {
    pg.stop();
    let (st, h) = wait_for("the node notices", Duration::from_secs(20), || async {
        let (st, h) = health(&w.server.url).await;
        (st == 503).then_some((st, h))
    })
    .await;
    assert_eq!(
        (st, h["status"].as_str()),
        (503, Some("database_unavailable"))
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    pg.start_again();
    wait_for(
        "the node is healthy again",
        Duration::from_secs(60),
        || async { (health(&w.server.url).await.0 == 200).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn a_database_restart_under_load_loses_nothing() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd") && require_or_skip("postgres")) {
        return;
    }
    let mut pg = Postgres::start();
    let url = pg.url();
    let w = World::start(
        true,
        &[
            ("SWITCHBOARD_DATABASE_URL", url.as_str()),
            ("SWITCHBOARD_CLUSTER_LEASE_SECS", "3"),
        ],
    )
    .await;
    w.support_alias(w.queue).await;
    w.dovecot.deliver_many(
        "support",
        (0..MAILS).map(|i| {
            message(
                "carol@customer.test",
                "support@acme.test",
                &format!("Question {i}"),
                &format!("r{i}@customer.test"),
                "",
                "Hello",
            )
        }),
    );
    wait_emails(&w.api, "direction=inbound", 20, Duration::from_secs(60)).await;
    outage(&w, &mut pg).await;
    let mails = stored_once(&w, MAILS).await;

    // Replies to all; the database goes away again mid-dispatch.
    for m in &mails {
        let (st, r) = w
            .api
            .post(
                &format!("/activities/{}/reply", m["activity_id"]),
                json!({"text": "Thanks, sorted"}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
    }
    let sink = w.sink.as_ref().unwrap();
    wait_for("dispatch under way", Duration::from_secs(60), || async {
        (sink.count() >= 10).then_some(())
    })
    .await;
    outage(&w, &mut pg).await;
    wait_for(
        "every reply delivered",
        Duration::from_secs(180),
        || async { (sink.count() >= MAILS).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let delivered = message_ids(&w.dovecot, "carol");
    let distinct: HashSet<&String> = delivered.iter().collect();
    assert_eq!(distinct.len(), MAILS, "every reply reached the SMTP server");
    eprintln!(
        "replies: {MAILS}, delivered: {}, duplicates: {}",
        delivered.len(),
        delivered.len() - distinct.len()
    );
    // The services run here again (their leases taken back; one whose last try to take it
    // timed out while the node was busy tries again a moment later), nothing left failing.
    const SERVICES: [&str; 4] = ["router", "dispatcher", "retriever.alias.1", "alarms"];
    let running = |s: &Value| {
        s["node"].is_string()
            && !["standby", "stopped", "failed"].contains(&s["state"].as_str().unwrap_or(""))
    };
    let services = wait_for(
        "every service running here again",
        Duration::from_secs(60),
        || async {
            let (_, services) = w.api.get("/system/services").await;
            SERVICES
                .iter()
                .all(|name| running(&services[name]))
                .then_some(services)
        },
    )
    .await;
    for name in SERVICES {
        let s = &services[name];
        assert!(running(s), "{name}: {s}");
        assert_eq!(s["failures"], 0, "{name}: {s}");
    }
}
