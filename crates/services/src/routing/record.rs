//! What the router decided, as life-cycle changes for the store and notices for agents.

use serde::{Deserialize, Serialize};
use switchboard_domain::event::TransitionDetails;
use switchboard_domain::{ActivityAction, ActivityId, ActivityStatus, Actor, Timestamp, UserId};
use switchboard_routing::{Action, AssignReason, MoveReason, Pin, ReturnReason};
use switchboard_store::RoutingChange;

/// What an agent is told happened to their work. The names are the agent console's event
/// names: the page hands them to its script ([`NoticeKind::ALL`]), which keeps no list of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Work is offered to the agent.
    Offered,
    /// Work is the agent's.
    Assigned,
    /// The agent's work was set aside by an interruption.
    Paused,
    /// The agent's work resumed.
    Resumed,
    /// The agent was set not ready (an offer ran out, for instance).
    NotReady,
    /// An offer to the agent ran out.
    Expired,
    /// The customer of a chat the agent holds wrote (the list of work shows it unread).
    ChatMessage,
    /// A colleague mentioned the agent in a note (`reason`: who).
    Mentioned,
    /// A supervisor took over work the agent held (`reason`: who).
    TakenOver,
    /// To every agent: notices may have been lost (the cluster bus reconnected); re-read.
    Resync,
    /// The agent's presence changed (logged in or out, ready or not, on which channels): for
    /// monitors; the agent's own stream does not carry it (their console made the change).
    Presence,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 11] = [
        NoticeKind::Offered,
        NoticeKind::Assigned,
        NoticeKind::Paused,
        NoticeKind::Resumed,
        NoticeKind::NotReady,
        NoticeKind::Expired,
        NoticeKind::ChatMessage,
        NoticeKind::Mentioned,
        NoticeKind::TakenOver,
        NoticeKind::Resync,
        NoticeKind::Presence,
    ];

    /// The stable name: the server-sent event's name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Offered => "offered",
            NoticeKind::Assigned => "assigned",
            NoticeKind::Paused => "paused",
            NoticeKind::Resumed => "resumed",
            NoticeKind::NotReady => "not_ready",
            NoticeKind::Expired => "expired",
            NoticeKind::ChatMessage => "chat_message",
            NoticeKind::Mentioned => "mentioned",
            NoticeKind::TakenOver => "taken_over",
            NoticeKind::Resync => "resync",
            NoticeKind::Presence => "presence",
        }
    }
}

/// What an agent is told (on the event bus).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The agent.
    pub agent: UserId,
    /// What happened.
    pub kind: NoticeKind,
    /// The activity, if one.
    pub activity: Option<ActivityId>,
    /// Until when an offer stands.
    pub expires_at: Option<Timestamp>,
    /// Why (a return, a not-ready), or who (a mention, a take-over).
    pub reason: Option<String>,
    /// The case, when it is about one (a mention in a case's note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<switchboard_domain::CaseId>,
}

fn change(
    activity: ActivityId,
    action: ActivityAction,
    actor: Actor,
    details: TransitionDetails,
) -> RoutingChange {
    RoutingChange {
        activity,
        action,
        actor,
        details,
    }
}

/// Details with only a reason.
fn because(reason: &str) -> TransitionDetails {
    TransitionDetails {
        reason: Some(reason.to_string()),
        ..TransitionDetails::default()
    }
}

