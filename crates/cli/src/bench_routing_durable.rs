//! The durable part of `switchboard bench routing`: assignments made by the router service
//! and written as activity events on SQLite (batched, one commit per batch), against the
//! naive way: a linear-scan decision and one transaction per assignment.

use std::time::Instant;

use anyhow::Context;
use futures_util::future::join_all;
use switchboard_domain::user::default_capacity;
use switchboard_domain::{
    ActivityAction, ActivityStatus, Actor, AgentOrder, ChannelKind, DepartmentId, NewActivity,
    NewCustomer, NewQueue, NewUser, NewUserGroup, Priority, QueueKind, QueueRouting, Role,
    RoutingSettings, Timestamp, UserGroupId, UserId,
};
use switchboard_routing::{
    Action, AgentRules, Config, DepartmentRules, Event, NewWork, QueueRules,
};
use switchboard_services::routing::Request;
use switchboard_services::status::Registry;
use switchboard_store::{ActivityFilter, PageRequest, Store, StoreOptions};

use crate::bench::RoutingArgs;
use crate::now;
use switchboard_sim::engine::Route;
use switchboard_sim::naive::Naive;

/// Email activities each agent holds at once in this run.
const CAPACITY: u8 = 10;

async fn setup(
    store: &Store,
    a: &RoutingArgs,
) -> anyhow::Result<(
    DepartmentId,
    Vec<UserId>,
    switchboard_domain::QueueId,
    Vec<switchboard_domain::ActivityId>,
)> {
    store.migrate(now().millis()).await?;
    store.ensure_partition("Bench", now()).await?;
    let dept = store
        .create_department(
            switchboard_domain::NewDepartment {
                name: "Routing bench".into(),
                description: String::new(),
            },
            now(),
        )
        .await?
        .id;
    let mut capacity = default_capacity();
    capacity.insert(ChannelKind::InboundEmail, CAPACITY);
    let mut agents = Vec::with_capacity(a.agents);
    let mut users = Vec::with_capacity(a.agents);
    for i in 0..a.agents {
        users.push(NewUser {
            department_id: dept,
            email: switchboard_domain::EmailAddress::parse(&format!("agent{i}@bench.example"))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            name: format!("Agent {i}"),
            role: Role::Agent,
            password: None,
            attributes: Default::default(),
            capacity: capacity.clone(),
            reviewed: false,
        });
    }
    for chunk in users.chunks(500) {
        let made = join_all(chunk.iter().map(|u| store.create_user(u.clone(), now()))).await;
        for u in made {
            agents.push(u?.id);
        }
    }
    let group = store
        .create_user_group(
            NewUserGroup {
                department_id: dept,
                name: "Everyone".into(),
                description: String::new(),
                members: agents.clone(),
                reviewed: false,
            },
            now(),
        )
        .await?;
    let queue = store
        .create_queue(
            NewQueue {
                department_id: dept,
                name: "Email".into(),
                description: String::new(),
                kind: QueueKind::Standard,
                routing: QueueRouting::UserGroup {
                    user_group_id: group.id,
                },
                agent_order: AgentOrder::LongestAvailable,
                service_level_secs: 3600,
                priority: 5,
                active: true,
                review_queue_id: None,
            },
            now(),
        )
        .await?;
    store
        .set_routing_settings(
            dept,
            RoutingSettings {
                auto_accept: vec![ChannelKind::InboundEmail],
                ..RoutingSettings::default()
            },
        )
        .await?;
    // The whole backlog may wait (the default limit sends work past 10,000 to the exception
    // queue).
    let mut email = ChannelKind::InboundEmail.default_settings();
    email.max_queued = 1_000_000;
    store
        .set_channel_settings(dept, ChannelKind::InboundEmail, email)
        .await?;
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
        .await?;
    let total = a.durable + a.durable_baseline;
    let mut ids = Vec::with_capacity(total);
    for chunk in (0..total).collect::<Vec<_>>().chunks(500) {
        let made = join_all(chunk.iter().map(|_| {
            store.create_activity(
                NewActivity {
                    customer_id: customer.id,
                    case_id: None,
                    channel: ChannelKind::InboundEmail,
                    subject: "Where is my order?".into(),
                    priority: Priority::NORMAL,
                    due_at: None,
                    queue_id: Some(queue.id),
                    sub_status: None,
                    category_id: None,
                    custom_attributes: Default::default(),
                },
                Actor::System,
                now(),
            )
        }))
        .await;
        for m in made {
            ids.push(m?.id);
        }
    }
    Ok((dept, agents, queue.id, ids))
}

