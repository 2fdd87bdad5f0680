//! A synthetic fill writes rows the store reads back as it reads its own: open work queued in
//! its department's queue or with its agent, customers found by their contact point, cases
//! open while their newest activity is, and ids that carry on after the fill.

use switchboard_domain::*;
use switchboard_store::synthetic::{Volume, synthetic_email};
use switchboard_store::*;

use crate::{R, now};

pub async fn suite(s: &Store, dept: DepartmentId, agent: UserId) -> R {
    let queue: NewQueue = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Synthetic"
    }))?;
    let queue = s.create_queue(queue, now()).await?;
    let v = Volume {
        activities: 1_000,
        open: 100,
        assigned: 30,
        departments: vec![dept],
        queues: vec![(queue.id, dept)],
        agents: vec![(agent, dept)],
        from: Timestamp::from_millis(now().millis() - 86_400_000),
        to: now(),
    };
    let mut reported = Vec::new();
    let filled = s
        .fill_synthetic(&v, |what, done, of| {
            reported.push((what.to_string(), done, of))
        })
        .await?;
    assert_eq!(
        reported.last(),
        Some(&("activities".to_string(), 1_000, 1_000)),
        "progress ends at the total"
    );
    let queued = s
        .list_activities(
            &Scope::All,
            &ActivityFilter {
                queue_id: Some(queue.id),
                status: Some(ActivityStatus::Queued),
                ..ActivityFilter::default()
            },
            &PageRequest::first(200),
        )
        .await?;
    assert_eq!(queued.items.len(), 70, "70 % of the open work waits");
    assert!(
        queued
            .items
            .iter()
            .all(|a| a.assignee_id.is_none() && a.department_id == dept)
    );
    let newest = s.activity(ActivityId(filled.first_activity + 999)).await?;
    assert!(!newest.status.is_final());
    let oldest = s.activity(ActivityId(filled.first_activity)).await?;
    assert_eq!(oldest.status, ActivityStatus::Completed);
    assert_eq!(oldest.assignee_id, Some(agent));
    let case = s.case(newest.case_id).await?;
    assert_eq!(
        (case.status, case.customer_id),
        (CaseStatus::Open, newest.customer_id)
    );
    assert_eq!(s.case(oldest.case_id).await?.status, CaseStatus::Closed);
    let found = s
        .list_customers(
            &Scope::All,
            &CustomerFilter {
                contact: Some(synthetic_email(3).to_uppercase()),
                ..CustomerFilter::default()
            },
            &PageRequest::first(5),
        )
        .await?;
    assert_eq!(
        found.items.iter().map(|c| c.id.0).collect::<Vec<_>>(),
        vec![filled.first_customer + 3]
    );
    let n: NewCustomer = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "After the fill"
    }))?;
    let after = s.create_customer(n, now()).await?;
    assert!(after.id.0 >= filled.first_customer + filled.customers as i64);
    Ok(())
}
