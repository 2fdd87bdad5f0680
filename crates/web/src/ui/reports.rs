//! The reports console: choose a report, its period (dates in a time zone), grouping and
//! filters; see its chart and its table (the chart's accessible equivalent), and export it as
//! CSV. Supervisors, administrators and the reporting role; figures within the viewer's
//! departments.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchboard_app::reports::ReportParams;
use switchboard_domain::report::{
    Granularity, PeriodPreset, ReportKind, ReportRow, ReportTable, WAIT_BOUNDS_SECS, date_of,
    day_start, period_end, time_zone,
};
use switchboard_domain::{Access, DepartmentId, QueueId, Resource, Timestamp, ValidationError};

use super::page::{Chrome, Viewer, render};
use super::report_chart;
use crate::error::ApiResult;
use crate::state::AppState;

/// The form's fields (all optional: the page opens with defaults).
#[derive(Debug, Default, Deserialize)]
pub struct Form {
    kind: Option<String>,
    /// A period preset (`last_week`, …); empty: the dates.
    preset: Option<String>,
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
    time_zone: Option<String>,
    department_id: Option<String>,
    queue_id: Option<String>,
    threshold_secs: Option<String>,
}

/// One choice of a select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A report run, ready to show.
struct Shown {
    table: ReportTable,
    chart: String,
    /// Bars left out of the chart.
    clipped: bool,
    /// A cell per value, formatted.
    cells: Vec<Vec<String>>,
    total: Vec<String>,
    /// The exports' labels and URLs.
    exports: Vec<(String, String)>,
    /// The definition a "save" keeps (JSON, for the save form).
    definition: String,
    /// Per row, the address of the activities behind it (none for delivery exceptions, whose
    /// rows are aliases).
    drill: Vec<Option<String>>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    kinds: Vec<Choice>,
    presets: Vec<Choice>,
    granularities: Vec<Choice>,
    departments: Vec<Choice>,
    thresholds: Vec<Choice>,
    from: String,
    to: String,
    time_zone: String,
    queue_id: String,
    error: Option<String>,
    shown: Option<Shown>,
}

fn cell(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

fn choices<T: Copy>(
    all: &[T],
    current: &str,
    value: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
) -> Vec<Choice> {
    all.iter()
        .map(|k| Choice {
            value: value(*k),
            label: label(*k),
            selected: value(*k) == current,
        })
        .collect()
}

fn empty_none(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The parameters the form names, checked.
fn params(f: &Form, kind: ReportKind, tz_name: &str) -> Result<ReportParams, ValidationError> {
    let tz = time_zone("time_zone", tz_name)?;
    let now = crate::state::now();
    let to = match empty_none(&f.to) {
        Some(d) => day_start(d, &tz)
            .map(|t| Timestamp::from_millis(t.millis() + 86_400_000))
            .ok_or_else(|| ValidationError::new("to", "a date"))?,
        None => now,
    };
    let from = match empty_none(&f.from) {
        Some(d) => day_start(d, &tz).ok_or_else(|| ValidationError::new("from", "a date"))?,
        None => Timestamp::from_millis(to.millis() - 7 * 86_400_000),
    };
    let (from, to) = match empty_none(&f.preset).map(PeriodPreset::parse) {
        None => (from, to),
        Some(Some(p)) => p
            .resolve(now, &tz)
            .ok_or_else(|| ValidationError::new("preset", "cannot be worked out now"))?,
        Some(None) => return Err(ValidationError::new("preset", "not a known period")),
    };
    let granularity = empty_none(&f.granularity)
        .and_then(Granularity::parse)
        .unwrap_or(Granularity::Day);
    let id = |v: &Option<String>, field: &str| -> Result<Option<i64>, ValidationError> {
        empty_none(v)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| ValidationError::new(field, "a number"))
            })
            .transpose()
    };
    Ok(ReportParams {
        kind,
        from,
        to,
        granularity,
        time_zone: tz_name.to_string(),
        departments: id(&f.department_id, "department_id")?
            .map(DepartmentId)
            .into_iter()
            .collect(),
        queues: id(&f.queue_id, "queue_id")?
            .map(QueueId)
            .into_iter()
            .collect(),
        agents: Vec::new(),
        channels: Vec::new(),
        threshold_secs: id(&f.threshold_secs, "threshold_secs")?.unwrap_or(WAIT_BOUNDS_SECS[1]),
    })
}

