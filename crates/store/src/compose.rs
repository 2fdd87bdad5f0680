//! Messages built from the knowledge base: header, greeting, body, signature and footer with
//! their placeholders filled. The body is an article (acknowledgements, automatic answers) or
//! the agent's own text (replies); the reply composer starts from a draft of the parts.

use sqlx::AnyConnection;
use switchboard_domain::article::{Composed, Part, compose};
use switchboard_domain::template::{self, Placeholder, Values};
use switchboard_domain::{
    Activity, ActivityId, Alias, ArticleId, MessageParts, ReplyDraft, UserId, email,
};

use crate::Store;
use crate::error::StoreError;
use crate::sql::col;
use crate::{activities, aliases, kb, outbox, queues, settings, users};

/// Placeholder values for messages about `activity`.
pub(crate) async fn values(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
) -> Result<Values, StoreError> {
    let mut v = Values::default();
    let r = sqlx::query(
        "SELECT cu.name AS customer, k.subject AS case_subject, d.name AS department FROM cases k \
         JOIN customers cu ON cu.id = k.customer_id JOIN departments d ON d.id = k.department_id WHERE k.id = $1",
    )
    .bind(activity.case_id.0)
    .fetch_optional(&mut *c)
    .await?;
    if let Some(r) = r {
        v.set(Placeholder::CustomerName, col::<String>(&r, "customer")?);
        v.set(Placeholder::CaseSubject, col::<String>(&r, "case_subject")?);
        v.set(
            Placeholder::DepartmentName,
            col::<String>(&r, "department")?,
        );
    }
    let email = sqlx::query(
        "SELECT from_address FROM emails WHERE activity_id = $1 AND direction = 'inbound' ORDER BY id LIMIT 1",
    )
    .bind(activity.id.0)
    .fetch_optional(&mut *c)
    .await?;
    if let Some(r) = email
        && let Some(a) = col::<Option<String>>(&r, "from_address")?
    {
        v.set(Placeholder::CustomerEmail, a);
    }
    v.set(Placeholder::CaseId, activity.case_id.to_string())
        .set(Placeholder::ActivityId, activity.id.to_string())
        .set(Placeholder::AliasAddress, alias.address.to_string())
        .set(Placeholder::AliasName, alias.display_name.clone());
    if let Some(q) = activity.queue_id.or(alias.queue_id)
        && let Ok(queue) = queues::fetch(&mut *c, q).await
    {
        v.set(Placeholder::QueueName, queue.name.clone());
        v.set(
            Placeholder::ExpectedResponse,
            template::duration_words(u64::from(queue.service_level_secs)),
        );
    }
    Ok(v)
}

