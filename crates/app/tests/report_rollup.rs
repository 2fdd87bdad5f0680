//! The report rollup against an event history made by the routing simulator and written through
//! the store as the real life-cycle actions: folded in small batches (state carried across them
//! in the database), its interval figures equal an independent recomputation from the raw
//! events; a rebuild from scratch gives the same; a batch applied twice is refused. On SQLite,
//! and on PostgreSQL when the test command provides a server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, HashMap};

use switchboard_app::App;
use switchboard_app::reports::RollupRunner;
use switchboard_domain::report::{INTERVAL_MS, WAIT_BOUNDS_SECS, interval_of};
use switchboard_domain::*;
use switchboard_routing::Router;
use switchboard_sim::engine::{Traced, run_traced};
use switchboard_sim::scenario::Scenario;
use switchboard_store::*;

/// Virtual time zero: a Monday at 08:00 UTC.
const BASE: i64 = 1_795_939_200_000;

const SCENARIO: &str = r#"
hours = 3
seed = 11
[[queues]]
name = "chat"
channel = "chat"
group = "g"
arrivals_per_hour = 90
handle = { dist = "exponential", mean_secs = 300 }
patience_secs = 90
[[queues]]
name = "mail"
channel = "inbound_email"
group = "g"
arrivals_per_hour = 40
handle = { dist = "fixed", secs = 400 }
[[agents]]
name = "all"
count = 5
groups = ["g"]
capacity = { chat = 2, inbound_email = 1 }
accept_secs = 3
"#;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(BASE + ms)
}

