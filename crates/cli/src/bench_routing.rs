//! `switchboard bench routing`: a large center (agents with many attributes, skill-group and
//! precision queues, a deep backlog). Three figures, each against the same-run naive
//! linear-scan router ([`switchboard_sim::naive`]):
//!
//! 1. decision latency in memory: a freed agent picking the best of the backlog, and new work
//!    picking the best available agent;
//! 2. durable assignments per second through the router service, decisions written as
//!    activity events on SQLite (see [`crate::bench_routing_durable`]);
//! 3. one simulated day of the center in virtual time.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use switchboard_domain::user::AgentAttribute;
use switchboard_domain::{ActivityId, AgentOrder, ChannelKind, PrecisionStep, Timestamp, UserId};
use switchboard_routing::{Action, Event, NewWork, Router};

use crate::bench::RoutingArgs;
use switchboard_sim::engine::{Route, run};
use switchboard_sim::naive::Naive;
use switchboard_sim::scenario::{AgentSpec, Dist, QueueSpec, Scenario};

/// Groups agents belong to (two each).
const GROUPS: usize = 20;
/// Agent pools of the simulated day (identical agents per pool).
const POOLS: usize = 100;

/// The benchmark center as a scenario: pools of agents with random skills, queues alternating
/// skill groups and precision steps.
pub fn center(a: &RoutingArgs, hours: f64, per_hour: f64) -> Scenario {
    let mut rng = StdRng::seed_from_u64(7);
    let group = |i: usize| format!("g{}", i % GROUPS);
    let pools = POOLS.min(a.agents.max(1));
    let agents = (0..pools)
        .map(|p| {
            let mut attributes = BTreeMap::new();
            for k in 0..a.attributes {
                let v = if k % 5 == 4 {
                    AgentAttribute::Bool(rng.gen_bool(0.3))
                } else {
                    AgentAttribute::Proficiency(rng.gen_range(1..=10))
                };
                attributes.insert(format!("a{k}"), v);
            }
            let count = a.agents / pools + usize::from(p < a.agents % pools);
            AgentSpec {
                name: format!("pool{p}"),
                count: u32::try_from(count).unwrap_or(u32::MAX),
                groups: vec![group(p), group(p + 7)],
                attributes,
                capacity: [(ChannelKind::Chat, 3), (ChannelKind::InboundEmail, 5)]
                    .into_iter()
                    .collect(),
                shift_start_hour: 0.0,
                shift_end_hour: None,
                accept_secs: 2.0,
                breaks: None,
            }
        })
        .collect();
    let queues = (0..a.queues)
        .map(|q| {
            let channel = if q % 3 == 0 {
                ChannelKind::InboundEmail
            } else {
                ChannelKind::Chat
            };
            let (group, steps) = if q % 2 == 0 {
                (Some(group(q / 2)), Vec::new())
            } else {
                let x = rng.gen_range(0..a.attributes.max(1));
                let y = rng.gen_range(0..a.attributes.max(1));
                let steps = vec![
                    PrecisionStep {
                        expression: format!("a{x} >= 7 AND a{y} >= 5"),
                        wait_secs: 20,
                    },
                    PrecisionStep {
                        expression: format!("a{x} >= 4"),
                        wait_secs: 40,
                    },
                    PrecisionStep {
                        expression: format!("a{x} >= 1"),
                        wait_secs: 0,
                    },
                ];
                (None, steps)
            };
            QueueSpec {
                name: format!("q{q}"),
                channel,
                group,
                steps,
                order: match q % 4 {
                    1 => AgentOrder::MostSkilled,
                    3 => AgentOrder::LeastSkilled,
                    _ => AgentOrder::LongestAvailable,
                },
                priority: u8::try_from(1 + q % 10).unwrap_or(5),
                arrivals_per_hour: per_hour / a.queues.max(1) as f64,
                handle: if channel == ChannelKind::Chat {
                    Dist::Lognormal {
                        mean_secs: 300.0,
                        sd_secs: 200.0,
                    }
                } else {
                    Dist::Uniform {
                        min_secs: 60.0,
                        max_secs: 600.0,
                    }
                },
                patience_secs: if channel == ChannelKind::Chat { 300 } else { 0 },
                service_level_secs: 60,
            }
        })
        .collect();
    Scenario {
        hours,
        seed: 11,
        auto_accept: vec![ChannelKind::InboundEmail],
        channels: BTreeMap::new(),
        queues,
        agents,
    }
}

