//! The report rollup against an event history made by the routing simulator and written through
//! the store as the real life-cycle actions: folded in small batches (state carried across them
//! in the database), its interval figures equal an independent recomputation from the raw
//! events; a rebuild from scratch gives the same; a batch applied twice is refused. The agents'
//! ready and not-ready times equal those recomputed from the simulator's presence changes (also
//! after a rebuild), and the waits customers were told and what came of them, as the rollup
//! keeps them, equal those read from the raw events (also after a rebuild). On SQLite, and on PostgreSQL when the test command provides a server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, HashMap};

use switchboard_app::App;
use switchboard_app::reports::RollupRunner;
use switchboard_domain::report::{
    INTERVAL_MS, WAIT_BOUNDS_SECS, day_bounds, interval_of, time_zone,
};
use switchboard_domain::report::{WaitEnd, WaitFact};
use switchboard_domain::*;
use switchboard_routing::Router;
use switchboard_sim::engine::{Traced, run_traced};
use switchboard_sim::presence::AgentTrace;
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
breaks = { every_hours = 1, minutes = 10 }
"#;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(BASE + ms)
}

/// What was written: the activities made, the agents' presence changes (as stored: real ids
/// and times), and the waits told.
struct Written {
    dept: DepartmentId,
    activities: Vec<ActivityId>,
    presence: Vec<AgentTrace>,
    told: usize,
}

/// Writes the simulator's history through the store and the live use cases.
async fn write_history(s: &Store) -> Written {
    let scenario: Scenario = toml::from_str(SCENARIO).unwrap();
    scenario.check().unwrap();
    let (config, pools) = scenario.config();
    let (_, _, history) = run_traced(&scenario, &mut Router::new(config));
    let trace = history.work;
    let app = App::new(s.clone());
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
    let mut told = 0;
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
        if let Traced::Told {
            wait_secs,
            position,
        } = t.what
        {
            let position = u32::try_from(position).ok();
            assert!(app.tell_wait(id, wait_secs, position, now).await.unwrap());
            told += 1;
            continue;
        }
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
            Traced::Arrived { .. } | Traced::Told { .. } => continue,
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
    // The agents' presence as the routing service records it.
    let mut presence = Vec::new();
    for t in history.agents {
        let mut p = t.presence.clone();
        p.user_id = agents[&p.user_id];
        p.updated_at = at(t.at);
        s.apply_routing(vec![], vec![p.clone()], at(t.at))
            .await
            .unwrap();
        presence.push(AgentTrace {
            at: BASE + t.at,
            presence: p,
        });
    }
    Written {
        dept,
        activities: made,
        presence,
        told,
    }
}

/// Ready and not-ready times per (interval, agent, ready, reason), recomputed from the
/// presence changes: each state held while logged in, from one change to the agent's next.
fn presence_times(changes: &[AgentTrace]) -> BTreeMap<(i64, i64, bool, String), i64> {
    let mut out = BTreeMap::new();
    let mut last: HashMap<UserId, &AgentTrace> = HashMap::new();
    for t in changes {
        if let Some(before) = last.insert(t.presence.user_id, t) {
            let p = &before.presence;
            if p.logged_in {
                let ready = p.ready.values().any(|r| *r);
                let reason = if ready {
                    String::new()
                } else {
                    p.reason.clone().unwrap_or_default()
                };
                let mut from = before.at;
                while from < t.at {
                    let iv = from - from.rem_euclid(INTERVAL_MS);
                    let to = (iv + INTERVAL_MS).min(t.at);
                    *out.entry((iv, p.user_id.0, ready, reason.clone()))
                        .or_default() += to - from;
                    from = to;
                }
            }
        }
    }
    out.retain(|_, ms| *ms > 0);
    out
}

/// The state times the store holds, in the recomputation's shape.
async fn stored_presence_times(s: &Store) -> BTreeMap<(i64, i64, bool, String), i64> {
    let all = IntervalFilter {
        from_ms: 0,
        to_ms: i64::MAX,
        ..IntervalFilter::default()
    };
    let mut out = BTreeMap::new();
    for t in s.agent_state_times(&Scope::All, &all).await.unwrap() {
        *out.entry((
            t.interval,
            t.agent,
            t.state.ready,
            t.state.reason.to_string(),
        ))
        .or_default() += t.ms;
    }
    out.retain(|_, ms| *ms > 0);
    out
}

