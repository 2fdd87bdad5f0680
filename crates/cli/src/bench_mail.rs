//! `switchboard bench ingest`: the email channel's intake against a real IMAP server, with a
//! same-run reference.
//!
//! - ingest: N synthetic messages (2–200 KB, some with attachments) are APPENDed to an IMAP
//!   mailbox, then a fresh store's retriever takes the backlog in until every activity is
//!   queued. The reference is the raw ceiling measured first in the same run: the same messages
//!   through blob store, parser and the ingest use case, without the network. Then a steady trickle
//!   (default 20 msg/s) measures arrival-to-activity latency with IMAP IDLE.
//!
//! The dispatch benchmark (`bench_dispatch`) shares this file's world and messages.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::StreamExt;
use switchboard_domain::{
    Actor, AliasId, DepartmentId, NewAlias, NewDepartment, NewQueue, NewReply, QueueId,
};
use switchboard_mail::TlsTrust;
use switchboard_mail::imap::ImapConnection;
use switchboard_services::retriever::ingest::{Fetched, Strikes, ingest_batch};
use switchboard_services::status::Registry;
use switchboard_services::{MailContext, MailSettings};
use switchboard_store::{BlobStore, LocalBlobStore, PageRequest, Sealer, Store, StoreOptions};

use crate::now;

/// How often a run checks whether it is done: counting 100,000 rows takes a while, so checking
/// too often would take CPU from what is measured (the error is at most this, over a minute).
pub(crate) const POLL_MS: u64 = 250;

/// Options of `bench ingest`.
#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Messages in the backlog.
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    /// IMAP server.
    #[arg(long, default_value = "127.0.0.1")]
    imap_host: String,
    /// IMAP port (plain).
    #[arg(long)]
    imap_port: u16,
    /// Mailbox user (its INBOX is emptied first).
    #[arg(long, default_value = "bench")]
    imap_user: String,
    /// Mailbox password.
    #[arg(
        long,
        default_value = "secret",
        env = "SWITCHBOARD_BENCH_IMAP_PASSWORD"
    )]
    imap_password: String,
    /// The mailbox's Maildir, when this machine holds it: the backlog is then delivered as files
    /// (as a local delivery agent does), which is much faster than APPEND for a large backlog.
    #[arg(long)]
    maildir: Option<std::path::PathBuf>,
    /// Seconds of steady arrivals for the latency run (0 skips it).
    #[arg(long, default_value_t = 30)]
    latency_secs: u64,
    /// Arrivals per second in the latency run.
    #[arg(long, default_value_t = 20)]
    rate: u32,
}

/// A fresh store, blob directory, department, queue and alias for one measurement.
pub(crate) struct World {
    pub(crate) app: switchboard_app::App,
    pub(crate) store: Store,
    pub(crate) blobs: Arc<dyn BlobStore>,
    pub(crate) alias: AliasId,
    dir: std::path::PathBuf,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) async fn world(
    name: &str,
    incoming: serde_json::Value,
    outgoing: serde_json::Value,
) -> anyhow::Result<World> {
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let options = StoreOptions {
        max_connections: 16,
        sealer: Some(Sealer::new(&Sealer::generate_key()?)?),
        ..StoreOptions::default()
    };
    let store = Store::open(&url, &options).await?;
    store.migrate(now().millis()).await?;
    store.ensure_partition("Bench", now()).await?;
    let dept: DepartmentId = store
        .create_department(
            NewDepartment {
                name: "Bench".into(),
                description: String::new(),
            },
            now(),
        )
        .await?
        .id;
    let queue: QueueId = store
        .create_queue(
            serde_json::from_value::<NewQueue>(
                serde_json::json!({"department_id": dept, "name": "Email"}),
            )?,
            now(),
        )
        .await?
        .id;
    let alias: NewAlias = serde_json::from_value(serde_json::json!({
        "department_id": dept, "address": "support@bench.test", "queue_id": queue,
        "incoming": incoming, "incoming_password": "secret", "outgoing": outgoing,
    }))?;
    let alias = store.create_alias(alias.validate()?, now()).await?.id;
    let blobs: Arc<dyn BlobStore> = Arc::new(LocalBlobStore::new(dir.join("blobs")));
    Ok(World {
        app: switchboard_app::App::new(store.clone()),
        store,
        blobs,
        alias,
        dir,
    })
}

