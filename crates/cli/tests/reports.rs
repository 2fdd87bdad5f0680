//! Reports end to end: work made and handled through the API is folded by the server's rollup
//! service; the report API answers its figures as JSON and as CSV (a queue named like a formula
//! stays text), within each caller's departments; the reporting role reads reports and changes
//! nothing; bad parameters get clear errors; the reports page shows a chart and the table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::mail::{department, queue, wait_for};
use common::{Api, Server};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "a long enough password 42";

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

async fn work(api: &Api, customer: i64, queue: i64, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (st, a) = api
            .post(
                "/activities",
                json!({"customer_id": customer, "channel": "inbound_email",
                       "subject": format!("Order {i}"), "queue_id": queue}),
            )
            .await;
        assert_eq!(st, 201, "{a}");
        ids.push(a["id"].as_i64().unwrap());
    }
    ids
}

/// From the start of last year to the end of next year (the test's work is made now).
fn window() -> String {
    let year = 1970
        + std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 31_556_952;
    format!(
        "from={}-01-01T00:00:00Z&to={}-01-01T00:00:00Z",
        year - 1,
        year + 2
    )
}

fn total(report: &Value, key: &str) -> f64 {
    let i = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no column {key} in {report}"));
    report["total"]["values"][i].as_f64().unwrap_or(f64::NAN)
}

