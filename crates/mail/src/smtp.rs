//! Sending through an alias's SMTP server (lettre, tokio, rustls with ring). One pooled transport
//! per alias; failures are sorted into transient (retry later) and permanent (a delivery
//! exception) so the dispatcher can act on them.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, PoolConfig};
use lettre::{AsyncTransport, Tokio1Executor};
use switchboard_domain::{MailSecurity, OutgoingServer};

use crate::tls::TlsTrust;

/// How sending one message failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later (4xx reply, connection trouble, timeout).
    #[error("transient: {0}")]
    Transient(String),
    /// Will never work as is (5xx reply, bad address, bad configuration).
    #[error("permanent: {message}")]
    Permanent {
        /// The SMTP reply code, when the server gave one.
        code: Option<String>,
        /// Explanation.
        message: String,
    },
}

/// A pooled connection to one SMTP server.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpSender")
    }
}

impl SmtpSender {
    /// A sender for `server`; `connections` is the most connections kept open at once.
    pub fn new(
        server: &OutgoingServer,
        password: Option<&str>,
        trust: &TlsTrust,
        timeout: Duration,
        connections: u32,
    ) -> Result<SmtpSender, SendError> {
        let bad = |e: lettre::transport::smtp::Error| SendError::Permanent {
            code: None,
            message: format!("SMTP settings: {e}"),
        };
        let tls = match server.security {
            MailSecurity::None => Tls::None,
            MailSecurity::Starttls | MailSecurity::Tls => {
                let mut b = TlsParameters::builder(server.host.clone());
                for der in trust.extra_certificates() {
                    b = b.add_root_certificate(Certificate::from_der(der).map_err(bad)?);
                }
                let params = b.build_rustls().map_err(bad)?;
                if server.security == MailSecurity::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.host.as_str())
                .port(server.port)
                .tls(tls)
                .timeout(Some(timeout))
                .pool_config(PoolConfig::new().max_size(connections.max(1)));
        if let Some(user) = &server.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.unwrap_or_default().to_string(),
            ));
        }
        Ok(SmtpSender {
            transport: builder.build(),
        })
    }

    /// Sends `raw` from `from` to `recipients`; returns the server's reply text.
    pub async fn send(
        &self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<String, SendError> {
        let parse = |a: &str| {
            a.parse::<lettre::Address>()
                .map_err(|e| SendError::Permanent {
                    code: None,
                    message: format!("bad address {a:?}: {e}"),
                })
        };
        let to = recipients
            .iter()
            .map(|r| parse(r))
            .collect::<Result<Vec<_>, _>>()?;
        let envelope = Envelope::new(Some(parse(from)?), to).map_err(|e| SendError::Permanent {
            code: None,
            message: format!("envelope: {e}"),
        })?;
        match self.transport.send_raw(&envelope, raw).await {
            Ok(resp) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
            Err(e) if e.is_permanent() => Err(SendError::Permanent {
                code: e.status().map(|c| c.to_string()),
                message: e.to_string(),
            }),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}
