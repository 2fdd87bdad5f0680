//! Web chat's use cases: a customer starts a chat from an entry point's pre-chat form
//! ([`App::start_chat`], routed by the department's start workflows), either side writes
//! ([`App::post_chat`]) or ends it ([`App::end_chat`]); afterwards the customer answers the
//! survey ([`App::answer_survey`]) and may have the transcript mailed
//! ([`App::send_transcript`]). Every message is stored (and numbered) before anyone is told of
//! it; then the [`ChatHub`] relays it to whoever follows the chat on this server.

mod after;
mod end;
mod hub;
pub(crate) mod route;
mod start;
mod talk;
mod watch;

pub use end::Ending;
pub use hub::{ChatHub, ChatSignal, ChatWire, Presence, Subscription, TOPIC};
pub use start::{StartChat, StartedChat};
pub use watch::Watched;
