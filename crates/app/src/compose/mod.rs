//! Messages built from the knowledge base: header, greeting, body, signature and footer with
//! their placeholders filled. The body is an article (acknowledgements, automatic answers) or
//! the agent's own text (replies); the reply composer starts from the parts around it. This
//! module gathers the facts and articles; [`switchboard_domain::compose`] composes.

use std::collections::HashMap;

use switchboard_domain::article::{self, Composed, Part};
use switchboard_domain::compose;
use switchboard_domain::template::{Placeholder, Values};
use switchboard_domain::{
    Activity, ActivityId, Alias, ArticleId, ChannelKind, MessageParts, ReplyDraft, UserId, email,
};
use switchboard_store::{StoreError, Tx};

use crate::App;

/// Placeholder values for messages about `a` from `alias`.
pub async fn values(tx: &mut Tx<'_>, a: &Activity, alias: &Alias) -> Result<Values, StoreError> {
    let facts = tx.message_facts(a).await?;
    let queue = match compose::quoted_queue(a, alias) {
        Some(q) => tx.queue(q).await.ok(),
        None => None,
    };
    Ok(compose::values(
        facts.as_ref(),
        a,
        Some(alias),
        queue.as_ref(),
    ))
}

/// Placeholder values for `agent`'s message in chat `a` (no alias: nothing is mailed).
async fn chat_values(
    tx: &mut Tx<'_>,
    a: &Activity,
    agent: Option<UserId>,
) -> Result<Values, StoreError> {
    let facts = tx.message_facts(a).await?;
    let queue = match a.queue_id {
        Some(q) => tx.queue(q).await.ok(),
        None => None,
    };
    let mut v = compose::values(facts.as_ref(), a, None, queue.as_ref());
    if let Some(u) = agent {
        v.set(Placeholder::AgentName, tx.user(u).await?.name);
    }
    Ok(v)
}

/// Placeholder values for a reply by `agent`.
async fn reply_values(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
) -> Result<Values, StoreError> {
    let mut v = values(tx, a, alias).await?;
    if let Some(u) = agent {
        v.set(Placeholder::AgentName, tx.user(u).await?.name);
    }
    Ok(v)
}

/// Renders the articles `ids` (an absent or inactive one gives `None`).
async fn render(
    tx: &mut Tx<'_>,
    ids: &[Option<ArticleId>],
    values: &Values,
) -> Result<Vec<Option<Part>>, StoreError> {
    let wanted: Vec<ArticleId> = ids.iter().flatten().copied().collect();
    let found: HashMap<ArticleId, _> = tx.articles(&wanted).await?;
    Ok(ids
        .iter()
        .map(|id| compose::render(found.get(&(*id)?)?, values))
        .collect())
}

/// Article `body` with the standard parts around it, placeholders filled: (text, HTML).
pub async fn composed(
    tx: &mut Tx<'_>,
    parts: &MessageParts,
    body: ArticleId,
    values: &Values,
) -> Result<(String, String), StoreError> {
    let rendered = render(tx, &compose::around_article(parts, body), values).await?;
    let out = compose::join(&rendered);
    Ok((out.text, out.html))
}

/// The standard parts of messages about `a` sent from `alias`.
async fn parts_for(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
) -> Result<MessageParts, StoreError> {
    let department = tx.email_settings(a.department_id).await?.parts;
    Ok(compose::parts_for(department, a, alias))
}

/// The header and greeting, and the signature and footer, of a reply by `agent`.
async fn around_reply(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
) -> Result<(Composed, Composed), StoreError> {
    let ids = compose::around_reply(&parts_for(tx, a, alias).await?);
    if ids.iter().all(Option::is_none) {
        // No parts: nothing to fill in (the common case of a reply costs no more reads).
        return Ok((Composed::default(), Composed::default()));
    }
    let values = reply_values(tx, a, alias, agent).await?;
    let r = render(tx, &ids, &values).await?;
    let pair = |a: &Option<Part>, b: &Option<Part>| article::compose(&[a.as_ref(), b.as_ref()]);
    Ok((pair(&r[0], &r[1]), pair(&r[2], &r[3])))
}

/// A reply's body with the standard parts around it: (text, HTML); `None` when there are none
/// (the reply goes as written).
pub async fn reply(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
    agent: Option<UserId>,
    text: &str,
    html: Option<&str>,
) -> Result<Option<(String, String)>, StoreError> {
    let (before, after) = around_reply(tx, a, alias, agent).await?;
    Ok(compose::reply(text, html, before, after).map(|c| (c.text, c.html)))
}

impl App {
    /// What `agent`'s reply composer for `activity` starts from.
    pub async fn reply_draft(
        &self,
        activity: ActivityId,
        agent: Option<UserId>,
    ) -> Result<ReplyDraft, StoreError> {
        self.store
            .read(move |mut tx| {
                Box::pin(async move {
                    let a = tx.activity(activity).await?;
                    a.is_by_email()
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let ans = tx.answered_email(a.id).await?;
                    let alias = tx.alias(ans.alias_id).await?;
                    let (before, after) = around_reply(&mut tx, &a, &alias, agent).await?;
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
                })
            })
            .await
    }

    /// Article `article` with its placeholders filled for `agent`'s reply to `activity` (an
    /// email's, or a chat's message), as the composer inserts it: (text, HTML). An inactive
    /// article is not found.
    pub async fn article_for_reply(
        &self,
        activity: ActivityId,
        article: ArticleId,
        agent: Option<UserId>,
    ) -> Result<(String, String), StoreError> {
        self.store
            .read(move |mut tx| {
                Box::pin(async move {
                    let a = tx.activity(activity).await?;
                    let values = if a.channel == ChannelKind::Chat {
                        chat_values(&mut tx, &a, agent).await?
                    } else {
                        let ans = tx.answered_email(a.id).await?;
                        let alias = tx.alias(ans.alias_id).await?;
                        reply_values(&mut tx, &a, &alias, agent).await?
                    };
                    match render(&mut tx, &[Some(article)], &values)
                        .await?
                        .pop()
                        .flatten()
                    {
                        Some(p) => Ok((p.text, p.html)),
                        None => Err(StoreError::NotFound {
                            entity: "article",
                            id: article.0,
                        }),
                    }
                })
            })
            .await
    }
}
