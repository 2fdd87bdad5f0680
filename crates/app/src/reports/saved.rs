//! Saved reports: keeping a definition (its schedule's next run worked out when it is saved),
//! and running one — now, or when its schedule comes round.
//!
//! - **Gather**: the saved report, its owner, the recipients with their scopes and the alias
//!   that sends;
//! - **Decide**: the period (a preset resolved at this moment in the report's zone), what the
//!   run sees ([`run_scope`]: the report's own department, while its owner may see it), who may
//!   receive it ([`may_receive`]: active users whose role reads reports and whose scope holds
//!   the report's department) and the mail ([`mail_of`]), all pure;
//! - **Apply**: the run claimed (a scheduled one by moving its schedule on, so it is made once),
//!   the report run and exported, the files put in the blob store, then the files, the mail with
//!   them attached and the run's end written in one transaction.

use switchboard_domain::report::{
    ExportFormat, ReportRun, RunTrigger, SavedReport, SavedReportInput, time_zone,
};
use switchboard_domain::{
    Access, DepartmentId, Mailbox, ReportRunId, Resource, SavedReportId, Scope, Timestamp, User,
    ValidationError,
};
use switchboard_store::blob::BlobStore;
use switchboard_store::{MadeFile, RunDone, StoreError, SystemMail};

use super::export::{ExportFile, about, export};
use super::{ReportError, ReportParams};
use crate::App;

/// The formats of a run without a schedule.
const ALL_FORMATS: [ExportFormat; 3] = ExportFormat::ALL;

/// The parameters of saved report `d` run at `now`.
pub fn params_at(d: &SavedReportInput, now: Timestamp) -> Result<ReportParams, ValidationError> {
    let tz = time_zone("time_zone", &d.time_zone)?;
    let (from, to) = d
        .period
        .resolve(now, &tz)
        .ok_or_else(|| ValidationError::new("period", "cannot be worked out at this time"))?;
    Ok(ReportParams {
        kind: d.kind,
        from,
        to,
        granularity: d.granularity,
        time_zone: d.time_zone.clone(),
        departments: d.departments.clone(),
        queues: d.queues.clone(),
        agents: d.agents.clone(),
        channels: d.channels.clone(),
        threshold_secs: d.threshold_secs,
    })
}

/// Whether `u`, who sees `scope`, may receive a report of department `dept`: active, with a
/// role that reads reports, and seeing that department.
pub fn may_receive(u: &User, scope: &Scope, dept: DepartmentId) -> bool {
    u.active && u.role.may(Access::Read, Resource::Reports) && scope.allows(dept)
}

/// What a run of a report of `dept` sees when its owner sees `owner`: that department alone,
/// while the owner may read reports and see it (`None`: the run may not be made). A saved
/// report is shared by its department's readers, so it never shows more than that department.
pub fn run_scope(owner: &User, owner_scope: &Scope, dept: DepartmentId) -> Option<Scope> {
    may_receive(owner, owner_scope, dept).then(|| Scope::Departments(vec![dept]))
}

fn mailbox(u: &User) -> Mailbox {
    Mailbox {
        name: Some(u.name.clone()).filter(|n| !n.is_empty()),
        address: u.email.to_string(),
    }
}

