//! A workflow's notifications to staff about an activity: each [`Notice`] becomes one email in
//! the outbox, from the alias the activity's mail came to, placeholders filled once for all.

use switchboard_domain::template::{self, Values};
use switchboard_domain::{Activity, Alias, Article, EmailAddress, EmailId, Mailbox, Timestamp};
use switchboard_store::{StoreError, Tx};
use switchboard_workflow::Notice;

#[cfg(test)]
mod tests;

/// A notification as it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeMail {
    /// The recipients that are addresses (the others are dropped).
    pub to: Vec<Mailbox>,
    /// The subject: the notice's, else the activity's number and subject.
    pub subject: String,
    /// The text: the notice's, then the article's (its text, else its HTML as text).
    pub text: String,
}

/// Writes notice `n` about `activity` as mail, with `values` for the placeholders and the
/// article it names (when that could be read).
pub fn notice_mail(
    n: &Notice,
    activity: &Activity,
    values: &Values,
    article: Option<&Article>,
) -> NoticeMail {
    let subject = if n.subject.trim().is_empty() {
        format!("[{}] {}", activity.id, activity.subject)
    } else {
        template::render(&n.subject, values, false)
    };
    let mut text = template::render(&n.text, values, false);
    if let Some(article) = article {
        let body = if article.text.trim().is_empty() {
            switchboard_domain::html_text::html_to_text(&article.html)
        } else {
            article.text.clone()
        };
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&template::render(&body, values, false));
    }
    let to =
        n.to.iter()
            .filter_map(|a| EmailAddress::parse(a).ok())
            .map(|a| Mailbox {
                name: None,
                address: a.to_string(),
            })
            .collect();
    NoticeMail { to, subject, text }
}

/// Writes the notifications about `a` from `alias` into the outbox; returns their emails in
/// order.
pub async fn send(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
    notices: &[Notice],
    now: Timestamp,
) -> Result<Vec<EmailId>, StoreError> {
    if notices.is_empty() {
        return Ok(Vec::new());
    }
    let values = crate::compose::values(tx, a, alias).await?;
    send_with(tx, a, alias, notices, &values, now).await
}

/// [`send`] with the placeholder values already read.
pub async fn send_with(
    tx: &mut Tx<'_>,
    a: &Activity,
    alias: &Alias,
    notices: &[Notice],
    values: &Values,
    now: Timestamp,
) -> Result<Vec<EmailId>, StoreError> {
    let mut sent = Vec::with_capacity(notices.len());
    for n in notices {
        let article = match n.article {
            Some(id) => tx.article(id).await.ok(),
            None => None,
        };
        let mail = notice_mail(n, a, values, article.as_ref());
        let email = tx
            .notification(
                alias,
                mail.to,
                mail.subject,
                mail.text,
                Some(a.case_id),
                now,
            )
            .await?;
        sent.push(email);
    }
    Ok(sent)
}
