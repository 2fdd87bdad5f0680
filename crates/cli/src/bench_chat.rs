//! `switchboard bench chat`: web chat against a real server (this binary, in its own process on
//! a temporary SQLite database) over loopback.
//!
//! 1. **Idle connections**: `--idle` customers start a chat each (from distinct client
//!    addresses, as behind a proxy) and keep its WebSocket open; the server's resident memory
//!    before and after the connections is read from `/proc` (target: at most `--target-mb`).
//! 2. **Active chats**: `--active` of them exchange messages with the staff side (a supervisor's
//!    WebSocket per chat) for `--seconds`, each side as fast as the API allows (almost five
//!    messages a second per chat and side): messages stored per second (counted by the senders'
//!    acknowledgements, which come only after the store). Then the relay latency from sender to
//!    receiver, at a brisk conversation's pace (each side every `--pace-ms`).
//! 3. **Ceiling**: the same messages written straight through the store's writer in this
//!    process, on a fresh SQLite database, as many at once as there are active chats; the
//!    server's rate is quoted against it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_domain::chat::{Audience, ChatParty, NewChatMessage};
use switchboard_domain::{Actor, ChannelKind, NewActivity, NewCustomer, NewDepartment, Priority};
use switchboard_store::{NewChat, Store, StoreOptions};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::bench_server::{ADMIN_PASSWORD, admin_token, each, mb, post, rss, start};
use crate::now;

/// Options of the chat benchmark.
#[derive(Args)]
pub struct ChatArgs {
    /// Idle chat connections held open.
    #[arg(long, default_value_t = 10_000)]
    idle: usize,
    /// Of those, chats that exchange messages.
    #[arg(long, default_value_t = 1_000)]
    active: usize,
    /// How long the active chats talk, in seconds.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Gap between one side's messages in a chat while the latency is measured, in ms.
    #[arg(long, default_value_t = 2_000)]
    pace_ms: u64,
    /// Memory growth allowed for the idle connections, in MB (the target).
    #[arg(long, default_value_t = 100)]
    target_mb: u64,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Gap between one side's messages in one chat at full speed (the API allows five a second).
const PACE: Duration = Duration::from_millis(210);

/// The figures of one side of the talk.
#[derive(Default)]
struct Tally {
    acked: AtomicU64,
    errors: AtomicU64,
    latencies: Mutex<Vec<u64>>,
}

/// Microseconds since `epoch`, as carried in a message's text.
fn stamp(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
}

async fn setup(base: &str, token: &str) -> anyhow::Result<i64> {
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let token = token.to_string();
        async move {
            let r = http.get(path).bearer_auth(token).send().await?;
            anyhow::Ok(r.json::<Value>().await?)
        }
    };
    let depts = get(format!("{base}/departments")).await?;
    let dept = depts["items"][0]["id"].as_i64().context("a department")?;
    let settings = json!({"interruptible": false, "max_queued": 100_000, "max_time_in_queue_secs": 0,
        "task_life_secs": 300, "start_timeout_secs": 3600, "max_duration_secs": 28800});
    let r = http
        .put(format!("{base}/departments/{dept}/channels/chat"))
        .bearer_auth(token)
        .json(&settings)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("chat settings: {}", r.text().await?);
    }
    let agent = json!({"department_id": dept, "email": "agent@bench.test", "name": "Agent",
        "role": "agent", "password": "a patient responder's passphrase"});
    let (st, u) = post(&http, &format!("{base}/users"), Some(token), agent).await?;
    if st != 201 {
        bail!("agent: {st} {u}");
    }
    let group = json!({"department_id": dept, "name": "Chat", "members": [u["id"]]});
    let (_, g) = post(&http, &format!("{base}/user-groups"), Some(token), group).await?;
    let queue = json!({"department_id": dept, "name": "Chat",
        "routing": {"type": "user_group", "user_group_id": g["id"]}});
    let (_, q) = post(&http, &format!("{base}/queues"), Some(token), queue).await?;
    let ep = json!({"department_id": dept, "name": "Bench", "queue_id": q["id"],
        "max_waiting": switchboard_domain::chat::entry_point::MAX_WAITING});
    let (st, ep) = post(&http, &format!("{base}/entry-points"), Some(token), ep).await?;
    if st != 201 {
        bail!("entry point: {st} {ep}");
    }
    // The agent is ready for chat, so the entry point is open (chats beyond their room wait).
    let cookie = reqwest::Client::builder().cookie_store(true).build()?;
    let (_, me) = post(
        &cookie,
        &format!("{base}/auth/login"),
        None,
        json!({"email": "agent@bench.test", "password": "a patient responder's passphrase"}),
    )
    .await?;
    let csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    let r = cookie
        .put(format!("{base}/me/presence"))
        .header("x-csrf-token", csrf)
        .json(&json!({"ready": true, "channel": "chat"}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("presence: {}", r.text().await?);
    }
    ep["id"].as_i64().context("the entry point's id")
}

