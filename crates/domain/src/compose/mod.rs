//! Composing messages from the knowledge base, as pure functions: the placeholder values of a
//! message about an activity, an article rendered with them, the standard parts that apply, and
//! a reply's body between them. The use cases gather the facts and the articles; nothing here
//! reads anything.

use crate::article::{Composed, Part, compose};
use crate::template::{self, Placeholder, Values};
use crate::{Activity, Alias, Article, ArticleId, MessageParts, Queue};

#[cfg(test)]
mod tests;

/// What a message about an activity may say about its case, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// The case's customer's name.
    pub customer_name: String,
    /// The case's subject.
    pub case_subject: String,
    /// The case's department's name.
    pub department_name: String,
    /// The address the activity's first inbound email came from.
    pub customer_email: Option<String>,
}

/// The placeholder values of a message about `a` from `alias`: the case's facts (when the case
/// was found), the activity, the alias, and the queue the work waits in (else the alias's).
pub fn values(
    facts: Option<&MessageFacts>,
    a: &Activity,
    alias: Option<&Alias>,
    queue: Option<&Queue>,
) -> Values {
    let mut v = Values::default();
    if let Some(f) = facts {
        v.set(Placeholder::CustomerName, f.customer_name.clone());
        v.set(Placeholder::CaseSubject, f.case_subject.clone());
        v.set(Placeholder::DepartmentName, f.department_name.clone());
        if let Some(e) = &f.customer_email {
            v.set(Placeholder::CustomerEmail, e.clone());
        }
    }
    v.set(Placeholder::CaseId, a.case_id.to_string())
        .set(Placeholder::ActivityId, a.id.to_string());
    if let Some(alias) = alias {
        v.set(Placeholder::AliasAddress, alias.address.to_string())
            .set(Placeholder::AliasName, alias.display_name.clone());
    }
    if let Some(q) = queue {
        v.set(Placeholder::QueueName, q.name.clone());
        v.set(
            Placeholder::ExpectedResponse,
            template::duration_words(u64::from(q.service_level_secs)),
        );
    }
    v
}

/// The queue whose name and service level a message about `a` from `alias` quotes.
pub fn quoted_queue(a: &Activity, alias: &Alias) -> Option<crate::QueueId> {
    a.queue_id.or(alias.queue_id)
}

/// An article rendered with `values`: its text (its HTML as text when it has none) and its
/// HTML (its text as HTML when it has none). An inactive article renders as nothing.
pub fn render(a: &Article, values: &Values) -> Option<Part> {
    if !a.active {
        return None;
    }
    let text_src = if a.text.trim().is_empty() {
        crate::html_text::html_to_text(&a.html)
    } else {
        a.text.clone()
    };
    let html = if a.html.trim().is_empty() {
        template::text_html(&template::render(&a.text, values, false))
    } else {
        template::render(&a.html, values, true)
    };
    Some(Part {
        text: template::render(&text_src, values, false),
        html,
    })
}

/// The standard parts of messages about `a` sent from `alias`: the department's, with the
/// alias's overrides when the alias is of that department (not after a hand-over).
pub fn parts_for(department: MessageParts, a: &Activity, alias: &Alias) -> MessageParts {
    if alias.department_id == a.department_id {
        department.overridden_by(alias.parts)
    } else {
        department
    }
}

/// The articles of a message whose body is article `body`: header, greeting, body, signature,
/// footer.
pub fn around_article(parts: &MessageParts, body: ArticleId) -> [Option<ArticleId>; 5] {
    [
        parts.header,
        parts.greeting,
        Some(body),
        parts.signature,
        parts.footer,
    ]
}

/// The articles around a reply: header and greeting before it, signature and footer after.
pub fn around_reply(parts: &MessageParts) -> [Option<ArticleId>; 4] {
    [parts.header, parts.greeting, parts.signature, parts.footer]
}

/// Joins rendered parts (absent ones skipped).
pub fn join(parts: &[Option<Part>]) -> Composed {
    let refs: Vec<Option<&Part>> = parts.iter().map(Option::as_ref).collect();
    compose(&refs)
}

/// A reply's body (its HTML, else its text as HTML) between `before` and `after`; `None` when
/// both are empty (the reply goes as written).
pub fn reply(
    text: &str,
    html: Option<&str>,
    before: Composed,
    after: Composed,
) -> Option<Composed> {
    if before == Composed::default() && after == Composed::default() {
        return None;
    }
    let body = Part {
        text: text.to_string(),
        html: html.map_or_else(|| template::text_html(text), str::to_string),
    };
    let as_part = |p: Composed| Part {
        text: p.text,
        html: p.html,
    };
    let (before, after) = (as_part(before), as_part(after));
    Some(compose(&[Some(&before), Some(&body), Some(&after)]))
}
