//! The activity view: the case's email thread (customer HTML in a sandboxed frame, remote
//! images off until asked for), attachments, the customer and their other cases, the activity's
//! history, and — for an email the viewer holds — the reply composer; a chat's conversation
//! (`chat_panel.rs`) or a callback's number and call outcome (`callback_panel.rs`) instead of
//! the thread.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::Scope;
use switchboard_domain::{
    Activity, ActivityEvent, ActivityStatus, Case, ChannelKind, Customer, Direction, Email,
    EventPayload, QueueKind, ReplyDraft, SavedDraft, StoredAttachment, template,
};
use switchboard_store::cases::CaseFilter;
use switchboard_store::emails::EmailFilter;
use switchboard_store::{PageRequest, StoreError};

use super::admin::choices;
use super::admin::schema::Source;
use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::extract::Id;
use crate::state::AppState;

/// Most emails, events and other cases shown.
const SHOWN: u32 = 200;

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    activity: Activity,
    customer: Customer,
    emails: Vec<Email>,
    other_cases: Vec<Case>,
    events: Vec<ActivityEvent>,
    /// The composer's start, when the viewer may answer.
    draft: Option<ReplyDraft>,
    /// What the editor holds: the saved draft, or the standard parts around an empty body.
    editor_html: String,
    /// The recipients in the composer (saved ones, or the customer).
    to: String,
    /// Copy recipients in the composer.
    cc: String,
    /// Files saved with the draft.
    files: Vec<StoredAttachment>,
    /// When the draft was saved and by whom, or nothing.
    draft_status: String,
    /// Transfer targets and completion, when the viewer may move or close it.
    handle: Option<Handle>,
    /// The held reply, when it waits for the viewer's review.
    review: Option<Email>,
    /// The held reply's HTML for the reviewer's editor (sanitized), or its text as HTML.
    review_html: String,
    /// The conversation, when the activity is a chat.
    chat: Option<super::chat_panel::ChatPanel>,
    /// Whom to call and how the calls went, when the activity is a callback.
    callback: Option<super::callback_panel::CallbackPanel>,
    /// Who holds it, when someone other than the viewer does (empty otherwise).
    holder: String,
    /// The internal notes, oldest first: (when, who, text).
    notes: Vec<(String, String, String)>,
    /// Whether the viewer may add a note.
    may_note: bool,
    /// Whether the viewer may take the work over from its holder (a supervisor or
    /// administrator, while someone else holds it).
    may_take_over: bool,
    /// The inbox's list beside it, when opened from the inbox.
    inbox: Option<super::inbox::InboxPane>,
    /// The availability switches (in the inbox).
    presence: Option<super::agent::PresenceView>,
}

/// The notes among `events`, with their authors' names.
async fn notes_of(
    s: &AppState,
    events: &[ActivityEvent],
) -> ApiResult<Vec<(String, String, String)>> {
    let mut names: std::collections::HashMap<switchboard_domain::UserId, String> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for ev in events {
        let EventPayload::NoteAdded(n) = &ev.payload else {
            continue;
        };
        let who = match ev.actor {
            switchboard_domain::Actor::User(u) => match names.get(&u) {
                Some(n) => n.clone(),
                None => {
                    let n = s.store.user(u).await.map(|u| u.name).unwrap_or_default();
                    names.insert(u, n.clone());
                    n
                }
            },
            _ => "Switchboard".to_string(),
        };
        out.push((ev.at.to_rfc3339(), who, n.text.clone()));
    }
    Ok(out)
}

/// Where the viewer may transfer the activity: `(id, name)` of agents, groups and queues.
struct Handle {
    agents: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    queues: Vec<(String, String)>,
    /// The department's categories for the wrap-up: `(id, name, chosen now)`.
    categories: Vec<(String, String, bool)>,
    /// Whether completing needs a category.
    required: bool,
}

fn open(a: &Activity) -> bool {
    !matches!(
        a.status,
        ActivityStatus::Completed | ActivityStatus::Abandoned
    )
}

async fn handle(s: &AppState, scope: &Scope, a: &Activity) -> ApiResult<Handle> {
    let dept = Some(a.department_id);
    Ok(Handle {
        agents: choices(s, scope, Source::Users, dept).await?,
        groups: choices(s, scope, Source::Groups, dept).await?,
        queues: choices(s, scope, Source::Queues, dept).await?,
        categories: s
            .store
            .list_categories(scope, dept, &PageRequest::first(SHOWN))
            .await?
            .items
            .into_iter()
            .map(|k| (k.id.0.to_string(), k.name, a.category_id == Some(k.id)))
            .collect(),
        required: s.store.wrap_up_settings(a.department_id).await?.required,
    })
}

/// Whether the viewer may answer `a` by email now: its holder, or a supervisor when nobody
/// holds it (one person answers: others see who holds it).
fn may_answer(viewer: &Viewer, a: &Activity) -> bool {
    let me = &viewer.0.user;
    let answers = match a.assignee_id {
        Some(holder) => holder == me.id,
        None => me.role.oversees(),
    };
    answers
        && a.channel == ChannelKind::InboundEmail
        && !matches!(
            a.status,
            ActivityStatus::Completed | ActivityStatus::Abandoned
        )
}

/// The composer as the viewer finds it: a saved draft, or the start built from the standard
/// parts.
#[derive(Default)]
struct Composer {
    editor_html: String,
    to: String,
    cc: String,
    files: Vec<StoredAttachment>,
    status: String,
}

