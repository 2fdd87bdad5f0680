//! Faults: the server SIGKILLed in the middle of a 5,000-message backlog stores every message
//! exactly once after a restart; Dovecot and the SMTP server stopped mid-run and brought back:
//! nothing lost, nothing sent twice; a mailbox whose UIDs all change (new UIDVALIDITY) stores
//! nothing twice.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::Api;
use common::blobs::{collect_and_check, pack_count};
use common::mail::*;
use serde_json::json;
use switchboard_testkit::require_or_skip;

const BACKLOG: usize = 5_000;

#[tokio::test]
async fn sigkill_mid_backlog_stores_everything_exactly_once() {
    if !require_or_skip("dovecot") {
        return;
    }
    let mut w = World::start(false, &[("SWITCHBOARD_MAIL_FETCH_BATCH", "50")]).await;
    w.dovecot.deliver_many(
        "support",
        (0..BACKLOG).map(|i| {
            message(
                &format!("c{}@customer.test", i % 300),
                "support@acme.test",
                &format!("Backlog {i}"),
                &format!("b{i}@customer.test"),
                "",
                "A message in a backlog.",
            )
        }),
    );
    let inc = json!({"protocol": "imap", "port": w.dovecot.imap_port(), "security": "none"});
    let a = w.alias("support@acme.test", inc).await;
    let query = format!("alias_id={}", a["id"]);

    // Kill it while the backlog is being taken in.
    wait_emails(&w.api, &query, 300, Duration::from_secs(120)).await;
    w.server.kill();
    let server = common::Server::start_in(w.dir.path().to_path_buf(), w.server.env.clone());
    let api = Api {
        base: server.url.clone(),
        http: reqwest::Client::new(),
        token: w.api.token.clone(),
    };
    wait_for("the whole backlog", Duration::from_secs(300), || async {
        (all_emails(&api, &query).await.len() >= BACKLOG).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stored = all_emails(&api, &query).await;
    assert_eq!(stored.len(), BACKLOG, "every message stored once");
    let ids: HashSet<&str> = stored
        .iter()
        .map(|e| e["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), BACKLOG, "no message stored twice");
    let activities: HashSet<i64> = stored
        .iter()
        .map(|e| e["activity_id"].as_i64().unwrap())
        .collect();
    assert_eq!(activities.len(), BACKLOG, "one activity per message");

    // Messages in flight when the process died were written again into new packs after the
    // restart: the collector removes the orphans and nothing in use.
    let data = w.dir.path();
    let before = pack_count(data);
    let swept = collect_and_check(data, &server.env);
    let after = pack_count(data);
    eprintln!("packs: {before} before the collector, {after} after; {swept}");
    for e in stored.iter().step_by(25) {
        let (st, raw) = api.bytes(&format!("/emails/{}/raw", e["id"])).await;
        assert_eq!(st, 200, "{e}");
        assert!(!raw.is_empty());
    }
}

#[tokio::test]
async fn a_new_uidvalidity_stores_nothing_twice() {
    if !require_or_skip("dovecot") {
        return;
    }
    let mut w = World::start(false, &[]).await;
    let deliver = |i: usize, d: &switchboard_testkit::Dovecot| {
        d.deliver(
            "support",
            &message(
                "dan@customer.test",
                "support@acme.test",
                &format!("Renumbered {i}"),
                &format!("u{i}@customer.test"),
                "",
                "x",
            ),
        );
    };
    for i in 0..3 {
        deliver(i, &w.dovecot);
    }
    let inc = json!({"protocol": "imap", "port": w.dovecot.imap_port(), "security": "none"});
    let a = w.alias("support@acme.test", inc).await;
    let query = format!("alias_id={}", a["id"]);
    wait_emails(&w.api, &query, 3, Duration::from_secs(60)).await;
    let before = w.dovecot.uid_validity("support");
    assert!(before.is_some(), "Dovecot has numbered the mailbox");

    // The server renumbers the mailbox while one more message arrives.
    w.dovecot.forget_uids("support");
    deliver(3, &w.dovecot);
    wait_emails(&w.api, &query, 4, Duration::from_secs(60)).await;
    let after = w.dovecot.uid_validity("support");
    assert!(after.is_some() && after != before, "{before:?} → {after:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = emails(&w.api, &query).await;
    let ids: HashSet<&str> = all
        .iter()
        .map(|e| e["message_id"].as_str().unwrap())
        .collect();
    assert_eq!((all.len(), ids.len()), (4, 4), "each message stored once");
}

#[tokio::test]
async fn mail_servers_stopped_mid_run_lose_nothing_and_send_nothing_twice() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let mut w = World::start(true, &[]).await;
    let inc = json!({"protocol": "imap", "port": w.dovecot.imap_port(), "security": "starttls"});
    let a = w.alias("support@acme.test", inc).await;
    let World {
        dovecot, sink, api, ..
    } = &mut w;
    let sink = sink.as_mut().unwrap();
    let query = format!("alias_id={}&direction=inbound", a["id"]);
    let deliver = |from: usize, to: usize, d: &switchboard_testkit::Dovecot| {
        for i in from..to {
            d.deliver(
                "support",
                &message(
                    "carol@customer.test",
                    "support@acme.test",
                    &format!("Fault {i}"),
                    &format!("f{i}@customer.test"),
                    "",
                    "x",
                ),
            );
        }
    };
    deliver(0, 20, dovecot);
    let first = wait_emails(api, &query, 20, Duration::from_secs(60)).await;

    // The SMTP server goes away: replies wait in the outbox.
    sink.stop();
    for e in &first {
        let (st, r) = api
            .post(
                &format!("/activities/{}/reply", e["activity_id"]),
                json!({"text": "On it"}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
    }
    // Dovecot goes away too, with mail arriving meanwhile (delivered straight to the Maildir).
    dovecot.stop();
    deliver(20, 40, dovecot);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(emails(api, &query).await.len(), 20);
    let (_, services) = api.get("/system/services").await;
    assert!(
        services["dispatcher"]["counters"]["retried"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{services}"
    );

    // Both come back: everything arrives, once.
    dovecot.start_again();
    sink.start_again();
    let all = wait_emails(api, &query, 40, Duration::from_secs(120)).await;
    assert_eq!(all.len(), 40);
    wait_for(
        "all 20 replies delivered",
        Duration::from_secs(120),
        || async { (sink.count() >= 20).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.count(), 20, "no reply sent twice");
    let ids: HashSet<String> = message_ids(dovecot, "carol").into_iter().collect();
    assert_eq!(ids.len(), 20);
}
