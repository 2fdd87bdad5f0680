//! A bounce: linked to the message of ours it reports on, recorded as a delivery exception per
//! failed recipient, and never handed to an agent as a new case.

use switchboard_domain::event::DeliveryFailed;
use switchboard_domain::{
    BounceInfo, EventPayload, InboundContent, IngestResult, Outcome, Timestamp,
};
use switchboard_store::{EmailRow, NewDeliveryException, NewEvent, SentEmail, StoreError, Tx};

use super::flow::result;
use super::lookups::Lookups;

/// Message-IDs a bounce is looked up by, at most.
const MAX_CANDIDATES: usize = 20;

/// The Message-IDs that may name our message a bounce reports on, most telling first: the
/// report's own, then In-Reply-To, then References newest first.
pub(super) fn candidates<'a>(bounce: &'a BounceInfo, content: &'a InboundContent) -> Vec<&'a str> {
    let mut out: Vec<&str> = bounce
        .original_message_id
        .iter()
        .map(String::as_str)
        .collect();
    out.extend(content.in_reply_to.iter().map(String::as_str));
    out.extend(content.references.iter().rev().map(String::as_str));
    out.truncate(MAX_CANDIDATES);
    out
}

/// One delivery exception per failed recipient (one without a recipient when the report names
/// none): (recipient, status, reason).
pub(super) fn failures(
    bounce: &BounceInfo,
    content: &InboundContent,
) -> Vec<(Option<String>, Option<String>, String)> {
    if bounce.recipients.is_empty() {
        return vec![(None, None, content.kind_reason.clone())];
    }
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
}

/// Records a bounce.
pub(super) async fn record_bounce(
    tx: &mut Tx<'_>,
    l: &mut Lookups,
    mut row: EmailRow,
    content: &InboundContent,
    now: Timestamp,
) -> Result<IngestResult, StoreError> {
    let dept = row.department_id;
    let bounce = content.bounce.clone().unwrap_or(BounceInfo {
        original_message_id: None,
        recipients: vec![],
        permanent: true,
    });
    let mut original: Option<SentEmail> = None;
    for id in candidates(&bounce, content) {
        if let Some(found) = tx.sent_email(dept, id).await? {
            original = Some(found);
            break;
        }
    }
    row.outcome = Outcome::DeliveryException;
    row.case_id = original.and_then(|o| o.case);
    row.outcome_reason = match original {
        Some(o) => format!("bounce of email {}", o.email),
        None => "bounce of a message we did not send (or no longer have)".into(),
    };
    let bounce_id = l.insert_email(tx, &row, now).await?;
    let recipients = failures(&bounce, content);
    let activity_id = original.and_then(|o| o.activity);
    for (recipient, status, reason) in &recipients {
        let d = NewDeliveryException {
            department_id: dept,
            email_id: original.map(|o| o.email),
            bounce_email_id: Some(bounce_id),
            activity_id,
            recipient: recipient.clone(),
            status: status.clone(),
            reason: reason.clone(),
            permanent: bounce.permanent,
        };
        tx.insert_delivery_exception(&d, now).await?;
    }
    if let Some(activity) = activity_id {
        let a = tx.activity(activity).await?;
        let failed = DeliveryFailed::Bounced {
            bounce_email_id: bounce_id,
            recipients: recipients.iter().filter_map(|r| r.0.clone()).collect(),
            permanent: bounce.permanent,
        };
        let e = NewEvent::system(a.status, EventPayload::DeliveryFailed(failed));
        tx.append_events(activity, vec![e], now).await?;
    }
    Ok(result(
        bounce_id,
        Outcome::DeliveryException,
        None,
        row.case_id,
    ))
}
