//! Ingest: an inbound email becomes a customer, a case and an activity, in one write
//! transaction.
//!
//! The retriever stores the raw bytes in the blob store first and hands the parsed content here.
//! One write job gathers and decides everything with what is committed at that moment (so a
//! reply that arrives right after its first message always finds it): idempotency on the
//! mailbox's source key, routing on the original recipient, hygiene (blocked senders, blocked
//! attachments), bounce linking, threading (In-Reply-To, References, case token), the start and
//! inbound workflows (and a hand-over to another department), then the activity. The decisions
//! are the domain's and the workflow crate's pure functions ([`switchboard_domain::inbound`],
//! [`switchboard_workflow::resolve`]); this module gathers their inputs and applies their
//! outcomes. Whatever goes wrong with a message that was fetched, it is recorded: a message that
//! cannot be processed is kept raw with an activity in the exception queue.

mod apply;
mod bounce;
mod flow;
mod lookups;
mod people;
mod plan;
mod record;

use std::sync::Arc;

use futures_util::future::join_all;
use switchboard_domain::{InboundEmail, IngestResult, Timestamp};
use switchboard_store::{EmailRow, StoreError, Tx};

use crate::App;
use crate::library::LibraryCache;
use lookups::Lookups;
pub(crate) use plan::{route_target, run_record};

impl App {
    /// Stores one inbound message and turns it into work. Idempotent on
    /// (`mailbox_alias_id`, `source_key`): the same message again creates nothing and returns the
    /// first result with `created: false`. If processing fails for any reason but an unavailable
    /// database, the message is still recorded, with an activity in the exception queue.
    pub async fn ingest_email(
        &self,
        mut mail: InboundEmail,
        now: Timestamp,
    ) -> Result<IngestResult, StoreError> {
        // Customer text may hold characters an engine refuses (NUL): made storable here, once.
        mail.make_storable();
        let out = self.ingest_alone(Arc::new(mail), now).await;
        if out.is_ok() {
            self.announce();
        }
        out
    }

    /// Stores a batch of inbound messages (see [`App::ingest_email`]) in one write job: the
    /// aliases, settings and queues are looked up once, and the idempotency check is one query.
    /// The results come back in order. A message that cannot be processed does not hold back the
    /// others: the batch then runs again message by message.
    pub async fn ingest_emails(
        &self,
        mut mails: Vec<InboundEmail>,
        now: Timestamp,
    ) -> Vec<Result<IngestResult, StoreError>> {
        mails.iter_mut().for_each(InboundEmail::make_storable);
        let out = self.ingest_batch(mails, now).await;
        if out.iter().any(Result::is_ok) {
            self.announce();
        }
        out
    }

    /// Tells the router and the outbox that work may have changed.
    fn announce(&self) {
        let notify = self.store.notify();
        notify.routing_work_changed();
        notify.outbox_changed();
    }

    async fn ingest_batch(
        &self,
        mails: Vec<InboundEmail>,
        now: Timestamp,
    ) -> Vec<Result<IngestResult, StoreError>> {
        if mails.len() <= 1 {
            let alone = mails
                .into_iter()
                .map(|m| self.ingest_alone(Arc::new(m), now));
            return join_all(alone).await;
        }
        let shared = Arc::new(mails);
        let job = Arc::clone(&shared);
        let cache = Arc::clone(&self.library);
        let together = self
            .store
            .write(move |mut tx| {
                let ms = Arc::clone(&job);
                let cache = Arc::clone(&cache);
                Box::pin(async move {
                    let mut l = Lookups::with(cache);
                    l.preload(&mut tx, &ms).await?;
                    let mut out = Vec::with_capacity(ms.len());
                    for m in ms.iter() {
                        out.push(flow::ingest(&mut tx, &mut l, m, now).await?);
                    }
                    l.flush(&mut tx, now).await?;
                    Ok(out)
                })
            })
            .await;
        match together {
            Ok(results) => results.into_iter().map(Ok).collect(),
            Err(StoreError::Unavailable(why)) => shared
                .iter()
                .map(|_| Err(StoreError::Unavailable(why.clone())))
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, "an inbound batch failed; taking its messages one by one");
                let alone = shared
                    .iter()
                    .map(|m| self.ingest_alone(Arc::new(m.clone()), now));
                join_all(alone).await
            }
        }
    }

    /// One message in its own write job.
    async fn ingest_alone(
        &self,
        mail: Arc<InboundEmail>,
        now: Timestamp,
    ) -> Result<IngestResult, StoreError> {
        let cache = Arc::clone(&self.library);
        self.store
            .write(move |mut tx| {
                let m = Arc::clone(&mail);
                let cache = Arc::clone(&cache);
                Box::pin(async move { ingest_one(&mut tx, &m, cache, now).await })
            })
            .await
    }
}

/// One message: processed, or else (under a savepoint, so the failed attempt leaves nothing
/// behind) recorded with an activity in the exception queue.
async fn ingest_one(
    tx: &mut Tx<'_>,
    m: &InboundEmail,
    cache: Arc<LibraryCache>,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let mut sp = tx.savepoint().await?;
    let done = {
        let mut inner = sp.tx();
        let mut l = Lookups::with(cache);
        match flow::ingest(&mut inner, &mut l, m, now).await {
            Ok(r) => l.flush(&mut inner, now).await.map(|()| r),
            Err(e) => Err(e),
        }
    };
    match done {
        Ok(r) => {
            sp.commit().await?;
            Ok(r)
        }
        Err(e @ StoreError::Unavailable(_)) => Err(e),
        Err(e) => {
            sp.rollback().await?;
            tracing::warn!(error = %e, source = %m.source_key, "inbound email could not be processed; recording it for the exception queue");
            let mut l = Lookups::default();
            let alias = l.alias(tx, m.mailbox_alias_id).await?;
            let mut row = EmailRow::inbound(m, alias.department_id, &alias);
            row.outcome_reason =
                switchboard_domain::storable::storable(&format!("processing failed: {e}"))
                    .into_owned();
            let r =
                record::to_exception_queue(tx, &mut l, row, None, "processing_failed", now).await?;
            l.flush(tx, now).await?;
            Ok(r)
        }
    }
}
