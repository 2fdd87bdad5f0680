//! Test support for Switchboard's system tests: real mail servers started as plain processes on
//! loopback, each in its own temporary directory, on free ports, and torn down on `Drop`.
//!
//! - [`Dovecot`]: IMAP and POP3 (plain, STARTTLS and implicit TLS) over Maildir, with helpers to
//!   deliver, count and read messages behind the server's back.
//! - [`SmtpSink`]: an SMTP server (Python `aiosmtpd`) that stores every accepted message into a
//!   Maildir — typically a Dovecot user's, so a test can read the "customer's mailbox" over IMAP.
//!   Optional STARTTLS, SMTPS, AUTH and scripted failures for chosen recipients.
//! - [`Haproxy`]: a load balancer in front of a cluster's nodes.
//! - [`Postgres`]: a PostgreSQL server of the test's own, to stop and start under load.
//! - [`S3Server`]: an S3-compatible object store (moto's server) with one bucket.
//! - [`WebhookReceiver`]: an HTTP receiver that verifies webhook signatures with the Standard
//!   Webhooks reference library.
//! - [`TestCa`]: a throwaway certificate authority and a `localhost`/`127.0.0.1` server
//!   certificate that rustls accepts.
//! - [`pdf_text`] and [`xlsx_rows`]: exported documents read back with independent tools.
//! - [`free_port`] and [`require_or_skip`].
//!
//! The API is synchronous and every call returns quickly (starting a server waits at most a few
//! seconds for its ports), so it can be used from `#[tokio::test]` as well as from plain tests.
//! Servers need `dovecot-imapd dovecot-pop3d openssl` from Debian and a virtualenv with
//! `aiosmtpd`; `scripts/test` installs them.
//!
//! Processes never outlive the harness: `Drop` stops them (SIGTERM, bounded wait, then SIGKILL of
//! every process of the instance), and each server also stops by itself when the test process
//! dies, because it watches a pipe from the test process and exits at end of file.

// This is test support: failing loudly with a clear message is the right way to report a broken
// environment, so `expect`, `unwrap` and `panic` are allowed here.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod ca;
mod documents;
mod dovecot;
mod haproxy;
mod maildir;
mod postgres;
mod process;
mod s3;
mod smtp;
mod webhook_receiver;

pub use ca::TestCa;
pub use documents::{pdf_text, xlsx_rows};
pub use dovecot::Dovecot;
pub use haproxy::Haproxy;
pub use postgres::Postgres;
pub use s3::S3Server;
pub use smtp::{Envelope, SmtpSink, SmtpSinkBuilder};
pub use webhook_receiver::WebhookReceiver;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;

/// Ports handed out by [`free_port`] in this process; never handed out twice, so two harnesses
/// in one test binary cannot collide (a stopped server keeps its ports for `start_again`).
static RESERVED_PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// A TCP port on 127.0.0.1 that was free a moment ago and that this process has not handed out
/// before.
pub fn free_port() -> u16 {
    let mut reserved = RESERVED_PORTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for _ in 0..1000 {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 to find a free port");
        let port = listener
            .local_addr()
            .expect("local address of a bound listener")
            .port();
        if reserved.insert(port) {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 after 1000 tries");
}

/// Whether the external tool `what` is available; tests call it first and return early when it
/// is not: `if !require_or_skip("dovecot") { return; }`.
///
/// Known names: `"dovecot"` (Dovecot with IMAP and POP3, and `openssl` for its certificates),
/// `"aiosmtpd"` or `"python"` (the interpreter [`SmtpSink`] uses, with `aiosmtpd`
/// importable), `"moto"` (the same interpreter with `moto[server]`, for [`S3Server`]),
/// `"openssl"`; any other name is looked up as a program on `PATH`.
///
/// When it is missing: with the `CI` environment variable set this panics (CI must run every
/// test); otherwise it prints `skipping: <what> not installed (run scripts/test)` and returns
/// `false`.
pub fn require_or_skip(what: &str) -> bool {
    let available = match what {
        "dovecot" => dovecot::available() && program_on_path("openssl"),
        "aiosmtpd" | "python" | "smtp" => smtp::python().is_ok(),
        "moto" | "s3" => s3::available(),
        "standardwebhooks" | "webhooks" => webhook_receiver::available(),
        "postgres" | "postgresql" => postgres::available(),
        "haproxy" => program_on_path("haproxy") || program_on_path("/usr/sbin/haproxy"),
        other => program_on_path(other),
    };
    if available {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{what} not installed, and CI is set so tests may not be skipped (run scripts/test)"
        );
    }
    eprintln!("skipping: {what} not installed (run scripts/test)");
    false
}

/// Whether an executable called `name` is on `PATH` (or is an absolute path that exists).
fn program_on_path(name: &str) -> bool {
    if name.contains('/') {
        return std::path::Path::new(name).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
}

/// The workspace root: two levels above this crate's manifest.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or(manifest)
}
