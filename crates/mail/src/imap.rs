//! The IMAP side of the retriever (async-imap over [`MailStream`]): log in over plain, STARTTLS
//! or TLS; select a folder and read its UIDVALIDITY; list UIDs above a cursor; fetch raw messages
//! without marking them read (`BODY.PEEK[]`); then apply the alias's disposition (flag seen, move,
//! delete) once the caller has stored them; and wait with IDLE when the server offers it.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::types::UnsolicitedResponse;
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use switchboard_domain::MailSecurity;
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::stream::MailStream;
use crate::tls::{TlsError, TlsTrust};

/// An IMAP failure.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// Network trouble.
    #[error("IMAP connection: {0}")]
    Io(#[from] std::io::Error),
    /// TLS set-up or handshake failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The server did not answer in time.
    #[error("IMAP server did not answer within {0:?}")]
    Timeout(Duration),
    /// The server refused the login.
    #[error("IMAP login refused: {0}")]
    Auth(String),
    /// STARTTLS was required but the server does not offer it.
    #[error("the IMAP server does not offer STARTTLS")]
    NoStarttls,
    /// The server answered NO/BAD or something unexpected.
    #[error("IMAP: {0}")]
    Protocol(String),
}

impl ImapError {
    /// Whether trying again later may work (network, timeouts, server trouble) rather than
    /// needing a configuration change (login refused, no STARTTLS, certificate rejected).
    pub fn is_transient(&self) -> bool {
        match self {
            ImapError::Io(_) | ImapError::Timeout(_) | ImapError::Protocol(_) => true,
            ImapError::Tls(TlsError::Handshake { source, .. }) => {
                !source.to_string().to_lowercase().contains("certificate")
            }
            ImapError::Tls(_) | ImapError::Auth(_) | ImapError::NoStarttls => false,
        }
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> Self {
        match e {
            async_imap::error::Error::Io(io) => ImapError::Io(io),
            async_imap::error::Error::ConnectionLost => {
                ImapError::Io(std::io::Error::other("connection lost"))
            }
            other => ImapError::Protocol(other.to_string()),
        }
    }
}

/// The state of a selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderState {
    /// UIDVALIDITY: when it changes, every UID of the folder changed meaning.
    pub uid_validity: u32,
    /// The next UID the server will assign, when it says.
    pub uid_next: Option<u32>,
    /// Messages in the folder.
    pub exists: u32,
}

/// What ended an IDLE wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleEnd {
    /// The server reported a change (new mail, expunge…).
    NewData,
    /// The wait ran out (re-issue IDLE; servers drop idlers after ~30 minutes).
    Timeout,
    /// The caller asked to stop.
    Stopped,
}

/// A logged-in IMAP connection.
pub struct ImapConnection {
    session: Session<MailStream>,
    timeout: Duration,
    idle: bool,
    uidplus: bool,
    moves: bool,
}

impl std::fmt::Debug for ImapConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapConnection")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

async fn within<T, E: Into<ImapError>>(
    d: Duration,
    f: impl Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    timeout(d, f)
        .await
        .map_err(|_| ImapError::Timeout(d))?
        .map_err(Into::into)
}

/// A UID set in IMAP syntax with runs collapsed: `1:5,7,9:12`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

