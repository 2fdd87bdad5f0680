//! A cluster of three `serve` processes on one real PostgreSQL database, with a real Dovecot
//! and SMTP server: the node holding the router, retriever and dispatcher leases is killed
//! mid-backlog and again mid-dispatch; the others take over within the failover bound, every
//! message is stored once, every reply reaches the SMTP server (duplicates counted: only what
//! was in flight when the node died), offers made by the router on one node reach an agent's
//! event stream on another, and the agent keeps what they accepted. A paused holder
//! (SIGSTOP past its lease, then SIGCONT) writes nothing after losing the lease.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::mail::*;
use common::{Api, Server};
use serde_json::{Value, json};
use switchboard_testkit::require_or_skip;

/// Lease time in the test (seconds): failover within about 4/3 of it.
const LEASE: &str = "3";
/// The failover bound the issue sets.
const FAILOVER: Duration = Duration::from_secs(10);

/// Starts node `name` on the cluster's database, with the first node's secret key.
fn node(w: &World, url: &str, name: &str) -> Server {
    let dir = w.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(w.server.data_dir.join("secret.key"), dir.join("secret.key")).unwrap();
    server(
        &dir,
        &w.dovecot,
        &[
            ("SWITCHBOARD_DATABASE_URL", url),
            ("SWITCHBOARD_CLUSTER_NODE_NAME", name),
            ("SWITCHBOARD_CLUSTER_LEASE_SECS", LEASE),
        ],
    )
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

#[tokio::test]
async fn a_killed_primary_loses_nothing_and_its_services_move() {
    if !(require_or_skip("dovecot") && require_or_skip("aiosmtpd")) {
        return;
    }
    const MAILS: usize = 300;
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let env = [
        ("SWITCHBOARD_DATABASE_URL", url.as_str()),
        ("SWITCHBOARD_CLUSTER_NODE_NAME", "n1"),
        ("SWITCHBOARD_CLUSTER_LEASE_SECS", LEASE),
    ];
    let mut w = World::start(true, &env).await;
    let api1 = w.api.with_base(&w.api.base);

    // An agent in a group serving the support queue.
    let (st, agent) = api1
        .post(
            "/users",
            json!({"department_id": w.dept, "email": "ann@example.org", "name": "Ann",
                   "role": "agent", "password": "a long agent password"}),
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
    wait_for("n1 reads the mailbox", FAILOVER, || async {
        (runs(&api1, &retriever).await.as_deref() == Some("n1")).then_some(())
    })
    .await;
    // Two more nodes join: n1, first, holds every lease.
    let (n2, n3) = (node(&w, &url, "n2"), node(&w, &url, "n3"));
    let api2 = api1.with_base(&n2.url);
    for service in ["router", "dispatcher", retriever.as_str()] {
        wait_for(&format!("n2 sees n1 run {service}"), FAILOVER, || async {
            (runs(&api2, service).await.as_deref() == Some("n1")).then_some(())
        })
        .await;
    }

    // Kill n1 mid-backlog: another node goes on reading the mailbox.
    deliver(&w, 0, MAILS);
    wait_emails(
        &api2,
        &format!("alias_id={alias}&direction=inbound"),
        30,
        Duration::from_secs(60),
    )
    .await;
    let killed = Instant::now();
    w.server.kill();
    let retriever_moved = taken_over(&api2, &retriever, "n1", killed).await;
    let router_moved = taken_over(&api2, "router", "n1", killed).await;
    let mails = stored_once(&api2, alias, MAILS).await;
    eprintln!(
        "failover after a kill mid-backlog: retriever {retriever_moved:?}, router {router_moved:?}"
    );
    assert!(retriever_moved <= FAILOVER && router_moved <= FAILOVER);

    // The agent, on whichever node does not run the router, gets offers made by the router
    // elsewhere on their event stream, and accepts one.
    let router_node = runs(&api2, "router").await.unwrap();
    let (agent_server, other) = if router_node == "n2" {
        (&n3, &n2)
    } else {
        (&n2, &n3)
    };
    let ann = Api::login(agent_server, "ann@example.org", "a long agent password").await;
    let mut stream = ann
        .http
        .get(format!("{}/api/v1/me/events", ann.base))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
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

    // Replies to every other message; kill the dispatcher's node mid-dispatch.
    let admin = api1.with_base(&other.url);
    let mut replied = 0;
    for m in mails.iter().filter(|m| m["activity_id"] != accepted) {
        let (st, r) = admin
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
    let dispatcher = runs(&admin, "dispatcher").await.unwrap();
    let (victim, survivor) = if dispatcher == "n2" {
        (&n2, &n3)
    } else {
        (&n3, &n2)
    };
    let killed = Instant::now();
    signal(victim.child.id(), "KILL");
    let survivor_api = api1.with_base(&survivor.url);
    let dispatch_moved = taken_over(&survivor_api, "dispatcher", &dispatcher, killed).await;
    eprintln!("failover after a kill mid-dispatch: dispatcher {dispatch_moved:?}");
    assert!(dispatch_moved <= FAILOVER);
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

    // The agent still holds what they accepted.
    let survivor = Api::login(survivor, "ann@example.org", "a long agent password").await;
    let (st, a) = survivor.get(&format!("/activities/{accepted}")).await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["assignee_id"], agent_id, "{a}");
    assert_eq!(a["status"], "assigned", "{a}");
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
    let n2 = node(&w, &url, "n2");
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
