//! `switchboard bench api`: the reads agents and supervisors make most, at the volume of a large
//! center. For each size (100,000 and 10,000,000 stored activities by default) a server sets up
//! departments, queues, agents and articles through the API; it is stopped, the store is filled
//! directly with synthetic customers, cases and activities (with progress), and the server is
//! started again on it — the time to `/healthz` is the start-up figure. Then each endpoint takes
//! a fixed rate of requests from a fixed number of connections and its latency is measured from
//! when each request was due (a late request counts its wait). Each figure of a larger store is
//! quoted against the same endpoint on the smallest store of the same run.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use switchboard_domain::{DepartmentId, QueueId, Timestamp, UserId};
use switchboard_store::synthetic::{Volume, synthetic_email};
use switchboard_store::{Store, StoreOptions};

use crate::bench_reports::pick;
use crate::bench_server::{ADMIN_PASSWORD, Server, admin_token, agent_token, each, post, start_at};
use crate::now;

/// Options of the API benchmark.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// Stored activities of each run; the first is the baseline the others are compared with.
    #[arg(long, value_delimiter = ',', default_value = "100000,10000000")]
    pub sizes: Vec<u64>,
    /// Open activities of each run (at most a tenth of the stored ones).
    #[arg(long, default_value_t = 100_000)]
    pub open: u64,
    /// Requests per second on each endpoint.
    #[arg(long, default_value_t = 1_000)]
    pub rate: u64,
    /// Connections the requests share.
    #[arg(long, default_value_t = 50)]
    pub connections: usize,
    /// Seconds of load on each endpoint.
    #[arg(long, default_value_t = 5)]
    pub secs: u64,
    /// Departments.
    #[arg(long, default_value_t = 10)]
    pub departments: usize,
    /// Agents in each department.
    #[arg(long, default_value_t = 25)]
    pub agents: usize,
}

const AGENT_PASSWORD: &str = "a busy agent's passphrase";
/// Work an agent holds at most; the rest of the open work is queued.
const HELD: u64 = 8;
/// Agents whose inboxes are read (each logged in with a token).
const READERS: usize = 50;
/// Words the articles are written from (and searched for).
const WORDS: &[&str] = &[
    "refund",
    "invoice",
    "delivery",
    "password",
    "account",
    "order",
    "shipping",
    "return",
    "warranty",
    "payment",
    "card",
    "address",
    "subscription",
    "cancel",
    "upgrade",
    "discount",
    "voucher",
    "tracking",
    "damaged",
    "missing",
    "exchange",
    "billing",
    "receipt",
    "login",
];

/// What the API set up: ids the requests name.
struct Setup {
    departments: Vec<DepartmentId>,
    queues: Vec<(QueueId, DepartmentId)>,
    agents: Vec<(UserId, DepartmentId, String)>,
}

