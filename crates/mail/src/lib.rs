//! Switchboard's mail edge: the only crate that knows MIME and mail protocols.
//!
//! - Pure parts (no I/O, no clock): [`parse`] turns raw bytes into an [`parse::ParsedMail`],
//!   [`classify`] recognises auto-replies and bounces, [`thread`] normalises Message-IDs,
//!   [`sanitize`] cleans customer HTML, [`build`] writes outbound RFC 5322 messages.
//! - Protocol clients (tokio): [`tls`] (rustls with ring, extra trusted CAs), [`imap`],
//!   [`pop3`] (written here: no maintained async crate exists), [`smtp`].

pub mod build;
pub mod classify;
pub mod imap;
pub mod inbound;
pub mod left;
pub mod parse;
pub mod pop3;
pub mod sanitize;
mod sanitize_depth;
pub mod smtp;
pub mod stream;
pub mod thread;
pub mod tls;

pub use stream::MailStream;
pub use tls::{TlsError, TlsTrust};

/// Log targets of the protocol libraries that write the commands they send — the IMAP `LOGIN`
/// line, the SMTP `AUTH` exchange — at their debug and trace levels. Whatever filter is set,
/// nothing above `info` may be logged from them (the server's logging enforces it).
pub const CREDENTIAL_LOG_TARGETS: &[&str] = &["async_imap", "imap_proto", "lettre"];
