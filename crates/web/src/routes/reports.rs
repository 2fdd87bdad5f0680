//! `/api/v1/reports`: the report definitions, and a report run over the rollup within the
//! caller's department scope, as JSON or CSV (cells that a spreadsheet would read as a formula
//! are quoted as text).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_app::reports::ReportParams;
use switchboard_app::reports::export::{ExportError, ExportFormat, export};
use switchboard_domain::report::{
    Granularity, PeriodPreset, ReportKind, ReportTable, WAIT_BOUNDS_SECS, time_zone,
};
use switchboard_domain::{
    Access, Activity, ChannelKind, DepartmentId, ObjectKind, ObjectRef, QueueId, Refers, Resource,
    Timestamp, UserId, ValidationError,
};
use switchboard_store::ActivityFilter;

use super::ListResponse;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::{AppState, now};

/// A report as the list shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportInfo {
    /// Its name (in `/reports/{kind}`).
    pub kind: ReportKind,
    /// Its title.
    pub title: &'static str,
    /// What it shows.
    pub description: &'static str,
    /// Whether its rows are agents (else queues).
    pub by_agent: bool,
}

/// `GET /reports`: every report.
pub async fn list(caller: Caller) -> ApiResult<Json<Vec<ReportInfo>>> {
    caller.require(Access::Read, Resource::Reports)?;
    Ok(Json(
        ReportKind::ALL
            .iter()
            .map(|k| ReportInfo {
                kind: *k,
                title: k.title(),
                description: k.description(),
                by_agent: k.by_agent(),
            })
            .collect(),
    ))
}

/// A report's parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// From (RFC 3339); default: 7 days before `to`.
    from: Option<String>,
    /// To (RFC 3339, exclusive); default: now.
    to: Option<String>,
    /// A period relative to now in the time zone (`today`, `last_week`, …), instead of
    /// `from` and `to`.
    preset: Option<PeriodPreset>,
    /// `15m`, `hour`, `day` (default), `week`, `month` or `total`.
    granularity: Option<String>,
    /// IANA time zone of the periods; default UTC.
    time_zone: Option<String>,
    /// Only these departments (ids, comma-separated).
    department_id: Option<String>,
    /// Only these queues (ids, comma-separated).
    queue_id: Option<String>,
    /// Only these agents (ids, comma-separated).
    agent_id: Option<String>,
    /// Only these channels (comma-separated).
    channel: Option<String>,
    /// Service-level threshold: 20, 30 (default), 60, 120 or 300 seconds.
    threshold_secs: Option<i64>,
    /// `json` (default), `csv`, `xlsx` or `pdf`.
    format: Option<String>,
    /// One page of the periods (from 1; JSON only): about 500 rows, with the whole period's
    /// columns and totals. Without it, every period.
    page: Option<usize>,
}

/// The ids of a comma-separated list (`1,2, 3`); empty when absent.
pub fn id_list(field: &str, raw: Option<&str>) -> Result<Vec<i64>, ValidationError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| ValidationError::new(field, "ids, comma-separated"))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The channels of a comma-separated list; empty when absent.
pub fn channel_list(raw: Option<&str>) -> Result<Vec<ChannelKind>, ValidationError> {
    let mut out = Vec::new();
    for part in raw.unwrap_or_default().split(',').map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let c = ChannelKind::parse(part)
            .ok_or_else(|| ValidationError::new("channel", "channel names, comma-separated"))?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(out)
}

impl Refers for Query {
    fn refs(&self) -> Vec<ObjectRef> {
        let mut out = Vec::new();
        for (field, kind, raw) in [
            ("department_id", ObjectKind::Department, &self.department_id),
            ("queue_id", ObjectKind::Queue, &self.queue_id),
            ("agent_id", ObjectKind::User, &self.agent_id),
        ] {
            // A malformed list names nothing here; reading the parameters refuses it.
            for id in id_list(field, raw.as_deref()).unwrap_or_default() {
                out.push(ObjectRef::new(field, kind, id));
            }
        }
        out
    }
}

fn time(field: &str, raw: &str) -> Result<Timestamp, ValidationError> {
    Timestamp::parse_rfc3339(raw.trim())
        .ok_or_else(|| ValidationError::new(field, "an RFC 3339 time, e.g. 2026-12-01T00:00:00Z"))
}

/// The period given by `from` and `to` (RFC 3339); `to` defaults to now and `from` to 7 days
/// before `to`.
fn from_to(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Timestamp, Timestamp), ValidationError> {
    let to = to.map(|t| time("to", t)).transpose()?.unwrap_or_else(now);
    let from = match from {
        Some(f) => time("from", f)?,
        None => Timestamp::from_millis(to.millis() - 7 * 86_400_000),
    };
    Ok((from, to))
}