/// Writes the simulator's history through the store; returns the activities made.
async fn write_history(s: &Store) -> Vec<ActivityId> {
    let scenario: Scenario = toml::from_str(SCENARIO).unwrap();
    scenario.check().unwrap();
    let (config, pools) = scenario.config();
    let (_, _, trace) = run_traced(&scenario, &mut Router::new(config));
    let t0 = at(0);
    s.ensure_partition("Acme", t0).await.unwrap();
    let dept = s
        .create_department(
            NewDepartment {
                name: "Reports".into(),
                description: String::new(),
            },
            t0,
        )
        .await
        .unwrap()
        .id;
    let mut queues = Vec::new();
    for (i, q) in scenario.queues.iter().enumerate() {
        let n: NewQueue = serde_json::from_value(serde_json::json!({
            "department_id": dept, "name": format!("Q{i} {}", q.name), "routing": {"type": "manual"}
        }))
        .unwrap();
        queues.push(s.create_queue(n.validate().unwrap(), t0).await.unwrap().id);
    }
    let mut agents: HashMap<UserId, UserId> = HashMap::new();
    for (sim_id, _) in &pools {
        let u = s
            .create_user(
                NewUser {
                    department_id: dept,
                    email: EmailAddress::parse(&format!("agent{}@example.org", sim_id.0)).unwrap(),
                    name: format!("Agent {}", sim_id.0),
                    role: Role::Agent,
                    password: None,
                    attributes: Default::default(),
                    capacity: switchboard_domain::user::default_capacity(),
                    reviewed: false,
                },
                t0,
            )
            .await
            .unwrap();
        agents.insert(*sim_id, u.id);
    }
    let customer: NewCustomer =
        serde_json::from_value(serde_json::json!({"department_id": dept, "name": "Carla"}))
            .unwrap();
    let customer = s
        .create_customer(customer.validate().unwrap(), t0)
        .await
        .unwrap()
        .id;
    let mut ids: HashMap<ActivityId, ActivityId> = HashMap::new();
    let mut holder: HashMap<ActivityId, UserId> = HashMap::new();
    for t in &trace {
        let now = at(t.at);
        if let Traced::Arrived { queue } = t.what {
            let q = &scenario.queues[queue];
            let n: NewActivity = serde_json::from_value(serde_json::json!({
                "customer_id": customer, "channel": q.channel, "subject": "Simulated",
                "queue_id": queues[queue]
            }))
            .unwrap();
            let a = s.create_activity(n, Actor::System, now).await.unwrap();
            ids.insert(t.activity, a.id);
            continue;
        }
        let Some(id) = ids.get(&t.activity).copied() else {
            continue;
        };
        let by = |u: Option<&UserId>| u.map_or(Actor::System, |u| Actor::User(*u));
        let (action, actor) = match t.what {
            Traced::Offered(a) => (
                ActivityAction::Offer {
                    agent_id: agents[&a],
                },
                Actor::System,
            ),
            Traced::Assigned(a) => {
                holder.insert(id, agents[&a]);
                (
                    ActivityAction::Assign {
                        agent_id: agents[&a],
                    },
                    Actor::System,
                )
            }
            Traced::Accepted(a) => {
                holder.insert(id, agents[&a]);
                (ActivityAction::Accept, Actor::User(agents[&a]))
            }
            Traced::Started => (ActivityAction::Start, by(holder.get(&id))),
            Traced::Returned => (ActivityAction::OfferTimeout, Actor::System),
            Traced::Completed => (ActivityAction::Complete, by(holder.get(&id))),
            Traced::Abandoned => (ActivityAction::Abandon, Actor::System),
            Traced::Arrived { .. } => continue,
        };
        // A step the life cycle refuses (the simulator is looser) is left out: the check below
        // reads the events as they were written.
        match s.act_on_activity(id, action, None, actor, now).await {
            Ok(_) | Err(StoreError::Transition(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let mut made: Vec<ActivityId> = ids.into_values().collect();
    made.sort_unstable();
    made
}

/// Queue figures as `[arrived, in, out, answered, wait_ms, within…×5, abandoned, completed]`.
type QueueRow = [i64; 12];
/// Agent figures as `[offered, accepted, declined, missed, assigned, completed, handle_ms]`.
type AgentRow = [i64; 7];

/// The figures recomputed from the raw events, activity by activity, without the rollup.
async fn recompute(
    s: &Store,
    activities: &[ActivityId],
) -> (
    BTreeMap<(i64, i64, String), QueueRow>,
    BTreeMap<(i64, i64, String), AgentRow>,
) {
    let mut queues: BTreeMap<(i64, i64, String), QueueRow> = BTreeMap::new();
    let mut agents: BTreeMap<(i64, i64, String), AgentRow> = BTreeMap::new();
    for id in activities {
        let a = s.activity(*id).await.unwrap();
        let ch = a.channel.as_str().to_string();
        let events = s
            .activity_events(*id, &PageRequest::first(500))
            .await
            .unwrap()
            .items;
        let mut q: Option<i64> = None;
        let mut queued_at: Option<i64> = None;
        let mut offered: Option<i64> = None;
        let mut working: Option<(i64, i64)> = None;
        for e in events {
            let t = e.at.millis();
            let iv = interval_of(t);
            let mut qrow = |queue: i64, f: &mut dyn FnMut(&mut QueueRow)| {
                f(queues.entry((iv, queue, ch.clone())).or_default())
            };
            let mut arow = |agent: i64, f: &mut dyn FnMut(&mut AgentRow)| {
                f(agents.entry((iv, agent, ch.clone())).or_default())
            };
            match &e.payload {
                EventPayload::Queued(x) => {
                    let to = x.queue_id.0;
                    match q {
                        None => qrow(to, &mut |r| r[0] += 1),
                        Some(from) if from != to => {
                            qrow(from, &mut |r| r[2] += 1);
                            qrow(to, &mut |r| r[1] += 1);
                        }
                        Some(_) => {}
                    }
                    q = Some(to);
                    queued_at = Some(t);
                    working = None;
                }
                EventPayload::Offered(_) | EventPayload::Assigned(_) => {
                    let agent = match &e.payload {
                        EventPayload::Offered(o) => o.agent_id.0,
                        EventPayload::Assigned(x) => x.agent_id.0,
                        _ => unreachable!(),
                    };
                    if let EventPayload::Offered(_) = &e.payload {
                        arow(agent, &mut |r| r[0] += 1);
                        offered = Some(agent);
                    } else {
                        arow(agent, &mut |r| r[4] += 1);
                        working = Some((agent, t));
                    }
                    if let (Some(queue), Some(since)) = (q, queued_at.take()) {
                        let wait = t - since;
                        qrow(queue, &mut |r| {
                            r[3] += 1;
                            r[4] += wait;
                            for (i, b) in WAIT_BOUNDS_SECS.iter().enumerate() {
                                if wait <= b * 1000 {
                                    r[5 + i] += 1;
                                }
                            }
                        });
                    }
                }
                EventPayload::Accepted(_) => {
                    let agent = e.actor.user_id().map(|u| u.0).or(offered).unwrap();
                    arow(agent, &mut |r| r[1] += 1);
                    working = Some((agent, t));
                }
                EventPayload::OfferTimedOut(_) => {
                    arow(offered.unwrap(), &mut |r| r[3] += 1);
                    offered = None;
                    working = None;
                }
                EventPayload::Started(_) if working.is_none() => {
                    working = e.actor.user_id().map(|u| (u.0, t));
                }
                EventPayload::Completed(_) => {
                    if let Some(queue) = q {
                        qrow(queue, &mut |r| r[11] += 1);
                    }
                    if let Some((agent, since)) = working.take() {
                        arow(agent, &mut |r| {
                            r[5] += 1;
                            r[6] += t - since;
                        });
                    }
                    queued_at = None;
                }
                EventPayload::Abandoned(_) => {
                    if let Some(queue) = q {
                        qrow(queue, &mut |r| r[10] += 1);
                    }
                    queued_at = None;
                    working = None;
                }
                _ => {}
            }
        }
    }
    (queues, agents)
}

/// What the rollup holds, in the recomputation's shape.
async fn rolled_up(
    s: &Store,
) -> (
    BTreeMap<(i64, i64, String), QueueRow>,
    BTreeMap<(i64, i64, String), AgentRow>,
) {
    let all = IntervalFilter {
        from_ms: 0,
        to_ms: i64::MAX,
        ..IntervalFilter::default()
    };
    rows_of(s, &all).await
}

/// The interval rows `f` reads, keyed by (interval, queue or agent, channel).
async fn rows_of(
    s: &Store,
    f: &IntervalFilter,
) -> (
    BTreeMap<(i64, i64, String), QueueRow>,
    BTreeMap<(i64, i64, String), AgentRow>,
) {
    let all = f;
    let queues = s
        .queue_intervals(&Scope::All, all)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, f)| {
            (
                (k.interval, k.queue.0, k.channel.as_str().to_string()),
                [
                    f.arrived,
                    f.transferred_in,
                    f.transferred_out,
                    f.answered,
                    f.wait_ms,
                    f.within[0],
                    f.within[1],
                    f.within[2],
                    f.within[3],
                    f.within[4],
                    f.abandoned,
                    f.completed,
                ],
            )
        })
        .collect();
    let agents = s
        .agent_intervals(&Scope::All, all)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, f)| {
            (
                (k.interval, k.agent.0, k.channel.as_str().to_string()),
                [
                    f.offered,
                    f.accepted,
                    f.declined,
                    f.missed,
                    f.assigned,
                    f.completed,
                    f.handle_ms,
                ],
            )
        })
        .collect();
    (queues, agents)
}

