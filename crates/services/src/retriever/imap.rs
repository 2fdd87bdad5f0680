//! An IMAP alias: select the folder, compare UIDVALIDITY with the stored cursor, fetch every UID
//! above it in batches (the next batches are fetched while earlier ones are being stored), apply
//! the disposition to what was stored, move the cursor; then IDLE (or poll) for more.

use std::collections::VecDeque;
use std::time::Duration;

use switchboard_domain::{AliasId, Disposition};
use switchboard_mail::imap::{FolderState, IdleEnd, ImapConnection};
use switchboard_store::{AliasCredentials, BlobKey, MailCursor};
use tokio::task::JoinHandle;

use super::ingest::{Fetched, IngestError, Strikes, ingest_batch};
use super::{SessionError, WorkerState, progress, rounds, worker_name};
use crate::{MailContext, Shutdown, now, stopped};

type Batch = (JoinHandle<Vec<Result<(), IngestError>>>, Vec<u32>, Vec<u32>);

/// Batches being stored at once: while one is in the store's write, the next is parsed and its
/// blobs synced. (Three measured no faster on two cores.)
const IN_FLIGHT: usize = 2;

/// How long the server may take to start or end IDLE before the connection counts as dead.
const KEEPALIVE_ANSWER: Duration = Duration::from_secs(15);

/// Runs until stopped (`Ok`) or until the connection fails (`Err`, the caller backs off).
pub(super) async fn session(
    ctx: &MailContext,
    creds: &AliasCredentials,
    w: &mut WorkerState,
    stop: &mut Shutdown,
) -> Result<(), SessionError> {
    let alias = &creds.alias;
    let inc = &alias.incoming;
    let name = worker_name(alias.id);
    let mut conn = ImapConnection::connect(
        &inc.host,
        inc.port,
        inc.security,
        &ctx.trust,
        &inc.username,
        creds.incoming_password.as_deref().unwrap_or_default(),
        ctx.settings.timeout,
    )
    .await?;
    loop {
        let state = conn.select(&inc.folder).await?;
        ctx.status.state(&name, "running");
        drain(ctx, creds, &mut conn, state, &w.strikes).await?;
        w.progressed(ctx, &name);
        if conn.new_mail_announced() {
            continue;
        }
        ctx.status.state(&name, "idle");
        if conn.supports_idle() {
            // IDLE renewed often is the keepalive: a dead connection fails within
            // `idle_secs` + KEEPALIVE_ANSWER. Renewing finds nothing new to fetch.
            let wait = Duration::from_secs(ctx.settings.idle_secs);
            let answer = KEEPALIVE_ANSWER.min(ctx.settings.timeout);
            loop {
                let (c, end) = conn.idle(wait, answer, stopped(stop)).await?;
                conn = c;
                match end {
                    IdleEnd::Stopped => {
                        conn.logout().await;
                        return Ok(());
                    }
                    IdleEnd::Timeout if !conn.new_mail_announced() => {}
                    _ => break,
                }
            }
        } else {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(u64::from(inc.poll_secs))) => {},
                () = stopped(stop) => { conn.logout().await; return Ok(()) },
            }
        }
    }
}

