//! System tests of the server's own HTTPS and of `/metrics` access: TLS from `[web] tls_cert` /
//! `tls_key` with Secure cookies and HSTS, the certificate reloaded without a restart; metrics
//! for the scraper's token or an administrator only, or on a separate private address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Server};
use serde_json::json;
use switchboard_testkit::TestCa;

fn client(ca: &TestCa) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(&ca.ca_pem()).unwrap();
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_with_secure_cookies_hsts_and_a_certificate_reloaded_live() {
    let first = TestCa::generate();
    let second = TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::copy(first.cert_path(), &cert).unwrap();
    std::fs::copy(first.key_path(), &key).unwrap();
    let server = Server::start_in(
        dir.path().join("data"),
        vec![
            (
                "SWITCHBOARD_WEB_TLS_CERT".into(),
                cert.display().to_string(),
            ),
            ("SWITCHBOARD_WEB_TLS_KEY".into(), key.display().to_string()),
            ("SWITCHBOARD_WEB_TLS_RELOAD_SECS".into(), "1".into()),
            (
                "SWITCHBOARD_WEB_HSTS_MAX_AGE_SECS".into(),
                "31536000".into(),
            ),
        ],
    );
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let old = client(&first);
    let r = old
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    // Plain HTTP to the TLS port gets nowhere.
    let plain = server.url.replace("https://", "http://");
    assert!(reqwest::get(format!("{plain}/healthz")).await.is_err());
    let login = old
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    // A renewed certificate (another CA here) is taken without a restart.
    assert!(
        client(&second)
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_err()
    );
    std::fs::copy(second.key_path(), &key).unwrap();
    std::fs::copy(second.cert_path(), &cert).unwrap();
    let started = Instant::now();
    loop {
        let fresh = client(&second);
        if fresh
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "not reloaded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        client(&first)
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .is_err()
    );
    // A broken certificate file keeps the one in use.
    std::fs::write(&cert, "not a certificate").unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let r = client(&second)
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn metrics_need_the_scraper_token_or_an_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        dir.path().to_path_buf(),
        vec![(
            "SWITCHBOARD_WEB_METRICS_TOKEN".into(),
            "scraper-token-7Kq".into(),
        )],
    );
    let url = format!("{}/metrics", server.url);
    let http = reqwest::Client::new();
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 401);
    let with = |t: &str| http.get(&url).bearer_auth(t.to_string()).send();
    let scraped = with("scraper-token-7Kq").await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("switchboard_http_requests_total")
    );
    assert_eq!(with("wrong").await.unwrap().status(), 401);
    let admin = Api::admin(&server).await;
    assert_eq!(with(&admin.token).await.unwrap().status(), 200);
    let (_, depts) = admin.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, _) = admin
        .post(
            "/users",
            json!({"department_id": dept, "email": "sam@example.org", "name": "Sam",
                               "role": "supervisor", "password": "a long enough passphrase"}),
        )
        .await;
    assert_eq!(st, 201);
    let sam = Api::login(&server, "sam@example.org", "a long enough passphrase").await;
    assert_eq!(with(&sam.token).await.unwrap().status(), 403);
}

#[tokio::test]
async fn metrics_on_a_separate_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        dir.path().to_path_buf(),
        vec![(
            "SWITCHBOARD_WEB_METRICS_LISTEN".into(),
            format!("127.0.0.1:{port}"),
        )],
    );
    let admin = Api::admin(&server).await;
    let main = reqwest::Client::new()
        .get(format!("{}/metrics", server.url))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), 404, "not on the main address");
    let side = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(side.status(), 200);
    let other = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/departments"))
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "the metrics address serves nothing else"
    );
}
