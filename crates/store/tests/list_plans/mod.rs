//! Every filter of the activity, case, customer and email lists reads along an index in the
//! list's order, alone and within a scope of several departments: the plan has no full scan of the table and sorts
//! nothing but the few rows each arm of a merged page read. Also checks that the merged and
//! time-ordered pages return what a plain filter would, page after page.

use switchboard_domain::*;
use switchboard_store::*;

use crate::{R, now};

/// The filters the API documents (and the report drill-down's time range), each alone.
fn filters(
    dept: DepartmentId,
    queue: QueueId,
    user: UserId,
    case: CaseId,
    customer: CustomerId,
) -> Vec<(&'static str, ActivityFilter)> {
    let f = ActivityFilter::default;
    vec![
        ("none", f()),
        (
            "department_id",
            ActivityFilter {
                department_id: Some(dept),
                ..f()
            },
        ),
        (
            "status",
            ActivityFilter {
                status: Some(ActivityStatus::Queued),
                ..f()
            },
        ),
        (
            "queue_id",
            ActivityFilter {
                queue_id: Some(queue),
                ..f()
            },
        ),
        (
            "assignee_id",
            ActivityFilter {
                assignee_id: Some(user),
                ..f()
            },
        ),
        (
            "case_id",
            ActivityFilter {
                case_id: Some(case),
                ..f()
            },
        ),
        (
            "customer_id",
            ActivityFilter {
                customer_id: Some(customer),
                ..f()
            },
        ),
        (
            "channel",
            ActivityFilter {
                channel: Some(ChannelKind::Chat),
                ..f()
            },
        ),
        (
            "created_from",
            ActivityFilter {
                created_from: Some(now()),
                ..f()
            },
        ),
        (
            "created_to",
            ActivityFilter {
                created_to: Some(now()),
                ..f()
            },
        ),
        (
            "queue_id and status",
            ActivityFilter {
                queue_id: Some(queue),
                status: Some(ActivityStatus::Queued),
                ..f()
            },
        ),
    ]
}

/// What is wrong with a SQLite plan (`id|parent|detail` lines), if anything. With no condition
/// at all, walking the table in id order (and stopping after a page) is the plan.
fn sqlite_fault(table: &str, lines: &[String], unfiltered: bool) -> Option<String> {
    let rows: Vec<(&str, &str, &str)> = lines
        .iter()
        .filter_map(|l| {
            let mut p = l.splitn(3, '|');
            Some((p.next()?, p.next()?, p.next()?))
        })
        .collect();
    if unfiltered && rows.iter().all(|r| r.2 == format!("SCAN {table}")) {
        return None;
    }
    if !rows
        .iter()
        .any(|r| r.2.starts_with(&format!("SEARCH {table} USING")))
    {
        return Some(format!("no index search on {table}"));
    }
    for (_, parent, detail) in &rows {
        if detail.starts_with(&format!("SCAN {table}")) {
            return Some(format!("full scan: {detail}"));
        }
        // A sort is bounded only over the rows of one arm (a scan of a subquery's page).
        if detail.starts_with("USE TEMP B-TREE")
            && !rows
                .iter()
                .any(|(_, p, d)| p == parent && d.starts_with("SCAN ") && !d.contains(table))
        {
            return Some(format!("unbounded sort: {detail}"));
        }
    }
    None
}

/// What is wrong with a PostgreSQL plan (the text of `EXPLAIN`), if anything.
fn postgres_fault(table: &str, lines: &[String], needs_condition: bool) -> Option<String> {
    let depth = |l: &str| l.len() - l.trim_start().len();
    for (i, l) in lines.iter().enumerate() {
        if l.contains(&format!("Seq Scan on {table}")) {
            return Some(format!("full scan: {l}"));
        }
        if l.trim_start()
            .trim_start_matches("->")
            .trim_start()
            .starts_with("Sort ")
            && l.contains("cost=")
        {
            let below = lines[i + 1..].iter().take_while(|m| depth(m) > depth(l));
            if !below.into_iter().any(|m| m.contains("Limit")) {
                return Some(format!("unbounded sort: {l}"));
            }
        }
    }
    if !lines
        .iter()
        .any(|l| l.contains("Index") && l.contains(&format!("on {table}")))
    {
        return Some(format!("no index scan on {table}"));
    }
    if needs_condition && !lines.iter().any(|l| l.contains("Index Cond:")) {
        return Some("an index is walked whole, not searched".into());
    }
    None
}

