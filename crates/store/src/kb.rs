//! The knowledge base: folders, articles and the search index (terms per article, written in the
//! same transaction as the article, ranked with BM25 in `domain::search`).

use std::collections::HashMap;

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::search::{self, Collection, Posting};
use switchboard_domain::workflow::refs::Ref;
use switchboard_domain::{
    Article, ArticleHit, ArticleId, ArticleKind, ArticlePatch, DepartmentId, Folder, FolderId,
    FolderPatch, MessageParts, NewArticle, NewFolder, Timestamp, ValidationError,
};

use crate::Store;
use crate::error::{StoreError, Violation, violation};
use crate::sql::{Arg, Page, PageRequest, Select, col, fetch_by_id, int_list, ts, value_rows};
use crate::workflows;

/// Filters for listing articles.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only this department's.
    pub department_id: Option<DepartmentId>,
    /// Only this folder's.
    pub folder_id: Option<FolderId>,
    /// Only this kind.
    pub kind: Option<ArticleKind>,
}

fn folder_from_row(r: &AnyRow) -> Result<Folder, StoreError> {
    Ok(Folder {
        id: FolderId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        parent_id: col::<Option<i64>>(r, "parent_id")?.map(FolderId),
        name: col(r, "name")?,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

pub(crate) fn article_from_row(r: &AnyRow) -> Result<Article, StoreError> {
    Ok(Article {
        id: ArticleId(col(r, "id")?),
        department_id: DepartmentId(col(r, "department_id")?),
        folder_id: col::<Option<i64>>(r, "folder_id")?.map(FolderId),
        kind: crate::sql::parsed(r, "kind", ArticleKind::parse)?,
        title: col(r, "title")?,
        html: col(r, "html")?,
        text: col(r, "text_body")?,
        active: col::<i64>(r, "active")? != 0,
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

async fn fetch_folder(c: &mut AnyConnection, id: FolderId) -> Result<Folder, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM kb_folders WHERE id = $1",
        id.0,
        "folder",
        folder_from_row,
    )
    .await
}

pub(crate) async fn fetch_article(
    c: &mut AnyConnection,
    id: ArticleId,
) -> Result<Article, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM articles WHERE id = $1",
        id.0,
        "article",
        article_from_row,
    )
    .await
}

/// Articles by id (missing ones are simply absent).
pub(crate) async fn articles_by_id(
    c: &mut AnyConnection,
    ids: &[ArticleId],
) -> Result<HashMap<ArticleId, Article>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT * FROM articles WHERE id IN ({})",
        int_list(ids.iter().map(|a| a.0))
    );
    let rows = sqlx::query(&sql)
        .persistent(false)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| article_from_row(r).map(|a| (a.id, a)))
        .collect()
}

/// Checks that a folder (if any) is in `dept`, and that `parent` does not sit inside `id`.
async fn check_folder(
    c: &mut AnyConnection,
    dept: DepartmentId,
    folder: Option<FolderId>,
    field: &str,
    moving: Option<FolderId>,
) -> Result<(), StoreError> {
    let mut at = folder;
    let mut depth = 0;
    while let Some(f) = at {
        let row = fetch_folder(c, f).await.map_err(|e| match e {
            StoreError::NotFound { .. } => ValidationError::new(field, "no such folder").into(),
            e => e,
        })?;
        if row.department_id != dept {
            return Err(
                ValidationError::new(field, "the folder belongs to another department").into(),
            );
        }
        if Some(f) == moving {
            return Err(ValidationError::new(field, "a folder cannot move into itself").into());
        }
        depth += 1;
        if depth > 32 {
            return Err(ValidationError::new(field, "folders nest at most 32 deep").into());
        }
        at = row.parent_id;
    }
    Ok(())
}

