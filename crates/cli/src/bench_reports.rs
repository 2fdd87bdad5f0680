//! `switchboard bench reports`: a year of contact-center history made by the routing simulator
//! (one simulated day after another: work, waits told, agents' presence and breaks) and written
//! through the store's history writer, which checks and records each step as the live code does,
//! on SQLite; then the rollup's catch-up rate against plain reads of the same events, the time of
//! each report over a month at 15-minute intervals and over the year by day, and webhook
//! deliveries per second to a loopback receiver against plain POSTs to it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use switchboard_app::App;
use switchboard_app::reports::{ReportParams, RollupRunner};
use switchboard_domain::event::WaitTold;
use switchboard_domain::report::{Granularity, ROWS_PER_PAGE, ReportKind, period_of, time_zone};
use switchboard_domain::webhook::{NewWebhook, TargetPolicy};
use switchboard_domain::{
    ActivityAction, ActivityId, Actor, ChannelKind, DepartmentId, EventKind, EventPayload,
    NewActivity, NewCustomer, NewDepartment, NewQueue, Presence, Priority, QueueId, Scope,
    Timestamp, UserId,
};
use switchboard_routing::Router;
use switchboard_sim::engine::{Traced, run_traced};
use switchboard_sim::scenario::Scenario;
use switchboard_store::{HistoryRef, HistoryStep, Sealer, Store, StoreOptions};

use crate::bench_server::tempfile_dir;
use crate::now;

/// Options of `bench reports`.
#[derive(Args, Debug)]
pub struct ReportsArgs {
    /// Activities in the history.
    #[arg(long, default_value_t = 5_000_000)]
    activities: usize,
    /// Days the history covers (ending yesterday).
    #[arg(long, default_value_t = 365)]
    days: usize,
    /// Timed runs of each report.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Webhook deliveries measured.
    #[arg(long, default_value_t = 20_000)]
    deliveries: usize,
    /// Keep the history in this SQLite file; when it already holds one (written by an earlier
    /// run), it is not written again and only the measurements run.
    #[arg(long)]
    db: Option<std::path::PathBuf>,
    /// With a kept history already rolled up: time the reports only (no reads, no catch-up).
    #[arg(long, requires = "db")]
    reports_only: bool,
}

const DAY_MS: i64 = 86_400_000;
/// The business time zone of the department (its calendar's): reports are read in it.
const ZONE: &str = "Europe/Berlin";
/// Steps written per transaction.
const STEPS_PER_BATCH: usize = 100_000;

/// One simulated day of `per_day` arrivals (60 % chat, 40 % email) with enough agents, who take
/// a quarter-hour break every two hours.
fn day_scenario(per_day: usize, seed: u64) -> anyhow::Result<Scenario> {
    let per_hour = per_day as f64 / 24.0;
    let load = per_hour * 0.6 * 300.0 / 3600.0 / 2.0 + per_hour * 0.4 * 400.0 / 3600.0;
    // A break takes an eighth of the time: staff for the rest.
    let agents = (load * 1.3 * 8.0 / 7.0).ceil() as usize + 2;
    let text = format!(
        r#"
hours = 24
seed = {seed}
[[queues]]
name = "Chat"
channel = "chat"
group = "g"
arrivals_per_hour = {chat:.3}
handle = {{ dist = "exponential", mean_secs = 300 }}
patience_secs = 120
[[queues]]
name = "Email"
channel = "inbound_email"
group = "g"
arrivals_per_hour = {mail:.3}
handle = {{ dist = "fixed", secs = 400 }}
[[agents]]
name = "all"
count = {agents}
groups = ["g"]
capacity = {{ chat = 2, inbound_email = 1 }}
accept_secs = 4
breaks = {{ every_hours = 2, minutes = 15 }}
"#,
        chat = per_hour * 0.6,
        mail = per_hour * 0.4,
    );
    let s: Scenario = toml::from_str(&text).context("the day's scenario")?;
    s.check()?;
    Ok(s)
}

/// What the history is written into.
struct World {
    store: Store,
    dept: DepartmentId,
    queues: Vec<QueueId>,
    customer: switchboard_domain::CustomerId,
    agents: HashMap<UserId, UserId>,
}

