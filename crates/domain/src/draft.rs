//! A reply saved to finish later. One per activity: it stays with the work, so whoever holds the
//! activity next (after a transfer, a pause or a restart) goes on from where it was left.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::email::{MAX_REPLY_BODY, StoredAttachment};
use crate::error::ValidationError;
use crate::ids::{ActivityId, UserId};
use crate::text::EmailAddress;
use crate::time::Timestamp;

/// Most files a draft (and so a reply) carries.
pub const MAX_DRAFT_ATTACHMENTS: usize = 50;

/// Most recipients of a draft, `to` and `cc` together.
pub const MAX_DRAFT_RECIPIENTS: usize = 100;

/// A saved reply draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SavedDraft {
    /// The activity it answers.
    pub activity_id: ActivityId,
    /// Who saved it last.
    pub author_id: Option<UserId>,
    /// Text body.
    pub text: String,
    /// HTML body (sanitized when saved).
    pub html: Option<String>,
    /// Recipients; empty means the customer's Reply-To or From.
    pub to: Vec<EmailAddress>,
    /// Copy recipients.
    pub cc: Vec<EmailAddress>,
    /// Files saved with it, sent with the reply.
    pub attachments: Vec<StoredAttachment>,
    /// Bumped on every save.
    pub version: i64,
    /// When it was saved last.
    pub updated_at: Timestamp,
}

/// What a save writes: the body and recipients (the files are kept as they are).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftText {
    /// Text body.
    #[serde(default)]
    pub text: String,
    /// HTML body.
    #[serde(default)]
    pub html: Option<String>,
    /// Recipients; empty means the customer's Reply-To or From.
    #[serde(default)]
    pub to: Vec<EmailAddress>,
    /// Copy recipients.
    #[serde(default)]
    pub cc: Vec<EmailAddress>,
}

/// The limits a reply and its draft share: body sizes and the number of recipients.
pub fn check_sizes(
    text: &str,
    html: Option<&str>,
    recipients: usize,
) -> Result<(), ValidationError> {
    if text.len() > MAX_REPLY_BODY {
        return Err(ValidationError::new("text", "at most 4 MiB"));
    }
    if html.is_some_and(|h| h.len() > MAX_REPLY_BODY) {
        return Err(ValidationError::new("html", "at most 4 MiB"));
    }
    if recipients > MAX_DRAFT_RECIPIENTS {
        return Err(ValidationError::new(
            "to",
            format!("at most {MAX_DRAFT_RECIPIENTS} recipients"),
        ));
    }
    Ok(())
}

/// The limit on files a reply (its own and its draft's together) carries.
pub fn check_attachments(count: usize) -> Result<(), ValidationError> {
    if count > MAX_DRAFT_ATTACHMENTS {
        return Err(ValidationError::new(
            "attachments",
            format!("at most {MAX_DRAFT_ATTACHMENTS} attachments"),
        ));
    }
    Ok(())
}

impl DraftText {
    /// Validates the sizes. An empty body is allowed: a draft may hold only files so far.
    pub fn validate(self) -> Result<Self, ValidationError> {
        check_sizes(
            &self.text,
            self.html.as_deref(),
            self.to.len() + self.cc.len(),
        )?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> DraftText {
        DraftText {
            text: body.into(),
            html: None,
            to: vec![],
            cc: vec![],
        }
    }

    #[test]
    fn an_empty_draft_is_allowed_an_oversized_one_is_not() {
        assert!(text("").validate().is_ok());
        let big = "x".repeat(MAX_REPLY_BODY + 1);
        assert_eq!(
            text(&big).validate().map_err(|e| e.field),
            Err("text".to_string())
        );
        let mut html = text("hi");
        html.html = Some(big);
        assert_eq!(
            html.validate().map_err(|e| e.field),
            Err("html".to_string())
        );
    }

    #[test]
    fn recipients_are_bounded() {
        let mut d = text("hi");
        let a = EmailAddress::parse("a@example.com").unwrap();
        d.to = vec![a.clone(); 60];
        d.cc = vec![a; 41];
        assert_eq!(d.validate().map_err(|e| e.field), Err("to".to_string()));
    }
}
