//! Web callback and delayed callback: a customer asks to be called ([`request`]: the customer
//! found by number or address or created, a case, a callback activity queued — for a delayed
//! callback not before its time — the callback record, the confirmation mail), and an agent
//! records how each call went ([`outcome`]: done, offered again later, or ended as unreachable
//! with word to the customer). The server never dials; the agent's phone system does.

pub mod outcome;
pub mod request;

pub use outcome::RecordedCall;
pub use request::{RequestCallback, RequestedCallback};