/// Each wait told and how it ended, read from the raw events: the first answer (offer,
/// assignment or acceptance) or abandonment after it.
async fn recompute_waits(s: &Store, activities: &[ActivityId]) -> Vec<WaitFact> {
    let mut out = Vec::new();
    for id in activities {
        let events = s
            .activity_events(*id, &PageRequest::first(500))
            .await
            .unwrap()
            .items;
        let mut open: Option<WaitFact> = None;
        for e in &events {
            let t = e.at.millis();
            match &e.payload {
                EventPayload::WaitTold(w) => {
                    open = Some(WaitFact {
                        at_ms: t,
                        queue_id: w.queue_id.0,
                        told_secs: i64::try_from(w.expected_wait_secs).unwrap(),
                        end: WaitEnd::Waiting,
                    });
                }
                EventPayload::Offered(_)
                | EventPayload::Assigned(_)
                | EventPayload::Accepted(_) => {
                    if let Some(mut f) = open.take() {
                        f.end = WaitEnd::Answered {
                            waited_ms: t - f.at_ms,
                        };
                        out.push(f);
                    }
                }
                EventPayload::Abandoned(_) => {
                    if let Some(mut f) = open.take() {
                        f.end = WaitEnd::Abandoned;
                        out.push(f);
                    }
                }
                _ => {}
            }
        }
        out.extend(open);
    }
    out.sort_by_key(|f| (f.at_ms, f.queue_id, f.told_secs));
    out
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
    // Periods of uneven lengths, on 15-minute bounds (some not on whole hours).
    let bounds = vec![
        first,
        first + 3 * INTERVAL_MS,
        first + 8 * INTERVAL_MS,
        first + 9 * INTERVAL_MS,
        last,
    ];
    let on_hours: Vec<i64> = (0..)
        .map(|h| first - first % 3_600_000 + h * 3_600_000)
        .take_while(|b| *b < last + 3_600_000)
        .collect();
    for summed in [
        Summed::Hourly,
        Summed::Whole,
        Summed::Periods(bounds.clone()),
        Summed::Periods(on_hours.clone()),
    ] {
        let f = IntervalFilter {
            from_ms: first,
            to_ms: last,
            summed: summed.clone(),
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
        let period = |starts: &[i64], iv: i64| *starts.iter().rev().find(|b| **b <= iv).unwrap();
        let bucket = |iv: i64, g: i64, c: &str, first: &BTreeMap<(i64, String), i64>| match &summed
        {
            Summed::Hourly => iv - iv % 3_600_000,
            Summed::Periods(b) => period(b, iv),
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

/// A business calendar of `dept` in `zone`: the rollup keeps the agents' days there too.
async fn calendar(s: &Store, dept: DepartmentId, zone: &str) {
    let n: NewCalendar = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": zone, "time_zone": zone
    }))
    .unwrap();
    s.create_calendar(n.validate().unwrap(), at(0))
        .await
        .unwrap();
}

/// The agents' work and state rows a report by day in `zone` reads (the day rollups kept
/// there) equal their 15-minute rows summed per local day here.
async fn days_equal_quarters_summed(
    s: &Store,
    zone: &str,
    agents: &BTreeMap<(i64, i64, String), AgentRow>,
) {
    assert!(
        s.report_zones().await.unwrap().iter().any(|z| z == zone),
        "days kept in {zone}"
    );
    let tz = time_zone("zone", zone).unwrap();
    let first = agents.keys().map(|k| k.0).min().unwrap();
    let last = agents.keys().map(|k| k.0).max().unwrap() + 4 * 3_600_000;
    let bounds = day_bounds(first, last, &tz);
    assert!(
        zone == "UTC" || bounds.len() > 2,
        "the history crosses a day in {zone}"
    );
    let day = |iv: i64| *bounds.iter().rev().find(|b| **b <= iv).unwrap();
    let mut work_here: BTreeMap<(i64, i64, String), AgentRow> = BTreeMap::new();
    for ((iv, a, c), row) in agents {
        let e = work_here.entry((day(*iv), *a, c.clone())).or_insert([0; 7]);
        for (x, y) in e.iter_mut().zip(row) {
            *x += y;
        }
    }
    let mut states_here: BTreeMap<(i64, i64, bool, String), i64> = BTreeMap::new();
    for ((iv, a, ready, reason), ms) in stored_presence_times(s).await {
        *states_here.entry((day(iv), a, ready, reason)).or_default() += ms;
    }
    let f = IntervalFilter {
        from_ms: bounds[0],
        to_ms: *bounds.last().unwrap(),
        summed: Summed::Periods(bounds.clone()),
        day_zone: Some(zone.to_string()),
        ..IntervalFilter::default()
    };
    assert_eq!(rows_of(s, &f).await.1, work_here, "work by day in {zone}");
    let mut states_db = BTreeMap::new();
    for t in s.agent_state_times(&Scope::All, &f).await.unwrap() {
        *states_db
            .entry((
                t.interval,
                t.agent,
                t.state.ready,
                t.state.reason.to_string(),
            ))
            .or_default() += t.ms;
    }
    states_db.retain(|_, ms: &mut i64| *ms > 0);
    assert_eq!(states_db, states_here, "states by day in {zone}");
}

/// Every page of each agent and queue report at 15 minutes and by hour, in a zone whose hours
/// are not UTC's, holds the rows of the whole report in order under its columns and totals;
/// a longer period with nothing more in it (its 15-minute rows read in halves) gives the same.
async fn pages_make_up_the_whole_report(app: &App) {
    use switchboard_app::reports::ReportParams;
    use switchboard_domain::report::{Granularity, ReportKind};
    let now = at(10 * 3_600_000);
    for kind in [
        ReportKind::AgentWork,
        ReportKind::AgentPresence,
        ReportKind::ChatVolume,
        ReportKind::ServiceLevel,
    ] {
        for granularity in [Granularity::Quarter, Granularity::Hour] {
            let p = ReportParams {
                kind,
                from: at(-3_600_000),
                to: at(5 * 3_600_000),
                granularity,
                time_zone: "Asia/Kolkata".into(),
                departments: vec![],
                queues: vec![],
                agents: vec![],
                channels: vec![],
                threshold_secs: 30,
            };
            let whole = app.run_report(&Scope::All, &p, now).await.unwrap();
            assert!(whole.rows.len() >= 4, "{kind:?}: {}", whole.rows.len());
            // Over eight days more (read in two halves side by side), the same rows: the
            // history starts at 0.
            let longer = ReportParams {
                from: at(-8 * 86_400_000),
                ..p.clone()
            };
            let longer = app.run_report(&Scope::All, &longer, now).await.unwrap();
            assert_eq!(
                (&longer.rows, &longer.total),
                (&whole.rows, &whole.total),
                "{kind:?} {granularity:?} over eight days more"
            );
            let first = app
                .run_report_page(&Scope::All, &p, (0, 3), now)
                .await
                .unwrap();
            let pages = first.page.expect("paged").pages;
            assert!(pages >= 2, "{kind:?} {granularity:?}: {pages} pages");
            let mut rows = Vec::new();
            for index in 0..pages {
                let page = app
                    .run_report_page(&Scope::All, &p, (index, 3), now)
                    .await
                    .unwrap();
                assert_eq!(page.page.map(|p| p.index), Some(index));
                assert_eq!(page.columns, whole.columns, "{kind:?} page {index}");
                assert_eq!(page.total, whole.total, "{kind:?} page {index}");
                rows.extend(page.rows);
            }
            assert_eq!(rows, whole.rows, "{kind:?} {granularity:?}");
        }
    }
}

async fn suite(s: Store) {
    let written = write_history(&s).await;
    // Days kept in a zone whose midnight falls mid-history, a quarter past the hour: the
    // rollup fills the states already recorded, then adds the work as it folds.
    calendar(&s, written.dept, "Pacific/Chatham").await;
    let activities = written.activities;
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
    pages_make_up_the_whole_report(&app).await;
    days_equal_quarters_summed(&s, "UTC", &agents).await;
    days_equal_quarters_summed(&s, "Pacific/Chatham", &agents).await;
    // A zone kept later is filled from the rows there are; one no longer wanted is dropped.
    calendar(&s, written.dept, "America/Anchorage").await;
    fold_all(&app, 1000).await;
    days_equal_quarters_summed(&s, "America/Anchorage", &agents).await;
    days_equal_quarters_summed(&s, "Pacific/Chatham", &agents).await;
    s.keep_report_zones(vec!["America/Anchorage".into()], at(0))
        .await
        .unwrap();
    assert_eq!(
        s.report_zones().await.unwrap(),
        ["America/Anchorage", "UTC"]
    );

    // The agents' state times, as recorded and as rebuilt from the agent events.
    let states = presence_times(&written.presence);
    assert!(
        states.keys().any(|k| !k.2 && k.3 == "Break") && states.keys().any(|k| k.2),
        "breaks and ready time: {states:?}"
    );
    assert_eq!(stored_presence_times(&s).await, states);
    s.rebuild_agent_states().await.unwrap();
    assert_eq!(stored_presence_times(&s).await, states);

    // The waits told, and what came of them, as the rollup kept them (folded in small
    // batches: many end in a later batch than the one that told them).
    let all = IntervalFilter {
        from_ms: 0,
        to_ms: i64::MAX,
        ..IntervalFilter::default()
    };
    let mut waits = s.wait_facts(&Scope::All, &all).await.unwrap();
    waits.sort_by_key(|f| (f.at_ms, f.queue_id, f.told_secs));
    assert!(written.told > 10, "{}", written.told);
    assert_eq!(waits.len(), written.told);
    assert!(
        waits
            .iter()
            .any(|f| matches!(f.end, WaitEnd::Answered { .. }))
    );
    assert_eq!(waits, recompute_waits(&s, &activities).await);

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
    assert!(s.wait_facts(&Scope::All, &all).await.unwrap().is_empty());
    s.rebuild_agent_states().await.unwrap();
    fold_all(&app, 100_000).await;
    assert_eq!(rolled_up(&s).await, (q_expected, a_expected.clone()));
    for zone in ["UTC", "America/Anchorage", "Pacific/Chatham"] {
        days_equal_quarters_summed(&s, zone, &a_expected).await;
    }
    let mut again = s.wait_facts(&Scope::All, &all).await.unwrap();
    again.sort_by_key(|f| (f.at_ms, f.queue_id, f.told_secs));
    assert_eq!(again, waits);
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
