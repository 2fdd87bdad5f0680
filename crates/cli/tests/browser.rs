//! Browser tests: the real binary, spawned on a free port, driven by a real headless Chromium.
//!
//! Each test starts a server and runs one Node script from `tests/browser/` (Playwright through
//! the `playwright-core` package, which downloads no browser: it drives the system Chromium,
//! `/usr/bin/chromium`, or `$SWITCHBOARD_TEST_CHROMIUM`, handed to the script as
//! `SWITCHBOARD_CHROMIUM`; the server refuses unknown `SWITCHBOARD_*` variables other than
//! `SWITCHBOARD_TEST_*`). Screenshots land in `target/browser-artifacts`.
//!
//! Run with `cargo test -p switchboard --test browser` after `npm ci` in `tests/browser`
//! (`scripts/test` installs Chromium, Node and the npm packages when missing). Without Node, the
//! npm packages or Chromium each test is skipped with a notice; under `CI` it fails instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::mail::{World, emails, wait_for};
use common::{Api, Server};
use serde_json::json;
use switchboard_testkit::require_or_skip;

/// How long one browser script may run before it is killed.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

/// The repository root (`crates/cli` → `../..`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Chromium executable the scripts launch.
fn chromium() -> PathBuf {
    std::env::var_os("SWITCHBOARD_TEST_CHROMIUM")
        .map_or_else(|| "/usr/bin/chromium".into(), Into::into)
}

/// Whether Node, the npm packages and Chromium are present; a notice and `false` when one is
/// missing, a panic under `CI` (where the browser tests must run).
fn browser_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let missing = if !node {
        "node not found"
    } else if !repo_root()
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        "tests/browser/node_modules/playwright-core missing (run npm ci in tests/browser)"
    } else if !chromium().is_file() {
        "chromium executable not found"
    } else {
        return true;
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{missing}: CI must run the browser tests"
    );
    eprintln!("notice: {missing}; browser test skipped");
    false
}

/// Runs `node tests/browser/<script>` against `server_url`, killing it after [`SCRIPT_TIMEOUT`];
/// panics, with the script's output, unless it exits 0.
fn run_script(script: &str, server_url: &str, extra_env: &[(&str, &str)]) {
    let root = repo_root();
    let mut child = Command::new("node")
        .arg(Path::new("tests/browser").join(script))
        .current_dir(&root)
        .env("SWITCHBOARD_URL", server_url)
        .env("SWITCHBOARD_CHROMIUM", chromium())
        .env(
            "SWITCHBOARD_ARTIFACTS",
            root.join("target/browser-artifacts"),
        )
        .envs(extra_env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn node");
    // Drain both pipes on threads so a chatty script cannot block on a full pipe.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // Chromium exits by itself once Node, which holds its control pipe, is gone.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    let outcome = match status {
        Some(s) if s.success() => {
            eprintln!("{script}:\n{out}{err}");
            return;
        }
        Some(s) => format!("failed ({s})"),
        None => format!("killed after {} s", SCRIPT_TIMEOUT.as_secs()),
    };
    panic!("browser script {script} {outcome}\n--- stdout\n{out}--- stderr\n{err}");
}

#[tokio::test]
async fn smoke_healthz_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    run("smoke.mjs", &Server::sqlite(), vec![]).await;
}

/// One scenario over the server's own HTTPS, with a test certificate Chromium accepts by its
/// public key: login through the form, the console, a Secure HttpOnly session cookie.
#[tokio::test]
async fn login_over_https_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let ca = switchboard_testkit::TestCa::generate();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        dir.path().to_path_buf(),
        vec![
            (
                "SWITCHBOARD_WEB_TLS_CERT".into(),
                ca.cert_path().display().to_string(),
            ),
            (
                "SWITCHBOARD_WEB_TLS_KEY".into(),
                ca.key_path().display().to_string(),
            ),
        ],
    );
    let spki = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform der \
             | openssl dgst -sha256 -binary | base64",
            ca.cert_path().display()
        ))
        .output()
        .unwrap();
    assert!(spki.status.success());
    let spki = String::from_utf8(spki.stdout).unwrap().trim().to_string();
    run(
        "https_login.mjs",
        &server,
        vec![
            ("SWITCHBOARD_SPKI", spki),
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
        ],
    )
    .await;
}

