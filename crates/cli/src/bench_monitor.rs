//! `switchboard bench monitor`: what the supervisors' live monitor costs the server with a
//! center's worth of agents. A server (this binary, SQLite) gets departments, queues routed to
//! a group per department, and 2,500 agents (made in the store while the server is stopped, with
//! a token each); every agent goes ready. Then, in the same run:
//! 1. the whole monitor fragment (what every refresh rendered before the live feed) is fetched
//!    a number of times: its size and the server's CPU per render;
//! 2. agents change state at a fixed rate with nobody following the monitor: the server's CPU
//!    per change (the change itself);
//! 3. the same changes with supervisors following the monitor over its socket (an
//!    administrator and one supervisor per department): the frames and bytes they get, and
//!    the server's CPU beyond the runs without followers on either side, per frame sent;
//! 4. step 2 again, then steps 3 and 4 for each further round. The machine's noise moves the
//!    CPU of a run by more than following costs, so the figure is the median over the rounds
//!    (the target: at most 0.5 ms).
//!
//! CPU is the server process's user and system time from `/proc` (Linux).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_domain::{DepartmentId, EmailAddress, NewUser, Role, UserId};
use switchboard_store::{Store, StoreOptions};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::bench_server::{ADMIN_PASSWORD, admin_token, each, post, start_at};
use crate::now;

/// Options of the monitor benchmark.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Agents, spread over the departments.
    #[arg(long, default_value_t = 2_500)]
    agents: usize,
    /// Departments (each with its supervisor).
    #[arg(long, default_value_t = 10)]
    departments: usize,
    /// Queues per department (beside its exception queue).
    #[arg(long, default_value_t = 20)]
    queues: usize,
    /// Agents' state changes per second in steps 2 and 3.
    #[arg(long, default_value_t = 20)]
    rate: u64,
    /// Seconds of changes in steps 2 and 3.
    #[arg(long, default_value_t = 20)]
    secs: u64,
    /// Renders of the whole fragment in step 1.
    #[arg(long, default_value_t = 200)]
    renders: usize,
    /// Rounds of changes with followers, each between two without (step 3 and 4).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// CPU allowed per frame sent, in ms (the target).
    #[arg(long, default_value_t = 0.5)]
    target_ms: f64,
}

/// The server process's CPU time so far (user and system), in ms.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 10.0
}

/// What was made for the run.
struct Made {
    departments: Vec<DepartmentId>,
    /// Each agent's id, department and token.
    agents: Vec<(UserId, DepartmentId, String)>,
    /// One supervisor's token per department.
    supervisors: Vec<String>,
}

