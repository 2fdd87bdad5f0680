//! The email channel end to end against real servers: a customer message delivered to the alias
//! mailbox in Dovecot → an activity in the alias's queue → a reply through the API → the reply in
//! the customer's mailbox (through a real SMTP server), threaded → the customer's answer joins
//! the same case. Also POP3 over TLS with delete, bounces and temporary failures on send, and
//! the sanitized HTML view.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::*;
use serde_json::json;
use switchboard_testkit::require_or_skip;

const WAIT: Duration = Duration::from_secs(30);

fn servers_available() -> bool {
    require_or_skip("dovecot") && require_or_skip("aiosmtpd")
}

#[tokio::test]
async fn imap_round_trip_threads_both_ways() {
    if !servers_available() {
        return;
    }
    let w = World::start(true, &[]).await;
    let (dovecot, api, q) = (&w.dovecot, &w.api, w.queue);
    let inc = json!({"protocol": "imap", "port": dovecot.imap_port(), "security": "starttls"});
    let alias = w.alias("support@acme.test", inc).await;
    let alias_id = alias["id"].as_i64().unwrap();

    // 1. The customer writes; the retriever turns it into an activity in the alias's queue.
    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Printer on fire",
            "c1@customer.test",
            "",
            "Help!",
        ),
    );
    let first = wait_emails(
        api,
        &format!("alias_id={alias_id}&direction=inbound"),
        1,
        WAIT,
    )
    .await;
    let first = &first[0];
    assert_eq!(first["outcome"], "activity", "{first}");
    let activity = first["activity_id"].as_i64().unwrap();
    let case = first["case_id"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["queue_id"], q);
    assert_eq!(a["status"], "queued");
    // The server copy is kept and flagged seen (default disposition).
    wait_for("the message flagged seen", WAIT, || async {
        let cur = std::fs::read_dir(dovecot.maildir("support").join("cur")).ok()?;
        cur.filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains(":2,S"))
            .then_some(())
    })
    .await;

    // 2. The agent replies ("Send"): the reply reaches the customer's mailbox, threaded.
    let (st, sent) = api
        .post(
            &format!("/activities/{activity}/reply"),
            json!({"text": "We are on it.", "html": "<p>We are <b>on it</b>.</p>", "complete": false}),
        )
        .await;
    assert_eq!(st, 201, "{sent}");
    let our_id = sent["message_id"].as_str().unwrap().to_string();
    wait_for("the reply in the customer's mailbox", WAIT, || async {
        (dovecot.count_messages("carol", None) == 1).then_some(())
    })
    .await;
    let raw = dovecot.read_messages("carol").pop().unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.message_id(), Some(our_id.as_str()));
    assert_eq!(parsed.in_reply_to().as_text(), Some("c1@customer.test"));
    assert!(parsed.subject().unwrap().contains(&format!("[#{case}]")));
    assert_eq!(
        parsed.from().unwrap().first().unwrap().address(),
        Some("support@acme.test")
    );
    assert!(parsed.body_html(0).unwrap().contains("<b>on it</b>"));
    let (_, events) = api
        .get(&format!("/activities/{}/events", sent["activity_id"]))
        .await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"sent"), "{kinds:?}");

    // 3. The customer answers the reply: it joins the same case by In-Reply-To (IDLE wakes us).
    dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            &format!("Re: Printer on fire [#{case}]"),
            "c2@customer.test",
            &format!("In-Reply-To: <{our_id}>\r\nReferences: <c1@customer.test> <{our_id}>\r\n"),
            "Still burning.",
        ),
    );
    let all = wait_emails(
        api,
        &format!("alias_id={alias_id}&direction=inbound"),
        2,
        WAIT,
    )
    .await;
    let answer = all
        .iter()
        .find(|e| e["message_id"] == "c2@customer.test")
        .unwrap();
    assert_eq!(answer["case_id"], case);
    assert_eq!(answer["thread_rule"], "in_reply_to");
    assert_eq!(answer["outcome"], "activity");

    // 4. Send & Complete after taking the new activity.
    let second = answer["activity_id"].as_i64().unwrap();
    let (_, me) = api.get("/auth/me").await;
    let (st, _) = api
        .post(
            &format!("/activities/{second}/actions"),
            json!({"action": "assign", "agent_id": me["user"]["id"]}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = api
        .post(
            &format!("/activities/{second}/reply"),
            json!({"text": "Extinguished.", "complete": true}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, done) = api.get(&format!("/activities/{second}")).await;
    assert_eq!(done["status"], "completed");
    wait_for("the second reply", WAIT, || async {
        (dovecot.count_messages("carol", None) == 2).then_some(())
    })
    .await;

    // 5. Sanitized HTML: scripts and remote images go, cid images point at our attachment URL.
    let html_mail = "From: carol@customer.test\r\nTo: support@acme.test\r\nSubject: pic\r\nMessage-ID: <c3@customer.test>\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n\
        <p onclick=\"x()\">Hi<script>alert(1)</script><img src=\"https://tracker.example/p.gif\"><img src=\"cid:logo@c\"></p>\r\n\
        --b\r\nContent-Type: image/png\r\nContent-ID: <logo@c>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
    dovecot.deliver("support", html_mail.as_bytes());
    let all = wait_emails(
        api,
        &format!("alias_id={alias_id}&direction=inbound"),
        3,
        WAIT,
    )
    .await;
    let pic = all
        .iter()
        .find(|e| e["message_id"] == "c3@customer.test")
        .unwrap();
    let resp = api
        .http
        .get(format!("{}/api/v1/emails/{}/html", api.base, pic["id"]))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-blocked-remote-images"], "1");
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let body = resp.text().await.unwrap();
    assert!(
        !body.contains("script") && !body.contains("onclick") && !body.contains("tracker.example"),
        "{body}"
    );
    let att = pic["attachments"][0]["id"].as_i64().unwrap();
    assert!(
        body.contains(&format!("/api/v1/attachments/{att}/content")),
        "{body}"
    );
    let img = api
        .http
        .get(format!("{}/api/v1/attachments/{att}/content", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn pop3_over_tls_deletes_what_it_stored_and_send_failures_are_recorded() {
    if !servers_available() {
        return;
    }
    let w = World::start(true, &[]).await;
    let (dovecot, api, dept) = (&w.dovecot, &w.api, w.dept);
    let sink = w.sink.as_ref().unwrap();
    let inc = json!({"protocol": "pop3", "port": dovecot.pop3s_port(), "security": "tls",
                     "disposition": {"action": "delete"}});
    let alias = w.alias("sales@acme.test", inc).await;
    let alias_id = alias["id"].as_i64().unwrap();
    for (i, from) in [
        "bounce@example.test",
        "tempfail@example.test",
        "dan@customer.test",
    ]
    .iter()
    .enumerate()
    {
        dovecot.deliver(
            "support",
            &message(
                from,
                "sales@acme.test",
                &format!("m{i}"),
                &format!("p{i}@x.test"),
                "",
                "hello",
            ),
        );
    }
    let got = wait_emails(api, &format!("alias_id={alias_id}"), 3, WAIT).await;
    assert!(got.iter().all(|e| e["outcome"] == "activity"), "{got:?}");
    wait_for("the POP3 mailbox emptied", WAIT, || async {
        (dovecot.count_messages("support", None) == 0).then_some(())
    })
    .await;

    // Replies: one permanent failure (550), one temporary (451, retried later), one delivered.
    for e in &got {
        let (st, r) = api
            .post(
                &format!("/activities/{}/reply", e["activity_id"]),
                json!({"text": "Thanks"}),
            )
            .await;
        assert_eq!(st, 201, "{r}");
    }
    let failed = wait_for("the 550 recorded", WAIT, || async {
        let (_, d) = api
            .get(&format!("/delivery-exceptions?department_id={dept}"))
            .await;
        d["items"].as_array().filter(|v| !v.is_empty()).cloned()
    })
    .await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["status"], "550");
    // The delivery exceptions report counts it for its alias: permanent, refused when sent.
    let (st, r) = api
        .get(&format!(
            "/reports/delivery_exceptions?granularity=total&department_id={dept}"
        ))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
    assert!(r["rows"][0]["group"].as_str().unwrap().contains('@'), "{r}");
    let values = &r["total"]["values"];
    assert_eq!(
        (values[0].as_f64(), values[1].as_f64(), values[4].as_f64()),
        (Some(1.0), Some(1.0), Some(1.0)),
        "{r}"
    );
    wait_for("the good reply delivered", WAIT, || async {
        sink.envelopes()
            .iter()
            .any(|e| e.rcpt_to.iter().any(|r| r == "dan@customer.test"))
            .then_some(())
    })
    .await;
    let (_, services) = api.get("/system/services").await;
    assert!(
        services["dispatcher"]["counters"]["retried"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{services}"
    );
    assert!(
        services[format!("retriever.alias.{alias_id}")]["counters"]["messages"]
            .as_u64()
            .unwrap_or(0)
            >= 3
    );
}

/// Test connection logs in to both servers and reports each answer: OK with the right
/// settings; with a wrong password or an unreachable SMTP port, the failure and why — before
/// saving (the form's settings) and after (the stored ones).
#[tokio::test]
async fn test_connection_reports_each_servers_answer() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let imap = json!({"protocol": "imap", "port": w.dovecot.imap_port(), "security": "starttls"});
    // Before saving: the form's settings as they stand, passwords included; nothing is stored.
    let sink = w.sink.as_ref().unwrap().port();
    let unsaved = |password: &str| {
        json!({"department_id": w.dept, "address": "try@acme.test", "display_name": "Try",
               "incoming": {"host": "127.0.0.1", "port": w.dovecot.imap_port(),
                            "security": "starttls", "protocol": "imap", "username": "support"},
               "incoming_password": password,
               "outgoing": {"host": "localhost", "port": sink, "security": "starttls"}})
    };
    let (st, r) = w.api.post("/aliases/test", unsaved("secret")).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (r["incoming"]["ok"].as_bool(), r["outgoing"]["ok"].as_bool()),
        (Some(true), Some(true)),
        "{r}"
    );
    let (st, r) = w.api.post("/aliases/test", unsaved("wrong")).await;
    assert_eq!(
        (st, r["incoming"]["ok"].as_bool()),
        (200, Some(false)),
        "{r}"
    );
    let (st, r) = w
        .api
        .post(
            "/aliases/test",
            json!({"department_id": w.dept, "address": "not an address"}),
        )
        .await;
    assert_eq!(st, 422, "checked like a save: {r}");
    let (_, list) = w.api.get("/aliases").await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing saved: {list}"
    );
    let a = w.alias("support@acme.test", imap).await;
    let id = a["id"].as_i64().unwrap();
    let (st, r) = w.api.post(&format!("/aliases/{id}/test"), json!({})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["incoming"]["ok"], true, "{r}");
    assert!(
        r["incoming"]["answer"]
            .as_str()
            .unwrap()
            .contains("IMAP login as support"),
        "{r}"
    );
    assert_eq!(r["outgoing"]["ok"], true, "{r}");

    let (_, a) = w.api.get(&format!("/aliases/{id}")).await;
    let (st, body) = w
        .api
        .put(
            &format!("/aliases/{id}"),
            json!({"version": a["version"], "incoming_password": "wrong",
                   "outgoing": {"host": "127.0.0.1", "port": 9, "security": "none"}}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let (st, r) = w.api.post(&format!("/aliases/{id}/test"), json!({})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["incoming"]["ok"], false, "{r}");
    assert!(!r["incoming"]["answer"].as_str().unwrap().is_empty(), "{r}");
    assert_eq!(r["outgoing"]["ok"], false, "{r}");
    assert!(
        r["outgoing"]["answer"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9"),
        "{r}"
    );
}

#[tokio::test]
async fn a_saved_draft_keeps_its_files_and_the_reply_sends_them() {
    use base64::Engine as _;
    use mail_parser::MimeHeaders as _;
    if !servers_available() {
        return;
    }
    let w = World::start(true, &[]).await;
    let api = &w.api;
    let alias_id = w.support_alias(w.queue).await;
    w.dovecot.deliver(
        "support",
        &message(
            "carol@customer.test",
            "support@acme.test",
            "Invoice copy",
            "d1@customer.test",
            "",
            "Please send the invoice again.",
        ),
    );
    let first = wait_emails(
        api,
        &format!("alias_id={alias_id}&direction=inbound"),
        1,
        WAIT,
    )
    .await;
    let activity = first[0]["activity_id"].as_i64().unwrap();
    let draft = format!("/activities/{activity}/draft");
    let (st, _) = api.get(&draft).await;
    assert_eq!(st, 404);

    // The body and recipients are saved (HTML sanitized); a bad address names its field.
    let (st, d) = api
        .put(
            &draft,
            json!({"text": "Here it is.", "html": "<p>Here it is.<script>alert(1)</script></p>",
                   "cc": ["boss@acme.test"]}),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["version"], 1);
    assert_eq!(d["cc"], json!(["boss@acme.test"]));
    assert!(!d["html"].as_str().unwrap().contains("script"), "{d}");
    let (st, e) = api.put(&draft, json!({"cc": ["not an address"]})).await;
    assert_eq!((st, e["field"].as_str()), (422, Some("cc[0]")), "{e}");

    // Files: bad base64 is refused by name; good ones are kept, downloadable and removable.
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let files = format!("{draft}/attachments");
    let (st, e) = api
        .post(
            &files,
            json!({"attachments": [{"name": "x.pdf", "content_base64": "not base64!"}]}),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(e["field"], "attachments[0].content_base64", "{e}");
    let invoice = b"%PDF-1.4 invoice 2026-11".to_vec();
    let (st, d) = api
        .post(
            &files,
            json!({"attachments": [
                {"name": "invoice.pdf", "content_type": "application/pdf", "content_base64": b64(&invoice)},
                {"name": "extra.txt", "content_base64": b64(b"not this one")}]}),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["text"], "Here it is.", "{d}");
    assert_eq!(d["attachments"].as_array().unwrap().len(), 2, "{d}");
    let (st, got) = api.bytes(&format!("{files}/0/content")).await;
    assert_eq!((st, got), (200, invoice.clone()));
    let (st, _) = api.delete(&format!("{files}/5")).await;
    assert_eq!(st, 404);
    let (st, d) = api.delete(&format!("{files}/1")).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["attachments"][0]["name"], "invoice.pdf", "{d}");
    assert_eq!(d["version"], 3, "{d}");

    // An agent who does not hold the activity neither reads nor writes its draft.
    let password = "a long enough password";
    let (st, u) = api
        .post(
            "/users",
            json!({"department_id": w.dept, "email": "ann@acme.test", "name": "Ann Agent",
                   "role": "agent", "password": password}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    let ann = common::Api::login(&w.server, "ann@acme.test", password).await;
    assert_eq!(ann.get(&draft).await.0, 403);
    assert_eq!(ann.put(&draft, json!({"text": "mine"})).await.0, 403);

    // The reply takes the draft's files and removes it.
    let (st, sent) = api
        .post(
            &format!("/activities/{activity}/reply"),
            json!({"text": "Here it is.", "draft_attachments": true}),
        )
        .await;
    assert_eq!(st, 201, "{sent}");
    assert_eq!(api.get(&draft).await.0, 404);
    let raw = w.reply_from_support("the reply with the invoice").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let names: Vec<&str> = parsed
        .attachments()
        .filter_map(|a| a.attachment_name())
        .collect();
    assert_eq!(names, vec!["invoice.pdf"]);
    let att = parsed.attachments().next().unwrap();
    assert_eq!(att.contents(), invoice.as_slice());
}
