//! Stored emails (both directions), their attachments, delivery exceptions and the department
//! hygiene settings. What an inbound email becomes is decided by the ingest use case above the
//! store; the outbox has a file of its own.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::{
    ActivityId, Alias, AliasId, Attachment, AttachmentId, CaseId, DeliveryException,
    DeliveryExceptionId, DepartmentId, Direction, Email, EmailId, EmailKind, EmailSettings,
    InboundEmail, Mailbox, Outcome, StoredAttachment, ThreadRule, Timestamp,
};

use crate::Store;
use crate::blob::BlobKey;
use crate::error::StoreError;
use crate::sql::{Arg, Key, Page, PageRequest, Select, col, json, parsed, to_json, ts};
use switchboard_domain::text::lookup_key;

/// Filters for listing emails.
#[derive(Debug, Clone, Default)]
pub struct EmailFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this alias's.
    pub alias_id: Option<AliasId>,
    /// Only of this case.
    pub case_id: Option<CaseId>,
    /// Only of this activity.
    pub activity_id: Option<ActivityId>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only with this outcome.
    pub outcome: Option<Outcome>,
    /// Only of this kind.
    pub kind: Option<EmailKind>,
}

/// The columns of an email row to insert.
#[derive(Debug, Clone)]
pub struct EmailRow {
    /// The department it belongs to.
    pub department_id: DepartmentId,
    /// The alias it came to or leaves from.
    pub alias_id: Option<AliasId>,
    /// The mailbox it was retrieved from (inbound).
    pub mailbox_alias_id: Option<AliasId>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Where in the mailbox it came from (the idempotency key, inbound).
    pub source_key: Option<String>,
    /// The raw message in the blob store.
    pub raw_blob: Option<String>,
    /// Size of the raw message in bytes.
    pub raw_size: u64,
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To.
    pub in_reply_to: Vec<String>,
    /// References, oldest first.
    pub references: Vec<String>,
    /// From.
    pub from: Option<Mailbox>,
    /// Reply-To.
    pub reply_to: Vec<Mailbox>,
    /// To.
    pub to: Vec<Mailbox>,
    /// Cc.
    pub cc: Vec<Mailbox>,
    /// Subject.
    pub subject: String,
    /// Text body.
    pub text: String,
    /// HTML body, as received (sanitized when shown).
    pub html: Option<String>,
    /// The Date header.
    pub sent_at: Option<Timestamp>,
    /// What kind of message it is (personal, automatic, bounce, …).
    pub kind: EmailKind,
    /// Why it was classified so.
    pub kind_reason: String,
    /// What became of it.
    pub outcome: Outcome,
    /// Why.
    pub outcome_reason: String,
    /// The rule that threaded it into its case.
    pub thread_rule: Option<ThreadRule>,
    /// Its case.
    pub case_id: Option<CaseId>,
    /// Its activity.
    pub activity_id: Option<ActivityId>,
    /// Whether it was sent by a machine.
    pub automatic: bool,
    /// Its attachments (a blocked one has no blob).
    pub attachments: Vec<StoredAttachment>,
}

impl EmailRow {
    /// The row of an inbound message, before its outcome is decided.
    pub fn inbound(m: &InboundEmail, dept: DepartmentId, alias: &Alias) -> EmailRow {
        let c = m.content.as_ref();
        EmailRow {
            department_id: dept,
            alias_id: Some(alias.id),
            mailbox_alias_id: Some(m.mailbox_alias_id),
            direction: Direction::Inbound,
            source_key: Some(m.source_key.clone()),
            raw_blob: Some(m.raw_blob.clone()),
            raw_size: m.raw_size,
            message_id: c.and_then(|c| c.message_id.clone()),
            in_reply_to: c.map(|c| c.in_reply_to.clone()).unwrap_or_default(),
            references: c.map(|c| c.references.clone()).unwrap_or_default(),
            from: c.and_then(|c| c.from.clone()),
            reply_to: c.map(|c| c.reply_to.clone()).unwrap_or_default(),
            to: c.map(|c| c.to.clone()).unwrap_or_default(),
            cc: c.map(|c| c.cc.clone()).unwrap_or_default(),
            subject: c.map(|c| c.subject.clone()).unwrap_or_default(),
            text: c.map(|c| c.text.clone()).unwrap_or_default(),
            html: c.and_then(|c| c.html.clone()),
            sent_at: c.and_then(|c| c.date),
            kind: c.map_or(EmailKind::Unparseable, |c| c.kind),
            kind_reason: c.map(|c| c.kind_reason.clone()).unwrap_or_default(),
            outcome: Outcome::Activity,
            outcome_reason: String::new(),
            thread_rule: None,
            case_id: None,
            activity_id: None,
            automatic: c.is_some_and(|c| c.kind.is_automatic()),
            attachments: c.map(|c| c.attachments.clone()).unwrap_or_default(),
        }
    }
}

