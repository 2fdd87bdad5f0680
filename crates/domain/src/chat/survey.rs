//! A customer's answers to an entry point's survey after a chat, checked against its questions:
//! ratings 1–5, yes or no, one of a choice's options, bounded free text; required questions
//! answered, unknown keys refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::form::{QuestionKind, SurveyQuestion};
use crate::error::ValidationError;

/// Longest free-text answer, in characters.
pub const MAX_TEXT_ANSWER: usize = 2000;

/// One answered question, kept with the question's text as it was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyAnswer {
    /// The question's key.
    pub key: String,
    /// The question as asked.
    pub question: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// The answer: a number (rating), a boolean (yes/no) or text (choice, free text).
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// Checks `answers` (by question key) against `questions`. Errors name the answer as
/// `answers.<key>`.
pub fn check_survey_answers(
    questions: &[SurveyQuestion],
    answers: &BTreeMap<String, String>,
) -> Result<Vec<SurveyAnswer>, ValidationError> {
    if questions.is_empty() {
        return Err(ValidationError::new("answers", "this chat has no survey"));
    }
    if let Some(unknown) = answers
        .keys()
        .find(|k| !questions.iter().any(|q| &q.key == *k))
    {
        return Err(ValidationError::new(
            format!("answers.{unknown}"),
            "the survey has no such question",
        ));
    }
    let mut out = Vec::new();
    for q in questions {
        let at = format!("answers.{}", q.key);
        let raw = answers.get(&q.key).map_or("", |s| s.trim());
        if raw.is_empty() {
            if q.required {
                return Err(ValidationError::new(at, "please answer this question"));
            }
            continue;
        }
        let value = match q.kind {
            QuestionKind::Rating => match raw.parse::<u8>() {
                Ok(n @ 1..=5) => serde_json::Value::from(n),
                _ => return Err(ValidationError::new(at, "a rating from 1 to 5")),
            },
            QuestionKind::YesNo => match raw {
                "yes" => serde_json::Value::Bool(true),
                "no" => serde_json::Value::Bool(false),
                _ => return Err(ValidationError::new(at, "yes or no")),
            },
            QuestionKind::Choice => {
                if !q.options.iter().any(|o| o == raw) {
                    return Err(ValidationError::new(
                        at,
                        format!("one of: {}", q.options.join(", ")),
                    ));
                }
                serde_json::Value::String(raw.to_string())
            }
            QuestionKind::Text => {
                if raw.chars().count() > MAX_TEXT_ANSWER {
                    return Err(ValidationError::new(
                        at,
                        format!("at most {MAX_TEXT_ANSWER} characters"),
                    ));
                }
                if raw
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
                {
                    return Err(ValidationError::new(
                        at,
                        "must not contain control characters",
                    ));
                }
                serde_json::Value::String(raw.to_string())
            }
        };
        out.push(SurveyAnswer {
            key: q.key.clone(),
            question: q.text.clone(),
            kind: q.kind,
            value,
        });
    }
    if out.is_empty() {
        return Err(ValidationError::new(
            "answers",
            "answer at least one question",
        ));
    }
    Ok(out)
}
