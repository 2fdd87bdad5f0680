//! The administration console: lists and forms for every object an administrator sets up.
//! Forms are described once ([`kinds`]), shown from the object's API JSON, and sent by the
//! browser to the REST API, whose validation errors appear beside the field at fault.

mod data;
pub(crate) use data::choices;
mod kinds;
pub mod schema;
mod view;
mod webhook_panel;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use switchboard_domain::Scope;
use switchboard_domain::{Access, DepartmentId};
use switchboard_store::PageRequest;

use super::page::{Chrome, Viewer, render};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use kinds::{KINDS, Kind, sections_of};
use view::{Choices, FieldView};

/// What the list and form pages take from the query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    department_id: Option<i64>,
    cursor: Option<String>,
}

/// A kind in the console's side navigation.
struct KindLink {
    slug: &'static str,
    title: &'static str,
    current: bool,
}

fn side(viewer: &Viewer, current: &str) -> Vec<KindLink> {
    KINDS
        .iter()
        .filter(|k| viewer.0.user.role.may(Access::Read, k.resource))
        .map(|k| KindLink {
            slug: k.slug,
            title: k.title,
            current: k.slug == current,
        })
        .collect()
}

fn kind_of(slug: &str) -> ApiResult<&'static Kind> {
    kinds::kind(slug).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("nothing to set up called {slug:?}"),
        )
    })
}

/// One row of a list.
struct Row {
    id: String,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_list.html")]
struct ListPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    side: Vec<KindLink>,
    kind: &'static Kind,
    writable: bool,
    rows: Vec<Row>,
    next: Option<String>,
    department: Option<i64>,
}

/// `GET /admin`: the first kind the viewer may see.
pub async fn index(viewer: Viewer) -> Response {
    let first = side(&viewer, "").first().map_or("departments", |k| k.slug);
    axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
        "/admin/{first}"
    )))
}

fn require(viewer: &Viewer, kind: &Kind, access: Access) -> ApiResult<()> {
    viewer.0.require(access, kind.resource)
}

/// `GET /admin/{kind}`.
pub async fn list(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<Params>,
) -> ApiResult<Response> {
    let kind = kind_of(&slug)?;
    require(&viewer, kind, Access::Read)?;
    let page = PageRequest::parse(Some(100), q.cursor.as_deref())?;
    let dept = q.department_id.map(DepartmentId);
    let (items, next) = data::list(&s, &viewer.0.scope, kind.slug, dept, &page).await?;
    let names = department_names(&s, &viewer.0.scope).await?;
    let rows = items
        .iter()
        .map(|v| Row {
            id: v.get("id").map(Value::to_string).unwrap_or_default(),
            cells: kind
                .columns
                .iter()
                .map(|(_, path)| cell(v, path, &names))
                .collect(),
        })
        .collect();
    Ok(render(&ListPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/admin", ""),
        side: side(&viewer, kind.slug),
        kind,
        writable: viewer.0.user.role.may(Access::Write, kind.resource),
        rows,
        next,
        department: q.department_id,
    }))
}

async fn department_names(s: &AppState, scope: &Scope) -> ApiResult<Vec<(String, String)>> {
    data::choices(s, scope, schema::Source::Departments, None).await
}

fn cell(v: &Value, path: &str, departments: &[(String, String)]) -> String {
    let value = schema::lookup(v, path).cloned().unwrap_or(Value::Null);
    if path == "department_id" {
        let id = value.to_string();
        if let Some((_, name)) = departments.iter().find(|(d, _)| *d == id) {
            return name.clone();
        }
    }
    match value {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Null => "—".into(),
        v => schema::display(schema::Control::Text, &v),
    }
}

/// A section below an object's form (a department's settings, a user's groups).
struct SectionView {
    title: &'static str,
    /// Its save button's label.
    save: String,
    prefix: String,
    api: String,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "admin_form.html")]
struct FormPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    side: Vec<KindLink>,
    kind: &'static Kind,
    writable: bool,
    /// The object's id and version when editing.
    id: String,
    version: String,
    heading: String,
    fields: Vec<FieldView>,
    sections: Vec<SectionView>,
    /// A new object whose choices depend on its department: choosing it shows the form again.
    scoped: bool,
    /// What a web master pastes into a page (a chat entry point's "Show HTML").
    snippet: Option<String>,
    /// A webhook's secret, switch-off reason and deliveries.
    webhook: Option<webhook_panel::WebhookPanel>,
}

