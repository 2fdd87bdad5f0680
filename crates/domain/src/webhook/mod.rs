//! Webhooks: what other systems hear of the events here. A subscription names a target URL and
//! the event kinds it wants (`subscription.rs`); a delivery's body is the event in the Standard
//! Webhooks envelope (`body.rs`); each delivery is signed per the Standard Webhooks spec (`sign.rs`),
//! tried again on a schedule that spans more than a day (`retry.rs`), and sent only to a target
//! whose address the policy allows (`target.rs`). What an attempt's outcome means is
//! `delivery.rs`. These are the pure rules; storing deliveries and sending them belong to the
//! layers above.

pub mod body;
pub mod delivery;
pub mod notice;
pub mod retry;
pub mod sign;
pub mod subscription;
pub mod target;

pub use body::body;
pub use delivery::{
    AfterAttempt, DeliveryStatus, WebhookAttempt, WebhookDelivery, after_attempt,
    after_attempt_scaled,
};
pub use notice::switched_off_notice;
pub use retry::{
    DISABLE_AFTER, FIRST_RETRY_SECS, RETRY_DELAYS_SECS, next_attempt_secs, next_attempt_secs_scaled,
};
pub use sign::{Secret, Signature, sign};
pub use subscription::{NewWebhook, Webhook, WebhookPatch, WebhookWithSecret, delivery_id};
pub use target::{TargetPolicy, check_url, refusal};
