//! Inbound email → customer, case and activity, in one transaction.
//!
//! The retriever stores the raw bytes in the blob store first and hands the parsed content here.
//! One write job decides everything with what is committed at that moment (so a reply that
//! arrives right after its first message always finds it): idempotency on the mailbox's source
//! key, routing on the original recipient, hygiene (blocked senders, blocked attachments), bounce
//! linking, threading (In-Reply-To, References, case token), then the activity. Whatever goes
//! wrong with a message that was fetched, it is recorded: a message that cannot be processed is
//! kept raw with an activity in the exception queue.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::future::join_all;
use sqlx::AnyConnection;
use switchboard_domain::EventPayload;
use switchboard_domain::email::UNKNOWN_SENDER;
use switchboard_domain::event::{DeliveryFailed, TransitionDetails};
use switchboard_domain::inbound::{self, Placement, Probe, Screen};
use switchboard_domain::{
    Activity, ActivityId, Actor, Alias, AliasId, CaseId, ChannelKind, ContactKind, ContactPoint,
    CustomerId, DepartmentId, EmailAddress, EmailId, EmailSettings, InboundContent, InboundEmail,
    IngestResult, NewActivity, NewCase, NewCustomer, Outcome, QueueId, StoredAttachment,
    ThreadRule, Timestamp,
};

use crate::Store;
use crate::activities::{self, NewEvent};
use crate::automation::{self, Arrival, InboundPlan, Library, LibraryCache};
use crate::emails::{EmailRow, insert_attachments, insert_email_row};
use crate::error::StoreError;
use crate::notify::Notify;
use crate::sql::{col, placeholders};
use crate::{aliases, cases, customers, queues};
use switchboard_domain::text::lookup_key;

/// Longest subject kept on an activity (the email keeps the whole subject).
const MAX_ACTIVITY_SUBJECT: usize = 2000;

/// Source keys per idempotency lookup.
const KNOWN_CHUNK: usize = 200;

impl Store {
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
        let cache = Arc::clone(&self.inner.library);
        let out = self
            .inner
            .writer
            .write(move |c| {
                let m = mail.clone();
                let cache = Arc::clone(&cache);
                Box::pin(async move { ingest_one(c, m, cache, now).await })
            })
            .await;
        self.announce(&out, Notify::routing_work_changed);
        self.announce(&out, Notify::outbox_changed);
        out
    }

    /// Stores a batch of inbound messages (see [`Store::ingest_email`]) in one write job: the
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
            self.inner.notify.routing_work_changed();
            self.inner.notify.outbox_changed();
        }
        out
    }

    async fn ingest_batch(
        &self,
        mails: Vec<InboundEmail>,
        now: Timestamp,
    ) -> Vec<Result<IngestResult, StoreError>> {
        if mails.len() <= 1 {
            return join_all(mails.into_iter().map(|m| self.ingest_email(m, now))).await;
        }
        let shared = Arc::new(mails);
        let job = Arc::clone(&shared);
        let cache = Arc::clone(&self.inner.library);
        let together = self
            .inner
            .writer
            .write(move |c| {
                let ms = Arc::clone(&job);
                let cache = Arc::clone(&cache);
                Box::pin(async move {
                    let mut l = Lookups::with(cache);
                    l.preload(c, &ms).await?;
                    let mut out = Vec::with_capacity(ms.len());
                    for m in ms.iter() {
                        out.push(ingest(c, &mut l, m, now).await?);
                    }
                    l.flush(c, now).await?;
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
                join_all(shared.iter().map(|m| self.ingest_email(m.clone(), now))).await
            }
        }
    }
}

/// One message in its own job: processed, or else (under a savepoint, so the failed attempt
/// leaves nothing behind) recorded with an activity in the exception queue.
async fn ingest_one(
    c: &mut AnyConnection,
    m: InboundEmail,
    cache: Arc<LibraryCache>,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    use sqlx::Connection;
    let mut sp = c.begin().await?;
    let mut l = Lookups::with(cache);
    let done = match ingest(&mut sp, &mut l, &m, now).await {
        Ok(r) => l.flush(&mut sp, now).await.map(|()| r),
        Err(e) => Err(e),
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
            let alias = l.alias(c, m.mailbox_alias_id).await?;
            let mut row = EmailRow::inbound(&m, alias.department_id, &alias);
            row.outcome_reason =
                switchboard_domain::storable::storable(&format!("processing failed: {e}"))
                    .into_owned();
            let r = to_exception_queue(c, &mut l, row, None, "processing_failed", now).await?;
            l.flush(c, now).await?;
            Ok(r)
        }
    }
}

