//! What the benchmarks that drive a real server share: this binary started as a server on a
//! temporary SQLite database, its resident memory read from `/proc`, an administrator's token,
//! and jobs run a given number at a time.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// A scratch directory for one benchmark process.
pub fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).context("cannot create a temporary directory")?;
    Ok(dir)
}

/// The administrator the benchmark servers start with.
pub const ADMIN_EMAIL: &str = "admin@switchboard.localhost";
/// Their password.
pub const ADMIN_PASSWORD: &str = "benchmark overseer passphrase";

/// A resident set size in bytes, from `/proc/<pid>/status`.
pub fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The server under test; killed when dropped.
pub struct Server {
    /// The server process.
    pub child: Child,
    /// Its address.
    pub url: String,
    /// Its data directory, removed when dropped (none: kept).
    dir: Option<std::path::PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Starts this binary as a server on a temporary SQLite database named `name`, with `env`
/// added to its environment.
pub fn start(name: &str, env: &[(&str, &str)]) -> anyhow::Result<Server> {
    let dir = tempfile_dir()?.join(name);
    std::fs::create_dir_all(&dir)?;
    let mut server = start_at(&dir, env)?;
    server.dir = Some(dir);
    Ok(server)
}

/// Starts this binary as a server on the data directory `dir` (kept when the server is
/// dropped), with `env` added to its environment.
pub fn start_at(dir: &std::path::Path, env: &[(&str, &str)]) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SWITCHBOARD_LOG_LEVEL", "warn")
        .env("SWITCHBOARD_MAIL_RETRIEVER", "false")
        .env("SWITCHBOARD_MAIL_DISPATCHER", "false")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("start the server")?;
    let url = running_url(&mut child, "the server")?;
    Ok(Server {
        child,
        url,
        dir: None,
    })
}

/// Waits (at most a minute) for a started server to print its address; the address.
pub fn running_url(child: &mut Child, what: &str) -> anyhow::Result<String> {
    let stdout = child
        .stdout
        .take()
        .with_context(|| format!("{what}: no output"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("Switchboard is running at ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .with_context(|| format!("{what} did not start"))
}

/// Posts `body` as JSON; the status and the JSON answer.
pub async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<(u16, Value)> {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await?;
    let st = r.status().as_u16();
    Ok((st, r.json().await.unwrap_or(Value::Null)))
}

/// Runs `n` jobs, `width` at a time, printing progress.
pub async fn each<F, Fut>(
    what: &'static str,
    n: usize,
    width: usize,
    job: F,
) -> anyhow::Result<Duration>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let started = Instant::now();
    let job = Arc::new(job);
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..width.max(1) {
        let (job, next) = (Arc::clone(&job), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                if i >= n {
                    return Ok::<(), anyhow::Error>(());
                }
                job(i).await?;
                if (i + 1).is_multiple_of(500) {
                    eprintln!("  {what}: {}/{n}", i + 1);
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(started.elapsed())
}

/// Samples `pid`'s RSS every 100 ms until `stop`; returns the highest.
pub fn sampler(pid: u32, stop: Arc<std::sync::atomic::AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        while !stop.load(Ordering::SeqCst) {
            peak = peak.max(rss(pid));
            std::thread::sleep(Duration::from_millis(100));
        }
        peak.max(rss(pid))
    })
}

/// Logs the administrator in at `base` (`…/api/v1`) and makes an API token.
pub async fn admin_token(base: &str, password: &str) -> anyhow::Result<String> {
    login_token(base, ADMIN_EMAIL, password).await
}

/// Logs a user in at the server `url` and makes an API token.
pub async fn agent_token(url: &str, email: &str, password: &str) -> anyhow::Result<String> {
    login_token(&format!("{url}/api/v1"), email, password).await
}

/// Logs `email` in at `base` (`…/api/v1`) and makes an API token.
async fn login_token(base: &str, email: &str, password: &str) -> anyhow::Result<String> {
    let cookie_http = reqwest::Client::builder().cookie_store(true).build()?;
    let (_, me) = post(
        &cookie_http,
        &format!("{base}/auth/login"),
        None,
        json!({"email": email, "password": password}),
    )
    .await?;
    let csrf = me["csrf_token"].as_str().unwrap_or_default().to_string();
    let r = cookie_http
        .post(format!("{base}/tokens"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "bench"}))
        .send()
        .await?;
    let st = r.status().as_u16();
    let tok = r.json::<Value>().await.unwrap_or(Value::Null);
    if st != 201 {
        bail!("token: {st} {tok}");
    }
    Ok(tok["token"].as_str().unwrap_or_default().to_string())
}