/// The content hash in a raw message's blob key (the whole text when it is not a blob key).
fn raw_hash(raw_blob: &str) -> String {
    BlobKey::parse(raw_blob).map_or_else(|| raw_blob.to_string(), |k| k.hash().to_string())
}

/// Attachment rows per INSERT statement: few enough that binding stays cheap (see
/// [`crate::sql::int_list`]).
const ATTACHMENT_ROWS: usize = 50;

/// Inserts an email with its attachments; returns its id.
pub(crate) async fn insert_email(
    c: &mut AnyConnection,
    r: &EmailRow,
    now: Timestamp,
) -> Result<EmailId, StoreError> {
    let id = insert_email_row(c, r, now).await?;
    let files: Vec<(EmailId, &StoredAttachment)> = r.attachments.iter().map(|a| (id, a)).collect();
    insert_attachments(c, &files).await?;
    Ok(id)
}

/// Inserts an email without its attachments (see [`insert_attachments`]); returns its id.
pub(crate) async fn insert_email_row(
    c: &mut AnyConnection,
    r: &EmailRow,
    now: Timestamp,
) -> Result<EmailId, StoreError> {
    let from_key = r.from.as_ref().map(|f| lookup_key(&f.address));
    let id: i64 = sqlx::query(
        "INSERT INTO emails (department_id, alias_id, mailbox_alias_id, direction, source_key, raw_blob, raw_hash, \
         raw_size, message_id, message_id_key, in_reply_to, ref_ids, from_address, from_key, from_name, reply_to, \
         to_list, cc_list, subject, text_body, html_body, sent_at, kind, kind_reason, outcome, outcome_reason, \
         thread_rule, case_id, activity_id, automatic, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $26, $27, $28, $29, $30, $31) RETURNING id",
    )
    .bind(r.department_id.0)
    .bind(r.alias_id.map(|a| a.0))
    .bind(r.mailbox_alias_id.map(|a| a.0))
    .bind(r.direction.as_str())
    .bind(r.source_key.clone())
    .bind(r.raw_blob.clone())
    .bind(r.raw_blob.as_deref().map(raw_hash))
    .bind(i64::try_from(r.raw_size).unwrap_or(i64::MAX))
    .bind(r.message_id.clone())
    .bind(r.message_id.as_deref().map(lookup_key))
    .bind(to_json(&r.in_reply_to)?)
    .bind(to_json(&r.references)?)
    .bind(r.from.as_ref().map(|f| f.address.clone()))
    .bind(from_key)
    .bind(r.from.as_ref().and_then(|f| f.name.clone()))
    .bind(to_json(&r.reply_to)?)
    .bind(to_json(&r.to)?)
    .bind(to_json(&r.cc)?)
    .bind(&r.subject)
    .bind(&r.text)
    .bind(r.html.clone())
    .bind(r.sent_at.map(Timestamp::millis))
    .bind(r.kind.as_str())
    .bind(&r.kind_reason)
    .bind(r.outcome.as_str())
    .bind(&r.outcome_reason)
    .bind(r.thread_rule.map(ThreadRule::as_str))
    .bind(r.case_id.map(|x| x.0))
    .bind(r.activity_id.map(|x| x.0))
    .bind(i64::from(r.automatic))
    .bind(now.millis())
    .fetch_one(&mut *c)
    .await
    .map_err(StoreError::from)
    .and_then(|row| col(&row, "id"))?;
    Ok(EmailId(id))
}

