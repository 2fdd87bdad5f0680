//! The cluster benchmark's nodes: this binary started as `serve` processes on one PostgreSQL
//! database and one shared data directory (so every node reads the blobs the others wrote),
//! killed with SIGKILL and started again; their API; and where the machine's CPU time goes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::bench_server::{ADMIN_PASSWORD, admin_token, running_url};

/// A secret key the nodes share (a benchmark's throwaway database; never a real one).
pub const SECRET_KEY: &str = "YmVuY2htYXJrIGNsdXN0ZXIga2V5IDAxMjM0NTY3ODk=";

/// One node: its name and, while it runs, its process and address.
pub struct Node {
    /// The node's name.
    pub name: String,
    child: Option<Child>,
    /// Its base URL.
    pub url: String,
}

impl Node {
    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }
}

/// The nodes of one run, an administrator's token and an HTTP client.
pub struct Cluster {
    /// The nodes, in start order.
    pub nodes: Vec<Node>,
    dir: PathBuf,
    database: String,
    lease_secs: u64,
    smtp_connections: u32,
    http: reqwest::Client,
    token: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for n in &mut self.nodes {
            if let Some(mut c) = n.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts this binary as node `name`; returns the process and its URL.
fn spawn(
    dir: &std::path::Path,
    name: &str,
    database: &str,
    lease_secs: u64,
    smtp_connections: u32,
) -> anyhow::Result<(Child, String)> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SWITCHBOARD_LOG_LEVEL", "error")
        .env("SWITCHBOARD_LOG_FILE", "false")
        .env("SWITCHBOARD_DATABASE_URL", database)
        .env("SWITCHBOARD_SECRET_KEY", SECRET_KEY)
        .env("SWITCHBOARD_CLUSTER_NODE_NAME", name)
        .env("SWITCHBOARD_CLUSTER_LEASE_SECS", lease_secs.to_string())
        .env(
            "SWITCHBOARD_MAIL_SMTP_CONNECTIONS",
            smtp_connections.to_string(),
        )
        .stdout(Stdio::piped())
        // A node's errors (e.g. calls refused while the router moves) go to its own log.
        .stderr(std::fs::File::create(dir.join(format!("{name}.log")))?)
        .spawn()
        .context("start a node")?;
    let url = running_url(&mut child, &format!("node {name}"))?;
    Ok((child, url))
}

impl Cluster {
    /// Starts `count` nodes (`n1`, `n2`, …; `n1` first, so it takes every lease) on `database`.
    pub async fn start(
        count: usize,
        database: &str,
        lease_secs: u64,
        smtp_connections: u32,
    ) -> anyhow::Result<Cluster> {
        let dir = crate::bench_server::tempfile_dir()?.join(format!("cluster-{count}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let mut nodes = Vec::new();
        for i in 1..=count {
            let name = format!("n{i}");
            let (child, url) = spawn(&dir, &name, database, lease_secs, smtp_connections)?;
            nodes.push(Node {
                name,
                child: Some(child),
                url,
            });
        }
        let first = nodes.first().context("no node")?;
        let token = admin_token(&format!("{}/api/v1", first.url), ADMIN_PASSWORD).await?;
        let cluster = Cluster {
            nodes,
            dir,
            database: database.to_string(),
            lease_secs,
            smtp_connections,
            http: reqwest::Client::new(),
            token,
        };
        cluster.wait_alive(count).await?;
        Ok(cluster)
    }

    /// A running node to ask, other than `not` (by index).
    pub fn other_than(&self, not: Option<usize>) -> anyhow::Result<usize> {
        (0..self.nodes.len())
            .find(|&i| Some(i) != not && self.nodes[i].child.is_some())
            .context("no node left")
    }

    /// Calls `method path` (under `/api/v1`) on node `i`; the status and JSON answer.
    pub async fn call(
        &self,
        i: usize,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}/api/v1{path}", self.nodes[i].url);
        let mut req = self.http.request(method, url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await?;
        let st = r.status().as_u16();
        Ok((st, r.json().await.unwrap_or(Value::Null)))
    }

    /// GET on node `i`, expecting 200.
    pub async fn get(&self, i: usize, path: &str) -> anyhow::Result<Value> {
        let (st, v) = self.call(i, reqwest::Method::GET, path, None).await?;
        if st != 200 {
            bail!("GET {path}: {st} {v}");
        }
        Ok(v)
    }

    /// POST on node `i`, expecting 200 or 201.
    pub async fn post(&self, i: usize, path: &str, body: Value) -> anyhow::Result<Value> {
        let (st, v) = self
            .call(i, reqwest::Method::POST, path, Some(body))
            .await?;
        if st != 200 && st != 201 {
            bail!("POST {path}: {st} {v}");
        }
        Ok(v)
    }

    /// Which node runs each singleton service, as node `i` sees it.
    pub async fn placement(&self, i: usize) -> anyhow::Result<HashMap<String, Option<String>>> {
        let v = self.get(i, "/system/cluster").await?;
        Ok(v["services"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|s| {
                        let name = s["name"].as_str()?.to_string();
                        Some((name, s["node"].as_str().map(str::to_string)))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits until `count` nodes are alive in the registry.
    async fn wait_alive(&self, count: usize) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.get(0, "/system/cluster").await?;
            let alive = v["nodes"]
                .as_array()
                .map_or(0, |n| n.iter().filter(|n| n["alive"] == true).count());
            if alive >= count {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("only {alive} of {count} nodes came up");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Moves service `name` to node `to` and waits until it runs there (first until it runs
    /// anywhere: a new alias's retriever takes a moment to start).
    pub async fn move_to(&self, name: &str, to: usize) -> anyhow::Result<()> {
        let node = self.nodes[to].name.clone();
        let deadline = Instant::now() + Duration::from_secs(60);
        while self
            .placement(0)
            .await?
            .get(name)
            .cloned()
            .flatten()
            .is_none()
        {
            if Instant::now() >= deadline {
                bail!("{name} did not start");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.post(
            0,
            &format!("/system/cluster/services/{name}"),
            json!({"action": "move", "node": node}),
        )
        .await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.placement(0).await?.get(name).cloned().flatten() != Some(node.clone()) {
            if Instant::now() >= deadline {
                bail!("{name} did not move to {node}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Stops (`stop`) or starts (`start`) service `name` on every node.
    pub async fn control(&self, name: &str, action: &str) -> anyhow::Result<()> {
        self.post(
            0,
            &format!("/system/cluster/services/{name}"),
            json!({"action": action}),
        )
        .await?;
        Ok(())
    }

    /// SIGKILLs node `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts node `i` again (after a kill).
    pub fn restart(&mut self, i: usize) -> anyhow::Result<()> {
        let name = self.nodes[i].name.clone();
        let (child, url) = spawn(
            &self.dir,
            &name,
            &self.database,
            self.lease_secs,
            self.smtp_connections,
        )?;
        self.nodes[i].child = Some(child);
        self.nodes[i].url = url;
        Ok(())
    }
}

/// CPU time used so far, in clock ticks, by kind of process: these nodes, PostgreSQL, the mail
/// servers, this benchmark (delivering mail, queueing replies, polling), everything else; and
/// the machine's busy and total ticks.
#[derive(Debug, Clone, Default)]
pub struct Cpu {
    nodes: u64,
    postgres: u64,
    mail: u64,
    bench: u64,
    busy: u64,
    total: u64,
}

/// (command name, user + system ticks) of process `pid`.
fn ticks(pid: &str) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let fields: Vec<&str> = stat.get(close + 2..)?.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

impl Cpu {
    /// Reads the counters now; `nodes` are the nodes' process ids.
    pub fn now(nodes: &[u32]) -> Cpu {
        let mut cpu = Cpu::default();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            let Some((comm, t)) = ticks(pid) else {
                continue;
            };
            let pid: u32 = pid.parse().unwrap_or(0);
            if nodes.contains(&pid) {
                cpu.nodes += t;
            } else if pid == std::process::id() {
                cpu.bench += t;
            } else if comm == "postgres" {
                cpu.postgres += t;
            } else if comm.starts_with("imap")
                || comm.starts_with("dovecot")
                || comm.starts_with("smtp")
                || comm.starts_with("python")
            {
                cpu.mail += t;
            }
        }
        if let Ok(stat) = std::fs::read_to_string("/proc/stat")
            && let Some(line) = stat.lines().find(|l| l.starts_with("cpu "))
        {
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            cpu.total = v.iter().take(8).sum();
            let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
            cpu.busy = cpu.total.saturating_sub(idle);
        }
        cpu
    }

    /// Where the time went between `self` and `later`, as one line: each kind's share of the
    /// machine's capacity.
    pub fn since(&self, later: &Cpu) -> String {
        let total = later.total.saturating_sub(self.total).max(1) as f64;
        let share = |a: u64, b: u64| 100.0 * b.saturating_sub(a) as f64 / total;
        let busy = share(self.busy, later.busy);
        let (n, p, m, b) = (
            share(self.nodes, later.nodes),
            share(self.postgres, later.postgres),
            share(self.mail, later.mail),
            share(self.bench, later.bench),
        );
        format!(
            "CPU {busy:.0} % busy: nodes {n:.1} %, PostgreSQL {p:.1} %, mail servers {m:.1} %, \
             this benchmark {b:.1} %, other {:.1} %",
            (busy - n - p - m - b).max(0.0)
        )
    }
}
