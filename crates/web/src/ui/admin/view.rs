//! Turning a form's fields and an object's JSON into what the template shows.

use serde_json::Value;
use switchboard_domain::DepartmentId;
use switchboard_domain::Scope;

use super::data;
use super::schema::{Control, Field, On, Source, chosen, display, lookup};
use crate::error::ApiResult;
use crate::state::AppState;

/// One choice of a select or a multiple choice.
pub struct Choice {
    /// Sent value.
    pub value: String,
    /// Shown label.
    pub label: String,
    /// Whether it is chosen.
    pub selected: bool,
}

/// A field ready to show.
pub struct FieldView {
    /// JSON path (`data-path`).
    pub path: &'static str,
    /// The heading of the group this field starts, or empty.
    pub group: &'static str,
    /// Label.
    pub label: &'static str,
    /// Help.
    pub help: &'static str,
    /// For a select of objects: the administration page that creates them (a required select
    /// with nothing to choose says to create one first).
    pub prerequisite: &'static str,
    /// `text`, `area`, `password`, `number`, `check`, `select`, `multi`, `lines`, `map`, `json`,
    /// `rows` or `readonly`.
    pub control: &'static str,
    /// The value as the control shows it.
    pub value: String,
    /// The value as stored (a read-only select's value, for conditions).
    pub raw: String,
    /// A checkbox's state.
    pub checked: bool,
    /// Must be filled.
    pub required: bool,
    /// `path=value` condition for showing it.
    pub when: &'static str,
    /// Choices of `select` and `multi`.
    pub choices: Vec<Choice>,
    /// Whether a select's values are ids (sent as numbers).
    pub numeric: bool,
    /// Rows of `rows`: each a list of cells.
    pub rows: Vec<Vec<FieldView>>,
    /// An empty row of `rows`, cloned by "Add".
    pub blank: Vec<FieldView>,
}

/// Choices read once per page.
pub struct Choices {
    scope: Scope,
    dept: Option<DepartmentId>,
    loaded: Vec<(Source, Vec<(String, String)>)>,
}

impl Choices {
    /// Choices within `scope`, limited to `dept`'s objects when given.
    pub fn of(scope: Scope, dept: Option<DepartmentId>) -> Choices {
        Choices {
            scope,
            dept,
            loaded: Vec::new(),
        }
    }

    async fn get(&mut self, s: &AppState, source: Source) -> ApiResult<&[(String, String)]> {
        let at = match self.loaded.iter().position(|(k, _)| *k == source) {
            Some(i) => i,
            None => {
                // Departments are never limited to one.
                let dept = (source != Source::Departments)
                    .then_some(self.dept)
                    .flatten();
                let list = data::choices(s, &self.scope, source, dept).await?;
                self.loaded.push((source, list));
                self.loaded.len() - 1
            }
        };
        Ok(&self.loaded[at].1)
    }
}

fn control_name(c: Control) -> &'static str {
    match c {
        Control::Text => "text",
        Control::Area => "area",
        Control::Rich => "rich",
        Control::Password => "password",
        Control::Number => "number",
        Control::Check => "check",
        Control::Select(_) => "select",
        Control::Multi(_) => "multi",
        Control::Lines => "lines",
        Control::Map => "map",
        Control::Json => "json",
        Control::Rows(_) => "rows",
    }
}

fn numeric(source: Source) -> bool {
    !matches!(source, Source::Fixed(_) | Source::Channels)
}

/// Chooses `value` in the select at `path` (a new object's department, from the address).
pub fn preselect(fields: &mut [FieldView], path: &str, value: &str) {
    for f in fields.iter_mut().filter(|f| f.path == path) {
        value.clone_into(&mut f.value);
        value.clone_into(&mut f.raw);
        for c in &mut f.choices {
            c.selected = c.value == value;
        }
    }
}

/// The views of `fields` for `obj` (editing) or a new object (`None`).
pub async fn fields(
    s: &AppState,
    fields: &[Field],
    obj: Option<&Value>,
    choices: &mut Choices,
) -> ApiResult<Vec<FieldView>> {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let editing = obj.is_some();
        if f.on == On::Edit && !editing {
            continue;
        }
        let value = obj.map(|o| lookup(o, f.path).cloned().unwrap_or(Value::Null));
        out.push(field(s, f, value.as_ref(), editing, choices).await?);
    }
    Ok(out)
}

async fn field(
    s: &AppState,
    f: &Field,
    value: Option<&Value>,
    editing: bool,
    choices: &mut Choices,
) -> ApiResult<FieldView> {
    let shown = match value {
        Some(v) => display(f.control, v),
        None => f.default.to_string(),
    };
    let mut view = FieldView {
        path: f.path,
        group: f.group,
        label: f.label,
        help: f.help,
        prerequisite: match f.control {
            Control::Select(source) | Control::Multi(source) => source.slug().unwrap_or_default(),
            _ => "",
        },
        control: control_name(f.control),
        raw: shown.clone(),
        value: shown,
        checked: false,
        required: f.required,
        when: f.when,
        choices: Vec::new(),
        numeric: false,
        rows: Vec::new(),
        blank: Vec::new(),
    };
    match f.control {
        Control::Password => view.value.clear(),
        Control::Check => {
            view.checked = match value {
                Some(v) => v.as_bool().unwrap_or(false),
                None => f.default == "true",
            };
        }
        Control::Select(source) => {
            view.numeric = numeric(source);
            view.choices = choices
                .get(s, source)
                .await?
                .iter()
                .map(|(v, l)| Choice {
                    selected: *v == view.value,
                    value: v.clone(),
                    label: l.clone(),
                })
                .collect();
        }
        Control::Multi(source) => {
            view.numeric = numeric(source);
            let picked = value.map(chosen).unwrap_or_default();
            view.choices = choices
                .get(s, source)
                .await?
                .iter()
                .map(|(v, l)| Choice {
                    selected: picked.contains(v),
                    value: v.clone(),
                    label: l.clone(),
                })
                .collect();
        }
        Control::Rows(columns) => {
            if let Some(Value::Array(items)) = value {
                for item in items {
                    let mut row = Vec::with_capacity(columns.len());
                    for c in columns {
                        let v = lookup(item, c.path).cloned().unwrap_or(Value::Null);
                        row.push(Box::pin(field(s, c, Some(&v), editing, choices)).await?);
                    }
                    view.rows.push(row);
                }
            }
            for c in columns {
                view.blank
                    .push(Box::pin(field(s, c, None, editing, choices)).await?);
            }
        }
        _ => {}
    }
    if f.on == On::Create && editing {
        // Fixed once created: shown, not sent.
        if let Some(c) = view.choices.iter().find(|c| c.selected) {
            view.value = c.label.clone();
        }
        view.control = "readonly";
    }
    Ok(view)
}
