//! Sending through an alias's SMTP server: lettre's SMTP protocol over connections we open and
//! pool ourselves, so they get `TCP_NODELAY` (lettre writes the message and its final dot
//! separately; with Nagle's algorithm each message would wait for a delayed ACK) and the same
//! rustls trust as the mail clients. Failures are sorted into transient (retry later) and
//! permanent (a delivery exception) for the dispatcher.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use switchboard_domain::{MailSecurity, OutgoingServer};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::stream::MailStream;
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

impl AsyncTokioStream for MailStream {
    fn peer_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            MailStream::Plain(s) => s.peer_addr(),
            MailStream::Tls(s) => s.get_ref().0.peer_addr(),
        }
    }
}

fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent {
            code: e.status().map(|c| c.to_string()),
            message: e.to_string(),
        }
    } else {
        SendError::Transient(e.to_string())
    }
}

struct Inner {
    host: String,
    port: u16,
    security: MailSecurity,
    starttls: Option<TlsParameters>,
    trust: TlsTrust,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
}

/// Pooled connections to one SMTP server; cheap to clone.
#[derive(Clone)]
pub struct SmtpSender {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("host", &self.inner.host)
            .field("port", &self.inner.port)
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// A sender for `server`; `connections` is the most idle connections kept open.
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
        let starttls = match server.security {
            MailSecurity::Starttls => {
                let mut b = TlsParameters::builder(server.host.clone());
                for der in trust.extra_certificates() {
                    b = b.add_root_certificate(Certificate::from_der(der).map_err(bad)?);
                }
                Some(b.build_rustls().map_err(bad)?)
            }
            MailSecurity::None | MailSecurity::Tls => None,
        };
        let credentials = server
            .username
            .as_ref()
            .map(|u| Credentials::new(u.clone(), password.unwrap_or_default().to_string()));
        Ok(SmtpSender {
            inner: Arc::new(Inner {
                host: server.host.clone(),
                port: server.port,
                security: server.security,
                starttls,
                trust: trust.clone(),
                credentials,
                timeout,
                hello: ClientId::default(),
                idle: Mutex::new(Vec::new()),
                max_idle: connections.max(1) as usize,
            }),
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let i = &self.inner;
        let tcp = TcpStream::connect((i.host.as_str(), i.port))
            .await
            .map_err(|e| {
                SendError::Transient(format!("connecting to {}:{}: {e}", i.host, i.port))
            })?;
        let _ = tcp.set_nodelay(true);
        let stream = match i.security {
            MailSecurity::Tls => i
                .trust
                .connect(tcp, &i.host)
                .await
                .map_err(|e| SendError::Transient(e.to_string()))?,
            MailSecurity::None | MailSecurity::Starttls => MailStream::Plain(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &i.hello)
            .await
            .map_err(classify)?;
        if let Some(params) = &i.starttls {
            conn.starttls(params.clone(), &i.hello)
                .await
                .map_err(classify)?;
        }
        if let Some(c) = &i.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(classify)?;
        }
        Ok(conn)
    }

    /// Connects, secures and logs in as configured, then says goodbye; returns what the server
    /// said about itself (for an administrator's "Test connection").
    pub async fn probe(&self) -> Result<String, SendError> {
        let limit = self.inner.timeout;
        let mut conn = tokio::time::timeout(limit, self.connect())
            .await
            .map_err(|_| SendError::Transient(format!("no answer within {limit:?}")))??;
        let name = conn.server_info().name().to_string();
        let _ = conn.quit().await;
        let login = match &self.inner.credentials {
            Some(_) => ", logged in",
            None => "",
        };
        let tls = match self.inner.security {
            MailSecurity::Tls => " over TLS",
            MailSecurity::Starttls => " with STARTTLS",
            MailSecurity::None => "",
        };
        Ok(format!("{name} answered{tls}{login}"))
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        self.inner.idle.lock().ok().and_then(|mut v| v.pop())
    }

    fn give_back(&self, conn: AsyncSmtpConnection) {
        if let Ok(mut v) = self.inner.idle.lock()
            && v.len() < self.inner.max_idle
        {
            v.push(conn);
        }
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
        let limit = self.inner.timeout;
        // A pooled connection may have been closed by the server while idle: if it fails before
        // the server answered anything, try once more on a fresh connection.
        if let Some(mut conn) = self.take_idle() {
            match timeout(limit, conn.send(&envelope, raw)).await {
                Ok(Ok(resp)) => {
                    self.give_back(conn);
                    return Ok(resp.message().collect::<Vec<_>>().join(" "));
                }
                Ok(Err(e)) if e.is_response() => {
                    conn.abort().await;
                    return Err(classify(e));
                }
                // The connection broke (closed while idle): retry below on a fresh one.
                Ok(Err(_)) => conn.abort().await,
                // No answer: the message may have been taken; never send it twice here.
                Err(_) => {
                    return Err(SendError::Transient(format!("no answer within {limit:?}")));
                }
            }
        }
        let mut conn = timeout(limit, self.connect())
            .await
            .map_err(|_| SendError::Transient(format!("no answer within {limit:?}")))??;
        match timeout(limit, conn.send(&envelope, raw)).await {
            Ok(Ok(resp)) => {
                self.give_back(conn);
                Ok(resp.message().collect::<Vec<_>>().join(" "))
            }
            Ok(Err(e)) => {
                conn.abort().await;
                Err(classify(e))
            }
            Err(_) => Err(SendError::Transient(format!("no answer within {limit:?}"))),
        }
    }
}
