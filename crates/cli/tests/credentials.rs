//! System test of credentials: failed logins throttled (429 with Retry-After, the right
//! password working again after the wait, the lock-out a security event), password rules, a
//! password change ending the user's other sessions, API tokens that expire and that their
//! owner and administrators list and revoke.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::time::Duration;

use common::{Api, Server};
use serde_json::{Value, json};

const PASSWORD: &str = "a long enough passphrase";

/// A cookie session: the client holding the cookie and its CSRF token.
struct Session {
    http: reqwest::Client,
    csrf: String,
    base: String,
}

impl Session {
    async fn me(&self) -> u16 {
        self.http
            .get(format!("{}/api/v1/auth/me", self.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .put(format!("{}/api/v1{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let st = r.status().as_u16();
        (st, r.json().await.unwrap_or(Value::Null))
    }
}

/// Tries a login: status, Retry-After, and the session when it worked.
async fn login(
    server: &Server,
    email: &str,
    password: &str,
) -> (u16, Option<u64>, Option<Session>) {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = http
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let session = (st == 200).then(|| Session {
        http,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
        base: server.url.clone(),
    });
    (st, retry, session)
}

async fn events(admin: &Api) -> Vec<Value> {
    let (st, page) = admin.get("/security-events?limit=500").await;
    assert_eq!(st, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn logins_are_throttled_and_credentials_managed() {
    let server = Server::sqlite();
    let admin = Api::admin(&server).await;
    let (_, depts) = admin.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();

    // Password rules: length, common passwords (also with digits added), the user's address.
    for (bad, why) in [
        ("short", "length"),
        ("password123456", "common"),
        ("Qwertyuiop!!", "common with symbols"),
        ("ann.agent 2026!", "the address"),
    ] {
        let (st, e) = admin
            .post(
                "/users",
                json!({"department_id": dept, "email": "ann.agent@example.org",
                                   "name": "Ann", "role": "agent", "password": bad}),
            )
            .await;
        assert_eq!(
            (st, e["field"].as_str()),
            (422, Some("password")),
            "{why}: {e}"
        );
    }
    let (st, ann) = admin
        .post(
            "/users",
            json!({"department_id": dept, "email": "ann.agent@example.org",
                               "name": "Ann", "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201, "{ann}");
    let ann_id = ann["id"].as_i64().unwrap();

    // Brute force: five wrong passwords are answered 401; then the account must wait, even
    // with the right password (no hashing is spent on it), and the lock-out is recorded.
    for i in 0..5 {
        let (st, _, _) = login(
            &server,
            "ann.agent@example.org",
            &format!("wrong guess {i}"),
        )
        .await;
        assert_eq!(st, 401, "try {i}");
    }
    let (st, retry, _) = login(&server, "ann.agent@example.org", PASSWORD).await;
    assert_eq!(st, 429);
    let retry = retry.expect("Retry-After");
    assert!((1..=2).contains(&retry), "{retry}");
    let throttled: Vec<Value> = events(&admin)
        .await
        .into_iter()
        .filter(|e| e["event"]["type"] == "login_throttled")
        .collect();
    assert_eq!(throttled.len(), 1, "{throttled:?}");
    assert_eq!(throttled[0]["event"]["email"], "ann.agent@example.org");
    assert_eq!(throttled[0]["event"]["failures"], 5);
    // After the wait the right password works (and clears the count).
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (st, _, first) = login(&server, "ann.agent@example.org", PASSWORD).await;
    assert_eq!(st, 200);
    let first = first.unwrap();
    let (st, _, _) = login(&server, "ann.agent@example.org", "wrong again").await;
    assert_eq!(st, 401, "a success starts the count afresh");
    // An unknown address is throttled like a known one (nothing tells them apart).
    for _ in 0..5 {
        assert_eq!(
            login(&server, "nobody@example.org", "guess guess").await.0,
            401
        );
    }
    assert_eq!(
        login(&server, "nobody@example.org", "guess guess").await.0,
        429
    );

    // A password change: the wrong current password is refused, a common new one too; then
    // the change ends every other session of the user and keeps this one; tokens keep working.
    let (_, _, second) = login(&server, "ann.agent@example.org", PASSWORD).await;
    let second = second.unwrap();
    let ann_api = Api::login(&server, "ann.agent@example.org", PASSWORD).await;
    let (st, e) = first
        .put(
            "/auth/password",
            json!({"current_password": "not it at all", "new_password": "an entirely new phrase"}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("current_password")),
        "{e}"
    );
    let (st, e) = first
        .put(
            "/auth/password",
            json!({"current_password": PASSWORD, "new_password": "iloveyou1234"}),
        )
        .await;
    assert_eq!(
        (st, e["field"].as_str()),
        (422, Some("new_password")),
        "{e}"
    );
    let (st, e) = first
        .put(
            "/auth/password",
            json!({"current_password": PASSWORD, "new_password": "an entirely new phrase"}),
        )
        .await;
    assert_eq!(st, 204, "{e}");
    assert_eq!(first.me().await, 200, "the session it was made in stays");
    assert_eq!(second.me().await, 401, "other sessions end");
    assert_eq!(
        ann_api.get("/auth/me").await.0,
        200,
        "tokens are separate credentials"
    );
    assert_eq!(
        login(&server, "ann.agent@example.org", PASSWORD).await.0,
        401
    );
    assert_eq!(
        login(&server, "ann.agent@example.org", "an entirely new phrase")
            .await
            .0,
        200
    );
    // An administrator's change of someone's password ends all their sessions.
    assert_eq!(first.me().await, 200);
    let (_, u) = admin.get(&format!("/users/{ann_id}")).await;
    let (st, _) = admin
        .put(
            &format!("/users/{ann_id}"),
            json!({"version": u["version"], "password": "reset by the admin today"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(first.me().await, 401);
    let changes: Vec<Value> = events(&admin)
        .await
        .into_iter()
        .filter(|e| e["event"]["type"] == "password_changed")
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0]["actor_id"].as_i64(), Some(ann_id));

    // Tokens: an expiry in the past or too far ahead is refused; one that expires stops.
    let soon = |secs: i64| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            + secs;
        time_string(t)
    };
    for bad in [soon(-60), soon(20 * 366 * 24 * 3600)] {
        let (st, e) = ann_api
            .post("/tokens", json!({"name": "bad", "expires_at": bad}))
            .await;
        assert_eq!((st, e["field"].as_str()), (422, Some("expires_at")), "{e}");
    }
    let (st, short) = ann_api
        .post("/tokens", json!({"name": "short", "expires_at": soon(2)}))
        .await;
    assert_eq!(st, 201, "{short}");
    let short_api = ann_api.with_token(short["token"].as_str().unwrap());
    assert_eq!(short_api.get("/auth/me").await.0, 200);
    let (_, mine) = ann_api.get("/tokens").await;
    let listed = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == short["id"])
        .cloned()
        .unwrap();
    assert!(listed["expires_at"].is_string(), "{listed}");
    assert!(listed.get("token").is_none() && listed.get("token_hash").is_none());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(short_api.get("/auth/me").await.0, 401, "expired");

    // Listing and revoking: the owner their own, administrators anyone's.
    let (st, _) = ann_api.get("/tokens?all=true").await;
    assert_eq!(st, 403);
    let (st, all) = admin.get("/tokens?all=true").await;
    assert_eq!(st, 200);
    assert!(all.as_array().unwrap().len() >= 3, "{all}");
    let (_, admins) = admin.get("/tokens").await;
    let admin_token = admins[0]["id"].as_i64().unwrap();
    let (st, _) = ann_api.delete(&format!("/tokens/{admin_token}")).await;
    assert_eq!(st, 404, "another user's token does not exist for an agent");
    let (_, anns) = admin.get(&format!("/tokens?user_id={ann_id}")).await;
    let live = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["revoked_at"].is_null() && t["expires_at"].is_null())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (st, _) = admin.delete(&format!("/tokens/{live}")).await;
    assert_eq!(st, 204);
    assert_eq!(
        ann_api.get("/auth/me").await.0,
        401,
        "revoked by an administrator"
    );
    let kinds: Vec<String> = events(&admin)
        .await
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap().to_string())
        .collect();
    assert!(kinds.contains(&"token_created".to_string()));
    assert_eq!(kinds.iter().filter(|k| *k == "token_revoked").count(), 1);
    // The last active administrator can be neither deleted nor deactivated nor demoted.
    let (_, me) = admin.get("/auth/me").await;
    let admin_id = me["user"]["id"].as_i64().unwrap();
    let (st, e) = admin.delete(&format!("/users/{admin_id}")).await;
    assert_eq!((st, e["code"].as_str()), (409, Some("conflict")), "{e}");
    for change in [json!({"active": false}), json!({"role": "supervisor"})] {
        let (_, u) = admin.get(&format!("/users/{admin_id}")).await;
        let mut body = change.clone();
        body["version"] = u["version"].clone();
        let (st, e) = admin.put(&format!("/users/{admin_id}"), body).await;
        assert_eq!(st, 409, "{change}: {e}");
    }

    // The log is the administrators'.
    let agent = Api::login(&server, "ann.agent@example.org", "reset by the admin today").await;
    assert_eq!(agent.get("/security-events").await.0, 403);
}

/// RFC 3339 for a Unix time in seconds, as the API writes times.
fn time_string(secs: i64) -> String {
    let t = switchboard_domain::Timestamp::from_millis(secs * 1000);
    serde_json::to_value(t)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}
