//! Reliability of the dispatcher with a real SMTP server: replies outlive an outage longer than
//! the old attempt limit (a shortened clock stands for hours) and are delivered once, while a
//! supervisor sees them waiting with the last error; a reply still failing when its lifetime
//! ends becomes a delivery exception; two processes dispatching from one PostgreSQL database
//! send each reply exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::mail::*;
use common::{Api, Server};
use serde_json::{Value, json};
use switchboard_testkit::require_or_skip;

/// Delivers `n` customer messages to the support mailbox and waits until they are stored.
async fn inbound(w: &World, alias: i64, n: usize) -> Vec<Value> {
    w.dovecot.deliver_many(
        "support",
        (0..n).map(|i| {
            message(
                "carol@customer.test",
                "support@acme.test",
                &format!("Question {i}"),
                &format!("q{i}@customer.test"),
                "",
                "Hello",
            )
        }),
    );
    wait_emails(
        &w.api,
        &format!("alias_id={alias}&direction=inbound"),
        n,
        Duration::from_secs(120),
    )
    .await
}

async fn reply(api: &Api, email: &Value, text: &str) {
    let (st, r) = api
        .post(
            &format!("/activities/{}/reply", email["activity_id"]),
            json!({"text": text}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
}

#[tokio::test]
async fn replies_outlive_an_outage_longer_than_the_old_attempt_limit() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    // A clock shortened 30-fold at first and 3,600-fold later: a second between attempts.
    let env = [
        ("SWITCHBOARD_MAIL_RETRY_BASE_SECS", "1"),
        ("SWITCHBOARD_MAIL_RETRY_MAX_SECS", "1"),
    ];
    let mut w = World::start(true, &env).await;
    let alias = w.support_alias(w.queue).await;
    let mails = inbound(&w, alias, 3).await;
    w.sink.as_mut().unwrap().stop();
    for m in &mails {
        reply(&w.api, m, "We are on it").await;
    }
    // The old rule gave up after 10 attempts (about 2.8 hours at 30 s doubling to an hour).
    let waiting = wait_for(
        "replies retried past the old limit",
        Duration::from_secs(90),
        || async {
            let (st, page) = w.api.get("/outbox/retrying").await;
            assert_eq!(st, 200, "{page}");
            let items = page["items"].as_array().cloned().unwrap_or_default();
            (items.len() == 3 && items.iter().all(|i| i["attempts"].as_u64().unwrap() >= 12))
                .then_some(items)
        },
    )
    .await;
    assert!(
        waiting
            .iter()
            .all(|i| !i["last_error"].as_str().unwrap().is_empty()),
        "{waiting:?}"
    );
    let (_, exceptions) = w.api.get("/delivery-exceptions").await;
    assert_eq!(exceptions["items"], json!([]), "nothing given up");
    // The supervisor's console shows them with the last error.
    let (st, html) = w.api.page("/supervisor/outbox").await;
    assert_eq!(st, 200);
    assert!(html.contains("Re: Question 0"), "{html}");
    // The error as written, up to the first character HTML would escape.
    let error = waiting[0]["last_error"].as_str().unwrap();
    let plain: String = error
        .chars()
        .take_while(|c| !matches!(c, '&' | '<' | '>' | '"' | '\''))
        .collect();
    assert!(
        plain.len() >= 8 && html.contains(&plain),
        "{error} in {html}"
    );

    // A supervisor sees their own department's replies only; another department does not exist
    // for them.
    let supervisor = |dept: i64, email: &'static str| {
        json!({"department_id": dept, "email": email, "name": "Sue", "role": "supervisor",
               "password": "correct horse battery staple"})
    };
    let (st, other) = w.api.post("/departments", json!({"name": "Legal"})).await;
    assert_eq!(st, 201, "{other}");
    for (dept, email) in [
        (w.dept, "sue@acme.test"),
        (other["id"].as_i64().unwrap(), "leo@acme.test"),
    ] {
        let (st, u) = w.api.post("/users", supervisor(dept, email)).await;
        assert_eq!(st, 201, "{u}");
    }
    let own = Api::login(&w.server, "sue@acme.test", "correct horse battery staple").await;
    let (_, page) = own.get("/outbox/retrying").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3, "{page}");
    let outsider = Api::login(&w.server, "leo@acme.test", "correct horse battery staple").await;
    let (st, page) = outsider.get("/outbox/retrying").await;
    assert_eq!((st, page["items"].clone()), (200, json!([])), "{page}");
    let (st, e) = outsider
        .get(&format!("/outbox/retrying?department_id={}", w.dept))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("department_id")),
        "{e}"
    );
    let (st, html) = outsider.page("/supervisor/outbox").await;
    assert!(st == 200 && !html.contains("Re: Question 0"), "{html}");
    // The services (every alias's worker) are the administrators' only.
    for path in ["/admin/services", "/ui/admin/services"] {
        assert_eq!(own.page(path).await.0, 403, "{path}");
    }

    w.sink.as_mut().unwrap().start_again();
    let sink = w.sink.as_ref().unwrap();
    wait_for("3 replies delivered", Duration::from_secs(60), || async {
        (sink.count() >= 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.count(), 3, "each reply delivered once");
    let (_, page) = w.api.get("/outbox/retrying").await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn a_reply_still_failing_when_its_lifetime_ends_is_a_delivery_exception() {
    if !require_or_skip("dovecot") {
        return;
    }
    let env = [
        ("SWITCHBOARD_MAIL_RETRY_BASE_SECS", "1"),
        ("SWITCHBOARD_MAIL_RETRY_MAX_SECS", "1"),
        ("SWITCHBOARD_MAIL_SEND_LIFETIME_SECS", "4"),
    ];
    // No SMTP server: the alias sends to a closed port.
    let w = World::start(false, &env).await;
    let alias = w.support_alias(w.queue).await;
    let mails = inbound(&w, alias, 1).await;
    reply(&w.api, &mails[0], "We are on it").await;
    let exception = wait_for("the reply given up", Duration::from_secs(60), || async {
        let (_, page) = w.api.get("/delivery-exceptions").await;
        page["items"].as_array().and_then(|i| i.first().cloned())
    })
    .await;
    let reason = exception["reason"].as_str().unwrap();
    assert!(reason.contains("over 4 seconds"), "{exception}");
    let (_, page) = w.api.get("/outbox/retrying").await;
    assert_eq!(page["items"], json!([]), "no longer retried");
}

#[tokio::test]
async fn two_processes_on_one_postgres_send_each_reply_once() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    const REPLIES: usize = 500;
    let Some(url) = common::postgres_database().await else {
        return;
    };
    // The first process takes the mail in and queues the replies; it sends nothing.
    let env = [
        ("SWITCHBOARD_DATABASE_URL", url.as_str()),
        ("SWITCHBOARD_MAIL_DISPATCHER", "false"),
    ];
    let w = World::start(true, &env).await;
    let alias = w.support_alias(w.queue).await;
    let mails = inbound(&w, alias, REPLIES).await;
    for m in &mails {
        reply(&w.api, m, "Thanks, sorted").await;
    }
    // Two more processes on the same database start at once and both dispatch; each start puts
    // back only claims that ran out, never the other's.
    let node = |name: &str| {
        let dir = w.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(w.server.data_dir.join("secret.key"), dir.join("secret.key")).unwrap();
        let env = vec![
            ("SWITCHBOARD_DATABASE_URL".to_string(), url.clone()),
            (
                "SWITCHBOARD_MAIL_RETRIEVER".to_string(),
                "false".to_string(),
            ),
            (
                "SWITCHBOARD_MAIL_EXTRA_CA_FILE".to_string(),
                w.dovecot.ca_pem_path().display().to_string(),
            ),
        ];
        std::thread::spawn(move || Server::start_in(dir, env))
    };
    let (b, c) = (node("b"), node("c"));
    let (_b, _c) = (b.join().unwrap(), c.join().unwrap());
    let sink = w.sink.as_ref().unwrap();
    wait_for(
        "every reply delivered",
        Duration::from_secs(180),
        || async { (sink.count() >= REPLIES).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.count(), REPLIES, "no reply sent twice");
    let ids: HashSet<String> = message_ids(&w.dovecot, "carol").into_iter().collect();
    assert_eq!(ids.len(), REPLIES);
}
