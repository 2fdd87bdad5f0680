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
