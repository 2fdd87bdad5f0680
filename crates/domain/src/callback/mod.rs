//! Web callback and delayed callback as data: a department's callback settings (default country,
//! attempts, retry delay, the softphone link), what a customer's request becomes (`request`: name,
//! a phone number in E.164, an email address, and for a delayed callback a time offered within the
//! entry point's business hours), the times a delayed callback may be asked for (`times`), the
//! record kept beside the activity (`record`), and what an agent's call outcome does next
//! (`outcome`: done, call again at a time, or unreachable).

pub mod mail;
pub mod outcome;
pub mod phone;
pub mod record;
pub mod request;
pub mod settings;
pub mod times;

#[cfg(test)]
mod tests;

pub use outcome::{CallOutcome, Next, OutcomeInput, decide};
pub use phone::{e164, softphone_link};
pub use record::{Callback, CallbackState, NewCallback};
pub use request::{CallbackAsk, CallbackRequest, check_request};
pub use settings::CallbackSettings;
pub use times::{TimeRules, check_time, times};
