//! Who an email is for and from: the alias it was really sent to, the case it continues, the
//! customer who wrote it.

use switchboard_domain::email::UNKNOWN_SENDER;
use switchboard_domain::inbound::{self, Probe};
use switchboard_domain::{
    Alias, CaseId, ContactKind, ContactPoint, CustomerId, DepartmentId, EmailAddress,
    InboundContent, NewCustomer, ThreadRule, Timestamp,
};
use switchboard_store::{StoreError, Tx};

use super::lookups::Lookups;

/// The alias the message was really sent to: the first original recipient that is one of our
/// active aliases (servers rewrite To, several aliases may share one mailbox), else the mailbox's.
pub(super) async fn routed_alias(
    tx: &mut Tx<'_>,
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
        if let Some(a) = l.alias_at(tx, &addr.lookup_key()).await? {
            return Ok(a);
        }
    }
    Ok(mailbox.clone())
}

/// Finds the case of `dept` a message continues, and which rule matched, trying the domain's
/// probes in order.
pub(super) async fn thread(
    tx: &mut Tx<'_>,
    dept: DepartmentId,
    content: &InboundContent,
    sender: &EmailAddress,
) -> Result<(Option<CaseId>, ThreadRule), StoreError> {
    for probe in inbound::thread_probes(content) {
        let hit = match probe {
            Probe::InReplyTo(id) | Probe::References(id) => tx.case_of_message(dept, id).await?,
            Probe::CaseToken(case) => tx.is_participant(dept, case, sender).await?.then_some(case),
        };
        if hit.is_some() {
            return Ok((hit, probe.rule()));
        }
    }
    Ok((None, ThreadRule::NewCase))
}

/// The sender's customer in `dept`, created when there is none.
pub(super) async fn find_or_create_customer(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
    content: &InboundContent,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    match find_customer(tx, l, dept, sender).await? {
        Some(found) => Ok(found),
        None => create_customer(tx, l, dept, sender, content, now).await,
    }
}

/// The customer of `dept` with the sender's address, if there is one.
pub(super) async fn find_customer(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
) -> Result<Option<CustomerId>, StoreError> {
    let key = sender.lookup_key();
    if let Some(found) = l.customers.get(&(dept, key.clone())) {
        return Ok(Some(*found));
    }
    if !l.senders_loaded.contains(&key)
        && let Some(found) = tx.customer_by_email(dept, &key).await?
    {
        l.customers.insert((dept, key), found);
        return Ok(Some(found));
    }
    Ok(None)
}

/// The name a new customer gets from the message's From: trimmed, at most 200 characters, none
/// when it holds control characters.
pub(super) fn customer_name(content: &InboundContent) -> String {
    content
        .from
        .as_ref()
        .and_then(|f| f.name.clone())
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
        .unwrap_or_default()
}

/// A new customer of `dept` named `name`, reached at email address `address`.
fn email_customer(dept: DepartmentId, name: String, address: &str) -> NewCustomer {
    NewCustomer {
        department_id: dept,
        name,
        contact_points: vec![ContactPoint {
            kind: ContactKind::Email,
            value: address.to_string(),
        }],
        attributes: Default::default(),
    }
}

/// A new customer of `dept` for the sender, named as the message's From says.
pub(super) async fn create_customer(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    dept: DepartmentId,
    sender: &EmailAddress,
    content: &InboundContent,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    let new = email_customer(dept, customer_name(content), sender.as_str());
    let id = tx.insert_customer(new, now).await?;
    l.customers.insert((dept, sender.lookup_key()), id);
    Ok(id)
}

/// The department's customer for mail nobody can attribute, created when there is none.
pub(super) async fn unknown_sender(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    dept: DepartmentId,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    let key = (dept, UNKNOWN_SENDER.to_string());
    if let Some(found) = l.customers.get(&key) {
        return Ok(*found);
    }
    if let Some(found) = tx.customer_by_email(dept, UNKNOWN_SENDER).await? {
        l.customers.insert(key, found);
        return Ok(found);
    }
    let new = email_customer(dept, "Unknown sender".into(), UNKNOWN_SENDER);
    let id = tx.insert_customer(new, now).await?;
    l.customers.insert(key, id);
    Ok(id)
}