/// `GET /admin/{kind}/new`.
pub async fn new(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<Params>,
) -> ApiResult<Response> {
    let kind = kind_of(&slug)?;
    require(&viewer, kind, Access::Write)?;
    let mut choices = Choices::of(viewer.0.scope.clone(), q.department_id.map(DepartmentId));
    let mut fields = view::fields(&s, kind.fields, None, &mut choices).await?;
    if let Some(d) = q.department_id {
        view::preselect(&mut fields, "department_id", &d.to_string());
    }
    Ok(render(&FormPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/admin", ""),
        side: side(&viewer, kind.slug),
        kind,
        writable: true,
        id: String::new(),
        version: String::new(),
        heading: viewer.tr().t(&kind.new_label()).to_string(),
        fields,
        sections: Vec::new(),
        scoped: schema::department_scoped(kind.fields),
        snippet: None,
        webhook: None,
    }))
}

/// `GET /admin/{kind}/{id}`.
pub async fn edit(
    State(s): State<AppState>,
    viewer: Viewer,
    Path((slug, id)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let kind = kind_of(&slug)?;
    require(&viewer, kind, Access::Read)?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no {} {id:?}", kind.one),
        )
    })?;
    let obj = data::get(&s, kind.slug, id).await?;
    let dept = if kind.slug == "departments" {
        Some(DepartmentId(id))
    } else {
        obj.get("department_id")
            .and_then(Value::as_i64)
            .map(DepartmentId)
    };
    let mut choices = Choices::of(viewer.0.scope.clone(), dept);
    let fields = view::fields(&s, kind.fields, Some(&obj), &mut choices).await?;
    let mut sections = Vec::new();
    for (i, sec) in sections_of(kind).iter().enumerate() {
        let v = data::section(&s, kind.slug, id, sec.api).await?;
        sections.push(SectionView {
            title: sec.title,
            save: sec.save_label(),
            prefix: format!("s{i}-"),
            api: format!("{}/{id}{}", kind.api, sec.api),
            fields: view::fields(&s, sec.fields, Some(&v), &mut choices).await?,
        });
    }
    let name = data::title_of(&obj);
    let webhook = if kind.slug == "webhooks" {
        Some(webhook_panel::panel(&s, id).await?)
    } else {
        None
    };
    Ok(render(&FormPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/admin", ""),
        side: side(&viewer, kind.slug),
        kind,
        writable: viewer.0.user.role.may(Access::Write, kind.resource),
        id: id.to_string(),
        version: obj.get("version").map(Value::to_string).unwrap_or_default(),
        heading: format!("{} {name}", viewer.tr().t(&kind.one_title())),
        fields,
        sections,
        scoped: false,
        snippet: (kind.slug == "entry-points").then(|| {
            switchboard_domain::chat::widget::snippet(
                &crate::state::server_url(&s, &headers),
                switchboard_domain::EntryPointId(id),
            )
        }),
        webhook,
    }))
}

#[cfg(test)]
/// Every string the administration console shows from its schema (titles, columns, labels,
/// help, headings, fixed choices, section titles and buttons), for the catalogues' test.
pub(crate) fn shown() -> Vec<String> {
    fn field(f: &schema::Field, out: &mut Vec<String>) {
        for s in [f.label, f.help, f.group] {
            if !s.is_empty() {
                out.push(s.to_string());
            }
        }
        match f.control {
            schema::Control::Select(schema::Source::Fixed(choices))
            | schema::Control::Multi(schema::Source::Fixed(choices)) => {
                out.extend(choices.iter().map(|(_, l)| l.to_string()));
            }
            schema::Control::Rows(columns) => {
                for c in columns {
                    field(c, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for k in kinds::KINDS {
        out.extend([k.title.to_string(), k.new_label(), k.one_title()]);
        out.extend(k.columns.iter().map(|(l, _)| l.to_string()));
        for f in k.fields {
            field(f, &mut out);
        }
        for sec in sections_of(k) {
            out.extend([sec.title.to_string(), sec.save_label()]);
            for f in sec.fields {
                field(f, &mut out);
            }
        }
    }
    out
}
