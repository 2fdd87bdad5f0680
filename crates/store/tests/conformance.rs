//! The store conformance suite: the same behaviours checked on SQLite and on PostgreSQL.
//! PostgreSQL runs when `SWITCHBOARD_TEST_POSTGRES_URL` names a server (the test command starts
//! one); without it the PostgreSQL half is skipped with a notice, except under CI where it fails.

#![allow(clippy::panic, clippy::unwrap_used)]

use std::time::Duration;

use switchboard_domain::*;
use switchboard_store::bus::BusMessage;
use switchboard_store::*;

mod agent_states;
mod chat;
mod email;
mod list_plans;
mod routing_work;
mod synthetic;
mod webhooks;

type R = Result<(), Box<dyn std::error::Error>>;

fn options() -> StoreOptions {
    StoreOptions {
        sealer: Some(Sealer::new(&[7u8; 32]).unwrap()),
        ..StoreOptions::default()
    }
}

fn now() -> Timestamp {
    Timestamp::from_millis(1_795_000_000_000)
}

async fn sqlite() -> Result<(Store, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("sb.db").display());
    let store = Store::open(&url, &options()).await?;
    store.migrate(0).await?;
    Ok((store, dir))
}

async fn postgres() -> Result<Option<Store>, Box<dyn std::error::Error>> {
    let Some(url) = postgres_url().await? else {
        return Ok(None);
    };
    let store = Store::open(&url, &options()).await?;
    store.migrate(0).await?;
    Ok(Some(store))
}

/// A new database on the test server; `None` when there is none.
async fn postgres_url() -> Result<Option<String>, Box<dyn std::error::Error>> {
    let Ok(server) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok() {
            return Err("SWITCHBOARD_TEST_POSTGRES_URL must be set under CI".into());
        }
        eprintln!(
            "notice: SWITCHBOARD_TEST_POSTGRES_URL not set; PostgreSQL half of the store suite skipped"
        );
        return Ok(None);
    };
    let name = format!("sbtest_{}", auth::random_secret().get(..12).unwrap_or("x"));
    Ok(Some(create_postgres_database(&server, &name).await?))
}

/// Every behaviour, in order, against one store.
async fn suite(s: &Store) -> R {
    migrations_are_idempotent(s).await?;
    let dept = departments(s).await?;
    let (agent, _admin) = users(s, dept.id).await?;
    sharing(s, &agent).await?;
    groups_and_queues(s, dept.id, agent.id).await?;
    let customer = customers(s, dept.id).await?;
    activities(s, dept.id, customer.id, agent.id).await?;
    list_plans::suite(s, dept.id, customer.id, agent.id).await?;
    routing_work::suite(s, dept.id, customer.id, agent.id).await?;
    history_import(s, customer.id, agent.id).await?;
    agent_states::suite(s, dept.id, agent.id).await?;
    webhooks::suite(s, dept.id, customer.id).await?;
    group_commit_batches_concurrent_writers(s, customer.id).await?;
    tokens_and_sessions(s, agent.id).await?;
    email::suite(s, dept.id).await?;
    chat::suite(s, dept.id).await?;
    leases(s).await?;
    dictionary(s).await?;
    synthetic::suite(s, dept.id, agent.id).await?;
    Ok(())
}

