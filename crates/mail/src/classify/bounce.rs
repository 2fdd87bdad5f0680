//! Bounces: delivery-status reports, abuse feedback, mailer daemons, and non-standard bounces
//! recognised by content and envelope together; the report of who failed and why.

use super::*;

pub(super) const DAEMON_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "mail-daemon",
];
pub(super) const DAEMON_NAMES: &[&str] = &[
    "mailer-daemon",
    "mailer daemon",
    "mail delivery subsystem",
    "mail delivery system",
    "mail deliver system",
];
pub(super) const POSTMASTER_LOCAL_PARTS: &[&str] =
    &["postmaster", "post_master", "mailadmin", "mail-admin"];

pub(super) const NOREPLY_LOCAL_PARTS: &[&str] = &[
    "no-reply",
    "noreply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
];

/// Subject phrases MTAs use for bounces, lowercase, matched anywhere in the subject.
pub(super) const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail returned to sender",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "delivery status notification: error",
    "delivery status notification: failed",
    "delivery status notification: delayed",
    "delivery status notification: warning",
    "mail delivery status notification",
    "undeliverable:",
    "undeliverable mail",
    "undeliverable message",
    "undelivered mail",
    "failure notice",
    "returned mail:",
    "returned mail -",
    "mail delivery failed",
    "mail delivery failure",
    "message delivery has failed",
    "delivery failure",
    "failed delivery",
    "failure delivery",
    "delivery failed",
    "non delivery notification",
    "non-delivery notification",
    "mail could not be delivered",
    "message could not be delivered",
    "mail system error - returned mail",
    "warning: message",
    "delayed mail (still being retried)",
    "could not send mail for past",
    "there was an error sending your mail",
    "email delivery failure",
    "mail failed, returning to sender",
    "mail failure -",
    "nondeliverable mail",
    "delivery notification: delivery has failed",
];

/// Wording typical of bounce texts, lowercase.
pub(super) const BOUNCE_PHRASES: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "could not deliver",
    "couldn't deliver",
    "cannot be delivered",
    "can not be delivered",
    "unable to deliver",
    "was not delivered",
    "wasn't delivered",
    "not be delivered",
    "failed to deliver",
    "delivery has failed",
    "delivery failed",
    "delivery to the following recipient",
    "did not reach the following recipient",
    "undeliverable",
    "undelivered mail",
    "permanent error",
    "permanent fatal error",
    "returned to sender",
    "returning message to sender",
    "wasn't able to deliver",
    "was not able to deliver",
    "message was rejected",
    "email you sent was rejected",
    "mail delivery software",
    "this is the mail system at host",
    "delivery status notification",
    "user unknown",
    "unknown user",
    "no such user",
    "mailbox unavailable",
    "mailbox is full",
    "mailbox full",
    "recipient address rejected",
    "host unknown",
    "delivery has been delayed",
    "still being retried",
    "has not yet been delivered",
    "will continue to try",
    "transcript of session follows",
];

/// Markers after which a bounce quotes the returned message, lowercase.
pub(super) const RETURNED_MESSAGE_MARKERS: &[&str] = &[
    "this is a copy of the message",
    "below this line is a copy of the message",
    "original message follows",
    "----- original message",
    "original message headers",
    "message text follows",
    "returned message",
    "header of the original message",
    "content-type: message/rfc822",
    "bounced e-mail:",
];

/// Recognises a bounce (or an abuse complaint) and extracts its report.
pub(super) fn bounce(msg: &Message<'_>) -> Option<Classification> {
    if let Some((reason, report)) = ses_notification(msg) {
        return Some(Classification {
            kind: MailKind::Bounce,
            reason: reason.to_string(),
            bounce: Some(report),
        });
    }
    let report = report_type(msg);
    let mut complaint = false;
    let reason = if report.as_deref() == Some("delivery-status")
        || part_of_type(
            msg,
            &["message/delivery-status", "message/global-delivery-status"],
        )
        .is_some()
    {
        "RFC 3464 delivery-status report".to_string()
    } else if report.as_deref() == Some("feedback-report")
        || part_of_type(msg, &["message/feedback-report"]).is_some()
    {
        complaint = true;
        "RFC 5965 feedback report (complaint)".to_string()
    } else {
        let reason = heuristic_bounce_reason(msg)?;
        complaint = reason.contains("complaint");
        reason
    };
    Some(Classification {
        kind: MailKind::Bounce,
        reason,
        bounce: Some(bounce_report(msg, complaint)),
    })
}

/// Why a message without a standard report looks like a bounce, if it does.
pub(super) fn heuristic_bounce_reason(msg: &Message<'_>) -> Option<String> {
    let from = from_parts(msg);
    if let Some((address, name)) = &from
        && (DAEMON_LOCAL_PARTS.contains(&local_part(address))
            || DAEMON_NAMES.iter().any(|n| name.contains(n)))
    {
        return Some("From MAILER-DAEMON".to_string());
    }
    if header(msg, "X-Failed-Recipients").is_some_and(|v| !v.is_empty()) {
        return Some("X-Failed-Recipients header".to_string());
    }
    if is_hotmail_complaint(msg.subject().unwrap_or("")) {
        return Some("Hotmail complaint (JMRP)".to_string());
    }
    let content = bounce_content(msg)?;
    let envelope = bounce_envelope(msg, from.as_ref())?;
    Some(format!("non-standard bounce: {content}, {envelope}"))
}