/// Runs `script` against `server` on a blocking thread, passing a panic on.
async fn run(script: &'static str, server: &Server, env: Vec<(&'static str, String)>) {
    let url = server.url.clone();
    let run = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_script(script, &url, &env);
    })
    .await;
    if let Err(e) = run {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Posts `body` to `path` as the administrator, expecting 201; the new object's id.
async fn create(api: &Api, path: &str, body: serde_json::Value) -> i64 {
    let (st, v) = api.post(path, body).await;
    assert_eq!(st, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

/// Agent Ann (`ann@acme.test`, replies reviewed if `reviewed`) in a new group "Support" of
/// `dept`; the group's id.
async fn ann_in_support(api: &Api, dept: i64, password: &str, reviewed: bool) -> i64 {
    let ann = create(
        api,
        "/users",
        json!({"department_id": dept, "email": "ann@acme.test", "name": "Ann Agent",
               "role": "agent", "password": password, "reviewed": reviewed}),
    )
    .await;
    create(
        api,
        "/user-groups",
        json!({"department_id": dept, "name": "Support", "members": [ann]}),
    )
    .await
}

#[tokio::test]
async fn agent_console_offers_live_and_accepts_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let password = "a long enough password";
    let group = ann_in_support(&api, dept, password, false).await;
    let queue = create(
        &api,
        "/queues",
        json!({"department_id": dept, "name": "Support",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol Customer",
               "contact_points": [{"kind": "email", "value": "carol@customer.test"}]}),
    )
    .await;
    run(
        "agent_console.mjs",
        &server,
        vec![
            ("SB_ADMIN_TOKEN", api.token.clone()),
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_AGENT_PASSWORD", password.into()),
            ("SB_CUSTOMER_ID", customer.to_string()),
            ("SB_QUEUE_ID", queue.to_string()),
            ("SB_DEPT", dept.to_string()),
        ],
    )
    .await;
    // What the browser did is what the store holds.
    let ann_api = Api::login(&server, "ann@acme.test", password).await;
    let (_, work) = ann_api.get("/me/work").await;
    assert_eq!(work["assigned"].as_array().unwrap().len(), 2, "{work}");
    let (_, p) = ann_api.get("/me/presence").await;
    assert_eq!(p["reason"], "Lunch", "{p}");
}

/// A customer's HTML email that tries everything a hostile message can.
fn hostile_email() -> Vec<u8> {
    "From: Carol Customer <carol@customer.test>\r\nTo: support@acme.test\r\n\
     Subject: My order\r\nMessage-ID: <b1@customer.test>\r\n\
     Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
     Content-Type: text/html; charset=utf-8\r\n\r\n\
     <html><head><script>document.title='pwned';alert('script')</script></head><body>\
     <p>My order never arrived.</p>\
     <img src=\"http://images.tracker.test/pixel.png\" onerror=\"alert('onerror')\">\
     </body></html>\r\n"
        .as_bytes()
        .to_vec()
}

#[tokio::test]
async fn agent_answers_an_email_with_a_kb_answer_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    let article = |kind: &'static str, title: &'static str, html: &'static str| json!({"department_id": dept, "kind": kind, "title": title, "html": html});
    let greeting = create(
        api,
        "/articles",
        article("greeting", "Greeting", "<p>Dear {{customer.name}},</p>"),
    )
    .await;
    let signature = create(
        api,
        "/articles",
        article(
            "signature",
            "Signature",
            "<p>Kind regards,<br>{{agent.name}}</p>",
        ),
    )
    .await;
    create(
        api,
        "/articles",
        article("answer", "Refunds", "<p>Refunds take five days.</p>"),
    )
    .await;
    let path = format!("/departments/{dept}/email-settings");
    let (_, mut settings) = api.get(&path).await;
    settings["parts"] = json!({"greeting": greeting, "signature": signature});
    let (st, body) = api.put(&path, settings).await;
    assert_eq!(st, 200, "{body}");
    let password = "a long enough password";
    let group = ann_in_support(api, dept, password, false).await;
    let queue = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Support",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let alias = w.support_alias(queue).await;
    w.dovecot.deliver("support", &hostile_email());
    let stored = wait_for("the customer's email", Duration::from_secs(30), || async {
        emails(api, &format!("alias_id={alias}&direction=inbound"))
            .await
            .into_iter()
            .next()
    })
    .await;
    let activity = stored["activity_id"].as_i64().unwrap();
    run(
        "agent_reply.mjs",
        &w.server,
        vec![
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_AGENT_PASSWORD", password.into()),
            ("SB_ACTIVITY_ID", activity.to_string()),
            ("SB_REMOTE_HOST", "images.tracker.test".into()),
        ],
    )
    .await;

    // The reply reached the customer: greeting, the inserted answer, the signature.
    let raw = w.reply_from_support("the reply").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let body = parsed.body_text(0).unwrap().to_string();
    for part in [
        "Dear Carol Customer,",
        "Refunds take five days.",
        "Ann Agent",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["status"], "completed", "{a}");
}

/// A plain customer email to `support@acme.test`.
fn customer_email() -> Vec<u8> {
    "From: Carol Customer <carol@customer.test>\r\nTo: support@acme.test\r\n\
     Subject: Refund for invoice 4471\r\nMessage-ID: <refund1@customer.test>\r\n\
     Date: Sat, 21 Nov 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n\
     Content-Type: text/plain; charset=utf-8\r\n\r\n\
     Hello, I was charged twice for invoice 4471. Can I get a refund?\r\n"
        .as_bytes()
        .to_vec()
}

/// The issue's whole scenario through the consoles: everything is set up through the
/// administration forms; the customer's email arrives (delivered to the real Dovecot when the
/// script asks); the agent answers it from the browser while the supervisor's monitor shows the
/// queue drain; the reply reaches the customer's mailbox through the real SMTP server.
#[tokio::test]
async fn the_whole_scenario_through_the_consoles_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let signals = tempfile::tempdir().unwrap();
    let dir = signals.path().to_path_buf();
    let deliver = {
        let dovecot_dir = dir.clone();
        let dovecot = &w.dovecot;
        let wait = async move {
            let started = Instant::now();
            while !dovecot_dir.join("deliver").exists() {
                if started.elapsed() > SCRIPT_TIMEOUT {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            true
        };
        async move {
            if wait.await {
                dovecot.deliver("support", &customer_email());
                std::fs::write(dir.join("delivered"), b"").unwrap();
            }
        }
    };
    let script = run(
        "full_scenario.mjs",
        &w.server,
        vec![
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
            ("SB_IMAP_PORT", w.dovecot.imap_port().to_string()),
            ("SB_SMTP_PORT", w.sink.as_ref().unwrap().port().to_string()),
            (
                "SB_SIGNAL_DIR",
                signals.path().to_string_lossy().into_owned(),
            ),
        ],
    );
    tokio::join!(script, deliver);

    // The reply reached the customer: the KB answer with the customer's name filled in.
    let raw = w.reply_from_support("the reply").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let body = parsed.body_text(0).unwrap().to_string();
    assert!(
        body.contains("Dear Carol Customer, refunds take five days."),
        "{body}"
    );
    // With the file the agent attached in the composer.
    use mail_parser::MimeHeaders;
    let attached = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("refund-form.txt"))
        .expect("the attachment the agent added");
    assert_eq!(attached.contents(), b"Refund form for invoice 4471");
    assert!(
        parsed
            .subject()
            .unwrap()
            .contains("Refund for invoice 4471"),
        "{:?}",
        parsed.subject()
    );
    // It went out of the department the administrator created, and the activity is done.
    let (_, list) = w.api.get("/activities?status=completed").await;
    let done: Vec<&serde_json::Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["channel"] == "inbound_email")
        .collect();
    assert_eq!(done.len(), 1, "{list}");
    let (_, dept) = w
        .api
        .get(&format!("/departments/{}", done[0]["department_id"]))
        .await;
    assert_eq!(dept["name"], "Billing", "{dept}");
}

