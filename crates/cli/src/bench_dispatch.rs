//! `switchboard bench dispatch`: replies go through the outbox and the dispatcher to an SMTP
//! server, at several outbox sizes (10,000 to 1,000,000 by default in the script). The reference
//! is that server's own acceptance rate, measured just before each size with the same SMTP client
//! and concurrency and no store.
//!
//! The smallest size is queued through the reply use case, as agents' replies are (composed,
//! outbound workflows, events), 64 at a time; its rate is printed. Larger sizes are queued
//! through the same store write an agent's reply ends in (outbound activity with its events,
//! email, outbox entry), a few thousand to a transaction, so that a million replies take
//! minutes rather than an hour to set up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use switchboard_domain::{ActivityId, Actor, InboundEmail};
use switchboard_mail::TlsTrust;
use switchboard_services::status::Registry;
use switchboard_services::{MailContext, MailSettings};
use switchboard_store::{ReplyMail, Store};

use crate::bench_mail::{World, message, queue_replies, world};
use crate::now;

/// Replies written in one transaction when queueing through the store.
const CHUNK: usize = 2_000;

/// How often the drain checks whether the outbox is settled (one index entry read).
const POLL: Duration = Duration::from_millis(20);

/// Options of `bench dispatch`.
#[derive(Args, Debug)]
pub struct DispatchArgs {
    /// Outbox sizes to measure, each in a fresh store (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    sizes: Vec<usize>,
    /// SMTP server.
    #[arg(long, default_value = "127.0.0.1")]
    smtp_host: String,
    /// SMTP port (plain).
    #[arg(long)]
    smtp_port: u16,
    /// SMTP connections.
    #[arg(long, default_value_t = 8)]
    connections: u32,
}

/// Runs the benchmark and prints the figures.
pub async fn dispatch(a: DispatchArgs) -> anyhow::Result<()> {
    if a.sizes.is_empty() || a.sizes.contains(&0) {
        bail!("--sizes needs one or more sizes above 0");
    }
    println!(
        "dispatch benchmark: outboxes of {:?} replies to {}:{}, {} connections",
        a.sizes, a.smtp_host, a.smtp_port, a.connections
    );
    let smallest = a.sizes.iter().copied().min().unwrap_or(1);
    let mut ratios = Vec::new();
    for &size in &a.sizes {
        let alone = server_alone(&a, size.min(100_000)).await?;
        let w = setup(&a).await?;
        let activity = first_activity(&w).await?;
        let setup = Instant::now();
        let how = if size == smallest {
            let app = switchboard_app::App::new(w.store.clone());
            let body = String::from_utf8_lossy(&message(0, "Re: Order 0 question")).into_owned();
            queue_replies(&app, vec![activity; size], &body, 64).await?;
            "through the reply use case, 64 at a time"
        } else {
            queue_in_store(&w.store, activity, size).await?;
            "through the reply's store write, 2,000 to a transaction"
        };
        let took = setup.elapsed().as_secs_f64();
        println!(
            "  {size:>9} queued in {took:.1} s ({:.0} replies/s, {how})",
            size as f64 / took
        );
        let rate = drain(&a, &w, size).await?;
        let ratio = rate / alone;
        ratios.push(ratio);
        println!(
            "  {size:>9} dispatcher (outbox → SMTP → recorded sent): {rate:>7.0} msg/s against \
             {alone:.0} msg/s for the server alone = {:.0} %",
            100.0 * ratio
        );
    }
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    println!(
        "  ratio to the server alone: {:.0} % to {:.0} % over the sizes (target ≥ 80 %, flat)",
        100.0 * lo,
        100.0 * hi
    );
    Ok(())
}

