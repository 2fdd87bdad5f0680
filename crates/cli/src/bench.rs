//! `switchboard bench store`: durable activity creations (activity + `created` event in one
//! transaction) through the store, on SQLite and optionally PostgreSQL. Each engine runs twice
//! in the same process: once with one writer waiting for each commit (the baseline: one fsync per
//! creation) and once with many concurrent callers, where group commit batches the fsyncs. The
//! ratio between the two is the figure that holds on a noisy machine.

use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use switchboard_domain::{
    Actor, ChannelKind, NewActivity, NewCase, NewCustomer, NewDepartment, Priority,
};
use switchboard_store::{Store, StoreOptions, create_postgres_database};

use crate::bench_server::tempfile_dir;
use crate::now;

/// Benchmarks.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Durable activity creations per second and latency.
    Store {
        /// Activities to create in the concurrent run.
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        /// Concurrent callers in the concurrent run.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Activities in the one-at-a-time baseline run.
        #[arg(long, default_value_t = 300)]
        baseline_count: usize,
        /// Also run on PostgreSQL: a server URL; a fresh database is created on it.
        #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
        postgres: Option<String>,
    },
    /// Email ingest: an IMAP backlog taken in until every activity is queued, against the
    /// parse + store ceiling of the same run; then arrival-to-activity latency with IDLE.
    Ingest(crate::bench_mail::IngestArgs),
    /// Email dispatch: replies through the outbox to an SMTP server at several outbox sizes,
    /// each against that server's own acceptance rate in the same run.
    Dispatch(crate::bench_dispatch::DispatchArgs),
    /// API reads at volume: synthetic stores of several sizes (10 million activities by
    /// default), the start-up time and each read's p99 at a fixed request rate, against the
    /// smallest store of the same run.
    Api(crate::bench_api::ApiArgs),
    /// The supervisors' live monitor with 2,500 agents: the server's CPU per update sent, against
    /// rendering the whole monitor.
    Monitor(crate::bench_monitor::MonitorArgs),
    /// Idle agent event streams: the server's memory per stream held open, measured with
    /// 10,000 of them.
    Streams(crate::bench_streams::StreamsArgs),
    /// Routing: decision latency with a deep backlog, durable assignments through the router
    /// service on SQLite, and one simulated day; each against a naive linear-scan router.
    Routing(RoutingArgs),
    /// Workflows: 500 rules on every message of a realistic set, against parse-only throughput
    /// of the same messages in the same run.
    Workflow(crate::bench_workflow::WorkflowArgs),
    /// Logins: the server's memory while every agent logs in at once, against plain argon2
    /// verifications in the same run.
    Login(crate::bench_login::LoginArgs),
    /// Web chat: the server's memory for idle chat connections, then active chats' stored
    /// messages per second and relay latency, against plain inserts of the same rows through
    /// the store's writer in the same run.
    Chat(crate::bench_chat::ChatArgs),
    /// A cluster: ingest and dispatch on one node and on three sharing one PostgreSQL (with
    /// where the CPU goes), offers across nodes against offers on one, and failover over
    /// repeated kills of the router's node.
    Cluster(crate::bench_cluster::ClusterArgs),
    /// Reports: a simulated year of history on SQLite; the rollup's catch-up against plain
    /// event reads, each report's p99 over a month by 15 minutes and a year by day, and webhook
    /// deliveries per second against plain POSTs.
    Reports(crate::bench_reports::ReportsArgs),
}

/// Runs a benchmark.
pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Store {
            count,
            concurrency,
            baseline_count,
            postgres,
        } => {
            let dir = tempfile_dir()?;
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            engine("sqlite", &url, count, concurrency, baseline_count).await?;
            if let Some(server) = postgres {
                let name = format!(
                    "sbbench_{}",
                    &switchboard_store::auth::random_secret()[..10]
                );
                let url = create_postgres_database(&server, &name).await?;
                engine("postgres", &url, count, concurrency, baseline_count).await?;
            }
            let _ = std::fs::remove_dir_all(&dir);
            Ok(())
        }
        BenchCommand::Ingest(a) => crate::bench_mail::ingest(a).await,
        BenchCommand::Cluster(a) => crate::bench_cluster::cluster(a).await,
        BenchCommand::Dispatch(a) => crate::bench_dispatch::dispatch(a).await,
        BenchCommand::Api(a) => crate::bench_api::api(a).await,
        BenchCommand::Streams(a) => crate::bench_streams::streams(a).await,
        BenchCommand::Monitor(a) => crate::bench_monitor::monitor(a).await,
        BenchCommand::Routing(a) => crate::bench_routing::routing(a).await,
        BenchCommand::Workflow(a) => crate::bench_workflow::workflow(a),
        BenchCommand::Login(a) => crate::bench_login::login(a).await,
        BenchCommand::Chat(a) => crate::bench_chat::chat(a).await,
        BenchCommand::Reports(a) => crate::bench_reports::reports(a).await,
    }
}