async fn world(store: Store, scenario: &Scenario) -> anyhow::Result<World> {
    store.migrate(now().millis()).await?;
    store.ensure_partition("Bench", now()).await?;
    // A kept history's department is there already: the new one has its own name.
    let name = format!("Bench {}", now().millis());
    let dept = store
        .create_department(
            NewDepartment {
                name,
                description: String::new(),
            },
            now(),
        )
        .await?
        .id;
    let mut queues = Vec::new();
    for q in &scenario.queues {
        let n: NewQueue = serde_json::from_value(serde_json::json!({
            "department_id": dept, "name": q.name, "routing": {"type": "manual"}
        }))?;
        queues.push(store.create_queue(n.validate()?, now()).await?.id);
    }
    let (_, pools) = scenario.config();
    let mut agents = HashMap::new();
    for (sim_id, _) in &pools {
        let n: switchboard_domain::NewUser = serde_json::from_value(serde_json::json!({
            "department_id": dept, "email": format!("agent{}@{}.bench.example", sim_id.0, dept.0),
            "name": format!("Agent {}", sim_id.0), "role": "agent"
        }))?;
        agents.insert(*sim_id, store.create_user(n, now()).await?.id);
    }
    let calendar: switchboard_domain::NewCalendar = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Business hours", "time_zone": ZONE
    }))?;
    store.create_calendar(calendar.validate()?, now()).await?;
    let customer = store
        .create_customer(
            NewCustomer {
                department_id: dept,
                name: "Bench".into(),
                contact_points: vec![],
                attributes: Default::default(),
            },
            now(),
        )
        .await?
        .id;
    Ok(World {
        store,
        dept,
        queues,
        customer,
        agents,
    })
}

/// Turns one simulated day starting at `start` into history steps: each activity's in order,
/// then the agents' presence changes in order.
fn day_steps(w: &World, scenario: &Scenario, start: i64) -> Vec<(usize, HistoryStepOf)> {
    let (_, _, history) = run_traced(scenario, &mut Router::new(scenario.config().0));
    let mut queue_of: HashMap<ActivityId, QueueId> = HashMap::new();
    let mut out: Vec<(usize, HistoryStepOf)> = history
        .work
        .into_iter()
        .filter_map(|t| {
            let at = Timestamp::from_millis(start + t.at);
            let step = match t.what {
                Traced::Arrived { queue } => {
                    queue_of.insert(t.activity, w.queues[queue]);
                    HistoryStepOf::Create(
                        NewActivity {
                            customer_id: w.customer,
                            case_id: None,
                            channel: scenario.queues[queue].channel,
                            subject: "Simulated".into(),
                            priority: Priority::NORMAL,
                            due_at: None,
                            queue_id: Some(w.queues[queue]),
                            sub_status: None,
                            category_id: None,
                            custom_attributes: Default::default(),
                        },
                        at,
                    )
                }
                Traced::Told {
                    wait_secs,
                    position,
                } => HistoryStepOf::Record(
                    EventPayload::WaitTold(WaitTold {
                        queue_id: *queue_of.get(&t.activity)?,
                        expected_wait_secs: wait_secs,
                        position: u32::try_from(position).ok(),
                    }),
                    at,
                ),
                Traced::Offered(a) => HistoryStepOf::Act(
                    ActivityAction::Offer {
                        agent_id: w.agents[&a],
                    },
                    Actor::System,
                    at,
                ),
                Traced::Assigned(a) => HistoryStepOf::Act(
                    ActivityAction::Assign {
                        agent_id: w.agents[&a],
                    },
                    Actor::System,
                    at,
                ),
                Traced::Accepted(a) => {
                    HistoryStepOf::Act(ActivityAction::Accept, Actor::User(w.agents[&a]), at)
                }
                Traced::Started => HistoryStepOf::Act(ActivityAction::Start, Actor::System, at),
                Traced::Returned => {
                    HistoryStepOf::Act(ActivityAction::OfferTimeout, Actor::System, at)
                }
                Traced::Completed => {
                    HistoryStepOf::Act(ActivityAction::Complete, Actor::System, at)
                }
                Traced::Abandoned => HistoryStepOf::Act(ActivityAction::Abandon, Actor::System, at),
            };
            Some((usize::try_from(t.activity.0).ok()?, step))
        })
        .collect();
    for t in history.agents {
        let at = Timestamp::from_millis(start + t.at);
        let mut p = t.presence;
        p.user_id = w.agents[&p.user_id];
        p.updated_at = at;
        out.push((0, HistoryStepOf::Presence(p, at)));
    }
    out
}

/// A step of one simulated activity, before it is tied to a stored one.
enum HistoryStepOf {
    Create(NewActivity, Timestamp),
    Act(ActivityAction, Actor, Timestamp),
    Record(EventPayload, Timestamp),
    Presence(Presence, Timestamp),
}