/// Percentiles of measured durations.
struct Lat {
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

fn lat(mut v: Vec<Duration>) -> Lat {
    v.sort_unstable();
    let at = |q: f64| {
        v.get(((v.len() as f64 * q) as usize).min(v.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Lat {
        n: v.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: v.last().copied().unwrap_or_default(),
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ready(agent: UserId, channel: ChannelKind, ready: bool) -> Event {
    Event::SetReady {
        agent,
        channel: Some(channel),
        ready,
        reason: None,
    }
}

/// Decision latencies of one router: (freed agent picks from the backlog, new work picks an
/// agent), and how long filling the backlog took.
fn decisions<R: Route>(r: &mut R, s: &Scenario, a: &RoutingArgs, n: usize) -> (Lat, Lat, Duration) {
    let mut rng = StdRng::seed_from_u64(3);
    let agents: Vec<UserId> = (1..=a.agents as i64).map(UserId).collect();
    let mut t = 1_000i64;
    let now = |t: i64| Timestamp::from_millis(t);
    for g in &agents {
        let _ = r.handle(now(t), Event::Login(*g));
    }
    // The backlog: chats in every chat queue while nobody is ready.
    let chat_queues: Vec<usize> = (0..s.queues.len())
        .filter(|q| s.queues[*q].channel == ChannelKind::Chat)
        .collect();
    let email_queues: Vec<usize> = (0..s.queues.len())
        .filter(|q| s.queues[*q].channel == ChannelKind::InboundEmail)
        .collect();
    let mut next = 1i64;
    let work = |q: usize, t: i64, next: &mut i64| {
        let id = ActivityId(*next);
        *next += 1;
        NewWork {
            activity: id,
            channel: s.queues[q].channel,
            queue: Scenario::queue_id(q),
            priority: 5,
            arrived_at: Timestamp::from_millis(t),
            last_agent: None,
            required: BTreeMap::new(),
            pin: None,
            not_for: None,
            not_before: None,
        }
    };
    let fill = Instant::now();
    for i in 0..a.queued {
        let q = chat_queues[i % chat_queues.len().max(1)];
        let _ = r.handle(now(t), Event::Enqueue(work(q, t, &mut next)));
        if i % 100 == 0 {
            t += 1;
        }
    }
    let filled = fill.elapsed();
    t += 120_000; // every precision step has widened
    // A freed agent: ready on chat, takes up to three chats from the backlog.
    let mut pick = Vec::with_capacity(n);
    for k in 0..n {
        let g = agents[k % agents.len()];
        let started = Instant::now();
        let actions = r.handle(now(t), ready(g, ChannelKind::Chat, true));
        pick.push(started.elapsed());
        let _ = r.handle(now(t), ready(g, ChannelKind::Chat, false));
        for act in actions.into_iter().flatten() {
            if let Action::Offer { activity, .. } | Action::Assign { activity, .. } = act {
                let _ = r.handle(now(t), Event::Complete(activity));
                // Keep the backlog as deep: the same work arrives again.
                let q = chat_queues[rng.gen_range(0..chat_queues.len().max(1))];
                let _ = r.handle(now(t), Event::Enqueue(work(q, t, &mut next)));
            }
        }
        t += 1;
    }
    // New work: email (assigned at once) to agents ready on email, found among all agents.
    for g in &agents {
        let _ = r.handle(now(t), ready(*g, ChannelKind::InboundEmail, true));
    }
    let mut place = Vec::with_capacity(n);
    for _ in 0..n {
        let q = email_queues[rng.gen_range(0..email_queues.len().max(1))];
        let w = work(q, t, &mut next);
        let id = w.activity;
        let started = Instant::now();
        let _ = r.handle(now(t), Event::Enqueue(w));
        place.push(started.elapsed());
        let _ = r.handle(now(t), Event::Complete(id));
        t += 1;
    }
    (lat(pick), lat(place), filled)
}

/// Runs the benchmark.
pub async fn routing(a: RoutingArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.agents > 0 && a.queues > 1 && a.attributes > 0,
        "agents, queues and attributes must be positive (at least two queues)"
    );
    let s = center(&a, 24.0, a.day_activities as f64 / 24.0);
    let (config, _) = s.config();
    println!(
        "routing benchmark: {} agents x {} attributes, {} queues (half precision), {} queued",
        a.agents, a.attributes, a.queues, a.queued
    );

    let mut router = Router::new(config.clone());
    let (pick, place, filled) = decisions(&mut router, &s, &a, a.decisions);
    let mut naive = Naive::new(config.clone());
    let (npick, nplace, nfilled) = decisions(&mut naive, &s, &a, a.baseline_decisions);
    println!("1. decisions in memory ({} queued)", a.queued);
    for (what, ours, base) in [
        ("freed agent picks from the backlog", &pick, &npick),
        ("new work picks an agent          ", &place, &nplace),
    ] {
        println!(
            "   {what}: p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs  (n={})   naive: p50 {:>9.1} µs  p99 {:>9.1} µs (n={})   p99 ratio {:.0}x",
            us(ours.p50),
            us(ours.p99),
            us(ours.max),
            ours.n,
            us(base.p50),
            us(base.p99),
            base.n,
            us(base.p99) / us(ours.p99).max(1e-3)
        );
    }
    println!(
        "   filling the backlog: {:.2} s ({:.1} µs per activity)   naive: {:.2} s",
        filled.as_secs_f64(),
        filled.as_secs_f64() * 1e6 / a.queued.max(1) as f64,
        nfilled.as_secs_f64()
    );

    crate::bench_routing_durable::durable(&a).await?;

    println!(
        "3. one simulated day: {} agents, {} queues, ~{} activities",
        a.agents, a.queues, a.day_activities
    );
    let mut router = Router::new(config.clone());
    let started = Instant::now();
    let (report, events) = run(&s, &mut router);
    let ours = started.elapsed();
    let q = report.queues();
    let sl = q.iter().map(|x| x.service_level).sum::<f64>() / q.len().max(1) as f64;
    println!(
        "   switchboard router: {:.2} s for {} activities ({} routing events), mean service level {:.1}%",
        ours.as_secs_f64(),
        report.total_arrived(),
        events,
        sl * 100.0
    );
    if a.no_baseline_day {
        println!("   naive router: skipped (--no-baseline-day)");
    } else {
        let mut naive = Naive::new(config);
        let started = Instant::now();
        let (nreport, _) = run(&s, &mut naive);
        let base = started.elapsed();
        println!(
            "   naive router:       {:.2} s for {} activities; ratio {:.1}x",
            base.as_secs_f64(),
            nreport.total_arrived(),
            base.as_secs_f64() / ours.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}