/// A history written in one batch goes through the life cycle: steps may name an activity an
/// earlier step of the batch created, a step the life cycle refuses is left out and counted,
/// and the events are those the live actions write.
async fn history_import(s: &Store, customer: CustomerId, agent: UserId) -> R {
    let at = |secs: i64| Timestamp::from_millis(now().millis() + secs * 1000);
    let input = NewActivity {
        customer_id: customer,
        case_id: None,
        channel: ChannelKind::Chat,
        subject: "Imported".into(),
        priority: Priority::NORMAL,
        due_at: None,
        queue_id: None,
        sub_status: None,
        category_id: None,
        custom_attributes: Default::default(),
    };
    let input_in = |case| NewActivity {
        case_id: Some(case),
        ..input.clone()
    };
    let act = |n: usize, action: ActivityAction, secs: i64| HistoryStep::Act {
        activity: HistoryRef::Created(n),
        action,
        actor: Actor::System,
        at: at(secs),
    };
    let steps = vec![
        HistoryStep::Create {
            input: input.clone(),
            at: at(0),
        },
        act(0, ActivityAction::Assign { agent_id: agent }, 5),
        act(0, ActivityAction::Start, 6),
        HistoryStep::Create {
            input: input.clone(),
            at: at(7),
        },
        act(3, ActivityAction::Start, 8),
        act(0, ActivityAction::Complete, 60),
    ];
    let done = s.import_history(steps).await?;
    assert_eq!(done.refused, 1, "starting unassigned work is refused");
    let first = done.created[0].ok_or("the first activity")?;
    assert!(done.created[3].is_some() && done.created[1].is_none());
    let a = s.activity(first).await?;
    assert_eq!(a.status, ActivityStatus::Completed);
    let kinds: Vec<EventKind> = s
        .activity_events(first, &PageRequest::first(50))
        .await?
        .items
        .iter()
        .map(|e| e.payload.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::CaseOpened,
            EventKind::Assigned,
            EventKind::Started,
            EventKind::Completed
        ]
    );
    let later = s.events_after(0, 10_000).await?;
    assert!(later.windows(2).all(|w| w[0].id.0 < w[1].id.0));
    // A later batch acts on work an earlier one wrote and adds work to its case: the stored
    // activity is updated from its stored version, and the case is not opened again.
    let second = done.created[3].ok_or("the second activity")?;
    let case = s.activity(second).await?.case_id;
    let known = |action: ActivityAction, secs: i64| HistoryStep::Act {
        activity: HistoryRef::Known(second),
        action,
        actor: Actor::User(agent),
        at: at(secs),
    };
    let mut more = input_in(case);
    more.queue_id = None;
    let done = s
        .import_history(vec![
            known(ActivityAction::Assign { agent_id: agent }, 70),
            HistoryStep::Create {
                input: more,
                at: at(71),
            },
            known(ActivityAction::Start, 72),
        ])
        .await?;
    assert_eq!((done.refused, done.created[0]), (0, None));
    let a = s.activity(second).await?;
    assert_eq!(
        (a.status, a.version, a.updated_at),
        (ActivityStatus::InProgress, 3, at(72))
    );
    let third = done.created[1].ok_or("the third activity")?;
    assert_eq!(s.activity(third).await?.case_id, case);
    let kinds: Vec<EventKind> = s
        .activity_events(third, &PageRequest::first(50))
        .await?
        .items
        .iter()
        .map(|e| e.payload.kind())
        .collect();
    assert_eq!(kinds, [EventKind::Created], "the case was opened before");
    Ok(())
}

/// A lease is taken when free or lapsed, renewed by its holder, refused to others while it
/// runs; its fencing token grows only when it changes hands; a release frees it at once.
async fn leases(s: &Store) -> R {
    let t = |ms: i64| Timestamp::from_millis(1_795_000_000_000 + ms);
    let ttl = 10_000;
    assert_eq!(s.lease("router").await?, None);
    let a = s
        .acquire_lease("router", "node-a", ttl, t(0))
        .await?
        .unwrap();
    assert_eq!(
        (a.holder.as_str(), a.fencing, a.expires_at),
        ("node-a", 1, t(10_000))
    );
    assert_eq!(
        s.acquire_lease("router", "node-b", ttl, t(1_000)).await?,
        None,
        "held"
    );
    let renewed = s
        .acquire_lease("router", "node-a", ttl, t(3_000))
        .await?
        .unwrap();
    assert_eq!(
        (renewed.fencing, renewed.expires_at),
        (1, t(13_000)),
        "renewed"
    );
    assert_eq!(
        s.acquire_lease("router", "node-b", ttl, t(12_999)).await?,
        None
    );
    // Lapsed: another node takes it with a new token; the old holder's renewal is refused.
    let b = s
        .acquire_lease("router", "node-b", ttl, t(13_000))
        .await?
        .unwrap();
    assert_eq!((b.holder.as_str(), b.fencing), ("node-b", 2));
    assert_eq!(
        s.acquire_lease("router", "node-a", ttl, t(14_000)).await?,
        None
    );
    assert_eq!(s.lease("router").await?, Some(b.clone()));
    // Released by its holder (not by another): free at once.
    assert!(!s.release_lease("router", "node-a").await?);
    assert!(s.release_lease("router", "node-b").await?);
    let a = s
        .acquire_lease("router", "node-a", ttl, t(15_000))
        .await?
        .unwrap();
    assert_eq!(a.fencing, 3);
    // Leases are independent; names are checked.
    let other = s
        .acquire_lease("retriever.alias.3", "node-b", ttl, t(15_000))
        .await?
        .unwrap();
    assert_eq!(other.fencing, 1);
    assert!(matches!(
        s.acquire_lease("a b", "node-a", ttl, t(0)).await,
        Err(StoreError::Invalid(_))
    ));
    fenced_writes(s).await?;
    nodes(s).await
}

