//! Files sent in a chat: the customer's (a screenshot, an invoice) and the agent's. The rules are
//! the department's for attachments — extensions it blocks are refused — and a size bound per
//! file. A file is a message of its own: its text is the file's name, so transcripts and old
//! clients still show what was sent. The bytes live in the blob store; they are always served as
//! a download, never rendered.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::email::EmailSettings;
use crate::error::ValidationError;
use crate::text::MAX_NAME;

/// Largest file sent in a chat, in bytes (10 MiB).
pub const MAX_CHAT_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// What the type of a file without a usable one becomes.
const OCTET_STREAM: &str = "application/octet-stream";

/// A file sent in a chat, as both sides see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChatFile {
    /// Its name, as sent (without any directory).
    pub name: String,
    /// Its media type, as the sender's browser said (only ever served as a download).
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A file to store with its message: what it is and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChatFile {
    /// The file.
    pub file: ChatFile,
    /// The blob key of its bytes.
    pub blob: String,
}

/// The media type `raw` names, lower case without parameters, when it is a plain
/// `type/subtype`; otherwise `application/octet-stream`.
fn media_type(raw: Option<&str>) -> String {
    let t = raw
        .and_then(|r| r.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match t.split_once('/') {
        Some((a, b)) if token(a) && token(b) => t,
        _ => OCTET_STREAM.to_string(),
    }
}

/// Checks a file before its bytes are kept: a name (its last path segment, trimmed, at most
/// [`MAX_NAME`] characters, no control characters), not of an extension `rules` block, not
/// empty and at most [`MAX_CHAT_FILE_BYTES`]. Errors name the field `name` or `file`.
pub fn check_file(
    name: &str,
    content_type: Option<&str>,
    size: u64,
    rules: &EmailSettings,
) -> Result<ChatFile, ValidationError> {
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if name.is_empty() || name == "." || name == ".." {
        return Err(ValidationError::new("name", "the file needs a name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(ValidationError::new(
            "name",
            format!("at most {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "name",
            "must not contain control characters",
        ));
    }
    if rules.blocked_attachment(&name) {
        return Err(ValidationError::new(
            "name",
            "files of this kind are not accepted",
        ));
    }
    if size == 0 {
        return Err(ValidationError::new("file", "the file is empty"));
    }
    if size > MAX_CHAT_FILE_BYTES {
        return Err(ValidationError::new(
            "file",
            format!("at most {} MiB", MAX_CHAT_FILE_BYTES / (1024 * 1024)),
        ));
    }
    Ok(ChatFile {
        name,
        content_type: media_type(content_type),
        size,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rules() -> EmailSettings {
        EmailSettings {
            blocked_extensions: vec!["exe".into(), "js".into()],
            ..EmailSettings::default()
        }
    }

    #[test]
    fn a_file_keeps_its_last_name_and_a_plain_type() {
        let f = check_file(
            "C:\\Users\\ann\\Invoice 17.PDF",
            Some("Application/PDF; name=x"),
            2048,
            &rules(),
        )
        .unwrap();
        assert_eq!(f.name, "Invoice 17.PDF");
        assert_eq!(f.content_type, "application/pdf");
        assert_eq!(f.size, 2048);
        let f = check_file("../shot.png", Some("text/html<script>"), 1, &rules()).unwrap();
        assert_eq!(
            (f.name.as_str(), f.content_type.as_str()),
            ("shot.png", OCTET_STREAM)
        );
        let f = check_file("notes", None, 1, &rules()).unwrap();
        assert_eq!(f.content_type, OCTET_STREAM);
    }

    #[test]
    fn refusals_name_their_field() {
        let field = |r: Result<ChatFile, ValidationError>| r.unwrap_err().field;
        assert_eq!(field(check_file("setup.EXE", None, 10, &rules())), "name");
        assert_eq!(field(check_file("a/", None, 10, &rules())), "name");
        assert_eq!(field(check_file("..", None, 10, &rules())), "name");
        assert_eq!(
            field(check_file("a\u{1b}b.txt", None, 10, &rules())),
            "name"
        );
        assert_eq!(
            field(check_file(&"n".repeat(MAX_NAME + 1), None, 10, &rules())),
            "name"
        );
        assert_eq!(field(check_file("a.txt", None, 0, &rules())), "file");
        assert_eq!(
            field(check_file("a.txt", None, MAX_CHAT_FILE_BYTES + 1, &rules())),
            "file"
        );
        assert!(check_file("a.txt", None, MAX_CHAT_FILE_BYTES, &rules()).is_ok());
    }
}