/// Hotmail's junk-mail reports: "complaint about message from <IP address>".
pub(super) fn is_hotmail_complaint(subject: &str) -> bool {
    let lower = subject.trim().to_lowercase();
    lower
        .strip_prefix("complaint about message from ")
        .is_some_and(|ip| {
            !ip.is_empty()
                && ip
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':'))
        })
}

/// Content that says "delivery failed": a bounce subject or bounce wording in the text.
pub(super) fn bounce_content(msg: &Message<'_>) -> Option<String> {
    let subject = msg.subject().unwrap_or("").trim().to_lowercase();
    if !is_reply_or_forward(&subject)
        && let Some(hit) = BOUNCE_SUBJECTS.iter().find(|p| subject.contains(*p))
    {
        return Some(format!("subject \"{hit}\""));
    }
    let text = body_text(msg).to_lowercase();
    BOUNCE_PHRASES
        .iter()
        .find(|p| text.contains(*p))
        .map(|p| format!("text \"{p}\""))
}

/// Whether a (lowercase) subject starts with a forward or reply prefix.
pub(super) fn is_reply_or_forward(subject: &str) -> bool {
    [
        "fwd:", "fw:", "wg:", "tr:", "re:", "aw:", "sv:", "vs:", "rv:", "enc:",
    ]
    .iter()
    .any(|p| subject.starts_with(p))
}

/// Envelope hints that a machine sent it.
pub(super) fn bounce_envelope(
    msg: &Message<'_>,
    from: Option<&(String, String)>,
) -> Option<&'static str> {
    if is_null_return_path(msg) {
        return Some("empty Return-Path");
    }
    match from {
        None => return Some("no From"),
        Some((address, _)) if address.is_empty() => return Some("empty From"),
        Some((address, _)) if POSTMASTER_LOCAL_PARTS.contains(&local_part(address)) => {
            return Some("From postmaster");
        }
        Some((address, _)) if NOREPLY_LOCAL_PARTS.contains(&local_part(address)) => {
            return Some("From no-reply");
        }
        _ => {}
    }
    // Returned headers only, not a whole message/rfc822: people forward mail as attachments.
    if part_of_type(msg, &["text/rfc822-headers", "message/rfc822-headers"]).is_some() {
        return Some("returned headers attached");
    }
    auto_submitted(msg).map(|_| "Auto-Submitted")
}

/// Whether the Return-Path is the null path `<>`.
pub(super) fn is_null_return_path(msg: &Message<'_>) -> bool {
    header(msg, "Return-Path").is_some_and(|v| {
        let inner: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        inner == "<>"
    })
}

/// Builds the report: recipients, permanence and the original Message-ID. A complaint is
/// never permanent: the message was delivered.
pub(super) fn bounce_report(msg: &Message<'_>, complaint: bool) -> BounceReport {
    let text = body_text(msg);
    let original_message_id = original_message_id(msg, &text);
    let mut recipients = part_of_type(
        msg,
        &["message/delivery-status", "message/global-delivery-status"],
    )
    .map(|p| parse_delivery_status(&part_text(p)))
    .unwrap_or_default();
    if recipients.is_empty() {
        recipients = feedback_recipients(msg);
    }
    if recipients.is_empty() {
        let mut exclude = own_addresses(msg);
        exclude.extend(original_message_id.as_ref().map(|id| id.to_lowercase()));
        recipients = recipients_from_text(&text, &exclude);
    }
    let subject = msg.subject().unwrap_or("").to_lowercase();
    BounceReport {
        original_message_id,
        permanent: !complaint && is_permanent(&recipients, &subject),
        recipients,
    }
}

/// Subject words of reports that are not (yet) a failure.
pub(super) const NOT_FAILED_SUBJECTS: &[&str] =
    &["delay", "warning", "still being retried", "complaint"];

/// Permanent when any recipient failed for good (5.x.x or `Action: failed`). When the
/// recipients carry no status at all, permanent unless the subject speaks of a delay.
pub(super) fn is_permanent(recipients: &[BouncedRecipient], subject: &str) -> bool {
    let failed = |r: &BouncedRecipient| {
        r.action.as_deref() == Some("failed")
            || r.status.as_deref().is_some_and(|s| s.starts_with('5'))
    };
    if recipients.iter().any(failed) {
        return true;
    }
    let known = recipients
        .iter()
        .any(|r| r.action.is_some() || r.status.is_some());
    !known && !NOT_FAILED_SUBJECTS.iter().any(|w| subject.contains(w))
}
