//! A cluster of three `serve` processes on one real PostgreSQL database and a real S3-compatible
//! server, behind a real haproxy, with a real Dovecot and SMTP server: the node holding the
//! router, retriever and dispatcher leases is killed mid-backlog and again mid-dispatch (the
//! console moves all three onto it first); the others take over within the failover bound,
//! every message is stored once, every reply reaches the SMTP server (duplicates counted: only
//! what was in flight when the node died), offers keep reaching an agent's event stream through
//! the load balancer, and the agent keeps what they accepted. A paused holder
//! (SIGSTOP past its lease, then SIGCONT) writes nothing after losing the lease.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::mail::*;
use common::{Api, Server};
use serde_json::{Value, json};
use switchboard_testkit::{Haproxy, S3Server, require_or_skip};

/// Lease time in the test (seconds): failover within about 4/3 of it.
const LEASE: &str = "3";
/// The failover bound the issue sets.
const FAILOVER: Duration = Duration::from_secs(10);

/// A secret key every node of the S3 cluster shares (its bucket's secret is sealed with it).
const SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Settings that keep blobs in `s3`'s bucket, its secret sealed with [`SECRET_KEY`].
fn s3_env(s3: &S3Server) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut seal = std::process::Command::new(common::BIN)
        .args(["blobs", "seal-secret", "--data-dir"])
        .arg(dir.path())
        .env("SWITCHBOARD_SECRET_KEY", SECRET_KEY)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut seal.stdin.take().unwrap(), b"test\n").unwrap();
    let out = seal.wait_with_output().unwrap();
    assert!(out.status.success());
    let sealed = String::from_utf8(out.stdout).unwrap().trim().to_string();
    [
        ("SWITCHBOARD_SECRET_KEY", SECRET_KEY),
        ("SWITCHBOARD_BLOBS_BACKEND", "s3"),
        ("SWITCHBOARD_BLOBS_S3_ENDPOINT", &s3.endpoint()),
        ("SWITCHBOARD_BLOBS_S3_BUCKET", s3.bucket()),
        ("SWITCHBOARD_BLOBS_S3_ACCESS_KEY_ID", "test"),
        ("SWITCHBOARD_BLOBS_S3_SECRET_ACCESS_KEY", &sealed),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Starts node `name` on the cluster's database with `extra` settings, and the first node's
/// secret key file when it has one.
fn node(w: &World, url: &str, name: &str, extra: &[(String, String)]) -> Server {
    let dir = w.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let key = w.server.data_dir.join("secret.key");
    if key.exists() {
        std::fs::copy(key, dir.join("secret.key")).unwrap();
    }
    let mut env = vec![
        ("SWITCHBOARD_DATABASE_URL", url),
        ("SWITCHBOARD_CLUSTER_NODE_NAME", name),
        ("SWITCHBOARD_CLUSTER_LEASE_SECS", LEASE),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    server(&dir, &w.dovecot, &env)
}

/// Which node runs singleton service `service`, as node `api` sees it (its own status, or the
/// holder it saw while on standby).
async fn runs(api: &Api, service: &str) -> Option<String> {
    let (st, s) = api.get("/system/services").await;
    if st != 200 {
        return None;
    }
    s[service]["node"].as_str().map(str::to_string)
}

/// Waits until a node other than `dead` runs `service` (asked through `api`); the time taken.
async fn taken_over(api: &Api, service: &str, dead: &str, since: Instant) -> Duration {
    wait_for(
        &format!("{service} taken over from {dead}"),
        FAILOVER * 2,
        || async {
            let holder = runs(api, service).await?;
            (holder != dead).then_some(())
        },
    )
    .await;
    since.elapsed()
}

/// Reads the event stream until an event named `kind` arrives; its data.
async fn next_event(stream: &mut reqwest::Response, buf: &mut String, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            if frame.contains(&format!("event: {kind}\n")) {
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or("null");
                return serde_json::from_str(data).unwrap_or(Value::Null);
            }
            continue;
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {kind} event"))
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

fn deliver(w: &World, from: usize, to: usize) {
    w.dovecot.deliver_many(
        "support",
        (from..to).map(|i| {
            message(
                "carol@customer.test",
                "support@acme.test",
                &format!("Question {i}"),
                &format!("q{i}@customer.test"),
                "",
                "Hello",
            )
        }),
    );
}

/// Every stored inbound email, checked to hold each Message-ID once.
async fn stored_once(api: &Api, alias: i64, n: usize) -> Vec<Value> {
    let mails = wait_emails(
        api,
        &format!("alias_id={alias}&direction=inbound"),
        n,
        Duration::from_secs(180),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = all_emails(api, &format!("alias_id={alias}&direction=inbound")).await;
    let ids: HashSet<String> = all
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), n, "each message stored once");
    assert_eq!(ids.len(), n);
    mails
}

/// Lets the load balancer see a node again, or not: its `host:port`.
fn addr(server: &Server) -> String {
    server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Asks the console (through `api`) to move each of `services` to `node`, and waits until `via`
/// sees `node` run them all.
async fn move_all(api: &Api, via: &Api, services: &[&str], node: &str) {
    for service in services {
        let (st, v) = api
            .post(
                &format!("/system/cluster/services/{service}"),
                json!({"action": "move", "node": node}),
            )
            .await;
        assert_eq!(st, 200, "{v}");
    }
    for service in services {
        wait_for(&format!("{service} on {node}"), FAILOVER * 2, || async {
            (runs(via, service).await.as_deref() == Some(node)).then_some(())
        })
        .await;
    }
}

#[tokio::test]
async fn a_killed_primary_loses_nothing_and_its_services_move() {
    if !(require_or_skip("dovecot")
        && require_or_skip("aiosmtpd")
        && require_or_skip("moto")
        && require_or_skip("haproxy"))
    {
        return;
    }
    const MAILS: usize = 300;
    const LATE: usize = 3;
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let s3 = S3Server::start("cluster");
    let shared = s3_env(&s3);
    let mut env = vec![
        ("SWITCHBOARD_DATABASE_URL", url.as_str()),
        ("SWITCHBOARD_CLUSTER_NODE_NAME", "n1"),
        ("SWITCHBOARD_CLUSTER_LEASE_SECS", LEASE),
    ];
    env.extend(shared.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut w = World::start(true, &env).await;
    let api1 = w.api.with_base(&w.api.base);

    // An agent in a group serving the support queue.
    let (st, agent) = api1
        .post(
            "/users",
            json!({"department_id": w.dept, "email": "ann@example.org", "name": "Ann",
                   "role": "agent", "password": "a long agent password",
                   "capacity": {"inbound_email": 1}}),
        )
        .await;
    assert_eq!(st, 201, "{agent}");
    let agent_id = agent["id"].as_i64().unwrap();
    let (st, group) = api1
        .post(
            "/user-groups",
            json!({"department_id": w.dept, "name": "Support", "members": [agent_id]}),
        )
        .await;
    assert_eq!(st, 201, "{group}");
    let (st, q) = api1
        .post(
            "/queues",
            json!({"department_id": w.dept, "name": "Support",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await;
    assert_eq!(st, 201, "{q}");
    let alias = w.support_alias(q["id"].as_i64().unwrap()).await;
    let retriever = format!("retriever.alias.{alias}");
    let primary = ["router", "dispatcher", retriever.as_str()];
    wait_for("n1 reads the mailbox", FAILOVER, || async {
        (runs(&api1, &retriever).await.as_deref() == Some("n1")).then_some(())
    })
    .await;
    // Two more nodes join (n1, first, holds every lease), all behind the load balancer.
    let (n2, n3) = (node(&w, &url, "n2", &shared), node(&w, &url, "n3", &shared));
    let api2 = api1.with_base(&n2.url);
    for service in primary {
        wait_for(&format!("n2 sees n1 run {service}"), FAILOVER, || async {
            (runs(&api2, service).await.as_deref() == Some("n1")).then_some(())
        })
        .await;
    }
    let lb = Haproxy::start(&[
        ("n1", &addr(&w.server)),
        ("n2", &addr(&n2)),
        ("n3", &addr(&n3)),
    ]);
    let api = api1.with_base(&lb.url());
    wait_for("the load balancer answers", FAILOVER, || async {
        let (st, _) = api.get("/system/services").await;
        (st == 200).then_some(())
    })
    .await;

    // Kill n1 mid-backlog: another node goes on reading the mailbox.
    deliver(&w, 0, MAILS);
    wait_emails(
        &api,
        &format!("alias_id={alias}&direction=inbound"),
        30,
        Duration::from_secs(60),
    )
    .await;
    let killed = Instant::now();
    w.server.kill();
    let retriever_moved = taken_over(&api2, &retriever, "n1", killed).await;
    let router_moved = taken_over(&api2, "router", "n1", killed).await;
    let dispatcher_moved = taken_over(&api2, "dispatcher", "n1", killed).await;
    let mails = stored_once(&api, alias, MAILS).await;
    eprintln!(
        "failover after a kill mid-backlog: retriever {retriever_moved:?}, router {router_moved:?}, dispatcher {dispatcher_moved:?}"
    );
    assert!(retriever_moved <= FAILOVER && router_moved <= FAILOVER);
    assert!(dispatcher_moved <= FAILOVER);

    // The agent, through the load balancer, gets an offer on their event stream and accepts it.
    let ann = Api::login_at(&lb.url(), "ann@example.org", "a long agent password").await;
    let open_stream = || async {
        let stream = ann
            .http
            .get(format!("{}/api/v1/me/events", ann.base))
            .bearer_auth(&ann.token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        stream
    };
    let mut stream = open_stream().await;
    let mut buf = String::new();
    let (st, p) = ann.put("/me/presence", json!({"ready": true})).await;
    assert_eq!(st, 200, "{p}");
    let offer = next_event(&mut stream, &mut buf, "offered").await;
    let accepted = offer["activity"].as_i64().unwrap();
    let (st, a) = ann
        .post(
            &format!("/activities/{accepted}/actions"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, 200, "{a}");
    let (st, p) = ann
        .put(
            "/me/presence",
            json!({"ready": false, "reason": "Replying"}),
        )
        .await;
    assert_eq!(st, 200, "{p}");

    // The router, retriever and dispatcher all on n2 (the console moves them), then replies to
    // every other message; kill n2 mid-dispatch.
    let api3 = api1.with_base(&n3.url);
    move_all(&api, &api3, &primary, "n2").await;
    let mut replied = 0;
    for m in mails.iter().filter(|m| m["activity_id"] != accepted) {
        let (st, r) = api
            .post(
                &format!("/activities/{}/reply", m["activity_id"]),
                json!({"text": "Thanks, sorted"}),
            )
            .await;
        // Work still offered to the agent is theirs to answer.
        if st == 201 {
            replied += 1;
        } else {
            assert_eq!(st, 409, "{r}");
        }
    }
    assert!(replied >= MAILS - 10, "{replied}");
    let sink = w.sink.as_ref().unwrap();
    wait_for("dispatch under way", Duration::from_secs(60), || async {
        (sink.count() >= 20).then_some(())
    })
    .await;
    let killed = Instant::now();
    signal(n2.child.id(), "KILL");
    let mut moved = Vec::new();
    for service in primary {
        moved.push(taken_over(&api3, service, "n2", killed).await);
    }
    eprintln!("failover after a kill mid-dispatch: router, dispatcher, retriever {moved:?}");
    assert!(moved.iter().all(|m| *m <= FAILOVER), "{moved:?}");

    // The agent still holds what they accepted, answers it, and is offered mail that arrived
    // after both kills, all through the load balancer.
    let (st, a) = ann.get(&format!("/activities/{accepted}")).await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["assignee_id"], agent_id, "{a}");
    assert_eq!(a["status"], "assigned", "{a}");
    let (st, r) = ann
        .post(
            &format!("/activities/{accepted}/reply"),
            json!({"text": "Answered by Ann", "complete": true}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    replied += 1;
    deliver(&w, MAILS, MAILS + LATE);
    stored_once(&api, alias, MAILS + LATE).await;
    let mut stream = open_stream().await;
    let mut buf = String::new();
    let (st, p) = ann.put("/me/presence", json!({"ready": true})).await;
    assert_eq!(st, 200, "{p}");
    let late = next_event(&mut stream, &mut buf, "offered").await;
    assert_ne!(late["activity"].as_i64(), Some(accepted), "{late}");

    // Every reply reached the SMTP server; duplicates only from the dead dispatcher's flight.
    wait_for(
        "every reply delivered",
        Duration::from_secs(180),
        || async { (sink.count() >= replied).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let delivered = message_ids(&w.dovecot, "carol");
    let distinct: HashSet<&String> = delivered.iter().collect();
    assert_eq!(
        distinct.len(),
        replied,
        "every reply reached the SMTP server"
    );
    let duplicates = delivered.len() - distinct.len();
    eprintln!(
        "replies: {replied}, delivered: {}, duplicates: {duplicates}",
        delivered.len()
    );
    // At most what the dead dispatcher had in flight (two claimed batches).
    assert!(duplicates <= 512, "{duplicates}");
    // Every stored message still reads, from the bucket.
    for m in mails.iter().take(5) {
        let (st, raw) = api.bytes(&format!("/emails/{}/raw", m["id"])).await;
        assert_eq!(st, 200);
        assert!(String::from_utf8_lossy(&raw).contains("Question"));
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

#[tokio::test]
async fn a_paused_holder_writes_nothing_after_losing_its_lease() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    const MAILS: usize = 200;
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let env = [
        ("SWITCHBOARD_DATABASE_URL", url.as_str()),
        ("SWITCHBOARD_CLUSTER_NODE_NAME", "n1"),
        ("SWITCHBOARD_CLUSTER_LEASE_SECS", LEASE),
    ];
    let w = World::start(true, &env).await;
    let alias = w.support_alias(w.queue).await;
    let retriever = format!("retriever.alias.{alias}");
    wait_for("n1 reads the mailbox", FAILOVER, || async {
        (runs(&w.api, &retriever).await.as_deref() == Some("n1")).then_some(())
    })
    .await;
    let n2 = node(&w, &url, "n2", &[]);
    let api2 = w.api.with_base(&n2.url);
    deliver(&w, 0, MAILS);
    wait_emails(
        &api2,
        &format!("alias_id={alias}&direction=inbound"),
        20,
        Duration::from_secs(60),
    )
    .await;
    // Paused past its lease, mid-backlog: n2 takes the mailbox over.
    let pid = w.server.child.id();
    signal(pid, "STOP");
    let paused = Instant::now();
    let moved = taken_over(&api2, &retriever, "n1", paused).await;
    assert!(moved <= FAILOVER, "{moved:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Woken up: whatever it still tries to store is refused; nothing is stored twice.
    signal(pid, "CONT");
    stored_once(&api2, alias, MAILS).await;
    wait_for("n1 on standby", FAILOVER, || async {
        let (_, s) = w.api.get("/system/services").await;
        (s[&retriever]["state"] == "standby" && s[&retriever]["node"] == "n2").then_some(())
    })
    .await;
}

/// The system console's commands through the API: stop the dispatcher everywhere and start it
/// again, move the router to another node; only administrators may.
#[tokio::test]
async fn the_console_stops_starts_and_moves_services() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let env = |name: &str| {
        vec![
            ("SWITCHBOARD_DATABASE_URL".to_string(), url.clone()),
            (
                "SWITCHBOARD_CLUSTER_NODE_NAME".to_string(),
                name.to_string(),
            ),
            (
                "SWITCHBOARD_CLUSTER_LEASE_SECS".to_string(),
                LEASE.to_string(),
            ),
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    let n1 = Server::start_in(dir.path().join("n1"), env("n1"));
    std::fs::create_dir_all(dir.path().join("n2")).unwrap();
    std::fs::copy(
        dir.path().join("n1").join("secret.key"),
        dir.path().join("n2").join("secret.key"),
    )
    .unwrap();
    let n2 = Server::start_in(dir.path().join("n2"), env("n2"));
    let admin = Api::admin(&n1).await;
    let admin2 = admin.with_base(&n2.url);
    let service = |v: &Value, name: &str| {
        v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let cluster = wait_for("two live nodes", FAILOVER, || async {
        let (st, v) = admin2.get("/system/cluster").await;
        assert_eq!(st, 200, "{v}");
        let alive = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["alive"] == true)
            .count();
        (alive == 2).then_some(v)
    })
    .await;
    assert_eq!(service(&cluster, "dispatcher")["node"], "n1", "{cluster}");
    assert_eq!(service(&cluster, "router")["node"], "n1", "{cluster}");

    // Stopped everywhere: no node runs it, even after its lease would have lapsed.
    let (st, v) = admin2
        .post(
            "/system/cluster/services/dispatcher",
            json!({"action": "stop"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(service(&v, "dispatcher")["stopped"], true, "{v}");
    wait_for("the dispatcher stopped", FAILOVER, || async {
        let (_, v) = admin.get("/system/cluster").await;
        service(&v, "dispatcher")["node"].is_null().then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (_, v) = admin.get("/system/cluster").await;
    assert!(service(&v, "dispatcher")["node"].is_null(), "{v}");
    let (_, s2) = admin2.get("/system/services").await;
    assert_eq!(s2["dispatcher"]["state"], "stopped", "{s2}");
    // Started again: it runs somewhere.
    let (st, v) = admin
        .post(
            "/system/cluster/services/dispatcher",
            json!({"action": "start"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    wait_for("the dispatcher runs again", FAILOVER, || async {
        let (_, v) = admin.get("/system/cluster").await;
        service(&v, "dispatcher")["node"].is_string().then_some(())
    })
    .await;

    // Moved: the router leaves n1 for n2, and calls on n1 still reach it.
    let (st, v) = admin
        .post(
            "/system/cluster/services/router",
            json!({"action": "move", "node": "n2"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    wait_for("the router on n2", FAILOVER, || async {
        let (_, v) = admin.get("/system/cluster").await;
        (service(&v, "router")["node"] == "n2").then_some(())
    })
    .await;
    let (_, queues) = admin.get("/queues").await;
    let q = queues["items"][0]["id"].as_i64().unwrap();
    let (st, m) = admin.get(&format!("/queues/{q}/stats")).await;
    assert_eq!(
        st, 200,
        "a queue's figures through n1 come from the router on n2: {m}"
    );

    // A log filter set on one node is set on every node.
    let filter = "info,switchboard_store=debug";
    let (st, l) = admin
        .put("/system/logging", json!({"filter": filter}))
        .await;
    assert_eq!(st, 200, "{l}");
    wait_for("n2 takes n1's log filter", FAILOVER, || async {
        let (_, l) = admin2.get("/system/logging").await;
        (l["filter"] == filter).then_some(())
    })
    .await;

    // Bad commands are refused with the field at fault; unknown services are not found.
    for (body, field) in [
        (json!({"action": "move", "node": "n9"}), "node"),
        (json!({"action": "move"}), "node"),
        (json!({"action": "pause"}), "action"),
    ] {
        let (st, e) = admin.post("/system/cluster/services/router", body).await;
        assert_eq!((st, e["field"].as_str()), (422, Some(field)), "{e}");
    }
    let (st, _) = admin
        .post(
            "/system/cluster/services/nothing",
            json!({"action": "stop"}),
        )
        .await;
    assert_eq!(st, 404);
    // Agents and supervisors may not.
    let (st, u) = admin
        .post(
            "/users",
            json!({"department_id": department(&admin).await, "email": "sup@example.org",
                   "name": "Sup", "role": "supervisor", "password": "a long supervisor password"}),
        )
        .await;
    assert_eq!(st, 201, "{u}");
    let sup = Api::login(&n1, "sup@example.org", "a long supervisor password").await;
    let (st, _) = sup.get("/system/cluster").await;
    assert_eq!(st, 403);
    let (st, _) = sup
        .post("/system/cluster/services/router", json!({"action": "stop"}))
        .await;
    assert_eq!(st, 403);
}

/// `switchboard bench cluster` runs end to end on a tiny load: both runs, the offers and the
/// kills, with its figures printed.
#[tokio::test]
async fn the_cluster_benchmark_runs_end_to_end() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    let Ok(server) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        eprintln!("notice: SWITCHBOARD_TEST_POSTGRES_URL not set; benchmark run skipped");
        return;
    };
    let users = [
        ("bench", "secret"),
        ("bench2", "secret"),
        ("bench3", "secret"),
    ];
    let dovecot =
        switchboard_testkit::Dovecot::start(&[users[0], users[1], users[2], ("sink", "secret")]);
    let sink = switchboard_testkit::SmtpSink::start(&dovecot.maildir("sink"), None);
    let mut cmd = std::process::Command::new(common::BIN);
    cmd.args([
        "bench",
        "cluster",
        "--messages",
        "30",
        "--kills",
        "2",
        "--offers",
        "5",
    ])
    .args(["--lease-secs", "2", "--postgres", &server])
    .args(["--imap-port", &dovecot.imap_port().to_string()])
    .args(["--smtp-port", &sink.port().to_string()]);
    for (user, _) in users {
        cmd.arg("--mailbox")
            .arg(format!("{user}={}", dovecot.maildir(user).display()));
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    for figure in [
        "ingest:",
        "dispatch:",
        "offers:",
        "failover over 2 kills",
        "3 nodes against 1",
    ] {
        assert!(stdout.contains(figure), "{figure} missing:\n{stdout}");
    }
}
