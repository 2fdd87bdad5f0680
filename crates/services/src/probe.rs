//! "Test connection" for an alias: log in to its incoming server and its outgoing server the way
//! the retriever and the dispatcher would, and report what each server answered. Nothing is
//! fetched, changed or sent.

use std::time::Duration;

use switchboard_domain::MailProtocol;
use switchboard_mail::imap::ImapConnection;
use switchboard_mail::pop3::{Pop3Client, Pop3Options};
use switchboard_mail::smtp::SmtpSender;
use switchboard_mail::tls::TlsTrust;
use switchboard_store::AliasCredentials;

/// How one server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Whether connecting, securing and logging in all worked.
    pub ok: bool,
    /// The server's answer, or why it failed.
    pub answer: String,
}

impl Probe {
    fn of(r: Result<String, String>) -> Probe {
        match r {
            Ok(answer) => Probe { ok: true, answer },
            Err(answer) => Probe { ok: false, answer },
        }
    }
}

/// Tries the alias's incoming and outgoing servers (at the same time), each within `limit`.
pub async fn alias(creds: &AliasCredentials, trust: &TlsTrust, limit: Duration) -> (Probe, Probe) {
    let (incoming, outgoing) = tokio::join!(
        bounded(limit, incoming(creds, trust, limit)),
        bounded(limit, outgoing(creds, trust, limit))
    );
    (Probe::of(incoming), Probe::of(outgoing))
}

async fn bounded(
    limit: Duration,
    f: impl std::future::Future<Output = Result<String, String>>,
) -> Result<String, String> {
    // Connect, TLS and login are each bounded by `limit`; the whole by a little more.
    tokio::time::timeout(limit * 3, f)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {:?}", limit * 3)))
}

async fn incoming(
    creds: &AliasCredentials,
    trust: &TlsTrust,
    limit: Duration,
) -> Result<String, String> {
    let inc = &creds.alias.incoming;
    let password = creds.incoming_password.as_deref().unwrap_or_default();
    match inc.protocol {
        MailProtocol::Imap => {
            let mut conn = ImapConnection::connect(
                &inc.host,
                inc.port,
                inc.security,
                trust,
                &inc.username,
                password,
                limit,
            )
            .await
            .map_err(|e| e.to_string())?;
            let folder = conn.select(&inc.folder).await.map_err(|e| e.to_string());
            conn.logout().await;
            let folder = folder?;
            Ok(format!(
                "IMAP login as {} worked; {} holds {} messages",
                inc.username, inc.folder, folder.exists
            ))
        }
        MailProtocol::Pop3 => {
            let opts = Pop3Options {
                timeout: limit,
                ..Pop3Options::default()
            };
            let mut client = Pop3Client::connect(&inc.host, inc.port, inc.security, trust, opts)
                .await
                .map_err(|e| e.to_string())?;
            client
                .login(&inc.username, password)
                .await
                .map_err(|e| e.to_string())?;
            let (count, bytes) = client.stat().await.map_err(|e| e.to_string())?;
            let _ = client.quit().await;
            Ok(format!(
                "POP3 login as {} worked; the mailbox holds {count} messages ({bytes} bytes)",
                inc.username
            ))
        }
    }
}

async fn outgoing(
    creds: &AliasCredentials,
    trust: &TlsTrust,
    limit: Duration,
) -> Result<String, String> {
    let sender = SmtpSender::new(
        &creds.alias.outgoing,
        creds.outgoing_password.as_deref(),
        trust,
        limit,
        1,
    )
    .map_err(|e| e.to_string())?;
    sender.probe().await.map_err(|e| e.to_string())
}
