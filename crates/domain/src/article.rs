//! The knowledge base: folders of articles. Articles are answers agents insert and the standard
//! parts of every message (header, greeting, signature, footer, auto-acknowledgement), in rich
//! text (sanitized HTML) and plain text, with placeholders filled when used.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{ArticleId, DepartmentId, FolderId};
use crate::template;
use crate::text::{self, MAX_NAME};
use crate::time::Timestamp;

/// Largest article body (HTML or text) in bytes.
pub const MAX_BODY: usize = 256 * 1024;

/// What an article is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleKind {
    /// An answer agents insert into replies.
    #[default]
    Answer,
    /// Put above every message.
    Header,
    /// The salutation.
    Greeting,
    /// The sign-off.
    Signature,
    /// Put below every message (legal notices).
    Footer,
    /// The body of the automatic acknowledgement of a new case.
    AutoAcknowledgement,
}

impl ArticleKind {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::Answer => "answer",
            ArticleKind::Header => "header",
            ArticleKind::Greeting => "greeting",
            ArticleKind::Signature => "signature",
            ArticleKind::Footer => "footer",
            ArticleKind::AutoAcknowledgement => "auto_acknowledgement",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ArticleKind> {
        [
            ArticleKind::Answer,
            ArticleKind::Header,
            ArticleKind::Greeting,
            ArticleKind::Signature,
            ArticleKind::Footer,
            ArticleKind::AutoAcknowledgement,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A knowledge-base folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Folder {
    /// Id.
    pub id: FolderId,
    /// Department.
    pub department_id: DepartmentId,
    /// The folder it sits in; `None` at the top.
    pub parent_id: Option<FolderId>,
    /// Name, unique among its siblings.
    pub name: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFolder {
    /// Department.
    pub department_id: DepartmentId,
    /// Parent folder.
    #[serde(default)]
    pub parent_id: Option<FolderId>,
    /// Name.
    pub name: String,
}

impl NewFolder {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        Ok(self)
    }
}

/// A partial update of a folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FolderPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New parent; `null` moves it to the top.
    #[serde(default, deserialize_with = "crate::text::nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<FolderId>>,
}

impl FolderPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        Ok(self)
    }

    /// Applies the patch to a folder read from the store.
    pub fn apply(&self, f: &mut Folder) {
        if let Some(n) = &self.name {
            f.name.clone_from(n);
        }
        if let Some(p) = self.parent_id {
            f.parent_id = p;
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleHit {
    /// The article.
    pub article: Article,
    /// Relevance (higher is better).
    pub score: f64,
    /// A short extract around the first match.
    pub snippet: String,
}

/// A knowledge-base article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Article {
    /// Id.
    pub id: ArticleId,
    /// Department.
    pub department_id: DepartmentId,
    /// Folder; `None` at the top.
    pub folder_id: Option<FolderId>,
    /// What it is for.
    pub kind: ArticleKind,
    /// Title.
    pub title: String,
    /// Rich text: sanitized HTML.
    pub html: String,
    /// Plain text.
    pub text: String,
    /// Whether it is offered and used.
    pub active: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create an article. Give `html`, `text` or both; the web layer sanitizes the HTML
/// and derives the missing form before validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    /// Department.
    pub department_id: DepartmentId,
    /// Folder.
    #[serde(default)]
    pub folder_id: Option<FolderId>,
    /// What it is for (default `answer`).
    #[serde(default)]
    pub kind: ArticleKind,
    /// Title.
    pub title: String,
    /// Rich text (HTML; sanitized when saved).
    #[serde(default)]
    pub html: String,
    /// Plain text.
    #[serde(default)]
    pub text: String,
    /// Whether it is offered and used (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl NewArticle {
    /// Validates the input: a title, a body, known placeholders.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.title = text::required("title", &self.title, MAX_NAME)?;
        if self.html.trim().is_empty() && self.text.trim().is_empty() {
            return Err(ValidationError::new(
                "text",
                "give the article a body (html or text)",
            ));
        }
        body("html", &self.html)?;
        body("text", &self.text)?;
        Ok(self)
    }
}

/// A partial update of an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    /// The version the client last read.
    pub version: i64,
    /// New folder; `null` moves it to the top.
    #[serde(default, deserialize_with = "crate::text::nullable")]
    #[schema(value_type = Option<i64>)]
    pub folder_id: Option<Option<FolderId>>,
    /// New kind.
    pub kind: Option<ArticleKind>,
    /// New title.
    pub title: Option<String>,
    /// New rich text.
    pub html: Option<String>,
    /// New plain text.
    pub text: Option<String>,
    /// Active or not.
    pub active: Option<bool>,
}

