//! Placeholders in knowledge-base articles: `{{customer.name}}`, with an optional default after a
//! bar, `{{agent.name | Customer Service}}`. An article is checked when it is saved, so an unknown
//! placeholder is an error for its author, never a blank in a customer's mail.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;

/// What a placeholder stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum Placeholder {
    /// `customer.name`.
    #[serde(rename = "customer.name")]
    CustomerName,
    /// `customer.email`.
    #[serde(rename = "customer.email")]
    CustomerEmail,
    /// `case.id`: the case number.
    #[serde(rename = "case.id")]
    CaseId,
    /// `case.subject`.
    #[serde(rename = "case.subject")]
    CaseSubject,
    /// `activity.id`.
    #[serde(rename = "activity.id")]
    ActivityId,
    /// `agent.name`: who answers (empty in automatic messages unless a default is given).
    #[serde(rename = "agent.name")]
    AgentName,
    /// `alias.address`: the address the customer wrote to.
    #[serde(rename = "alias.address")]
    AliasAddress,
    /// `alias.name`: its display name.
    #[serde(rename = "alias.name")]
    AliasName,
    /// `queue.name`.
    #[serde(rename = "queue.name")]
    QueueName,
    /// `department.name`.
    #[serde(rename = "department.name")]
    DepartmentName,
    /// `expected_response`: the queue's service level as words, e.g. "4 hours".
    #[serde(rename = "expected_response")]
    ExpectedResponse,
}

impl Placeholder {
    /// Every placeholder, in the order shown to authors.
    pub const ALL: [Placeholder; 11] = [
        Placeholder::CustomerName,
        Placeholder::CustomerEmail,
        Placeholder::CaseId,
        Placeholder::CaseSubject,
        Placeholder::ActivityId,
        Placeholder::AgentName,
        Placeholder::AliasAddress,
        Placeholder::AliasName,
        Placeholder::QueueName,
        Placeholder::DepartmentName,
        Placeholder::ExpectedResponse,
    ];

    /// The name written between the braces.
    pub fn as_str(self) -> &'static str {
        match self {
            Placeholder::CustomerName => "customer.name",
            Placeholder::CustomerEmail => "customer.email",
            Placeholder::CaseId => "case.id",
            Placeholder::CaseSubject => "case.subject",
            Placeholder::ActivityId => "activity.id",
            Placeholder::AgentName => "agent.name",
            Placeholder::AliasAddress => "alias.address",
            Placeholder::AliasName => "alias.name",
            Placeholder::QueueName => "queue.name",
            Placeholder::DepartmentName => "department.name",
            Placeholder::ExpectedResponse => "expected_response",
        }
    }

    /// The placeholder with this name.
    pub fn parse(s: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a, P = Placeholder> {
    Text(&'a str),
    Field(P, Option<&'a str>),
}

/// Splits `s` into text and article placeholders; the error is (byte offset, message).
fn parse(s: &str) -> Result<Vec<Part<'_>>, (usize, String)> {
    let known = Placeholder::ALL.map(Placeholder::as_str);
    parse_in(s, &Placeholder::parse, &known)
}

/// Splits `s` into text and the placeholders `lookup` knows (`known` names them for errors).
fn parse_in<'a, P>(
    s: &'a str,
    lookup: &dyn Fn(&str) -> Option<P>,
    known: &[&str],
) -> Result<Vec<Part<'a, P>>, (usize, String)> {
    let mut parts = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let inner_start = open + 2;
        let Some(len) = rest[inner_start..].find("}}") else {
            return Err((
                offset + open,
                "unclosed placeholder: '{{' without '}}'".into(),
            ));
        };
        let inner = &rest[inner_start..inner_start + len];
        let (name, default) = match inner.split_once('|') {
            Some((n, d)) => (n.trim(), Some(d.trim())),
            None => (inner.trim(), None),
        };
        let Some(p) = lookup(name) else {
            return Err((
                offset + open,
                format!(
                    "unknown placeholder {{{{{name}}}}}; known: {}",
                    known.join(", ")
                ),
            ));
        };
        parts.push(Part::Field(p, default));
        let consumed = inner_start + len + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Checks that every placeholder in `s` is known and closed.
pub fn check(field: &str, s: &str) -> Result<(), ValidationError> {
    parse(s).map(|_| ()).map_err(|e| at_line(field, s, e))
}

/// The error of a template that does not parse, with its line.
fn at_line(field: &str, s: &str, (at, m): (usize, String)) -> ValidationError {
    let line = s[..at.min(s.len())].matches('\n').count() + 1;
    ValidationError::new(field, format!("line {line}: {m}"))
}

/// Checks `s` as [`check`] does, against another set of placeholders, named in `known` (e.g. a
/// chat's wait message: `position`, `expected_wait`).
pub fn check_names(field: &str, s: &str, known: &[&str]) -> Result<(), ValidationError> {
    let lookup = |n: &str| known.iter().position(|k| *k == n);
    parse_in(s, &lookup, known)
        .map(|_| ())
        .map_err(|e| at_line(field, s, e))
}

/// Fills the placeholders of `s` named in `values` as plain text (defaults apply to the
/// others); a template that does not parse is returned as it is.
pub fn render_names(s: &str, values: &[(&str, &str)]) -> String {
    let known: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let lookup = |n: &str| known.iter().position(|k| *k == n);
    let Ok(parts) = parse_in(s, &lookup, &known) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(s.len() + 16);
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Field(i, default) => {
                let v = values.get(i).map(|(_, v)| *v).filter(|v| !v.is_empty());
                out.push_str(v.or(default).unwrap_or(""));
            }
        }
    }
    out
}

