//! The activity life cycle: which action may happen in which status, and where it leads.
//!
//! ```text
//!  New ──queue──▶ Queued ──offer──▶ Offered ──accept──▶ Assigned ──start──▶ InProgress ⇄ Paused
//!   │               ▲  ◀──decline/timeout──┘     ▲          │  (pause/resume)   │
//!   │               └──────────── queue (transfer/requeue) ─┴───────────────────┤
//!   ├── assign (direct, pull, transfer; also from Offered) ─▶ Assigned                  │
//!   └── complete ──▶ Completed ◀───────────────── complete ──────────────────────┘
//!  New/Queued/Offered ── abandon ──▶ Abandoned
//! ```
//!
//! Completed and Abandoned are final. Everything else is refused with a [`TransitionError`].

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::TransitionError;
use crate::ids::{QueueId, UserId};

/// Where an activity is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Created, workflows not yet done.
    New,
    /// Waiting in a queue for an agent.
    Queued,
    /// Offered to an agent who has not accepted yet.
    Offered,
    /// Owned by an agent, not being worked on.
    Assigned,
    /// An agent is working on it.
    InProgress,
    /// Put aside by an interruption; resumes later.
    Paused,
    /// Done.
    Completed,
    /// The customer went away or it waited too long.
    Abandoned,
}

impl ActivityStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [ActivityStatus; 8] = [
        ActivityStatus::New,
        ActivityStatus::Queued,
        ActivityStatus::Offered,
        ActivityStatus::Assigned,
        ActivityStatus::InProgress,
        ActivityStatus::Paused,
        ActivityStatus::Completed,
        ActivityStatus::Abandoned,
    ];

    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::New => "new",
            ActivityStatus::Queued => "queued",
            ActivityStatus::Offered => "offered",
            ActivityStatus::Assigned => "assigned",
            ActivityStatus::InProgress => "in_progress",
            ActivityStatus::Paused => "paused",
            ActivityStatus::Completed => "completed",
            ActivityStatus::Abandoned => "abandoned",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<ActivityStatus> {
        ActivityStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether nothing more can happen to the activity.
    pub fn is_final(self) -> bool {
        matches!(self, ActivityStatus::Completed | ActivityStatus::Abandoned)
    }
}

impl std::fmt::Display for ActivityStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part of an activity the life cycle changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityState {
    /// Status.
    pub status: ActivityStatus,
    /// The queue it waits in or came from.
    pub queue_id: Option<QueueId>,
    /// The agent it is offered or assigned to.
    pub assignee_id: Option<UserId>,
}

/// Something that happens to an activity. Each becomes one event in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActivityAction {
    /// Put into a queue: first queueing, requeue, or transfer to a queue.
    Queue {
        /// The queue.
        queue_id: QueueId,
    },
    /// Offer to an agent.
    Offer {
        /// The agent.
        agent_id: UserId,
    },
    /// The agent accepts the offer.
    Accept,
    /// The agent declines the offer; it goes back to its queue.
    Decline,
    /// The offer was not accepted in time; it goes back to its queue.
    OfferTimeout,
    /// Give straight to an agent: pull, direct assignment or transfer to an agent.
    Assign {
        /// The agent.
        agent_id: UserId,
    },
    /// The agent opens it and starts working.
    Start,
    /// Set aside by an interruption.
    Pause,
    /// Back to work after a pause.
    Resume,
    /// Done.
    Complete,
    /// The customer left, or it waited too long.
    Abandon,
}