/// One run's figures: p99 by endpoint, and the start-up time.
struct Run {
    size: u64,
    startup: Duration,
    p99: Vec<(&'static str, Duration)>,
}

/// Runs the benchmark.
pub async fn api(a: ApiArgs) -> anyhow::Result<()> {
    if a.sizes.is_empty() || a.rate == 0 || a.connections == 0 {
        bail!("give at least one size, a rate and a number of connections");
    }
    println!(
        "api: {} requests/s from {} connections for {} s on each endpoint; sizes {:?}",
        a.rate, a.connections, a.secs, a.sizes
    );
    let mut runs = Vec::new();
    for &size in &a.sizes {
        runs.push(run(&a, size).await?);
    }
    let base = &runs[0];
    println!("\napi: p99 by endpoint, against the {} store", base.size);
    for r in &runs[1..] {
        println!(
            "  {} activities: start-up {:.2} s ({:.2}× the {} store's {:.2} s)",
            r.size,
            r.startup.as_secs_f64(),
            r.startup.as_secs_f64() / base.startup.as_secs_f64().max(1e-9),
            base.size,
            base.startup.as_secs_f64()
        );
        for (name, p99) in &r.p99 {
            let b = base
                .p99
                .iter()
                .find(|(n, _)| n == name)
                .map_or(Duration::ZERO, |(_, d)| *d);
            println!(
                "    {name:<28} p99 {:>7.2} ms ({:.2}× {:.2} ms)",
                ms(*p99),
                ms(*p99) / ms(b).max(1e-6),
                ms(b)
            );
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One size: set up, fill, restart, load.
async fn run(a: &ApiArgs, size: u64) -> anyhow::Result<Run> {
    let dir = crate::bench_server::tempfile_dir()?.join(format!("api-{size}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run_in(a, size, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(a: &ApiArgs, size: u64, dir: &Path) -> anyhow::Result<Run> {
    println!("\napi: {size} activities");
    let setup = {
        let server = start_at(dir, &[])?;
        set_up(a, &server).await?
    };
    let open = a.open.min(size / 10).max(1);
    let held = (setup.agents.len() as u64 * HELD).min(open);
    let volume = Volume {
        activities: size,
        open,
        assigned: held,
        departments: setup.departments.clone(),
        queues: setup.queues.clone(),
        agents: setup.agents.iter().map(|(u, d, _)| (*u, *d)).collect(),
        from: Timestamp::from_millis(now().millis() - 365 * 86_400_000),
        to: now(),
    };
    let filled = fill(dir, &volume).await?;
    let started = Instant::now();
    let server = start_at(dir, &[])?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.connections)
        .build()?;
    loop {
        let r = http.get(format!("{}/healthz", server.url)).send().await;
        if r.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let startup = started.elapsed();
    println!(
        "  start-up with {size} stored and {open} open: /healthz in {:.2} s",
        startup.as_secs_f64()
    );
    let base = format!("{}/api/v1", server.url);
    let admin = admin_token(&base, ADMIN_PASSWORD).await?;
    let mut readers = Vec::new();
    for (_, _, email) in setup.agents.iter().take(READERS) {
        readers.push(agent_token(&server.url, email, AGENT_PASSWORD).await?);
    }
    let t = Targets {
        setup: &setup,
        filled,
        admin,
        readers,
        url: server.url.clone(),
    };
    let mut p99 = Vec::new();
    for (name, make) in endpoints() {
        let took = load(a, &http, &t, make).await?;
        println!(
            "  {name:<28} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  {:>5.0} req/s{}",
            ms(took.p50),
            ms(took.p99),
            ms(took.max),
            took.rate,
            if took.failed > 0 {
                format!("  {} FAILED", took.failed)
            } else {
                String::new()
            }
        );
        if took.failed > 0 {
            bail!(
                "{name}: {} requests failed, e.g. {}",
                took.failed,
                took.sample
            );
        }
        p99.push((name, took.p99));
    }
    drop(server);
    Ok(Run { size, startup, p99 })
}

/// Departments, queues, agents and articles through the API.
async fn set_up(a: &ApiArgs, server: &Server) -> anyhow::Result<Setup> {
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let token = admin_token(&base, ADMIN_PASSWORD).await?;
    let mut departments = Vec::new();
    let mut queues = Vec::new();
    for d in 0..a.departments {
        let (st, v) = post(
            &http,
            &format!("{base}/departments"),
            Some(&token),
            json!({"name": format!("Department {d}")}),
        )
        .await?;
        if st != 201 {
            bail!("department: {st} {v}");
        }
        let dept = DepartmentId(v["id"].as_i64().context("department id")?);
        departments.push(dept);
        for q in 0..2 {
            let body = json!({"department_id": dept, "name": format!("Queue {d}.{q}")});
            let (st, v) = post(&http, &format!("{base}/queues"), Some(&token), body).await?;
            if st != 201 {
                bail!("queue: {st} {v}");
            }
            queues.push((QueueId(v["id"].as_i64().context("queue id")?), dept));
        }
    }
    let n = a.departments * a.agents.max(1);
    let made = Arc::new(std::sync::Mutex::new(Vec::new()));
    {
        let (http, base, token, made, depts) = (
            http.clone(),
            base.clone(),
            token.clone(),
            Arc::clone(&made),
            departments.clone(),
        );
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        each("agents created", n, cores * 2, move |i| {
            let (http, base, token, made) = (http.clone(), base.clone(), token.clone(), Arc::clone(&made));
            let dept = depts[i % depts.len()];
            async move {
                let email = format!("agent{i}@bench.test");
                let body = json!({"department_id": dept, "email": email, "name": format!("Agent {i}"),
                    "role": "agent", "password": AGENT_PASSWORD});
                let (st, v) = post(&http, &format!("{base}/users"), Some(&token), body).await?;
                if st != 201 {
                    bail!("agent {i}: {st} {v}");
                }
                let id = UserId(v["id"].as_i64().context("user id")?);
                made.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push((id, dept, email));
                Ok(())
            }
        })
        .await?;
    }
    for (d, dept) in departments.iter().enumerate() {
        for i in 0..50usize {
            let words: Vec<&str> = (0..40)
                .map(|k| WORDS[(i * 7 + k * (d + 3)) % WORDS.len()])
                .collect();
            let body = json!({"department_id": dept, "title": format!("{} {} {i}", WORDS[i % WORDS.len()], WORDS[(i + d) % WORDS.len()]),
                "html": format!("<p>{}</p>", words.join(" "))});
            let (st, v) = post(&http, &format!("{base}/articles"), Some(&token), body).await?;
            if st != 201 {
                bail!("article: {st} {v}");
            }
        }
    }
    let mut agents = std::mem::take(&mut *made.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    agents.sort();
    println!(
        "  set up: {} departments, {} queues, {} agents, {} articles",
        departments.len(),
        queues.len(),
        agents.len(),
        departments.len() * 50
    );
    Ok(Setup {
        departments,
        queues,
        agents,
    })
}

/// Fills the stopped server's store.
async fn fill(dir: &Path, v: &Volume) -> anyhow::Result<switchboard_store::synthetic::Filled> {
    let url = format!("sqlite://{}", dir.join("switchboard.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await?;
    let started = Instant::now();
    let step = (v.activities / 10).max(100_000);
    let filled = store
        .fill_synthetic(v, |what, done, of| {
            if done % step < 20_000 || done == of {
                println!(
                    "  filled {what}: {done}/{of} ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        })
        .await?;
    store.close().await;
    // What was written reaches the disk before the server starts: its start-up is timed, not
    // the kernel's write-back of the fill.
    let synced = std::process::Command::new("sync").status();
    if !synced.is_ok_and(|s| s.success()) {
        eprintln!("  (sync failed: the start-up below may include the fill's write-back)");
    }
    println!(
        "  filled {} activities, {} cases, {} customers in {:.1} s",
        filled.activities,
        filled.cases,
        filled.customers,
        started.elapsed().as_secs_f64()
    );
    Ok(filled)
}

/// What the requests name.
struct Targets<'a> {
    setup: &'a Setup,
    filled: switchboard_store::synthetic::Filled,
    admin: String,
    readers: Vec<String>,
    url: String,
}

/// Request `i` of an endpoint: the path (after the server's address) and the token.
type Make = fn(&Targets, u64) -> (String, String);

/// A spread of `n` over `0..of`.
fn spread(n: u64, of: u64) -> u64 {
    // SplitMix64: consecutive requests name unrelated rows.
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % of.max(1)
}

fn admin(t: &Targets, path: String) -> (String, String) {
    (path, t.admin.clone())
}

/// The endpoints measured, by name.
fn endpoints() -> Vec<(&'static str, Make)> {
    vec![
        ("agent inbox", |t, i| {
            let r = &t.readers[(i as usize) % t.readers.len()];
            ("/api/v1/me/inbox".into(), r.clone())
        }),
        ("activities", |t, _| {
            admin(t, "/api/v1/activities?limit=50".into())
        }),
        ("activities by department_id", |t, i| {
            let d = t.setup.departments[(i as usize) % t.setup.departments.len()];
            admin(
                t,
                format!("/api/v1/activities?limit=50&department_id={}", d.0),
            )
        }),
        ("activities by status", |t, i| {
            let s = ["queued", "assigned", "completed"][(i % 3) as usize];
            admin(t, format!("/api/v1/activities?limit=50&status={s}"))
        }),
        ("activities by queue_id", |t, i| {
            let q = t.setup.queues[(i as usize) % t.setup.queues.len()].0;
            admin(t, format!("/api/v1/activities?limit=50&queue_id={}", q.0))
        }),
        ("activities by assignee_id", |t, i| {
            let u = &t.setup.agents[spread(i, t.setup.agents.len() as u64) as usize];
            admin(
                t,
                format!("/api/v1/activities?limit=50&assignee_id={}", u.0.0),
            )
        }),
        ("activities by case_id", |t, i| {
            let c = t.filled.first_case + spread(i, t.filled.cases) as i64;
            admin(t, format!("/api/v1/activities?limit=50&case_id={c}"))
        }),
        ("activities by customer_id", |t, i| {
            let c = t.filled.first_customer + spread(i, t.filled.customers) as i64;
            admin(t, format!("/api/v1/activities?limit=50&customer_id={c}"))
        }),
        ("activities by channel", |t, i| {
            let c = ["inbound_email", "chat", "callback"][(i % 3) as usize];
            admin(t, format!("/api/v1/activities?limit=50&channel={c}"))
        }),
        ("customer by id", |t, i| {
            let c = t.filled.first_customer + spread(i, t.filled.customers) as i64;
            admin(t, format!("/api/v1/customers/{c}"))
        }),
        ("customer by contact", |t, i| {
            let e = synthetic_email(spread(i, t.filled.customers));
            admin(t, format!("/api/v1/customers?contact={e}"))
        }),
        ("case by id", |t, i| {
            let c = t.filled.first_case + spread(i, t.filled.cases) as i64;
            admin(t, format!("/api/v1/cases/{c}"))
        }),
        ("cases by customer_id", |t, i| {
            let c = t.filled.first_customer + spread(i, t.filled.customers) as i64;
            admin(t, format!("/api/v1/cases?customer_id={c}"))
        }),
        ("article search", |t, i| {
            let d = t.setup.departments[(i as usize) % t.setup.departments.len()];
            let w = WORDS[spread(i, WORDS.len() as u64) as usize];
            admin(
                t,
                format!("/api/v1/articles/search?department_id={}&q={w}", d.0),
            )
        }),
        ("supervisor monitor", |t, _| {
            admin(t, "/ui/supervisor/monitor".into())
        }),
    ]
}

/// Latencies of one endpoint's load.
struct Took {
    p50: Duration,
    p99: Duration,
    max: Duration,
    rate: f64,
    failed: usize,
    sample: String,
}

/// `a.rate` requests a second for `a.secs` seconds, at most `a.connections` at once; each
/// latency counts from when its request was due.
async fn load(
    a: &ApiArgs,
    http: &reqwest::Client,
    t: &Targets<'_>,
    make: Make,
) -> anyhow::Result<Took> {
    let n = a.rate * a.secs.max(1);
    let gate = Arc::new(tokio::sync::Semaphore::new(a.connections));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(n as usize);
    for i in 0..n {
        let due = started + Duration::from_nanos(i * 1_000_000_000 / a.rate);
        tokio::time::sleep_until(due).await;
        let (path, token) = make(t, i);
        let (http, gate, url) = (http.clone(), Arc::clone(&gate), format!("{}{path}", t.url));
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
            let r = http
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = r.status();
            let body = r.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!(
                    "{url}: {status} {}",
                    String::from_utf8_lossy(&body)
                ));
            }
            Ok::<Duration, String>(due.elapsed())
        }));
    }
    let mut took = Vec::with_capacity(n as usize);
    let (mut failed, mut sample) = (0, String::new());
    for task in tasks {
        match task.await? {
            Ok(d) => took.push(d),
            Err(e) => {
                failed += 1;
                sample = e;
            }
        }
    }
    let elapsed = started.elapsed();
    took.sort();
    Ok(Took {
        p50: pick(&took, 0.5),
        p99: pick(&took, 0.99),
        max: took.last().copied().unwrap_or_default(),
        rate: n as f64 / elapsed.as_secs_f64(),
        failed,
        sample,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_names_every_row_in_range() {
        let hits: std::collections::HashSet<u64> = (0..10_000).map(|i| spread(i, 100)).collect();
        assert_eq!(hits.len(), 100);
        assert!(hits.iter().all(|h| *h < 100));
    }
}