impl ImapConnection {
    /// Connects, secures the connection as configured, and logs in.
    pub async fn connect(
        host: &str,
        port: u16,
        security: MailSecurity,
        trust: &TlsTrust,
        username: &str,
        password: &str,
        limit: Duration,
    ) -> Result<ImapConnection, ImapError> {
        let tcp = within(limit, TcpStream::connect((host, port))).await?;
        let _ = tcp.set_nodelay(true);
        let stream = match security {
            MailSecurity::Tls => trust.connect(tcp, host).await?,
            _ => MailStream::Plain(tcp),
        };
        let mut client = Client::new(stream);
        within(limit, async {
            client
                .read_response()
                .await?
                .ok_or_else(|| std::io::Error::other("no greeting"))
        })
        .await?;
        if security == MailSecurity::Starttls {
            // A server without STARTTLS answers BAD or NO: never fall back to plain text.
            timeout(limit, client.run_command_and_check_ok("STARTTLS", None))
                .await
                .map_err(|_| ImapError::Timeout(limit))?
                .map_err(|e| match e {
                    async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                        ImapError::NoStarttls
                    }
                    other => other.into(),
                })?;
            let tcp = client
                .into_inner()
                .into_plain()
                .ok_or_else(|| ImapError::Protocol("STARTTLS on an encrypted stream".into()))?;
            client = Client::new(trust.connect(tcp, host).await?);
        }
        let mut session = timeout(limit, client.login(username, password))
            .await
            .map_err(|_| ImapError::Timeout(limit))?
            .map_err(|(e, _)| match e {
                async_imap::error::Error::No(m) | async_imap::error::Error::Bad(m) => {
                    ImapError::Auth(m)
                }
                other => other.into(),
            })?;
        let caps = within(limit, session.capabilities()).await?;
        Ok(ImapConnection {
            idle: caps.has_str("IDLE"),
            uidplus: caps.has_str("UIDPLUS"),
            moves: caps.has_str("MOVE"),
            session,
            timeout: limit,
        })
    }

    /// Whether the server offers IDLE.
    pub fn supports_idle(&self) -> bool {
        self.idle
    }

    /// Whether the server announced new messages (an untagged `EXISTS` or `RECENT` in the middle
    /// of other commands) since the last call or the last select. Such an announcement is not
    /// repeated when IDLE starts, so a message that arrived while a batch was being fetched
    /// would otherwise wait for the next one.
    pub fn new_mail_announced(&mut self) -> bool {
        let mut announced = false;
        while let Ok(notice) = self.session.unsolicited_responses.try_recv() {
            announced |= matches!(
                notice,
                UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
            );
        }
        announced
    }

    /// Selects a folder (read-write: dispositions change it).
    pub async fn select(&mut self, folder: &str) -> Result<FolderState, ImapError> {
        self.new_mail_announced();
        let mb = within(self.timeout, self.session.select(folder)).await?;
        Ok(FolderState {
            uid_validity: mb
                .uid_validity
                .ok_or_else(|| ImapError::Protocol("the server sent no UIDVALIDITY".into()))?,
            uid_next: mb.uid_next,
            exists: mb.exists,
        })
    }

    /// The UIDs above `last_uid`, ascending.
    pub async fn uids_after(&mut self, last_uid: u32) -> Result<Vec<u32>, ImapError> {
        let from = last_uid.saturating_add(1);
        let found: HashSet<u32> = within(
            self.timeout,
            self.session.uid_search(format!("UID {from}:*")),
        )
        .await?;
        // `n:*` always matches the highest UID, even when it is below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last_uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The UIDs above `last_uid` with their sizes (RFC822.SIZE), ascending, in one round trip.
    /// Call only on a folder that is not empty (`n:*` needs a highest message).
    pub async fn sizes_after(&mut self, last_uid: u32) -> Result<Vec<(u32, u64)>, ImapError> {
        let from = last_uid.saturating_add(1);
        let limit = self.timeout;
        let mut out = within(limit, async {
            let stream = self
                .session
                .uid_fetch(format!("{from}:*"), "(UID RFC822.SIZE)")
                .await?;
            let fetched: Vec<_> = stream.try_collect().await?;
            Ok::<_, async_imap::error::Error>(
                fetched
                    .iter()
                    .filter_map(|f| Some((f.uid?, u64::from(f.size.unwrap_or(0)))))
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
        // `n:*` always matches the highest UID, even when it is below n.
        out.retain(|(u, _)| *u > last_uid);
        out.sort_unstable_by_key(|(u, _)| *u);
        out.dedup_by_key(|(u, _)| *u);
        Ok(out)
    }

    /// Fetches the raw bytes of `uids` without setting `\Seen`; returns (uid, bytes) pairs in
    /// UID order. UIDs the server no longer has are left out.
    pub async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        if uids.is_empty() {
            return Ok(vec![]);
        }
        let set = uid_set(uids);
        let limit = self.timeout;
        let mut out = within(limit, async {
            let stream = self.session.uid_fetch(&set, "(UID BODY.PEEK[])").await?;
            let fetched: Vec<_> = stream.try_collect().await?;
            Ok::<_, async_imap::error::Error>(
                fetched
                    .iter()
                    .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
        out.sort_by_key(|(u, _)| *u);
        Ok(out)
    }

    /// Flags messages `\Seen`.
    pub async fn flag_seen(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        self.store_flags(uids, "+FLAGS.SILENT (\\Seen)").await
    }

    async fn store_flags(&mut self, uids: &[u32], what: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        within(self.timeout, async {
            let s = self.session.uid_store(&set, what).await?;
            let _: Vec<_> = s.try_collect().await?;
            Ok::<_, async_imap::error::Error>(())
        })
        .await
    }

    /// Deletes messages: flag `\Deleted`, then expunge just them (UIDPLUS) or the folder.
    pub async fn delete(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        self.store_flags(uids, "+FLAGS.SILENT (\\Seen \\Deleted)")
            .await?;
        let set = uid_set(uids);
        let uidplus = self.uidplus;
        within(self.timeout, async {
            if uidplus {
                let s = self.session.uid_expunge(&set).await?;
                let _: Vec<_> = s.try_collect().await?;
            } else {
                let s = self.session.expunge().await?;
                let _: Vec<_> = s.try_collect().await?;
            }
            Ok::<_, async_imap::error::Error>(())
        })
        .await
    }

    /// Moves messages to another folder (MOVE, or COPY then delete).
    pub async fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        if self.moves {
            return within(self.timeout, self.session.uid_mv(&set, folder)).await;
        }
        within(self.timeout, self.session.uid_copy(&set, folder)).await?;
        self.delete(uids).await
    }

    /// Waits for the server to report a change, for at most `wait`, or until `stop` resolves.
    /// Consumes the connection and gives it back (IDLE takes over the session meanwhile).
    /// Starting and ending IDLE must be answered within `answer_within`: a short `wait` and
    /// `answer_within` make IDLE a keepalive that notices a dead connection (a frozen server, a
    /// NAT that dropped the session) within their sum.
    pub async fn idle(
        self,
        wait: Duration,
        answer_within: Duration,
        stop: impl Future<Output = ()>,
    ) -> Result<(ImapConnection, IdleEnd), ImapError> {
        let ImapConnection {
            session,
            timeout: limit,
            idle,
            uidplus,
            moves,
        } = self;
        let mut handle = session.idle();
        within(answer_within, handle.init()).await?;
        let end = {
            let (fut, interrupt) = handle.wait_with_timeout(wait);
            tokio::pin!(stop);
            let end = tokio::select! {
                r = fut => match r? {
                    IdleResponse::NewData(_) => IdleEnd::NewData,
                    IdleResponse::Timeout => IdleEnd::Timeout,
                    IdleResponse::ManualInterrupt => IdleEnd::Stopped,
                },
                () = &mut stop => IdleEnd::Stopped,
            };
            drop(interrupt);
            end
        };
        let session = within(answer_within, handle.done()).await?;
        Ok((
            ImapConnection {
                session,
                timeout: limit,
                idle,
                uidplus,
                moves,
            },
            end,
        ))
    }

    /// Appends a message to a folder (used to seed mailboxes in benchmarks and tests).
    pub async fn append(&mut self, folder: &str, raw: &[u8]) -> Result<(), ImapError> {
        within(self.timeout, self.session.append(folder, None, None, raw)).await
    }

    /// Logs out politely (errors ignored: the connection is going away anyway).
    pub async fn logout(mut self) {
        let _ = timeout(self.timeout, self.session.logout()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_collapse_runs() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 7, 9, 10, 11, 3]), "1:3,5,7,9:11");
        assert_eq!(uid_set(&[42]), "42");
        assert_eq!(uid_set(&[]), "");
    }
}
