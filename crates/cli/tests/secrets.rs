//! System test of mail server secrets: at the `trace` log level the server's log holds no
//! mail password (the IMAP `LOGIN` line is never logged), and a stored password never follows an
//! alias to another server: changing its host or port needs the password again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::{World, message, wait_emails};
use serde_json::json;

const MAILBOX_PASSWORD: &str = "Kx7-mailbox-pass-9Qz";

#[tokio::test]
async fn traces_hold_no_password_and_a_password_stays_with_its_server() {
    // Trace for the mail protocols, debug for the HTTP requests (proof that the filter is in
    // force); not for every crate, so the test's output stays readable.
    let level = "info,async_imap=trace,imap_proto=trace,lettre=trace,switchboard_mail=trace,\
                 tower_http=debug";
    let w = World::start(true, &[("SWITCHBOARD_LOG_LEVEL", level)]).await;
    w.dovecot.add_user("vault", MAILBOX_PASSWORD);
    let inc = json!({"protocol": "imap", "host": "127.0.0.1", "port": w.dovecot.imap_port(),
                     "security": "starttls", "username": "vault", "poll_secs": 1});
    let (st, alias) = w
        .api
        .post(
            "/aliases",
            json!({"department_id": w.dept, "address": "vault@acme.test", "queue_id": w.queue,
                   "incoming": inc, "incoming_password": MAILBOX_PASSWORD,
                   "outgoing": {"host": "127.0.0.1", "port": 9, "security": "none"}}),
        )
        .await;
    assert_eq!(st, 201, "{alias}");
    let id = alias["id"].as_i64().unwrap();
    w.dovecot.deliver(
        "vault",
        &message(
            "carol@example.com",
            "vault@acme.test",
            "Hello",
            "s1@example.com",
            "",
            "Hi",
        ),
    );
    wait_emails(
        &w.api,
        &format!("alias_id={id}"),
        1,
        Duration::from_secs(30),
    )
    .await;

    // The log was written at trace level, and holds no password.
    let log = std::fs::read_to_string(w.dir.path().join("logs").join("switchboard.log")).unwrap();
    assert!(
        log.contains("\"level\":\"TRACE\"") || log.contains("\"level\":\"DEBUG\""),
        "trace was on"
    );
    assert!(
        !log.contains(MAILBOX_PASSWORD),
        "the mailbox password is in the log"
    );
    assert!(!log.contains("LOGIN"), "an IMAP LOGIN line is in the log");

    // Another host or port without the password again: refused; with it: accepted.
    let mut elsewhere = alias["incoming"].clone();
    elsewhere["host"] = "localhost".into();
    let (st, e) = w
        .api
        .put(
            &format!("/aliases/{id}"),
            json!({"version": alias["version"], "incoming": elsewhere}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("incoming_password")),
        "{e}"
    );
    let mut port = alias["incoming"].clone();
    port["port"] = (w.dovecot.imaps_port()).into();
    port["security"] = "tls".into();
    let (st, e) = w
        .api
        .put(
            &format!("/aliases/{id}"),
            json!({"version": alias["version"], "incoming": port}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("incoming_password")),
        "{e}"
    );
    let mut same = alias["incoming"].clone();
    same["poll_secs"] = 2.into();
    let (st, e) = w
        .api
        .put(
            &format!("/aliases/{id}"),
            json!({"version": alias["version"], "incoming": same}),
        )
        .await;
    assert_eq!(
        st, 200,
        "other settings of the same server need no password: {e}"
    );
    let (st, e) = w
        .api
        .put(
            &format!("/aliases/{id}"),
            json!({"version": e["version"], "incoming": elsewhere, "incoming_password": MAILBOX_PASSWORD}),
        )
        .await;
    assert_eq!(st, 200, "{e}");
}
