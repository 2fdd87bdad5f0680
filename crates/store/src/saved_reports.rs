//! Saved reports and their runs. A definition is kept as JSON beside the columns the store
//! itself needs (department, owner, name, when its schedule runs next). A scheduled run is
//! claimed by moving `next_run_at` from the value the runner read to the next one, in the
//! transaction that records the run, so two runners never make the same run; its files and its
//! mail (with those files attached) are written together when it is done.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::report::{
    ReportRun, RunFile, RunStatus, RunTrigger, SavedReport, SavedReportInput,
};
use switchboard_domain::{
    Alias, DepartmentId, EmailId, ReportRunId, SavedReportId, Scope, StoredAttachment, Timestamp,
    UserId,
};

use crate::Store;
use crate::error::StoreError;
use crate::outbox::{SystemMail, system_mail_in};
use crate::sql::{Page, PageRequest, col, fetch_by_id, ts};

fn from_row(r: &AnyRow) -> Result<SavedReport, StoreError> {
    let text: String = col(r, "definition")?;
    let definition: SavedReportInput = serde_json::from_str(&text)
        .map_err(|e| StoreError::Internal(format!("a saved report's definition: {e}")))?;
    Ok(SavedReport {
        id: SavedReportId(col(r, "id")?),
        owner_id: UserId(col(r, "owner_id")?),
        definition,
        next_run_at: col::<Option<i64>>(r, "next_run_at")?.map(Timestamp::from_millis),
        version: col(r, "version")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

fn definition_json(d: &SavedReportInput) -> Result<String, StoreError> {
    let mut d = d.clone();
    d.version = None;
    serde_json::to_string(&d).map_err(|e| StoreError::Internal(e.to_string()))
}

async fn fetch(c: &mut AnyConnection, id: SavedReportId) -> Result<SavedReport, StoreError> {
    fetch_by_id(
        &mut *c,
        "SELECT * FROM saved_reports WHERE id = $1",
        id.0,
        "saved report",
        from_row,
    )
    .await
}

fn trigger_of(s: &str) -> RunTrigger {
    if s == "manual" {
        RunTrigger::Manual
    } else {
        RunTrigger::Schedule
    }
}

fn status_of(s: &str) -> RunStatus {
    match s {
        "done" => RunStatus::Done,
        "failed" => RunStatus::Failed,
        _ => RunStatus::Running,
    }
}

fn run_from_row(r: &AnyRow) -> Result<ReportRun, StoreError> {
    let recipients: String = col(r, "recipients")?;
    Ok(ReportRun {
        id: ReportRunId(col(r, "id")?),
        saved_report_id: SavedReportId(col(r, "saved_report_id")?),
        trigger: trigger_of(&col::<String>(r, "run_trigger")?),
        status: status_of(&col::<String>(r, "status")?),
        period_from: col::<Option<i64>>(r, "period_from")?.map(Timestamp::from_millis),
        period_to: col::<Option<i64>>(r, "period_to")?.map(Timestamp::from_millis),
        recipients: serde_json::from_str(&recipients).unwrap_or_default(),
        email_id: col::<Option<i64>>(r, "email_id")?.map(EmailId),
        error: col(r, "error")?,
        files: Vec::new(),
        started_at: ts(r, "started_at")?,
        finished_at: col::<Option<i64>>(r, "finished_at")?.map(Timestamp::from_millis),
    })
}

fn file_from_row(r: &AnyRow) -> Result<RunFile, StoreError> {
    Ok(RunFile {
        index: col(r, "position")?,
        name: col(r, "name")?,
        content_type: col(r, "content_type")?,
        size: col(r, "size")?,
    })
}

/// The files of run `run`, in order.
async fn files_of(pool: &sqlx::AnyPool, run: ReportRunId) -> Result<Vec<RunFile>, StoreError> {
    let rows = sqlx::query("SELECT * FROM report_run_files WHERE run_id = $1 ORDER BY position")
        .bind(run.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(file_from_row).collect()
}

/// A file a run made, stored in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MadeFile {
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its blob key.
    pub blob: String,
}

/// How a run ends well: its files, and the mail that carries them (none without recipients).
#[derive(Debug, Clone, PartialEq)]
pub struct RunDone {
    /// The files made.
    pub files: Vec<MadeFile>,
    /// The alias that sends the mail, and the mail (its attachments are added from `files`).
    pub mail: Option<(Alias, SystemMail)>,
}

impl Store {
    /// Saves a report for `owner`, its schedule due at `next_run_at`.
    pub async fn create_saved_report(
        &self,
        owner: UserId,
        d: SavedReportInput,
        next_run_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<SavedReport, StoreError> {
        let json = definition_json(&d)?;
        self.writes(move |c| {
            let (d, json) = (d.clone(), json.clone());
            Box::pin(async move {
                let id: i64 = sqlx::query(
                    "INSERT INTO saved_reports (department_id, owner_id, name, definition, next_run_at, \
                     version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id",
                )
                .bind(d.department_id.0)
                .bind(owner.0)
                .bind(&d.name)
                .bind(&json)
                .bind(next_run_at.map(Timestamp::millis))
                .bind(now.millis())
                .fetch_one(&mut *c)
                .await
                .map_err(|e| crate::error::named_write_error(e, "saved report"))
                .and_then(|r| col(&r, "id"))?;
                fetch(c, SavedReportId(id)).await
            })
        })
        .await
    }

    /// Reads a saved report.
    pub async fn saved_report(&self, id: SavedReportId) -> Result<SavedReport, StoreError> {
        let mut c = self.inner.read.acquire().await?;
        fetch(&mut c, id).await
    }

    /// Lists saved reports within `scope`, optionally of one department.
    pub async fn list_saved_reports(
        &self,
        scope: &Scope,
        department: Option<DepartmentId>,
        page: &PageRequest,
    ) -> Result<Page<SavedReport>, StoreError> {
        crate::sql::department_page(
            &self.inner.read,
            "saved_reports",
            scope,
            department,
            page,
            from_row,
            |x| x.id.0,
        )
        .await
    }

    /// Replaces a saved report's definition if `d.version` is current.
    pub async fn replace_saved_report(
        &self,
        id: SavedReportId,
        d: SavedReportInput,
        next_run_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<SavedReport, StoreError> {
        let json = definition_json(&d)?;
        self.writes(move |c| {
            let (d, json) = (d.clone(), json.clone());
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE saved_reports SET department_id = $1, name = $2, definition = $3, \
                     next_run_at = $4, version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
                )
                .bind(d.department_id.0)
                .bind(&d.name)
                .bind(&json)
                .bind(next_run_at.map(Timestamp::millis))
                .bind(now.millis())
                .bind(id.0)
                .bind(d.version.unwrap_or(-1))
                .execute(&mut *c)
                .await?;
                if done.rows_affected() == 0 {
                    fetch(c, id).await?;
                    return Err(StoreError::stale("saved report", id.0));
                }
                fetch(c, id).await
            })
        })
        .await
    }

    /// Deletes a saved report with its runs (their files stay until nothing refers to them).
    pub async fn delete_saved_report(&self, id: SavedReportId) -> Result<(), StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                fetch(c, id).await?;
                for sql in [
                    "DELETE FROM report_run_files WHERE run_id IN (SELECT id FROM report_runs WHERE saved_report_id = $1)",
                    "DELETE FROM report_runs WHERE saved_report_id = $1",
                    "DELETE FROM saved_reports WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id.0).execute(&mut *c).await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Saved reports whose schedule is due at `now`, oldest first.
    pub async fn due_saved_reports(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<SavedReport>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM saved_reports WHERE next_run_at IS NOT NULL AND next_run_at <= $1 \
             ORDER BY next_run_at, id LIMIT $2",
        )
        .bind(now.millis())
        .bind(i64::from(limit))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Records the start of a run of `id` over `period`. A scheduled run first moves the
    /// schedule from `due` (the time read) to `next`, if the report is still at `version` (the
    /// definition the runner read); when another runner moved it already, or the report was
    /// changed since, nothing is recorded and `None` comes back.
    pub async fn start_report_run(
        &self,
        id: SavedReportId,
        trigger: RunTrigger,
        schedule: Option<(Timestamp, Option<Timestamp>, i64)>,
        period: Option<(Timestamp, Timestamp)>,
        now: Timestamp,
    ) -> Result<Option<ReportRunId>, StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                if let Some((due, next, version)) = schedule {
                    let moved = sqlx::query(
                        "UPDATE saved_reports SET next_run_at = $1 WHERE id = $2 AND next_run_at = $3 \
                         AND version = $4",
                    )
                    .bind(next.map(Timestamp::millis))
                    .bind(id.0)
                    .bind(due.millis())
                    .bind(version)
                    .execute(&mut *c)
                    .await?;
                    if moved.rows_affected() == 0 {
                        return Ok(None);
                    }
                }
                let run: i64 = sqlx::query(
                    "INSERT INTO report_runs (saved_report_id, run_trigger, status, period_from, period_to, \
                     recipients, started_at) VALUES ($1, $2, 'running', $3, $4, '[]', $5) RETURNING id",
                )
                .bind(id.0)
                .bind(match trigger {
                    RunTrigger::Manual => "manual",
                    RunTrigger::Schedule => "schedule",
                })
                .bind(period.map(|p| p.0.millis()))
                .bind(period.map(|p| p.1.millis()))
                .bind(now.millis())
                .fetch_one(&mut *c)
                .await
                .and_then(|r| sqlx::Row::try_get(&r, "id"))?;
                Ok(Some(ReportRunId(run)))
            })
        })
        .await
    }

    /// Ends run `run` well: its files recorded and, with recipients, its mail in the outbox
    /// with the files attached — all in one transaction.
    pub async fn finish_report_run(
        &self,
        run: ReportRunId,
        done: RunDone,
        now: Timestamp,
    ) -> Result<Option<EmailId>, StoreError> {
        let mailed = done.mail.is_some();
        let email = self
            .writes(move |c| {
                let done = done.clone();
                Box::pin(async move {
                    for (i, f) in done.files.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO report_run_files (run_id, position, name, content_type, size, blob) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(run.0)
                        .bind(i64::try_from(i).unwrap_or(i64::MAX))
                        .bind(&f.name)
                        .bind(&f.content_type)
                        .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
                        .bind(&f.blob)
                        .execute(&mut *c)
                        .await?;
                    }
                    let (email, recipients) = match done.mail {
                        Some((alias, mut m)) => {
                            m.attachments = done
                                .files
                                .iter()
                                .map(|f| StoredAttachment {
                                    name: f.name.clone(),
                                    content_type: f.content_type.clone(),
                                    size: f.size,
                                    blob: Some(f.blob.clone()),
                                    content_id: None,
                                    inline: false,
                                })
                                .collect();
                            let to: Vec<String> = m.to.iter().map(|t| t.address.clone()).collect();
                            let id = system_mail_in(c, &alias, m, None, "report", now).await?;
                            (Some(id), to)
                        }
                        None => (None, Vec::new()),
                    };
                    sqlx::query(
                        "UPDATE report_runs SET status = 'done', email_id = $1, recipients = $2, \
                         finished_at = $3 WHERE id = $4",
                    )
                    .bind(email.map(|e| e.0))
                    .bind(serde_json::to_string(&recipients).unwrap_or_else(|_| "[]".into()))
                    .bind(now.millis())
                    .bind(run.0)
                    .execute(&mut *c)
                    .await?;
                    Ok(email)
                })
            })
            .await?;
        if mailed {
            self.inner.notify.outbox_changed();
        }
        Ok(email)
    }

    /// Ends run `run` as failed with `error`.
    pub async fn fail_report_run(
        &self,
        run: ReportRunId,
        error: String,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.writes(move |c| {
            let error = error.clone();
            Box::pin(async move {
                sqlx::query(
                    "UPDATE report_runs SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3",
                )
                .bind(&error)
                .bind(now.millis())
                .bind(run.0)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Marks runs still running since before `before` as failed: their process stopped.
    pub async fn fail_interrupted_report_runs(
        &self,
        before: Timestamp,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.writes(move |c| {
            Box::pin(async move {
                let r = sqlx::query(
                    "UPDATE report_runs SET status = 'failed', error = 'interrupted: the server stopped during the run', \
                     finished_at = $1 WHERE status = 'running' AND started_at < $2",
                )
                .bind(now.millis())
                .bind(before.millis())
                .execute(&mut *c)
                .await?;
                Ok(r.rows_affected())
            })
        })
        .await
    }

    /// The runs of saved report `id`, newest first, with their files.
    pub async fn report_runs(
        &self,
        id: SavedReportId,
        page: &PageRequest,
    ) -> Result<Page<ReportRun>, StoreError> {
        let mut s = crate::sql::Select::new("SELECT * FROM report_runs");
        s.eq("saved_report_id", crate::sql::Arg::Int(id.0));
        let (rows, more) = s.page_desc(&self.inner.read, page, "id").await?;
        let mut runs = rows
            .iter()
            .map(run_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        for r in &mut runs {
            r.files = files_of(&self.inner.read, r.id).await?;
        }
        Ok(Page::of(runs, more, |r| r.id.0))
    }

    /// A run of saved report `id` with its files.
    pub async fn report_run(
        &self,
        id: SavedReportId,
        run: ReportRunId,
    ) -> Result<ReportRun, StoreError> {
        let r = sqlx::query("SELECT * FROM report_runs WHERE id = $1 AND saved_report_id = $2")
            .bind(run.0)
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "report run",
                id: run.0,
            })?;
        let mut run_row = run_from_row(&r)?;
        run_row.files = files_of(&self.inner.read, run).await?;
        Ok(run_row)
    }

    /// File `index` of run `run` and its blob key.
    pub async fn report_run_file(
        &self,
        run: ReportRunId,
        index: i64,
    ) -> Result<(RunFile, String), StoreError> {
        let r = sqlx::query("SELECT * FROM report_run_files WHERE run_id = $1 AND position = $2")
            .bind(run.0)
            .bind(index)
            .fetch_optional(&self.inner.read)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "report file",
                id: index,
            })?;
        Ok((file_from_row(&r)?, col(&r, "blob")?))
    }
}