/// A small deterministic generator (no need for cryptographic randomness here).
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "order",
    "invoice",
    "delivery",
    "the",
    "my",
    "please",
    "refund",
    "account",
    "password",
    "thanks",
    "printer",
    "broken",
    "since",
    "yesterday",
    "and",
    "still",
    "not",
    "working",
    "help",
    "urgent",
];

fn text(rng: &mut Lcg, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 16);
    let mut line = 0;
    while s.len() < bytes {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        s.push_str(w);
        line += w.len() + 1;
        if line > 70 {
            s.push_str("\r\n");
            line = 0;
        } else {
            s.push(' ');
        }
    }
    s
}

/// Message `i` of a realistic mix: 60 % 2–10 KB text, 30 % 10–50 KB text + HTML, 10 % with a
/// 40–190 KB attachment.
pub(crate) fn message(i: usize, subject: &str) -> Vec<u8> {
    let mut rng = Lcg(i as u64 + 1);
    let class = i % 100;
    let head = format!(
        "From: Customer {c} <customer{c}@customers.bench>\r\nTo: support@bench.test\r\nSubject: {subject}\r\n\
         Message-ID: <bench.{i}.{r}@customers.bench>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n",
        c = i % 5000,
        r = rng.next()
    );
    let body = if class < 60 {
        let n = 2_000 + rng.below(8_000) as usize;
        format!(
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
            text(&mut rng, n)
        )
    } else if class < 90 {
        let n = 5_000 + rng.below(20_000) as usize;
        let t = text(&mut rng, n);
        format!(
            "Content-Type: multipart/alternative; boundary=alt\r\n\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{t}\r\n\
             --alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{}</p></body></html>\r\n--alt--\r\n",
            t.replace("\r\n", "<br>\r\n")
        )
    } else {
        let n = 30_000 + rng.below(110_000) as usize;
        let mut blob = String::with_capacity(n * 4 / 3 + n / 38);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for k in 0..(n * 4 / 3) {
            blob.push(alphabet[rng.below(64) as usize] as char);
            if k % 76 == 75 {
                blob.push_str("\r\n");
            }
        }
        format!(
            "Content-Type: multipart/mixed; boundary=mix\r\n\r\n--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\
             --mix\r\nContent-Type: application/pdf; name=\"invoice-{i}.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice-{i}.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{blob}\r\n--mix--\r\n",
            text(&mut rng, 1_500)
        )
    };
    format!("{head}{body}").into_bytes()
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Delivers messages as a local delivery agent does: each written into `tmp/`, given the
/// Maildir's owner, then renamed into `new/`.
pub(crate) fn deliver_to_maildir(
    dir: &std::path::Path,
    tag: &str,
    messages: &[Vec<u8>],
) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).with_context(|| format!("{}", dir.display()))?;
    let (uid, gid) = (meta.uid(), meta.gid());
    let stamp = now().millis() / 1000;
    for (i, raw) in messages.iter().enumerate() {
        let name = format!("{stamp}.{tag}{i}P{}.switchboard-bench", std::process::id());
        let tmp = dir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).with_context(|| format!("{}", tmp.display()))?;
        std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))?;
        std::fs::rename(&tmp, dir.join("new").join(&name))?;
    }
    Ok(())
}