/// The API's address of report `p` as a file in `format`.
fn export_url(p: &ReportParams, format: &str) -> String {
    let mut url = format!(
        "/api/v1/reports/{}?format={format}&from={}&to={}&granularity={}&time_zone={}&threshold_secs={}",
        p.kind.as_str(),
        p.from.to_rfc3339(),
        p.to.to_rfc3339(),
        p.granularity.as_str(),
        p.time_zone.replace('+', "%2B"),
        p.threshold_secs
    );
    if let Some(d) = p.departments.first() {
        url.push_str(&format!("&department_id={}", d.0));
    }
    if let Some(q) = p.queues.first() {
        url.push_str(&format!("&queue_id={}", q.0));
    }
    url
}

/// `GET /reports`.
pub async fn page(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(f): Query<Form>,
) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Reports)?;
    let tz_name = empty_none(&f.time_zone)
        .map(str::to_string)
        .or_else(|| viewer.1.time_zone.clone().filter(|t| !t.is_empty()))
        .unwrap_or_else(|| "UTC".into());
    let kind = empty_none(&f.kind).and_then(ReportKind::parse);
    let mut error = None;
    let mut shown = None;
    let mut dates = (String::new(), String::new());
    if let Ok(tz) = time_zone("time_zone", &tz_name) {
        let now = crate::state::now();
        dates = (
            empty_none(&f.from).map(str::to_string).unwrap_or_else(|| {
                date_of(Timestamp::from_millis(now.millis() - 6 * 86_400_000), &tz)
            }),
            empty_none(&f.to)
                .map(str::to_string)
                .unwrap_or_else(|| date_of(now, &tz)),
        );
    }
    let form = Form {
        from: Some(dates.0.clone()),
        to: Some(dates.1.clone()),
        ..f
    };
    if let Some(kind) = kind {
        match params(&form, kind, &tz_name) {
            Err(e) => error = Some(e.to_string()),
            Ok(p) => match crate::routes::reports::table(&s, &viewer.0, &p).await {
                Ok(table) => {
                    let preset = empty_none(&form.preset).and_then(PeriodPreset::parse);
                    let own = viewer.0.user.department_id;
                    shown = Some(show(table, &p, preset, own));
                }
                Err(e) => error = Some(e.message().to_string()),
            },
        }
    }
    let view = View {
        kind: kind.map_or("", ReportKind::as_str),
        time_zone: tz_name,
        error,
        shown,
    };
    page_of(&s, &viewer, &form, view).await
}

/// What "save" keeps of `p`: its definition, with the preset rather than the dates when one
/// was chosen, in the report's department (or the viewer's own).
fn definition(p: &ReportParams, preset: Option<PeriodPreset>, own: DepartmentId) -> String {
    let period = match preset {
        Some(preset) => serde_json::json!({ "preset": preset }),
        None => serde_json::json!({ "from": p.from, "to": p.to }),
    };
    serde_json::json!({
        "department_id": p.departments.first().copied().unwrap_or(own),
        "kind": p.kind,
        "period": period,
        "granularity": p.granularity,
        "time_zone": p.time_zone,
        "departments": p.departments,
        "queues": p.queues,
        "threshold_secs": p.threshold_secs,
    })
    .to_string()
}

/// The console address of the activities behind row `r` of report `p`: its period (clamped
/// to the report's) and its queue or agent.
fn drill_url(p: &ReportParams, r: &ReportRow) -> Option<String> {
    if p.kind == ReportKind::DeliveryExceptions {
        return None;
    }
    let tz = time_zone("time_zone", &p.time_zone).ok();
    let start = Timestamp::parse_rfc3339(&r.period).filter(|_| p.granularity != Granularity::Total);
    let (from, to) = match (start, tz) {
        (Some(start), Some(tz)) => (
            start.max(p.from),
            period_end(start.millis(), p.granularity, &tz)
                .map_or(p.to, |e| Timestamp::from_millis(e).min(p.to)),
        ),
        _ => (p.from, p.to),
    };
    let who = if p.kind.by_agent() {
        "agent_id"
    } else {
        "queue_id"
    };
    Some(format!(
        "/reports/activities?kind={}&from={}&to={}&{who}={}&time_zone={}",
        p.kind.as_str(),
        from.to_rfc3339().replace('+', "%2B"),
        to.to_rfc3339().replace('+', "%2B"),
        r.group_id,
        p.time_zone.replace('+', "%2B"),
    ))
}