/// The store change and the agent notice of one router action. `declined_by` is the agent
/// whose decline caused a return (the event's actor).
pub fn action(a: &Action, declined_by: Option<UserId>) -> (Option<RoutingChange>, Option<Notice>) {
    let sys = Actor::System;
    match a {
        Action::Offer {
            activity,
            agent,
            expires_at,
        } => (
            Some(change(
                *activity,
                ActivityAction::Offer { agent_id: *agent },
                sys,
                TransitionDetails {
                    expires_at: Some(*expires_at),
                    ..TransitionDetails::default()
                },
            )),
            Some(notice(
                *agent,
                NoticeKind::Offered,
                Some(*activity),
                Some(*expires_at),
                None,
            )),
        ),
        Action::Assign {
            activity,
            agent,
            reason,
        } => {
            let actor = match reason {
                AssignReason::Pull => Actor::User(*agent),
                _ => sys,
            };
            (
                Some(change(
                    *activity,
                    ActivityAction::Assign { agent_id: *agent },
                    actor,
                    because(reason.as_str()),
                )),
                Some(notice(
                    *agent,
                    NoticeKind::Assigned,
                    Some(*activity),
                    None,
                    None,
                )),
            )
        }
        Action::Return {
            activity,
            queue,
            reason,
            pin,
            not_for,
        } => {
            let (act, actor) = match reason {
                ReturnReason::Declined => (
                    ActivityAction::Decline,
                    declined_by.map_or(sys, Actor::User),
                ),
                ReturnReason::OfferTimedOut => (ActivityAction::OfferTimeout, sys),
                ReturnReason::AgentLoggedOut | ReturnReason::AgentGone => {
                    (ActivityAction::Queue { queue_id: *queue }, sys)
                }
            };
            // Queued again: whom it waits for and whom it is never for travel with the event
            // (read back after a restart).
            let details = TransitionDetails {
                for_user_id: match pin {
                    Some(Pin::Agent(u)) => Some(*u),
                    _ => None,
                },
                for_group_id: match pin {
                    Some(Pin::Group(g)) => Some(*g),
                    _ => None,
                },
                not_for_user_id: *not_for,
                ..because(reason.as_str())
            };
            (Some(change(*activity, act, actor, details)), None)
        }
        Action::Move {
            activity,
            to,
            reason,
            abandoned,
            from,
            group,
        } => {
            let details = TransitionDetails {
                reason: Some(reason.as_str().to_string()),
                from_queue_id: Some(*from),
                counts_as_abandoned: Some(*abandoned),
                // Read back after a restart: the work waits for the group again.
                for_group_id: *group,
                ..TransitionDetails::default()
            };
            let act = match to {
                Some(q) => ActivityAction::Queue { queue_id: *q },
                None => ActivityAction::Abandon,
            };
            let actor = if *reason == MoveReason::Transfer {
                declined_by.map_or(sys, Actor::User)
            } else {
                sys
            };
            (Some(change(*activity, act, actor, details)), None)
        }
        Action::Pause { activity, agent } => (
            Some(change(
                *activity,
                ActivityAction::Pause,
                sys,
                because("interrupted"),
            )),
            Some(notice(
                *agent,
                NoticeKind::Paused,
                Some(*activity),
                None,
                None,
            )),
        ),
        Action::Resume { activity, agent } => (
            Some(change(
                *activity,
                ActivityAction::Resume,
                sys,
                TransitionDetails::default(),
            )),
            Some(notice(
                *agent,
                NoticeKind::Resumed,
                Some(*activity),
                None,
                None,
            )),
        ),
        Action::NotReady { agent, reason } => (
            None,
            Some(notice(
                *agent,
                NoticeKind::NotReady,
                None,
                None,
                Some(reason.clone()),
            )),
        ),
        Action::Expired { activity, agent } => (
            None,
            Some(notice(
                *agent,
                NoticeKind::Expired,
                Some(*activity),
                None,
                None,
            )),
        ),
    }
}

fn notice(
    agent: UserId,
    kind: NoticeKind,
    activity: Option<ActivityId>,
    expires_at: Option<Timestamp>,
    reason: Option<String>,
) -> Notice {
    Notice {
        agent,
        kind,
        activity,
        expires_at,
        reason,
        case: None,
    }
}

/// Whether an activity in `status` is one the router holds.
pub fn is_open(status: ActivityStatus) -> bool {
    matches!(
        status,
        ActivityStatus::Queued
            | ActivityStatus::Offered
            | ActivityStatus::Assigned
            | ActivityStatus::InProgress
            | ActivityStatus::Paused
    )
}

#[cfg(test)]
mod notice_tests {
    use super::NoticeKind;

    #[test]
    fn names_are_the_serialized_names() {
        for k in NoticeKind::ALL {
            let json = serde_json::to_value(k).unwrap_or_default();
            assert_eq!(json.as_str(), Some(k.as_str()));
        }
    }
}

#[cfg(test)]
mod return_tests {
    use super::*;
    use switchboard_domain::{QueueId, UserGroupId};

    #[test]
    fn work_queued_again_keeps_whom_it_is_for_and_never_for() {
        let back = |reason, pin| Action::Return {
            activity: ActivityId(7),
            queue: QueueId(3),
            reason,
            pin,
            not_for: Some(UserId(5)),
        };
        for reason in [ReturnReason::AgentLoggedOut, ReturnReason::AgentGone] {
            let (change, _) = action(&back(reason, Some(Pin::Group(UserGroupId(2)))), None);
            let change = change.unwrap_or_else(|| panic!("a change"));
            assert_eq!(
                change.action,
                ActivityAction::Queue {
                    queue_id: QueueId(3)
                }
            );
            assert_eq!(
                change.details.not_for_user_id,
                Some(UserId(5)),
                "{reason:?}"
            );
            assert_eq!(change.details.for_group_id, Some(UserGroupId(2)));
            assert_eq!(change.details.reason.as_deref(), Some(reason.as_str()));
        }
        let (change, _) = action(
            &back(ReturnReason::AgentGone, Some(Pin::Agent(UserId(9)))),
            None,
        );
        let change = change.unwrap_or_else(|| panic!("a change"));
        assert_eq!(
            (change.details.for_user_id, change.details.for_group_id),
            (Some(UserId(9)), None)
        );
    }
}