pub async fn suite(s: &Store, dept: DepartmentId, customer: CustomerId, user: UserId) -> R {
    let other = s
        .create_department(
            NewDepartment {
                name: "Plans".into(),
                description: String::new(),
            },
            now(),
        )
        .await?;
    let queue: NewQueue = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Plans"
    }))?;
    let queue = s.create_queue(queue, now()).await?;
    let case = s
        .create_case(
            NewCase {
                customer_id: customer,
                subject: "Plans".into(),
                owner_id: None,
            },
            now(),
        )
        .await?;
    let scopes = [
        ("all", Scope::All),
        ("two departments", Scope::Departments(vec![dept, other.id])),
    ];
    let postgres = s.backend() == Backend::Postgres;
    for (scope_name, scope) in &scopes {
        for (name, f) in filters(dept, queue.id, user, case.id, customer) {
            for page in [PageRequest::first(50), next_page(s, scope, &f).await?] {
                let plan = s.activity_list_plan(scope, &f, &page).await?;
                let unfiltered = name == "none" && page.after.is_none() && *scope == Scope::All;
                let fault = fault(postgres, "activities", &plan, unfiltered);
                if let Some(fault) = fault {
                    panic!(
                        "activity list by {name} in scope {scope_name}: {fault}\n{}",
                        plan.join("\n")
                    );
                }
            }
        }
    }
    other_lists(s, &scopes, dept, customer, user, case.id).await?;
    outbox_claim_reads_by_id(s).await?;
    merged_pages_match_plain_filters(s, dept, other.id, customer, queue.id).await
}

/// What is wrong with a plan, if anything.
fn fault(postgres: bool, table: &str, plan: &[String], unfiltered: bool) -> Option<String> {
    if postgres {
        postgres_fault(table, plan, !unfiltered)
    } else {
        sqlite_fault(table, plan, unfiltered)
    }
}

/// The case, customer and email lists: each filter the API documents, alone, in both scopes,
/// on the first page and a later one.
async fn other_lists(
    s: &Store,
    scopes: &[(&str, Scope)],
    dept: DepartmentId,
    customer: CustomerId,
    user: UserId,
    case: CaseId,
) -> R {
    let postgres = s.backend() == Backend::Postgres;
    let cases = [
        ("none", CaseFilter::default()),
        (
            "department_id",
            CaseFilter {
                department_id: Some(dept),
                ..CaseFilter::default()
            },
        ),
        (
            "customer_id",
            CaseFilter {
                customer_id: Some(customer),
                ..CaseFilter::default()
            },
        ),
        (
            "status",
            CaseFilter {
                status: Some(CaseStatus::Open),
                ..CaseFilter::default()
            },
        ),
        (
            "owner_id",
            CaseFilter {
                owner_id: Some(user),
                ..CaseFilter::default()
            },
        ),
    ];
    let customers = [
        ("none", CustomerFilter::default()),
        (
            "department_id",
            CustomerFilter {
                department_id: Some(dept),
                ..CustomerFilter::default()
            },
        ),
        (
            "contact",
            CustomerFilter {
                contact: Some("plans@example.com".into()),
                ..CustomerFilter::default()
            },
        ),
    ];
    let e = EmailFilter::default;
    let emails = [
        ("none", e()),
        (
            "department_id",
            EmailFilter {
                department_id: Some(dept),
                ..e()
            },
        ),
        (
            "alias_id",
            EmailFilter {
                alias_id: Some(AliasId(1)),
                ..e()
            },
        ),
        (
            "case_id",
            EmailFilter {
                case_id: Some(case),
                ..e()
            },
        ),
        (
            "activity_id",
            EmailFilter {
                activity_id: Some(ActivityId(1)),
                ..e()
            },
        ),
        (
            "direction",
            EmailFilter {
                direction: Some(Direction::Outbound),
                ..e()
            },
        ),
        (
            "outcome",
            EmailFilter {
                outcome: Some(Outcome::ExceptionQueue),
                ..e()
            },
        ),
        (
            "kind",
            EmailFilter {
                kind: Some(EmailKind::Bounce),
                ..e()
            },
        ),
    ];
    for (scope_name, scope) in scopes {
        for page in [
            PageRequest::first(50),
            PageRequest {
                limit: 50,
                after: Some(1),
                after_at: None,
            },
        ] {
            let unfiltered =
                |name: &str| name == "none" && page.after.is_none() && *scope == Scope::All;
            let mut plans = Vec::new();
            for (name, f) in &cases {
                plans.push(("cases", *name, s.case_list_plan(scope, f, &page).await?));
            }
            for (name, f) in &customers {
                plans.push((
                    "customers",
                    *name,
                    s.customer_list_plan(scope, f, &page).await?,
                ));
            }
            for (name, f) in &emails {
                plans.push(("emails", *name, s.email_list_plan(scope, f, &page).await?));
            }
            for (table, name, mut plan) in plans {
                if name == "contact" {
                    // A contact names at most one customer per department and kind: sorting
                    // those few is no scan.
                    plan.retain(|l| {
                        !l.contains("TEMP B-TREE")
                            && !l
                                .trim_start()
                                .trim_start_matches("->")
                                .trim_start()
                                .starts_with("Sort")
                    });
                }
                if let Some(fault) = fault(postgres, table, &plan, unfiltered(name)) {
                    panic!(
                        "{table} list by {name} in scope {scope_name}: {fault}\n{}",
                        plan.join("\n")
                    );
                }
            }
        }
    }
    Ok(())
}

