//! The customer page: contact points, custom attributes, every case with its activities across
//! channels (email, chat, callback), the record's edit form, and — for supervisors and
//! administrators — merging another record of the same person into this one (`app.js` calls the
//! API). And the search across the viewer's departments that finds customers, cases and
//! activities.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchboard_domain::{Access, Activity, Case, Customer, CustomerId, Resource};
use switchboard_store::cases::CaseFilter;
use switchboard_store::{ActivityFilter, PageRequest};

use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::extract::Id;
use crate::state::AppState;

/// Most cases and activities drawn.
const SHOWN: u32 = 200;

/// A case with its activities, newest first, each with whether the viewer may open it.
struct CaseView {
    case: Case,
    activities: Vec<(Activity, bool)>,
}

#[derive(Template)]
#[template(path = "customer.html")]
struct CustomerPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    customer: Customer,
    cases: Vec<CaseView>,
    /// The contact points as the edit form shows them: one per line.
    points: String,
    /// The attributes as `(name, value)`.
    attributes: Vec<(String, String)>,
    /// Whether the viewer may merge (supervisors and administrators).
    may_merge: bool,
}

/// `GET /customers/{id}`.
pub async fn view(State(s): State<AppState>, viewer: Viewer, Id(id): Id) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Customers)?;
    let customer = s.store.customer(CustomerId(id)).await?;
    let page = PageRequest::first(SHOWN);
    let cases = s
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
        .items;
    let activities = s
        .store
        .list_activities(
            &viewer.0.scope,
            &ActivityFilter {
                customer_id: Some(customer.id),
                ..ActivityFilter::default()
            },
            &page,
        )
        .await?
        .items;
    let holds = |a: &Activity| viewer.0.holds(a);
    let mut cases: Vec<CaseView> = cases
        .into_iter()
        .rev()
        .map(|case| CaseView {
            activities: activities
                .iter()
                .filter(|a| a.case_id == case.id)
                .rev()
                .map(|a| (a.clone(), holds(a)))
                .collect(),
            case,
        })
        .collect();
    cases.sort_by_key(|c| std::cmp::Reverse(c.case.id));
    let points = customer
        .contact_points
        .iter()
        .map(|p| p.value.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let attributes = customer
        .attributes
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), shown)
        })
        .collect();
    let me = &viewer.0.user;
    Ok(render(&CustomerPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "", "agent"),
        may_merge: me.role.may(Access::Delete, Resource::Customers),
        points,
        attributes,
        customer,
        cases,
    }))
}

/// The search box's query.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    q: String,
    found: switchboard_store::find::Found,
}

/// `GET /search?q=`: customers, cases and activities within the viewer's departments.
pub async fn search(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Response> {
    if !viewer.0.user.role.oversees() {
        return Err(ApiError::forbidden(
            "search everything (search your own work from My work)",
        ));
    }
    let text: String = q.q.chars().take(200).collect();
    let found = s.store.find(&viewer.0.scope, &text).await?;
    Ok(render(&SearchPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/search", ""),
        q: text,
        found,
    }))
}