fn join(list: &[switchboard_domain::EmailAddress]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn composer(
    s: &AppState,
    start: &ReplyDraft,
    saved: Option<SavedDraft>,
) -> ApiResult<Composer> {
    let Some(d) = saved else {
        return Ok(Composer {
            editor_html: format!(
                "{}<p id=\"body-slot\"><br></p>{}",
                start.before_html, start.after_html
            ),
            to: start.to.join(", "),
            ..Composer::default()
        });
    };
    let editor_html = match d.html.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(h) => h.to_string(),
        None => template::text_html(&d.text),
    };
    let by = match d.author_id {
        Some(u) => match s.store.user(u).await {
            Ok(u) => format!(" by {}", u.name),
            Err(StoreError::NotFound { .. }) => String::new(),
            Err(e) => return Err(e.into()),
        },
        None => String::new(),
    };
    let when = d.updated_at.to_rfc3339();
    let when = when.get(..16).unwrap_or(&when).replace('T', " ");
    Ok(Composer {
        editor_html,
        to: if d.to.is_empty() {
            start.to.join(", ")
        } else {
            join(&d.to)
        },
        cc: join(&d.cc),
        files: d.attachments,
        status: format!("Draft saved {when} UTC{by}"),
    })
}

/// A held reply as the reviewer edits it: its HTML sanitized as a reply's is, or its text.
async fn editable(s: &AppState, e: &Email) -> ApiResult<String> {
    Ok(match s.store.email_html(e.id).await? {
        Some(h) if !h.trim().is_empty() => crate::routes::emails::agent_html(&h),
        _ => template::text_html(&e.text),
    })
}

/// `GET /activities/{id}`.
pub async fn view(State(s): State<AppState>, viewer: Viewer, Id(id): Id) -> ApiResult<Response> {
    show(&s, &viewer, switchboard_domain::ActivityId(id), None).await
}

/// The activity's page, alone or beside the inbox's list (with the availability switches).
pub(super) async fn show(
    s: &AppState,
    viewer: &Viewer,
    id: switchboard_domain::ActivityId,
    inbox: Option<(super::inbox::InboxPane, super::agent::PresenceView)>,
) -> ApiResult<Response> {
    let activity = s.store.activity(id).await?;
    let me = &viewer.0.user;
    let page = PageRequest::first(SHOWN);
    let events = s.store.activity_events(activity.id, &page).await?.items;
    // An agent opens what they hold, and what a colleague's note mentioned them on.
    let mentioned = events
        .iter()
        .any(|e| matches!(&e.payload, EventPayload::NoteAdded(n) if n.mentions.contains(&me.id)));
    if !viewer.0.holds(&activity) && !mentioned {
        return Err(ApiError::forbidden("open this activity"));
    }
    let emails = s
        .store
        .list_emails(
            &viewer.0.scope,
            &EmailFilter {
                case_id: Some(activity.case_id),
                ..EmailFilter::default()
            },
            &page,
        )
        .await?
        .items;
    let customer = s.store.customer(activity.customer_id).await?;
    let other_cases = s
        .store
        .list_cases(
            &viewer.0.scope,
            &CaseFilter {
                customer_id: Some(customer.id),
                ..CaseFilter::default()
            },
            &page,
        )
        .await?
        .items
        .into_iter()
        .filter(|k| k.id != activity.case_id)
        .collect();
    let draft = if may_answer(viewer, &activity) {
        // Work without an inbound email (created by hand) has nothing to answer.
        match s.app.reply_draft(activity.id, Some(me.id)).await {
            Ok(d) => Some(d),
            Err(StoreError::NotFound { .. } | StoreError::Conflict(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let saved = match &draft {
        Some(_) => s.store.draft(activity.id).await?,
        None => None,
    };
    let composer = match &draft {
        Some(d) => Some(composer(s, d, saved).await?),
        None => None,
    };
    let handle = if open(&activity) {
        Some(handle(s, &viewer.0.scope, &activity).await?)
    } else {
        None
    };
    // A reply held for review is the outbound email of this (outbound) activity.
    let in_review = match activity.queue_id {
        Some(q) if activity.channel == ChannelKind::OutboundEmail && open(&activity) => {
            s.store.queue(q).await?.kind == QueueKind::Review
        }
        _ => false,
    };
    let review = if in_review {
        emails
            .iter()
            .find(|e| e.activity_id == Some(activity.id) && e.direction == Direction::Outbound)
            .cloned()
    } else {
        None
    };
    let review_html = match &review {
        Some(e) => editable(s, e).await?,
        None => String::new(),
    };
    let c = composer.unwrap_or_default();
    let chat = super::chat_panel::panel(s, viewer, &activity).await?;
    let callback = super::callback_panel::panel(s, viewer, &activity).await?;
    let notes = notes_of(s, &events).await?;
    let may_note = viewer.0.holds(&activity);
    let holder = match activity.assignee_id {
        Some(u) if u != me.id => s.store.user(u).await.map(|u| u.name).unwrap_or_default(),
        _ => String::new(),
    };
    let may_take_over = !holder.is_empty() && me.role.oversees() && open(&activity);
    let mut chrome = Chrome::new(viewer, if inbox.is_some() { "/inbox" } else { "" }, "agent");
    let (inbox, presence) = match inbox {
        Some((pane, presence)) => {
            chrome.inbox = pane.query();
            (Some(pane), Some(presence))
        }
        None => (None, None),
    };
    Ok(render(&ActivityPage {
        tr: viewer.tr(),
        inbox,
        presence,
        may_take_over,
        notes,
        may_note,
        holder,
        chat,
        callback,
        editor_html: c.editor_html,
        to: c.to,
        cc: c.cc,
        files: c.files,
        draft_status: c.status,
        handle,
        review,
        review_html,
        chrome,
        activity,
        customer,
        emails,
        other_cases,
        events,
        draft,
    }))
}
