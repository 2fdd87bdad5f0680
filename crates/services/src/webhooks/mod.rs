//! Webhook deliveries, the services' part. So far: where a delivery may go (`target.rs`), the
//! target's name resolved and every address it gives checked against the policy before
//! anything is sent.

pub mod target;
