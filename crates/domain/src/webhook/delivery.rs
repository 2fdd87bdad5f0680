//! A delivery: one event for one subscription, written with the event and tried until the
//! receiver answers 2xx or the retry schedule runs out (or the receiver answers 410 Gone, which
//! unsubscribes). [`after_attempt`] decides what an
//! attempt's outcome means for the delivery and its subscription.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::event::EventKind;
use crate::ids::{EventId, WebhookDeliveryId, WebhookId};
use crate::time::Timestamp;

use super::retry::{DISABLE_AFTER, FIRST_RETRY_SECS, next_attempt_secs_scaled};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// The retry schedule ran out; kept for a replay.
    GivenUp,
}

impl DeliveryStatus {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::GivenUp => "given_up",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "given_up" => Some(DeliveryStatus::GivenUp),
            _ => None,
        }
    }
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    /// Id.
    pub id: WebhookDeliveryId,
    /// The `webhook-id` header, the same on every attempt and replay.
    pub message_id: String,
    /// The subscription.
    pub webhook_id: WebhookId,
    /// The event delivered.
    pub event_id: EventId,
    /// The event's kind.
    pub kind: EventKind,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made (since the last replay).
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<Timestamp>,
    /// The receiver's last HTTP status.
    pub last_status_code: Option<u16>,
    /// The last attempt's error, when there was no HTTP answer or it was not 2xx.
    pub last_error: Option<String>,
    /// Written (with the event).
    pub created_at: Timestamp,
    /// Delivered or given up.
    pub finished_at: Option<Timestamp>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttempt {
    /// When it was made.
    pub at: Timestamp,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// What an attempt's outcome means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Delivered; the subscription's run of given-up deliveries ends.
    Delivered,
    /// Tried again after this many seconds.
    Retry {
        /// Seconds until the next attempt.
        after_secs: u64,
    },
    /// The receiver answered 410 Gone: the delivery is given up and the subscription switched
    /// off at once, as the receiver asked.
    Unsubscribed,
    /// Given up; `disable` when this makes [`DISABLE_AFTER`] in a row for the subscription.
    GivenUp {
        /// Switch the subscription off (and tell its administrators).
        disable: bool,
    },
}

/// Decides after attempt number `attempts` (1 for the first) that got `status` (None: no
/// answer), for a subscription with `given_up_in_a_row` deliveries given up before it;
/// `random` picks the jitter.
pub fn after_attempt(
    status: Option<u16>,
    attempts: u32,
    given_up_in_a_row: u32,
    random: u64,
) -> AfterAttempt {
    after_attempt_scaled(
        status,
        attempts,
        given_up_in_a_row,
        random,
        FIRST_RETRY_SECS,
    )
}

/// [`after_attempt`] on a retry schedule whose first step is `first_retry` seconds.
pub fn after_attempt_scaled(
    status: Option<u16>,
    attempts: u32,
    given_up_in_a_row: u32,
    random: u64,
    first_retry: u64,
) -> AfterAttempt {
    if status.is_some_and(|s| (200..300).contains(&s)) {
        return AfterAttempt::Delivered;
    }
    if status == Some(410) {
        return AfterAttempt::Unsubscribed;
    }
    match next_attempt_secs_scaled(attempts, random, first_retry) {
        Some(after_secs) => AfterAttempt::Retry { after_secs },
        None => AfterAttempt::GivenUp {
            disable: given_up_in_a_row.saturating_add(1) >= DISABLE_AFTER,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_delivers_retries_or_gives_up_and_a_run_of_given_up_switches_off() {
        let cases: &[(Option<u16>, u32, u32, AfterAttempt)] = &[
            (Some(200), 1, 4, AfterAttempt::Delivered),
            (Some(204), 9, 0, AfterAttempt::Delivered),
            (Some(299), 3, 0, AfterAttempt::Delivered),
            (Some(301), 1, 0, AfterAttempt::Retry { after_secs: 30 }),
            (Some(500), 1, 0, AfterAttempt::Retry { after_secs: 30 }),
            (None, 2, 0, AfterAttempt::Retry { after_secs: 150 }),
            (Some(404), 7, 0, AfterAttempt::Retry { after_secs: 43_200 }),
            (Some(410), 1, 0, AfterAttempt::Unsubscribed),
            (Some(500), 8, 0, AfterAttempt::Retry { after_secs: 43_200 }),
            (Some(500), 9, 0, AfterAttempt::GivenUp { disable: false }),
            (None, 9, 3, AfterAttempt::GivenUp { disable: false }),
            (None, 9, 4, AfterAttempt::GivenUp { disable: true }),
            (Some(404), 9, 10, AfterAttempt::GivenUp { disable: true }),
        ];
        for (status, attempts, in_a_row, expected) in cases {
            assert_eq!(
                after_attempt(*status, *attempts, *in_a_row, 0),
                *expected,
                "{status:?} attempt {attempts}, {in_a_row} given up before"
            );
        }
        for s in [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::GivenUp,
        ] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
    }
}