async fn fold_all(app: &App, batch: u32) -> usize {
    let mut runner = RollupRunner::default();
    let mut folded = 0;
    loop {
        let step = runner.step(app, batch, at(0)).await.unwrap();
        folded += step.folded;
        if step.caught_up {
            return folded;
        }
    }
}

/// Rows the database sums per hour (and over the whole period) equal the interval rows summed
/// here.
async fn summed_by_the_database_equals_summed_here(
    s: &Store,
    queues: &BTreeMap<(i64, i64, String), QueueRow>,
    agents: &BTreeMap<(i64, i64, String), AgentRow>,
) {
    let first = queues.keys().map(|k| k.0).min().unwrap();
    let last = queues.keys().map(|k| k.0).max().unwrap() + INTERVAL_MS;
    for summed in [Summed::Hourly, Summed::Whole] {
        let f = IntervalFilter {
            from_ms: first,
            to_ms: last,
            summed,
            ..IntervalFilter::default()
        };
        // Where each row's sum goes: its hour, or (over the whole period) its group's first
        // interval.
        let firsts = |keys: Vec<(i64, i64, String)>| {
            let mut m: BTreeMap<(i64, String), i64> = BTreeMap::new();
            for (iv, g, c) in keys {
                let e = m.entry((g, c)).or_insert(iv);
                *e = (*e).min(iv);
            }
            m
        };
        let q_first = firsts(queues.keys().cloned().collect());
        let a_first = firsts(agents.keys().cloned().collect());
        let bucket = |iv: i64, g: i64, c: &str, first: &BTreeMap<(i64, String), i64>| match summed {
            Summed::Hourly => iv - iv % 3_600_000,
            _ => first[&(g, c.to_string())],
        };
        let mut q_here: BTreeMap<(i64, i64, String), QueueRow> = BTreeMap::new();
        for ((iv, q, c), row) in queues {
            let e = q_here
                .entry((bucket(*iv, *q, c, &q_first), *q, c.clone()))
                .or_insert([0; 12]);
            for (a, b) in e.iter_mut().zip(row) {
                *a += b;
            }
        }
        let mut a_here: BTreeMap<(i64, i64, String), AgentRow> = BTreeMap::new();
        for ((iv, a, c), row) in agents {
            let e = a_here
                .entry((bucket(*iv, *a, c, &a_first), *a, c.clone()))
                .or_insert([0; 7]);
            for (x, y) in e.iter_mut().zip(row) {
                *x += y;
            }
        }
        let (q_db, a_db) = rows_of(s, &f).await;
        assert_eq!(q_db, q_here, "{summed:?}");
        assert_eq!(a_db, a_here, "{summed:?}");
    }
}

