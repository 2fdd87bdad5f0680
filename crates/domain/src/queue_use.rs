//! The one rule for whether a queue takes work: asked by activity creation and transfers, by
//! ingest, by a workflow's route and by the choice of a review queue.

use crate::ids::DepartmentId;
use crate::queue::{Queue, QueueKind};

/// What a queue is asked to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueUse {
    /// Work of its department (creation, transfer, ingest): any kind.
    Work,
    /// Work a workflow routes there: not a review queue (replies enter those only for review).
    Route,
    /// A reply held for review: a review queue.
    Review,
}

/// Why a queue does not take the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueRefusal {
    /// It belongs to another department.
    OtherDepartment,
    /// It is inactive.
    Inactive,
    /// A review queue asked to take routed work.
    ReviewQueue,
    /// Not a review queue, asked to take a reply for review.
    NotReview,
}

impl Queue {
    /// Whether the queue takes work of department `dept` for `use_`.
    pub fn accepts(&self, dept: DepartmentId, use_: QueueUse) -> Result<(), QueueRefusal> {
        if self.department_id != dept {
            return Err(QueueRefusal::OtherDepartment);
        }
        if !self.active {
            return Err(QueueRefusal::Inactive);
        }
        match (use_, self.kind) {
            (QueueUse::Route, QueueKind::Review) => Err(QueueRefusal::ReviewQueue),
            (QueueUse::Review, QueueKind::Standard | QueueKind::Exception) => {
                Err(QueueRefusal::NotReview)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueueKind::{Exception, Standard};
    use QueueRefusal::*;
    use QueueUse::{Route, Work};

    fn queue(kind: QueueKind, active: bool) -> Queue {
        serde_json::from_value(serde_json::json!({
            "id": 7, "department_id": 1, "name": "q", "description": "", "kind": kind,
            "routing": {"type": "manual"}, "agent_order": "longest_available",
            "service_level_secs": 60, "priority": 5, "active": active, "review_queue_id": null,
            "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_table() {
        let d = DepartmentId(1);
        let table = [
            (Standard, true, Work, Ok(())),
            (Exception, true, Work, Ok(())),
            (QueueKind::Review, true, Work, Ok(())),
            (Standard, true, Route, Ok(())),
            (Exception, true, Route, Ok(())),
            (QueueKind::Review, true, Route, Err(ReviewQueue)),
            (QueueKind::Review, true, QueueUse::Review, Ok(())),
            (Standard, true, QueueUse::Review, Err(NotReview)),
            (Exception, true, QueueUse::Review, Err(NotReview)),
            (Standard, false, Work, Err(Inactive)),
            (QueueKind::Review, false, QueueUse::Review, Err(Inactive)),
        ];
        for (kind, active, use_, want) in table {
            assert_eq!(
                queue(kind, active).accepts(d, use_),
                want,
                "{kind:?} {active} {use_:?}"
            );
        }
        assert_eq!(
            queue(Standard, true).accepts(DepartmentId(2), Work),
            Err(OtherDepartment)
        );
        assert_eq!(
            queue(Standard, false).accepts(DepartmentId(2), Work),
            Err(OtherDepartment)
        );
    }
}
