//! Amazon SES bounce and complaint notifications (JSON in the body).

use super::*;

/// An Amazon SES bounce, complaint or delivery notification delivered by SNS email: a JSON
/// body from `sns.amazonaws.com` (or with an `x-amz-sns-message-id` header).
pub(super) fn ses_notification(msg: &Message<'_>) -> Option<(&'static str, BounceReport)> {
    let from_sns =
        from_parts(msg).is_some_and(|(address, _)| address.ends_with("@sns.amazonaws.com"));
    if !from_sns && header(msg, "x-amz-sns-message-id").is_none() {
        return None;
    }
    // Long lines may arrive wrapped, even inside JSON strings: join them back.
    let text: String = collect_text(msg, &msg.text_body)
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    let json_text = text.get(text.find('{')?..=text.rfind('}')?)?;
    let mut json: serde_json::Value = serde_json::from_str(json_text).ok()?;
    // The "JSON" SNS format wraps the SES notification in a string field.
    if let Some(inner) = json.get("Message").and_then(|m| m.as_str()) {
        json = serde_json::from_str(inner).ok()?;
    }
    let (reason, recipients, permanent) = match json.get("notificationType")?.as_str()? {
        "Bounce" => (
            "Amazon SES bounce notification",
            ses_recipients(&json["bounce"]["bouncedRecipients"], None),
            json["bounce"]["bounceType"].as_str() == Some("Permanent"),
        ),
        "Complaint" => {
            let kind = json["complaint"]["complaintFeedbackType"]
                .as_str()
                .unwrap_or("complaint");
            (
                "Amazon SES complaint notification",
                ses_recipients(&json["complaint"]["complainedRecipients"], Some(kind)),
                false,
            )
        }
        "Delivery" => (
            "Amazon SES delivery notification",
            ses_recipients(&json["delivery"]["recipients"], None),
            false,
        ),
        _ => return None,
    };
    let original_message_id = json["mail"]["commonHeaders"]["messageId"]
        .as_str()
        .and_then(normalize_message_id)
        .or_else(|| first_id(msg.in_reply_to()));
    Some((
        reason,
        BounceReport {
            original_message_id,
            recipients,
            permanent,
        },
    ))
}

/// SES recipient entries: objects with `emailAddress`, `action`, `status`,
/// `diagnosticCode`, or plain address strings (delivery notifications).
pub(super) fn ses_recipients(
    list: &serde_json::Value,
    diagnostic: Option<&str>,
) -> Vec<BouncedRecipient> {
    let text =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_string);
    list.as_array()
        .into_iter()
        .flatten()
        .take(MAX_RECIPIENTS)
        .filter_map(|entry| {
            let address = entry
                .as_str()
                .map(str::to_string)
                .or_else(|| text(entry, "emailAddress"))?;
            let delivered = entry.is_string();
            Some(BouncedRecipient {
                address,
                action: text(entry, "action")
                    .or_else(|| delivered.then(|| "delivered".to_string())),
                status: text(entry, "status"),
                diagnostic: text(entry, "diagnosticCode")
                    .map(|d| clip(&d))
                    .or_else(|| diagnostic.map(str::to_string)),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Auto-replies and bulk
// ---------------------------------------------------------------------------------------------