/// Inserts attachment rows of any emails, a hundred per statement.
pub(crate) async fn insert_attachments(
    c: &mut AnyConnection,
    files: &[(EmailId, &StoredAttachment)],
) -> Result<(), StoreError> {
    for chunk in files.chunks(ATTACHMENT_ROWS) {
        let sql = format!(
            "INSERT INTO email_attachments (email_id, name, content_type, size, blob, content_id, inline_part, blocked) \
             VALUES {}",
            crate::sql::value_rows(chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql);
        for (email, a) in chunk {
            q = q
                .bind(email.0)
                .bind(&a.name)
                .bind(&a.content_type)
                .bind(i64::try_from(a.size).unwrap_or(i64::MAX))
                .bind(a.blob.clone())
                .bind(a.content_id.clone())
                .bind(i64::from(a.inline))
                .bind(i64::from(a.blob.is_none()));
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// The fields of a delivery exception to record.
pub struct NewDeliveryException {
    /// The department.
    pub department_id: DepartmentId,
    /// Our email that failed, when known.
    pub email_id: Option<EmailId>,
    /// The bounce that reported it.
    pub bounce_email_id: Option<EmailId>,
    /// The activity of our email.
    pub activity_id: Option<ActivityId>,
    /// The recipient that failed.
    pub recipient: Option<String>,
    /// The DSN status code.
    pub status: Option<String>,
    /// The diagnostic.
    pub reason: String,
    /// Whether the failure is permanent.
    pub permanent: bool,
}

pub(crate) async fn insert_delivery_exception(
    c: &mut AnyConnection,
    d: &NewDeliveryException,
    now: Timestamp,
) -> Result<(), StoreError> {
    let reason: String = d.reason.chars().take(2000).collect();
    sqlx::query(
        "INSERT INTO delivery_exceptions (department_id, email_id, bounce_email_id, activity_id, recipient, status, \
         reason, permanent, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.department_id.0)
    .bind(d.email_id.map(|x| x.0))
    .bind(d.bounce_email_id.map(|x| x.0))
    .bind(d.activity_id.map(|x| x.0))
    .bind(d.recipient.clone())
    .bind(d.status.clone())
    .bind(reason)
    .bind(i64::from(d.permanent))
    .bind(now.millis())
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn attachment_from_row(r: &AnyRow) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: AttachmentId(col(r, "id")?),
        name: col(r, "name")?,
        content_type: col(r, "content_type")?,
        size: u64::try_from(col::<i64>(r, "size")?).unwrap_or(0),
        content_id: col(r, "content_id")?,
        inline: col::<i64>(r, "inline_part")? != 0,
        blocked: col::<i64>(r, "blocked")? != 0,
    })
}

fn from_row(r: &AnyRow, attachments: Vec<Attachment>) -> Result<Email, StoreError> {
    let from = col::<Option<String>>(r, "from_address")?.map(|address| Mailbox {
        name: col::<Option<String>>(r, "from_name").ok().flatten(),
        address,
    });
    Ok(Email {
        id: EmailId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        alias_id: col::<Option<i64>>(r, "alias_id")?.map(AliasId),
        direction: parsed(r, "direction", Direction::parse)?,
        message_id: col(r, "message_id")?,
        in_reply_to: json(r, "in_reply_to")?,
        references: json(r, "ref_ids")?,
        from,
        to: json(r, "to_list")?,
        cc: json(r, "cc_list")?,
        subject: col(r, "subject")?,
        text: col(r, "text_body")?,
        has_html: col::<Option<String>>(r, "html_body")?.is_some(),
        kind: parsed(r, "kind", EmailKind::parse)?,
        kind_reason: col(r, "kind_reason")?,
        outcome: parsed(r, "outcome", Outcome::parse)?,
        outcome_reason: col(r, "outcome_reason")?,
        thread_rule: col::<Option<String>>(r, "thread_rule")?.and_then(|t| ThreadRule::parse(&t)),
        case_id: col::<Option<i64>>(r, "case_id")?.map(CaseId),
        activity_id: col::<Option<i64>>(r, "activity_id")?.map(ActivityId),
        raw_size: u64::try_from(col::<i64>(r, "raw_size")?).unwrap_or(0),
        automatic: col::<i64>(r, "automatic")? != 0,
        attachments,
        created_at: ts(r, "created_at")?,
    })
}

const EMAIL_COLUMNS: &str = "id, department_id, alias_id, direction, message_id, in_reply_to, ref_ids, \
     from_address, from_name, to_list, cc_list, subject, text_body, \
     CASE WHEN html_body IS NULL THEN NULL ELSE '' END AS html_body, kind, kind_reason, outcome, \
     outcome_reason, thread_rule, case_id, activity_id, raw_size, automatic, created_at";

fn delivery_from_row(r: &AnyRow) -> Result<DeliveryException, StoreError> {
    Ok(DeliveryException {
        id: DeliveryExceptionId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        email_id: col::<Option<i64>>(r, "email_id")?.map(EmailId),
        bounce_email_id: col::<Option<i64>>(r, "bounce_email_id")?.map(EmailId),
        activity_id: col::<Option<i64>>(r, "activity_id")?.map(ActivityId),
        recipient: col(r, "recipient")?,
        status: col(r, "status")?,
        reason: col(r, "reason")?,
        permanent: col::<i64>(r, "permanent")? != 0,
        created_at: ts(r, "created_at")?,
    })
}

/// Where an attachment's bytes are.
#[derive(Debug, Clone)]
pub struct AttachmentBlob {
    /// The attachment.
    pub attachment: Attachment,
    /// The email it belongs to.
    pub email_id: EmailId,
    /// Blob key (`None` when blocked).
    pub blob: Option<String>,
}

/// The list query for `f` within `scope`: each filter reads an index in id order, a scope of
/// several departments one department at a time.
fn list_query(scope: &switchboard_domain::Scope, f: &EmailFilter) -> Select {
    let mut s = Select::new(&format!("SELECT {EMAIL_COLUMNS} FROM emails"));
    s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)))
        .eq_opt("alias_id", f.alias_id.map(|d| Arg::Int(d.0)))
        .eq_opt("case_id", f.case_id.map(|d| Arg::Int(d.0)))
        .eq_opt("activity_id", f.activity_id.map(|d| Arg::Int(d.0)))
        .eq_opt(
            "direction",
            f.direction.map(|x| Arg::Text(x.as_str().into())),
        )
        .eq_opt("outcome", f.outcome.map(|x| Arg::Text(x.as_str().into())))
        .eq_opt("kind", f.kind.map(|x| Arg::Text(x.as_str().into())))
        .scope_arms("department_id", scope, f.department_id.is_some());
    s
}