/// Writes a plain reply with `text` on each of `activities` (as the system, composed, to the
/// customer), `width` at a time: the outbox a dispatch benchmark drains.
pub(crate) async fn queue_replies(
    app: &switchboard_app::App,
    activities: Vec<switchboard_domain::ActivityId>,
    text: &str,
    width: usize,
) -> anyhow::Result<()> {
    let mut pending = futures_util::stream::iter(activities.into_iter().map(|id| {
        let (app, text) = (app.clone(), text.to_string());
        async move {
            let r = NewReply {
                text,
                html: None,
                to: vec![],
                cc: vec![],
                attachments: vec![],
                complete: false,
                compose: true,
                draft_attachments: false,
                any_recipient: true,
            };
            app.reply(id, r, Actor::System, now()).await
        }
    }))
    .buffer_unordered(width.max(1));
    while let Some(r) = pending.next().await {
        r?;
    }
    Ok(())
}

/// Runs `bench ingest`.
pub async fn ingest(a: IngestArgs) -> anyhow::Result<()> {
    let messages: Vec<Vec<u8>> = (0..a.messages)
        .map(|i| message(i, &format!("Order {i} question")))
        .collect();
    let total_bytes: usize = messages.iter().map(Vec::len).sum();
    println!(
        "ingest benchmark: {} messages, {:.0} MiB (mean {:.1} KB)",
        a.messages,
        mib(total_bytes),
        total_bytes as f64 / a.messages.max(1) as f64 / 1000.0
    );
    let incoming = serde_json::json!({"protocol": "imap", "host": a.imap_host, "port": a.imap_port,
        "security": "none", "username": a.imap_user, "poll_secs": 5});
    let outgoing = serde_json::json!({"host": "127.0.0.1", "port": 25, "security": "none"});

    // 1. The ceiling: blob store + parse + ingest, no network.
    let w = world("ceiling", incoming.clone(), outgoing.clone()).await?;
    let strikes = Strikes::default();
    let started = Instant::now();
    // Two batches in flight, as the retriever runs them.
    let mut batches =
        futures_util::stream::iter(messages.chunks(200).enumerate().map(|(n, chunk)| {
            let batch = chunk
                .iter()
                .enumerate()
                .map(|(k, raw)| Fetched {
                    source_key: format!("bench:{}", n * 200 + k),
                    raw: raw.clone(),
                })
                .collect();
            ingest_batch(&w.app, &w.blobs, w.alias, batch, &strikes)
        }))
        .buffered(2);
    while let Some(results) = batches.next().await {
        for r in results {
            r.context("ingest")?;
        }
    }
    drop(batches);
    let ceiling = started.elapsed();
    let ceiling_rate = a.messages as f64 / ceiling.as_secs_f64();
    println!(
        "  ceiling (parse + blob + store, no network): {:>8.0} msg/s  {:>6.1} MiB/s",
        ceiling_rate,
        mib(total_bytes) / ceiling.as_secs_f64()
    );
    // Kept until the end: deleting thousands of files just before the next measurement makes
    // some file systems slower to allocate inodes for a while.
    let ceiling_world = w;

    // 2. Seed the mailbox.
    let trust = TlsTrust::new(b"")?;
    let connect = || {
        ImapConnection::connect(
            &a.imap_host,
            a.imap_port,
            switchboard_domain::MailSecurity::None,
            &trust,
            &a.imap_user,
            &a.imap_password,
            Duration::from_secs(120),
        )
    };
    let mut c = connect().await?;
    c.select("INBOX").await?;
    let old = c.uids_after(0).await?;
    for chunk in old.chunks(5000) {
        c.delete(chunk).await?;
    }
    let seeding = Instant::now();
    let how = match &a.maildir {
        Some(dir) => {
            deliver_to_maildir(dir, "M", &messages)?;
            // The server takes the new files in on the next SELECT (not timed).
            let mut c = connect().await?;
            c.select("INBOX").await?;
            c.logout().await;
            "delivered into the Maildir"
        }
        None => {
            let per = messages.len().div_ceil(4).max(1);
            let mut tasks = Vec::new();
            for part in messages.chunks(per) {
                let part = part.to_vec();
                let mut conn = connect().await?;
                tasks.push(tokio::spawn(async move {
                    for raw in part {
                        conn.append("INBOX", &raw).await?;
                    }
                    conn.logout().await;
                    Ok::<_, switchboard_mail::imap::ImapError>(())
                }));
            }
            for t in tasks {
                t.await??;
            }
            "APPENDed"
        }
    };
    println!(
        "  seeded the mailbox ({how}) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    // 3. End to end: the retriever takes the backlog in.
    let w = world("e2e", incoming, outgoing).await?;
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let ctx = MailContext {
        app: w.app.clone(),
        blobs: Arc::clone(&w.blobs),
        trust: trust.clone(),
        settings: MailSettings::default(),
        status: Registry::default(),
        lease: None,
    };
    let started = Instant::now();
    let retriever = tokio::spawn(switchboard_services::retriever::run(ctx, None, stop));
    let expected = a.messages as i64;
    loop {
        let n = w.store.count_inbound(w.alias).await?;
        if n >= expected {
            break;
        }
        if started.elapsed() > Duration::from_secs(3600) {
            bail!("the backlog was not taken in within an hour ({n} of {expected})");
        }
        tokio::time::sleep(Duration::from_millis(POLL_MS)).await;
    }
    let e2e = started.elapsed();
    let e2e_rate = a.messages as f64 / e2e.as_secs_f64();
    println!(
        "  end to end (IMAP backlog → activities queued): {:>8.0} msg/s  {:>6.1} MiB/s  = {:.0} % of the ceiling",
        e2e_rate,
        mib(total_bytes) / e2e.as_secs_f64(),
        100.0 * e2e_rate / ceiling_rate
    );

    // 4. Latency at a steady rate with IDLE, from the moment a message is in the mailbox
    // (delivered into the Maildir; by APPEND, whose own time then counts, without one).
    if a.latency_secs > 0 && a.rate > 0 {
        let count = (a.latency_secs * u64::from(a.rate)) as usize;
        let gap = Duration::from_secs_f64(1.0 / f64::from(a.rate));
        let mut conn = connect().await?;
        let t0 = Instant::now();
        for k in 0..count {
            let sent = now().millis();
            let raw = message(a.messages + k, &format!("latency {sent}"));
            match &a.maildir {
                Some(dir) => deliver_to_maildir(dir, &format!("L{k}-"), &[raw])?,
                None => conn.append("INBOX", &raw).await?,
            }
            let next = gap * u32::try_from(k + 1).unwrap_or(u32::MAX);
            if let Some(wait) = next.checked_sub(t0.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        conn.logout().await;
        let want = expected + count as i64;
        let deadline = Instant::now() + Duration::from_secs(60);
        while w.store.count_inbound(w.alias).await? < want && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut lat = latencies(&w.store).await?;
        lat.sort_unstable();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
                .copied()
                .unwrap_or(0)
        };
        println!(
            "  arrival → activity at {} msg/s with IDLE ({} messages): p50 {} ms  p99 {} ms  max {} ms",
            a.rate,
            lat.len(),
            pct(0.5),
            pct(0.99),
            lat.last().copied().unwrap_or(0)
        );
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), retriever).await;
    drop(ceiling_world);
    Ok(())
}

/// Arrival-to-activity latencies (ms) of the messages whose subject carries their send time.
async fn latencies(store: &Store) -> anyhow::Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut page = PageRequest::first(500);
    let f = switchboard_store::EmailFilter::default();
    loop {
        let p = store
            .list_emails(&switchboard_domain::Scope::All, &f, &page)
            .await?;
        for e in &p.items {
            if let Some(ms) = e
                .subject
                .strip_prefix("latency ")
                .and_then(|t| t.parse::<i64>().ok())
            {
                out.push(e.created_at.millis() - ms);
            }
        }
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(500), Some(&c))?,
            None => return Ok(out),
        }
    }
}
