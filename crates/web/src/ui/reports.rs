//! The reports console: choose a report, its period (dates in a time zone), grouping and
//! filters; see its chart and its table (the chart's accessible equivalent), and export it as
//! CSV. Supervisors, administrators and the reporting role; figures within the viewer's
//! departments.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use switchboard_app::reports::ReportParams;
use switchboard_domain::report::{
    Column, Granularity, PeriodPreset, ReportKind, ReportRow, ReportTable, WAIT_BOUNDS_SECS,
    date_of, day_start, period_end, reason_of_column, time_zone,
};
use switchboard_domain::{
    Access, ChannelKind, DepartmentId, QueueId, Resource, Timestamp, UserId, ValidationError,
};

use super::page::{Chrome, Viewer, render};
use super::report_chart;
use crate::error::ApiResult;
use crate::i18n::Tr;
use crate::state::AppState;

/// The form's fields (all optional: the page opens with defaults). The filters may be chosen
/// several times (a multiple select sends its key once per choice) or given comma-separated.
#[derive(Debug, Default)]
pub struct Form {
    kind: Option<String>,
    /// A period preset (`last_week`, …); empty: the dates.
    preset: Option<String>,
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
    time_zone: Option<String>,
    department_id: Vec<String>,
    queue_id: Vec<String>,
    agent_id: Vec<String>,
    channel: Vec<String>,
    threshold_secs: Option<String>,
    /// Which page of a long report's periods (from 1).
    page: Option<String>,
}

impl Form {
    /// The form of query string `q`; unknown keys are left aside.
    fn parse(q: &str) -> Form {
        let mut f = Form::default();
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            let one = Some(v.to_string());
            let many = |list: &mut Vec<String>| {
                list.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(str::to_string),
                );
            };
            match k.as_ref() {
                "kind" => f.kind = one,
                "preset" => f.preset = one,
                "from" => f.from = one,
                "to" => f.to = one,
                "granularity" => f.granularity = one,
                "time_zone" => f.time_zone = one,
                "threshold_secs" => f.threshold_secs = one,
                "page" => f.page = one,
                "department_id" => many(&mut f.department_id),
                "queue_id" => many(&mut f.queue_id),
                "agent_id" => many(&mut f.agent_id),
                "channel" => many(&mut f.channel),
                _ => {}
            }
        }
        f
    }
}

/// The ids of `values` as `T`, or what is wrong with them.
fn ids<T>(
    field: &str,
    values: &[String],
    id: impl Fn(i64) -> T,
) -> Result<Vec<T>, ValidationError> {
    let mut out: Vec<i64> = Vec::new();
    for v in values {
        let n = v
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ValidationError::new(field, "a number"))?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out.into_iter().map(id).collect())
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
    /// The columns' headings, in the viewer's language.
    headings: Vec<String>,
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
    /// Where the rows are among the report's pages of periods, when it has more than one.
    pages: Option<PageNav>,
}

/// The way from one page of a long report's periods to the next.
struct PageNav {
    /// This page's number (from 1).
    number: usize,
    /// How many pages.
    pages: usize,
    /// Where the page's periods start and end (short, in the report's zone).
    from: String,
    to: String,
    /// The addresses of the pages before and after this one.
    earlier: Option<String>,
    later: Option<String>,
}