/// A table ready to show.
fn show(
    table: ReportTable,
    p: &ReportParams,
    preset: Option<PeriodPreset>,
    own: DepartmentId,
) -> Shown {
    let (_, clipped) = switchboard_domain::report::bars(&table);
    Shown {
        chart: report_chart::svg(&table, "chart-title", "chart-desc"),
        clipped,
        cells: table
            .rows
            .iter()
            .map(|r| r.values.iter().map(|v| cell(*v)).collect())
            .collect(),
        total: table.total.values.iter().map(|v| cell(*v)).collect(),
        exports: ["csv", "xlsx", "pdf"]
            .into_iter()
            .map(|f| (f.to_uppercase(), export_url(p, f)))
            .collect(),
        definition: definition(p, preset, own),
        drill: table.rows.iter().map(|r| drill_url(p, r)).collect(),
        table,
    }
}

/// What the page shows besides the form's own values.
struct View {
    kind: &'static str,
    time_zone: String,
    error: Option<String>,
    shown: Option<Shown>,
}

async fn page_of(s: &AppState, viewer: &Viewer, f: &Form, view: View) -> ApiResult<Response> {
    let tr = viewer.tr();
    let department = empty_none(&f.department_id).unwrap_or_default().to_string();
    let mut departments = vec![Choice {
        value: String::new(),
        label: tr.t("All my departments").to_string(),
        selected: department.is_empty(),
    }];
    for (value, label) in super::admin::choices(
        s,
        &viewer.0.scope,
        super::admin::schema::Source::Departments,
        None,
    )
    .await?
    {
        departments.push(Choice {
            selected: value == department,
            value,
            label,
        });
    }
    let granularity = empty_none(&f.granularity).unwrap_or("day").to_string();
    let threshold = empty_none(&f.threshold_secs).unwrap_or("30").to_string();
    Ok(render(&ReportsPage {
        chrome: Chrome::new(viewer, "/reports", ""),
        kinds: choices(
            &ReportKind::ALL,
            view.kind,
            |k| k.as_str().into(),
            |k| tr.t(k.title()).to_string(),
        ),
        presets: {
            let preset = empty_none(&f.preset).unwrap_or_default();
            let mut v = vec![Choice {
                value: String::new(),
                label: tr.t("The dates below").to_string(),
                selected: preset.is_empty(),
            }];
            v.extend(choices(
                &PeriodPreset::ALL,
                preset,
                |p| p.as_str().into(),
                |p| tr.t(p.label()).to_string(),
            ));
            v
        },
        granularities: choices(
            &Granularity::ALL,
            &granularity,
            |g| g.as_str().into(),
            |g| tr.t(granularity_label(g)).to_string(),
        ),
        departments,
        thresholds: choices(
            &WAIT_BOUNDS_SECS,
            &threshold,
            |b| b.to_string(),
            |b| format!("{b} s"),
        ),
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        time_zone: view.time_zone,
        queue_id: empty_none(&f.queue_id).unwrap_or_default().to_string(),
        error: view.error,
        shown: view.shown,
        tr,
    }))
}

fn granularity_label(g: Granularity) -> &'static str {
    match g {
        Granularity::Quarter => "15 minutes",
        Granularity::Hour => "Hour",
        Granularity::Day => "Day",
        Granularity::Week => "Week",
        Granularity::Month => "Month",
        Granularity::Total => "Whole period",
    }
}

#[derive(Template)]
#[template(path = "data_dictionary.html")]
struct DictionaryPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    views: &'static [switchboard_store::dictionary::DictView],
}

/// `GET /docs/data-dictionary`: every reporting view, its columns and their meaning.
pub async fn dictionary(viewer: Viewer) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Reports)?;
    Ok(render(&DictionaryPage {
        tr: viewer.tr(),
        chrome: Chrome::new(&viewer, "/reports", ""),
        views: switchboard_store::dictionary::DICTIONARY,
    }))
}
