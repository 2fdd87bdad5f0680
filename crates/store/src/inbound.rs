//! The reads an inbound email's use case gathers before it decides: which messages were stored
//! before (idempotency), which customers the senders are, which case a Message-ID or a case
//! token points to, which of our messages a bounce reports on. Named queries only; what they
//! mean for the email is decided above the store.

use std::collections::HashMap;

use sqlx::AnyConnection;
use switchboard_domain::text::lookup_key;
use switchboard_domain::{
    ActivityId, AliasId, CaseId, CustomAttributes, CustomerId, DepartmentId, EmailAddress, EmailId,
    IngestResult, Outcome,
};

use crate::error::StoreError;
use crate::sql::{col, placeholders};

/// Source keys (or sender keys) per lookup statement.
const CHUNK: usize = 200;

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

/// The earlier results of the messages of `mailbox` with these source keys (one query per
/// chunk), by source key.
pub(crate) async fn known(
    c: &mut AnyConnection,
    mailbox: AliasId,
    keys: &[&str],
) -> Result<HashMap<String, IngestResult>, StoreError> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
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
            out.insert(col(&r, "source_key")?, earlier(&r)?);
        }
    }
    Ok(out)
}

/// The earlier result of one message of `mailbox`, if it was stored before.
pub(crate) async fn known_one(
    c: &mut AnyConnection,
    mailbox: AliasId,
    key: &str,
) -> Result<Option<IngestResult>, StoreError> {
    let row = sqlx::query(
        "SELECT id, outcome, activity_id, case_id FROM emails WHERE mailbox_alias_id = $1 AND source_key = $2",
    )
    .bind(mailbox.0)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(earlier).transpose()
}

/// The customers (of any department) with one of these email lookup keys.
pub(crate) async fn customers_by_email(
    c: &mut AnyConnection,
    keys: &[String],
) -> Result<Vec<(DepartmentId, String, CustomerId)>, StoreError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
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
            out.push((
                DepartmentId(col(&r, "department_id")?),
                col(&r, "value_key")?,
                CustomerId(col(&r, "customer_id")?),
            ));
        }
    }
    Ok(out)
}

/// The case of a message of `dept` we stored or sent with this Message-ID.
pub(crate) async fn case_of_message(
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
pub(crate) async fn is_participant(
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

/// An outbound email of ours, as a bounce finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentEmail {
    /// The email.
    pub email: EmailId,
    /// Its outbound activity, if it had one.
    pub activity: Option<ActivityId>,
    /// Its case, if it had one.
    pub case: Option<CaseId>,
}

/// Our outbound email of `dept` with this Message-ID.
pub(crate) async fn sent_with(
    c: &mut AnyConnection,
    dept: DepartmentId,
    message_id: &str,
) -> Result<Option<SentEmail>, StoreError> {
    let r = sqlx::query(
        "SELECT id, activity_id, case_id FROM emails WHERE department_id = $1 AND message_id_key = $2 \
         AND direction = 'outbound' ORDER BY id LIMIT 1",
    )
    .bind(dept.0)
    .bind(lookup_key(message_id))
    .fetch_optional(&mut *c)
    .await?;
    r.map(|r| {
        Ok(SentEmail {
            email: EmailId(col(&r, "id")?),
            activity: col::<Option<i64>>(&r, "activity_id")?.map(ActivityId),
            case: col::<Option<i64>>(&r, "case_id")?.map(CaseId),
        })
    })
    .transpose()
}

/// A customer's custom attributes (none when the customer is gone).
pub(crate) async fn customer_attributes(
    c: &mut AnyConnection,
    k: CustomerId,
) -> Result<CustomAttributes, StoreError> {
    let row = sqlx::query("SELECT attributes FROM customers WHERE id = $1")
        .bind(k.0)
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => crate::sql::json(&r, "attributes"),
        None => Ok(CustomAttributes::new()),
    }
}
