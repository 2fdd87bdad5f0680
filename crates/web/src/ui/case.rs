//! The case page: the customer's matter across channels — its activities (each opened by whoever
//! may open it), who holds them — and its internal notes, with the form to add one (`app.js`
//! calls the API; a mention tells the colleague).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::{Access, Activity, Case, CaseId, Customer, Resource, UserId};
use switchboard_store::{ActivityFilter, PageRequest};

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::extract::Id;
use crate::routes::case_notes::may_note;
use crate::state::AppState;

/// Most activities drawn.
const SHOWN: u32 = 200;

/// An activity of the case as the page lists it.
struct Line {
    activity: Activity,
    /// Who holds it (empty: nobody).
    holder: String,
    /// Whether the viewer may open it.
    opens: bool,
}

/// A note as the page shows it: (when, who, text).
type NoteView = (String, String, String);

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    case: Case,
    customer: Customer,
    lines: Vec<Line>,
    notes: Vec<NoteView>,
    may_note: bool,
}

/// A user's name, read once per page.
async fn name_of(s: &AppState, names: &mut HashMap<UserId, String>, id: UserId) -> String {
    if let Some(n) = names.get(&id) {
        return n.clone();
    }
    let n = s.store.user(id).await.map(|u| u.name).unwrap_or_default();
    names.insert(id, n.clone());
    n
}

/// `GET /cases/{id}`.
pub async fn view(State(s): State<AppState>, viewer: Viewer, Id(id): Id) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Cases)?;
    let case = s.store.case(CaseId(id)).await?;
    let customer = s.store.customer(case.customer_id).await?;
    let activities = s
        .store
        .list_activities(
            &viewer.0.scope,
            &ActivityFilter {
                case_id: Some(case.id),
                ..ActivityFilter::default()
            },
            &PageRequest::first(SHOWN),
        )
        .await?
        .items;
    let mut names = HashMap::new();
    let mut lines = Vec::with_capacity(activities.len());
    for a in activities {
        let holder = match a.assignee_id {
            Some(u) => name_of(&s, &mut names, u).await,
            None => String::new(),
        };
        lines.push(Line {
            opens: viewer.0.holds(&a),
            holder,
            activity: a,
        });
    }
    let mut notes = Vec::new();
    for n in s.store.case_notes(case.id).await? {
        let who = match n.author_id {
            Some(u) => name_of(&s, &mut names, u).await,
            None => "Switchboard".to_string(),
        };
        notes.push((n.created_at.to_rfc3339(), who, n.text));
    }
    Ok(render(&CasePage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "", "agent"),
        may_note: may_note(&s, &viewer.0, case.id).await?,
        case,
        customer,
        lines,
        notes,
    }))
}