/// Renders the articles `ids` (an absent or inactive one gives `None`).
async fn render(
    c: &mut AnyConnection,
    ids: &[Option<ArticleId>],
    values: &Values,
) -> Result<Vec<Option<Part>>, StoreError> {
    let wanted: Vec<ArticleId> = ids.iter().flatten().copied().collect();
    let found = kb::articles_by_id(c, &wanted).await?;
    Ok(ids
        .iter()
        .map(|id| {
            let a = found.get(&(*id)?).filter(|a| a.active)?;
            let text_src = if a.text.trim().is_empty() {
                switchboard_domain::html_text::html_to_text(&a.html)
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
        })
        .collect())
}

/// An article with the standard parts around it, placeholders filled: (text, HTML).
pub(crate) async fn composed(
    c: &mut AnyConnection,
    parts: &MessageParts,
    body: ArticleId,
    values: &Values,
) -> Result<(String, String), StoreError> {
    let ids = [
        parts.header,
        parts.greeting,
        Some(body),
        parts.signature,
        parts.footer,
    ];
    let rendered = render(c, &ids, values).await?;
    let refs: Vec<Option<&Part>> = rendered.iter().map(Option::as_ref).collect();
    let out = compose(&refs);
    Ok((out.text, out.html))
}

/// The standard parts of messages about `activity` sent from `alias`: its department's, with the
/// alias's overrides when the alias is of that department (not after a hand-over).
pub(crate) async fn parts_for(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
) -> Result<MessageParts, StoreError> {
    let parts = settings::email_settings(c, activity.department_id)
        .await?
        .parts;
    Ok(if alias.department_id == activity.department_id {
        parts.overridden_by(alias.parts)
    } else {
        parts
    })
}

/// Placeholder values for a reply by `agent`.
async fn reply_values(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
) -> Result<Values, StoreError> {
    let mut values = values(c, activity, alias).await?;
    if let Some(u) = agent {
        let user = users::fetch(&mut *c, u).await?;
        values.set(Placeholder::AgentName, user.name);
    }
    Ok(values)
}

/// The department's header and greeting, and its signature and footer, for a reply by `agent`.
pub(crate) async fn around_reply(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
) -> Result<(Composed, Composed), StoreError> {
    let parts = parts_for(c, activity, alias).await?;
    let ids = [parts.header, parts.greeting, parts.signature, parts.footer];
    if ids.iter().all(Option::is_none) {
        // No parts: nothing to fill in (the common case of a reply costs no more reads).
        return Ok((Composed::default(), Composed::default()));
    }
    let values = reply_values(c, activity, alias, agent).await?;
    let r = render(c, &ids, &values).await?;
    let pair = |a: &Option<Part>, b: &Option<Part>| compose(&[a.as_ref(), b.as_ref()]);
    Ok((pair(&r[0], &r[1]), pair(&r[2], &r[3])))
}

/// A reply's body with the department's standard parts around it: (text, HTML); `None` when
/// the department has none (the reply goes as written).
pub(crate) async fn reply(
    c: &mut AnyConnection,
    activity: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
    text: &str,
    html: Option<&str>,
) -> Result<Option<(String, String)>, StoreError> {
    let (before, after) = around_reply(c, activity, alias, agent).await?;
    if before == Composed::default() && after == Composed::default() {
        return Ok(None);
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
    let out = compose(&[Some(&before), Some(&body), Some(&after)]);
    Ok(Some((out.text, out.html)))
}

impl Store {
    /// What `agent`'s reply composer for `activity` starts from.
    pub async fn reply_draft(
        &self,
        activity: ActivityId,
        agent: Option<UserId>,
    ) -> Result<ReplyDraft, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let c = &mut *c;
        let a = activities::fetch(&mut *c, activity).await?;
        a.is_by_email()
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let ans = outbox::answered(c, a.id).await?;
        let alias = aliases::fetch(&mut *c, ans.alias_id).await?;
        let (before, after) = around_reply(c, &a, &alias, agent).await?;
        Ok(ReplyDraft {
            subject: email::reply_subject(&ans.subject),
            to: ans
                .default_recipients()
                .into_iter()
                .map(|m| m.address)
                .collect(),
            before_text: before.text,
            before_html: before.html,
            after_text: after.text,
            after_html: after.html,
        })
    }
}

impl Store {
    /// Article `article` with its placeholders filled for `agent`'s reply to `activity`, as
    /// the composer inserts it: (text, HTML). An inactive article is not found.
    pub async fn article_for_reply(
        &self,
        activity: ActivityId,
        article: ArticleId,
        agent: Option<UserId>,
    ) -> Result<(String, String), StoreError> {
        let mut c = self.inner.read.acquire().await?;
        let c = &mut *c;
        let a = activities::fetch(&mut *c, activity).await?;
        let ans = outbox::answered(c, a.id).await?;
        let alias = aliases::fetch(&mut *c, ans.alias_id).await?;
        let values = reply_values(c, &a, &alias, agent).await?;
        match render(c, &[Some(article)], &values).await?.pop().flatten() {
            Some(p) => Ok((p.text, p.html)),
            None => Err(StoreError::NotFound {
                entity: "article",
                id: article.0,
            }),
        }
    }
}
