//! The choice of review queue for a reply that needs review: a pure decision over the queues the
//! reply use case reads. Nothing is sent unreviewed: when no review queue fits, the reply is
//! refused with a reason the agent can act on.

use crate::ids::{DepartmentId, QueueId};
use crate::queue::Queue;
use crate::queue_use::QueueUse;

/// Why a reply that needs review cannot be held for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefusal {
    /// No queue was named and the answered activity is in no queue.
    #[error(
        "this reply needs review, but the activity is in no queue, so there is no review queue to send it to"
    )]
    NoQueue,
    /// The answered activity's queue links no review queue.
    #[error("this reply needs review, but queue {0} has no review queue; link one to the queue")]
    NoneLinked(String),
    /// The chosen queue is not an active review queue of the department.
    #[error(
        "this reply needs review, but queue {0} is not an active review queue of the department"
    )]
    NotUsable(String),
    /// The chosen queue no longer exists.
    #[error("this reply needs review, but review queue {0} is gone")]
    Gone(QueueId),
}

/// Which queue to hold the reply in: the one a workflow named, else the review queue linked to
/// the answered activity's queue (`answered`, none when the activity is in no queue).
pub fn wanted_queue(
    named: Option<QueueId>,
    answered: Option<&Queue>,
) -> Result<QueueId, ReviewRefusal> {
    if let Some(q) = named {
        return Ok(q);
    }
    let queue = answered.ok_or(ReviewRefusal::NoQueue)?;
    queue
        .review_queue_id
        .ok_or_else(|| ReviewRefusal::NoneLinked(queue.name.clone()))
}

/// Whether `candidate` (the queue [`wanted_queue`] chose, read by its id `id`; none when gone)
/// takes replies of department `dept` for review.
pub fn usable_queue(
    dept: DepartmentId,
    id: QueueId,
    candidate: Option<&Queue>,
) -> Result<QueueId, ReviewRefusal> {
    match candidate {
        None => Err(ReviewRefusal::Gone(id)),
        Some(q) if q.accepts(dept, QueueUse::Review).is_ok() => Ok(id),
        Some(q) => Err(ReviewRefusal::NotUsable(q.name.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::QueueKind;

    fn queue(id: i64, dept: i64, kind: QueueKind, active: bool, linked: Option<i64>) -> Queue {
        serde_json::from_value(serde_json::json!({
            "id": id, "department_id": dept, "name": format!("q{id}"), "description": "",
            "kind": kind, "routing": {"type": "manual"}, "agent_order": "longest_available",
            "service_level_secs": 60, "priority": 5, "active": active, "review_queue_id": linked,
            "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn wanted_queue_table() {
        let linked = queue(1, 1, QueueKind::Standard, true, Some(5));
        let unlinked = queue(2, 1, QueueKind::Standard, true, None);
        type Row<'a> = (
            Option<i64>,
            Option<&'a Queue>,
            Result<QueueId, ReviewRefusal>,
        );
        let cases: &[Row<'_>] = &[
            (Some(9), None, Ok(QueueId(9))),
            (Some(9), Some(&linked), Ok(QueueId(9))),
            (None, Some(&linked), Ok(QueueId(5))),
            (
                None,
                Some(&unlinked),
                Err(ReviewRefusal::NoneLinked("q2".into())),
            ),
            (None, None, Err(ReviewRefusal::NoQueue)),
        ];
        for (named, answered, want) in cases {
            assert_eq!(
                &wanted_queue(named.map(QueueId), *answered),
                want,
                "named {named:?}"
            );
        }
    }

    #[test]
    fn usable_queue_table() {
        use QueueKind::{Exception, Review, Standard};
        let d = DepartmentId(1);
        let not_usable = |name: &str| Err(ReviewRefusal::NotUsable(name.into()));
        let cases: Vec<(Option<Queue>, Result<QueueId, ReviewRefusal>)> = vec![
            (Some(queue(5, 1, Review, true, None)), Ok(QueueId(5))),
            (Some(queue(5, 1, Review, false, None)), not_usable("q5")),
            (Some(queue(5, 2, Review, true, None)), not_usable("q5")),
            (Some(queue(5, 1, Standard, true, None)), not_usable("q5")),
            (Some(queue(5, 1, Exception, true, None)), not_usable("q5")),
            (None, Err(ReviewRefusal::Gone(QueueId(5)))),
        ];
        for (candidate, want) in cases {
            assert_eq!(
                usable_queue(d, QueueId(5), candidate.as_ref()),
                want,
                "{candidate:?}"
            );
        }
    }

    #[test]
    fn refusals_read_as_before() {
        assert_eq!(
            ReviewRefusal::NoneLinked("Billing".into()).to_string(),
            "this reply needs review, but queue Billing has no review queue; link one to the queue"
        );
        assert_eq!(
            ReviewRefusal::Gone(QueueId(4)).to_string(),
            "this reply needs review, but review queue 4 is gone"
        );
    }
}