/// Writes `days` simulated days ending yesterday; returns the activities and steps written.
async fn write_history(w: &World, a: &ReportsArgs) -> anyhow::Result<(usize, usize)> {
    let per_day = a.activities.div_ceil(a.days.max(1));
    let today = now().millis() / DAY_MS * DAY_MS;
    let (mut activities, mut steps_written, mut refused) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    for d in 0..a.days {
        let scenario = day_scenario(per_day, d as u64 + 1)?;
        let start = today - (a.days - d) as i64 * DAY_MS;
        let steps = day_steps(w, &scenario, start);
        // Within a day: which stored activity a simulated one became (or the batch step that
        // creates it).
        let mut known: HashMap<usize, ActivityId> = HashMap::new();
        for chunk in steps.chunks(STEPS_PER_BATCH) {
            let mut pending: HashMap<usize, usize> = HashMap::new();
            let mut batch = Vec::with_capacity(chunk.len());
            for (sim, step) in chunk {
                match step {
                    HistoryStepOf::Create(input, at) => {
                        pending.insert(*sim, batch.len());
                        batch.push(HistoryStep::Create {
                            input: input.clone(),
                            at: *at,
                        });
                    }
                    HistoryStepOf::Presence(p, at) => batch.push(HistoryStep::Presence {
                        presence: p.clone(),
                        at: *at,
                    }),
                    HistoryStepOf::Act(_, _, at) | HistoryStepOf::Record(_, at) => {
                        let activity = match (pending.get(sim), known.get(sim)) {
                            (Some(n), _) => HistoryRef::Created(*n),
                            (None, Some(id)) => HistoryRef::Known(*id),
                            (None, None) => continue,
                        };
                        batch.push(match step {
                            HistoryStepOf::Act(action, actor, _) => HistoryStep::Act {
                                activity,
                                action: *action,
                                actor: *actor,
                                at: *at,
                            },
                            HistoryStepOf::Record(payload, _) => HistoryStep::Record {
                                activity,
                                payload: payload.clone(),
                                at: *at,
                            },
                            _ => continue,
                        });
                    }
                }
            }
            steps_written += batch.len();
            let done = w.store.import_history(batch).await?;
            refused += done.refused;
            for (sim, n) in pending {
                if let Some(Some(id)) = done.created.get(n) {
                    known.insert(sim, *id);
                    activities += 1;
                }
            }
        }
        if (d + 1) % 30 == 0 || d + 1 == a.days {
            println!(
                "  written: day {} of {}, {activities} activities, {steps_written} steps ({:.0} steps/s, {refused} refused by the life cycle)",
                d + 1,
                a.days,
                steps_written as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok((activities, steps_written))
}

/// The `q` quantile of `sorted` (zero when empty).
pub(crate) fn pick(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

/// Times `runs` runs of each report over `[from, to)` by `g`; prints p50 and p99 per report.
async fn time_reports(
    app: &App,
    label: &str,
    from: i64,
    to: i64,
    g: Granularity,
    runs: usize,
    target_ms: f64,
) -> anyhow::Result<()> {
    println!("  {label} (target p99 <= {target_ms:.0} ms):");
    for kind in ReportKind::ALL {
        let p = ReportParams {
            kind,
            from: Timestamp::from_millis(from),
            to: Timestamp::from_millis(to),
            granularity: g,
            time_zone: ZONE.into(),
            departments: vec![],
            queues: vec![],
            agents: vec![],
            channels: vec![],
            threshold_secs: 30,
        };
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let table = app.run_report(&Scope::All, &p, crate::now()).await?;
            times.push(t.elapsed());
            rows = table.rows.len();
        }
        times.sort_unstable();
        println!(
            "    {:<16} {rows:>6} rows  p50 {:>7.1} ms  p99 {:>7.1} ms",
            kind.as_str(),
            ms(pick(&times, 0.5)),
            ms(pick(&times, 0.99))
        );
        paged(app, &p, runs).await?;
    }
    Ok(())
}

/// Times the page the console shows in the middle of report `p`, when it has more than one.
async fn paged(app: &App, p: &ReportParams, runs: usize) -> anyhow::Result<()> {
    let at = |index| app.run_report_page(&Scope::All, p, (index, ROWS_PER_PAGE), crate::now());
    let Some(pages) = at(0).await?.page.map(|page| page.pages) else {
        return Ok(());
    };
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let table = at(pages / 2).await?;
        times.push(t.elapsed());
        rows = table.rows.len();
    }
    times.sort_unstable();
    println!(
        "      page {:<3} of {pages:<4} {rows:>6} rows  p50 {:>7.1} ms  p99 {:>7.1} ms",
        pages / 2 + 1,
        ms(pick(&times, 0.5)),
        ms(pick(&times, 0.99))
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Plain reads of every event, then the rollup's catch-up from scratch over the same events;
/// prints both rates.
async fn catch_up_timed(app: &App, last: i64) -> anyhow::Result<()> {
    let store = app.store();
    // Plain reads of every event, then the rollup's catch-up over the same events.
    let t = Instant::now();
    let (mut cursor, mut read) = (0i64, 0usize);
    loop {
        let page = store.events_after(cursor, 5_000).await?;
        let Some(e) = page.last() else { break };
        cursor = e.id.0;
        read += page.len();
    }
    let read_rate = read as f64 / t.elapsed().as_secs_f64();
    store.rollup_reset(now()).await?;
    let mut runner = RollupRunner::default();
    let t = Instant::now();
    let mut folded = 0usize;
    loop {
        let step = runner.step(app, 5_000, now()).await?;
        folded += step.folded;
        if step.caught_up {
            break;
        }
    }
    let fold_rate = folded as f64 / t.elapsed().as_secs_f64();
    println!("  events: {last} in the log");
    println!("  plain event reads:    {read_rate:>10.0} events/s ({read} events)");
    println!("  rollup catch-up:      {fold_rate:>10.0} events/s ({folded} events)");
    println!(
        "  ratio rollup / reads: {:.2}",
        fold_rate / read_rate.max(f64::MIN_POSITIVE)
    );
    Ok(())
}

/// Runs the benchmark.
pub async fn reports(a: ReportsArgs) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let file = a.db.clone().unwrap_or_else(|| dir.join("bench.db"));
    let url = format!("sqlite://{}", file.display());
    let store = Store::open(
        &url,
        &StoreOptions {
            max_connections: 8,
            sealer: Some(Sealer::new(&Sealer::generate_key()?)?),
            ..StoreOptions::default()
        },
    )
    .await?;
    let per_day = a.activities.div_ceil(a.days.max(1));
    let w = world(store.clone(), &day_scenario(per_day, 0)?).await?;
    println!(
        "reports benchmark: SQLite, {} activities over {} days, simulated day by day",
        a.activities, a.days
    );
    if store.last_event_id().await? > 0 {
        println!("  history: kept in {}, not written again", file.display());
    } else {
        let t = Instant::now();
        let (activities, steps) = write_history(&w, &a).await?;
        println!(
            "  history: {activities} activities, {steps} steps in {:.0} s",
            t.elapsed().as_secs_f64()
        );
    }
    let last = store.last_event_id().await?;

    let app = App::new(store.clone());
    if !a.reports_only {
        catch_up_timed(&app, last).await?;
    }

    // Periods of whole days in the business time zone, as the console asks for them.
    let tz = time_zone("time_zone", ZONE)?;
    let day = |ms: i64| period_of(ms, Granularity::Day, &tz);
    let today = day(now().millis());
    time_reports(
        &app,
        "a month at 15-minute intervals",
        day(today - 30 * DAY_MS + DAY_MS / 2),
        today,
        Granularity::Quarter,
        a.runs,
        500.0,
    )
    .await?;
    time_reports(
        &app,
        "a year by day",
        day(today - 365 * DAY_MS + DAY_MS / 2),
        today,
        Granularity::Day,
        a.runs,
        1000.0,
    )
    .await?;
    crate::bench_reports_webhooks::deliveries(&w.store, w.dept, w.customer, a.deliveries).await?;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The subscription the webhook part sends to.
pub(crate) fn subscription(dept: DepartmentId, url: &str) -> NewWebhook {
    NewWebhook {
        department_id: dept,
        url: url.to_string(),
        events: vec![EventKind::Created],
        active: true,
        ordered: false,
        description: "bench".into(),
    }
}

/// The policy the webhook part sends under (the receiver is on loopback).
pub(crate) const LOOPBACK: TargetPolicy = TargetPolicy {
    allow_loopback: true,
    allow_private: false,
};

/// An activity of the webhook part.
pub(crate) fn arrival(customer: switchboard_domain::CustomerId) -> NewActivity {
    NewActivity {
        customer_id: customer,
        case_id: None,
        channel: ChannelKind::InboundEmail,
        subject: "Webhook bench".into(),
        priority: Priority::NORMAL,
        due_at: None,
        queue_id: None,
        sub_status: None,
        category_id: None,
        custom_attributes: Default::default(),
    }
}