/// The placeholders `s` uses.
pub fn used(s: &str) -> Vec<Placeholder> {
    let mut out: Vec<Placeholder> = parse(s)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| match p {
            Part::Field(f, _) => Some(f),
            Part::Text(_) => None,
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The values placeholders take in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<Placeholder, String>);

impl Values {
    /// Sets a value (empty values count as absent, so a default applies).
    pub fn set(&mut self, p: Placeholder, v: impl Into<String>) -> &mut Self {
        self.0.insert(p, v.into());
        self
    }

    /// The value of `p`, if set and not empty.
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        self.0.get(&p).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Fills the placeholders of `s`. In HTML (`html`), values are escaped. A template that does not
/// parse (it was checked when saved, so this does not happen) is returned as it is.
pub fn render(s: &str, values: &Values, html: bool) -> String {
    let Ok(parts) = parse(s) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(s.len() + 64);
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Field(f, default) => {
                let v = values.get(f).or(default).unwrap_or("");
                if html {
                    escape_html(v, &mut out);
                } else {
                    out.push_str(v);
                }
            }
        }
    }
    out
}

/// Plain text as HTML: escaped, line breaks kept.
pub fn text_html(text: &str) -> String {
    let mut esc = String::with_capacity(text.len());
    escape_html(text, &mut esc);
    esc.replace('\n', "<br>")
}

/// Appends `s` to `out` with `& < > " '` escaped.
pub fn escape_html(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A duration as words for customers: "45 minutes", "4 hours", "2 days".
pub fn duration_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if secs < 60 {
        plural(secs.max(1), "second")
    } else if secs < 2 * 3600 {
        plural(secs.div_ceil(60), "minute")
    } else if secs < 2 * 86_400 {
        plural(secs.div_ceil(3600), "hour")
    } else {
        plural(secs.div_ceil(86_400), "day")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_escaped_and_defaulted() {
        let mut v = Values::default();
        v.set(Placeholder::CustomerName, "Ann <ann@x>")
            .set(Placeholder::CaseId, "42");
        let t = "Dear {{customer.name}}, case {{ case.id }}. {{agent.name | The team}}";
        assert_eq!(render(t, &v, false), "Dear Ann <ann@x>, case 42. The team");
        assert_eq!(
            render(t, &v, true),
            "Dear Ann &lt;ann@x&gt;, case 42. The team"
        );
        assert_eq!(
            used(t),
            vec![
                Placeholder::CustomerName,
                Placeholder::CaseId,
                Placeholder::AgentName
            ]
        );
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_errors_with_the_line() {
        let e = check("html", "Hello\n{{customer.nmae}}").unwrap_err();
        assert_eq!(e.field, "html");
        assert!(
            e.message
                .starts_with("line 2: unknown placeholder {{customer.nmae}}")
        );
        let e = check("text", "Hi {{customer.name").unwrap_err();
        assert!(e.message.contains("unclosed"), "{e}");
        assert!(check("text", "no placeholders { } }}").is_ok());
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(30), "30 seconds");
        assert_eq!(duration_words(600), "10 minutes");
        assert_eq!(duration_words(4 * 3600), "4 hours");
        assert_eq!(duration_words(86_400), "24 hours");
        assert_eq!(duration_words(3 * 86_400), "3 days");
    }
}
