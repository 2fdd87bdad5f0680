//! `switchboard bench cluster`: the same work on one node and on three nodes sharing one
//! PostgreSQL database (and one data directory for blobs), against real mail servers.
//!
//! - Ingest: a backlog spread over the mailboxes (one alias each; on three nodes the console
//!   moves each alias's retriever to its own node) taken in until every message is stored.
//! - Dispatch: one reply per stored message queued while the dispatcher is stopped, then sent
//!   once it is started; the dispatcher is one service, so three nodes send no faster.
//! - Where the time goes: each phase's CPU split between the nodes, PostgreSQL and the mail
//!   servers, as shares of the machine.
//! - Offers across nodes (three nodes): an activity created on one node, offered by the router on
//!   another, seen on an agent's event stream on a third; the same run with everything on the
//!   router's node is the baseline.
//! - Failover: the router's node SIGKILLed again and again (restarted after each); how long
//!   until the router, and until every service it held, runs on another node.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};
use switchboard_domain::ActivityId;
use switchboard_store::{Store, StoreOptions, create_postgres_database};

use crate::bench_cluster_nodes::{Cluster, Cpu};

/// Options of `bench cluster`.
#[derive(Args, Debug)]
pub struct ClusterArgs {
    /// PostgreSQL server URL; each run gets a fresh database on it.
    #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
    postgres: String,
    /// Messages in the backlog (spread over the mailboxes), and replies sent.
    #[arg(long, default_value_t = 15_000)]
    messages: usize,
    /// IMAP server (plain) holding the mailboxes.
    #[arg(long)]
    imap_port: u16,
    /// A mailbox as `user=maildir` (password `secret`); give one per node (three).
    #[arg(long = "mailbox", required = true)]
    mailboxes: Vec<String>,
    /// SMTP server (plain) the replies go to.
    #[arg(long)]
    smtp_port: u16,
    /// SMTP connections of the dispatcher.
    #[arg(long, default_value_t = 8)]
    connections: u32,
    /// Nodes of the cluster run.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Lease time in seconds (failover comes within about 4/3 of it).
    #[arg(long, default_value_t = 3)]
    lease_secs: u64,
    /// Kills of the router's node.
    #[arg(long, default_value_t = 10)]
    kills: usize,
    /// Offers measured, each way.
    #[arg(long, default_value_t = 200)]
    offers: usize,
}

/// A mailbox: IMAP user and Maildir.
struct Mailbox {
    user: String,
    maildir: std::path::PathBuf,
}

/// What one run measured.
struct Figures {
    ingest: f64,
    dispatch: f64,
}

