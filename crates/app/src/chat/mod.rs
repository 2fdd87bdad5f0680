//! Web chat's use cases: a customer starts a chat from an entry point's pre-chat form
//! ([`App::start_chat`]), either side writes ([`App::post_chat`]) or ends it
//! ([`App::end_chat`]). Every message is stored (and numbered) before anyone is told of it;
//! then the [`ChatHub`] relays it to whoever follows the chat on this server.

mod end;
mod hub;
mod start;
mod talk;

pub use end::Ending;
pub use hub::{ChatHub, ChatSignal, Subscription};
pub use start::{StartChat, StartedChat};