/// A request for the second page of a list (the cursor the first page of a long list gives).
async fn next_page(
    s: &Store,
    scope: &Scope,
    f: &ActivityFilter,
) -> Result<PageRequest, Box<dyn std::error::Error>> {
    let first = s.list_activities(scope, f, &PageRequest::first(1)).await?;
    Ok(match first.next_cursor {
        Some(c) => PageRequest::parse(Some(50), Some(&c))?,
        None => PageRequest {
            limit: 50,
            after: Some(1),
            after_at: f.created_from.or(f.created_to).map(|_| now().millis()),
        },
    })
}

/// Pages of 3 over a scope of two departments, a queue in every status and a time range give
/// every matching activity once, in the list's order.
async fn merged_pages_match_plain_filters(
    s: &Store,
    dept: DepartmentId,
    other: DepartmentId,
    customer: CustomerId,
    queue: QueueId,
) -> R {
    let n: NewCustomer = serde_json::from_value(serde_json::json!({
        "department_id": other, "name": "Other department's"
    }))?;
    let other_customer = s.create_customer(n, now()).await?;
    let mut made = Vec::new();
    for i in 0..7i64 {
        let (who, q) = if i % 2 == 0 {
            (customer, Some(queue))
        } else {
            (other_customer.id, None)
        };
        let n = NewActivity {
            customer_id: who,
            case_id: None,
            channel: ChannelKind::InboundEmail,
            subject: format!("Plan {i}"),
            priority: Priority::NORMAL,
            due_at: None,
            queue_id: q,
            sub_status: None,
            category_id: None,
            custom_attributes: Default::default(),
        };
        // Created out of id order: the time-ordered list must follow the times.
        let at = Timestamp::from_millis(now().millis() + 1_000 * ((i * 5) % 7));
        made.push(s.create_activity(n, Actor::System, at).await?);
    }
    let scope = Scope::Departments(vec![dept, other]);
    let all = |f: ActivityFilter| {
        let scope = scope.clone();
        async move {
            let mut out = Vec::new();
            let mut page = PageRequest::first(3);
            loop {
                let p = s.list_activities(&scope, &f, &page).await?;
                out.extend(p.items.iter().map(|a| (a.created_at, a.id)));
                match p.next_cursor {
                    Some(c) => page = PageRequest::parse(Some(3), Some(&c))?,
                    None => return Ok::<_, Box<dyn std::error::Error>>(out),
                }
            }
        }
    };
    let by_id = all(ActivityFilter::default()).await?;
    let mut ids: Vec<ActivityId> = by_id.iter().map(|x| x.1).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "by id, each once");
    for a in &made {
        assert!(ids.contains(&a.id), "activity {} listed", a.id.0);
    }
    let queued = all(ActivityFilter {
        queue_id: Some(queue),
        ..ActivityFilter::default()
    })
    .await?;
    let want: Vec<ActivityId> = made
        .iter()
        .filter(|a| a.queue_id == Some(queue))
        .map(|a| a.id)
        .collect();
    let got: Vec<ActivityId> = queued
        .iter()
        .map(|x| x.1)
        .filter(|id| want.contains(id))
        .collect();
    assert_eq!(got, want, "the queue's activities in every status, by id");
    let timed = all(ActivityFilter {
        created_from: Some(now()),
        ..ActivityFilter::default()
    })
    .await?;
    let mut in_order = timed.clone();
    in_order.sort();
    assert_eq!(timed, in_order, "by creation time, then id");
    ids = timed.iter().map(|x| x.1).collect();
    for a in &made {
        assert!(ids.contains(&a.id), "activity {} listed by time", a.id.0);
    }
    Ok(())
}

/// The dispatcher's claim finds its entries by id: searched by status instead, it walked every
/// pending entry for each claim, and dispatch slowed as the outbox grew.
async fn outbox_claim_reads_by_id(s: &Store) -> R {
    let plan = s.outbox_claim_plan().await?;
    let by_id = if s.backend() == Backend::Postgres {
        plan.iter().any(|l| l.contains("outbox_pkey"))
    } else {
        plan.iter()
            .any(|l| l.contains("SEARCH outbox USING INTEGER PRIMARY KEY"))
    };
    assert!(by_id, "the claim by id:\n{}", plan.join("\n"));
    assert!(
        !plan.iter().any(|l| l.contains("outbox_due")),
        "the claim searches the status index:\n{}",
        plan.join("\n")
    );
    Ok(())
}
