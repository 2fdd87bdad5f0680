//! A POP3 alias: log in, list UIDLs, fetch the ones not stored yet in batches (pipelined RETR),
//! store them, DELE what was stored when the disposition says delete, QUIT (which commits the
//! deletions), then wait for the next poll.

use std::time::Duration;

use switchboard_domain::Disposition;
use switchboard_mail::pop3::{Pop3Client, Pop3Options};
use switchboard_store::AliasCredentials;

use super::ingest::{Fetched, Strikes, ingest_batch};
use super::{SessionError, WorkerState, progress, rounds, worker_name};
use crate::{MailContext, Shutdown, stopped};

/// Runs until stopped (`Ok`) or until the connection fails (`Err`, the caller backs off).
pub(super) async fn session(
    ctx: &MailContext,
    creds: &AliasCredentials,
    w: &mut WorkerState,
    stop: &mut Shutdown,
) -> Result<(), SessionError> {
    let name = worker_name(creds.alias.id);
    loop {
        ctx.status.state(&name, "running");
        poll(ctx, creds, &w.strikes).await?;
        w.progressed(ctx, &name);
        ctx.status.state(&name, "idle");
        let wait = Duration::from_secs(u64::from(creds.alias.incoming.poll_secs));
        tokio::select! {
            () = tokio::time::sleep(wait) => {},
            () = stopped(stop) => return Ok(()),
        }
    }
}

/// One visit to the mailbox.
async fn poll(
    ctx: &MailContext,
    creds: &AliasCredentials,
    strikes: &Strikes,
) -> Result<(), SessionError> {
    let alias = creds.alias.id;
    let inc = &creds.alias.incoming;
    let opts = Pop3Options {
        timeout: ctx.settings.timeout,
        ..Pop3Options::default()
    };
    let mut client =
        Pop3Client::connect(&inc.host, inc.port, inc.security, &ctx.trust, opts).await?;
    client
        .login(
            &inc.username,
            creds.incoming_password.as_deref().unwrap_or_default(),
        )
        .await?;
    let listing = client.uidl().await?;
    // A message over the size limit would fail every poll: leave it and say so.
    let limit = Pop3Options::default().max_message_bytes as u64;
    let sizes = client.list().await?;
    let too_large: Vec<u32> = sizes
        .iter()
        .filter(|(_, size)| *size > limit)
        .map(|(n, _)| *n)
        .collect();
    if !too_large.is_empty() {
        let name = worker_name(alias);
        tracing::warn!(alias = %alias, messages = ?too_large, limit, "messages over the size limit are left on the server");
        ctx.status.error(
            &name,
            &format!(
                "{} message(s) over {limit} bytes left on the server",
                too_large.len()
            ),
            crate::now(),
        );
    }
    let listing: Vec<(u32, String)> = listing
        .into_iter()
        .filter(|(n, _)| !too_large.contains(n))
        .collect();
    let keys: Vec<String> = listing.iter().map(|(_, u)| format!("pop3:{u}")).collect();
    let known = ctx
        .store()
        .known_sources(alias, &keys)
        .await
        .map_err(SessionError::storage)?;
    let delete = inc.disposition == Disposition::Delete;
    let mut to_delete: Vec<u32> = Vec::new();
    let size_of: std::collections::HashMap<u32, u64> = sizes.iter().copied().collect();
    let mut new: Vec<((u32, String), u64)> = Vec::new();
    for ((n, _), key) in listing.iter().zip(keys) {
        if known.contains(&key) {
            to_delete.push(*n);
        } else {
            new.push(((*n, key), size_of.get(n).copied().unwrap_or(0)));
        }
    }
    let total = new.len();
    if total > ctx.settings.fetch_batch {
        tracing::info!(alias = %alias, backlog = total, "fetching POP3 backlog");
    }
    let mut failure = None;
    let mut done = 0usize;
    let settings = &ctx.settings;
    for chunk in rounds(&new, settings.fetch_batch, settings.fetch_batch_bytes) {
        let numbers: Vec<u32> = chunk.iter().map(|(n, _)| *n).collect();
        let raws = client.retr_many(&numbers).await?;
        let bytes: usize = raws.iter().map(Vec::len).sum();
        let batch: Vec<Fetched> = chunk
            .iter()
            .zip(raws)
            .map(|((_, key), raw)| Fetched {
                source_key: key.clone(),
                raw,
            })
            .collect();
        let results = ingest_batch(&ctx.app, &ctx.blobs, alias, batch, strikes).await;
        for ((n, key), r) in chunk.iter().zip(results) {
            match r {
                Ok(_) => to_delete.push(*n),
                Err(e) => {
                    failure.get_or_insert_with(|| {
                        SessionError::storage(format!("storing {key}: {e}"))
                    });
                }
            }
        }
        done += chunk.len();
        progress(ctx, alias, chunk.len(), bytes);
        ctx.status
            .progress(&worker_name(alias), Some(format!("{done}/{total}")));
        if failure.is_some() {
            break;
        }
    }
    ctx.status.progress(&worker_name(alias), None);
    if delete {
        for n in to_delete {
            client.dele(n).await?;
        }
    }
    client.quit().await?;
    match failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}