/// The mail of a run of report `name` with `p`, carrying `files`, to `to`.
pub fn mail_of(
    name: &str,
    about: &[(&'static str, String)],
    files: &[ExportFile],
    to: Vec<Mailbox>,
) -> SystemMail {
    let period = about
        .iter()
        .find(|(label, _)| *label == "Period")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let mut text = format!("The report \"{name}\" is attached.\n\n");
    for (label, value) in about {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str("\nFiles:\n");
    for f in files {
        text.push_str(&format!("- {} ({} bytes)\n", f.name, f.bytes.len()));
    }
    SystemMail {
        to,
        subject: format!("Report: {name} ({period})"),
        text,
        attachments: Vec::new(),
    }
}

impl App {
    /// Saves a new report for `owner`; its schedule (if any) is due at its next time after `now`.
    pub async fn save_report(
        &self,
        owner: &User,
        d: SavedReportInput,
        min_gap_secs: i64,
        now: Timestamp,
    ) -> Result<SavedReport, ReportError> {
        let d = d.validate(min_gap_secs, now)?;
        self.check_parts(&d, now).await?;
        let next = d.schedule.as_ref().and_then(|s| s.next_after(now));
        Ok(self
            .store()
            .create_saved_report(owner.id, d, next, now)
            .await?)
    }

    /// Replaces saved report `id` with `d` (whose `version` must be current).
    pub async fn replace_report(
        &self,
        id: SavedReportId,
        d: SavedReportInput,
        min_gap_secs: i64,
        now: Timestamp,
    ) -> Result<SavedReport, ReportError> {
        let d = d.validate(min_gap_secs, now)?;
        if d.version.is_none() {
            return Err(ValidationError::new("version", "the version you read").into());
        }
        self.check_parts(&d, now).await?;
        let next = d.schedule.as_ref().and_then(|s| s.next_after(now));
        Ok(self.store().replace_saved_report(id, d, next, now).await?)
    }

    /// Refuses what could never run: a period the report cannot cover (e.g. a year at 15
    /// minutes), a recipient who may not receive it, an alias of another department.
    async fn check_parts(&self, d: &SavedReportInput, now: Timestamp) -> Result<(), ReportError> {
        params_at(d, now)?.check()?;
        let Some(s) = &d.schedule else { return Ok(()) };
        for id in &s.recipients {
            let u = self.store().user(*id).await?;
            let scope = self.store().scope_of(&u).await?;
            if !may_receive(&u, &scope, d.department_id) {
                return Err(ValidationError::new(
                    "schedule.recipients",
                    format!("{} may not read this department's reports", u.email),
                )
                .into());
            }
        }
        if self.store().alias(s.alias_id).await?.department_id != d.department_id {
            return Err(ValidationError::new(
                "schedule.alias_id",
                "choose an alias of the report's department",
            )
            .into());
        }
        Ok(())
    }

    /// Runs saved report `id` now, at somebody's request: its files are kept, and mailed when
    /// it has a schedule with recipients.
    pub async fn run_saved_report_now(
        &self,
        blobs: &dyn BlobStore,
        id: SavedReportId,
        now: Timestamp,
    ) -> Result<ReportRun, ReportError> {
        let r = self.store().saved_report(id).await?;
        let run = self
            .make_run(blobs, &r, RunTrigger::Manual, None, now)
            .await?;
        let run = run.ok_or_else(|| StoreError::Internal("a manual run was not started".into()))?;
        Ok(self.store().report_run(id, run).await?)
    }

    /// Runs every saved report whose schedule is due at `now` (at most `limit`); returns how
    /// many runs were made (failed ones included, each recorded with its error).
    pub async fn run_due_reports(
        &self,
        blobs: &dyn BlobStore,
        now: Timestamp,
        limit: u32,
    ) -> Result<usize, ReportError> {
        let mut made = 0;
        for r in self.store().due_saved_reports(now, limit).await? {
            let Some(due) = r.next_run_at else { continue };
            // The next time after this one, and after now: a schedule missed while the server
            // was down runs once, not once per missed time.
            let next =
                r.definition.schedule.as_ref().and_then(|s| {
                    s.next_after(Timestamp::from_millis(due.millis().max(now.millis())))
                });
            let claim = Some((due, next, r.version));
            match self
                .make_run(blobs, &r, RunTrigger::Schedule, claim, now)
                .await
            {
                Ok(Some(_)) => made += 1,
                Ok(None) => {}
                Err(ReportError::Store(StoreError::Fenced(m))) => {
                    return Err(StoreError::Fenced(m).into());
                }
                Err(e) => {
                    tracing::warn!(report = r.id.0, error = %e, "a saved report's schedule could not run");
                }
            }
        }
        Ok(made)
    }

    /// Claims and makes one run; `None` when another runner claimed it first. A failure after
    /// the claim is recorded on the run, not returned.
    async fn make_run(
        &self,
        blobs: &dyn BlobStore,
        r: &SavedReport,
        trigger: RunTrigger,
        claim: Option<(Timestamp, Option<Timestamp>, i64)>,
        now: Timestamp,
    ) -> Result<Option<ReportRunId>, ReportError> {
        let clock = std::time::Instant::now();
        let finished = || {
            let spent = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
            Timestamp::from_millis(now.millis().saturating_add(spent))
        };
        let params = params_at(&r.definition, now);
        let period = params.as_ref().ok().map(|p| (p.from, p.to));
        let store = self.store();
        let Some(run) = store
            .start_report_run(r.id, trigger, claim, period, now)
            .await?
        else {
            return Ok(None);
        };
        let outcome = match self.produce(blobs, r, params, now).await {
            Ok(done) => store
                .finish_report_run(run, done, finished())
                .await
                .map(|_| ())
                .map_err(ReportError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            tracing::warn!(report = r.id.0, run = run.0, error = %e, "a saved report's run failed");
            store
                .fail_report_run(run, e.to_string(), finished())
                .await?;
        }
        Ok(Some(run))
    }

    /// Runs the report as its owner would see it, exports it and stores the files.
    async fn produce(
        &self,
        blobs: &dyn BlobStore,
        r: &SavedReport,
        params: Result<ReportParams, ValidationError>,
        now: Timestamp,
    ) -> Result<RunDone, ReportError> {
        let p = params?;
        let store = self.store();
        let dept = r.definition.department_id;
        let owner = store.user(r.owner_id).await?;
        let owner_scope = store.scope_of(&owner).await?;
        let Some(scope) = run_scope(&owner, &owner_scope, dept) else {
            return Err(ReportError::Files(format!(
                "its owner {} may no longer read this department's reports",
                owner.email
            )));
        };
        let table = self.run_report(&scope, &p, now).await?;
        let formats = r
            .definition
            .schedule
            .as_ref()
            .map_or(ALL_FORMATS.to_vec(), |s| s.formats.clone());
        let files = formats
            .into_iter()
            .map(|f| export(&table, &p, f, now))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ReportError::Files(e.to_string()))?;
        let keys = blobs
            .put_many(files.iter().map(|f| f.bytes.clone().into()).collect())
            .await
            .map_err(|e| ReportError::Files(e.to_string()))?;
        let made: Vec<MadeFile> = files
            .iter()
            .zip(keys)
            .map(|(f, k)| MadeFile {
                name: f.name.clone(),
                content_type: f.format.content_type().to_string(),
                size: f.bytes.len() as u64,
                blob: k.as_str().to_string(),
            })
            .collect();
        let mail = match &r.definition.schedule {
            Some(s) => {
                let mut to = Vec::with_capacity(s.recipients.len());
                for id in &s.recipients {
                    let u = match store.user(*id).await {
                        Ok(u) => u,
                        Err(StoreError::NotFound { .. }) => continue,
                        Err(e) => return Err(e.into()),
                    };
                    if may_receive(&u, &store.scope_of(&u).await?, dept) {
                        to.push(mailbox(&u));
                    }
                }
                if to.is_empty() {
                    return Err(ReportError::Files(
                        "none of its recipients may read this department's reports any more".into(),
                    ));
                }
                let alias = store.alias(s.alias_id).await?;
                if alias.department_id != dept {
                    return Err(ReportError::Files(
                        "its alias belongs to another department".into(),
                    ));
                }
                let info = about(&table, &p, now);
                Some((alias, mail_of(&r.definition.name, &info, &files, to)))
            }
            None => None,
        };
        Ok(RunDone { files: made, mail })
    }
}
