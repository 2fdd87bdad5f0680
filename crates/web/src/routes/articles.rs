//! `/api/v1/articles`: the knowledge base's articles. HTML is sanitized when saved; the
//! plain-text form is derived from it when not given.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use switchboard_domain::html_text::html_to_text;
use switchboard_domain::{
    Access, Article, ArticleHit, ArticleId, ArticleKind, ArticlePatch, DepartmentId, FolderId,
    NewArticle, Resource, ValidationError,
};
use switchboard_mail::sanitize::{SanitizeOptions, sanitize_html};
use switchboard_store::ArticleFilter;

use super::{ListResponse, page};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery, Id};
use crate::state::{AppState, now};

/// Sanitized HTML (remote images kept: authors link their logos) and the text form.
fn clean(html: &str, text: &str) -> (String, String) {
    let opts = SanitizeOptions {
        allow_remote_images: true,
        ..SanitizeOptions::default()
    };
    let html = if html.trim().is_empty() {
        String::new()
    } else {
        sanitize_html(html, &opts).html
    };
    let text = if text.trim().is_empty() && !html.is_empty() {
        html_to_text(&html)
    } else {
        text.to_string()
    };
    (html, text)
}

/// Creates an article; 201.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(mut body): ApiJson<NewArticle>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Access::Write, Resource::Knowledge)?;
    // Placeholders are checked on what the author wrote, then on what is stored.
    body = body.validate()?;
    (body.html, body.text) = clean(&body.html, &body.text);
    let body = body.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.create_article(body, now()).await?),
    ))
}

/// Reads an article.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<Article>> {
    caller.require(Access::Read, Resource::Knowledge)?;
    Ok(Json(s.store.article(ArticleId(id)).await?))
}

/// Updates an article (partial, with version).
pub async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ArticlePatch>,
) -> ApiResult<Json<Article>> {
    caller.require(Access::Write, Resource::Knowledge)?;
    let mut body = body.validate()?;
    if let Some(h) = &body.html {
        let (html, text) = clean(h, body.text.as_deref().unwrap_or(""));
        body.html = Some(html);
        if body.text.is_none() || body.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            body.text = Some(text);
        }
    }
    let body = body.validate()?;
    Ok(Json(
        s.store.update_article(ArticleId(id), body, now()).await?,
    ))
}

/// Deletes an article no workflow or message part uses; 204.
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(Access::Delete, Resource::Knowledge)?;
    s.store.delete_article(ArticleId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the article list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
    folder_id: Option<i64>,
    kind: Option<String>,
}

fn kind(k: Option<&str>) -> Result<Option<ArticleKind>, ValidationError> {
    k.map(|k| {
        ArticleKind::parse(k).ok_or_else(|| {
            ValidationError::new(
                "kind",
                "one of answer, header, greeting, signature, footer, auto_acknowledgement",
            )
        })
    })
    .transpose()
}

/// Lists articles.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<Article>>> {
    caller.require(Access::Read, Resource::Knowledge)?;
    let f = ArticleFilter {
        department_id: q.department_id.map(DepartmentId),
        folder_id: q.folder_id.map(FolderId),
        kind: kind(q.kind.as_deref())?,
    };
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store.list_articles(&caller.scope, &f, &p).await?.into(),
    ))
}

/// Search parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    department_id: i64,
    q: String,
    kind: Option<String>,
    limit: Option<u32>,
    include_inactive: Option<bool>,
}

/// Full-text search over a department's articles, best first.
pub async fn search(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Vec<ArticleHit>>> {
    caller.require(Access::Read, Resource::Knowledge)?;
    if q.q.chars().count() > 500 {
        return Err(ValidationError::new("q", "at most 500 characters").into());
    }
    let limit = usize::try_from(q.limit.unwrap_or(20).clamp(1, 100)).unwrap_or(20);
    Ok(Json(
        s.store
            .search_articles(
                DepartmentId(q.department_id),
                &q.q,
                kind(q.kind.as_deref())?,
                !q.include_inactive.unwrap_or(false),
                limit,
            )
            .await?,
    ))
}

switchboard_domain::refers_fields!(Query {
    department_id: Department,
    folder_id: Folder
});

switchboard_domain::refers_fields!(SearchQuery {
    department_id: Department
});
