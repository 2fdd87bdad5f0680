//! `/api/v1/saved-reports`: reports kept with their parameters (and perhaps a schedule) in a
//! department, shared by its report readers; running one now; its runs and their files.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_app::reports::ReportError;
use switchboard_domain::report::{ReportRun, SavedReport, SavedReportInput};
use switchboard_domain::{Access, DepartmentId, ReportRunId, Resource, SavedReportId};

use super::{ListResponse, page};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, Id, number};
use crate::state::{AppState, now};

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> ApiError {
        match e {
            ReportError::Invalid(v) => v.into(),
            ReportError::Store(e) => e.into(),
            ReportError::Files(m) => ApiError::new(StatusCode::CONFLICT, "report_failed", m),
        }
    }
}

/// Filters of the list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
    department_id: Option<i64>,
}

switchboard_domain::refers_fields!(Query {
    department_id: Department
});

/// Lists saved reports.
pub async fn list(
    State(s): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<Query>,
) -> ApiResult<Json<ListResponse<SavedReport>>> {
    caller.require(Access::Read, Resource::SavedReports)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    Ok(Json(
        s.store
            .list_saved_reports(&caller.scope, q.department_id.map(DepartmentId), &p)
            .await?
            .into(),
    ))
}

/// Saves a report for the caller; 201.
pub async fn create(
    State(s): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SavedReportInput>,
) -> ApiResult<impl IntoResponse> {
    caller.require(Access::Write, Resource::SavedReports)?;
    let gap = s.config.report_schedule_min_gap_secs;
    let made = s.app.save_report(&caller.user, body, gap, now()).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Reads a saved report.
pub async fn get(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<Json<SavedReport>> {
    caller.require(Access::Read, Resource::SavedReports)?;
    Ok(Json(s.store.saved_report(SavedReportId(id)).await?))
}

/// Replaces a saved report (with the `version` read); 409 when it is stale.
pub async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<SavedReportInput>,
) -> ApiResult<Json<SavedReport>> {
    caller.require(Access::Write, Resource::SavedReports)?;
    let gap = s.config.report_schedule_min_gap_secs;
    Ok(Json(
        s.app
            .replace_report(SavedReportId(id), body, gap, now())
            .await?,
    ))
}

/// Deletes a saved report and its runs; 204.
pub async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(Access::Delete, Resource::SavedReports)?;
    s.store.delete_saved_report(SavedReportId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /saved-reports/{id}/run`: runs it now; 201 with the run (mailed when it has a
/// schedule; a failure is recorded on the run).
pub async fn run(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> ApiResult<impl IntoResponse> {
    caller.require(Access::Write, Resource::SavedReports)?;
    let run = s
        .app
        .run_saved_report_now(s.blobs.as_ref(), SavedReportId(id), now())
        .await?;
    Ok((StatusCode::CREATED, Json(run)))
}

/// Paging of the run history.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

switchboard_domain::refers_nothing!(RunQuery);

/// `GET /saved-reports/{id}/runs`: its runs, newest first, with their files.
pub async fn runs(
    State(s): State<AppState>,
    caller: Caller,
    Id(id): Id,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> ApiResult<Json<ListResponse<ReportRun>>> {
    caller.require(Access::Read, Resource::SavedReports)?;
    let p = page(q.limit, q.cursor.as_deref())?;
    let r = s.store.saved_report(SavedReportId(id)).await?;
    Ok(Json(s.store.report_runs(r.id, &p).await?.into()))
}

/// `GET /saved-reports/{id}/runs/{run}/files/{index}`: a file a run made, as a download.
pub async fn file(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, run, index)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    caller.require(Access::Read, Resource::SavedReports)?;
    let id = SavedReportId(number(&id, "saved report")?);
    let run = ReportRunId(number(&run, "report run")?);
    let index = number(&index, "report file")?;
    let run = s.store.report_run(id, run).await?;
    let (f, key) = s.store.report_run_file(run.id, index).await?;
    let bytes = super::files::blob(&s, Some(key)).await?;
    Ok(super::files::download(&f.name, &f.content_type, bytes))
}
