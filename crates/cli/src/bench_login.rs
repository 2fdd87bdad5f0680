//! `switchboard bench login`: the 8 am rush. A server (this binary, in its own process on a
//! temporary SQLite database) gets its agents created, rests until idle, then every agent logs
//! in at once over HTTP; the server's resident memory is sampled throughout: idle, peak, and how
//! long it takes to come back to idle. The baseline, in the same run: the same number of argon2
//! verifications done the plain way (a fresh 19 MiB working area each, one per core at once) in
//! the benchmark's own process, whose memory growth is what the server showed before.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};

use crate::bench_server::{ADMIN_PASSWORD, admin_token, each, mb, post, rss, sampler, start};

/// Options of the login benchmark.
#[derive(Args)]
pub struct LoginArgs {
    /// Agents that log in.
    #[arg(long, default_value_t = 2_500)]
    agents: usize,
    /// Logins in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Growth allowed, in MB (the target).
    #[arg(long, default_value_t = 50)]
    target_mb: u64,
}

const AGENT_PASSWORD: &str = "an agent's morning passphrase";

/// Runs the benchmark.
pub async fn login(a: LoginArgs) -> anyhow::Result<()> {
    let server = start("login", &[])?;
    let pid = server.child.id();
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1", server.url);
    let token = admin_token(&base, ADMIN_PASSWORD).await?;
    let (_, depts) = {
        let r = http
            .get(format!("{base}/departments"))
            .bearer_auth(&token)
            .send()
            .await?;
        (r.status().as_u16(), r.json::<Value>().await?)
    };
    let dept = depts["items"][0]["id"].as_i64().context("a department")?;
    println!(
        "login: {} agents, {} at once; server pid {pid}",
        a.agents, a.concurrency
    );
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let took = each("agents created", a.agents, cores * 2, move |i| {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            async move {
                let body = json!({"department_id": dept, "email": format!("agent{i}@bench.test"),
                                  "name": format!("Agent {i}"), "role": "agent", "password": AGENT_PASSWORD});
                let (st, v) = post(&http, &format!("{base}/users"), Some(&token), body).await?;
                if st != 201 {
                    bail!("create agent {i}: {st} {v}");
                }
                Ok(())
            }
        })
        .await?;
        println!("  created in {:.1} s", took.as_secs_f64());
    }
    // Rest until the server is idle: its password buffers are released within two quiet
    // periods of the last use.
    let rest = switchboard_store::passwords::IDLE_RELEASE * 2 + Duration::from_secs(5);
    tokio::time::sleep(rest).await;
    let idle = rss(pid);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let peak_thread = sampler(pid, Arc::clone(&stop));
    let took = {
        let (http, base) = (http.clone(), base.clone());
        each("logins", a.agents, a.concurrency, move |i| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let body =
                    json!({"email": format!("agent{i}@bench.test"), "password": AGENT_PASSWORD});
                let (st, v) = post(&http, &format!("{base}/auth/login"), None, body).await?;
                if st != 200 {
                    bail!("login of agent {i}: {st} {v}");
                }
                Ok(())
            }
        })
        .await?
    };
    stop.store(true, Ordering::SeqCst);
    let peak = peak_thread.join().unwrap_or(0);
    let after = rss(pid);
    let mut back = None;
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(60) {
        if rss(pid) <= idle + 5_000_000 {
            back = Some(settle.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let settled = rss(pid);
    drop(server);

    // Baseline: the same verifications the plain way, in this process.
    let hash = switchboard_store::auth::hash_password(AGENT_PASSWORD)?;
    let own = std::process::id();
    let base_idle = rss(own);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let base_peak_thread = sampler(own, Arc::clone(&stop));
    let base_took = each("baseline verifications", a.agents, cores, move |_| {
        let hash = hash.clone();
        async move {
            let ok = tokio::task::spawn_blocking(move || {
                switchboard_store::auth::verify_password(AGENT_PASSWORD, &hash)
            })
            .await?;
            if !ok {
                bail!("baseline verification failed");
            }
            Ok(())
        }
    })
    .await?;
    stop.store(true, Ordering::SeqCst);
    let base_peak = base_peak_thread.join().unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let base_after = rss(own);

    let growth = peak.saturating_sub(idle);
    let base_growth = base_peak.saturating_sub(base_idle);
    println!(
        "  server: idle {:.1} MB, peak {:.1} MB (growth {:.1} MB), right after {:.1} MB, after settling {:.1} MB",
        mb(idle),
        mb(peak),
        mb(growth),
        mb(after),
        mb(settled)
    );
    println!(
        "  logins: {:.1} s, {:.0}/s; back to idle (+5 MB): {}",
        took.as_secs_f64(),
        a.agents as f64 / took.as_secs_f64(),
        back.map_or_else(
            || "not within 60 s".to_string(),
            |d| format!("after {:.1} s", d.as_secs_f64())
        )
    );
    println!(
        "  baseline (plain argon2, {cores} at once): growth {:.1} MB, {:.1} MB still held 10 s later, {:.1} s",
        mb(base_growth),
        mb(base_after.saturating_sub(base_idle)),
        base_took.as_secs_f64()
    );
    println!(
        "  growth vs baseline: {:.2}x; target growth <= {} MB: {}",
        growth as f64 / base_growth.max(1) as f64,
        a.target_mb,
        if growth <= a.target_mb * 1_000_000 && back.is_some() {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