/// The SMTP server's own acceptance rate: `count` messages with the dispatcher's client and
/// concurrency, and no store.
async fn server_alone(a: &DispatchArgs, count: usize) -> anyhow::Result<f64> {
    let server: switchboard_domain::OutgoingServer = serde_json::from_value(outgoing(a))?;
    let trust = TlsTrust::new(b"")?;
    let sender = switchboard_mail::smtp::SmtpSender::new(
        &server,
        None,
        &trust,
        Duration::from_secs(60),
        a.connections,
    )?;
    let raw = message(0, "Re: Order 0 question [#1]");
    let rcpt = vec!["customer0@customers.bench".to_string()];
    let started = Instant::now();
    let per = count.div_ceil(a.connections as usize).max(1);
    let mut tasks = Vec::new();
    for k in 0..a.connections as usize {
        let (sender, raw, rcpt) = (sender.clone(), raw.clone(), rcpt.clone());
        let n = per.min(count.saturating_sub(k * per));
        tasks.push(tokio::spawn(async move {
            for _ in 0..n {
                sender.send("support@bench.test", &rcpt, &raw).await?;
            }
            Ok::<_, switchboard_mail::smtp::SendError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

fn outgoing(a: &DispatchArgs) -> serde_json::Value {
    serde_json::json!({"host": a.smtp_host, "port": a.smtp_port, "security": "none"})
}

async fn setup(a: &DispatchArgs) -> anyhow::Result<World> {
    let incoming = serde_json::json!({"protocol": "imap", "host": "127.0.0.1", "port": 143,
        "security": "none", "username": "unused"});
    world("dispatch", incoming, outgoing(a)).await
}

/// One customer email, whose activity every reply answers.
async fn first_activity(w: &World) -> anyhow::Result<ActivityId> {
    let raw = message(0, "Order 0 question");
    let first = InboundEmail {
        mailbox_alias_id: w.alias,
        source_key: "bench:0".into(),
        raw_blob: w.blobs.put(&raw).await?.as_str().to_string(),
        raw_size: raw.len() as u64,
        content: Some(switchboard_domain::InboundContent {
            message_id: Some("bench.0@customers.bench".into()),
            in_reply_to: vec![],
            references: vec![],
            from: Some(switchboard_domain::Mailbox {
                name: None,
                address: "customer0@customers.bench".into(),
            }),
            reply_to: vec![],
            to: vec![],
            cc: vec![],
            original_recipients: vec![],
            subject: "Order 0 question".into(),
            date: None,
            text: "?".into(),
            html: None,
            kind: switchboard_domain::EmailKind::Normal,
            kind_reason: String::new(),
            bounce: None,
            attachments: vec![],
            headers: vec![],
        }),
        parse_error: None,
    };
    w.app
        .ingest_email(first, now())
        .await?
        .activity_id
        .context("no activity")
}

/// Queues `count` replies to `activity` through the store write of an agent's reply, printing
/// progress every tenth.
async fn queue_in_store(store: &Store, activity: ActivityId, count: usize) -> anyhow::Result<()> {
    let body = String::from_utf8_lossy(&message(0, "Re: Order 0 question")).into_owned();
    let mut done = 0;
    let mut shown = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let body = body.clone();
        store
            .write(move |mut tx| {
                let body = body.clone();
                Box::pin(async move {
                    let a = tx.activity(activity).await?;
                    let answered = tx.answered_email(activity).await?;
                    let alias = tx.alias(answered.alias_id).await?;
                    for _ in 0..n {
                        let mail = ReplyMail {
                            to: answered.default_recipients(),
                            cc: vec![],
                            text: body.clone(),
                            html: None,
                            attachments: vec![],
                            actor: Actor::System,
                            hold: None,
                        };
                        tx.enqueue_reply(&a, &answered, &alias, mail, now()).await?;
                    }
                    Ok(())
                })
            })
            .await?;
        done += n;
        if done * 10 / count > shown {
            shown = done * 10 / count;
            println!("    queueing: {done} of {count}");
        }
    }
    store.notify().outbox_changed();
    Ok(())
}

/// Runs the dispatcher until the outbox is settled; the rate of sending `size` replies.
async fn drain(a: &DispatchArgs, w: &World, size: usize) -> anyhow::Result<f64> {
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let ctx = MailContext {
        app: w.app.clone(),
        blobs: Arc::clone(&w.blobs),
        trust: TlsTrust::new(b"")?,
        settings: MailSettings {
            smtp_connections: a.connections,
            ..MailSettings::default()
        },
        status: Registry::default(),
        lease: None,
    };
    let started = Instant::now();
    let task = tokio::spawn(switchboard_services::dispatcher::run(ctx, stop));
    while !w.store.outbox_settled().await? {
        tokio::time::sleep(POLL).await;
    }
    let rate = size as f64 / started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    let c = w.store.outbox_counts().await?;
    if c.failed > 0 || c.sent < size as i64 {
        bail!("{} replies failed, {} of {size} sent", c.failed, c.sent);
    }
    Ok(rate)
}
