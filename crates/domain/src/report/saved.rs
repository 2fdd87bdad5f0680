//! A saved report: a report's definition kept under a name in a department — which report, its
//! period (fixed or a preset resolved at each run), grouping, time zone and filters — perhaps
//! with a schedule; and the record of each run with the files it made.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::definitions::{Granularity, ReportKind, threshold_index, time_zone};
use super::period::PeriodChoice;
use super::rollup::WAIT_BOUNDS_SECS;
use super::schedule::Schedule;
use crate::channel::ChannelKind;
use crate::error::ValidationError;
use crate::ids::{DepartmentId, EmailId, QueueId, ReportRunId, SavedReportId, UserId};
use crate::text;
use crate::time::Timestamp;

/// A saved report as it is created or replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedReportInput {
    /// The department it belongs to (its readers share it).
    pub department_id: DepartmentId,
    /// Its name.
    pub name: String,
    /// Which report.
    pub kind: ReportKind,
    /// Its period.
    pub period: PeriodChoice,
    /// Grouping in time (default: day).
    #[serde(default = "day")]
    pub granularity: Granularity,
    /// The IANA time zone of its periods (default: UTC).
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Only these departments (empty: all in the runner's scope).
    #[serde(default)]
    pub departments: Vec<DepartmentId>,
    /// Only these queues.
    #[serde(default)]
    pub queues: Vec<QueueId>,
    /// Only these agents.
    #[serde(default)]
    pub agents: Vec<UserId>,
    /// Only these channels (empty: the report's own).
    #[serde(default)]
    pub channels: Vec<ChannelKind>,
    /// The service-level threshold in seconds (default 30).
    #[serde(default = "threshold")]
    pub threshold_secs: i64,
    /// When it runs by itself and whom it is mailed to.
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// The version read, when replacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

fn day() -> Granularity {
    Granularity::Day
}

fn utc() -> String {
    "UTC".into()
}

fn threshold() -> i64 {
    WAIT_BOUNDS_SECS[1]
}

impl SavedReportInput {
    /// Checks every field except what names other objects (the scope check does those); a
    /// schedule's runs must be `min_gap_secs` apart.
    pub fn validate(mut self, min_gap_secs: i64, now: Timestamp) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, 200)?;
        self.period.check()?;
        time_zone("time_zone", &self.time_zone)?;
        threshold_index(self.threshold_secs)?;
        if let Some(s) = self.schedule.take() {
            self.schedule = Some(s.validate(min_gap_secs, now)?);
        }
        Ok(self)
    }
}

/// A saved report as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SavedReport {
    /// Id.
    pub id: SavedReportId,
    /// Who saved it (scheduled runs see what this user may see).
    pub owner_id: UserId,
    /// Its definition.
    #[serde(flatten)]
    pub definition: SavedReportInput,
    /// When its schedule runs next.
    pub next_run_at: Option<Timestamp>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    /// Its schedule came round.
    Schedule,
    /// Somebody asked for it.
    Manual,
}

/// How a run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Being made.
    Running,
    /// Made (and, when it has recipients, handed to the outbox).
    Done,
    /// It failed; see its error.
    Failed,
}

impl RunStatus {
    /// Its stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
        }
    }
}

/// A file a run made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunFile {
    /// Its position in the run (for its download address).
    pub index: i64,
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
}

/// One run of a saved report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportRun {
    /// Id.
    pub id: ReportRunId,
    /// The saved report.
    pub saved_report_id: SavedReportId,
    /// What started it.
    pub trigger: RunTrigger,
    /// How it went.
    pub status: RunStatus,
    /// The period it covered.
    pub period_from: Option<Timestamp>,
    /// The period's end (exclusive).
    pub period_to: Option<Timestamp>,
    /// The addresses it was mailed to.
    pub recipients: Vec<String>,
    /// Its mail, when it was sent.
    pub email_id: Option<EmailId>,
    /// Why it failed.
    pub error: Option<String>,
    /// The files it made.
    pub files: Vec<RunFile>,
    /// Started.
    pub started_at: Timestamp,
    /// Finished.
    pub finished_at: Option<Timestamp>,
}