/// Instances report themselves; a report replaces the last; a day's silence forgets them.
async fn nodes(s: &Store) -> R {
    use switchboard_domain::node::{Node, NodeState};
    let t = |ms: i64| Timestamp::from_millis(1_795_000_000_000 + ms);
    let node = |holder: &str, seen: i64, state| Node {
        holder: holder.into(),
        name: holder.split(':').next().unwrap().into(),
        address: "http://127.0.0.1:8080".into(),
        version: "1.0".into(),
        started_at: t(0),
        seen_at: t(seen),
        state,
    };
    s.report_node(node("b:1", 0, NodeState::Ready)).await?;
    s.report_node(node("a:1", 0, NodeState::Ready)).await?;
    s.report_node(node("a:1", 2_000, NodeState::Draining))
        .await?;
    assert_eq!(
        s.nodes().await?,
        vec![
            node("a:1", 2_000, NodeState::Draining),
            node("b:1", 0, NodeState::Ready)
        ]
    );
    assert_eq!(s.node("b:1").await?, Some(node("b:1", 0, NodeState::Ready)));
    assert_eq!(s.node("c:1").await?, None);
    s.report_node(node("a:1", 24 * 3600 * 1000 + 1, NodeState::Ready))
        .await?;
    let left: Vec<String> = s.nodes().await?.into_iter().map(|n| n.holder).collect();
    assert_eq!(left, ["a:1"], "b, silent for a day, is forgotten");
    Ok(())
}

/// A handle fenced by a lease writes while the lease is held (renewals keep the token) and is
/// refused once it changed hands, alone in its write batch; unfenced writes go on.
async fn fenced_writes(s: &Store) -> R {
    let t = |ms: i64| Timestamp::from_millis(1_795_000_000_000 + ms);
    let a = s
        .acquire_lease("dispatcher", "node-a", 1_000, t(0))
        .await?
        .unwrap();
    let fenced = s.fenced(&a);
    assert_eq!(fenced.fence(), Some(&a));
    assert_eq!(fenced.outbox_recover(t(0)).await?, 0, "held: written");
    s.acquire_lease("dispatcher", "node-a", 1_000, t(500))
        .await?
        .unwrap();
    assert_eq!(fenced.outbox_recover(t(600)).await?, 0, "renewed: written");
    s.acquire_lease("dispatcher", "node-b", 1_000, t(5_000))
        .await?
        .unwrap();
    let (refused, unfenced) =
        tokio::join!(fenced.outbox_recover(t(5_001)), s.outbox_recover(t(5_001)));
    assert!(
        matches!(&refused, Err(StoreError::Fenced(name)) if name == "dispatcher"),
        "{refused:?}"
    );
    assert_eq!(unfenced?, 0, "the rest of the batch commits");
    // Taken back later: the old handle stays refused (its token is older).
    s.release_lease("dispatcher", "node-b").await?;
    s.acquire_lease("dispatcher", "node-a", 1_000, t(6_000))
        .await?
        .unwrap();
    assert!(matches!(
        fenced.outbox_recover(t(6_001)).await,
        Err(StoreError::Fenced(_))
    ));
    Ok(())
}

async fn migrations_are_idempotent(s: &Store) -> R {
    assert_eq!(s.migrate(0).await?, Vec::<i64>::new());
    let (cur, latest) = s.schema_version().await?;
    assert_eq!(cur, latest);
    assert!(s.ensure_partition("Acme", now()).await?);
    assert!(!s.ensure_partition("Acme", now()).await?);
    Ok(())
}