/// Runs `bench cluster`.
pub async fn cluster(a: ClusterArgs) -> anyhow::Result<()> {
    let mailboxes: Vec<Mailbox> = a
        .mailboxes
        .iter()
        .map(|m| {
            let (user, dir) = m
                .split_once('=')
                .with_context(|| format!("--mailbox {m}: give user=maildir"))?;
            Ok(Mailbox {
                user: user.to_string(),
                maildir: dir.into(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    if a.nodes < 2 {
        bail!("--nodes must be at least 2");
    }
    println!(
        "bench cluster: {} messages over {} mailboxes; 1 node, then {} nodes on one PostgreSQL",
        a.messages,
        mailboxes.len(),
        a.nodes
    );
    let one = run(&a, &mailboxes, 1).await?;
    let many = run(&a, &mailboxes, a.nodes).await?;
    println!(
        "{} nodes against 1: ingest {:.2}×, dispatch {:.2}× (one database, one 2-core machine: \
         the nodes share its CPU with PostgreSQL and the mail servers)",
        a.nodes,
        many.ingest / one.ingest,
        many.dispatch / one.dispatch
    );
    Ok(())
}

/// One run on `nodes` nodes: ingest and dispatch, and on a cluster offers and failover.
async fn run(a: &ClusterArgs, mailboxes: &[Mailbox], nodes: usize) -> anyhow::Result<Figures> {
    println!("-- {nodes} node(s)");
    let name = format!(
        "sbcluster_{}",
        &switchboard_store::auth::random_secret()[..10]
    );
    let database = create_postgres_database(&a.postgres, &name).await?;
    let mut c = Cluster::start(nodes, &database, a.lease_secs, a.connections).await?;
    let store = Store::open(
        &database,
        &StoreOptions {
            max_connections: 8,
            ..StoreOptions::default()
        },
    )
    .await?;
    let depts = c.get(0, "/departments").await?;
    let dept = depts["items"][0]["id"].as_i64().context("no department")?;
    let queue = c
        .post(
            0,
            "/queues",
            json!({"department_id": dept, "name": "Email"}),
        )
        .await?["id"]
        .as_i64()
        .context("no queue")?;
    let mut aliases = Vec::new();
    for (i, m) in mailboxes.iter().enumerate() {
        empty(&m.maildir)?;
        let alias = c
            .post(
                0,
                "/aliases",
                json!({
                    "department_id": dept, "address": format!("support{i}@bench.test"),
                    "display_name": "Bench", "queue_id": queue,
                    "incoming": {"protocol": "imap", "host": "127.0.0.1", "port": a.imap_port,
                                 "security": "none", "username": m.user, "poll_secs": 1},
                    "incoming_password": "secret",
                    "outgoing": {"host": "127.0.0.1", "port": a.smtp_port, "security": "none"}
                }),
            )
            .await?["id"]
            .as_i64()
            .context("no alias")?;
        aliases.push(alias);
        if nodes > 1 {
            c.move_to(&format!("retriever.alias.{alias}"), i % nodes)
                .await?;
        }
    }
    let figures = Figures {
        ingest: ingest(a, &c, &store, mailboxes, &aliases).await?,
        dispatch: dispatch(&c, &store).await?,
    };
    if nodes > 1 {
        offers(a, &c, dept).await?;
        failover(a, &mut c).await?;
    }
    store.close().await;
    drop(c);
    Ok(figures)
}

/// Removes every message of a Maildir (a fresh mailbox for the run).
fn empty(maildir: &std::path::Path) -> anyhow::Result<()> {
    for sub in ["new", "cur"] {
        for e in std::fs::read_dir(maildir.join(sub))
            .with_context(|| format!("{}", maildir.display()))?
            .flatten()
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

fn pids(c: &Cluster) -> Vec<u32> {
    c.nodes.iter().filter_map(|n| n.pid()).collect()
}

/// The backlog delivered, then taken in; messages per second.
async fn ingest(
    a: &ClusterArgs,
    c: &Cluster,
    store: &Store,
    mailboxes: &[Mailbox],
    aliases: &[i64],
) -> anyhow::Result<f64> {
    let per = a.messages.div_ceil(mailboxes.len());
    let cpu = Cpu::now(&pids(c));
    let started = Instant::now();
    for (k, m) in mailboxes.iter().enumerate() {
        let batch: Vec<Vec<u8>> = (0..per)
            .map(|i| crate::bench_mail::message(k * per + i, "Cluster"))
            .collect();
        crate::bench_mail::deliver_to_maildir(&m.maildir, &format!("c{k}x"), &batch)?;
    }
    let want = (per * mailboxes.len()) as i64;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let mut n = 0;
        for id in aliases {
            n += store
                .count_inbound(switchboard_domain::AliasId(*id))
                .await?;
        }
        if n >= want {
            break;
        }
        if Instant::now() >= deadline {
            bail!("only {n} of {want} messages stored");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let rate = want as f64 / started.elapsed().as_secs_f64();
    println!(
        "  ingest:   {rate:>7.0} msg/s  ({want} in {:.1} s; {})",
        started.elapsed().as_secs_f64(),
        cpu.since(&Cpu::now(&pids(c)))
    );
    Ok(rate)
}

/// Every inbound email's activity.
async fn activities(c: &Cluster) -> anyhow::Result<Vec<ActivityId>> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = c
            .get(0, &format!("/emails?limit=500&direction=inbound{cursor}"))
            .await?;
        for e in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = e["activity_id"].as_i64() {
                out.push(ActivityId(id));
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return Ok(out),
        }
    }
}

/// One reply per message queued with the dispatcher stopped, then sent; replies per second.
async fn dispatch(c: &Cluster, store: &Store) -> anyhow::Result<f64> {
    c.control("dispatcher", "stop").await?;
    let targets = activities(c).await?;
    let app = switchboard_app::App::new(store.clone());
    let want = targets.len() as i64;
    crate::bench_mail::queue_replies(&app, targets, "Thanks for writing; this is sorted now.", 32)
        .await?;
    let cpu = Cpu::now(&pids(c));
    let started = Instant::now();
    c.control("dispatcher", "start").await?;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let counts = store.outbox_counts().await?;
        if counts.sent + counts.failed >= want {
            if counts.failed > 0 {
                bail!("{} replies failed", counts.failed);
            }
            break;
        }
        if Instant::now() >= deadline {
            bail!("only {} of {want} replies sent", counts.sent);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let rate = want as f64 / started.elapsed().as_secs_f64();
    println!(
        "  dispatch: {rate:>7.0} msg/s  ({want} in {:.1} s; {})",
        started.elapsed().as_secs_f64(),
        cpu.since(&Cpu::now(&pids(c)))
    );
    Ok(rate)
}

/// The `p`-th percentile of sorted `v`, in ms.
fn pct(v: &[f64], p: f64) -> f64 {
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

/// Offer latency with the agent's stream on `stream_at` and activities created at `create_at`.
async fn offer_latencies(
    a: &ClusterArgs,
    c: &Cluster,
    agent: &str,
    customer: i64,
    queue: i64,
    stream_at: usize,
    create_at: usize,
) -> anyhow::Result<Vec<f64>> {
    let http = reqwest::Client::new();
    let base = |i: usize| format!("{}/api/v1", c.nodes[i].url);
    let mut stream = http
        .get(format!("{}/me/events", base(stream_at)))
        .bearer_auth(agent)
        .send()
        .await?;
    let presence = http
        .put(format!("{}/me/presence", base(stream_at)))
        .bearer_auth(agent)
        .json(&json!({"ready": true}))
        .send()
        .await?;
    if !presence.status().is_success() {
        bail!("presence: {}", presence.status());
    }
    let mut buf = String::new();
    let mut out = Vec::with_capacity(a.offers);
    for i in 0..a.offers {
        let started = Instant::now();
        let made = c
            .post(
                create_at,
                "/activities",
                json!({"customer_id": customer, "channel": "inbound_email",
                       "subject": format!("Offer {i}"), "queue_id": queue}),
            )
            .await?;
        let id = made["id"].as_i64().context("no activity")?;
        loop {
            let offered = next_offer(&mut stream, &mut buf).await?;
            if offered["activity"].as_i64() == Some(id) {
                break;
            }
        }
        out.push(started.elapsed().as_secs_f64() * 1000.0);
        for action in ["accept", "complete"] {
            let r = http
                .post(format!("{}/activities/{id}/actions", base(stream_at)))
                .bearer_auth(agent)
                .json(&json!({"action": action}))
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("{action}: {}", r.status());
            }
        }
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

/// The next `offered` event on an event stream.
async fn next_offer(stream: &mut reqwest::Response, buf: &mut String) -> anyhow::Result<Value> {
    loop {
        if let Some(i) = buf.find("\n\n") {
            let frame: String = buf.drain(..i + 2).collect();
            if frame.contains("event: offered\n") {
                let data = frame
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or("null");
                return Ok(serde_json::from_str(data).unwrap_or(Value::Null));
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), stream.chunk())
            .await
            .context("no offer within 30 s")??
            .context("the event stream ended")?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Offers seen across nodes against offers seen on the router's own node.
async fn offers(a: &ClusterArgs, c: &Cluster, dept: i64) -> anyhow::Result<()> {
    let password = "correct horse battery staple";
    let user = c
        .post(
            0,
            "/users",
            json!({"department_id": dept, "email": "ann@offers.example", "name": "Ann",
                   "role": "agent", "password": password, "capacity": {"inbound_email": 50}}),
        )
        .await?;
    let group = c
        .post(
            0,
            "/user-groups",
            json!({"department_id": dept, "name": "Agents", "members": [user["id"]]}),
        )
        .await?;
    let queue = c
        .post(
            0,
            "/queues",
            json!({"department_id": dept, "name": "Offers",
                   "routing": {"type": "user_group", "user_group_id": group["id"]}}),
        )
        .await?["id"]
        .as_i64()
        .context("no queue")?;
    let customer = c
        .post(
            0,
            "/customers",
            json!({"department_id": dept, "name": "Carol",
                   "contact_points": [{"kind": "email", "value": "carol@customer.bench"}]}),
        )
        .await?["id"]
        .as_i64()
        .context("no customer")?;
    let router = c.placement(0).await?.get("router").cloned().flatten();
    let here = c
        .nodes
        .iter()
        .position(|n| Some(&n.name) == router.as_ref())
        .context("no router")?;
    let (b, d) = ((here + 1) % c.nodes.len(), (here + 2) % c.nodes.len());
    let agent =
        crate::bench_server::agent_token(&c.nodes[here].url, "ann@offers.example", password)
            .await?;
    let local = offer_latencies(a, c, &agent, customer, queue, here, here).await?;
    let across = offer_latencies(a, c, &agent, customer, queue, b, d).await?;
    println!(
        "  offers:   created → on the agent's stream, p50 {:.1} ms, p99 {:.1} ms across nodes \
         (router on {}, stream on {}, created on {}); {:.1} / {:.1} ms all on the router's node \
         ({:.2}× at p99)",
        pct(&across, 0.5),
        pct(&across, 0.99),
        c.nodes[here].name,
        c.nodes[b].name,
        c.nodes[d].name,
        pct(&local, 0.5),
        pct(&local, 0.99),
        pct(&across, 0.99) / pct(&local, 0.99).max(0.001)
    );
    Ok(())
}

/// The router's node killed `a.kills` times; how long until its services run elsewhere.
async fn failover(a: &ClusterArgs, c: &mut Cluster) -> anyhow::Result<()> {
    let mut router_times = Vec::new();
    let mut all_times = Vec::new();
    for _ in 0..a.kills {
        let placed = c.placement(0).await?;
        let router = placed
            .get("router")
            .cloned()
            .flatten()
            .context("no router")?;
        let victim = c
            .nodes
            .iter()
            .position(|n| n.name == router)
            .context("router on an unknown node")?;
        let held: Vec<String> = placed
            .iter()
            .filter(|(_, n)| n.as_deref() == Some(router.as_str()))
            .map(|(s, _)| s.clone())
            .collect();
        let ask = c.other_than(Some(victim))?;
        c.kill(victim);
        let killed = Instant::now();
        let mut router_at = None;
        let deadline = killed + Duration::from_secs(60);
        loop {
            let now = c.placement(ask).await?;
            let moved = |s: &String| now.get(s).cloned().flatten().is_some_and(|n| n != router);
            if router_at.is_none() && moved(&"router".to_string()) {
                router_at = Some(killed.elapsed());
            }
            if held.iter().all(moved) {
                break;
            }
            if Instant::now() >= deadline {
                bail!("{held:?} did not all move within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        all_times.push(killed.elapsed().as_secs_f64());
        router_times.push(router_at.unwrap_or_else(|| killed.elapsed()).as_secs_f64());
        c.restart(victim)?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    router_times.sort_by(f64::total_cmp);
    all_times.sort_by(f64::total_cmp);
    let line = |v: &[f64]| {
        format!(
            "min {:.2} s, median {:.2} s, max {:.2} s",
            v.first().copied().unwrap_or(0.0),
            pct(v, 0.5),
            v.last().copied().unwrap_or(0.0)
        )
    };
    println!(
        "  failover over {} kills of the router's node (lease {} s): router {}; every service it held {}",
        a.kills,
        a.lease_secs,
        line(&router_times),
        line(&all_times)
    );
    Ok(())
}
