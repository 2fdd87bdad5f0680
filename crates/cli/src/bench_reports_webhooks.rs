//! The webhook part of `bench reports`: deliveries per second from the outbox through the
//! sender (signing, recording each outcome) to a receiver on loopback that answers 204 at
//! once, against plain POSTs of the same size to that receiver with the same concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use switchboard_domain::{CustomerId, DepartmentId};
use switchboard_services::status::Registry;
use switchboard_services::webhooks::client::client;
use switchboard_services::webhooks::sender::{Settings, round};
use switchboard_store::{HistoryStep, Store};

use crate::bench_reports::{LOOPBACK, arrival, subscription};
use crate::now;

/// Starts the receiver; returns its URL and its count of POSTs.
async fn receiver() -> anyhow::Result<(String, Arc<AtomicU64>)> {
    let hits = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&hits);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/hook"), hits))
}

/// Plain POSTs of a delivery-sized body, `concurrency` at a time; returns POSTs per second.
async fn plain_posts(url: &str, n: usize, concurrency: usize) -> anyhow::Result<f64> {
    let http = reqwest::Client::new();
    let body = vec![b'x'; 600];
    let t = Instant::now();
    let per = n.div_ceil(concurrency);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, url, body) = (http.clone(), url.to_string(), body.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per {
                http.post(&url).body(body.clone()).send().await?;
            }
            Ok::<_, reqwest::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((per * concurrency) as f64 / t.elapsed().as_secs_f64())
}

/// Measures `n` deliveries of `created` events of department `dept`.
pub async fn deliveries(
    store: &Store,
    dept: DepartmentId,
    customer: CustomerId,
    n: usize,
) -> anyhow::Result<()> {
    let (url, hits) = receiver().await?;
    let settings = Settings {
        policy: LOOPBACK,
        poll: Duration::from_millis(50),
        ..Settings::default()
    };
    let baseline = plain_posts(&url, n.min(10_000), settings.concurrency).await?;
    hits.store(0, Ordering::Relaxed);
    store
        .create_webhook(subscription(dept, &url).validate()?, now())
        .await?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(5_000) {
        let steps = chunk
            .iter()
            .map(|_| HistoryStep::Create {
                input: arrival(customer),
                at: now(),
            })
            .collect();
        store.import_history(steps).await?;
    }
    let http = client(settings.policy, settings.timeout).context("the sender's client")?;
    let status = Registry::default();
    let t = Instant::now();
    let mut sent = 0;
    loop {
        let attempted = round(store, &http, &settings, &status).await?;
        if attempted == 0 {
            break;
        }
        sent += attempted;
    }
    let rate = sent as f64 / t.elapsed().as_secs_f64();
    println!(
        "  webhooks ({} at once, each signed, its outcome recorded):",
        settings.concurrency
    );
    println!("    plain POSTs to the receiver: {baseline:>8.0} /s");
    println!(
        "    deliveries:                  {rate:>8.0} /s ({sent} sent, {} received)",
        hits.load(Ordering::Relaxed)
    );
    println!(
        "    ratio deliveries / POSTs:    {:.2}",
        rate / baseline.max(f64::MIN_POSITIVE)
    );
    Ok(())
}