/// What one write job looks up once for all its messages.
#[derive(Default)]
struct Lookups {
    /// Earlier results by (mailbox alias, source key); complete for the batch when `preloaded`.
    known: HashMap<(AliasId, String), IngestResult>,
    preloaded: bool,
    aliases: HashMap<AliasId, Alias>,
    by_address: HashMap<String, Option<AliasId>>,
    settings: HashMap<DepartmentId, EmailSettings>,
    exception_queues: HashMap<DepartmentId, QueueId>,
    usable_queues: HashMap<QueueId, bool>,
    customers: HashMap<(DepartmentId, String), CustomerId>,
    /// Sender keys whose customers (in any department) were loaded up front.
    senders_loaded: HashSet<String>,
    /// Events and attachment rows written together at the end of the job.
    events: Vec<(ActivityId, NewEvent)>,
    files: Vec<(EmailId, StoredAttachment)>,
    /// Where compiled workflows come from, and the library this job uses (read once per job).
    cache: Option<Arc<LibraryCache>>,
    library: Option<Arc<Library>>,
}

impl Lookups {
    fn with(cache: Arc<LibraryCache>) -> Lookups {
        Lookups {
            cache: Some(cache),
            ..Lookups::default()
        }
    }

    /// The workflow library at the generation committed now (empty without a cache).
    async fn library(&mut self, c: &mut AnyConnection) -> Result<Arc<Library>, StoreError> {
        if let Some(l) = &self.library {
            return Ok(Arc::clone(l));
        }
        let lib = match &self.cache {
            Some(cache) => cache.current(c).await?,
            None => Arc::new(Library::default()),
        };
        self.library = Some(Arc::clone(&lib));
        Ok(lib)
    }

