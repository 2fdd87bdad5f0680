//! Spawns the real `switchboard` binary on a free port with a temporary data directory.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

pub mod blobs;
pub mod mail;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
pub const ADMIN_EMAIL: &str = "admin@switchboard.localhost";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub env: Vec<(String, String)>,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on SQLite in a new temporary directory.
    pub fn sqlite() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut s = Server::start_in(dir, vec![]);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on a fresh PostgreSQL database, if the test command provided a server.
    pub async fn postgres() -> Option<Server> {
        let url = postgres_database().await?;
        let tmp = tempfile::tempdir().unwrap();
        let mut s = Server::start_in(
            tmp.path().to_path_buf(),
            vec![("SWITCHBOARD_DATABASE_URL".into(), url)],
        );
        s._tmp = Some(tmp);
        Some(s)
    }

    /// Starts a server with `data_dir` and extra environment.
    pub fn start_in(data_dir: PathBuf, env: Vec<(String, String)>) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            // A failing system test can be rerun with the server's log (e.g. `debug`).
            .env(
                "SWITCHBOARD_LOG_LEVEL",
                std::env::var("SWITCHBOARD_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn switchboard");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Switchboard is running at ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server did not start");
        Server {
            child,
            url,
            data_dir,
            env,
            _tmp: None,
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit; returns the exit status code.
    pub fn terminate(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().ok().and_then(|s| s.code())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A new empty database on the test PostgreSQL server; `None` (with a notice) when there is none.
pub async fn postgres_database() -> Option<String> {
    let Ok(server) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "SWITCHBOARD_TEST_POSTGRES_URL must be set under CI"
        );
        eprintln!("notice: SWITCHBOARD_TEST_POSTGRES_URL not set; PostgreSQL system test skipped");
        return None;
    };
    let name = format!("sbapi_{}", &switchboard_store::auth::random_secret()[..12]);
    Some(
        switchboard_store::create_postgres_database(&server, &name)
            .await
            .unwrap(),
    )
}

/// An HTTP client holding an admin bearer token.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    /// Logs in with a password: a cookie session and its CSRF token.
    async fn session(server: &Server, email: &str, password: &str) -> (reqwest::Client, String) {
        Api::session_at(&server.url, email, password).await
    }

    /// Logs in with a password at `url`: a cookie session and its CSRF token.
    async fn session_at(url: &str, email: &str, password: &str) -> (reqwest::Client, String) {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "login of {email}");
        let me: serde_json::Value = login.json().await.unwrap();
        (http, me["csrf_token"].as_str().unwrap().to_string())
    }

    pub async fn admin(server: &Server) -> Api {
        let (http, csrf) = Api::session(server, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        // A cookie alone does not authorise a change: the CSRF token must come with it.
        let forged = http
            .post(format!("{}/api/v1/tokens", server.url))
            .json(&serde_json::json!({"name": "forged"}))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        let cookie_read = http
            .get(format!("{}/api/v1/auth/me", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(cookie_read.status(), 200);
        let tok: serde_json::Value = http
            .post(format!("{}/api/v1/tokens", server.url))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"name": "tests"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = tok["token"].as_str().unwrap().to_string();
        Api {
            base: server.url.clone(),
            http: reqwest::Client::new(),
            token,
        }
    }

    /// Logs a user in and makes an API token for them.
    pub async fn login(server: &Server, email: &str, password: &str) -> Api {
        Api::login_at(&server.url, email, password).await
    }

    /// Logs a user in at `url` (a node, or a load balancer) and makes an API token for them.
    pub async fn login_at(url: &str, email: &str, password: &str) -> Api {
        let (http, csrf) = Api::session_at(url, email, password).await;
        let tok: serde_json::Value = http
            .post(format!("{url}/api/v1/tokens"))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"name": "tests"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            base: url.to_string(),
            http: reqwest::Client::new(),
            token: tok["token"].as_str().unwrap().to_string(),
        }
    }

    /// The same caller against another server address (after a restart).
    pub fn with_base(&self, base: &str) -> Api {
        Api {
            base: base.to_string(),
            http: self.http.clone(),
            token: self.token.clone(),
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            base: self.base.clone(),
            http: self.http.clone(),
            token: token.to_string(),
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// A console page (outside `/api/v1`) fetched with the bearer token: status and HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// The raw bytes of a GET.
    pub async fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let resp = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.bytes().await.unwrap().to_vec())
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}