impl Store {
    async fn attachments_of(&self, ids: &[i64]) -> Result<Vec<(i64, Attachment)>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let sql = format!(
                "SELECT * FROM email_attachments WHERE email_id IN ({}) ORDER BY id",
                crate::sql::int_list(chunk.iter().copied())
            );
            let q = sqlx::query(&sql).persistent(false);
            for r in q.fetch_all(&self.inner.read).await? {
                out.push((col::<i64>(&r, "email_id")?, attachment_from_row(&r)?));
            }
        }
        Ok(out)
    }

    async fn with_attachments(&self, rows: &[AnyRow]) -> Result<Vec<Email>, StoreError> {
        let ids = rows
            .iter()
            .map(|r| col::<i64>(r, "id"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut atts = self.attachments_of(&ids).await?;
        rows.iter()
            .map(|r| {
                let id: i64 = col(r, "id")?;
                let (mine, rest): (Vec<_>, Vec<_>) = atts.drain(..).partition(|(e, _)| *e == id);
                atts = rest;
                from_row(r, mine.into_iter().map(|(_, a)| a).collect())
            })
            .collect()
    }

    /// Reads an email with its attachments.
    pub async fn email(&self, id: EmailId) -> Result<Email, StoreError> {
        let sql = format!("SELECT {EMAIL_COLUMNS} FROM emails WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "email",
                id: id.0,
            })?;
        let mut v = self.with_attachments(&[row]).await?;
        v.pop().ok_or(StoreError::NotFound {
            entity: "email",
            id: id.0,
        })
    }

    /// The raw HTML body of an email (unsanitized; the web layer sanitizes before showing it).
    pub async fn email_html(&self, id: EmailId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT html_body FROM emails WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "email",
                id: id.0,
            })?;
        col(&row, "html_body")
    }

    /// The blob key of an email's raw message.
    pub async fn email_raw_blob(&self, id: EmailId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT raw_blob FROM emails WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "email",
                id: id.0,
            })?;
        col(&row, "raw_blob")
    }

    /// An attachment and where its bytes are.
    pub async fn attachment(&self, id: AttachmentId) -> Result<AttachmentBlob, StoreError> {
        let r = sqlx::query("SELECT * FROM email_attachments WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "attachment",
                id: id.0,
            })?;
        Ok(AttachmentBlob {
            attachment: attachment_from_row(&r)?,
            email_id: EmailId(col(&r, "email_id")?),
            blob: col(&r, "blob")?,
        })
    }

    /// Lists emails by id.
    pub async fn list_emails(
        &self,
        scope: &switchboard_domain::Scope,
        f: &EmailFilter,
        page: &PageRequest,
    ) -> Result<Page<Email>, StoreError> {
        let (rows, more) = list_query(scope, f).page(&self.inner.read, page).await?;
        let items = self.with_attachments(&rows).await?;
        Ok(Page::of(items, more, |e| e.id.0))
    }

    /// The database's plan for one page of emails (what [`Store::list_emails`] runs), a line
    /// per step.
    pub async fn email_list_plan(
        &self,
        scope: &switchboard_domain::Scope,
        f: &EmailFilter,
        page: &PageRequest,
    ) -> Result<Vec<String>, StoreError> {
        self.list_plan(list_query(scope, f), page, Key::Id).await
    }

    /// Counts stored emails of a mailbox alias (what the retriever has taken in).
    pub async fn count_inbound(&self, mailbox: AliasId) -> Result<i64, StoreError> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM emails WHERE mailbox_alias_id = $1")
            .bind(mailbox.0)
            .fetch_one(&self.inner.read)
            .await?;
        col(&r, "n")
    }

    /// Lists delivery exceptions by id.
    pub async fn list_delivery_exceptions(
        &self,
        scope: &switchboard_domain::Scope,
        department_id: Option<DepartmentId>,
        email_id: Option<EmailId>,
        page: &PageRequest,
    ) -> Result<Page<DeliveryException>, StoreError> {
        let mut s = Select::new("SELECT * FROM delivery_exceptions");
        s.scope("department_id", scope);
        s.eq_opt("department_id", department_id.map(|d| Arg::Int(d.0)))
            .eq_opt("email_id", email_id.map(|d| Arg::Int(d.0)));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows
            .iter()
            .map(delivery_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |d| d.id.0))
    }

    /// A department's email hygiene settings.
    pub async fn email_settings(&self, dept: DepartmentId) -> Result<EmailSettings, StoreError> {
        crate::departments::fetch(&self.inner.read, dept).await?;
        let mut c = self.inner.read.acquire().await?;
        crate::settings::email_settings(&mut c, dept).await
    }

    /// Replaces a department's email hygiene settings.
    pub async fn set_email_settings(
        &self,
        dept: DepartmentId,
        settings: EmailSettings,
    ) -> Result<EmailSettings, StoreError> {
        self.writes(move |c| {
            let s = settings.clone();
            Box::pin(async move {
                crate::departments::fetch(&mut *c, dept).await?;
                crate::kb::check_parts(c, dept, &s.parts, "parts").await?;
                sqlx::query("DELETE FROM email_settings WHERE department_id = $1")
                    .bind(dept.0)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("INSERT INTO email_settings (department_id, settings) VALUES ($1, $2)")
                    .bind(dept.0)
                    .bind(to_json(&s)?)
                    .execute(&mut *c)
                    .await?;
                Ok(s)
            })
        })
        .await
    }
}