impl PageNav {
    /// The way around `table`'s page (none when it is the whole report), whose addresses are
    /// those of the console query `q` with another page.
    fn of(table: &ReportTable, q: &str) -> Option<PageNav> {
        let page = table.page?;
        let link = |number: usize| {
            let mut url = form_urlencoded::Serializer::new(String::new());
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                if k != "page" {
                    url.append_pair(&k, &v);
                }
            }
            url.append_pair("page", &number.to_string());
            format!("/reports?{}", url.finish())
        };
        let tz = time_zone("time_zone", &table.time_zone).ok()?;
        let (from, to) = page.labels(&tz);
        let short = |at: &str| switchboard_domain::report::period_label(at, table.granularity);
        Some(PageNav {
            number: page.index + 1,
            pages: page.pages,
            from: short(&from),
            to: short(&to),
            earlier: (page.index > 0).then(|| link(page.index)),
            later: (page.index + 1 < page.pages).then(|| link(page.index + 2)),
        })
    }
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
    queues: Vec<Choice>,
    agents: Vec<Choice>,
    channels: Vec<Choice>,
    thresholds: Vec<Choice>,
    from: String,
    to: String,
    time_zone: String,
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
    let threshold_secs = match empty_none(&f.threshold_secs) {
        Some(t) => t
            .parse::<i64>()
            .map_err(|_| ValidationError::new("threshold_secs", "a number"))?,
        None => WAIT_BOUNDS_SECS[1],
    };
    let mut channels = Vec::new();
    for c in &f.channel {
        let c =
            ChannelKind::parse(c).ok_or_else(|| ValidationError::new("channel", "a channel"))?;
        if !channels.contains(&c) {
            channels.push(c);
        }
    }
    Ok(ReportParams {
        kind,
        from,
        to,
        granularity,
        time_zone: tz_name.to_string(),
        departments: ids("department_id", &f.department_id, DepartmentId)?,
        queues: ids("queue_id", &f.queue_id, QueueId)?,
        agents: ids("agent_id", &f.agent_id, UserId)?,
        channels,
        threshold_secs,
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
    let list = |ids: Vec<String>| ids.join(",");
    for (key, values) in [
        (
            "department_id",
            list(p.departments.iter().map(|d| d.0.to_string()).collect()),
        ),
        (
            "queue_id",
            list(p.queues.iter().map(|q| q.0.to_string()).collect()),
        ),
        (
            "agent_id",
            list(p.agents.iter().map(|a| a.0.to_string()).collect()),
        ),
        (
            "channel",
            list(p.channels.iter().map(|c| c.as_str().to_string()).collect()),
        ),
    ] {
        if !values.is_empty() {
            url.push_str(&format!("&{key}={values}"));
        }
    }
    url
}

/// `GET /reports`.
pub async fn page(
    State(s): State<AppState>,
    viewer: Viewer,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::Reports)?;
    let f = Form::parse(q.as_deref().unwrap_or_default());
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
    // Pages are numbered from 1 in the address; a wrong number shows the first.
    let page = empty_none(&f.page)
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(0, |n| n.saturating_sub(1));
    let form = Form {
        from: Some(dates.0.clone()),
        to: Some(dates.1.clone()),
        ..f
    };
    if let Some(kind) = kind {
        match params(&form, kind, &tz_name) {
            Err(e) => error = Some(e.to_string()),
            Ok(p) => match crate::routes::reports::table_page(&s, &viewer.0, &p, page).await {
                Ok(table) => {
                    let preset = empty_none(&form.preset).and_then(PeriodPreset::parse);
                    let own = viewer.0.user.department_id;
                    let q = q.as_deref().unwrap_or_default();
                    shown = Some(show(table, &p, preset, own, &viewer.tr(), q));
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
        "agents": p.agents,
        "channels": p.channels,
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

/// A column's heading in `tr`'s language: a not-ready reason's column is worded around the
/// reason (itself translated when it is one of the reasons offered).
fn heading(tr: &Tr, c: &Column) -> String {
    match reason_of_column(c) {
        Some(reason) => tr
            .t("Not ready: {reason} (min)")
            .replace("{reason}", tr.t(reason)),
        None => tr.t(&c.label).to_string(),
    }
}

/// A table ready to show.
fn show(
    table: ReportTable,
    p: &ReportParams,
    preset: Option<PeriodPreset>,
    own: DepartmentId,
    tr: &Tr,
    q: &str,
) -> Shown {
    let (_, clipped) = switchboard_domain::report::bars(&table);
    Shown {
        headings: table.columns.iter().map(|c| heading(tr, c)).collect(),
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
        pages: PageNav::of(&table, q),
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
    let picked = |source, chosen: &[String]| {
        let chosen = chosen.to_vec();
        async move {
            let all = super::admin::choices(s, &viewer.0.scope, source, None).await?;
            ApiResult::Ok(
                all.into_iter()
                    .map(|(value, label)| Choice {
                        selected: chosen.contains(&value),
                        value,
                        label,
                    })
                    .collect::<Vec<_>>(),
            )
        }
    };
    use super::admin::schema::Source;
    let departments = picked(Source::Departments, &f.department_id).await?;
    let queues = picked(Source::Queues, &f.queue_id).await?;
    // Every agent in scope, however many (the choices helper reads one page).
    let mut agents: Vec<Choice> = s
        .app
        .agent_names(&viewer.0.scope)
        .await?
        .into_iter()
        .map(|(id, label)| {
            let value = id.to_string();
            Choice {
                selected: f.agent_id.contains(&value),
                value,
                label,
            }
        })
        .collect();
    agents.sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.value.cmp(&b.value)));
    let channels = picked(Source::Channels, &f.channel).await?;
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
        queues,
        agents,
        channels,
        thresholds: choices(
            &WAIT_BOUNDS_SECS,
            &threshold,
            |b| b.to_string(),
            |b| format!("{b} s"),
        ),
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        time_zone: view.time_zone,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn col(key: &str, label: &str) -> Column {
        Column {
            key: key.into(),
            label: label.into(),
        }
    }

    #[test]
    fn headings_are_translated_around_a_reason() {
        let de = Tr::new("de");
        assert_eq!(
            heading(&de, &col("not_ready_1", "Not ready: Lunch (min)")),
            "Nicht bereit: Mittagspause (min)"
        );
        // A reason of the agent's own wording stays as it is.
        assert_eq!(
            heading(&de, &col("not_ready_2", "Not ready: Dentist (min)")),
            "Nicht bereit: Dentist (min)"
        );
        assert_eq!(
            heading(&de, &col("not_ready", "Not ready (min)")),
            "Nicht bereit (min)"
        );
        assert_eq!(
            heading(
                &Tr::new("en"),
                &col("not_ready_1", "Not ready: Lunch (min)")
            ),
            "Not ready: Lunch (min)"
        );
    }
}
