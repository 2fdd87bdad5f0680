//! Webhook deliveries, the services' part: where a delivery may go (`target.rs`: the target's
//! name resolved and every address it gives checked against the policy), the HTTP client that
//! connects only to checked addresses (`client.rs`), and the sender that sends what is due and
//! records each attempt (`sender.rs`).

pub mod client;
pub mod sender;
pub mod target;