/// Fetches and stores everything above the cursor.
async fn drain(
    ctx: &MailContext,
    creds: &AliasCredentials,
    conn: &mut ImapConnection,
    state: FolderState,
    strikes: &Strikes,
) -> Result<(), SessionError> {
    let alias = creds.alias.id;
    let folder = creds.alias.incoming.folder.clone();
    let cursor = ctx
        .store()
        .mail_cursor(alias, &folder)
        .await
        .map_err(SessionError::storage)?;
    // After a UIDVALIDITY change every UID is new: start over, and skip content already stored.
    let (last, revalidated) = match cursor {
        Some(c) if c.uid_validity == state.uid_validity => (c.last_uid, false),
        Some(_) => (0, true),
        None => (0, false),
    };
    if revalidated {
        tracing::warn!(alias = %alias, folder, "UIDVALIDITY changed: re-reading the folder, skipping what was stored");
    }
    if state.exists == 0 {
        return Ok(());
    }
    let sizes = conn.sizes_after(last).await?;
    if sizes.is_empty() {
        return Ok(());
    }
    let total = sizes.len();
    if total > ctx.settings.fetch_batch {
        tracing::info!(alias = %alias, folder, backlog = total, "fetching backlog");
    }
    metrics::gauge!("switchboard_retriever_backlog").set(total as f64);
    let mut done = 0usize;
    let mut pending: VecDeque<Batch> = VecDeque::new();
    let settings = &ctx.settings;
    for chunk in rounds(&sizes, settings.fetch_batch, settings.fetch_batch_bytes) {
        let chunk = chunk.as_slice();
        let fetched = conn.fetch(chunk).await?;
        let bytes: usize = fetched.iter().map(|(_, b)| b.len()).sum();
        let mut items: Vec<(u32, Fetched)> = fetched
            .into_iter()
            .map(|(uid, raw)| {
                let key = format!("imap:{folder}:{}:{uid}", state.uid_validity);
                (
                    uid,
                    Fetched {
                        source_key: key,
                        raw,
                    },
                )
            })
            .collect();
        if revalidated {
            let keys: Vec<String> = items
                .iter()
                .map(|(_, f)| BlobKey::of(&f.raw).hash().to_string())
                .collect();
            let known = ctx
                .store()
                .known_raw(alias, &keys)
                .await
                .map_err(SessionError::storage)?;
            let (old, new): (Vec<_>, Vec<_>) = items
                .into_iter()
                .zip(keys)
                .partition(|(_, k)| known.contains(k));
            let _already_stored = old.len();
            items = new.into_iter().map(|(i, _)| i).collect();
        }
        if pending.len() >= IN_FLIGHT
            && let Some(b) = pending.pop_front()
        {
            done += finish(ctx, creds, conn, state, b).await?;
        }
        let batch_uids: Vec<u32> = items.iter().map(|(u, _)| *u).collect();
        let (app, blobs, strikes) = (ctx.app.clone(), ctx.blobs.clone(), strikes.clone());
        let handle = tokio::spawn(async move {
            let batch = items.into_iter().map(|(_, f)| f).collect();
            ingest_batch(&app, &blobs, alias, batch, &strikes)
                .await
                .into_iter()
                .map(|r| r.map(|_| ()))
                .collect()
        });
        progress(ctx, alias, chunk.len(), bytes);
        pending.push_back((handle, batch_uids, chunk.to_vec()));
        ctx.status
            .progress(&worker_name(alias), Some(format!("{done}/{total}")));
    }
    while let Some(b) = pending.pop_front() {
        done += finish(ctx, creds, conn, state, b).await?;
    }
    ctx.status.progress(&worker_name(alias), None);
    metrics::gauge!("switchboard_retriever_backlog").set(0.0);
    if total > ctx.settings.fetch_batch {
        tracing::info!(alias = %alias, folder, stored = done, "backlog fetched");
    }
    Ok(())
}

/// Waits for a batch to be stored, applies the disposition to what was stored and moves the
/// cursor past the longest fully stored prefix.
async fn finish(
    ctx: &MailContext,
    creds: &AliasCredentials,
    conn: &mut ImapConnection,
    state: FolderState,
    (handle, ingested, chunk): Batch,
) -> Result<usize, SessionError> {
    let alias: AliasId = creds.alias.id;
    let results = handle
        .await
        .map_err(|e| SessionError::storage(format!("ingest task failed: {e}")))?;
    let mut stored = Vec::new();
    let mut first_error = None;
    for (uid, r) in ingested.iter().zip(results) {
        match r {
            Ok(()) => stored.push(*uid),
            Err(e) => {
                first_error.get_or_insert_with(|| {
                    SessionError::storage(format!("storing UID {uid}: {e}"))
                });
            }
        }
    }
    // Also dispose of UIDs skipped as already stored (they are in `chunk`, not in `ingested`).
    let mut disposable: Vec<u32> = chunk
        .iter()
        .copied()
        .filter(|u| !ingested.contains(u) || stored.contains(u))
        .collect();
    disposable.sort_unstable();
    let result = match &creds.alias.incoming.disposition {
        Disposition::KeepSeen => conn.flag_seen(&disposable).await,
        Disposition::Move { folder } => conn.move_to(&disposable, folder).await,
        Disposition::Delete => conn.delete(&disposable).await,
    };
    result.map_err(|e| {
        SessionError::server(format!("applying the disposition: {e}"), e.is_transient())
    })?;
    let failed_min = chunk
        .iter()
        .copied()
        .filter(|u| !disposable.contains(u))
        .min();
    let safe_last = match failed_min {
        Some(f) => chunk.iter().copied().filter(|u| *u < f).max(),
        None => chunk.iter().copied().max(),
    };
    if let Some(last_uid) = safe_last {
        let c = MailCursor {
            uid_validity: state.uid_validity,
            last_uid,
        };
        ctx.store()
            .set_mail_cursor(alias, &creds.alias.incoming.folder, c, now())
            .await
            .map_err(SessionError::storage)?;
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(stored.len()),
    }
}
