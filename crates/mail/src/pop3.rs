//! An async POP3 client (RFC 1939) with CAPA and PIPELINING (RFC 2449) and STLS (RFC 2595).
//!
//! The retriever uses it to fetch customer mail: [`Pop3Client::connect`] opens a plain, STLS or
//! implicit-TLS session, [`Pop3Client::login`] authenticates with USER/PASS, [`Pop3Client::uidl`]
//! lists what is there, [`Pop3Client::retr_many`] downloads (pipelined when the server allows it)
//! and [`Pop3Client::quit`] commits any DELE. Dropping a client without `quit` deletes nothing.
//!
//! A hostile server is kept in check: status and listing lines are limited to 8 KiB, messages to
//! [`Pop3Options::max_message_bytes`], and every command to [`Pop3Options::timeout`]. After an
//! error that leaves the session out of step (I/O, timeout, garbage, over-long data) every later
//! command fails with a transient I/O error: reconnect. A `-ERR` reply leaves the session usable.

use std::future::Future;
use std::io::ErrorKind;
use std::time::Duration;

use switchboard_domain::MailSecurity;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::stream::MailStream;
use crate::tls::{TlsError, TlsTrust};

/// Longest accepted status line or listing (CAPA, UIDL, LIST) line, terminator included.
const MAX_LINE: usize = 8 * 1024;
/// Read buffer size: large enough that multi-MB messages need few reads.
const READ_BUFFER: usize = 64 * 1024;
/// Most RETR commands in flight when pipelining; a few hundred bytes of commands, so the server's
/// receive buffer always takes them and neither side can block the other (RFC 2449 section 6.6).
const PIPELINE_WINDOW: usize = 32;