/// Opens chat `id`'s customer WebSocket and waits for its first state.
async fn customer_socket(ws_base: &str, id: i64, token: &str) -> anyhow::Result<Socket> {
    let url = format!("{ws_base}/chat/v1/chats/{id}/socket");
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    let hello = json!({"type": "hello", "token": token, "after": 1});
    ws.send(Message::text(hello.to_string())).await?;
    while let Some(frame) = ws.next().await {
        if let Message::Text(t) = frame?
            && t.as_str().contains("\"type\":\"state\"")
        {
            return Ok(ws);
        }
    }
    bail!("chat {id}: the socket closed before its state")
}

/// Opens chat `id`'s staff WebSocket with the administrator's token.
async fn staff_socket(ws_base: &str, id: i64, token: &str) -> anyhow::Result<Socket> {
    let url = format!("{ws_base}/api/v1/activities/{id}/chat/socket?after=1");
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(req, None, true).await?;
    Ok(ws)
}

/// One phase of the talk: each side's gap between messages, until when, and its figures.
#[derive(Clone)]
struct Phase {
    pace: Duration,
    until: Instant,
    tally: Arc<Tally>,
}

/// One side of one chat through `phases`: sends paced messages stamped with the time, answers
/// the other side's, and records acknowledgements and the latency of what it receives. The
/// customer opens each phase `share` of a gap late, so chats do not all speak at once.
async fn talk(ws: Socket, me: ChatParty, share: f64, epoch: Instant, phases: Vec<Phase>) {
    let (mut tx, mut rx) = ws.split();
    for phase in phases {
        let mut next = tokio::time::Instant::now() + phase.pace.mul_f64(share);
        let deadline = tokio::time::Instant::from_std(phase.until);
        let mut owed = me == ChatParty::Customer;
        let tally = &phase.tally;
        loop {
            let wait = if owed { next } else { deadline };
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                _ = tokio::time::sleep_until(wait), if owed => {
                    let body = json!({"type": "message", "body": format!("t={}", stamp(epoch)), "ref": "b"});
                    if tx.send(Message::text(body.to_string())).await.is_err() {
                        return;
                    }
                    owed = false;
                    next = tokio::time::Instant::now() + phase.pace;
                }
                frame = rx.next() => {
                    let Some(Ok(Message::Text(t))) = frame else {
                        if frame.is_none() { return; }
                        continue;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else { continue };
                    match v["type"].as_str() {
                        Some("ack") => { tally.acked.fetch_add(1, Ordering::Relaxed); }
                        Some("error") => { tally.errors.fetch_add(1, Ordering::Relaxed); }
                        Some("message") => {
                            let m = &v["message"];
                            let from_me = match me {
                                ChatParty::Customer => m["party"] == "customer",
                                _ => m["party"] != "customer",
                            };
                            if from_me { continue; }
                            if let Some(sent) = m["body"].as_str().and_then(|b| b.strip_prefix("t=")).and_then(|n| n.parse::<u64>().ok()) {
                                tally.latencies.lock().await.push(stamp(epoch).saturating_sub(sent));
                                owed = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        // Let the last answers of the phase arrive before the next one starts.
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(_)) = rx.next().await {}
        })
        .await;
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0) as f64 / 1000.0
}

/// The ceiling: the same messages written straight through the store's writer.
async fn ceiling(chats: usize, seconds: u64) -> anyhow::Result<f64> {
    let dir = crate::bench_server::tempfile_dir()?.join("chat-ceiling");
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("ceiling.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await?;
    store.migrate(now().millis()).await?;
    store.ensure_partition("Bench", now()).await?;
    let dept = store
        .create_department(
            NewDepartment {
                name: "Bench".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let ep: switchboard_domain::NewEntryPoint =
        serde_json::from_value(json!({"department_id": dept.id, "name": "Bench"}))?;
    let ep = store.create_entry_point(ep.validate()?, now()).await?;
    let mut ids = Vec::new();
    for i in 0..chats {
        let customer = store
            .create_customer(
                NewCustomer {
                    department_id: dept.id,
                    name: format!("Visitor {i}"),
                    contact_points: vec![],
                    attributes: Default::default(),
                },
                now(),
            )
            .await?;
        let a = store
            .create_activity(
                NewActivity {
                    customer_id: customer.id,
                    case_id: None,
                    channel: ChannelKind::Chat,
                    subject: "Chat".into(),
                    priority: Priority::NORMAL,
                    due_at: None,
                    queue_id: None,
                    sub_status: None,
                    category_id: None,
                    custom_attributes: Default::default(),
                },
                Actor::System,
                now(),
            )
            .await?;
        let new = NewChat {
            activity_id: a.id,
            department_id: dept.id,
            entry_point_id: ep.id,
            token_hash: format!("{:064x}", i),
            customer_name: format!("Visitor {i}"),
        };
        store
            .write(move |mut tx| {
                let new = new.clone();
                Box::pin(async move { tx.insert_chat(&new, now()).await })
            })
            .await?;
        ids.push(a.id);
    }
    let written = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in ids {
        let (store, written) = (store.clone(), Arc::clone(&written));
        tasks.push(tokio::spawn(async move {
            let m = NewChatMessage {
                party: ChatParty::Customer,
                author_id: None,
                author_name: "Visitor".into(),
                audience: Audience::Everyone,
                body: "t=1234567890".into(),
                file: None,
            };
            while Instant::now() < until {
                let m = m.clone();
                let r = store
                    .write(move |mut tx| {
                        let m = m.clone();
                        Box::pin(async move { tx.append_chat_message(id, &m, now()).await })
                    })
                    .await;
                if r.is_ok() {
                    written.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let rate = written.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}

/// Runs the benchmark.
pub async fn chat(a: ChatArgs) -> anyhow::Result<()> {
    if a.active > a.idle {
        bail!("--active must not exceed --idle");
    }
    let server = start("chat", &[("SWITCHBOARD_WEB_TRUST_FORWARDED_FOR", "true")])?;
    let pid = server.child.id();
    let base = format!("{}/api/v1", server.url);
    let ws_base = server.url.replacen("http", "ws", 1);
    let token = admin_token(&base, ADMIN_PASSWORD).await?;
    let ep = setup(&base, &token).await?;
    println!(
        "chat: {} idle connections, {} active chats for {} s; server pid {pid}",
        a.idle, a.active, a.seconds
    );

    // 1. The chats, each from its own client address.
    let chats: Arc<Mutex<Vec<(i64, String)>>> =
        Arc::new(Mutex::new(vec![(0, String::new()); a.idle]));
    {
        let (http, url, chats) = (
            reqwest::Client::new(),
            format!("{}/chat/v1/entry-points/{ep}/chats", server.url),
            Arc::clone(&chats),
        );
        let took = each("chats started", a.idle, 32, move |i| {
            let (http, url, chats) = (http.clone(), url.clone(), Arc::clone(&chats));
            async move {
                let body = json!({"answers": {"name": format!("Visitor {i}"),
                    "email": format!("visitor{i}@bench.test"), "question": "Hello"}});
                let r = http
                    .post(&url)
                    .header(
                        "x-forwarded-for",
                        format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255),
                    )
                    .json(&body)
                    .send()
                    .await?;
                let st = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or(Value::Null);
                if st != 201 {
                    bail!("chat {i}: {st} {v}");
                }
                let id = v["chat_id"].as_i64().context("chat id")?;
                let token = v["token"].as_str().context("token")?.to_string();
                if let Some(slot) = chats.lock().await.get_mut(i) {
                    *slot = (id, token);
                }
                Ok(())
            }
        })
        .await?;
        println!(
            "  {} chats started in {:.1} s ({:.0}/s)",
            a.idle,
            took.as_secs_f64(),
            a.idle as f64 / took.as_secs_f64()
        );
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = rss(pid);

    // 2. Their WebSockets, held open and idle.
    let sockets: Arc<Mutex<Vec<Option<Socket>>>> =
        Arc::new(Mutex::new((0..a.idle).map(|_| None).collect()));
    {
        let list = chats.lock().await.clone();
        let (sockets, ws_base) = (Arc::clone(&sockets), ws_base.clone());
        let list = Arc::new(list);
        let took = each("connections", a.idle, 64, move |i| {
            let (sockets, ws_base, list) =
                (Arc::clone(&sockets), ws_base.clone(), Arc::clone(&list));
            async move {
                let (id, token) = list.get(i).cloned().context("a chat")?;
                let ws = customer_socket(&ws_base, id, &token).await?;
                if let Some(slot) = sockets.lock().await.get_mut(i) {
                    *slot = Some(ws);
                }
                Ok(())
            }
        })
        .await?;
        println!(
            "  {} connections open in {:.1} s",
            a.idle,
            took.as_secs_f64()
        );
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = rss(pid);
    let growth = after.saturating_sub(before);
    println!(
        "  server memory: {:.1} MB with the chats, {:.1} MB with the connections open: {:.1} MB for {} connections, {:.1} kB each (target <= {} MB: {})",
        mb(before),
        mb(after),
        mb(growth),
        a.idle,
        growth as f64 / 1000.0 / a.idle.max(1) as f64,
        a.target_mb,
        if growth <= a.target_mb * 1_000_000 {
            "met"
        } else {
            "NOT met"
        }
    );

    // 3. The active chats talk.
    let list = chats.lock().await.clone();
    let mut staff = Vec::with_capacity(a.active);
    for (id, _) in list.iter().take(a.active) {
        staff.push(staff_socket(&ws_base, *id, &token).await?);
    }
    let epoch = Instant::now();
    let full = Phase {
        pace: PACE,
        until: Instant::now() + Duration::from_secs(a.seconds),
        tally: Arc::new(Tally::default()),
    };
    let calm_secs = 15;
    let calm = Phase {
        pace: Duration::from_millis(a.pace_ms),
        until: full.until + Duration::from_secs(2 + calm_secs),
        tally: Arc::new(Tally::default()),
    };
    let mut tasks = Vec::new();
    {
        let mut held = sockets.lock().await;
        for (i, s) in staff.into_iter().enumerate() {
            let Some(c) = held.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let phases = vec![full.clone(), calm.clone()];
            let share = i as f64 / a.active.max(1) as f64;
            let customer = talk(c, ChatParty::Customer, share, epoch, phases.clone());
            tasks.push(tokio::spawn(customer));
            tasks.push(tokio::spawn(talk(
                s,
                ChatParty::Supervisor,
                0.0,
                epoch,
                phases,
            )));
        }
    }
    for t in tasks {
        t.await?;
    }
    let took = a.seconds as f64;
    let stored = full.tally.acked.load(Ordering::Relaxed);
    let errors =
        full.tally.errors.load(Ordering::Relaxed) + calm.tally.errors.load(Ordering::Relaxed);
    let mut busy = full.tally.latencies.lock().await.clone();
    busy.sort_unstable();
    let mut lat = calm.tally.latencies.lock().await.clone();
    lat.sort_unstable();
    let calm_rate = calm.tally.acked.load(Ordering::Relaxed) as f64 / calm_secs as f64;
    let rate = stored as f64 / took;
    drop(sockets);
    drop(server);

    // 4. The ceiling in the same run.
    let ceiling = ceiling(a.active, a.seconds.min(10)).await?;
    println!(
        "  active, as fast as allowed: {stored} messages stored in {took:.0} s = {rate:.0}/s ({errors} refused); relay p50 {:.1} ms, p99 {:.1} ms under that load",
        percentile(&busy, 0.50),
        percentile(&busy, 0.99),
    );
    println!(
        "  active, each side every {} ms: {calm_rate:.0} messages/s; relay sender -> receiver p50 {:.2} ms, p99 {:.2} ms (target p99 <= 20 ms: {})",
        a.pace_ms,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        if percentile(&lat, 0.99) <= 20.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "  ceiling: plain inserts of the same rows through the store's writer, {} at once: {ceiling:.0}/s",
        a.active
    );
    println!(
        "  ratio: {:.0}% of the ceiling (target >= 50%: {}); the paced load asks at most {:.0}/s",
        rate * 100.0 / ceiling.max(f64::MIN_POSITIVE),
        if rate * 2.0 >= ceiling {
            "met"
        } else {
            "NOT met"
        },
        a.active as f64 * 2.0 / PACE.as_secs_f64()
    );
    Ok(())
}
