//! Reliability of the retriever, on SQLite and PostgreSQL, with real Dovecot: a legal message
//! holding NUL in its text (which PostgreSQL refuses) is stored; a message that fails every time
//! (a database trigger refuses it) is recorded as an exception after a few attempts and does not
//! hold the mailbox; a mail server that comes back after an outage is read again within seconds;
//! a frozen server (SIGSTOP) is noticed within a minute.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::mail::*;
use serde_json::json;
use switchboard_testkit::require_or_skip;

/// A message whose base64 text part decodes to `hello \0 world`, and whose HTML part holds NUL
/// too (legal MIME: base64 carries any bytes).
fn nul_message(n: usize, to: &str) -> Vec<u8> {
    format!(
        "From: Carol Customer <carol@customer.test>\r\nTo: {to}\r\nSubject: NUL {n}\r\n\
         Message-ID: <nul{n}@customer.test>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gACB3b3JsZA==\r\n\
         --b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGVsbG8gACB3b3JsZDwvcD4=\r\n\
         --b--\r\n"
    )
    .into_bytes()
}

fn plain(n: usize, subject: &str) -> Vec<u8> {
    plain_to(n, subject, "support@acme.test")
}

fn plain_to(n: usize, subject: &str, to: &str) -> Vec<u8> {
    message(
        "carol@customer.test",
        to,
        subject,
        &format!("r{n}@customer.test"),
        "",
        "Hello",
    )
}