struct Run {
    per_sec: f64,
    p50: Duration,
    p99: Duration,
}

async fn engine(
    name: &str,
    url: &str,
    count: usize,
    concurrency: usize,
    baseline_count: usize,
) -> anyhow::Result<()> {
    let store = Store::open(
        url,
        &StoreOptions {
            max_connections: 16,
            ..StoreOptions::default()
        },
    )
    .await?;
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
    let customer = store
        .create_customer(
            NewCustomer {
                department_id: dept.id,
                name: "Bench".into(),
                contact_points: vec![],
                attributes: Default::default(),
            },
            now(),
        )
        .await?;
    let case = store
        .create_case(
            NewCase {
                customer_id: customer.id,
                subject: "Bench".into(),
                owner_id: None,
            },
            now(),
        )
        .await?;
    let input = NewActivity {
        customer_id: customer.id,
        case_id: Some(case.id),
        channel: ChannelKind::InboundEmail,
        subject: "A realistic subject line for a customer email".into(),
        priority: Priority::NORMAL,
        due_at: None,
        queue_id: None,
        sub_status: None,
        category_id: None,
        custom_attributes: Default::default(),
    };
    let baseline = measure(&store, &input, baseline_count, 1).await?;
    let grouped = measure(&store, &input, count, concurrency).await?;
    let (acts, events, orphans) = store.activity_consistency().await?;
    println!("store benchmark: {name} (activity + created event per durable transaction)");
    println!(
        "  baseline, 1 caller:            {:>9.0} creations/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        baseline.per_sec,
        ms(baseline.p50),
        ms(baseline.p99)
    );
    println!(
        "  group commit, {concurrency:>3} callers:    {:>9.0} creations/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        grouped.per_sec,
        ms(grouped.p50),
        ms(grouped.p99)
    );
    println!(
        "  ratio group commit / baseline: {:.1}x",
        grouped.per_sec / baseline.per_sec.max(f64::MIN_POSITIVE)
    );
    println!("  check: {acts} activities, {events} events, {orphans} without their created event");
    store.close().await;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(
    store: &Store,
    input: &NewActivity,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let per_task = count.div_ceil(concurrency);
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (store, input) = (store.clone(), input.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                let t = Instant::now();
                store
                    .create_activity(input.clone(), Actor::System, now())
                    .await?;
                lat.push(t.elapsed());
            }
            Ok::<_, switchboard_store::StoreError>(lat)
        }));
    }
    let mut all = Vec::with_capacity(per_task * concurrency);
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Run {
        per_sec: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pick(0.50),
        p99: pick(0.99),
    })
}

/// Sizes of the routing benchmark.
#[derive(Args, Debug, Clone)]
pub struct RoutingArgs {
    /// Agents.
    #[arg(long, default_value_t = 2500)]
    pub agents: usize,
    /// Attributes per agent.
    #[arg(long, default_value_t = 15)]
    pub attributes: usize,
    /// Queues (half skill-group, half precision).
    #[arg(long, default_value_t = 200)]
    pub queues: usize,
    /// Activities waiting while decisions are measured.
    #[arg(long, default_value_t = 100_000)]
    pub queued: usize,
    /// Decisions measured per kind.
    #[arg(long, default_value_t = 20_000)]
    pub decisions: usize,
    /// Decisions measured per kind on the naive router (it is slow).
    #[arg(long, default_value_t = 300)]
    pub baseline_decisions: usize,
    /// Activities in the simulated day.
    #[arg(long, default_value_t = 150_000)]
    pub day_activities: usize,
    /// Activities assigned in the durable run.
    #[arg(long, default_value_t = 20_000)]
    pub durable: usize,
    /// Activities assigned one transaction each in the durable baseline.
    #[arg(long, default_value_t = 1_000)]
    pub durable_baseline: usize,
    /// Skip the simulated day on the naive router (it takes minutes).
    #[arg(long)]
    pub no_baseline_day: bool,
}