/// A customer email with `subject` and `body` to `support@acme.test`.
fn email_with(id: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Carol Customer <carol@customer.test>\r\nTo: support@acme.test\r\n\
         Subject: {subject}\r\nMessage-ID: <{id}@customer.test>\r\n\
         Date: Sat, 21 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// The workflow form editor, pulling from a queue, search, review (edit and approve) and
/// transfer, each through the browser against real Dovecot and SMTP.
#[tokio::test]
async fn workflow_editor_pull_search_review_and_transfer_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    let password = "a long enough password";
    create(
        api,
        "/users",
        json!({"department_id": dept, "email": "sam@acme.test", "name": "Sam Supervisor",
               "role": "supervisor", "password": password}),
    )
    .await;
    let group = ann_in_support(api, dept, password, true).await;
    let review = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Quality", "kind": "review"}),
    )
    .await;
    let queue = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Support", "review_queue_id": review,
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let alias = w.support_alias(queue).await;
    w.dovecot.deliver(
        "support",
        &email_with("c1", "Charged twice", "I was charged twice this month."),
    );
    w.dovecot.deliver(
        "support",
        &email_with("c2", "Address change", "Please update my address."),
    );
    let stored = wait_for("both emails", Duration::from_secs(30), || async {
        let list = emails(api, &format!("alias_id={alias}&direction=inbound")).await;
        (list.len() == 2).then_some(list)
    })
    .await;
    let id_of = |subject: &str| {
        stored.iter().find(|e| e["subject"] == subject).unwrap()["activity_id"]
            .as_i64()
            .unwrap()
    };
    let (pull, other) = (id_of("Charged twice"), id_of("Address change"));
    let (_, queues) = api.get(&format!("/queues?department_id={dept}")).await;
    let exception = queues["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["kind"] == "exception")
        .unwrap()
        .clone();
    run(
        "console_tools.mjs",
        &w.server,
        vec![
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
            ("SB_PASSWORD", password.into()),
            ("SB_PULL_ID", pull.to_string()),
            ("SB_OTHER_ID", other.to_string()),
            ("SB_SUPPORT_QUEUE", queue.to_string()),
            (
                "SB_EXCEPTION_QUEUE",
                format!("{} (exception)", exception["name"].as_str().unwrap()),
            ),
        ],
    )
    .await;

    // The approved reply, as the reviewer edited it, reached the customer.
    let raw = w.reply_from_support("the reviewed reply").await;
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let body = parsed.body_text(0).unwrap().to_string();
    assert!(body.contains("refunded the second charge"), "{body}");
    assert!(body.contains("Reviewed: the refund shows"), "{body}");
    let html = parsed.body_html(0).unwrap().to_string();
    assert!(
        html.contains("<b>Reviewed: the refund shows within five days.</b>"),
        "{html}"
    );
    let (_, a) = api.get(&format!("/activities/{pull}")).await;
    assert_eq!(a["status"], "completed", "{a}");
    // The other email now waits in the exception queue.
    let (_, o) = api.get(&format!("/activities/{other}")).await;
    assert_eq!(o["queue_id"], exception["id"], "{o}");
    // The workflow saved from the form editor is the model the editor built.
    let (_, wfs) = api.get(&format!("/workflows?department_id={dept}")).await;
    let wf = wfs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "Urgent subjects")
        .unwrap()
        .clone();
    assert_eq!(
        wf["definition"]["steps"][0]["cases"][0]["then"][0]["priority"], 9,
        "{wf}"
    );
}