impl ArticlePatch {
    /// Validates the parts it carries.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(t) = &self.title {
            self.title = Some(text::required("title", t, MAX_NAME)?);
        }
        if let Some(h) = &self.html {
            body("html", h)?;
        }
        if let Some(t) = &self.text {
            body("text", t)?;
        }
        Ok(self)
    }

    /// Applies the patch to an article read from the store; an article must keep a body.
    pub fn apply(&self, a: &mut Article) -> Result<(), ValidationError> {
        if let Some(f) = self.folder_id {
            a.folder_id = f;
        }
        if let Some(k) = self.kind {
            a.kind = k;
        }
        if let Some(t) = &self.title {
            a.title.clone_from(t);
        }
        if let Some(h) = &self.html {
            a.html.clone_from(h);
        }
        if let Some(t) = &self.text {
            a.text.clone_from(t);
        }
        if let Some(x) = self.active {
            a.active = x;
        }
        if a.html.trim().is_empty() && a.text.trim().is_empty() {
            return Err(ValidationError::new(
                "text",
                "an article needs a body (html or text)",
            ));
        }
        Ok(())
    }
}

fn body(field: &str, s: &str) -> Result<(), ValidationError> {
    if s.len() > MAX_BODY {
        return Err(ValidationError::new(
            field,
            format!("must be at most {} KiB", MAX_BODY / 1024),
        ));
    }
    if s.contains('\0') {
        return Err(ValidationError::new(
            field,
            "must not contain NUL characters",
        ));
    }
    template::check(field, s)
}

/// The standard parts every message is built from: department defaults, with per-alias
/// overrides. `None` means "none" for a department and "the department's" for an alias.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageParts {
    /// Header article.
    #[serde(default)]
    pub header: Option<ArticleId>,
    /// Greeting article.
    #[serde(default)]
    pub greeting: Option<ArticleId>,
    /// Signature article.
    #[serde(default)]
    pub signature: Option<ArticleId>,
    /// Footer article.
    #[serde(default)]
    pub footer: Option<ArticleId>,
    /// Auto-acknowledgement article.
    #[serde(default)]
    pub acknowledgement: Option<ArticleId>,
}

impl MessageParts {
    /// These parts with `over`'s set parts taking precedence.
    pub fn overridden_by(self, over: MessageParts) -> MessageParts {
        MessageParts {
            header: over.header.or(self.header),
            greeting: over.greeting.or(self.greeting),
            signature: over.signature.or(self.signature),
            footer: over.footer.or(self.footer),
            acknowledgement: over.acknowledgement.or(self.acknowledgement),
        }
    }

    /// Each set part with its field name and the article kind it must have.
    pub fn each(&self) -> Vec<(&'static str, ArticleId, ArticleKind)> {
        [
            ("header", self.header, ArticleKind::Header),
            ("greeting", self.greeting, ArticleKind::Greeting),
            ("signature", self.signature, ArticleKind::Signature),
            ("footer", self.footer, ArticleKind::Footer),
            (
                "acknowledgement",
                self.acknowledgement,
                ArticleKind::AutoAcknowledgement,
            ),
        ]
        .into_iter()
        .filter_map(|(f, id, k)| id.map(|id| (f, id, k)))
        .collect()
    }
}

/// A message body with its standard parts around it, in both forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composed {
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// The text and HTML of one part (already rendered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Part {
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

/// Joins header, greeting, body, signature and footer (absent parts skipped): paragraphs in
/// text, blocks in HTML.
pub fn compose(parts: &[Option<&Part>]) -> Composed {
    let present: Vec<&Part> = parts.iter().flatten().copied().collect();
    let text = present
        .iter()
        .map(|p| p.text.trim_end())
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let html = present
        .iter()
        .filter(|p| !p.html.trim().is_empty())
        .map(|p| format!("<div>{}</div>", p.html.trim()))
        .collect::<Vec<_>>()
        .join("\n");
    Composed { text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(html: &str, text: &str) -> NewArticle {
        NewArticle {
            department_id: DepartmentId(1),
            folder_id: None,
            kind: ArticleKind::Answer,
            title: "Refunds".into(),
            html: html.into(),
            text: text.into(),
            active: true,
        }
    }

    #[test]
    fn an_article_needs_a_body_and_known_placeholders() {
        assert_eq!(new("", " ").validate().unwrap_err().field, "text");
        let e = new("<p>Hi {{customer.nam}}</p>", "")
            .validate()
            .unwrap_err();
        assert_eq!(e.field, "html");
        assert!(e.message.contains("customer.nam"));
        assert!(new("", "Hi {{customer.name}}").validate().is_ok());
    }

    #[test]
    fn alias_parts_override_department_parts() {
        let dept = MessageParts {
            greeting: Some(ArticleId(1)),
            signature: Some(ArticleId(2)),
            ..Default::default()
        };
        let alias = MessageParts {
            signature: Some(ArticleId(9)),
            ..Default::default()
        };
        let p = dept.overridden_by(alias);
        assert_eq!(p.greeting, Some(ArticleId(1)));
        assert_eq!(p.signature, Some(ArticleId(9)));
        assert_eq!(p.each().len(), 2);
    }

    #[test]
    fn composing_skips_absent_parts() {
        let g = Part {
            text: "Dear Ann,".into(),
            html: "<p>Dear Ann,</p>".into(),
        };
        let b = Part {
            text: "Thanks.\n".into(),
            html: String::new(),
        };
        let c = compose(&[None, Some(&g), Some(&b), None]);
        assert_eq!(c.text, "Dear Ann,\n\nThanks.");
        assert_eq!(c.html, "<div><p>Dear Ann,</p></div>");
    }
}
