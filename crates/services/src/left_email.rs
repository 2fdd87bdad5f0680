//! An email left on a chat entry point's offline form (`domain::chat::offline`): built as a
//! message from the customer to the department's first active alias and taken in through the
//! retriever's own path — raw bytes in the blob store, parsed, then ingested — so the start and
//! inbound workflows, routing, threading and the customer record treat it like mail fetched
//! from that alias's mailbox. A page that sends the same key again gets the first result.

use std::sync::Arc;

use switchboard_app::App;
use switchboard_domain::chat::LeftEmail;
use switchboard_domain::{EntryPointId, IngestResult, Mailbox, Timestamp};
use switchboard_mail::left::left_message;
use switchboard_store::{BlobStore, StoreError};

use crate::retriever::ingest::{Fetched, IngestError, Strikes, ingest_batch};

/// What the offline form sent.
#[derive(Debug, Clone)]
pub struct LeaveEmail {
    /// The entry point it was sent through.
    pub entry_point: EntryPointId,
    /// What was left, checked (`domain::chat::check_left_email`).
    pub left: LeftEmail,
    /// The page's key for this send, checked (`domain::chat::offline::check_key`): a retry
    /// sends the same; none: a new one.
    pub key: Option<String>,
}

/// Why an email could not be left.
#[derive(Debug, thiserror::Error)]
pub enum LeaveError {
    /// The entry point is switched off.
    #[error("the entry point is not active")]
    Inactive,
    /// The department has no active alias to take mail in.
    #[error("the department takes no email now")]
    NoAlias,
    /// Taking the message in failed (the store or the blob store).
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The store refused or failed (including invalid input).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Takes in the email `input` describes, at `now`: what became of it, or `None` when the same
/// send (key) was taken in before.
pub async fn leave_email(
    app: &App,
    blobs: &Arc<dyn BlobStore>,
    input: LeaveEmail,
    now: Timestamp,
) -> Result<Option<IngestResult>, LeaveError> {
    let LeaveEmail { left, key, .. } = input;
    let key =
        key.unwrap_or_else(|| format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)));
    let ep = app.store().entry_point(input.entry_point).await?;
    if !ep.active {
        return Err(LeaveError::Inactive);
    }
    let alias = app
        .store()
        .department_alias(ep.department_id)
        .await?
        .ok_or(LeaveError::NoAlias)?;
    let domain = alias
        .address
        .as_str()
        .rsplit_once('@')
        .map_or("switchboard.invalid", |(_, d)| d);
    let message_id = format!("web.{}.{key}@{domain}", ep.id.0);
    let to = Mailbox {
        name: Some(alias.display_name.clone()),
        address: alias.address.as_str().to_string(),
    };
    let raw = left_message(
        &left,
        &to,
        ep.id.0,
        &message_id,
        now.millis().div_euclid(1000),
    )
    .map_err(|e| StoreError::Internal(e.to_string()))?;
    let fetched = Fetched {
        source_key: format!("web:{}:{}:{key}", ep.id.0, left.email.lookup_key()),
        raw,
    };
    let taken = ingest_batch(app, blobs, alias.id, vec![fetched], &Strikes::default()).await;
    match taken.into_iter().next() {
        Some(Ok(done)) => Ok(done),
        Some(Err(e)) => Err(e.into()),
        None => Err(StoreError::Internal("the message was lost".into()).into()),
    }
}
