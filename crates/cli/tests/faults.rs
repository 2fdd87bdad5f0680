//! Fault tests: SIGKILL during writes, a database that is not there at start, a database that goes
//! away while the server runs and comes back, graceful shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Api, Server};
use serde_json::json;
use switchboard_domain::ActivityId;
use switchboard_store::{Store, StoreOptions};

#[tokio::test]
async fn sigkill_during_writes_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(tmp.path().to_path_buf(), vec![]);
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].clone();
    let (st, cust) = api
        .post("/customers", json!({"department_id": dept, "name": "K"}))
        .await;
    assert_eq!(st, 201);
    let (_, case) = api
        .post(
            "/cases",
            json!({"customer_id": cust["id"], "subject": "load"}),
        )
        .await;

    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut writers = vec![];
    for _ in 0..8 {
        let api = api.with_token(&api.token);
        let body = json!({"customer_id": cust["id"], "case_id": case["id"], "channel": "chat", "subject": "x"});
        writers.push(tokio::spawn(async move {
            let mut acked = vec![];
            while Instant::now() < deadline + Duration::from_secs(2) {
                let r = api
                    .http
                    .post(format!("{}/api/v1/activities", api.base))
                    .bearer_auth(&api.token)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status() == 201 => {
                        let v: serde_json::Value = resp.json().await.unwrap();
                        acked.push(v["id"].as_i64().unwrap());
                    }
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep_until(deadline.into()).await;
    server.kill();
    let mut acked = vec![];
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(
        acked.len() > 10,
        "the load ran: {} acknowledged",
        acked.len()
    );

    let url = format!("sqlite://{}", tmp.path().join("switchboard.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let (_, _, orphans) = store.activity_consistency().await.unwrap();
    assert_eq!(orphans, 0, "an activity without its created event");
    for id in &acked {
        store
            .activity(ActivityId(*id))
            .await
            .unwrap_or_else(|e| panic!("acknowledged activity {id} lost: {e}"));
    }
    store.close().await;

    // And the server starts again on the same data.
    let server = Server::start_in(tmp.path().to_path_buf(), vec![]);
    assert_eq!(
        reqwest::get(format!("{}/healthz", server.url))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn unreachable_database_at_start_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(common::BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path())
        .env(
            "SWITCHBOARD_DATABASE_URL",
            "postgres://switchboard:hunter2secret@127.0.0.1:1/nowhere",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot reach the database"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains("hunter2secret"),
        "the password must not be printed: {stderr}"
    );
}

#[test]
fn bad_config_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(common::BIN)
        .args(["serve", "--data-dir"])
        .arg(tmp.path())
        .env("SWITCHBOARD_LOG_MAX_FILES", "lots")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("max_files must be a number"), "{stderr}");
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let mut server = Server::sqlite();
    assert_eq!(server.terminate(), Some(0));
}

fn psql(server_url: &str, sql: &str) {
    let out = Command::new("psql")
        .arg(server_url)
        .args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn database_outage_gives_503_and_recovers_without_restart() {
    let Some(db_url) = common::postgres_database().await else {
        return;
    };
    let server_url = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").unwrap();
    let name = db_url.rsplit('/').next().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_DATABASE_URL".into(), db_url)],
    );
    let api = Api::admin(&server).await;
    assert_eq!(api.get("/customers").await.0, 200);

    psql(
        &server_url,
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
    );
    psql(
        &server_url,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    );
    let (st, e) = api.get("/customers").await;
    assert_eq!((st, e["code"].as_str()), (503, Some("unavailable")), "{e}");
    assert_eq!(
        reqwest::get(format!("{}/healthz", server.url))
            .await
            .unwrap()
            .status(),
        503
    );

    psql(
        &server_url,
        &format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (st, _) = api.get("/customers").await;
        if st == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {st}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, depts) = api.get("/departments").await;
    let (st, _) = api
        .post(
            "/customers",
            json!({"department_id": depts["items"][0]["id"], "name": "after"}),
        )
        .await;
    assert_eq!(st, 201, "writes work again too");
}
