//! The message an email left through a chat entry point's offline form is taken in as: from the
//! customer to the department's alias, plain text, with a header naming the entry point, so it
//! enters the department exactly like mail fetched from the alias's mailbox.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use switchboard_domain::Mailbox;
use switchboard_domain::chat::LeftEmail;

use crate::build::BuildError;

/// The header naming the entry point a left email came through.
pub const ENTRY_POINT_HEADER: &str = "X-Switchboard-Entry-Point";

/// Builds the bytes of `left`, to the alias `to`, sent at `date_secs` (Unix seconds) through
/// entry point `entry_point`, with `message_id` (no angle brackets).
pub fn left_message(
    left: &LeftEmail,
    to: &Mailbox,
    entry_point: i64,
    message_id: &str,
    date_secs: i64,
) -> Result<Vec<u8>, BuildError> {
    let from = Address::new_address(left.name.as_deref(), left.email.as_str());
    let to = Address::new_address(
        to.name.as_deref().filter(|n| !n.is_empty()),
        to.address.as_str(),
    );
    let b = MessageBuilder::new()
        .from(from)
        .to(to)
        .subject(left.subject.as_str())
        .message_id(MessageId::new(message_id))
        .date(Date::new(date_secs))
        .header(ENTRY_POINT_HEADER, Raw::new(entry_point.to_string()))
        .text_body(left.text.as_str());
    Ok(b.write_to_vec()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use switchboard_domain::chat::check_left_email;

    #[test]
    fn a_left_email_parses_back_as_what_was_left() {
        let left = check_left_email(
            Some("Zoë Kunde"),
            "zoe@customer.example",
            "Drucker brennt\nBitte rufen Sie an.",
        )
        .unwrap();
        let to = Mailbox {
            name: Some("Support".into()),
            address: "support@example.org".into(),
        };
        let raw = left_message(&left, &to, 1001, "left.1@example.org", 1_700_000_000).unwrap();
        let p = crate::parse::parse(&raw).unwrap();
        let from = p.from.clone().unwrap();
        assert_eq!(from.address, "zoe@customer.example");
        assert_eq!(from.name.as_deref(), Some("Zoë Kunde"));
        assert_eq!(p.subject, "Drucker brennt");
        assert!(p.text.contains("Bitte rufen Sie an."), "{}", p.text);
        assert_eq!(p.message_id.as_deref(), Some("left.1@example.org"));
        assert!(
            p.headers
                .iter()
                .any(|(n, v)| n.eq_ignore_ascii_case(ENTRY_POINT_HEADER) && v == "1001")
        );
        assert!(
            p.original_recipients
                .iter()
                .any(|r| r == "support@example.org")
        );
    }
}
