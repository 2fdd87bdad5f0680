//! The pre-chat form (what the customer tells before the chat starts, mapped to the customer and
//! the activity) and the survey after it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::text::{self, MAX_NAME, MAX_TEXT};

/// Most fields of a pre-chat form, and most questions of a survey.
pub const MAX_FIELDS: usize = 20;
/// Most options of a choice.
pub const MAX_OPTIONS: usize = 50;

/// What a pre-chat field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Multiline,
    /// An email address.
    Email,
    /// A number.
    Number,
    /// One of the field's options.
    Choice,
}

/// Where a pre-chat answer goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldTarget {
    /// The customer's name.
    CustomerName,
    /// The customer's email address (finds the customer, and the transcript goes there).
    CustomerEmail,
    /// The activity's subject and first message.
    Question,
    /// A custom attribute of the activity, named by the field's key.
    #[default]
    Attribute,
}

/// One field of the pre-chat form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreChatField {
    /// Machine key, unique in the form (the attribute's name for `attribute` fields).
    pub key: String,
    /// What the customer reads.
    pub label: String,
    /// What it holds.
    pub kind: FieldKind,
    /// Whether the chat cannot start without it.
    #[serde(default)]
    pub required: bool,
    /// The options of a `choice`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Where the answer goes.
    #[serde(default)]
    pub maps_to: FieldTarget,
}

/// What a survey question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// A rating from 1 to 5.
    Rating,
    /// Yes or no.
    YesNo,
    /// One of the question's options.
    Choice,
    /// Free text.
    Text,
}

/// One question of the survey offered when a chat ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyQuestion {
    /// Machine key, unique in the survey (answers are stored by it).
    pub key: String,
    /// The question.
    pub text: String,
    /// What it asks for.
    pub kind: QuestionKind,
    /// Whether it must be answered for the survey to be sent.
    #[serde(default)]
    pub required: bool,
    /// The options of a `choice`.
    #[serde(default)]
    pub options: Vec<String>,
}

/// The form a new entry point starts with: name, email address, question.
pub fn default_pre_chat() -> Vec<PreChatField> {
    let field = |key: &str, label: &str, kind, required, maps_to| PreChatField {
        key: key.into(),
        label: label.into(),
        kind,
        required,
        options: vec![],
        maps_to,
    };
    vec![
        field(
            "name",
            "Your name",
            FieldKind::Text,
            true,
            FieldTarget::CustomerName,
        ),
        field(
            "email",
            "Your email address",
            FieldKind::Email,
            true,
            FieldTarget::CustomerEmail,
        ),
        field(
            "question",
            "How can we help?",
            FieldKind::Multiline,
            false,
            FieldTarget::Question,
        ),
    ]
}

/// Checks `choice` options: 1–50 distinct, none empty; other kinds have none.
fn options(field: &str, choice: bool, list: &mut Vec<String>) -> Result<(), ValidationError> {
    if !choice {
        return if list.is_empty() {
            Ok(())
        } else {
            Err(ValidationError::new(field, "only a choice has options"))
        };
    }
    if list.is_empty() || list.len() > MAX_OPTIONS {
        return Err(ValidationError::new(
            field,
            format!("a choice needs 1 to {MAX_OPTIONS} options"),
        ));
    }
    let mut seen: Vec<String> = Vec::with_capacity(list.len());
    for (i, o) in list.iter().enumerate() {
        let o = text::required(&format!("{field}[{i}]"), o, MAX_NAME)?;
        if seen.contains(&o) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                "appears twice",
            ));
        }
        seen.push(o);
    }
    *list = seen;
    Ok(())
}

/// Checks a key against those seen before it.
fn unique_key(field: &str, key: &str, seen: &mut Vec<String>) -> Result<(), ValidationError> {
    text::key(field, key)?;
    if seen.iter().any(|k| k == key) {
        return Err(ValidationError::new(field, "another one has this key"));
    }
    seen.push(key.to_string());
    Ok(())
}

/// Validates a pre-chat form: keys unique, labels given, options only for choices, each of the
/// name, email and question targets at most once, the email target an email field.
pub fn check_pre_chat(fields: &mut [PreChatField]) -> Result<(), ValidationError> {
    if fields.len() > MAX_FIELDS {
        return Err(ValidationError::new(
            "pre_chat",
            format!("at most {MAX_FIELDS} fields"),
        ));
    }
    let mut keys = Vec::new();
    let mut targets = Vec::new();
    for (i, f) in fields.iter_mut().enumerate() {
        let at = |name: &str| format!("pre_chat[{i}].{name}");
        unique_key(&at("key"), &f.key, &mut keys)?;
        f.label = text::required(&at("label"), &f.label, MAX_NAME)?;
        options(&at("options"), f.kind == FieldKind::Choice, &mut f.options)?;
        if f.maps_to != FieldTarget::Attribute {
            if targets.contains(&f.maps_to) {
                return Err(ValidationError::new(
                    at("maps_to"),
                    "another field already fills this",
                ));
            }
            targets.push(f.maps_to);
        }
        if f.maps_to == FieldTarget::CustomerEmail && f.kind != FieldKind::Email {
            return Err(ValidationError::new(
                at("kind"),
                "the customer's email address is an email field",
            ));
        }
    }
    Ok(())
}

/// Validates a survey: keys unique, questions given, options only for choices.
pub fn check_survey(questions: &mut [SurveyQuestion]) -> Result<(), ValidationError> {
    if questions.len() > MAX_FIELDS {
        return Err(ValidationError::new(
            "survey",
            format!("at most {MAX_FIELDS} questions"),
        ));
    }
    let mut keys = Vec::new();
    for (i, q) in questions.iter_mut().enumerate() {
        let at = |name: &str| format!("survey[{i}].{name}");
        unique_key(&at("key"), &q.key, &mut keys)?;
        q.text = text::required(&at("text"), &q.text, MAX_TEXT)?;
        options(
            &at("options"),
            q.kind == QuestionKind::Choice,
            &mut q.options,
        )?;
    }
    Ok(())
}