/// A POP3 failure.
#[derive(Debug, thiserror::Error)]
pub enum Pop3Error {
    /// The connection failed or closed.
    #[error("POP3 connection: {0}")]
    Io(#[from] std::io::Error),
    /// TLS could not be set up.
    #[error("POP3 TLS: {0}")]
    Tls(#[from] TlsError),
    /// The server did not finish a command within [`Pop3Options::timeout`].
    #[error("POP3 server did not answer in time")]
    Timeout,
    /// The server answered `-ERR`; the server's text.
    #[error("POP3 server refused: {0}")]
    Server(String),
    /// The server sent something that is not POP3 (garbage, over-long line, unexpected reply).
    #[error("POP3 protocol error: {0}")]
    Protocol(String),
    /// The login was refused (the server's text), or the credentials cannot be sent.
    #[error("POP3 login failed: {0}")]
    Auth(String),
    /// A message is larger than [`Pop3Options::max_message_bytes`].
    #[error("POP3 message exceeds the configured size limit")]
    TooLarge,
    /// STARTTLS was required but the server does not offer STLS.
    #[error("POP3 server does not offer STLS")]
    NoStls,
}

impl Pop3Error {
    /// Whether trying again later may succeed (network, timeout, busy server) rather than needing
    /// an operator (bad credentials, no STLS, untrusted certificate, broken server).
    pub fn is_transient(&self) -> bool {
        match self {
            Pop3Error::Io(_) | Pop3Error::Timeout => true,
            // tokio-rustls reports TLS alerts and certificate failures as InvalidData.
            Pop3Error::Tls(TlsError::Handshake { source, .. }) => {
                source.kind() != ErrorKind::InvalidData
            }
            Pop3Error::Tls(_) => false,
            Pop3Error::Server(text) => {
                !matches!(response_code(text).as_deref(), Some("AUTH" | "SYS/PERM"))
            }
            Pop3Error::Protocol(_)
            | Pop3Error::Auth(_)
            | Pop3Error::TooLarge
            | Pop3Error::NoStls => false,
        }
    }

    /// Whether the session is still in step after this error.
    fn keeps_session(&self) -> bool {
        matches!(self, Pop3Error::Server(_) | Pop3Error::Auth(_))
    }
}

/// The RFC 2449 response code at the start of a `-ERR` text (`[IN-USE] ...`), upper-cased.
fn response_code(text: &str) -> Option<String> {
    let (code, _) = text.strip_prefix('[')?.split_once(']')?;
    Some(code.to_ascii_uppercase())
}

/// Limits for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pop3Options {
    /// Longest wait for one command, from sending it to the end of its reply; also bounds the TCP
    /// connect and TLS handshake. Must cover downloading the largest message.
    pub timeout: Duration,
    /// Largest message accepted by RETR (default 64 MiB); also bounds a listing's total size.
    pub max_message_bytes: usize,
}

impl Default for Pop3Options {
    fn default() -> Self {
        Pop3Options {
            timeout: Duration::from_secs(60),
            max_message_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A POP3 session (AUTHORIZATION state after [`connect`](Pop3Client::connect), TRANSACTION state
/// after [`login`](Pop3Client::login)).
#[derive(Debug)]
pub struct Pop3Client {
    wire: Wire,
    capabilities: Vec<String>,
    timeout: Duration,
    broken: bool,
}

impl Pop3Client {
    /// Connects, reads the greeting and the capabilities, and upgrades with STLS when `security`
    /// is [`MailSecurity::Starttls`] (failing with [`Pop3Error::NoStls`] if it is not offered).
    pub async fn connect(
        host: &str,
        port: u16,
        security: MailSecurity,
        trust: &TlsTrust,
        opts: Pop3Options,
    ) -> Result<Self, Pop3Error> {
        let t = opts.timeout;
        let tcp = within(t, async { Ok(TcpStream::connect((host, port)).await?) }).await?;
        // Commands are small and we wait for the reply: no point in Nagle's delay.
        let _ = tcp.set_nodelay(true);
        let stream = match security {
            MailSecurity::Tls => within(t, async { Ok(trust.connect(tcp, host).await?) }).await?,
            MailSecurity::None | MailSecurity::Starttls => MailStream::Plain(tcp),
        };
        let mut wire = Wire::new(stream, opts.max_message_bytes);
        within(t, wire.status()).await?;
        let mut capabilities = within(t, wire.capa()).await?;
        if security == MailSecurity::Starttls {
            if !has_capability(&capabilities, "STLS") {
                return Err(Pop3Error::NoStls);
            }
            within(t, wire.command("STLS", "STLS")).await?;
            let tcp = wire.into_plain()?;
            let tls = within(t, async { Ok(trust.connect(tcp, host).await?) }).await?;
            wire = Wire::new(tls, opts.max_message_bytes);
            // RFC 2595: forget what was learnt before the upgrade.
            capabilities = within(t, wire.capa()).await?;
        }
        Ok(Pop3Client {
            wire,
            capabilities,
            timeout: t,
            broken: false,
        })
    }

    /// Authenticates with USER and PASS. A refusal is [`Pop3Error::Auth`], except a temporary one
    /// (`[IN-USE]`, `[LOGIN-DELAY]`, `[SYS/TEMP]`) which is [`Pop3Error::Server`].
    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), Pop3Error> {
        if [user, password]
            .iter()
            .any(|s| s.contains(['\r', '\n', '\0']))
        {
            return Err(Pop3Error::Auth(
                "user name or password contains CR, LF or NUL".into(),
            ));
        }
        let login = async {
            self.wire
                .command("USER", &format!("USER {user}"))
                .await
                .map_err(refused_login)?;
            self.wire
                .command("PASS", &format!("PASS {password}"))
                .await
                .map_err(refused_login)?;
            Ok(())
        };
        guarded(&mut self.broken, self.timeout, login).await
    }

    /// The CAPA lines (after STLS: the ones given over TLS); empty when the server has no CAPA.
    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// Whether the server announced the capability `name` (first word of a CAPA line, any case).
    pub fn has_capability(&self, name: &str) -> bool {
        has_capability(&self.capabilities, name)
    }

    /// STAT: number of messages and their total size in octets.
    pub async fn stat(&mut self) -> Result<(u32, u64), Pop3Error> {
        let text = guarded(
            &mut self.broken,
            self.timeout,
            self.wire.command("STAT", "STAT"),
        )
        .await?;
        parse_pair(&text)
            .ok_or_else(|| Pop3Error::Protocol(format!("bad STAT reply {}", shown(&text))))
    }

    /// UIDL: every message's number and unique id.
    pub async fn uidl(&mut self) -> Result<Vec<(u32, String)>, Pop3Error> {
        let lines = guarded(&mut self.broken, self.timeout, self.wire.listing("UIDL")).await?;
        lines
            .iter()
            .map(|l| {
                let mut words = l.split_ascii_whitespace();
                match (words.next().and_then(|n| n.parse().ok()), words.next()) {
                    (Some(n), Some(uid)) => Ok((n, uid.to_string())),
                    _ => Err(Pop3Error::Protocol(format!("bad UIDL line {}", shown(l)))),
                }
            })
            .collect()
    }

    /// LIST: every message's number and size in octets.
    pub async fn list(&mut self) -> Result<Vec<(u32, u64)>, Pop3Error> {
        let lines = guarded(&mut self.broken, self.timeout, self.wire.listing("LIST")).await?;
        lines
            .iter()
            .map(|l| {
                parse_pair(l)
                    .ok_or_else(|| Pop3Error::Protocol(format!("bad LIST line {}", shown(l))))
            })
            .collect()
    }

    /// RETR: the raw message as sent (CRLF line ends), dot-unstuffed, without the final ".".
    pub async fn retr(&mut self, msg: u32) -> Result<Vec<u8>, Pop3Error> {
        let retr = async {
            self.wire.send("RETR", &format!("RETR {msg}")).await?;
            self.wire.retr_reply().await
        };
        guarded(&mut self.broken, self.timeout, retr).await
    }

    /// RETR for each of `msgs`, in order. With PIPELINING the commands are sent ahead (up to 32
    /// in flight), else one at a time; the timeout applies to each message. If one RETR gets
    /// `-ERR`, the replies already requested are read and that first error is returned. Every
    /// message is held in memory: callers with a large backlog pass it in batches.
    pub async fn retr_many(&mut self, msgs: &[u32]) -> Result<Vec<Vec<u8>>, Pop3Error> {
        let mut out = Vec::with_capacity(msgs.len());
        if msgs.len() < 2 || !self.has_capability("PIPELINING") {
            for &msg in msgs {
                out.push(self.retr(msg).await?);
            }
            return Ok(out);
        }
        let mut sent = msgs.len().min(PIPELINE_WINDOW);
        let first: String = msgs[..sent]
            .iter()
            .map(|m| format!("RETR {m}\r\n"))
            .collect();
        guarded(
            &mut self.broken,
            self.timeout,
            self.wire.send_raw("RETR", first.as_bytes()),
        )
        .await?;
        let mut received = 0;
        let mut refused = None;
        while received < sent {
            let reply = guarded(&mut self.broken, self.timeout, self.wire.retr_reply()).await;
            received += 1;
            match reply {
                Ok(body) if refused.is_none() => out.push(body),
                Ok(_) => {}
                Err(e @ Pop3Error::Server(_)) => {
                    // Stop asking, but read what was already asked for to stay in step.
                    refused.get_or_insert(e);
                }
                Err(e) => return Err(e),
            }
            if refused.is_none() && sent < msgs.len() {
                let next = format!("RETR {}", msgs[sent]);
                guarded(
                    &mut self.broken,
                    self.timeout,
                    self.wire.send("RETR", &next),
                )
                .await?;
                sent += 1;
            }
        }
        match refused {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// DELE: marks a message for deletion; it goes only when [`quit`](Pop3Client::quit) succeeds.
    pub async fn dele(&mut self, msg: u32) -> Result<(), Pop3Error> {
        let line = format!("DELE {msg}");
        guarded(
            &mut self.broken,
            self.timeout,
            self.wire.command("DELE", &line),
        )
        .await?;
        Ok(())
    }

    /// NOOP: keeps the session alive.
    pub async fn noop(&mut self) -> Result<(), Pop3Error> {
        guarded(
            &mut self.broken,
            self.timeout,
            self.wire.command("NOOP", "NOOP"),
        )
        .await?;
        Ok(())
    }

    /// QUIT: ends the session; the server deletes the messages marked with DELE (UPDATE state).
    /// An error means the deletions may not have happened.
    pub async fn quit(mut self) -> Result<(), Pop3Error> {
        guarded(
            &mut self.broken,
            self.timeout,
            self.wire.command("QUIT", "QUIT"),
        )
        .await?;
        let _ = tokio::time::timeout(self.timeout, self.wire.io.get_mut().shutdown()).await;
        Ok(())
    }
}

/// A refused USER or PASS: an authentication failure unless the server says it is temporary.
fn refused_login(e: Pop3Error) -> Pop3Error {
    match e {
        Pop3Error::Server(text)
            if !matches!(
                response_code(&text).as_deref(),
                Some("IN-USE" | "LOGIN-DELAY" | "SYS/TEMP")
            ) =>
        {
            Pop3Error::Auth(text)
        }
        other => other,
    }
}

/// Runs `fut` within `limit`.
async fn within<T>(
    limit: Duration,
    fut: impl Future<Output = Result<T, Pop3Error>>,
) -> Result<T, Pop3Error> {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or(Err(Pop3Error::Timeout))
}

/// Runs one exchange within `limit`, refusing to start on a session out of step and marking it
/// so when the exchange fails half-way.
async fn guarded<T>(
    broken: &mut bool,
    limit: Duration,
    fut: impl Future<Output = Result<T, Pop3Error>>,
) -> Result<T, Pop3Error> {
    if *broken {
        return Err(Pop3Error::Io(std::io::Error::new(
            ErrorKind::NotConnected,
            "POP3 session unusable after an earlier error; reconnect",
        )));
    }
    let res = within(limit, fut).await;
    if let Err(e) = &res
        && !e.keeps_session()
    {
        *broken = true;
    }
    res
}

fn has_capability(capabilities: &[String], name: &str) -> bool {
    capabilities.iter().any(|c| {
        c.split_ascii_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(name))
    })
}

/// The first two words as numbers ("2 320" of STAT, "1 120" of LIST).
fn parse_pair(text: &str) -> Option<(u32, u64)> {
    let mut words = text.split_ascii_whitespace();
    Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
}

/// A server text for an error message: quoted and cut short.
fn shown(text: &str) -> String {
    format!("{:?}", text.chars().take(80).collect::<String>())
}

/// The buffered connection and the line-level protocol.
#[derive(Debug)]
struct Wire {
    io: BufReader<MailStream>,
    max_message: usize,
}

impl Wire {
    fn new(stream: MailStream, max_message: usize) -> Self {
        Wire {
            io: BufReader::with_capacity(READ_BUFFER, stream),
            max_message,
        }
    }

    /// The TCP stream back for the TLS handshake. Anything the server sent after its STLS reply
    /// would be read as if it came over TLS (response injection): refused.
    fn into_plain(self) -> Result<TcpStream, Pop3Error> {
        if !self.io.buffer().is_empty() {
            return Err(Pop3Error::Protocol("data after the STLS reply".into()));
        }
        self.io
            .into_inner()
            .into_plain()
            .ok_or_else(|| Pop3Error::Protocol("STLS on an encrypted connection".into()))
    }

    /// Sends one command line; `name` is what gets logged (never the arguments).
    async fn send(&mut self, name: &str, line: &str) -> Result<(), Pop3Error> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.send_raw(name, &bytes).await
    }

    /// Sends ready-made command lines.
    async fn send_raw(&mut self, name: &str, bytes: &[u8]) -> Result<(), Pop3Error> {
        tracing::debug!(command = name, "POP3 command");
        let stream = self.io.get_mut();
        stream.write_all(bytes).await?;
        stream.flush().await?;
        Ok(())
    }

    /// Appends one line, terminator included, to `out`; `false` (and a partial line) when the
    /// line would be longer than `max`.
    async fn read_line(&mut self, out: &mut Vec<u8>, max: usize) -> Result<bool, Pop3Error> {
        let start = out.len();
        loop {
            let available = self.io.fill_buf().await?;
            if available.is_empty() {
                return Err(Pop3Error::Io(std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "POP3 server closed the connection",
                )));
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            if out.len() - start + take > max {
                return Ok(false);
            }
            out.extend_from_slice(&available[..take]);
            self.io.consume(take);
            if done {
                return Ok(true);
            }
        }
    }

    /// Reads a status line: the text after `+OK`, or [`Pop3Error::Server`] with the text after
    /// `-ERR`.
    async fn status(&mut self) -> Result<String, Pop3Error> {
        let mut line = Vec::new();
        if !self.read_line(&mut line, MAX_LINE).await? {
            return Err(Pop3Error::Protocol(format!(
                "status line longer than {MAX_LINE} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if let Some(rest) = text.strip_prefix("+OK") {
            Ok(rest.trim_start().to_string())
        } else if let Some(rest) = text.strip_prefix("-ERR") {
            Err(Pop3Error::Server(rest.trim_start().to_string()))
        } else {
            Err(Pop3Error::Protocol(format!(
                "unexpected reply {}",
                shown(text)
            )))
        }
    }

    /// Sends a command and reads its status line.
    async fn command(&mut self, name: &str, line: &str) -> Result<String, Pop3Error> {
        self.send(name, line).await?;
        self.status().await
    }

    /// CAPA; no capabilities when the server does not know the command.
    async fn capa(&mut self) -> Result<Vec<String>, Pop3Error> {
        match self.listing("CAPA").await {
            Err(Pop3Error::Server(_)) => Ok(Vec::new()),
            other => other,
        }
    }

    /// Sends a command with a multi-line answer made of short text lines (CAPA, UIDL, LIST).
    async fn listing(&mut self, command: &str) -> Result<Vec<String>, Pop3Error> {
        self.command(command, command).await?;
        let body = self.multi_line(MAX_LINE, 0).await?;
        Ok(body
            .split(|&b| b == b'\n')
            .map(|l| String::from_utf8_lossy(l.strip_suffix(b"\r").unwrap_or(l)).into_owned())
            .filter(|l| !l.trim().is_empty())
            .collect())
    }

    /// Reads the reply to a RETR already sent: status line, then the message.
    async fn retr_reply(&mut self) -> Result<Vec<u8>, Pop3Error> {
        let text = self.status().await?;
        // "+OK 1234 octets" lets us allocate once; only a hint.
        let hint = text
            .split_ascii_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        self.multi_line(usize::MAX, hint).await
    }

    /// Reads a multi-line body up to the "." line (CRLF or bare LF), dot-unstuffed, at most
    /// `max_message` bytes and lines of at most `max_line` bytes.
    async fn multi_line(&mut self, max_line: usize, hint: usize) -> Result<Vec<u8>, Pop3Error> {
        let max_total = self.max_message;
        let mut out = Vec::with_capacity(hint.min(max_total));
        loop {
            let start = out.len();
            // Room for the terminator or a stuffed dot beyond the limit; checked after the line.
            let room = max_total.saturating_sub(start).saturating_add(3);
            if !self.read_line(&mut out, room.min(max_line)).await? {
                return Err(if max_line < room {
                    Pop3Error::Protocol(format!("line longer than {max_line} bytes"))
                } else {
                    Pop3Error::TooLarge
                });
            }
            let line = &out[start..];
            if line == b".\r\n" || line == b".\n" {
                out.truncate(start);
                return Ok(out);
            }
            if line.first() == Some(&b'.') {
                out.remove(start);
            }
            if out.len() > max_total {
                return Err(Pop3Error::TooLarge);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    /// One step of a fake server: expect a client line, or send bytes.
    enum Step {
        Expect(String),
        Send(Vec<u8>),
        /// Wait without answering.
        Stall,
    }
    use Step::{Send, Stall};

    fn expect(line: &str) -> Step {
        Step::Expect(line.to_string())
    }

    fn send(s: &str) -> Step {
        Send(s.as_bytes().to_vec())
    }

    const CAPA: &str = "+OK\r\nUIDL\r\nUSER\r\nPIPELINING\r\n.\r\n";

    /// A scripted server on loopback; the handle fails if the client deviated from the script.
    async fn server(script: Vec<Step>) -> (u16, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut io = BufReader::new(tcp);
            for step in script {
                match step {
                    Step::Expect(want) => {
                        let mut line = String::new();
                        io.read_line(&mut line).await.unwrap();
                        assert_eq!(line, format!("{want}\r\n"));
                    }
                    Send(bytes) => io.get_mut().write_all(&bytes).await.unwrap(),
                    Stall => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            }
        });
        (port, handle)
    }

    fn opts() -> Pop3Options {
        Pop3Options {
            timeout: Duration::from_secs(5),
            ..Pop3Options::default()
        }
    }

    async fn client(port: u16, opts: Pop3Options) -> Result<Pop3Client, Pop3Error> {
        let trust = TlsTrust::new(b"").unwrap();
        Pop3Client::connect("127.0.0.1", port, MailSecurity::None, &trust, opts).await
    }

    /// Greeting, CAPA, then the rest of the script.
    fn session(rest: Vec<Step>) -> Vec<Step> {
        let mut script = vec![send("+OK ready <1.2@x>\r\n"), expect("CAPA"), send(CAPA)];
        script.extend(rest);
        script
    }

    #[tokio::test]
    async fn greeting_capa_login_and_quit() {
        let (port, srv) = server(session(vec![
            expect("USER alice"),
            send("+OK\r\n"),
            expect("PASS s3cret"),
            send("+OK Logged in.\r\n"),
            expect("NOOP"),
            send("+OK\r\n"),
            expect("DELE 1"),
            send("+OK Marked.\r\n"),
            expect("QUIT"),
            send("+OK Logging out, messages deleted.\r\n"),
        ]))
        .await;
        let mut c = client(port, opts()).await.unwrap();
        assert_eq!(c.capabilities(), ["UIDL", "USER", "PIPELINING"]);
        assert!(c.has_capability("pipelining"));
        assert!(!c.has_capability("STLS"));
        c.login("alice", "s3cret").await.unwrap();
        c.noop().await.unwrap();
        c.dele(1).await.unwrap();
        c.quit().await.unwrap();
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn server_without_capa_and_refused_login() {
        let (port, srv) = server(vec![
            send("+OK hi\r\n"),
            expect("CAPA"),
            send("-ERR unknown command\r\n"),
            expect("USER bob"),
            send("+OK\r\n"),
            expect("PASS wrong"),
            send("-ERR [AUTH] Authentication failed.\r\n"),
            expect("USER bob"),
            send("+OK\r\n"),
            expect("PASS right"),
            send("-ERR [IN-USE] Mailbox locked\r\n"),
        ])
        .await;
        let mut c = client(port, opts()).await.unwrap();
        assert!(c.capabilities().is_empty());
        let e = c.login("bob", "wrong").await.unwrap_err();
        assert!(
            matches!(&e, Pop3Error::Auth(t) if t == "[AUTH] Authentication failed."),
            "{e:?}"
        );
        assert!(!e.is_transient());
        // The session stays usable after -ERR; a busy mailbox is a transient server error.
        let e = c.login("bob", "right").await.unwrap_err();
        assert!(
            matches!(&e, Pop3Error::Server(_)) && e.is_transient(),
            "{e:?}"
        );
        // Nothing is sent for credentials that would inject a command.
        let e = c.login("bob", "x\r\nDELE 1").await.unwrap_err();
        assert!(matches!(e, Pop3Error::Auth(_)));
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn err_greeting_and_garbage_greeting() {
        let (port, srv) = server(vec![send("-ERR [SYS/TEMP] too many connections\r\n")]).await;
        let e = client(port, opts()).await.unwrap_err();
        assert!(matches!(&e, Pop3Error::Server(t) if t.contains("too many")) && e.is_transient());
        srv.await.unwrap();
        let (port, srv) = server(vec![send("* OK IMAP4rev1\r\n")]).await;
        let e = client(port, opts()).await.unwrap_err();
        assert!(matches!(e, Pop3Error::Protocol(_)) && !e.is_transient());
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn stat_uidl_list() {
        let (port, srv) = server(session(vec![
            expect("STAT"),
            send("+OK 2 320\r\n"),
            expect("UIDL"),
            send("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"),
            expect("LIST"),
            send("+OK 2 messages (320 octets)\n1 120\n2 200 extra\n.\n"),
            expect("UIDL"),
            send("+OK\r\n1\r\n.\r\n"),
        ]))
        .await;
        let mut c = client(port, opts()).await.unwrap();
        assert_eq!(c.stat().await.unwrap(), (2, 320));
        assert_eq!(
            c.uidl().await.unwrap(),
            [
                (1, "whqtswO00WBw418f9t5JxYwZ".to_string()),
                (2, "QhdPYR:00WBw1Ph7x7".to_string())
            ]
        );
        assert_eq!(c.list().await.unwrap(), [(1, 120), (2, 200)]);
        assert!(matches!(c.uidl().await, Err(Pop3Error::Protocol(_))));
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn retr_unstuffs_dots_and_keeps_line_ends() {
        let (port, srv) = server(session(vec![
            expect("RETR 1"),
            send("+OK 60 octets\r\nSubject: a\r\n\r\n..\r\n...x\r\n.y\r\nbare\nend\r\n.\r\n"),
            expect("RETR 2"),
            send("+OK\nA\n..\n.\n"),
            expect("RETR 3"),
            send("+OK\r\n.\r\n"),
            expect("RETR 9"),
            send("-ERR no such message\r\n"),
            expect("NOOP"),
            send("+OK\r\n"),
        ]))
        .await;
        let mut c = client(port, opts()).await.unwrap();
        assert_eq!(
            c.retr(1).await.unwrap(),
            b"Subject: a\r\n\r\n.\r\n..x\r\ny\r\nbare\nend\r\n"
        );
        assert_eq!(c.retr(2).await.unwrap(), b"A\n.\n");
        assert_eq!(c.retr(3).await.unwrap(), b"");
        let e = c.retr(9).await.unwrap_err();
        assert!(matches!(&e, Pop3Error::Server(t) if t == "no such message"));
        c.noop().await.unwrap();
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn large_message_in_odd_chunks() {
        let mut body = Vec::new();
        for i in 0..40_000 {
            body.extend_from_slice(format!("line {i} with some text .\r\n").as_bytes());
            if i % 1000 == 0 {
                body.extend_from_slice(b".leading dot\r\n");
            }
        }
        let mut wire = b"+OK\r\n".to_vec();
        for line in body.split_inclusive(|&b| b == b'\n') {
            if line[0] == b'.' {
                wire.push(b'.');
            }
            wire.extend_from_slice(line);
        }
        wire.extend_from_slice(b".\r\n");
        let mut script = session(vec![expect("RETR 1")]);
        script.extend(wire.chunks(7919).map(|c| Send(c.to_vec())));
        let (port, srv) = server(script).await;
        let mut c = client(port, opts()).await.unwrap();
        assert_eq!(c.retr(1).await.unwrap(), body);
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn retr_many_pipelines_when_offered() {
        // The server reads all three commands before answering: only a pipelining client passes.
        let (port, srv) = server(session(vec![
            expect("RETR 1"),
            expect("RETR 2"),
            expect("RETR 3"),
            send("+OK\r\none\r\n.\r\n+OK\r\ntwo\r\n.\r\n+OK\r\n..three\r\n.\r\n"),
        ]))
        .await;
        let mut c = client(port, opts()).await.unwrap();
        let got = c.retr_many(&[1, 2, 3]).await.unwrap();
        assert_eq!(got, [&b"one\r\n"[..], b"two\r\n", b".three\r\n"]);
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn retr_many_keeps_a_window_and_stays_in_step_after_err() {
        let n = PIPELINE_WINDOW + 5;
        let msgs: Vec<u32> = (1..=n as u32).collect();
        let mut rest: Vec<Step> = msgs[..PIPELINE_WINDOW]
            .iter()
            .map(|m| expect(&format!("RETR {m}")))
            .collect();
        // Each answer lets one more command in.
        for (i, m) in msgs.iter().enumerate() {
            rest.push(send(&format!("+OK\r\nmsg {m}\r\n.\r\n")));
            if let Some(next) = msgs.get(i + PIPELINE_WINDOW) {
                rest.push(expect(&format!("RETR {next}")));
            }
        }
        // Second round: message 2 refused, 1 and 3 already asked for are still read.
        rest.extend([
            expect("RETR 1"),
            expect("RETR 2"),
            expect("RETR 3"),
            expect("RETR 4"),
            send("+OK\r\na\r\n.\r\n-ERR gone\r\n+OK\r\nc\r\n.\r\n+OK\r\nd\r\n.\r\n"),
            expect("NOOP"),
            send("+OK\r\n"),
        ]);
        let (port, srv) = server(session(rest)).await;
        let mut c = client(port, opts()).await.unwrap();
        let got = c.retr_many(&msgs).await.unwrap();
        assert_eq!(got.len(), n);
        assert_eq!(got[n - 1], format!("msg {n}\r\n").into_bytes());
        let e = c.retr_many(&[1, 2, 3, 4]).await.unwrap_err();
        assert!(matches!(&e, Pop3Error::Server(t) if t == "gone"));
        c.noop().await.unwrap();
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn retr_many_one_by_one_without_pipelining() {
        let (port, srv) = server(vec![
            send("+OK\r\n"),
            expect("CAPA"),
            send("+OK\r\nUIDL\r\n.\r\n"),
            expect("RETR 1"),
            send("+OK\r\none\r\n.\r\n"),
            expect("RETR 2"),
            send("+OK\r\ntwo\r\n.\r\n"),
        ])
        .await;
        let mut c = client(port, opts()).await.unwrap();
        assert_eq!(c.retr_many(&[1, 2]).await.unwrap().len(), 2);
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn over_long_status_line_is_refused() {
        let mut long = b"+OK ".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_LINE));
        let (port, srv) = server(vec![Send(long), Stall]).await;
        let e = client(port, opts()).await.unwrap_err();
        assert!(matches!(e, Pop3Error::Protocol(_)), "{e:?}");
        srv.abort();
    }

    #[tokio::test]
    async fn too_large_message_is_refused_and_session_dropped() {
        let body = "x".repeat(98) + "\r\n";
        let (port, srv) = server(session(vec![
            expect("RETR 1"),
            send(&format!("+OK\r\n{body}.\r\n")),
            expect("RETR 2"),
            send(&format!("+OK\r\n{body}{body}.\r\n")),
        ]))
        .await;
        let limits = Pop3Options {
            max_message_bytes: 100,
            ..opts()
        };
        let mut c = client(port, limits).await.unwrap();
        assert_eq!(c.retr(1).await.unwrap().len(), 100);
        let e = c.retr(2).await.unwrap_err();
        assert!(matches!(e, Pop3Error::TooLarge) && !e.is_transient());
        let e = c.noop().await.unwrap_err();
        assert!(matches!(&e, Pop3Error::Io(io) if io.kind() == ErrorKind::NotConnected));
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn timeout() {
        let (port, srv) = server(session(vec![expect("NOOP"), Stall])).await;
        let limits = Pop3Options {
            timeout: Duration::from_millis(200),
            ..opts()
        };
        let mut c = client(port, limits).await.unwrap();
        let e = c.noop().await.unwrap_err();
        assert!(matches!(e, Pop3Error::Timeout) && e.is_transient());
        srv.abort();
    }

    #[tokio::test]
    async fn closed_connection_is_transient() {
        let (port, srv) = server(session(vec![expect("RETR 1"), send("+OK\r\npartial")])).await;
        let mut c = client(port, opts()).await.unwrap();
        let e = c.retr(1).await.unwrap_err();
        assert!(matches!(&e, Pop3Error::Io(_)) && e.is_transient(), "{e:?}");
        srv.await.unwrap();
    }

    #[tokio::test]
    async fn starttls_needs_stls_and_refuses_injected_data() {
        let trust = TlsTrust::new(b"").unwrap();
        let (port, srv) = server(session(vec![])).await;
        let e = Pop3Client::connect("127.0.0.1", port, MailSecurity::Starttls, &trust, opts())
            .await
            .unwrap_err();
        assert!(matches!(e, Pop3Error::NoStls) && !e.is_transient());
        srv.await.unwrap();
        let (port, srv) = server(vec![
            send("+OK\r\n"),
            expect("CAPA"),
            send("+OK\r\nSTLS\r\n.\r\n"),
            expect("STLS"),
            send("+OK Begin TLS\r\n+OK injected\r\n"),
            Stall,
        ])
        .await;
        let e = Pop3Client::connect("127.0.0.1", port, MailSecurity::Starttls, &trust, opts())
            .await
            .unwrap_err();
        assert!(matches!(e, Pop3Error::Protocol(_)), "{e:?}");
        srv.abort();
    }

    #[test]
    fn transient_classification() {
        assert!(Pop3Error::Server("[SYS/TEMP] try later".into()).is_transient());
        assert!(Pop3Error::Server("busy".into()).is_transient());
        assert!(!Pop3Error::Server("[sys/perm] disabled".into()).is_transient());
        let cert = std::io::Error::new(ErrorKind::InvalidData, "invalid peer certificate");
        let tls = TlsError::Handshake {
            host: "h".into(),
            source: cert,
        };
        assert!(!Pop3Error::Tls(tls).is_transient());
        let reset = std::io::Error::new(ErrorKind::ConnectionReset, "reset");
        let tls = TlsError::Handshake {
            host: "h".into(),
            source: reset,
        };
        assert!(Pop3Error::Tls(tls).is_transient());
    }
}