fn params(kind: ReportKind, q: &Query) -> Result<ReportParams, ValidationError> {
    let (from, to) = from_to(q.from.as_deref(), q.to.as_deref())?;
    let time_zone_name = q.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let (from, to) = match q.preset {
        None => (from, to),
        Some(_) if q.from.is_some() || q.to.is_some() => {
            return Err(ValidationError::new(
                "preset",
                "either a preset or from and to, not both",
            ));
        }
        Some(p) => p
            .resolve(now(), &time_zone("time_zone", &time_zone_name)?)
            .ok_or_else(|| ValidationError::new("preset", "cannot be worked out now"))?,
    };
    let granularity = match q.granularity.as_deref() {
        None => Granularity::Day,
        Some(g) => Granularity::parse(g).ok_or_else(|| {
            ValidationError::new("granularity", "one of 15m, hour, day, week, month, total")
        })?,
    };
    Ok(ReportParams {
        kind,
        from,
        to,
        granularity,
        time_zone: time_zone_name,
        departments: id_list("department_id", q.department_id.as_deref())?
            .into_iter()
            .map(DepartmentId)
            .collect(),
        queues: id_list("queue_id", q.queue_id.as_deref())?
            .into_iter()
            .map(QueueId)
            .collect(),
        agents: id_list("agent_id", q.agent_id.as_deref())?
            .into_iter()
            .map(UserId)
            .collect(),
        channels: channel_list(q.channel.as_deref())?,
        threshold_secs: q.threshold_secs.unwrap_or(WAIT_BOUNDS_SECS[1]),
    })
}

/// The report named in the path.
pub fn kind_of(raw: &str) -> ApiResult<ReportKind> {
    ReportKind::parse(raw).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no report called {raw:?}"),
        )
    })
}

/// Runs a report for `caller`.
pub async fn table(s: &AppState, caller: &Caller, p: &ReportParams) -> ApiResult<ReportTable> {
    Ok(s.app
        .run_report(&caller.scope, p, crate::state::now())
        .await?)
}

/// Runs page `index` of a report's periods for `caller` (the whole report when it fits on
/// one page).
pub async fn table_page(
    s: &AppState,
    caller: &Caller,
    p: &ReportParams,
    index: usize,
) -> ApiResult<ReportTable> {
    Ok(s.app
        .run_report_page(
            &caller.scope,
            p,
            (index, switchboard_domain::report::ROWS_PER_PAGE),
            crate::state::now(),
        )
        .await?)
}

/// `GET /reports/{kind}`: the report as JSON, or as a file with `format=csv|xlsx|pdf`.
pub async fn run(
    State(s): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::Reports)?;
    let kind = kind_of(&kind)?;
    let p = params(kind, &q)?;
    let json = matches!(q.format.as_deref(), None | Some("json"));
    if let (Some(page), true) = (q.page, json) {
        let t = table_page(&s, &caller, &p, page.saturating_sub(1)).await?;
        return Ok(Json(t).into_response());
    }
    let t = table(&s, &caller, &p).await?;
    let format = match q.format.as_deref() {
        None | Some("json") => return Ok(Json(t).into_response()),
        Some(f) => ExportFormat::parse(f)
            .ok_or_else(|| ValidationError::new("format", "json, csv, xlsx or pdf"))?,
    };
    let file = export(&t, &p, format, now()).map_err(|e| {
        if let ExportError::TooLarge { .. } = e {
            return ValidationError::new("format", e.to_string()).into();
        }
        tracing::error!(error = %e, "report export failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.name),
            ),
        ],
        file.bytes,
    )
        .into_response())
}

/// Which figures' activities to list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillQuery {
    /// From (RFC 3339); default: 7 days before `to`.
    from: Option<String>,
    /// To (RFC 3339, exclusive); default: now.
    to: Option<String>,
    department_id: Option<i64>,
    queue_id: Option<i64>,
    agent_id: Option<i64>,
    channel: Option<ChannelKind>,
    limit: Option<u32>,
    cursor: Option<String>,
}

switchboard_domain::refers_fields!(DrillQuery {
    department_id: Department,
    queue_id: Queue,
    agent_id: User
});

/// The activities behind report `kind`'s figures for a period and a queue (or agent): those
/// created in the period in that queue (or held by that agent), on the report's channels,
/// within `scope`.
pub fn drill_filter(kind: ReportKind, q: &DrillQuery) -> Result<ActivityFilter, ValidationError> {
    let (from, to) = from_to(q.from.as_deref(), q.to.as_deref())?;
    let channel = q.channel.or(match kind.channels() {
        [one] => Some(*one),
        _ => None,
    });
    Ok(ActivityFilter {
        department_id: q.department_id.map(DepartmentId),
        queue_id: q.queue_id.map(QueueId),
        assignee_id: q.agent_id.map(UserId),
        channel,
        created_from: Some(from),
        created_to: Some(to),
        ..ActivityFilter::default()
    })
}

/// `GET /reports/{kind}/activities`: the activities behind a figure (see [`drill_filter`]).
pub async fn activities(
    State(s): State<AppState>,
    caller: Caller,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<DrillQuery>,
) -> ApiResult<Json<ListResponse<Activity>>> {
    caller.require(Access::Read, Resource::Reports)?;
    let kind = kind_of(&kind)?;
    let f = drill_filter(kind, &q)?;
    let p = super::page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store.list_activities(&caller.scope, &f, &p).await?.into(),
    ))
}