async fn departments(s: &Store) -> Result<Department, Box<dyn std::error::Error>> {
    let d = s
        .create_department(
            NewDepartment {
                name: "Support".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let dup = s
        .create_department(
            NewDepartment {
                name: "Support".into(),
                description: String::new(),
            },
            now(),
        )
        .await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { ref field, .. }) if field == "name"),
        "{dup:?}"
    );
    let ex = s.exception_queue(d.id).await?;
    assert_eq!(ex.kind, QueueKind::Exception);
    assert!(matches!(
        s.delete_queue(ex.id).await,
        Err(StoreError::Conflict(_))
    ));
    let chat = s.channel_settings(d.id, ChannelKind::Chat).await?;
    assert_eq!(chat.start_timeout_secs, 30);
    let patched = s
        .update_department(
            d.id,
            DepartmentPatch {
                version: 1,
                name: Some("Care".into()),
                description: None,
                shared_with: None,
            },
            now(),
        )
        .await?;
    assert_eq!((patched.name.as_str(), patched.version), ("Care", 2));
    let stale = s
        .update_department(
            d.id,
            DepartmentPatch {
                version: 1,
                name: None,
                description: None,
                shared_with: None,
            },
            now(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let other = s
        .create_department(
            NewDepartment {
                name: "Empty".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    s.delete_department(other.id).await?;
    assert!(matches!(
        s.department(other.id).await,
        Err(StoreError::NotFound { .. })
    ));
    Ok(patched)
}

/// A department's sharing list widens the scope of the other department's users, and only theirs.
async fn sharing(s: &Store, agent: &User) -> R {
    use switchboard_domain::{ObjectKind, Scope};
    let own = agent.department_id;
    let patch = |version, shared_with| DepartmentPatch {
        version,
        name: None,
        description: None,
        shared_with: Some(shared_with),
    };
    assert_eq!(s.scope_of(agent).await?, Scope::Departments(vec![own]));
    let legal = s
        .create_department(
            NewDepartment {
                name: "Legal".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let mine = Scope::Departments(vec![own]);
    let listed = s.list_departments(&mine, &PageRequest::first(10)).await?;
    assert_eq!(listed.items.iter().map(|d| d.id).collect::<Vec<_>>(), [own]);
    let shared = s
        .update_department(legal.id, patch(1, vec![own, own]).validate()?, now())
        .await?;
    assert_eq!(shared.shared_with, [own]);
    assert_eq!(s.department(legal.id).await?.shared_with, [own]);
    assert_eq!(
        s.scope_of(agent).await?,
        Scope::Departments(vec![own, legal.id])
    );
    for bad in [vec![legal.id], vec![DepartmentId(999_999)]] {
        let refused = s.update_department(legal.id, patch(2, bad), now()).await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    }
    assert_eq!(
        s.department_of(ObjectKind::User, agent.id.0).await?,
        Some(own)
    );
    assert_eq!(
        s.department_of(ObjectKind::Department, legal.id.0).await?,
        Some(legal.id)
    );
    assert_eq!(s.department_of(ObjectKind::Customer, 999_999).await?, None);
    // A department that shares with a deleted one no longer names it.
    let own_dept = s.department(own).await?;
    s.update_department(own, patch(own_dept.version, vec![legal.id]), now())
        .await?;
    s.update_department(legal.id, patch(2, vec![]), now())
        .await?;
    s.delete_department(legal.id).await?;
    assert!(s.department(own).await?.shared_with.is_empty());
    assert_eq!(s.scope_of(agent).await?, mine);
    Ok(())
}

async fn departments_id(s: &Store) -> Result<DepartmentId, Box<dyn std::error::Error>> {
    Ok(
        s.list_departments(&switchboard_domain::Scope::All, &PageRequest::first(10))
            .await?
            .items[0]
            .id,
    )
}

async fn users(s: &Store, dept: DepartmentId) -> Result<(User, User), Box<dyn std::error::Error>> {
    let new = |email: &str, role| NewUser {
        department_id: dept,
        email: EmailAddress::parse(email).unwrap_or_else(|e| panic!("{e}")),
        name: "Ann".into(),
        role,
        password: Some("correct horse battery".into()),
        attributes: Default::default(),
        capacity: switchboard_domain::user::default_capacity(),
        reviewed: false,
    };
    let agent = s
        .create_user(new("ann@example.org", Role::Agent), now())
        .await?;
    let admin = s
        .create_user(new("boss@example.org", Role::Admin), now())
        .await?;
    let dup = s
        .create_user(new("ANN@example.org", Role::Agent), now())
        .await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { ref field, .. }) if field == "email"),
        "{dup:?}"
    );
    let hash = s.password_hash(agent.id).await?.unwrap_or_default();
    assert!(auth::verify_password("correct horse battery", &hash));
    let found = s
        .user_by_email(&EmailAddress::parse("Ann@Example.org")?)
        .await?;
    assert_eq!(found.map(|u| u.id), Some(agent.id));
    let f = UserFilter {
        role: Some(Role::Admin),
        ..Default::default()
    };
    assert_eq!(
        s.list_users(&switchboard_domain::Scope::All, &f, &PageRequest::first(10))
            .await?
            .items
            .len(),
        1
    );
    assert_eq!(departments_id(s).await?, dept);
    // The last active administrator can be neither deleted nor deactivated nor demoted.
    let last = s.delete_user(admin.id).await;
    assert!(
        matches!(last, Err(StoreError::Conflict(ref m)) if m.contains("last active administrator")),
        "{last:?}"
    );
    let patch = |active: Option<bool>, role: Option<Role>| UserPatch {
        version: admin.version,
        department_id: None,
        email: None,
        name: None,
        role,
        active,
        password: None,
        attributes: None,
        capacity: None,
        reviewed: None,
    };
    for patch in [
        patch(Some(false), None),
        patch(None, Some(Role::Supervisor)),
    ] {
        let r = s.update_user(admin.id, patch, now()).await;
        assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    }
    assert!(s.user(admin.id).await?.active);
    Ok((agent, admin))
}

async fn groups_and_queues(s: &Store, dept: DepartmentId, agent: UserId) -> R {
    let g = s
        .create_user_group(
            NewUserGroup {
                department_id: dept,
                name: "Billing".into(),
                description: String::new(),
                members: vec![agent],
                reviewed: false,
            },
            now(),
        )
        .await?;
    assert_eq!(s.user_group(g.id).await?.members, vec![agent]);
    let bad = s
        .create_user_group(
            NewUserGroup {
                department_id: dept,
                name: "Ghosts".into(),
                description: String::new(),
                members: vec![UserId(999)],
                reviewed: false,
            },
            now(),
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref v)) if v.field == "members[0]"),
        "{bad:?}"
    );
    let mine = s
        .list_user_groups(
            &switchboard_domain::Scope::All,
            &UserGroupFilter {
                member: Some(agent),
                ..Default::default()
            },
            &PageRequest::first(10),
        )
        .await?;
    assert_eq!(mine.items.len(), 1);
    let q: NewQueue = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Billing", "routing": {"type": "user_group", "user_group_id": g.id}
    }))?;
    let q = s.create_queue(q, now()).await?;
    assert_eq!(
        s.queue(q.id).await?.routing,
        QueueRouting::UserGroup {
            user_group_id: g.id
        }
    );
    assert!(matches!(
        s.delete_user_group(g.id).await,
        Err(StoreError::Conflict(_))
    ));
    let page = s
        .list_queues(
            &switchboard_domain::Scope::All,
            &QueueFilter {
                department_id: Some(dept),
                ..Default::default()
            },
            &PageRequest::first(1),
        )
        .await?;
    assert_eq!(page.items.len(), 1);
    let next = PageRequest::parse(Some(1), page.next_cursor.as_deref())?;
    let page2 = s
        .list_queues(
            &switchboard_domain::Scope::All,
            &QueueFilter {
                department_id: Some(dept),
                ..Default::default()
            },
            &next,
        )
        .await?;
    assert_eq!(page2.items.len(), 1);
    assert_ne!(page.items[0].id, page2.items[0].id);
    assert!(page2.next_cursor.is_none());
    Ok(())
}