#[tokio::test]
async fn reports_fold_the_work_and_answer_within_each_callers_departments() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_REPORTS_ROLLUP_TICK_SECS".into(), "1".into())],
    );
    let api = Api::admin(&server).await;
    let a = department(&api).await;
    let (_, b) = api.post("/departments", json!({"name": "Sales"})).await;
    let b = b["id"].as_i64().unwrap();
    let qa = queue(&api, a, "=HYPERLINK(\"http://evil\")").await;
    let qb = queue(&api, b, "Sales mail").await;
    let customer = |dept: i64| json!({"department_id": dept, "name": "Carla"});
    let (_, ca) = api.post("/customers", customer(a)).await;
    let (_, cb) = api.post("/customers", customer(b)).await;
    let mine = work(&api, ca["id"].as_i64().unwrap(), qa, 5).await;
    work(&api, cb["id"].as_i64().unwrap(), qb, 3).await;

    // An agent of A handles two of A's.
    let agent = user(&api, a, "agent", "ann@acme.test").await;
    let ann = Api::login(&server, "ann@acme.test", PASSWORD).await;
    let (st, _) = ann.put("/me/presence", json!({"logged_in": true})).await;
    assert_eq!(st, 200);
    for id in &mine[..2] {
        for action in [
            json!({"action": "assign", "agent_id": agent}),
            json!({"action": "start"}),
            json!({"action": "complete"}),
        ] {
            let (st, r) = ann.post(&format!("/activities/{id}/actions"), action).await;
            assert_eq!(st, 200, "{r}");
        }
    }

    // The rollup service folds it all; the administrator sees both departments.
    let q = &format!("{}&granularity=total", window());
    let api = &api;
    let all = wait_for("the rollup to fold every arrival", WAIT, || async move {
        let (st, r) = api.get(&format!("/reports/email_volume?{q}")).await;
        assert_eq!(st, 200, "{r}");
        (total(&r, "arrived") == 8.0 && total(&r, "completed") == 2.0).then_some(r)
    })
    .await;
    assert_eq!(all["rows"].as_array().unwrap().len(), 2, "{all}");
    let (_, work_report) = api.get(&format!("/reports/agent_work?{q}")).await;
    assert_eq!(total(&work_report, "assigned"), 2.0, "{work_report}");
    assert_eq!(total(&work_report, "completed"), 2.0);
    assert_eq!(work_report["rows"][0]["group"], "ann@acme.test");

    // Ann's presence: logged in (not ready), ready, then on a break she still holds. The
    // presence report counts each state's time, the break until now, under its reason.
    for body in [
        json!({"ready": true}),
        json!({"ready": false, "reason": "Break"}),
    ] {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (st, p) = ann.put("/me/presence", body).await;
        assert_eq!(st, 200, "{p}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, pr) = api.get(&format!("/reports/agent_presence?{q}")).await;
    assert_eq!(st, 200, "{pr}");
    assert_eq!(pr["rows"][0]["group"], "ann@acme.test", "{pr}");
    let brk = pr["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "Not ready: Break (min)")
        .unwrap_or_else(|| panic!("a column for the break: {pr}"));
    let brk = total(&pr, brk["key"].as_str().unwrap());
    let (ready, not_ready) = (total(&pr, "ready"), total(&pr, "not_ready"));
    assert!(ready > 0.004 && brk > 0.004 && not_ready > brk, "{pr}");
    assert!(
        (total(&pr, "logged_in") - ready - not_ready).abs() < 1e-9,
        "{pr}"
    );
    // The Agent Work Summary shows the same states beside the work, and the work per channel.
    let (_, work_report) = api.get(&format!("/reports/agent_work?{q}")).await;
    assert_eq!(
        total(&work_report, "completed_inbound_email"),
        2.0,
        "{work_report}"
    );
    assert!(total(&work_report, "ready") >= ready, "{work_report}");
    assert!(
        work_report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["label"] == "Not ready: Break (min)"),
        "{work_report}"
    );
    let (_, sl) = api
        .get(&format!("/reports/service_level?{q}&threshold_secs=60"))
        .await;
    assert_eq!(total(&sl, "answered"), 2.0, "{sl}");
    assert_eq!(
        total(&sl, "service_level"),
        100.0,
        "both answered at once: {sl}"
    );
    let (_, chat) = api.get(&format!("/reports/chat_volume?{q}")).await;
    assert!(
        chat["rows"].as_array().unwrap().is_empty(),
        "no chats: {chat}"
    );
    let (_, by_day) = api
        .get("/reports/email_volume?granularity=day&time_zone=Europe/Berlin")
        .await;
    let period = by_day["rows"][0]["period"].as_str().unwrap();
    assert!(period.ends_with("T00:00:00+01:00"), "{by_day}");

    // A long report a page at a time: the last week at 15 minutes for two queues is pages of
    // whole periods, each with the whole week's totals; the arrivals are on the last page.
    let (st, first) = api
        .get("/reports/email_volume?granularity=15m&page=1")
        .await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(first["page"]["index"], 0, "{first}");
    let pages = first["page"]["pages"].as_u64().unwrap();
    assert!(pages >= 2, "{first}");
    let (_, last) = api
        .get(&format!(
            "/reports/email_volume?granularity=15m&page={pages}"
        ))
        .await;
    assert_eq!(last["page"]["index"].as_u64(), Some(pages - 1), "{last}");
    assert_eq!(total(&first, "arrived"), 8.0, "{first}");
    assert_eq!(total(&last, "arrived"), 8.0, "{last}");
    assert!(!last["rows"].as_array().unwrap().is_empty(), "{last}");
    let (_, whole) = api.get("/reports/email_volume?granularity=15m").await;
    assert!(whole.get("page").is_none(), "no page asked, every period");

    // CSV: the formula-like queue name is text.
    let (st, csv) = api
        .bytes(&format!(
            "/reports/email_volume?{q}&format=csv&department_id={a}"
        ))
        .await;
    assert_eq!(st, 200);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("period,id,name,arrived"), "{csv}");
    assert!(lines[1].contains("\"'=HYPERLINK("), "{csv}");
    assert!(lines.last().unwrap().starts_with(",0,Total,5,"), "{csv}");

    // The workbook and the PDF, read back with independent tools.
    let (st, xlsx) = api
        .bytes(&format!(
            "/reports/email_volume?{q}&format=xlsx&department_id={a}"
        ))
        .await;
    assert_eq!(st, 200);
    let rows = switchboard_testkit::xlsx_rows(&xlsx);
    let report: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.0 == "Report")
        .map(|r| &r.1)
        .collect();
    assert_eq!(
        report[0][..4],
        ["Period", "Id", "Queue", "Arrived"],
        "{rows:?}"
    );
    assert!(
        report[1][2].starts_with("=HYPERLINK("),
        "a name is a string: {rows:?}"
    );
    assert_eq!(report.last().unwrap()[2..4], ["Total", "5"], "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.0 == "About" && r.1[0] == "Time zone" && r.1[1] == "UTC")
    );
    let (st, pdf) = api
        .bytes(&format!(
            "/reports/email_volume?{q}&format=pdf&department_id={a}"
        ))
        .await;
    assert_eq!(st, 200);
    let text = switchboard_testkit::pdf_text(&pdf);
    assert!(text.contains("Email volume by queue"), "{text}");
    assert!(text.contains("=HYPERLINK("), "{text}");
    let total_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Total"))
        .unwrap();
    assert_eq!(total_line.split_whitespace().nth(1), Some("5"), "{text}");

    // Drill-down: the activities behind A's row are A's five.
    let drill = window();
    let (st, behind) = api
        .get(&format!(
            "/reports/email_volume/activities?{drill}&queue_id={qa}"
        ))
        .await;
    assert_eq!(st, 200, "{behind}");
    let ids: Vec<i64> = behind["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, mine, "{behind}");
    let (_, by_agent) = api
        .get(&format!(
            "/reports/agent_work/activities?{drill}&agent_id={agent}"
        ))
        .await;
    assert_eq!(by_agent["items"].as_array().unwrap().len(), 2, "{by_agent}");

    // A supervisor of B sees only B, and naming A is as if it did not exist.
    user(api, b, "supervisor", "sam@acme.test").await;
    let sam = Api::login(&server, "sam@acme.test", PASSWORD).await;
    let (_, theirs) = sam.get(&format!("/reports/email_volume?{q}")).await;
    assert_eq!(total(&theirs, "arrived"), 3.0, "{theirs}");
    let (st, e) = sam
        .get(&format!("/reports/email_volume?{q}&department_id={a}"))
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("department_id")),
        "{e}"
    );
    let (st, e) = sam
        .get(&format!(
            "/reports/email_volume/activities?{drill}&queue_id={qa}"
        ))
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("queue_id")), "{e}");
    // A list that names one queue outside the caller's departments is refused whole.
    let (st, e) = sam
        .get(&format!("/reports/email_volume?{q}&queue_id={qb},{qa}"))
        .await;
    assert_eq!((st, e["field"].as_str()), (422, Some("queue_id")), "{e}");
    let (st, mine) = sam
        .get(&format!(
            "/reports/email_volume?{q}&queue_id={qb}&channel=inbound_email,chat"
        ))
        .await;
    assert_eq!((st, total(&mine, "arrived")), (200, 3.0), "{mine}");
    let (st, _) = sam
        .page(&format!(
            "/reports/activities?kind=email_volume&queue_id={qa}"
        ))
        .await;
    assert_eq!(st, 404, "another department's queue is not found");
    // An agent may not read reports.
    let (st, _) = ann.get(&format!("/reports/email_volume?{q}")).await;
    assert_eq!(st, 403);

    // The reporting role reads reports and changes nothing.
    user(api, a, "reporting", "rita@acme.test").await;
    let rita = Api::login(&server, "rita@acme.test", PASSWORD).await;
    let (st, r) = rita.get(&format!("/reports/email_volume?{q}")).await;
    assert_eq!((st, total(&r, "arrived")), (200, 5.0), "{r}");
    let (st, _) = rita
        .post(
            "/activities",
            json!({"customer_id": ca["id"], "channel": "inbound_email", "subject": "x"}),
        )
        .await;
    assert_eq!(st, 403);
    let (st, page) = rita
        .page("/reports?kind=email_volume&preset=this_year&granularity=total&time_zone=UTC")
        .await;
    assert_eq!(st, 200, "{page}");
    assert!(
        page.contains("<svg class=\"chart\"") && page.contains("report-table"),
        "{page}"
    );
    assert!(page.contains("&#61;HYPERLINK") || page.contains("=HYPERLINK"));
    assert!(!page.contains("<a href=\"http://evil"), "names are text");
    let (st, page) = rita
        .page(&format!(
            "/reports/activities?kind=email_volume&{drill}&queue_id={qa}"
        ))
        .await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(
        page.matches("<tr>").count(),
        6,
        "a heading and five rows: {page}"
    );
    assert!(
        !page.contains("href=\"/activities/"),
        "the reporting role opens no work"
    );
    let (st, _) = rita.page("/supervisor").await;
    assert_eq!(st, 403);
    let (st, e) = rita.put("/me/presence", json!({"logged_in": true})).await;
    assert_eq!(st, 403, "the reporting role takes no work: {e}");
    let (st, dict) = rita.page("/docs/data-dictionary").await;
    assert_eq!(st, 200);
    assert!(dict.contains("reporting_queue_intervals") && dict.contains("handle_ms"));
    let (st, _) = ann.page("/docs/data-dictionary").await;
    assert_eq!(st, 403);

    // Bad parameters are named.
    for (query, field) in [
        ("granularity=fortnight", "granularity"),
        ("time_zone=Mars/Olympus", "time_zone"),
        ("from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"),
        ("from=yesterday", "from"),
        ("threshold_secs=45", "threshold_secs"),
        (
            "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&granularity=15m",
            "granularity",
        ),
    ] {
        let (st, e) = api.get(&format!("/reports/email_volume?{query}")).await;
        assert_eq!(
            (st, e["field"].as_str()),
            (422, Some(field)),
            "{query}: {e}"
        );
    }
    let (st, _) = api.get("/reports/no_such_report").await;
    assert_eq!(st, 404);
    let (st, list) = api.get("/reports").await;
    assert_eq!((st, list.as_array().unwrap().len()), (200, 9), "{list}");
}
