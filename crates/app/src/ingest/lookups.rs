//! What one write job looks up once for all its messages, and what it writes together at the
//! end (events, attachment rows).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use switchboard_domain::{
    ActivityId, Alias, AliasId, CustomerId, DepartmentId, EmailAddress, EmailId, EmailSettings,
    InboundEmail, IngestResult, QueueId, QueueUse, StoredAttachment, Timestamp,
};
use switchboard_store::{EmailRow, NewEvent, StoreError, Tx};

use crate::library::{Library, LibraryCache};

/// What one write job looked up, and holds back to write at [`Lookups::flush`].
#[derive(Default)]
pub(super) struct Lookups {
    /// Earlier results by (mailbox alias, source key); complete for the batch when `preloaded`.
    known: HashMap<(AliasId, String), IngestResult>,
    preloaded: bool,
    aliases: HashMap<AliasId, Alias>,
    by_address: HashMap<String, Option<AliasId>>,
    settings: HashMap<DepartmentId, EmailSettings>,
    exception_queues: HashMap<DepartmentId, QueueId>,
    usable_queues: HashMap<QueueId, bool>,
    pub(super) customers: HashMap<(DepartmentId, String), CustomerId>,
    /// Sender keys whose customers (in any department) were loaded up front.
    pub(super) senders_loaded: HashSet<String>,
    /// Events and attachment rows written together at the end of the job.
    pub(super) events: Vec<(ActivityId, NewEvent)>,
    files: Vec<(EmailId, StoredAttachment)>,
    /// Where compiled workflows come from, and the library this job uses (read once per job).
    cache: Option<Arc<LibraryCache>>,
    library: Option<Arc<Library>>,
}

impl Lookups {
    pub(super) fn with(cache: Arc<LibraryCache>) -> Lookups {
        Lookups {
            cache: Some(cache),
            ..Lookups::default()
        }
    }

    /// The workflow library at the generation committed now (empty without a cache).
    pub(super) async fn library(&mut self, tx: &mut Tx<'_>) -> Result<Arc<Library>, StoreError> {
        if let Some(l) = &self.library {
            return Ok(Arc::clone(l));
        }
        let lib = match &self.cache {
            Some(cache) => cache.current(tx).await?,
            None => Arc::new(Library::default()),
        };
        self.library = Some(Arc::clone(&lib));
        Ok(lib)
    }

    /// Loads which of `mails` were stored before and the customers their senders are.
    pub(super) async fn preload(
        &mut self,
        tx: &mut Tx<'_>,
        mails: &[InboundEmail],
    ) -> Result<(), StoreError> {
        let mut by_mailbox: HashMap<AliasId, Vec<&str>> = HashMap::new();
        for m in mails {
            by_mailbox
                .entry(m.mailbox_alias_id)
                .or_default()
                .push(&m.source_key);
        }
        for (mailbox, keys) in by_mailbox {
            for (key, r) in tx.known_emails(mailbox, &keys).await? {
                self.known.insert((mailbox, key), r);
            }
        }
        self.preloaded = true;
        let senders: HashSet<String> = mails
            .iter()
            .filter_map(|m| m.content.as_ref()?.from.as_ref())
            .filter_map(|f| EmailAddress::parse(&f.address).ok())
            .map(|a| a.lookup_key())
            .collect();
        let senders: Vec<String> = senders.into_iter().collect();
        for (dept, key, customer) in tx.customers_by_email(&senders).await? {
            self.customers.insert((dept, key), customer);
        }
        self.senders_loaded.extend(senders);
        Ok(())
    }

    /// Writes what was held back, one statement per kind: events, attachment rows.
    pub(super) async fn flush(
        &mut self,
        tx: &mut Tx<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        tx.append_many(&self.events, now).await?;
        self.events.clear();
        let files: Vec<(EmailId, &StoredAttachment)> =
            self.files.iter().map(|(e, a)| (*e, a)).collect();
        tx.insert_attachments(&files).await?;
        self.files.clear();
        Ok(())
    }

