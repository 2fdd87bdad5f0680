//! `switchboard bench streams`: the server's memory for idle agent notice streams
//! (`GET /api/v1/me/events`, what every agent's console holds open all day), over the WebSocket
//! the console opens and over server-sent events (the API's plain form). For each, a server on
//! a fresh store and one agent; a few streams are opened and closed first so that what the
//! server sets up once is not counted; then the streams are opened and held, and the server's
//! resident memory before and after is divided by their number.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::bench_server::{ADMIN_PASSWORD, admin_token, agent_token, each, mb, post, rss, start};

/// Options of the event stream benchmark.
#[derive(Debug, Args)]
pub struct StreamsArgs {
    /// Event streams held open.
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Memory allowed per stream, in kB (the target).
    #[arg(long, default_value_t = 10)]
    pub target_kb: u64,
}

const AGENT_PASSWORD: &str = "a console open all day long";

/// How a stream is opened.
#[derive(Debug, Clone, Copy)]
enum Transport {
    WebSocket,
    ServerSentEvents,
}

/// Runs the benchmark.
pub async fn streams(a: StreamsArgs) -> anyhow::Result<()> {
    println!("streams: {} idle agent notice streams each", a.connections);
    for t in [Transport::WebSocket, Transport::ServerSentEvents] {
        measure(&a, t).await?;
    }
    Ok(())
}

async fn measure(a: &StreamsArgs, transport: Transport) -> anyhow::Result<()> {
    let server = start("streams", &[])?;
    let pid = server.child.id();
    let base = format!("{}/api/v1", server.url);
    let admin = admin_token(&base, ADMIN_PASSWORD).await?;
    let http = reqwest::Client::new();
    let depts: Value = http
        .get(format!("{base}/departments"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let dept = depts["items"][0]["id"].as_i64().context("a department")?;
    let body = json!({"department_id": dept, "email": "agent@bench.test", "name": "Agent",
        "role": "agent", "password": AGENT_PASSWORD});
    let (st, v) = post(&http, &format!("{base}/users"), Some(&admin), body).await?;
    if st != 201 {
        bail!("agent: {st} {v}");
    }
    let token = agent_token(&server.url, "agent@bench.test", AGENT_PASSWORD).await?;
    let addr = server
        .url
        .strip_prefix("http://")
        .context("an http address")?
        .to_string();
    // What the server sets up once (buffers, pools) is not the streams'.
    let warm: Vec<TcpStream> = {
        let mut v = Vec::new();
        for _ in 0..100 {
            v.push(open(&addr, &token, transport).await?);
        }
        v
    };
    drop(warm);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = rss(pid);
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
    let took = {
        let (held, addr, token) = (Arc::clone(&held), addr.clone(), token.clone());
        each("streams", a.connections, 64, move |_| {
            let (held, addr, token) = (Arc::clone(&held), addr.clone(), token.clone());
            async move {
                let s = open(&addr, &token, transport).await?;
                held.lock().await.push(s);
                Ok(())
            }
        })
        .await?
    };
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = rss(pid);
    let growth = after.saturating_sub(before);
    let each_kb = growth as f64 / 1000.0 / a.connections.max(1) as f64;
    println!(
        "  {transport:?}: {} open in {:.1} s; server memory {:.1} MB before, {:.1} MB with them open: {:.1} kB each (target <= {} kB: {})",
        a.connections,
        took.as_secs_f64(),
        mb(before),
        mb(after),
        each_kb,
        a.target_kb,
        if each_kb <= a.target_kb as f64 {
            "met"
        } else {
            "NOT met"
        }
    );
    drop(held);
    Ok(())
}

/// Opens one event stream and reads its answer's head.
async fn open(addr: &str, token: &str, transport: Transport) -> anyhow::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    let (how, want) = match transport {
        Transport::WebSocket => (
            "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: c3dpdGNoYm9hcmQgYmVuY2g=\r\n",
            &b"HTTP/1.1 101"[..],
        ),
        Transport::ServerSentEvents => ("Accept: text/event-stream\r\n", &b"HTTP/1.1 200"[..]),
    };
    let request = format!(
        "GET /api/v1/me/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{how}\r\n"
    );
    s.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
            .await
            .context("no answer to an event stream")??;
        if n == 0 {
            bail!("the server closed an event stream");
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    if !head.starts_with(want) {
        bail!(
            "event stream: {}",
            String::from_utf8_lossy(&head)
                .lines()
                .next()
                .unwrap_or_default()
        );
    }
    Ok(s)
}
