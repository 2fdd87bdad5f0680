//! The saved reports page: each saved report of the viewer's departments with its period,
//! grouping and schedule, links to open it and to run it now, a form for its schedule (when,
//! in which files, to whom, from which alias) and its latest runs with their files.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use switchboard_domain::report::{ExportFormat, ReportRun, SavedReport, date_of, time_zone};
use switchboard_domain::{Access, Resource, Timestamp};
use switchboard_store::{AliasFilter, PageRequest, UserFilter};

use super::page::{Chrome, Viewer, render};
use crate::error::ApiResult;
use crate::state::AppState;

/// Saved reports shown, and runs shown per report.
const SHOWN: u32 = 100;
const RUNS_SHOWN: u32 = 5;

/// A saved report as the page shows it.
struct Item {
    report: SavedReport,
    /// The report's title.
    title: &'static str,
    /// Its period, in words.
    period: String,
    /// The console address that runs it with its parameters.
    open: String,
    /// Its definition as JSON (for the schedule form).
    json: String,
    /// The schedule's formats checked.
    formats: Vec<(&'static str, bool)>,
    runs: Vec<ReportRun>,
}

#[derive(Template)]
#[template(path = "saved_reports.html")]
struct SavedReportsPage {
    /// The viewer's language.
    tr: crate::i18n::Tr,
    chrome: Chrome,
    items: Vec<Item>,
    /// Users who may receive reports: `(id, label)`.
    readers: Vec<(i64, String)>,
    /// Aliases that may send them: `(id, address)`.
    aliases: Vec<(i64, String)>,
}

fn open_url(r: &SavedReport) -> String {
    let d = &r.definition;
    let mut url = format!(
        "/reports?kind={}&granularity={}&time_zone={}&threshold_secs={}",
        d.kind.as_str(),
        d.granularity.as_str(),
        d.time_zone.replace('+', "%2B"),
        d.threshold_secs
    );
    match (d.period.preset, d.period.from, d.period.to) {
        (Some(p), _, _) => url.push_str(&format!("&preset={}", p.as_str())),
        (None, Some(from), Some(to)) => {
            let (first, last) = days(&d.time_zone, from, to);
            url.push_str(&format!("&from={first}&to={last}"));
        }
        _ => {}
    }
    if let Some(dept) = d.departments.first() {
        url.push_str(&format!("&department_id={dept}"));
    }
    if let Some(q) = d.queues.first() {
        url.push_str(&format!("&queue_id={q}"));
    }
    url
}

/// The first and last day of `[from, to)` in zone `tz` (the console's dates are inclusive).
fn days(tz: &str, from: Timestamp, to: Timestamp) -> (String, String) {
    let Ok(tz) = time_zone("time_zone", tz) else {
        return (from.to_rfc3339(), to.to_rfc3339());
    };
    (
        date_of(from, &tz),
        date_of(Timestamp::from_millis(to.millis() - 1), &tz),
    )
}

fn period_words(r: &SavedReport, tr: &crate::i18n::Tr) -> String {
    let p = &r.definition.period;
    match (p.preset, p.from, p.to) {
        (Some(preset), _, _) => tr.t(preset.label()).to_string(),
        (None, Some(from), Some(to)) => {
            let (first, last) = days(&r.definition.time_zone, from, to);
            format!("{first} – {last}")
        }
        _ => String::new(),
    }
}

/// `GET /reports/saved`.
pub async fn page(State(s): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    viewer.0.require(Access::Read, Resource::SavedReports)?;
    let tr = viewer.tr();
    let scope = &viewer.0.scope;
    let reports = s
        .store
        .list_saved_reports(scope, None, &PageRequest::first(SHOWN))
        .await?;
    let mut items = Vec::with_capacity(reports.items.len());
    for report in reports.items {
        let runs = s
            .store
            .report_runs(report.id, &PageRequest::first(RUNS_SHOWN))
            .await?
            .items;
        let chosen = report
            .definition
            .schedule
            .as_ref()
            .map(|s| s.formats.clone())
            .unwrap_or_else(|| vec![ExportFormat::Pdf]);
        items.push(Item {
            title: report.definition.kind.title(),
            period: period_words(&report, &tr),
            open: open_url(&report),
            json: serde_json::to_string(&report.definition).unwrap_or_default(),
            formats: ExportFormat::ALL
                .iter()
                .map(|f| (f.as_str(), chosen.contains(f)))
                .collect(),
            report,
            runs,
        });
    }
    let readers = s
        .store
        .list_users(
            scope,
            &UserFilter::default(),
            &PageRequest::first(switchboard_store::MAX_PAGE),
        )
        .await?
        .items
        .into_iter()
        .filter(|u| u.active && u.role.may(Access::Read, Resource::Reports))
        .map(|u| (u.id.0, format!("{} <{}>", u.name, u.email)))
        .collect();
    let aliases = s
        .store
        .list_aliases(
            scope,
            &AliasFilter::default(),
            &PageRequest::first(switchboard_store::MAX_PAGE),
        )
        .await?
        .items
        .into_iter()
        .filter(|a| a.active)
        .map(|a| (a.id.0, a.address.to_string()))
        .collect();
    Ok(render(&SavedReportsPage {
        chrome: Chrome::new(&viewer, "/reports", ""),
        items,
        readers,
        aliases,
        tr,
    }))
}
