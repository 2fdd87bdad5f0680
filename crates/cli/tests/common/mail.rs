//! Email test helpers: an alias on a real Dovecot mailbox and a real SMTP server, waiting for
//! the API to show what the retriever and dispatcher did, and test messages.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_testkit::{Dovecot, SmtpSink};

use super::Api;

/// The default department's id.
pub async fn department(api: &Api) -> i64 {
    let (_, depts) = api.get("/departments").await;
    depts["items"][0]["id"].as_i64().unwrap()
}

/// Creates a queue in the department.
pub async fn queue(api: &Api, dept: i64, name: &str) -> i64 {
    let (st, q) = api
        .post("/queues", json!({"department_id": dept, "name": name}))
        .await;
    assert_eq!(st, 201, "{q}");
    q["id"].as_i64().unwrap()
}

/// Creates an alias reading `user`'s mailbox with `incoming` settings (protocol, port,
/// security, disposition…) and sending through `sink`.
pub async fn alias(
    api: &Api,
    dept: i64,
    queue: i64,
    address: &str,
    user: &str,
    incoming: Value,
    sink: Option<&SmtpSink>,
) -> Value {
    let mut inc = json!({"host": "127.0.0.1", "username": user, "poll_secs": 1});
    for (k, v) in incoming.as_object().unwrap() {
        inc[k] = v.clone();
    }
    let outgoing = match sink {
        Some(s) => json!({"host": "localhost", "port": s.port(), "security": "starttls"}),
        None => json!({"host": "127.0.0.1", "port": 9, "security": "none"}),
    };
    let (st, a) = api
        .post(
            "/aliases",
            json!({
                "department_id": dept, "address": address, "display_name": "Acme Support",
                "queue_id": queue, "incoming": inc, "incoming_password": "secret",
                "outgoing": outgoing
            }),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    assert!(
        a.get("incoming_password").is_none(),
        "passwords are write-only"
    );
    a
}

/// Polls `f` until it returns `Some`, for at most `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Emails of a query (first page of up to 500).
pub async fn emails(api: &Api, query: &str) -> Vec<Value> {
    let (st, page) = api.get(&format!("/emails?limit=500&{query}")).await;
    assert_eq!(st, 200, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Every email of a query, following the pages.
pub async fn all_emails(api: &Api, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (st, page) = api.get(&format!("/emails?limit=500&{query}{cursor}")).await;
        assert_eq!(st, 200, "{page}");
        out.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

/// Waits until the alias's mailbox produced `n` stored emails; returns them.
pub async fn wait_emails(api: &Api, query: &str, n: usize, limit: Duration) -> Vec<Value> {
    wait_for(&format!("{n} emails for {query}"), limit, || async {
        let e = emails(api, query).await;
        (e.len() >= n).then_some(e)
    })
    .await
}

/// A plain customer message.
pub fn message(
    from: &str,
    to: &str,
    subject: &str,
    message_id: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: Carol Customer <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n\
         Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Starts a server whose mail services trust the test CA; `env` adds settings.
pub fn server(dir: &std::path::Path, dovecot: &Dovecot, env: &[(&str, &str)]) -> super::Server {
    let mut vars = vec![
        (
            "SWITCHBOARD_MAIL_EXTRA_CA_FILE".to_string(),
            dovecot.ca_pem_path().display().to_string(),
        ),
        (
            "SWITCHBOARD_MAIL_RETRY_BASE_SECS".to_string(),
            "1".to_string(),
        ),
    ];
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    super::Server::start_in(dir.to_path_buf(), vars)
}

/// Starts Dovecot with the support mailbox and a customer mailbox.
pub fn dovecot() -> Dovecot {
    Dovecot::start(&[("support", "secret"), ("carol", "secret")])
}

/// A running world for one email test: Dovecot, optionally the SMTP server delivering into the
/// customer's mailbox, the Switchboard server on its own data directory, an API client, the
/// default department and a queue.
pub struct World {
    pub dovecot: Dovecot,
    pub sink: Option<SmtpSink>,
    pub server: super::Server,
    pub api: Api,
    pub dept: i64,
    pub queue: i64,
    pub dir: tempfile::TempDir,
}

impl World {
    /// Starts everything; `env` adds server settings.
    pub async fn start(with_sink: bool, env: &[(&str, &str)]) -> World {
        World::start_with(with_sink, env, None).await
    }

    /// Starts everything on a fresh PostgreSQL database, if the test command provided a
    /// server (`None`, with a notice, when it did not).
    pub async fn start_on_postgres(with_sink: bool, env: &[(&str, &str)]) -> Option<World> {
        let url = super::postgres_database().await?;
        Some(World::start_with(with_sink, env, Some(url)).await)
    }

    async fn start_with(with_sink: bool, env: &[(&str, &str)], db: Option<String>) -> World {
        let mut env: Vec<(&str, &str)> = env.to_vec();
        if let Some(url) = &db {
            env.push(("SWITCHBOARD_DATABASE_URL", url));
        }
        let env = env.as_slice();
        let dovecot = dovecot();
        let sink =
            with_sink.then(|| SmtpSink::start(&dovecot.maildir("carol"), Some(dovecot.ca())));
        let dir = tempfile::tempdir().unwrap();
        let server = server(dir.path(), &dovecot, env);
        let api = Api::admin(&server).await;
        let dept = department(&api).await;
        let queue = queue(&api, dept, "Email").await;
        World {
            dovecot,
            sink,
            server,
            api,
            dept,
            queue,
            dir,
        }
    }

    /// `support@acme.test` on the `support` mailbox (IMAP with STARTTLS) into `queue`, sending
    /// through the sink; its id.
    pub async fn support_alias(&self, queue: i64) -> i64 {
        let inc =
            json!({"protocol": "imap", "port": self.dovecot.imap_port(), "security": "starttls"});
        let a = alias(
            &self.api,
            self.dept,
            queue,
            "support@acme.test",
            "support",
            inc,
            self.sink.as_ref(),
        )
        .await;
        a["id"].as_i64().unwrap()
    }

    /// The customer's newest message, once there (within 30 s), checked to come from
    /// `support@acme.test`; its raw bytes.
    pub async fn reply_from_support(&self, what: &str) -> Vec<u8> {
        let raw = wait_for(what, Duration::from_secs(30), || async {
            self.dovecot.read_messages("carol").pop()
        })
        .await;
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            parsed.from().unwrap().first().unwrap().address(),
            Some("support@acme.test")
        );
        raw
    }

    /// An alias on the `support` mailbox with `incoming` settings, sending through the sink.
    pub async fn alias(&self, address: &str, incoming: Value) -> Value {
        alias(
            &self.api,
            self.dept,
            self.queue,
            address,
            "support",
            incoming,
            self.sink.as_ref(),
        )
        .await
    }
}

/// An alias's mail worker in the service status.
pub async fn alias_status(api: &Api, alias: i64) -> Value {
    let (_, services) = api.get("/system/services").await;
    services[format!("retriever.alias.{alias}")].clone()
}

/// The Message-IDs of the messages in `user`'s mailbox.
pub fn message_ids(dovecot: &Dovecot, user: &str) -> Vec<String> {
    dovecot
        .read_messages(user)
        .iter()
        .map(|r| {
            mail_parser::MessageParser::default()
                .parse(r)
                .unwrap()
                .message_id()
                .unwrap()
                .to_string()
        })
        .collect()
}
