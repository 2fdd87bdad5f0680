//! Saved and scheduled reports end to end: a report saved with a schedule (a cron pattern with
//! seconds, so the test need not wait for a minute) runs by itself, and its CSV and PDF arrive
//! as attachments of a real message through the SMTP server in a Dovecot Maildir, to the chosen
//! users only; the run history keeps the files; a manual run, switching the schedule off, and
//! the checks on patterns, periods, recipients and roles.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::{World, wait_for};
use common::{ADMIN_EMAIL, Api};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password 42";
const WAIT: Duration = Duration::from_secs(40);

async fn user(api: &Api, dept: i64, role: &str, email: &str) -> i64 {
    let (st, u) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": email, "name": email, "role": role,
                   "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    u["id"].as_i64().unwrap()
}

fn definition(dept: i64, schedule: Value) -> Value {
    json!({"department_id": dept, "name": "Daily mail", "kind": "email_volume",
           "period": {"preset": "today"}, "granularity": "total", "time_zone": "UTC",
           "schedule": schedule})
}

#[tokio::test]
async fn a_scheduled_report_arrives_in_a_mailbox_with_its_files() {
    let w = World::start(
        true,
        &[
            ("SWITCHBOARD_REPORTS_ROLLUP_TICK_SECS", "1"),
            ("SWITCHBOARD_REPORTS_SCHEDULE_TICK_SECS", "1"),
            ("SWITCHBOARD_REPORTS_SCHEDULE_MIN_GAP_SECS", "2"),
        ],
    )
    .await;
    let api = &w.api;
    let alias = w.support_alias(w.queue).await;
    let (_, customer) = api
        .post(
            "/customers",
            json!({"department_id": w.dept, "name": "Carla"}),
        )
        .await;
    for i in 0..3 {
        let (st, a) = api
            .post(
                "/activities",
                json!({"customer_id": customer["id"], "channel": "inbound_email",
                       "subject": format!("Order {i}"), "queue_id": w.queue}),
            )
            .await;
        assert_eq!(st, 201, "{a}");
    }
    let rita = user(api, w.dept, "reporting", "rita@acme.test").await;
    let ann = user(api, w.dept, "agent", "ann@acme.test").await;
    let (_, users) = api.get("/users?limit=500").await;
    let admin = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == ADMIN_EMAIL)
        .and_then(|u| u["id"].as_i64())
        .unwrap();
    let schedule = |recipients: Value| {
        json!({"cron": "*/2 * * * * *", "time_zone": "Europe/Berlin", "formats": ["csv", "pdf"],
               "recipients": recipients, "alias_id": alias})
    };

    // Bad definitions are named; an agent may not receive reports.
    for (body, field) in [
        (
            definition(w.dept, schedule(json!([ann]))),
            "schedule.recipients",
        ),
        (
            definition(
                w.dept,
                json!({"cron": "61 * * * *", "time_zone": "UTC", "formats": ["csv"],
                       "recipients": [rita], "alias_id": alias}),
            ),
            "schedule.cron",
        ),
        (
            definition(
                w.dept,
                json!({"cron": "* * * * * *", "time_zone": "UTC", "formats": ["csv"],
                       "recipients": [rita], "alias_id": alias}),
            ),
            "schedule.cron",
        ),
        (
            json!({"department_id": w.dept, "name": "x", "kind": "email_volume",
                   "period": {"preset": "today", "from": "2026-01-01T00:00:00Z"}}),
            "period",
        ),
    ] {
        let (st, e) = api.post("/saved-reports", body).await;
        assert_eq!((st, e["field"].as_str()), (422, Some(field)), "{e}");
    }

    // Wait until the rollup has the three arrivals, so the first run shows them.
    wait_for("the rollup", WAIT, || async move {
        let (_, r) = api
            .get("/reports/email_volume?granularity=total&from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00Z")
            .await;
        (r["total"]["values"][0].as_f64() == Some(3.0)).then_some(())
    })
    .await;

    let (st, saved) = api
        .post(
            "/saved-reports",
            definition(w.dept, schedule(json!([rita, admin]))),
        )
        .await;
    assert_eq!(st, 201, "{saved}");
    let id = saved["id"].as_i64().unwrap();
    assert!(saved["next_run_at"].is_string(), "{saved}");

    // The first scheduled run's mail arrives with both files.
    let dovecot = &w.dovecot;
    let raw = wait_for("the report's mail", WAIT, || async move {
        dovecot
            .read_messages("carol")
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("Subject: Report: Daily mail"))
    })
    .await;
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        msg.from().unwrap().first().unwrap().address(),
        Some("support@acme.test")
    );
    let to: Vec<&str> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["rita@acme.test", ADMIN_EMAIL]);
    let files: Vec<(String, Vec<u8>)> = msg
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or("").to_string(),
                a.contents().to_vec(),
            )
        })
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].0.starts_with("email_volume_") && files[0].0.ends_with(".csv"));
    let csv = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(
        csv.lines().last().unwrap().starts_with(",0,Total,3,"),
        "{csv}"
    );
    assert!(files[1].0.ends_with(".pdf"));
    let text = switchboard_testkit::pdf_text(&files[1].1);
    assert!(text.contains("Email volume by queue"), "{text}");
    let sink = w.sink.as_ref().unwrap();
    let first = sink
        .envelopes()
        .into_iter()
        .find(|e| e.rcpt_to.iter().any(|r| r == "rita@acme.test"))
        .unwrap();
    assert_eq!(first.rcpt_to, ["rita@acme.test", ADMIN_EMAIL], "{first:?}");

    // Switched off, it stops; the history keeps each run's files.
    let mut off = definition(w.dept, schedule(json!([rita, admin])));
    off["schedule"]["active"] = json!(false);
    off["version"] = saved["version"].clone();
    let (st, r) = api.put(&format!("/saved-reports/{id}"), off).await;
    assert_eq!(st, 200, "{r}");
    assert!(r["next_run_at"].is_null(), "{r}");
    let (_, runs) = api.get(&format!("/saved-reports/{id}/runs")).await;
    let count = runs["items"].as_array().unwrap().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, later) = api.get(&format!("/saved-reports/{id}/runs")).await;
    let items = later["items"].as_array().unwrap();
    assert_eq!(items.len(), count, "no run once switched off: {later}");
    let last = items.last().unwrap();
    assert_eq!(
        (last["trigger"].as_str(), last["status"].as_str()),
        (Some("schedule"), Some("done")),
        "{last}"
    );
    assert!(last["email_id"].is_i64(), "{last}");
    let run = last["id"].as_i64().unwrap();
    let (st, pdf) = api
        .bytes(&format!("/saved-reports/{id}/runs/{run}/files/1"))
        .await;
    assert_eq!(st, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    let (st, _) = api
        .bytes(&format!("/saved-reports/{id}/runs/{run}/files/9"))
        .await;
    assert_eq!(st, 404);

    // A manual run answers with its files at once.
    let (st, manual) = api
        .post(&format!("/saved-reports/{id}/run"), json!({}))
        .await;
    assert_eq!(st, 201, "{manual}");
    assert_eq!(manual["trigger"], "manual");
    assert_eq!(manual["status"], "done", "{manual}");
    assert_eq!(manual["files"].as_array().unwrap().len(), 2, "{manual}");

    // The reporting role keeps saved reports; an agent may not.
    let rita_api = Api::login(&w.server, "rita@acme.test", PASSWORD).await;
    let mine = json!({"department_id": w.dept, "name": "Mine", "kind": "service_level",
                      "period": {"preset": "last_month"}});
    let (st, r) = rita_api.post("/saved-reports", mine.clone()).await;
    assert_eq!(st, 201, "{r}");
    let (st, list) = rita_api.get("/saved-reports").await;
    assert_eq!((st, list["items"].as_array().unwrap().len()), (200, 2));
    let ann_api = Api::login(&w.server, "ann@acme.test", PASSWORD).await;
    let (st, _) = ann_api.post("/saved-reports", mine).await;
    assert_eq!(st, 403);
    let (st, _) = ann_api.get("/saved-reports").await;
    assert_eq!(st, 403);
    let (st, _) = rita_api.delete(&format!("/saved-reports/{id}")).await;
    assert_eq!(st, 204);
    let (st, _) = api.get(&format!("/saved-reports/{id}/runs")).await;
    assert_eq!(st, 404);
}