impl ActivityAction {
    /// The stable name, also the event kind it produces.
    pub fn name(self) -> &'static str {
        match self {
            ActivityAction::Queue { .. } => "queue",
            ActivityAction::Offer { .. } => "offer",
            ActivityAction::Accept => "accept",
            ActivityAction::Decline => "decline",
            ActivityAction::OfferTimeout => "offer_timeout",
            ActivityAction::Assign { .. } => "assign",
            ActivityAction::Start => "start",
            ActivityAction::Pause => "pause",
            ActivityAction::Resume => "resume",
            ActivityAction::Complete => "complete",
            ActivityAction::Abandon => "abandon",
        }
    }

    /// Applies the action to `state`, or refuses it.
    pub fn apply(self, state: ActivityState) -> Result<ActivityState, TransitionError> {
        use ActivityStatus::*;
        let refuse = || TransitionError {
            action: self.name(),
            from: state.status,
        };
        let to = |status, queue_id, assignee_id| ActivityState {
            status,
            queue_id,
            assignee_id,
        };
        match (self, state.status) {
            (
                ActivityAction::Queue { queue_id },
                New | Queued | Offered | Assigned | InProgress | Paused,
            ) => Ok(to(Queued, Some(queue_id), None)),
            (ActivityAction::Offer { agent_id }, Queued) => {
                Ok(to(Offered, state.queue_id, Some(agent_id)))
            }
            (ActivityAction::Accept, Offered) => {
                Ok(to(Assigned, state.queue_id, state.assignee_id))
            }
            (ActivityAction::Decline | ActivityAction::OfferTimeout, Offered) => {
                Ok(to(Queued, state.queue_id, None))
            }
            (
                ActivityAction::Assign { agent_id },
                New | Queued | Offered | Assigned | InProgress | Paused,
            ) => Ok(to(Assigned, state.queue_id, Some(agent_id))),
            (ActivityAction::Start, Assigned) | (ActivityAction::Resume, Paused) => {
                Ok(to(InProgress, state.queue_id, state.assignee_id))
            }
            (ActivityAction::Pause, InProgress) => {
                Ok(to(Paused, state.queue_id, state.assignee_id))
            }
            (ActivityAction::Complete, New | Assigned | InProgress | Paused) => {
                Ok(to(Completed, state.queue_id, state.assignee_id))
            }
            (ActivityAction::Abandon, New | Queued | Offered) => {
                Ok(to(Abandoned, state.queue_id, None))
            }
            _ => Err(refuse()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn state(status: ActivityStatus) -> ActivityState {
        ActivityState {
            status,
            queue_id: Some(QueueId(1)),
            assignee_id: Some(UserId(7)),
        }
    }

    #[test]
    fn email_walks_its_happy_path() {
        let mut s = state(ActivityStatus::New);
        s.assignee_id = None;
        let steps = [
            ActivityAction::Queue {
                queue_id: QueueId(2),
            },
            ActivityAction::Offer {
                agent_id: UserId(9),
            },
            ActivityAction::Accept,
            ActivityAction::Start,
            ActivityAction::Pause,
            ActivityAction::Resume,
            ActivityAction::Complete,
        ];
        let mut seen = vec![];
        for a in steps {
            s = a.apply(s).unwrap_or_else(|e| panic!("{e}"));
            seen.push(s.status.as_str());
        }
        assert_eq!(
            seen,
            [
                "queued",
                "offered",
                "assigned",
                "in_progress",
                "paused",
                "in_progress",
                "completed"
            ]
        );
        assert_eq!(s.assignee_id, Some(UserId(9)));
        assert_eq!(s.queue_id, Some(QueueId(2)));
    }

    #[test]
    fn declined_offer_returns_to_its_queue_without_agent() {
        let s = state(ActivityStatus::Offered);
        let back = ActivityAction::Decline.apply(s);
        assert_eq!(
            back.map(|b| (b.status, b.queue_id, b.assignee_id)),
            Ok((ActivityStatus::Queued, Some(QueueId(1)), None))
        );
    }

    #[test]
    fn illegal_transitions_are_typed_errors() {
        let e = ActivityAction::Start.apply(state(ActivityStatus::Completed));
        assert_eq!(
            e,
            Err(TransitionError {
                action: "start",
                from: ActivityStatus::Completed
            })
        );
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("cannot start an activity that is completed".to_string())
        );
        assert!(
            ActivityAction::Accept
                .apply(state(ActivityStatus::Queued))
                .is_err()
        );
        assert!(
            ActivityAction::Pause
                .apply(state(ActivityStatus::Assigned))
                .is_err()
        );
    }

    fn any_action() -> impl Strategy<Value = ActivityAction> {
        prop_oneof![
            (1i64..4).prop_map(|q| ActivityAction::Queue {
                queue_id: QueueId(q)
            }),
            (1i64..4).prop_map(|a| ActivityAction::Offer {
                agent_id: UserId(a)
            }),
            Just(ActivityAction::Accept),
            Just(ActivityAction::Decline),
            Just(ActivityAction::OfferTimeout),
            (1i64..4).prop_map(|a| ActivityAction::Assign {
                agent_id: UserId(a)
            }),
            Just(ActivityAction::Start),
            Just(ActivityAction::Pause),
            Just(ActivityAction::Resume),
            Just(ActivityAction::Complete),
            Just(ActivityAction::Abandon),
        ]
    }

    proptest! {
        /// Whatever happens: final states stay final, work in hand always has an agent, and
        /// waiting work never has one.
        #[test]
        fn invariants_hold_over_any_sequence(actions in proptest::collection::vec(any_action(), 0..40)) {
            let mut s = ActivityState { status: ActivityStatus::New, queue_id: None, assignee_id: None };
            for a in actions {
                match a.apply(s) {
                    Ok(next) => {
                        prop_assert!(!s.status.is_final());
                        match next.status {
                            ActivityStatus::Offered | ActivityStatus::Assigned
                            | ActivityStatus::InProgress | ActivityStatus::Paused => prop_assert!(next.assignee_id.is_some()),
                            ActivityStatus::Queued => {
                                prop_assert!(next.assignee_id.is_none());
                                prop_assert!(next.queue_id.is_some());
                            }
                            _ => {}
                        }
                        s = next;
                    }
                    Err(e) => prop_assert_eq!(e.from, s.status),
                }
            }
        }
    }
}