async fn customers(s: &Store, dept: DepartmentId) -> Result<Customer, Box<dyn std::error::Error>> {
    let n: NewCustomer = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Carla",
        "contact_points": [{"kind": "email", "value": "carla@example.com"}]
    }))?;
    let c = s.create_customer(n.clone().validate()?, now()).await?;
    let dup = s.create_customer(n.validate()?, now()).await;
    assert!(
        matches!(dup, Err(StoreError::Duplicate { ref field, .. }) if field == "contact_points[0].value"),
        "{dup:?}"
    );
    let by = s
        .customer_by_contact(dept, ContactKind::Email, "CARLA@example.com")
        .await?;
    assert_eq!(by.map(|x| x.id), Some(c.id));
    let f = CustomerFilter {
        contact: Some("carla@example.com".into()),
        ..Default::default()
    };
    assert_eq!(
        s.list_customers(&switchboard_domain::Scope::All, &f, &PageRequest::first(5))
            .await?
            .items
            .len(),
        1
    );
    Ok(c)
}

async fn activities(s: &Store, dept: DepartmentId, customer: CustomerId, agent: UserId) -> R {
    let queue = s
        .list_queues(
            &switchboard_domain::Scope::All,
            &QueueFilter {
                department_id: Some(dept),
                kind: Some(QueueKind::Standard),
            },
            &PageRequest::first(1),
        )
        .await?
        .items[0]
        .id;
    let n: NewActivity = serde_json::from_value(serde_json::json!({
        "customer_id": customer, "channel": "inbound_email", "subject": "Refund", "queue_id": queue
    }))?;
    let a = s.create_activity(n, Actor::System, now()).await?;
    assert_eq!(a.status, ActivityStatus::Queued);
    let case = s.case(a.case_id).await?;
    assert_eq!(
        (case.customer_id, case.subject.as_str()),
        (customer, "Refund")
    );
    let a = s
        .act_on_activity(
            a.id,
            ActivityAction::Offer { agent_id: agent },
            Some(a.version),
            Actor::System,
            now(),
        )
        .await?;
    let a = s
        .act_on_activity(
            a.id,
            ActivityAction::Accept,
            None,
            Actor::User(agent),
            now(),
        )
        .await?;
    let a = s
        .act_on_activity(a.id, ActivityAction::Start, None, Actor::User(agent), now())
        .await?;
    let illegal = s
        .act_on_activity(
            a.id,
            ActivityAction::Accept,
            None,
            Actor::User(agent),
            now(),
        )
        .await;
    assert!(
        matches!(illegal, Err(StoreError::Transition(_))),
        "{illegal:?}"
    );
    let stale = s
        .act_on_activity(
            a.id,
            ActivityAction::Pause,
            Some(1),
            Actor::User(agent),
            now(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let patch: ActivityPatch =
        serde_json::from_value(serde_json::json!({"version": a.version, "priority": 9}))?;
    let a = s
        .update_activity(a.id, patch, Actor::User(agent), now())
        .await?;
    assert_eq!(a.priority.get(), 9);
    let a = s
        .act_on_activity(
            a.id,
            ActivityAction::Complete,
            None,
            Actor::User(agent),
            now(),
        )
        .await?;
    assert_eq!(s.activity(a.id).await?, a);
    let events = s
        .activity_events(a.id, &PageRequest::first(50))
        .await?
        .items;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind().as_str()).collect();
    assert_eq!(
        kinds,
        [
            "created",
            "case_opened",
            "queued",
            "offered",
            "accepted",
            "started",
            "updated",
            "completed"
        ]
    );
    assert_eq!(events[4].actor, Actor::User(agent));
    assert_eq!(events[6].from_status, Some(ActivityStatus::InProgress));
    let mine = ActivityFilter {
        assignee_id: Some(agent),
        status: Some(ActivityStatus::Completed),
        ..Default::default()
    };
    assert_eq!(
        s.list_activities(
            &switchboard_domain::Scope::All,
            &mine,
            &PageRequest::first(10)
        )
        .await?
        .items
        .len(),
        1
    );
    assert!(matches!(
        s.delete_case(a.case_id).await,
        Err(StoreError::Conflict(_))
    ));
    // A bad reference fails alone and writes nothing.
    let bad: NewActivity = serde_json::from_value(serde_json::json!({
        "customer_id": customer, "channel": "chat", "case_id": 4242
    }))?;
    let r = s.create_activity(bad, Actor::System, now()).await;
    assert!(
        matches!(r, Err(StoreError::Invalid(ref v)) if v.field == "case_id"),
        "{r:?}"
    );
    // Closing the case, and opening it again, is recorded on its latest activity.
    let status = |version: i64, status: CaseStatus| CasePatch {
        version,
        subject: None,
        status: Some(status),
        owner_id: None,
    };
    let k = s.case(a.case_id).await?;
    let closed = s
        .update_case(
            k.id,
            status(k.version, CaseStatus::Closed),
            Actor::User(agent),
            now(),
        )
        .await?;
    let again = s
        .update_case(
            k.id,
            status(closed.version, CaseStatus::Closed),
            Actor::System,
            now(),
        )
        .await?;
    s.update_case(
        k.id,
        status(again.version, CaseStatus::Open),
        Actor::System,
        now(),
    )
    .await?;
    let events = s
        .activity_events(a.id, &PageRequest::first(50))
        .await?
        .items;
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind()).collect();
    assert_eq!(
        events[events.len() - 2].actor,
        Actor::User(agent),
        "who closed it"
    );
    assert_eq!(
        kinds[kinds.len() - 2..],
        [EventKind::CaseClosed, EventKind::CaseReopened],
        "closed once (closing a closed case changes nothing), then reopened: {kinds:?}"
    );
    let (acts, evs, orphans) = s.activity_consistency().await?;
    assert_eq!((acts, evs, orphans), (1, 10, 0));
    Ok(())
}

