//! Held replies. A reply waits for a reviewer when an outbound workflow says so or when the agent
//! (or one of their groups) is flagged `reviewed` (decided above the store). A held reply is an outbound email with no
//! outbox entry whose outbound activity waits in the review queue (the one the workflow names,
//! else the one linked to the answered activity's queue). A reviewer approves it (perhaps
//! edited): the outbox entry is written and it leaves from the alias the customer wrote to; or
//! rejects it with a comment: it is never sent, and the author sees the comment on the activity
//! they answered. Review time is its own pair of events, so service-level clocks stay honest.

use sqlx::AnyConnection;
use switchboard_domain::event::ReviewRequested;
use switchboard_domain::{Activity, ActivityId, ChannelKind, EmailId, Timestamp, UserId};

use crate::error::StoreError;
use crate::sql::col;

/// The reply an outbound activity holds for review, as `review_requested` recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldReply {
    /// The reply email (not in the outbox yet).
    pub email: EmailId,
    /// The alias it leaves from once approved.
    pub alias: switchboard_domain::AliasId,
    /// The activity it answers.
    pub answered: Option<ActivityId>,
    /// Who wrote it.
    pub author: Option<UserId>,
    /// Whether approval completes the answered activity ("Send & Complete").
    pub complete: bool,
    /// Since when it waits.
    pub since: Timestamp,
}

/// The reply outbound activity `o` holds for review; a conflict when it holds none.
pub(crate) async fn held(c: &mut AnyConnection, o: &Activity) -> Result<HeldReply, StoreError> {
    let not_held = || {
        StoreError::Conflict(format!(
            "activity {} holds no reply waiting for review",
            o.id
        ))
    };
    if o.channel != ChannelKind::OutboundEmail || o.status.is_final() {
        return Err(not_held());
    }
    let r = sqlx::query(
        "SELECT e.id, e.alias_id FROM emails e WHERE e.activity_id = $1 AND e.direction = 'outbound' \
         AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.email_id = e.id) ORDER BY e.id DESC LIMIT 1",
    )
    .bind(o.id.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(not_held)?;
    let email = EmailId(col(&r, "id")?);
    let alias = col::<Option<i64>>(&r, "alias_id")?
        .map(switchboard_domain::AliasId)
        .ok_or_else(|| StoreError::Conflict("the reply's alias was deleted".into()))?;
    let ev = sqlx::query(
        "SELECT data, at FROM activity_events WHERE activity_id = $1 AND kind = 'review_requested' ORDER BY id DESC LIMIT 1",
    )
    .bind(o.id.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(not_held)?;
    let data: String = col(&ev, "data")?;
    let (answered, author, complete) = match serde_json::from_str(&data) {
        Ok(ReviewRequested::Held {
            answered_activity_id,
            author_id,
            complete,
            ..
        }) => (Some(answered_activity_id), author_id, complete),
        _ => (None, None, false),
    };
    Ok(HeldReply {
        email,
        alias,
        answered,
        author,
        complete,
        since: Timestamp::from_millis(col(&ev, "at")?),
    })
}

/// Settles a held reply's email: approved (with the reviewer's edits, sent now) or rejected
/// (kept unsent, with the reason).
pub(crate) async fn settle(
    c: &mut AnyConnection,
    email: EmailId,
    settlement: &ReplySettlement,
    now: Timestamp,
) -> Result<(), StoreError> {
    match settlement {
        ReplySettlement::Approved {
            subject,
            text,
            html,
        } => {
            sqlx::query(
                "UPDATE emails SET subject = COALESCE($1, subject), text_body = COALESCE($2, text_body), \
                 html_body = COALESCE($3, html_body), sent_at = $4, outcome_reason = '' WHERE id = $5",
            )
            .bind(subject.clone())
            .bind(text.clone())
            .bind(html.clone())
            .bind(now.millis())
            .bind(email.0)
            .execute(&mut *c)
            .await?;
        }
        ReplySettlement::Rejected { reason } => {
            sqlx::query("UPDATE emails SET outcome_reason = $1 WHERE id = $2")
                .bind(reason)
                .bind(email.0)
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// What becomes of a held reply's email.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplySettlement {
    /// Approved: the reviewer's edits (none: unchanged), sent now.
    Approved {
        /// New subject.
        subject: Option<String>,
        /// New text body.
        text: Option<String>,
        /// New HTML body.
        html: Option<String>,
    },
    /// Rejected: kept unsent, with the reason.
    Rejected {
        /// Why, as the email's outcome shows it.
        reason: String,
    },
}