    /// Loads which of `mails` were stored before, with one query per mailbox and chunk.
    async fn preload(
        &mut self,
        c: &mut AnyConnection,
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
            for chunk in keys.chunks(KNOWN_CHUNK) {
                let sql = format!(
                    "SELECT id, outcome, activity_id, case_id, source_key FROM emails \
                     WHERE mailbox_alias_id = $1 AND source_key IN ({})",
                    placeholders(2, chunk.len())
                );
                let mut q = sqlx::query(&sql).bind(mailbox.0);
                for k in chunk {
                    q = q.bind(*k);
                }
                for r in q.fetch_all(&mut *c).await? {
                    let key: String = col(&r, "source_key")?;
                    self.known.insert((mailbox, key), earlier(&r)?);
                }
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
        for chunk in senders.chunks(KNOWN_CHUNK) {
            let sql = format!(
                "SELECT department_id, value_key, customer_id FROM contact_points \
                 WHERE kind = 'email' AND value_key IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k.as_str());
            }
            for r in q.fetch_all(&mut *c).await? {
                let dept = DepartmentId(col(&r, "department_id")?);
                let key: String = col(&r, "value_key")?;
                self.customers
                    .insert((dept, key), CustomerId(col(&r, "customer_id")?));
            }
        }
        self.senders_loaded.extend(senders);
        Ok(())
    }

    /// Writes what was held back for one statement per kind: events, attachment rows.
    async fn flush(&mut self, c: &mut AnyConnection, now: Timestamp) -> Result<(), StoreError> {
        activities::append_many(c, &self.events, now).await?;
        self.events.clear();
        let files: Vec<(EmailId, &StoredAttachment)> =
            self.files.iter().map(|(e, a)| (*e, a)).collect();
        insert_attachments(c, &files).await?;
        self.files.clear();
        Ok(())
    }

    /// Inserts an email row now and its attachment rows at [`Lookups::flush`].
    async fn insert_email(
        &mut self,
        c: &mut AnyConnection,
        row: &EmailRow,
        now: Timestamp,
    ) -> Result<EmailId, StoreError> {
        let id = insert_email_row(c, row, now).await?;
        self.files
            .extend(row.attachments.iter().map(|a| (id, a.clone())));
        Ok(id)
    }

    /// The earlier result for the same source, if this message was stored before.
    async fn already(
        &mut self,
        c: &mut AnyConnection,
        m: &InboundEmail,
    ) -> Result<Option<IngestResult>, StoreError> {
        let key = (m.mailbox_alias_id, m.source_key.clone());
        if let Some(r) = self.known.get(&key) {
            return Ok(Some(r.clone()));
        }
        if self.preloaded {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, outcome, activity_id, case_id FROM emails WHERE mailbox_alias_id = $1 AND source_key = $2",
        )
        .bind(m.mailbox_alias_id.0)
        .bind(&m.source_key)
        .fetch_optional(&mut *c)
        .await?;
        row.as_ref().map(earlier).transpose()
    }

    /// Notes a stored message, so a second copy in the same batch finds it.
    fn remember(&mut self, m: &InboundEmail, r: &IngestResult) {
        let mut r = r.clone();
        r.created = false;
        self.known
            .insert((m.mailbox_alias_id, m.source_key.clone()), r);
    }

    async fn alias(&mut self, c: &mut AnyConnection, id: AliasId) -> Result<Alias, StoreError> {
        if let Some(a) = self.aliases.get(&id) {
            return Ok(a.clone());
        }
        let a = aliases::fetch(&mut *c, id).await?;
        self.aliases.insert(id, a.clone());
        Ok(a)
    }

    /// The active alias with this address key, if any.
    async fn alias_at(
        &mut self,
        c: &mut AnyConnection,
        key: &str,
    ) -> Result<Option<Alias>, StoreError> {
        if let Some(found) = self.by_address.get(key) {
            return match found {
                Some(id) => self.alias(c, *id).await.map(Some),
                None => Ok(None),
            };
        }
        let a = aliases::by_address_key(c, key).await?;
        self.by_address
            .insert(key.to_string(), a.as_ref().map(|a| a.id));
        if let Some(a) = &a {
            self.aliases.insert(a.id, a.clone());
        }
        Ok(a)
    }

    async fn settings(
        &mut self,
        c: &mut AnyConnection,
        dept: DepartmentId,
    ) -> Result<EmailSettings, StoreError> {
        if let Some(s) = self.settings.get(&dept) {
            return Ok(s.clone());
        }
        let s = crate::settings::email_settings(c, dept).await?;
        self.settings.insert(dept, s.clone());
        Ok(s)
    }

    async fn exception_queue(
        &mut self,
        c: &mut AnyConnection,
        dept: DepartmentId,
    ) -> Result<QueueId, StoreError> {
        if let Some(q) = self.exception_queues.get(&dept) {
            return Ok(*q);
        }
        let q = queues::exception_queue(&mut *c, dept).await?.id;
        self.exception_queues.insert(dept, q);
        Ok(q)
    }

    /// Whether `q` exists, is active and belongs to `dept`.
    async fn queue_usable(
        &mut self,
        c: &mut AnyConnection,
        dept: DepartmentId,
        q: QueueId,
    ) -> Result<bool, StoreError> {
        if let Some(ok) = self.usable_queues.get(&q) {
            return Ok(*ok);
        }
        let ok = match queues::fetch(&mut *c, q).await {
            Ok(queue) => queue
                .accepts(dept, switchboard_domain::QueueUse::Work)
                .is_ok(),
            Err(StoreError::NotFound { .. }) => false,
            Err(e) => return Err(e),
        };
        self.usable_queues.insert(q, ok);
        Ok(ok)
    }
}

/// An earlier ingest result from its email row.
fn earlier(r: &sqlx::any::AnyRow) -> Result<IngestResult, StoreError> {
    Ok(IngestResult {
        email_id: EmailId(col(r, "id")?),
        created: false,
        outcome: crate::sql::parsed(r, "outcome", Outcome::parse)?,
        activity_id: col::<Option<i64>>(r, "activity_id")?.map(ActivityId),
        case_id: col::<Option<i64>>(r, "case_id")?.map(CaseId),
    })
}

async fn ingest(
    c: &mut AnyConnection,
    l: &mut Lookups,
    m: &InboundEmail,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    if let Some(done) = l.already(c, m).await? {
        return Ok(done);
    }
    let r = decide(c, l, m, now).await?;
    l.remember(m, &r);
    Ok(r)
}

async fn decide(
    c: &mut AnyConnection,
    l: &mut Lookups,
    m: &InboundEmail,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let mailbox = l.alias(c, m.mailbox_alias_id).await?;
    let Some(content) = &m.content else {
        let mut row = EmailRow::inbound(m, mailbox.department_id, &mailbox);
        row.outcome_reason = m
            .parse_error
            .clone()
            .unwrap_or_else(|| "the message could not be parsed".into());
        return to_exception_queue(c, l, row, None, "unparseable", now).await;
    };
    let alias = routed_alias(c, l, &mailbox, content).await?;
    let dept = alias.department_id;
    let settings = l.settings(c, dept).await?;
    let mut row = EmailRow::inbound(m, dept, &alias);
    for a in &mut row.attachments {
        if settings.blocked_attachment(&a.name) {
            a.blob = None;
        }
    }
    let sender = match inbound::screen(content, &settings) {
        Screen::Bounce => return record_bounce(c, l, row, content, now).await,
        Screen::NoSender => {
            row.outcome_reason = "the message has no usable sender address".into();
            return to_exception_queue(c, l, row, None, "no_sender", now).await;
        }
        Screen::Blocked(why) => {
            row.outcome = Outcome::Blocked;
            row.outcome_reason = why;
            let id = l.insert_email(c, &row, now).await?;
            return Ok(result(id, Outcome::Blocked, None, None));
        }
        Screen::Proceed(sender) => sender,
    };
    let (mut case, rule) = thread(c, dept, content, &sender).await?;
    row.thread_rule = Some(rule);
    // Created only once the email stays in this department (not when a workflow hands it over).
    let mut customer = find_customer(c, l, dept, &sender).await?;
    let takes_work = match alias.queue_id {
        Some(q) if !content.kind.is_automatic() => l.queue_usable(c, dept, q).await?,
        _ => false,
    };
    let (usable, unrouted) = match inbound::place(content.kind, case, alias.queue_id, takes_work) {
        Placement::Attach { case, reason } => {
            row.case_id = Some(case);
            row.outcome = Outcome::Attached;
            row.outcome_reason = reason;
            let id = l.insert_email(c, &row, now).await?;
            return Ok(result(id, Outcome::Attached, None, Some(case)));
        }
        Placement::Exception { sub_status, reason } => {
            row.outcome_reason = reason;
            let customer = match customer {
                Some(k) => k,
                None => create_customer(c, l, dept, &sender, content, now).await?,
            };
            return to_exception_queue(c, l, row, Some(customer), sub_status, now).await;
        }
        Placement::Work { queue } => (Some(queue), None),
        Placement::Unrouted { reason } => (None, Some(reason)),
    };
    let queue = match usable {
        Some(q) => q,
        None => l.exception_queue(c, dept).await?,
    };
    let mut dept = dept;
    let plan = match usable {
        Some(q) => {
            let lib = l.library(c).await?;
            let arrival = Arrival {
                dept,
                alias: alias.id,
                parts: settings.parts.overridden_by(alias.parts),
                content,
                customer,
                new_case: case.is_none(),
                queue: q,
                may_hand_over: true,
                now,
            };
            let plan = automation::plan_inbound(c, &lib, arrival).await?;
            match plan.department {
                Some(to) => {
                    let h =
                        hand_over(c, l, &lib, alias.id, content, &sender, to, plan, now).await?;
                    dept = to;
                    case = h.case;
                    customer = Some(h.customer);
                    row.department_id = to;
                    row.thread_rule = Some(h.rule);
                    h.plan
                }
                None => plan,
            }
        }
        None => InboundPlan::queued(queue),
    };
    let customer = match customer {
        Some(k) => k,
        None => create_customer(c, l, dept, &sender, content, now).await?,
    };
    let activity = create_activity(
        c,
        l,
        dept,
        case,
        customer,
        &content.subject,
        &plan,
        None,
        now,
    )
    .await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = if usable.is_some() {
        Outcome::Activity
    } else {
        Outcome::ExceptionQueue
    };
    if let Some(reason) = unrouted {
        row.outcome_reason = reason.into();
    }
    let id = l.insert_email(c, &row, now).await?;
    let settles = automation::settles(&plan);
    let events = automation::apply_inbound(c, plan, &activity, &alias, now).await?;
    l.events
        .extend(events.into_iter().map(|e| (activity.id, e)));
    if settles {
        // The events so far (created, workflow runs) go first: completion reads the activity.
        l.flush(c, now).await?;
        automation::complete_settled(c, &activity, now).await?;
    }
    Ok(result(
        id,
        row.outcome,
        Some(activity.id),
        Some(activity.case_id),
    ))
}

/// An email handed over to another department.
struct HandOver {
    case: Option<CaseId>,
    rule: ThreadRule,
    customer: CustomerId,
    plan: InboundPlan,
}

/// Hands a new email over to department `to`, as a workflow of the alias's department said,
/// before anything is written for it: it is threaded among `to`'s cases and gets `to`'s
/// customer; `to`'s start workflows (and its inbound workflows for every alias) decide its
/// queue, acknowledgement and answer, by default its exception queue. The first department's
/// runs are recorded first.
#[allow(clippy::too_many_arguments)]
async fn hand_over(
    c: &mut AnyConnection,
    l: &mut Lookups,
    lib: &Library,
    alias: AliasId,
    content: &InboundContent,
    sender: &EmailAddress,
    to: DepartmentId,
    first: InboundPlan,
    now: Timestamp,
) -> Result<HandOver, StoreError> {
    let (case, rule) = thread(c, to, content, sender).await?;
    let customer = find_or_create_customer(c, l, to, sender, content, now).await?;
    let queue = l.exception_queue(c, to).await?;
    let arrival = Arrival {
        dept: to,
        alias,
        parts: l.settings(c, to).await?.parts,
        content,
        customer: Some(customer),
        new_case: case.is_none(),
        queue,
        may_hand_over: false,
        now,
    };
    let next = automation::plan_inbound(c, lib, arrival).await?;
    let mut plan = first.then(next);
    if plan.queue == Some(queue) {
        plan.note(format!(
            "the mail waits in department {to}'s exception queue {queue}"
        ));
    }
    Ok(HandOver {
        case,
        rule,
        customer,
        plan,
    })
}

fn result(
    email_id: EmailId,
    outcome: Outcome,
    activity_id: Option<ActivityId>,
    case_id: Option<CaseId>,
) -> IngestResult {
    IngestResult {
        email_id,
        created: true,
        outcome,
        activity_id,
        case_id,
    }
}

/// The alias the message was really sent to: the first original recipient that is one of our
/// active aliases (servers rewrite To, several aliases may share one mailbox), else the mailbox's.
async fn routed_alias(
    c: &mut AnyConnection,
    l: &mut Lookups,
    mailbox: &Alias,
    content: &InboundContent,
) -> Result<Alias, StoreError> {
    for r in content.original_recipients.iter().take(20) {
        let Ok(addr) = EmailAddress::parse(r) else {
            continue;
        };
        if addr.lookup_key() == mailbox.address.lookup_key() {
            return Ok(mailbox.clone());
        }
        if let Some(a) = l.alias_at(c, &addr.lookup_key()).await? {
            return Ok(a);
        }
    }
    Ok(mailbox.clone())
}

/// Finds the case a message continues, and which rule matched.
async fn thread(
    c: &mut AnyConnection,
    dept: DepartmentId,
    content: &InboundContent,
    sender: &EmailAddress,
) -> Result<(Option<CaseId>, ThreadRule), StoreError> {
    for probe in inbound::thread_probes(content) {
        let hit = match probe {
            Probe::InReplyTo(id) | Probe::References(id) => case_of_message(c, dept, id).await?,
            Probe::CaseToken(case) => is_participant(c, dept, case, sender).await?.then_some(case),
        };
        if hit.is_some() {
            return Ok((hit, probe.rule()));
        }
    }
    Ok((None, ThreadRule::NewCase))
}

/// The case of a message we stored or sent with this Message-ID.
async fn case_of_message(
    c: &mut AnyConnection,
    dept: DepartmentId,
    message_id: &str,
) -> Result<Option<CaseId>, StoreError> {
    let key = lookup_key(message_id);
    if key.is_empty() {
        return Ok(None);
    }
    let r = sqlx::query(
        "SELECT case_id FROM emails WHERE department_id = $1 AND message_id_key = $2 AND case_id IS NOT NULL \
         ORDER BY id LIMIT 1",
    )
    .bind(dept.0)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    r.map(|r| col::<i64>(&r, "case_id").map(CaseId)).transpose()
}

/// Whether `sender` takes part in `case` of `dept`: it is the case's customer's address, or it
/// wrote into the case before.
async fn is_participant(
    c: &mut AnyConnection,
    dept: DepartmentId,
    case: CaseId,
    sender: &EmailAddress,
) -> Result<bool, StoreError> {
    let key = sender.lookup_key();
    let r = sqlx::query(
        "SELECT 1 AS hit FROM cases k WHERE k.id = $1 AND k.department_id = $2 AND (\
           EXISTS (SELECT 1 FROM contact_points p WHERE p.customer_id = k.customer_id AND p.kind = 'email' AND p.value_key = $3) \
           OR EXISTS (SELECT 1 FROM emails e WHERE e.case_id = k.id AND e.from_key = $3))",
    )
    .bind(case.0)
    .bind(dept.0)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    Ok(r.is_some())
}

async fn find_or_create_customer(
    c: &mut AnyConnection,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
    content: &InboundContent,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    match find_customer(c, l, dept, sender).await? {
        Some(found) => Ok(found),
        None => create_customer(c, l, dept, sender, content, now).await,
    }
}

/// The customer of `dept` with the sender's address, if there is one.
async fn find_customer(
    c: &mut AnyConnection,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
) -> Result<Option<CustomerId>, StoreError> {
    let key = sender.lookup_key();
    if let Some(found) = l.customers.get(&(dept, key.clone())) {
        return Ok(Some(*found));
    }
    if !l.senders_loaded.contains(&key)
        && let Some(found) = customers::by_contact(c, dept, ContactKind::Email, &key).await?
    {
        l.customers.insert((dept, key), found.id);
        return Ok(Some(found.id));
    }
    Ok(None)
}

/// A new customer of `dept` for the sender, named as the message's From says.
async fn create_customer(
    c: &mut AnyConnection,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
    content: &InboundContent,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    let key = sender.lookup_key();
    let name = content
        .from
        .as_ref()
        .and_then(|f| f.name.clone())
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        .unwrap_or_default();
    let new = NewCustomer {
        department_id: dept,
        name,
        contact_points: vec![ContactPoint {
            kind: ContactKind::Email,
            value: sender.as_str().to_string(),
        }],
        attributes: Default::default(),
    };
    let id = customers::insert(c, new, now).await?.id;
    l.customers.insert((dept, key), id);
    Ok(id)
}

async fn unknown_sender(
    c: &mut AnyConnection,
    l: &mut Lookups,
    dept: DepartmentId,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    let key = (dept, UNKNOWN_SENDER.to_string());
    if let Some(found) = l.customers.get(&key) {
        return Ok(*found);
    }
    if let Some(found) = customers::by_contact(c, dept, ContactKind::Email, UNKNOWN_SENDER).await? {
        l.customers.insert(key, found.id);
        return Ok(found.id);
    }
    let new = NewCustomer {
        department_id: dept,
        name: "Unknown sender".into(),
        contact_points: vec![ContactPoint {
            kind: ContactKind::Email,
            value: UNKNOWN_SENDER.into(),
        }],
        attributes: Default::default(),
    };
    let id = customers::insert(c, new, now).await?.id;
    l.customers.insert(key, id);
    Ok(id)
}

/// Creates the inbound activity (joining `case` when threaded; an activity belongs to its case's
/// customer, so a colleague answering in a thread adds to that customer's case).
#[allow(clippy::too_many_arguments)]
async fn create_activity(
    c: &mut AnyConnection,
    l: &mut Lookups,
    dept: DepartmentId,
    case: Option<CaseId>,
    customer: CustomerId,
    subject: &str,
    plan: &InboundPlan,
    sub_status: Option<&str>,
    now: Timestamp,
) -> Result<Activity, StoreError> {
    let subject: String = subject
        .trim()
        .chars()
        .filter(|ch| !ch.is_control())
        .take(MAX_ACTIVITY_SUBJECT)
        .collect();
    let case = match case {
        Some(k) => cases::fetch(&mut *c, k).await?,
        None => {
            let new_case = NewCase {
                customer_id: customer,
                subject: subject.clone(),
                owner_id: None,
            };
            cases::insert_for(c, dept, &new_case, now).await?
        }
    };
    let n = NewActivity {
        customer_id: case.customer_id,
        case_id: Some(case.id),
        channel: ChannelKind::InboundEmail,
        subject,
        priority: plan.priority,
        due_at: None,
        queue_id: plan.queue,
        sub_status: sub_status.map(str::to_string),
        category_id: plan.category,
        custom_attributes: plan.attributes.clone(),
    };
    let waits_for = TransitionDetails {
        for_user_id: plan.for_user,
        for_group_id: plan.for_group,
        ..TransitionDetails::default()
    };
    let (activity, events) =
        activities::insert_in_case(c, &case, &n, Actor::System, waits_for, now).await?;
    l.events
        .extend(events.into_iter().map(|e| (activity.id, e)));
    Ok(activity)
}

/// Records a message nobody can route as an activity in the exception queue.
async fn to_exception_queue(
    c: &mut AnyConnection,
    l: &mut Lookups,
    mut row: EmailRow,
    customer: Option<CustomerId>,
    why: &str,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let customer = match customer {
        Some(cu) => cu,
        None => unknown_sender(c, l, dept, now).await?,
    };
    let queue = l.exception_queue(c, dept).await?;
    let subject = if row.subject.trim().is_empty() {
        format!("({why})")
    } else {
        row.subject.clone()
    };
    let plan = InboundPlan::queued(queue);
    let activity =
        create_activity(c, l, dept, None, customer, &subject, &plan, Some(why), now).await?;
    row.case_id = Some(activity.case_id);
    row.activity_id = Some(activity.id);
    row.outcome = Outcome::ExceptionQueue;
    if row.outcome_reason.is_empty() {
        row.outcome_reason = why.to_string();
    }
    let id = l.insert_email(c, &row, now).await?;
    Ok(result(
        id,
        Outcome::ExceptionQueue,
        Some(activity.id),
        Some(activity.case_id),
    ))
}

/// A bounce: linked to the message of ours it reports on, recorded as a delivery exception, and
/// never handed to an agent as a new case.
async fn record_bounce(
    c: &mut AnyConnection,
    l: &mut Lookups,
    mut row: EmailRow,
    content: &InboundContent,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let bounce = content
        .bounce
        .clone()
        .unwrap_or(switchboard_domain::BounceInfo {
            original_message_id: None,
            recipients: vec![],
            permanent: true,
        });
    let mut original: Option<(EmailId, Option<ActivityId>, Option<CaseId>)> = None;
    let mut candidates: Vec<&String> = bounce.original_message_id.iter().collect();
    candidates.extend(content.in_reply_to.iter());
    candidates.extend(content.references.iter().rev());
    for id in candidates.into_iter().take(20) {
        let r = sqlx::query(
            "SELECT id, activity_id, case_id FROM emails WHERE department_id = $1 AND message_id_key = $2 \
             AND direction = 'outbound' ORDER BY id LIMIT 1",
        )
        .bind(dept.0)
        .bind(lookup_key(id))
        .fetch_optional(&mut *c)
        .await?;
        if let Some(r) = r {
            original = Some((
                EmailId(col(&r, "id")?),
                col::<Option<i64>>(&r, "activity_id")?.map(ActivityId),
                col::<Option<i64>>(&r, "case_id")?.map(CaseId),
            ));
            break;
        }
    }
    row.outcome = Outcome::DeliveryException;
    row.case_id = original.and_then(|o| o.2);
    row.outcome_reason = match original {
        Some((id, _, _)) => format!("bounce of email {id}"),
        None => "bounce of a message we did not send (or no longer have)".into(),
    };
    let bounce_id = l.insert_email(c, &row, now).await?;
    let recipients: Vec<(Option<String>, Option<String>, String)> = if bounce.recipients.is_empty()
    {
        vec![(None, None, content.kind_reason.clone())]
    } else {
        bounce
            .recipients
            .iter()
            .map(|r| {
                (
                    Some(r.address.clone()),
                    r.status.clone(),
                    r.diagnostic
                        .clone()
                        .unwrap_or_else(|| content.kind_reason.clone()),
                )
            })
            .collect()
    };
    let (email_id, activity_id) = original.map_or((None, None), |o| (Some(o.0), o.1));
    for (recipient, status, reason) in &recipients {
        crate::emails::insert_delivery_exception(
            c,
            &crate::emails::NewDeliveryException {
                department_id: dept,
                email_id,
                bounce_email_id: Some(bounce_id),
                activity_id,
                recipient: recipient.clone(),
                status: status.clone(),
                reason: reason.clone(),
                permanent: bounce.permanent,
            },
            now,
        )
        .await?;
    }
    if let Some(activity) = activity_id {
        let a = activities::fetch(&mut *c, activity).await?;
        let failed = DeliveryFailed::Bounced {
            bounce_email_id: bounce_id,
            recipients: recipients.iter().filter_map(|r| r.0.clone()).collect(),
            permanent: bounce.permanent,
        };
        let e = NewEvent::system(a.status, EventPayload::DeliveryFailed(failed));
        activities::append_event(c, activity, e, now).await?;
    }
    Ok(result(
        bounce_id,
        Outcome::DeliveryException,
        None,
        row.case_id,
    ))
}