#[tokio::test]
async fn a_customer_chats_from_another_web_site_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    let password = "a long enough password";
    let group = ann_in_support(api, dept, password, false).await;
    let queue = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Web chat",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    w.support_alias(w.queue).await;
    create(
        api,
        "/articles",
        json!({"department_id": dept, "kind": "answer", "title": "Delivery times",
               "html": "<p>{{customer.name}}, deliveries take two days.</p>"}),
    )
    .await;
    let shop_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let entry_point = create(
        api,
        "/entry-points",
        json!({"department_id": dept, "name": "Shop", "queue_id": queue,
               "allowed_origins": [format!("http://localhost:{shop_port}")],
               "survey": [{"key": "score", "text": "How did we do?", "kind": "rating",
                           "required": true}]}),
    )
    .await;
    run(
        "chat_widget.mjs",
        &w.server,
        vec![
            ("SB_ENTRY_POINT", entry_point.to_string()),
            ("SB_SHOP_PORT", shop_port.to_string()),
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_AGENT_PASSWORD", password.into()),
        ],
    )
    .await;
    // What the browser did is what the store holds, and the transcript reached the customer.
    let (_, list) = api.get("/activities?channel=chat").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, c) = api.get(&format!("/activities/{id}/chat")).await;
    let bodies: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 6, "{bodies:?}");
    assert_eq!(c["messages"][4]["file"]["name"], "receipt.txt", "{c}");
    assert_eq!(bodies[2], "<b>Thanks</b>");
    assert_eq!(c["chat"]["state"], "ended", "{c}");
    assert_eq!(c["chat"]["survey"][0]["value"], 4, "{c}");
    let (_, a) = api.get(&format!("/activities/{id}")).await;
    assert_eq!(a["status"], "completed", "{a}");
    let (_, ev) = api.get(&format!("/activities/{id}/events")).await;
    assert!(
        ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "wrapped_up" && e["data"]["note"] == "Order 4711 ships Monday."),
        "{ev}"
    );
    let raw = w.reply_from_support("the transcript").await;
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Transcript: Chat with us"));
    let text = mail.body_text(0).unwrap().to_string();
    assert!(text.contains("Carla Customer: <b>Thanks</b>"), "{text}");
    // The email left while nobody was ready is an email activity of the alias's queue.
    let (_, left) = api
        .get(&format!(
            "/activities?queue_id={}&channel=inbound_email",
            w.queue
        ))
        .await;
    assert_eq!(
        left["items"][0]["subject"], "Do you ship to Iceland?",
        "{left}"
    );
}