/// Runs the benchmark.
pub async fn monitor(a: MonitorArgs) -> anyhow::Result<()> {
    let dir = crate::bench_server::tempfile_dir()?.join("monitor");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run(&a, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(a: &MonitorArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    println!(
        "monitor: {} agents in {} departments, {} queues each",
        a.agents, a.departments, a.queues
    );
    let departments = {
        let server = start_at(dir, &[])?;
        let base = format!("{}/api/v1", server.url);
        let token = admin_token(&base, ADMIN_PASSWORD).await?;
        let http = reqwest::Client::new();
        let mut ds = Vec::new();
        for d in 0..a.departments {
            let body = json!({"name": format!("Department {d}")});
            let (st, v) = post(&http, &format!("{base}/departments"), Some(&token), body).await?;
            if st != 201 {
                bail!("department: {st} {v}");
            }
            ds.push(DepartmentId(v["id"].as_i64().context("department id")?));
        }
        ds
    };
    let made = make_people(a, dir, departments).await?;
    let server = start_at(dir, &[])?;
    let pid = server.child.id();
    let base = format!("{}/api/v1", server.url);
    let admin = admin_token(&base, ADMIN_PASSWORD).await?;
    let http = reqwest::Client::new();
    for d in &made.departments {
        let members: Vec<i64> = made
            .agents
            .iter()
            .filter(|(_, dept, _)| dept == d)
            .map(|(u, _, _)| u.0)
            .collect();
        let body = json!({"department_id": d, "name": "Everyone", "members": members});
        let (st, g) = post(&http, &format!("{base}/user-groups"), Some(&admin), body).await?;
        if st != 201 {
            bail!("group: {st} {g}");
        }
        for q in 0..a.queues {
            let body = json!({"department_id": d, "name": format!("Queue {q:02}"),
                "routing": {"type": "user_group", "user_group_id": g["id"]}});
            let (st, v) = post(&http, &format!("{base}/queues"), Some(&admin), body).await?;
            if st != 201 {
                bail!("queue: {st} {v}");
            }
        }
    }
    let tokens: Arc<Vec<String>> =
        Arc::new(made.agents.iter().map(|(_, _, t)| t.clone()).collect());
    {
        let (http, base, tokens) = (http.clone(), base.clone(), Arc::clone(&tokens));
        each("agents ready", tokens.len(), 8, move |i| {
            let (http, base, tokens) = (http.clone(), base.clone(), Arc::clone(&tokens));
            async move { presence(&http, &base, &tokens[i], json!({"ready": true})).await }
        })
        .await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // 1. The whole fragment.
    let url = format!("{}/ui/supervisor/monitor", server.url);
    let (mut bytes, before, started) = (0usize, cpu_ms(pid), Instant::now());
    for _ in 0..a.renders {
        let r = http.get(&url).bearer_auth(&admin).send().await?;
        if !r.status().is_success() {
            bail!("the monitor fragment: {}", r.status());
        }
        bytes = r.bytes().await?.len();
    }
    let render = (cpu_ms(pid) - before) / a.renders as f64;
    println!(
        "  whole monitor (every department): {:.0} KiB, {render:.2} ms of server CPU per render ({:.0} renders/s from one client)",
        bytes as f64 / 1024.0,
        a.renders as f64 / started.elapsed().as_secs_f64()
    );

    // 2.-4. Rounds of changes: nobody following, then followers, and so on, ending with
    // nobody following. Each round with followers is weighed against the runs on either side.
    let mut followers = vec![admin.clone()];
    followers.extend(made.supervisors.iter().cloned());
    let mut before = changes(a, &http, &base, &tokens, pid, 0).await?;
    println!(
        "  {} state changes with nobody following: {:.2} ms of server CPU per change",
        before.changes,
        before.cpu / before.changes as f64
    );
    let mut per_frame = Vec::new();
    for round in 1..=a.rounds.max(1) {
        let (live, n, bytes) = followed(a, &http, &server.url, &tokens, pid, &followers).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = changes(a, &http, &base, &tokens, pid, 0).await?;
        let per_sec = (before.cpu + after.cpu) / (before.secs + after.secs);
        let extra = live.cpu - per_sec * live.secs;
        let per = extra / n.max(1) as f64;
        per_frame.push(per);
        println!(
            "  round {round}: {} state changes with {} following: {n} frames ({:.1} per change per \
             follower), {:.1} KiB per frame; server CPU for following {extra:.0} ms = {per:.3} ms \
             per frame sent, {:.3} ms per change and follower; nobody following after it: {:.2} \
             ms per change",
            live.changes,
            followers.len(),
            n as f64 / (live.changes as f64 * followers.len() as f64),
            bytes as f64 / n.max(1) as f64 / 1024.0,
            extra / (live.changes as f64 * followers.len() as f64),
            after.cpu / after.changes as f64
        );
        before = after;
    }
    per_frame.sort_by(f64::total_cmp);
    let median = per_frame.get(per_frame.len() / 2).copied().unwrap_or(0.0);
    println!(
        "  server CPU per frame sent: median {median:.3} ms over {} rounds (from {:.3} to {:.3}; \
         target <= {:.1} ms); {:.1}x less than rendering the whole monitor once",
        per_frame.len(),
        per_frame.first().copied().unwrap_or(0.0),
        per_frame.last().copied().unwrap_or(0.0),
        a.target_ms,
        render / median
    );
    Ok(())
}

/// One run of changes with `followers` following the monitor: the run, the frames they got
/// after the whole monitor, and those frames' bytes.
async fn followed(
    a: &MonitorArgs,
    http: &reqwest::Client,
    url: &str,
    tokens: &[String],
    pid: u32,
    followers: &[String],
) -> anyhow::Result<(Changes, u64, u64)> {
    let base = format!("{url}/api/v1");
    let stop = Arc::new(AtomicBool::new(false));
    let (frames, sent) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for token in followers {
        let mut socket = open(url, token).await?;
        // The whole monitor comes first; it is not an update.
        let first = socket.next().await.context("the first frame")??;
        if !first.to_text().is_ok_and(|t| t.contains("\"full\"")) {
            bail!("the monitor's socket did not start with the whole monitor");
        }
        let (stop, frames, sent) = (Arc::clone(&stop), Arc::clone(&frames), Arc::clone(&sent));
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(200), socket.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        frames.fetch_add(1, Ordering::Relaxed);
                        sent.fetch_add(t.len() as u64, Ordering::Relaxed);
                    }
                    Ok(Some(Ok(_))) | Err(_) => {}
                    Ok(Some(Err(_)) | None) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (f0, b0) = (frames.load(Ordering::Relaxed), sent.load(Ordering::Relaxed));
    let live = changes(a, http, &base, tokens, pid, followers.len()).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (f1, b1) = (frames.load(Ordering::Relaxed), sent.load(Ordering::Relaxed));
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    Ok((live, f1 - f0, b1 - b0))
}

/// Agents made in the store while the server is stopped (a password each would cost an
/// argon2 hash), with a token each; a supervisor per department.
async fn make_people(
    a: &MonitorArgs,
    dir: &std::path::Path,
    departments: Vec<DepartmentId>,
) -> anyhow::Result<Made> {
    let url = format!("sqlite://{}", dir.join("switchboard.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await?;
    let started = Instant::now();
    let person = |i: usize, dept: DepartmentId, role: Role, who: &str| -> anyhow::Result<NewUser> {
        Ok(NewUser {
            department_id: dept,
            email: EmailAddress::parse(&format!("{who}{i}@bench.test"))
                .map_err(anyhow::Error::msg)?,
            name: format!(
                "{} {i:04}",
                if role == Role::Agent {
                    "Agent"
                } else {
                    "Supervisor"
                }
            ),
            role,
            password: None,
            attributes: Default::default(),
            capacity: Default::default(),
            reviewed: true,
        })
    };
    let mut agents = Vec::with_capacity(a.agents);
    for i in 0..a.agents {
        let dept = departments[i % departments.len()];
        let u = store
            .create_user(person(i, dept, Role::Agent, "agent")?, now())
            .await?;
        let (_, token) = store.create_token(u.id, "bench", None, None, now()).await?;
        agents.push((u.id, dept, token));
    }
    let mut supervisors = Vec::new();
    for (i, dept) in departments.iter().enumerate() {
        let u = store
            .create_user(person(i, *dept, Role::Supervisor, "supervisor")?, now())
            .await?;
        supervisors.push(
            store
                .create_token(u.id, "bench", None, None, now())
                .await?
                .1,
        );
    }
    store.close().await;
    println!(
        "  {} agents and {} supervisors made in {:.1} s",
        agents.len(),
        supervisors.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Made {
        departments,
        agents,
        supervisors,
    })
}

async fn presence(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: Value,
) -> anyhow::Result<()> {
    let r = http
        .put(format!("{base}/me/presence"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("presence: {}", r.status());
    }
    Ok(())
}

/// Opens the monitor's socket as the holder of `token`.
async fn open(
    url: &str,
    token: &str,
) -> anyhow::Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
> {
    let mut req = format!(
        "{}/ui/supervisor/monitor/live",
        url.replacen("http", "ws", 1)
    )
    .into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

/// A run of changes: how many, over how long, and the server's CPU meanwhile.
struct Changes {
    changes: u64,
    secs: f64,
    cpu: f64,
}

/// `a.rate` changes a second for `a.secs`: agents go not ready one after the other for the first
/// half, then ready again in the same order.
async fn changes(
    a: &MonitorArgs,
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    pid: u32,
    followers: usize,
) -> anyhow::Result<Changes> {
    let n = a.rate * a.secs.max(1);
    let (before, started) = (cpu_ms(pid), tokio::time::Instant::now());
    for i in 0..n {
        tokio::time::sleep_until(started + Duration::from_nanos(i * 1_000_000_000 / a.rate)).await;
        let half = (n / 2).max(1);
        let agent = (i % half) as usize % tokens.len();
        let body = if i < half {
            json!({"ready": false, "reason": "break"})
        } else {
            json!({"ready": true})
        };
        presence(http, base, &tokens[agent], body).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_ms(pid) - before;
    if followers == 0 && cpu <= 0.0 {
        bail!("no CPU time read for the server (is /proc mounted?)");
    }
    Ok(Changes {
        changes: n,
        secs,
        cpu,
    })
}