async fn nul_text_is_stored(postgres: bool) {
    if !require_or_skip("dovecot") {
        return;
    }
    let w = if postgres {
        let Some(w) = World::start_on_postgres(false, &[]).await else {
            return;
        };
        w
    } else {
        World::start(false, &[]).await
    };
    w.dovecot.add_user("pop", "secret");
    let imap = w.support_alias(w.queue).await;
    let pop = alias(
        &w.api,
        w.dept,
        w.queue,
        "pop@acme.test",
        "pop",
        json!({"protocol": "pop3", "port": w.dovecot.pop3_port(), "security": "none", "disposition": {"action": "delete"}}),
        None,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    for n in 0..3 {
        w.dovecot
            .deliver("support", &nul_message(n, "support@acme.test"));
        w.dovecot
            .deliver("pop", &nul_message(10 + n, "pop@acme.test"));
    }
    // A normal message behind them proves the mailbox is not held.
    w.dovecot.deliver("support", &plain(100, "After the NULs"));
    w.dovecot
        .deliver("pop", &plain_to(101, "After the NULs", "pop@acme.test"));
    for (alias, n) in [(imap, 4), (pop, 4)] {
        let q = format!("alias_id={alias}");
        let stored = wait_emails(&w.api, &q, n, Duration::from_secs(60)).await;
        assert_eq!(stored.len(), n);
        for e in stored
            .iter()
            .filter(|e| e["subject"].as_str().unwrap().starts_with("NUL"))
        {
            assert_eq!(e["outcome"], "activity", "{e}");
            let text = e["text"].as_str().unwrap_or_default();
            assert!(text.contains("hello \u{FFFD} world"), "{e}");
            let (st, raw) = w.api.bytes(&format!("/emails/{}/raw", e["id"])).await;
            assert_eq!(st, 200);
            assert!(
                raw.windows(20).any(|x| x == b"aGVsbG8gACB3b3JsZA=="),
                "the raw message is kept byte-exact"
            );
        }
    }
    let status = alias_status(&w.api, imap).await;
    assert!(status["last_error"].is_null(), "{status}");
    // Through the API, NUL is refused with the field named (never a 500 from the database).
    let (st, r) = w
        .api
        .post(
            "/customers",
            json!({"department_id": w.dept, "name": "Carla\0", "contact_points": []}),
        )
        .await;
    assert_eq!((st, r["field"].as_str()), (422, Some("name")), "{r}");
}

#[tokio::test]
async fn nul_text_is_stored_on_sqlite() {
    nul_text_is_stored(false).await;
}

#[tokio::test]
async fn nul_text_is_stored_on_postgres() {
    nul_text_is_stored(true).await;
}

/// Makes the database refuse every email whose subject contains `POISON`, as a message that
/// fails for its own sake would, whatever the path.
fn poison_trigger(w: &World, postgres_url: Option<&str>) {
    let status = match postgres_url {
        Some(url) => Command::new("psql")
            .arg(url)
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.subject LIKE '%POISON%' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER poison BEFORE INSERT ON emails FOR EACH ROW EXECUTE FUNCTION poison();",
            )
            .status(),
        None => Command::new("sqlite3")
            .args(["-bail", "-cmd", ".timeout 10000"])
            .arg(w.server.data_dir.join("switchboard.db"))
            .arg(
                "CREATE TRIGGER poison BEFORE INSERT ON emails \
                 WHEN NEW.subject LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            )
            .status(),
    };
    assert!(status.unwrap().success(), "installing the trigger");
}

async fn a_poison_message_does_not_hold_the_mailbox(postgres: bool) {
    let tool = if postgres { "psql" } else { "sqlite3" };
    if !(require_or_skip("dovecot") && require_or_skip(tool)) {
        return;
    }
    let (w, url) = if postgres {
        let Some(url) = common::postgres_database().await else {
            return;
        };
        let env = [("SWITCHBOARD_DATABASE_URL", url.as_str())];
        (World::start(false, &env).await, Some(url))
    } else {
        (World::start(false, &[]).await, None)
    };
    poison_trigger(&w, url.as_deref());
    w.dovecot.deliver("support", &plain(1, "First"));
    w.dovecot.deliver("support", &plain(2, "POISON"));
    w.dovecot.deliver("support", &plain(3, "Third"));
    let alias = w.support_alias(w.queue).await;
    let q = format!("alias_id={alias}");
    let stored = wait_emails(&w.api, &q, 3, Duration::from_secs(90)).await;
    let poison = stored
        .iter()
        .find(|e| e["outcome"] == "exception_queue")
        .unwrap_or_else(|| panic!("the poison message is recorded: {stored:#?}"));
    assert_eq!(poison["kind"], "unparseable", "{poison}");
    assert!(
        poison["outcome_reason"]
            .as_str()
            .unwrap()
            .contains("not taken in after 3 attempts"),
        "{poison}"
    );
    assert!(stored.iter().any(|e| e["subject"] == "First"));
    assert!(stored.iter().any(|e| e["subject"] == "Third"));
    let (st, raw) = w.api.bytes(&format!("/emails/{}/raw", poison["id"])).await;
    assert_eq!(st, 200);
    assert_eq!(raw, plain(2, "POISON"), "the raw bytes are kept as fetched");
    // The worker records the notice after the exception is stored: wait for it.
    let status = wait_for("the alias's notice", Duration::from_secs(30), || async {
        let status = alias_status(&w.api, alias).await;
        status["notice"].is_string().then_some(status)
    })
    .await;
    let notice = status["notice"].as_str().unwrap_or_default();
    assert!(
        notice.starts_with("message imap:INBOX:")
            && notice.contains(&format!(
                ":2 recorded as exception (email {})",
                poison["id"]
            )),
        "the alias's status names the message: {status}"
    );
    assert_eq!(status["counters"]["exceptions"], 1, "{status}");
    // The administrator sees it on the Services page too.
    let (st, html) = w.api.page("/admin/services").await;
    assert_eq!(st, 200);
    assert!(
        html.contains(&format!("retriever.alias.{alias}"))
            && html.contains(":2 recorded as exception"),
        "{html}"
    );
    // The cursor moved on: the next message arrives as usual.
    w.dovecot.deliver("support", &plain(4, "Fourth"));
    let stored = wait_emails(&w.api, &q, 4, Duration::from_secs(60)).await;
    assert!(stored.iter().any(|e| e["subject"] == "Fourth"));
}

#[tokio::test]
async fn a_poison_message_does_not_hold_the_mailbox_on_sqlite() {
    a_poison_message_does_not_hold_the_mailbox(false).await;
}

#[tokio::test]
async fn a_poison_message_does_not_hold_the_mailbox_on_postgres() {
    a_poison_message_does_not_hold_the_mailbox(true).await;
}

#[tokio::test]
async fn mail_is_picked_up_within_seconds_of_a_servers_return() {
    if !require_or_skip("dovecot") {
        return;
    }
    let mut w = World::start(false, &[]).await;
    let alias = w.support_alias(w.queue).await;
    w.dovecot.deliver("support", &plain(1, "Before"));
    let q = format!("alias_id={alias}");
    wait_emails(&w.api, &q, 1, Duration::from_secs(30)).await;
    // An outage long enough that the old back-off (doubling to 5 minutes) waited 32 s or more.
    w.dovecot.stop();
    w.dovecot.deliver("support", &plain(2, "During"));
    tokio::time::sleep(Duration::from_secs(40)).await;
    let status = alias_status(&w.api, alias).await;
    assert_eq!(status["failure_kind"], "unreachable", "{status}");
    let failures = status["failures"].as_u64().unwrap_or(0);
    assert!(
        (4..=40).contains(&failures),
        "polled, but not hammered: {status}"
    );
    w.dovecot.start_again();
    let back = Instant::now();
    wait_emails(&w.api, &q, 2, Duration::from_secs(60)).await;
    let took = back.elapsed();
    eprintln!("picked up {took:?} after the server returned");
    assert!(took <= Duration::from_secs(10), "{took:?}");
    let status = alias_status(&w.api, alias).await;
    assert_eq!(
        status["failures"], 0,
        "progress starts the back-off over: {status}"
    );
}

#[tokio::test]
async fn a_frozen_server_is_noticed_within_a_minute() {
    if !require_or_skip("dovecot") {
        return;
    }
    let w = World::start(false, &[]).await;
    let alias = w.support_alias(w.queue).await;
    w.dovecot.deliver("support", &plain(1, "Before"));
    let q = format!("alias_id={alias}");
    wait_emails(&w.api, &q, 1, Duration::from_secs(30)).await;
    wait_for("the worker idles", Duration::from_secs(30), || async {
        (alias_status(&w.api, alias).await["state"] == "idle").then_some(())
    })
    .await;
    w.dovecot.freeze();
    let frozen = Instant::now();
    let status = wait_for(
        "the frozen connection noticed",
        Duration::from_secs(90),
        || async {
            let s = alias_status(&w.api, alias).await;
            s["last_error"].is_string().then_some(s)
        },
    )
    .await;
    let took = frozen.elapsed();
    eprintln!("frozen server noticed after {took:?}: {status}");
    assert!(took <= Duration::from_secs(60), "{took:?}");
    w.dovecot.thaw();
    w.dovecot.deliver("support", &plain(2, "After"));
    wait_emails(&w.api, &q, 2, Duration::from_secs(60)).await;
}