    /// Inserts an email row now and its attachment rows at [`Lookups::flush`].
    pub(super) async fn insert_email(
        &mut self,
        tx: &mut Tx<'_>,
        row: &EmailRow,
        now: Timestamp,
    ) -> Result<EmailId, StoreError> {
        let id = tx.insert_email(row, now).await?;
        self.files
            .extend(row.attachments.iter().map(|a| (id, a.clone())));
        Ok(id)
    }

    /// The earlier result for the same source, if this message was stored before.
    pub(super) async fn already(
        &mut self,
        tx: &mut Tx<'_>,
        m: &InboundEmail,
    ) -> Result<Option<IngestResult>, StoreError> {
        let key = (m.mailbox_alias_id, m.source_key.clone());
        if let Some(r) = self.known.get(&key) {
            return Ok(Some(r.clone()));
        }
        if self.preloaded {
            return Ok(None);
        }
        tx.known_email(m.mailbox_alias_id, &m.source_key).await
    }

    /// Notes a stored message, so a second copy in the same batch finds it.
    pub(super) fn remember(&mut self, m: &InboundEmail, r: &IngestResult) {
        let mut r = r.clone();
        r.created = false;
        self.known
            .insert((m.mailbox_alias_id, m.source_key.clone()), r);
    }

    pub(super) async fn alias(
        &mut self,
        tx: &mut Tx<'_>,
        id: AliasId,
    ) -> Result<Alias, StoreError> {
        if let Some(a) = self.aliases.get(&id) {
            return Ok(a.clone());
        }
        let a = tx.alias(id).await?;
        self.aliases.insert(id, a.clone());
        Ok(a)
    }

    /// The active alias with this address key, if any.
    pub(super) async fn alias_at(
        &mut self,
        tx: &mut Tx<'_>,
        key: &str,
    ) -> Result<Option<Alias>, StoreError> {
        if let Some(found) = self.by_address.get(key) {
            return match found {
                Some(id) => self.alias(tx, *id).await.map(Some),
                None => Ok(None),
            };
        }
        let a = tx.alias_at(key).await?;
        self.by_address
            .insert(key.to_string(), a.as_ref().map(|a| a.id));
        if let Some(a) = &a {
            self.aliases.insert(a.id, a.clone());
        }
        Ok(a)
    }

    pub(super) async fn settings(
        &mut self,
        tx: &mut Tx<'_>,
        dept: DepartmentId,
    ) -> Result<EmailSettings, StoreError> {
        if let Some(s) = self.settings.get(&dept) {
            return Ok(s.clone());
        }
        let s = tx.email_settings(dept).await?;
        self.settings.insert(dept, s.clone());
        Ok(s)
    }

    pub(super) async fn exception_queue(
        &mut self,
        tx: &mut Tx<'_>,
        dept: DepartmentId,
    ) -> Result<QueueId, StoreError> {
        if let Some(q) = self.exception_queues.get(&dept) {
            return Ok(*q);
        }
        let q = tx.exception_queue(dept).await?;
        self.exception_queues.insert(dept, q);
        Ok(q)
    }

    /// Whether `q` exists, is active and takes work of `dept`.
    pub(super) async fn queue_usable(
        &mut self,
        tx: &mut Tx<'_>,
        dept: DepartmentId,
        q: QueueId,
    ) -> Result<bool, StoreError> {
        if let Some(ok) = self.usable_queues.get(&q) {
            return Ok(*ok);
        }
        let ok = match tx.queue(q).await {
            Ok(queue) => queue.accepts(dept, QueueUse::Work).is_ok(),
            Err(StoreError::NotFound { .. }) => false,
            Err(e) => return Err(e),
        };
        self.usable_queues.insert(q, ok);
        Ok(ok)
    }
}