#[tokio::test]
async fn a_customer_asks_for_a_callback_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    let password = "a long enough password";
    let group = ann_in_support(api, dept, password, false).await;
    let queue = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Callbacks",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    w.support_alias(w.queue).await;
    let (st, v) = api
        .put(
            &format!("/departments/{dept}/callback-settings"),
            json!({"default_country": "US",
                   "dial_link": "https://cti.example.com/dial?to={phone}&ref={activity_id}"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let shop_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let origin = format!("http://localhost:{shop_port}");
    let mut eps = vec![];
    for (name, kind) in [
        ("Call me now", "callback"),
        ("Call me later", "delayed_callback"),
    ] {
        eps.push(
            create(
                api,
                "/entry-points",
                json!({"department_id": dept, "name": name, "kind": kind, "queue_id": queue,
                       "allowed_origins": [origin],
                       "widget": {"title": name, "welcome": "Leave your number; we call you."}}),
            )
            .await,
        );
    }
    run(
        "callback_widget.mjs",
        &w.server,
        vec![
            ("SB_NOW", eps[0].to_string()),
            ("SB_LATER", eps[1].to_string()),
            ("SB_SHOP_PORT", shop_port.to_string()),
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_AGENT_PASSWORD", password.into()),
        ],
    )
    .await;
    // What the browser did is what the store holds.
    let (_, now) = api.get("/activities?channel=callback").await;
    let id = now["items"][0]["id"].as_i64().unwrap();
    let (_, cb) = api.get(&format!("/activities/{id}/callback")).await;
    assert_eq!(
        (
            cb["phone"].as_str(),
            cb["state"].as_str(),
            cb["attempts"].as_i64()
        ),
        (Some("+14155552671"), Some("reached"), Some(1)),
        "{cb}"
    );
    let (_, later) = api.get("/activities?channel=delayed_callback").await;
    let later = &later["items"][0];
    assert_eq!(later["status"], "queued", "held until its time: {later}");
    let (_, cb) = api
        .get(&format!("/activities/{}/callback", later["id"]))
        .await;
    assert_eq!(cb["time_zone"], "America/New_York", "{cb}");
    assert!(cb["requested_at"].is_string(), "{cb}");
    // The confirmation of the delayed callback reached the customer's real mailbox.
    let raw = wait_for("the confirmation", Duration::from_secs(30), || async {
        w.dovecot.read_messages("carol").pop()
    })
    .await;
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(mail.subject(), Some("Call me later: we will call you back"));
    assert!(
        mail.body_text(0).unwrap().contains("(America/New_York)"),
        "spoken on the customer's clock"
    );
}

/// Every console page is accessible (axe-core, WCAG 2.x A/AA) at 1280×800 and on a phone, with
/// one `<h1>` and nothing overflowing sideways; one object of each administration kind exists, so
/// every list, new form and edit form is drawn.
#[tokio::test]
async fn every_console_page_is_accessible_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let password = "a long enough password";
    let group = ann_in_support(&api, dept, password, false).await;
    let queue = create(
        &api,
        "/queues",
        json!({"department_id": dept, "name": "Support",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let (_, users) = api.get("/users").await;
    let ann = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ann@acme.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let folder = create(
        &api,
        "/kb-folders",
        json!({"department_id": dept, "name": "Answers"}),
    )
    .await;
    let article = create(
        &api,
        "/articles",
        json!({"department_id": dept, "kind": "answer", "title": "Refunds",
               "folder_id": folder, "html": "<p>Refunds take five days.</p>"}),
    )
    .await;
    let category = create(
        &api,
        "/categories",
        json!({"department_id": dept, "name": "Billing"}),
    )
    .await;
    let calendar = create(
        &api,
        "/calendars",
        json!({"department_id": dept, "name": "Office", "time_zone": "Europe/Berlin",
               "hours": {"mon": ["09:00-17:00"]}}),
    )
    .await;
    let entry_point = create(
        &api,
        "/entry-points",
        json!({"department_id": dept, "name": "Shop", "queue_id": queue}),
    )
    .await;
    let workflow = create(
        &api,
        "/workflows",
        json!({"department_id": dept, "name": "Route all", "kind": "inbound",
               "definition": {"steps": [{"type": "route", "id": "r", "queue_id": queue}]}}),
    )
    .await;
    // A webhook whose target is refused (loopback is not allowed here): its page shows the
    // failed deliveries.
    let webhook = create(
        &api,
        "/webhooks",
        json!({"department_id": dept, "url": "http://127.0.0.1:9/hooks", "events": ["created", "queued"]}),
    )
    .await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carla Customer",
               "contact_points": [{"kind": "email", "value": "carla@customer.test"}]}),
    )
    .await;
    let activity = create(
        &api,
        "/activities",
        json!({"customer_id": customer, "channel": "inbound_email", "subject": "Refund please",
               "queue_id": queue}),
    )
    .await;
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    let case = a["case_id"].as_i64().unwrap();
    let (st, v) = api
        .post(
            &format!("/cases/{case}/notes"),
            json!({"text": "Carla prefers email."}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let objects = json!({
        "departments": dept, "users": ann, "user-groups": group, "queues": queue,
        "aliases": null, "kb-folders": folder, "articles": article, "workflows": workflow,
        "categories": category, "calendars": calendar, "entry-points": entry_point,
        "webhooks": webhook,
    });
    run(
        "console_pages.mjs",
        &server,
        vec![
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
            ("SB_ACTIVITY", activity.to_string()),
            ("SB_CUSTOMER", customer.to_string()),
            ("SB_CASE", case.to_string()),
            ("SB_OBJECTS", objects.to_string()),
        ],
    )
    .await;
}

/// Collision: a supervisor and the holding agent on one activity see each other live (and who
/// types); the supervisor cannot answer work the agent holds, takes it over, and the agent is
/// told at once.
#[tokio::test]
async fn a_supervisor_sees_the_holder_and_takes_over_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let password = "a long enough password";
    let group = ann_in_support(&api, dept, password, false).await;
    let sam = create(
        &api,
        "/users",
        json!({"department_id": dept, "email": "sam@acme.test", "name": "Sam Supervisor",
               "role": "supervisor", "password": password}),
    )
    .await;
    let queue = create(
        &api,
        "/queues",
        json!({"department_id": dept, "name": "Support",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carol Customer",
               "contact_points": [{"kind": "email", "value": "carol@customer.test"}]}),
    )
    .await;
    let activity = create(
        &api,
        "/activities",
        json!({"customer_id": customer, "channel": "inbound_email", "subject": "Refund please",
               "queue_id": queue}),
    )
    .await;
    let (_, users) = api.get("/users").await;
    let ann = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ann@acme.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (st, v) = api
        .post(
            &format!("/activities/{activity}/actions"),
            json!({"action": "assign", "agent_id": ann}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // Only the holder answers.
    let sam_api = Api::login(&server, "sam@acme.test", password).await;
    let (st, v) = sam_api
        .post(
            &format!("/activities/{activity}/reply"),
            json!({"text": "Hello"}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("held_by_another")),
        "{v}"
    );
    // An agent may not take a colleague's work.
    let ann_api = Api::login(&server, "ann@acme.test", password).await;
    let (st, _) = ann_api
        .post(&format!("/activities/{activity}/take-over"), json!({}))
        .await;
    assert_eq!(st, 403);
    run(
        "collision.mjs",
        &server,
        vec![
            ("SB_ACTIVITY", activity.to_string()),
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_SUPERVISOR_EMAIL", "sam@acme.test".into()),
            ("SB_PASSWORD", password.into()),
        ],
    )
    .await;
    let (_, a) = api.get(&format!("/activities/{activity}")).await;
    assert_eq!(a["assignee_id"].as_i64(), Some(sam), "{a}");
}

/// The one inbox: an agent handles an email (through the real mailbox and SMTP server), a chat
/// and a callback from it, at 1280×800 and on a phone.
#[tokio::test]
async fn an_agent_handles_email_chat_and_callback_from_the_inbox_in_a_real_browser() {
    if !(browser_available() && require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let w = World::start(true, &[]).await;
    let (api, dept) = (&w.api, w.dept);
    let password = "a long enough password";
    let group = ann_in_support(api, dept, password, false).await;
    let queue = create(
        api,
        "/queues",
        json!({"department_id": dept, "name": "Desk",
               "routing": {"type": "user_group", "user_group_id": group}}),
    )
    .await;
    // A chat in hand lets a callback in.
    let (st, v) = api
        .put(
            &format!("/departments/{dept}/channels/chat"),
            json!({"interruptible": true, "max_queued": 100, "max_time_in_queue_secs": 0,
                   "task_life_secs": 3600, "start_timeout_secs": 3600, "max_duration_secs": 28800}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let alias = w.support_alias(queue).await;
    let mut eps = vec![];
    for (name, kind) in [("Chat with us", "chat"), ("Call me", "callback")] {
        eps.push(
            create(
                api,
                "/entry-points",
                json!({"department_id": dept, "name": name, "kind": kind, "queue_id": queue}),
            )
            .await,
        );
    }
    let subject = "Where is my parcel?";
    w.dovecot.deliver(
        "support",
        &email_with("parcel", subject, "It did not arrive."),
    );
    wait_for("the customer's email", Duration::from_secs(30), || async {
        emails(api, &format!("alias_id={alias}&direction=inbound"))
            .await
            .into_iter()
            .next()
    })
    .await;
    run(
        "inbox.mjs",
        &w.server,
        vec![
            ("SB_AGENT_EMAIL", "ann@acme.test".into()),
            ("SB_AGENT_PASSWORD", password.into()),
            ("SB_CHAT_EP", eps[0].to_string()),
            ("SB_CALLBACK_EP", eps[1].to_string()),
            ("SB_EMAIL_SUBJECT", subject.into()),
        ],
    )
    .await;
    // What the browser did is what the store holds, and the reply reached the customer.
    let raw = w.reply_from_support("the reply").await;
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert!(
        mail.body_text(0)
            .unwrap()
            .contains("Your parcel left our warehouse today."),
        "the reply's text"
    );
    for channel in ["inbound_email", "chat", "callback"] {
        let (_, v) = api.get(&format!("/activities?channel={channel}")).await;
        assert_eq!(v["items"][0]["status"], "completed", "{channel}: {v}");
    }
}

/// Notes with a mention (the colleague is told in her inbox and opens the case) and the customer
/// page after a merge.
#[tokio::test]
async fn a_note_mentions_a_colleague_and_a_duplicate_is_merged_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let password = "a long enough password";
    ann_in_support(&api, dept, password, false).await;
    create(
        &api,
        "/users",
        json!({"department_id": dept, "email": "sam@acme.test", "name": "Sam Supervisor",
               "role": "supervisor", "password": password}),
    )
    .await;
    let (_, users) = api.get("/users").await;
    let ann = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ann@acme.test")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut customers = vec![];
    for (name, address, subject) in [
        ("Carol Customer", "carol@customer.test", "Refund"),
        ("Carol C.", "carol.other@customer.test", "Old order"),
    ] {
        let c = create(
            &api,
            "/customers",
            json!({"department_id": dept, "name": name,
                   "contact_points": [{"kind": "email", "value": address}]}),
        )
        .await;
        let a = create(
            &api,
            "/activities",
            json!({"customer_id": c, "channel": "inbound_email", "subject": subject}),
        )
        .await;
        customers.push((c, a));
    }
    let (c, a) = customers[0];
    let (st, v) = api
        .post(
            &format!("/activities/{a}/actions"),
            json!({"action": "assign", "agent_id": ann}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, act) = api.get(&format!("/activities/{a}")).await;
    let case = act["case_id"].as_i64().unwrap();
    run(
        "notes_merge.mjs",
        &server,
        vec![
            ("SB_PASSWORD", password.into()),
            ("SB_CASE", case.to_string()),
            ("SB_CUSTOMER", c.to_string()),
            ("SB_DUPLICATE", customers[1].0.to_string()),
        ],
    )
    .await;
    // What the browser did is what the store holds.
    let (_, notes) = api.get(&format!("/cases/{case}/notes")).await;
    assert_eq!(notes[0]["mentions"], json!([ann]), "{notes}");
    let (st, _) = api.get(&format!("/customers/{}", customers[1].0)).await;
    assert_eq!(st, 404, "the duplicate is gone");
    let (_, moved) = api.get(&format!("/activities/{}", customers[1].1)).await;
    assert_eq!(moved["customer_id"], c, "{moved}");
}

/// The system console of a two-node cluster on PostgreSQL: stop and start the dispatcher, move
/// the router to the other node, from the Services page.
#[tokio::test]
async fn an_administrator_runs_the_cluster_from_the_services_page_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = |name: &str| {
        vec![
            ("SWITCHBOARD_DATABASE_URL".to_string(), url.clone()),
            (
                "SWITCHBOARD_CLUSTER_NODE_NAME".to_string(),
                name.to_string(),
            ),
            (
                "SWITCHBOARD_CLUSTER_LEASE_SECS".to_string(),
                "3".to_string(),
            ),
        ]
    };
    let n1 = Server::start_in(dir.path().join("n1"), env("n1"));
    std::fs::create_dir_all(dir.path().join("n2")).unwrap();
    std::fs::copy(
        dir.path().join("n1").join("secret.key"),
        dir.path().join("n2").join("secret.key"),
    )
    .unwrap();
    let _n2 = Server::start_in(dir.path().join("n2"), env("n2"));
    let api = Api::admin(&n1).await;
    common::mail::wait_for("n1 runs the router", Duration::from_secs(15), || async {
        let (_, s) = api.get("/system/services").await;
        (s["router"]["node"] == "n1").then_some(())
    })
    .await;
    run(
        "cluster_console.mjs",
        &n1,
        vec![
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
            ("SB_OTHER_NODE", "n2".into()),
        ],
    )
    .await;
    let (_, s) = api.get("/system/cluster").await;
    let router = s["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "router")
        .cloned()
        .unwrap();
    assert_eq!(router["node"], "n2", "{s}");
}

/// Webhooks from the administration console: subscribe a real receiver, see the secret once,
/// renew it, and replay a delivery from the log.
#[tokio::test]
async fn an_administrator_subscribes_a_webhook_in_a_real_browser() {
    if !browser_available() || !switchboard_testkit::require_or_skip("standardwebhooks") {
        return;
    }
    let receiver = switchboard_testkit::WebhookReceiver::start();
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_WEBHOOKS_ALLOW_LOOPBACK".into(), "true".into())],
    );
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carla Customer"}),
    )
    .await;
    let body = json!({"customer_id": customer, "channel": "inbound_email", "subject": "Hooked"});
    run(
        "webhooks_console.mjs",
        &server,
        vec![
            ("SB_ADMIN_EMAIL", common::ADMIN_EMAIL.into()),
            ("SB_ADMIN_PASSWORD", common::ADMIN_PASSWORD.into()),
            ("SB_RECEIVER", receiver.url()),
            ("SB_EVENT_PATH", "/api/v1/activities".into()),
            ("SB_EVENT_BODY", body.to_string()),
        ],
    )
    .await;
    // The receiver had no secret set, so every delivery it got failed its check: the log
    // holds them as failed attempts (401), and the replayed one was tried again.
    let (_, hooks) = api.get("/webhooks").await;
    let hook = hooks["items"][0]["id"].as_i64().unwrap();
    let (_, log) = api.get(&format!("/webhooks/{hook}/deliveries")).await;
    let items = log["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{log}");
    assert!(items.iter().all(|d| d["last_status_code"] == 401), "{log}");
    assert!(!receiver.rejected().is_empty());
}

/// Reports from the console: a supervisor runs a report with its chart and exports it.
#[tokio::test]
async fn a_supervisor_runs_and_exports_a_report_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start_in(
        tmp.path().to_path_buf(),
        vec![("SWITCHBOARD_REPORTS_ROLLUP_TICK_SECS".into(), "1".into())],
    );
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let queue = create(
        &api,
        "/queues",
        json!({"department_id": dept, "name": "Email"}),
    )
    .await;
    let customer = create(
        &api,
        "/customers",
        json!({"department_id": dept, "name": "Carla Customer"}),
    )
    .await;
    for i in 0..6 {
        create(
            &api,
            "/activities",
            json!({"customer_id": customer, "channel": "inbound_email",
                   "subject": format!("Order {i}"), "queue_id": queue}),
        )
        .await;
    }
    create(
        &api,
        "/users",
        json!({"department_id": dept, "email": "sue@acme.test", "name": "Sue", "role": "supervisor",
               "password": "a long enough password 42"}),
    )
    .await;
    wait_for("the rollup", Duration::from_secs(30), || async {
        let (_, r) = api.get("/reports/email_volume?granularity=total").await;
        (r["total"]["values"][0].as_f64() == Some(6.0)).then_some(())
    })
    .await;
    run(
        "reports_console.mjs",
        &server,
        vec![
            ("SB_EMAIL", "sue@acme.test".into()),
            ("SB_PASSWORD", "a long enough password 42".into()),
            ("SB_ARRIVED", "6".into()),
        ],
    )
    .await;
}