/// The naive baseline: for each activity, a linear-scan decision, then one transaction.
async fn baseline(
    store: &Store,
    dept: DepartmentId,
    agents: &[UserId],
    queue: switchboard_domain::QueueId,
    ids: &[switchboard_domain::ActivityId],
) -> anyhow::Result<f64> {
    let mut dr = DepartmentRules::new(dept);
    dr.auto_accept.insert(ChannelKind::InboundEmail);
    let config = Config {
        departments: vec![dr],
        queues: vec![QueueRules {
            id: queue,
            department_id: dept,
            kind: QueueKind::Standard,
            routing: QueueRouting::UserGroup {
                user_group_id: UserGroupId(0),
            },
            order: AgentOrder::LongestAvailable,
            priority: 5,
            active: true,
            service_level_secs: 3600,
        }],
        agents: agents
            .iter()
            .map(|g| AgentRules {
                id: *g,
                department_id: dept,
                attributes: Default::default(),
                groups: [UserGroupId(0)].into_iter().collect(),
                capacity: [(ChannelKind::InboundEmail, CAPACITY)]
                    .into_iter()
                    .collect(),
            })
            .collect(),
    };
    let mut naive = Naive::new(config);
    let t = Timestamp::from_millis(0);
    for g in agents {
        let _ = naive.handle(t, Event::Login(*g));
        let _ = naive.handle(
            t,
            Event::SetReady {
                agent: *g,
                channel: None,
                ready: true,
                reason: None,
            },
        );
    }
    let started = Instant::now();
    for id in ids {
        let w = NewWork {
            activity: *id,
            channel: ChannelKind::InboundEmail,
            queue,
            priority: 5,
            arrived_at: t,
            last_agent: None,
            required: Default::default(),
            pin: None,
            not_for: None,
            not_before: None,
        };
        let actions = naive.handle(t, Event::Enqueue(w))?;
        for act in actions {
            if let Action::Assign {
                activity, agent, ..
            } = act
            {
                store
                    .act_on_activity(
                        activity,
                        ActivityAction::Assign { agent_id: agent },
                        None,
                        Actor::System,
                        now(),
                    )
                    .await?;
            }
        }
    }
    Ok(ids.len() as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

/// Runs the durable part and prints its figures.
pub async fn durable(a: &RoutingArgs) -> anyhow::Result<()> {
    let dir =
        std::env::temp_dir().join(format!("switchboard-bench-routing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).context("cannot create a temporary directory")?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await?;
    let setup_started = Instant::now();
    let (dept, agents, queue, ids) = setup(&store, a).await?;
    let setup_took = setup_started.elapsed();
    let (base_ids, ours) = ids.split_at(a.durable_baseline.min(ids.len()));
    let base = baseline(&store, dept, &agents, queue, base_ids).await?;

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let rebuild = Instant::now();
    let (handle, task) =
        switchboard_services::routing::start(store.clone(), Registry::default(), stopped).await?;
    let rebuilt = rebuild.elapsed();
    let started = Instant::now();
    let results = join_all(agents.iter().map(|g| {
        handle.request(
            Request::SetReady {
                agent: *g,
                channel: Some(ChannelKind::InboundEmail),
                ready: true,
                reason: None,
            },
            Actor::User(*g),
        )
    }))
    .await;
    let mut assigned = 0usize;
    for r in results {
        assigned += r?
            .iter()
            .filter(|x| matches!(x, Action::Assign { .. }))
            .count();
    }
    let took = started.elapsed();
    let rate = assigned as f64 / took.as_secs_f64().max(1e-9);
    let f = ActivityFilter {
        department_id: Some(dept),
        status: Some(ActivityStatus::Queued),
        ..ActivityFilter::default()
    };
    let left = store
        .list_activities(&switchboard_domain::Scope::All, &f, &PageRequest::first(10))
        .await?
        .items
        .len();
    let _ = stop.send(true);
    let _ = task.await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "2. durable assignments on SQLite ({} agents, {} queued emails; setup {:.1} s, router rebuilt in {:.2} s)",
        a.agents,
        ours.len(),
        setup_took.as_secs_f64(),
        rebuilt.as_secs_f64()
    );
    println!(
        "   router service: {assigned} assignments in {:.2} s = {rate:.0}/s (events written before they are announced; {left} left queued)",
        took.as_secs_f64()
    );
    println!(
        "   naive (linear scan, one transaction per assignment): {base:.0}/s; ratio {:.1}x",
        rate / base.max(1e-9)
    );
    Ok(())
}