async fn suite(s: Store) {
    let activities = write_history(&s).await;
    assert!(activities.len() > 200, "{}", activities.len());
    let app = App::new(s.clone());
    // Small batches: an activity's state crosses many of them.
    let folded = fold_all(&app, 37).await;
    assert!(folded > 1000, "{folded}");
    assert_eq!(
        s.rollup_cursor().await.unwrap(),
        s.last_event_id().await.unwrap(),
        "caught up"
    );
    let (queues, agents) = rolled_up(&s).await;
    let (q_expected, a_expected) = recompute(&s, &activities).await;
    assert!(
        queues.len() > 20 && agents.len() > 20,
        "{} {}",
        queues.len(),
        agents.len()
    );
    let sum = |m: &BTreeMap<(i64, i64, String), QueueRow>, i: usize| -> i64 {
        m.values().map(|r| r[i]).sum()
    };
    assert_eq!(sum(&queues, 0), i64::try_from(activities.len()).unwrap());
    assert!(
        sum(&queues, 10) > 0 && sum(&queues, 11) > 0,
        "some abandon, most complete"
    );
    assert_eq!(queues, q_expected);
    assert_eq!(agents, a_expected);
    assert!(queues.keys().all(|(iv, _, _)| iv % INTERVAL_MS == 0));
    summed_by_the_database_equals_summed_here(&s, &queues, &agents).await;

    // Nothing new: a step folds nothing; a stale batch is refused.
    assert_eq!(fold_all(&app, 1000).await, 0);
    let cursor = s.rollup_cursor().await.unwrap();
    let stale = s
        .rollup_apply(
            cursor - 5,
            cursor,
            switchboard_domain::report::Rollup::default(),
            Vec::new(),
            at(0),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

    // A rebuild from scratch in one big batch gives the same figures.
    s.rollup_reset(at(0)).await.unwrap();
    assert_eq!(s.rollup_cursor().await.unwrap(), 0);
    fold_all(&app, 100_000).await;
    assert_eq!(rolled_up(&s).await, (q_expected, a_expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollup_equals_a_recomputation_from_raw_events_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sb.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate(0).await.unwrap();
    suite(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rollup_equals_a_recomputation_from_raw_events_on_postgres() {
    let Ok(server) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok() {
            panic!("SWITCHBOARD_TEST_POSTGRES_URL must be set under CI");
        }
        eprintln!("notice: SWITCHBOARD_TEST_POSTGRES_URL not set; PostgreSQL rollup test skipped");
        return;
    };
    let name = format!("sbroll_{}", auth::random_secret().get(..12).unwrap_or("x"));
    let url = create_postgres_database(&server, &name).await.unwrap();
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate(0).await.unwrap();
    suite(store).await;
}