/// Rewrites an article's index entries.
async fn reindex(c: &mut AnyConnection, a: &Article) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM article_terms WHERE article_id = $1")
        .bind(a.id.0)
        .execute(&mut *c)
        .await?;
    let body = format!("{}\n{}", a.text, search::html_words(&a.html));
    let ix = search::index(&a.title, &body);
    let terms: Vec<_> = ix.terms.into_iter().collect();
    for chunk in terms.chunks(100) {
        let sql = format!(
            "INSERT INTO article_terms (article_id, department_id, term, body_tf, title_tf) VALUES {}",
            value_rows(chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for (term, (b, t)) in chunk {
            q = q
                .bind(a.id.0)
                .bind(a.department_id.0)
                .bind(term.as_str())
                .bind(i64::from(*b))
                .bind(i64::from(*t));
        }
        q.execute(&mut *c).await?;
    }
    sqlx::query("UPDATE articles SET terms = $1 WHERE id = $2")
        .bind(i64::from(ix.length))
        .bind(a.id.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Refuses to delete or re-kind an article that is one of a department's or alias's parts.
async fn refuse_if_part(c: &mut AnyConnection, a: &Article) -> Result<(), StoreError> {
    let s = crate::settings::email_settings(c, a.department_id).await?;
    if let Some((field, ..)) = s.parts.each().into_iter().find(|p| p.1 == a.id) {
        return Err(StoreError::Conflict(format!(
            "article {} is the department's {field}",
            a.id
        )));
    }
    let rows = sqlx::query("SELECT id, parts FROM aliases WHERE department_id = $1")
        .bind(a.department_id.0)
        .fetch_all(&mut *c)
        .await?;
    for r in &rows {
        let parts: MessageParts = crate::sql::json(r, "parts")?;
        if let Some((field, ..)) = parts.each().into_iter().find(|p| p.1 == a.id) {
            return Err(StoreError::Conflict(format!(
                "article {} is the {field} of alias {}",
                a.id,
                col::<i64>(r, "id")?
            )));
        }
    }
    Ok(())
}

/// Checks message parts name articles of the right kind in `dept`.
pub(crate) async fn check_parts(
    c: &mut AnyConnection,
    dept: DepartmentId,
    parts: &MessageParts,
    field: &str,
) -> Result<(), StoreError> {
    for (name, id, kind) in parts.each() {
        let f = format!("{field}.{name}");
        let a = fetch_article(c, id).await.map_err(|e| match e {
            StoreError::NotFound { .. } => ValidationError::new(&f, "no such article").into(),
            e => e,
        })?;
        if a.department_id != dept {
            return Err(
                ValidationError::new(&f, "the article belongs to another department").into(),
            );
        }
        if a.kind != kind {
            return Err(ValidationError::new(
                &f,
                format!(
                    "the article is a {}, not a {}",
                    a.kind.as_str(),
                    kind.as_str()
                ),
            )
            .into());
        }
    }
    Ok(())
}

fn folder_error(e: sqlx::Error) -> StoreError {
    match violation(&e) {
        Some(Violation::ForeignKey) => {
            ValidationError::new("department_id", "no such department").into()
        }
        _ => e.into(),
    }
}

impl Store {
    /// Creates a folder.
    pub async fn create_folder(&self, n: NewFolder, now: Timestamp) -> Result<Folder, StoreError> {
        self.writes(move |c| {
                let n = n.clone();
                Box::pin(async move {
                    check_folder(c, n.department_id, n.parent_id, "parent_id", None).await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO kb_folders (department_id, parent_id, name, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
                    )
                    .bind(n.department_id.0)
                    .bind(n.parent_id.map(|p| p.0))
                    .bind(&n.name)
                    .bind(now.millis())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(folder_error)
                    .and_then(|r| col(&r, "id"))?;
                    fetch_folder(c, FolderId(id)).await
                })
            })
            .await
    }

    /// Reads a folder.
    pub async fn folder(&self, id: FolderId) -> Result<Folder, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch_folder(&mut c, id).await
    }

    /// Lists folders, optionally of one department.
    pub async fn list_folders(
        &self,
        scope: &switchboard_domain::Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<Folder>, StoreError> {
        crate::sql::department_page(
            &self.inner.read,
            "kb_folders",
            scope,
            department,
            page,
            folder_from_row,
            |f| f.id.0,
        )
        .await
    }

    /// Renames or moves a folder if `patch.version` is current.
    pub async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        now: Timestamp,
    ) -> Result<Folder, StoreError> {
        self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut f = fetch_folder(c, id).await?;
                    if f.version != patch.version {
                        return Err(StoreError::stale("folder", id.0));
                    }
                    patch.apply(&mut f);
                    check_folder(c, f.department_id, f.parent_id, "parent_id", Some(id)).await?;
                    sqlx::query(
                        "UPDATE kb_folders SET name = $1, parent_id = $2, version = version + 1, updated_at = $3 WHERE id = $4",
                    )
                    .bind(&f.name)
                    .bind(f.parent_id.map(|p| p.0))
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                    fetch_folder(c, id).await
                })
            })
            .await
    }

    /// Deletes an empty folder.
    pub async fn delete_folder(&self, id: FolderId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch_folder(c, id).await?;
                sqlx::query("DELETE FROM kb_folders WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| match violation(&e) {
                        Some(Violation::ForeignKey) => StoreError::Conflict(format!(
                            "folder {id} still holds articles or folders"
                        )),
                        _ => e.into(),
                    })?;
                Ok(())
            })
        })
        .await
    }

    /// Creates an article (HTML already sanitized by the caller) and indexes it.
    pub async fn create_article(
        &self,
        n: NewArticle,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        self.writes(move |c| {
                let n = n.clone();
                Box::pin(async move {
                    check_folder(c, n.department_id, n.folder_id, "folder_id", None).await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO articles (department_id, folder_id, kind, title, html, text_body, active, terms, version, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, $8, $8) RETURNING id",
                    )
                    .bind(n.department_id.0)
                    .bind(n.folder_id.map(|f| f.0))
                    .bind(n.kind.as_str())
                    .bind(&n.title)
                    .bind(&n.html)
                    .bind(&n.text)
                    .bind(i64::from(n.active))
                    .bind(now.millis())
                    .fetch_one(&mut *c)
                    .await
                    .map_err(folder_error)
                    .and_then(|r| col(&r, "id"))?;
                    let a = fetch_article(c, ArticleId(id)).await?;
                    reindex(c, &a).await?;
                    Ok(a)
                })
            })
            .await
    }

    /// Reads an article.
    pub async fn article(&self, id: ArticleId) -> Result<Article, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch_article(&mut c, id).await
    }

    /// Lists articles by id.
    pub async fn list_articles(
        &self,
        scope: &switchboard_domain::Scope,
        f: &ArticleFilter,
        page: &PageRequest,
    ) -> Result<Page<Article>, StoreError> {
        let mut s = Select::new("SELECT * FROM articles");
        s.scope("department_id", scope);
        s.eq_opt("department_id", f.department_id.map(|d| Arg::Int(d.0)));
        s.eq_opt("folder_id", f.folder_id.map(|d| Arg::Int(d.0)));
        s.eq_opt("kind", f.kind.map(|k| Arg::Text(k.as_str().into())));
        let (rows, more) = s.page(&self.inner.read, page).await?;
        let items = rows
            .iter()
            .map(article_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::of(items, more, |a| a.id.0))
    }

    /// Applies a partial update if `patch.version` is current (the caller sanitized new HTML)
    /// and reindexes.
    pub async fn update_article(
        &self,
        id: ArticleId,
        patch: ArticlePatch,
        now: Timestamp,
    ) -> Result<Article, StoreError> {
        self.writes(move |c| {
                let patch = patch.clone();
                Box::pin(async move {
                    let mut a = fetch_article(c, id).await?;
                    if a.version != patch.version {
                        return Err(StoreError::stale("article", id.0));
                    }
                    let kind = a.kind;
                    patch.apply(&mut a)?;
                    if a.kind != kind || !a.active {
                        refuse_if_part(c, &a).await?;
                    }
                    check_folder(c, a.department_id, a.folder_id, "folder_id", None).await?;
                    sqlx::query(
                        "UPDATE articles SET folder_id = $1, kind = $2, title = $3, html = $4, text_body = $5, active = $6, \
                         version = version + 1, updated_at = $7 WHERE id = $8",
                    )
                    .bind(a.folder_id.map(|f| f.0))
                    .bind(a.kind.as_str())
                    .bind(&a.title)
                    .bind(&a.html)
                    .bind(&a.text)
                    .bind(i64::from(a.active))
                    .bind(now.millis())
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                    let a = fetch_article(c, id).await?;
                    reindex(c, &a).await?;
                    Ok(a)
                })
            })
            .await
    }

    /// Deletes an article that no workflow, department or alias uses.
    pub async fn delete_article(&self, id: ArticleId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                let a = fetch_article(c, id).await?;
                refuse_if_part(c, &a).await?;
                workflows::refuse_if_used(c, a.department_id, Ref::Article(id), "article").await?;
                sqlx::query("DELETE FROM articles WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Searches a department's articles: BM25 over titles and bodies; a query term of three or
    /// more characters also matches words it starts ("refund" finds "refunds").
    pub async fn search_articles(
        &self,
        dept: DepartmentId,
        query: &str,
        kind: Option<ArticleKind>,
        active_only: bool,
        limit: usize,
    ) -> Result<Vec<ArticleHit>, StoreError> {
        let terms = search::query_terms(query);
        if terms.is_empty() {
            return Ok(vec![]);
        }
        let mut c = self.inner.read.acquire().await?;
        let mut conds = Vec::new();
        let mut args = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            // Terms are letters and digits only: no LIKE wildcards to escape.
            if t.chars().count() >= search::MIN_PREFIX {
                conds.push(format!("term LIKE ${}", 2 + i));
                args.push(format!("{t}%"));
            } else {
                conds.push(format!("term = ${}", 2 + i));
                args.push(t.clone());
            }
        }
        let sql = format!(
            "SELECT article_id, term, body_tf, title_tf FROM article_terms WHERE department_id = $1 AND ({})",
            conds.join(" OR ")
        );
        let mut q = sqlx::query(&sql).bind(dept.0);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&mut *c).await?;
        let mut postings = Vec::with_capacity(rows.len());
        for r in &rows {
            postings.push(Posting {
                article: col(r, "article_id")?,
                term: col(r, "term")?,
                body_tf: u32::try_from(col::<i64>(r, "body_tf")?).unwrap_or(0),
                title_tf: u32::try_from(col::<i64>(r, "title_tf")?).unwrap_or(0),
            });
        }
        let figures = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(terms), 0) AS BIGINT) AS total FROM articles WHERE department_id = $1",
        )
        .bind(dept.0)
        .fetch_one(&mut *c)
        .await?;
        let n: i64 = col(&figures, "n")?;
        let total: i64 = col(&figures, "total")?;
        let mut ids: Vec<i64> = postings.iter().map(|p| p.article).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut articles: HashMap<i64, Article> = HashMap::new();
        let mut lengths: HashMap<i64, u32> = HashMap::new();
        for chunk in ids.chunks(400) {
            let sql = format!(
                "SELECT * FROM articles WHERE id IN ({})",
                int_list(chunk.iter().copied())
            );
            for r in sqlx::query(&sql)
                .persistent(false)
                .fetch_all(&mut *c)
                .await?
            {
                let a = article_from_row(&r)?;
                lengths.insert(a.id.0, u32::try_from(col::<i64>(&r, "terms")?).unwrap_or(0));
                articles.insert(a.id.0, a);
            }
        }
        let collection = Collection {
            articles: u64::try_from(n).unwrap_or(0),
            average_length: if n > 0 { total as f64 / n as f64 } else { 1.0 },
        };
        let ranked = search::rank(&terms, &postings, &lengths, collection);
        let mut out = Vec::new();
        for (id, score) in ranked {
            let Some(a) = articles.remove(&id) else {
                continue;
            };
            if (active_only && !a.active) || kind.is_some_and(|k| k != a.kind) {
                continue;
            }
            let source = if a.text.trim().is_empty() {
                search::html_words(&a.html)
            } else {
                a.text.clone()
            };
            out.push(ArticleHit {
                snippet: search::snippet(&source, &terms, 160),
                score,
                article: a,
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}