async fn group_commit_batches_concurrent_writers(s: &Store, customer: CustomerId) -> R {
    let case = s
        .create_case(
            NewCase {
                customer_id: customer,
                subject: "Bulk".into(),
                owner_id: None,
            },
            now(),
        )
        .await?;
    let mut tasks = vec![];
    for i in 0..200 {
        let s = s.clone();
        // Every 10th job refers to a missing queue: it must fail alone.
        let queue = if i % 10 == 0 {
            Some(QueueId(999_999))
        } else {
            None
        };
        let n = NewActivity {
            customer_id: customer,
            case_id: Some(case.id),
            channel: ChannelKind::InboundEmail,
            subject: format!("m{i}"),
            priority: Priority::NORMAL,
            due_at: None,
            queue_id: queue,
            sub_status: None,
            category_id: None,
            custom_attributes: Default::default(),
        };
        tasks.push(tokio::spawn(async move {
            s.create_activity(n, Actor::System, now()).await
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for t in tasks {
        match t.await? {
            Ok(_) => ok += 1,
            Err(StoreError::Invalid(v)) if v.field == "queue_id" => failed += 1,
            Err(e) => return Err(e.into()),
        }
    }
    assert_eq!((ok, failed), (180, 20));
    let f = ActivityFilter {
        case_id: Some(case.id),
        ..Default::default()
    };
    let mut seen = 0;
    let mut page = PageRequest::first(50);
    loop {
        let p = s
            .list_activities(&switchboard_domain::Scope::All, &f, &page)
            .await?;
        seen += p.items.len();
        match p.next_cursor {
            Some(c) => page = PageRequest::parse(Some(50), Some(&c))?,
            None => break,
        }
    }
    assert_eq!(seen, 180);
    let (_, _, orphans) = s.activity_consistency().await?;
    assert_eq!(orphans, 0);
    Ok(())
}

async fn tokens_and_sessions(s: &Store, agent: UserId) -> R {
    let (tok, secret) = s.create_token(agent, "ci", None, None, now()).await?;
    assert!(secret.starts_with(auth::TOKEN_PREFIX));
    assert_eq!(
        s.user_by_token(&secret, now()).await?.map(|u| u.id),
        Some(agent)
    );
    assert!(s.user_by_token("sbt_nope", now()).await?.is_none());
    s.revoke_token(tok.id, None, now()).await?;
    assert!(s.user_by_token(&secret, now()).await?.is_none());
    let (sid, csrf) = s.create_session(agent, now(), 3600).await?;
    let live = s.session(&sid, now()).await?.ok_or("no session")?;
    assert_eq!(
        (live.user.id, live.csrf_token.as_str()),
        (agent, csrf.as_str())
    );
    assert!(s.session(&sid, now().plus_secs(7200)).await?.is_none());
    s.delete_session(&sid).await?;
    assert!(s.session(&sid, now()).await?.is_none());

    // A token with an expiry stops working then.
    let (_, timed) = s
        .create_token(
            agent,
            "short",
            Some(now().plus_secs(60)),
            Some(agent),
            now(),
        )
        .await?;
    assert!(s.user_by_token(&timed, now()).await?.is_some());
    assert!(
        s.user_by_token(&timed, now().plus_secs(61))
            .await?
            .is_none()
    );

    // A new password ends the user's other sessions, keeps the one it was made in, and is a
    // security event.
    let (kept, _) = s.create_session(agent, now(), 3600).await?;
    let (other, _) = s.create_session(agent, now(), 3600).await?;
    let user = s.user(agent).await?;
    let patch = switchboard_domain::UserPatch {
        version: user.version,
        department_id: None,
        email: None,
        name: None,
        role: None,
        active: None,
        password: Some("a fresh long passphrase".into()),
        attributes: None,
        capacity: None,
        reviewed: None,
    };
    s.update_user_by(agent, patch, Some(agent), Some(kept.clone()), now())
        .await?;
    assert!(s.session(&kept, now()).await?.is_some());
    assert!(s.session(&other, now()).await?.is_none());
    let events = s.list_security_events(&PageRequest::first(50)).await?.items;
    let kinds: Vec<&str> = events.iter().map(|e| e.event.name()).collect();
    assert_eq!(
        kinds,
        [
            "token_created",
            "token_revoked",
            "token_created",
            "password_changed"
        ]
    );
    assert_eq!(
        events[3].event,
        switchboard_domain::SecurityEventKind::PasswordChanged {
            user_id: agent,
            sessions_ended: 1
        }
    );
    Ok(())
}

#[tokio::test]
async fn sqlite_conformance() -> R {
    let (store, _dir) = sqlite().await?;
    suite(&store).await
}

#[tokio::test]
async fn postgres_conformance() -> R {
    match postgres().await? {
        Some(store) => suite(&store).await,
        None => Ok(()),
    }
}

/// Two stores on one PostgreSQL database, as two nodes: a change one announces bumps the
/// other's counter, a message one publishes reaches the other and not itself; a single-node
/// SQLite store has no bus.
#[tokio::test]
async fn nodes_hear_each_other_over_the_bus() -> R {
    let (lite, _dir) = sqlite().await?;
    assert!(lite.bus().is_none());
    let Some(url) = postgres_url().await? else {
        return Ok(());
    };
    let a = Store::open(&url, &options()).await?;
    a.migrate(0).await?;
    let b = Store::open(&url, &options()).await?;
    let (mut heard_a, mut heard_b) = (a.bus().unwrap(), b.bus().unwrap());
    let mut outbox = b.notify().outbox();
    outbox.mark_unchanged();
    // The listeners connect in the background: send until the first message is heard.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        a.publish("notice", "{\"agent\":7}".into());
        match tokio::time::timeout(Duration::from_millis(200), heard_b.recv()).await {
            Ok(m) => {
                assert_eq!(
                    m?,
                    BusMessage::Message {
                        topic: "notice".into(),
                        payload: "{\"agent\":7}".into()
                    }
                );
                break;
            }
            Err(_) => assert!(std::time::Instant::now() < deadline, "never heard"),
        }
    }
    a.notify().outbox_changed();
    tokio::time::timeout(Duration::from_secs(5), outbox.changed()).await??;
    assert!(
        tokio::time::timeout(Duration::from_millis(300), heard_a.recv())
            .await
            .is_err(),
        "a node does not hear itself"
    );
    Ok(())
}

#[tokio::test]
async fn sqlite_survives_reopen() -> R {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("sb.db").display());
    {
        let s = Store::open(&url, &StoreOptions::default()).await?;
        s.migrate(0).await?;
        s.ensure_partition("Acme", now()).await?;
        s.create_department(
            NewDepartment {
                name: "A".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
        s.close().await;
    }
    let s = Store::open(&url, &StoreOptions::default()).await?;
    assert_eq!(s.migrate(0).await?, Vec::<i64>::new());
    assert_eq!(
        s.list_departments(&switchboard_domain::Scope::All, &PageRequest::first(10))
            .await?
            .items
            .len(),
        1
    );
    Ok(())
}

/// The data dictionary names every column of every reporting view, in order, and the
/// repository's copy is the generated one.
async fn dictionary(s: &Store) -> R {
    for v in dictionary::DICTIONARY {
        let have = s.view_columns(v.name).await?;
        let said: Vec<&str> = v.columns.iter().map(|c| c.name).collect();
        assert_eq!(have, said, "{}", v.name);
    }
    Ok(())
}

#[test]
fn the_repositorys_data_dictionary_is_the_generated_one() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/data-dictionary.md");
    let file = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        file == dictionary::markdown(),
        "docs/data-dictionary.md is stale: run `switchboard reports dictionary > docs/data-dictionary.md`"
    );
}

/// On PostgreSQL a reader role reads the reporting views and nothing else.
#[tokio::test]
async fn a_reader_reads_the_reporting_views_and_nothing_else() -> R {
    let Some(url) = postgres_url().await? else {
        return Ok(());
    };
    let s = Store::open(&url, &options()).await?;
    s.migrate(0).await?;
    let name = format!("reader_{}", auth::random_secret().get(..8).unwrap_or("x"));
    let views = dictionary::view_names();
    let short = s.create_reader(&name, "short", &views).await;
    assert!(matches!(short, Err(StoreError::Invalid(_))), "{short:?}");
    let bad = s
        .create_reader("Robert'); DROP", "a long enough password", &views)
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
    s.create_reader(&name, "a long enough pass'word", &views)
        .await?;
    // Twice is fine: the password is replaced.
    s.create_reader(&name, "a long enough pass'word", &views)
        .await?;
    let as_reader = url.replacen("postgres://postgres@", &format!("postgres://{name}:x@"), 1);
    assert_ne!(as_reader, url, "the test server's URL names its user");
    let reader = Store::open(&as_reader, &options()).await?;
    for v in &views {
        assert!(reader.view_row_count(v).await? >= 0, "{v}");
    }
    let denied = reader.view_row_count("users").await;
    assert!(denied.is_err(), "{denied:?}");
    let read = reader.rollup_cursor().await;
    assert!(
        read.is_err(),
        "the rollup's own tables are not for readers: {read:?}"
    );
    reader.close().await;
    let sqlite = sqlite()
        .await?
        .0
        .create_reader(&name, "a long enough password", &views)
        .await;
    assert!(matches!(sqlite, Err(StoreError::Conflict(_))), "{sqlite:?}");
    Ok(())
}
