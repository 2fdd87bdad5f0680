//! The open work the router reads at start-up and after changes elsewhere: each open activity
//! once, by id, with its queue, agent, when it was queued, whom its last queueing waits for,
//! and the case's last agent; finished work is left out.

use switchboard_domain::event::TransitionDetails;
use switchboard_domain::*;
use switchboard_store::*;

use crate::{R, now};

pub async fn suite(s: &Store, dept: DepartmentId, customer: CustomerId, agent: UserId) -> R {
    let queue: NewQueue = serde_json::from_value(serde_json::json!({
        "department_id": dept, "name": "Router's reading"
    }))?;
    let queue = s.create_queue(queue, now()).await?.id;
    let at = |secs: i64| Timestamp::from_millis(now().millis() + secs * 1_000);
    let new = |case_id: Option<CaseId>, queue_id: Option<QueueId>| NewActivity {
        customer_id: customer,
        case_id,
        channel: ChannelKind::Chat,
        subject: "Router's reading".into(),
        priority: Priority::NORMAL,
        due_at: None,
        queue_id,
        sub_status: None,
        category_id: None,
        custom_attributes: Default::default(),
    };
    let queued = s
        .create_activity(new(None, Some(queue)), Actor::System, at(1))
        .await?;
    let waiting = s
        .create_activity(new(None, None), Actor::System, at(2))
        .await?;
    let details = TransitionDetails {
        for_user_id: Some(agent),
        not_before: Some(at(600)),
        ..TransitionDetails::default()
    };
    let change =
        |activity: ActivityId, action: ActivityAction, details: TransitionDetails| RoutingChange {
            activity,
            action,
            actor: Actor::System,
            details,
        };
    let held = s
        .create_activity(new(None, Some(queue)), Actor::System, at(3))
        .await?;
    let done = s
        .create_activity(new(None, Some(queue)), Actor::System, at(4))
        .await?;
    let conflicts = s
        .apply_routing(
            vec![
                change(
                    waiting.id,
                    ActivityAction::Queue { queue_id: queue },
                    details,
                ),
                change(
                    held.id,
                    ActivityAction::Assign { agent_id: agent },
                    TransitionDetails::default(),
                ),
                change(
                    done.id,
                    ActivityAction::Abandon,
                    TransitionDetails::default(),
                ),
            ],
            vec![],
            at(5),
        )
        .await?;
    assert!(conflicts.is_empty(), "{conflicts:?}");
    let follow_up = s
        .create_activity(new(Some(held.case_id), Some(queue)), Actor::System, at(6))
        .await?;
    let work = s.routing_work(None).await?;
    let ids: Vec<ActivityId> = work.iter().map(|w| w.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "each once, by id");
    assert!(!ids.contains(&done.id), "finished work is not the router's");
    let find = |id: ActivityId| work.iter().find(|w| w.id == id).cloned();
    let q = find(queued.id).ok_or("the queued activity")?;
    assert_eq!(
        (
            q.status,
            q.queue_id,
            q.assignee_id,
            q.queued_at,
            q.for_user,
            q.channel,
            q.priority
        ),
        (
            ActivityStatus::Queued,
            Some(queue),
            None,
            at(1),
            None,
            ChannelKind::Chat,
            5
        )
    );
    let w = find(waiting.id).ok_or("the activity queued for an agent")?;
    assert_eq!(
        (w.queued_at, w.for_user, w.not_before, w.not_for),
        (at(5), Some(agent), Some(at(600)), None)
    );
    let h = find(held.id).ok_or("the assigned activity")?;
    assert_eq!(
        (h.status, h.assignee_id),
        (ActivityStatus::Assigned, Some(agent))
    );
    let f = find(follow_up.id).ok_or("the follow-up")?;
    assert_eq!(f.last_agent, Some(agent), "the case's last agent");
    assert_eq!(q.last_agent, None);
    let only = s.routing_work(Some(&[waiting.id, done.id])).await?;
    assert_eq!(
        only.iter().map(|w| w.id).collect::<Vec<_>>(),
        vec![waiting.id]
    );
    assert_eq!(only[0], w, "the same reading for given ones");
    for a in [queued.id, waiting.id, follow_up.id] {
        s.act_on_activity(a, ActivityAction::Abandon, None, Actor::System, at(7))
            .await?;
    }
    for action in [ActivityAction::Start, ActivityAction::Complete] {
        s.act_on_activity(held.id, action, None, Actor::System, at(8))
            .await?;
    }
    Ok(())
}
