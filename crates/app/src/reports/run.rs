//! Running a report: gather the rollup rows within the caller's scope and the report's filters
//! and the names of the queues or agents they name, then let the domain build the table.

use std::collections::HashMap;

use futures_util::future::try_join_all;

use switchboard_domain::report::{
    Granularity, INTERVAL_MS, ReportKind, ReportTable, Shape, agent_table, exceptions_table,
    interval_of, period_bounds, presence::held_times, presence_table, queue_table, surveys_table,
    threshold_index, time_zone, wait_accuracy_table, whole_days,
};
use switchboard_domain::{
    ChannelKind, DepartmentId, QueueId, Scope, Timestamp, UserId, ValidationError,
};
use switchboard_store::{
    AliasFilter, IntervalFilter, PageRequest, QueueFilter, StoreError, Summed, UserFilter,
};

use crate::App;

/// Longest period a report covers at 15-minute intervals (93 days), and at all (10 years).
const MAX_QUARTERS_MS: i64 = 93 * 86_400_000;
const MAX_PERIOD_MS: i64 = 3_653 * 86_400_000;

/// What a report is run over.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportParams {
    /// Which report.
    pub kind: ReportKind,
    /// From (inclusive).
    pub from: Timestamp,
    /// To (exclusive).
    pub to: Timestamp,
    /// Grouping in time.
    pub granularity: Granularity,
    /// The time zone of the periods (IANA name).
    pub time_zone: String,
    /// Only these departments (empty: all in scope).
    pub departments: Vec<DepartmentId>,
    /// Only these queues (empty: all).
    pub queues: Vec<QueueId>,
    /// Only these agents (empty: all).
    pub agents: Vec<UserId>,
    /// Only these channels (empty: the report's own).
    pub channels: Vec<ChannelKind>,
    /// The service-level threshold in seconds.
    pub threshold_secs: i64,
}

impl ReportParams {
    /// Checks the period, the time zone and the threshold.
    pub fn check(&self) -> Result<(), ValidationError> {
        let span = self.to.millis() - self.from.millis();
        if span <= 0 {
            return Err(ValidationError::new("to", "must be after from"));
        }
        if span > MAX_PERIOD_MS {
            return Err(ValidationError::new(
                "from",
                "a report covers at most ten years",
            ));
        }
        if self.granularity == Granularity::Quarter && span > MAX_QUARTERS_MS {
            return Err(ValidationError::new(
                "granularity",
                "15-minute rows cover at most 93 days; choose hours or days",
            ));
        }
        time_zone("time_zone", &self.time_zone)?;
        threshold_index(self.threshold_secs)?;
        Ok(())
    }
}

/// How the database may sum the rows of report `p`: over the whole period for one row per
/// queue or agent; per period when every period starts and ends on a 15-minute bound (every
/// zone in use today); else not at all.
fn summed(p: &ReportParams) -> Summed {
    let Ok(tz) = time_zone("time_zone", &p.time_zone) else {
        return Summed::No;
    };
    match p.granularity {
        Granularity::Quarter => Summed::No,
        Granularity::Total => Summed::Whole,
        g => match period_bounds(p.from.millis(), p.to.millis(), g, &tz) {
            Some(bounds) if bounds.iter().all(|b| b % INTERVAL_MS == 0) => Summed::Periods(bounds),
            _ => Summed::No,
        },
    }
}

/// The report's zone when its periods are made of whole local days there (by day, week or
/// month, or in all, from the start of a day to the start of another).
fn whole_days_in(p: &ReportParams) -> Option<String> {
    let tz = time_zone("time_zone", &p.time_zone).ok()?;
    if matches!(p.granularity, Granularity::Quarter | Granularity::Hour) {
        return None;
    }
    let mut bounds = period_bounds(p.from.millis(), p.to.millis(), p.granularity, &tz)?;
    bounds.extend([p.from.millis(), p.to.millis()]);
    whole_days(&bounds, &tz).then(|| p.time_zone.clone())
}

/// Periods of 15-minute rows at least this long are read in two halves side by side.
const HALVED_MS: i64 = 7 * 86_400_000;

/// `f` cut in two at a 15-minute bound when it reads a long run of 15-minute rows (each half
/// then goes to its own database connection), else `f` alone.
fn halves(f: &IntervalFilter) -> Vec<IntervalFilter> {
    if f.summed != Summed::No || f.to_ms - f.from_ms < HALVED_MS {
        return vec![f.clone()];
    }
    let mid = interval_of(f.from_ms + (f.to_ms - f.from_ms) / 2);
    vec![
        IntervalFilter {
            to_ms: mid,
            ..f.clone()
        },
        IntervalFilter {
            from_ms: mid,
            ..f.clone()
        },
    ]
}

/// An error running a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A parameter is wrong.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The report's files could not be made or kept, or it has nobody to go to.
    #[error("{0}")]
    Files(String),
}

impl App {
    /// Runs report `p` within `scope` at `now` (states agents still hold count until then).
    pub async fn run_report(
        &self,
        scope: &Scope,
        p: &ReportParams,
        now: Timestamp,
    ) -> Result<ReportTable, ReportError> {
        p.check()?;
        let tz = time_zone("time_zone", &p.time_zone)?;
        let threshold = threshold_index(p.threshold_secs)?;
        let channels = if p.channels.is_empty() {
            p.kind.channels().to_vec()
        } else {
            p.channels.clone()
        };
        let filter = IntervalFilter {
            from_ms: p.from.millis(),
            to_ms: p.to.millis(),
            departments: p.departments.clone(),
            queues: p.queues.clone(),
            agents: p.agents.clone(),
            channels,
            summed: summed(p),
            day_zone: whole_days_in(p),
        };
        let shape = Shape {
            kind: p.kind,
            granularity: p.granularity,
            tz: &tz,
            tz_name: &p.time_zone,
            threshold,
        };
        let store = self.store();
        match p.kind {
            ReportKind::DeliveryExceptions => {
                let facts = store.exception_facts(scope, &filter).await?;
                return Ok(exceptions_table(
                    &shape,
                    &facts,
                    &self.alias_names(scope).await?,
                ));
            }
            ReportKind::AgentPresence | ReportKind::AgentWork => {
                // The reads are apart, and a long run of 15-minute rows is read in two halves:
                // the database works on them side by side.
                let parts = halves(&filter);
                let (states, held, work, names) = futures_util::future::try_join4(
                    try_join_all(parts.iter().map(|f| store.agent_state_times(scope, f))),
                    store.held_agent_states(scope, &filter),
                    try_join_all(parts.iter().map(|f| store.agent_intervals(scope, f))),
                    self.agent_names(scope),
                )
                .await?;
                let mut states: Vec<_> = states.into_iter().flatten().collect();
                let work: Vec<_> = work.into_iter().flatten().collect();
                states.extend(held_times(
                    &held,
                    filter.from_ms,
                    filter.to_ms,
                    now.millis(),
                ));
                return Ok(if p.kind == ReportKind::AgentWork {
                    agent_table(&shape, &work, &states, &names)
                } else {
                    presence_table(&shape, &states, &work, &names)
                });
            }
            ReportKind::WaitAccuracy => {
                let facts = store.wait_facts(scope, &filter).await?;
                return Ok(wait_accuracy_table(
                    &shape,
                    &facts,
                    &self.queue_names(scope).await?,
                ));
            }
            ReportKind::SurveyResults => {
                let facts = store.survey_facts(scope, &filter).await?;
                return Ok(surveys_table(
                    &shape,
                    &facts,
                    &self.queue_names(scope).await?,
                ));
            }
            _ => {}
        }
        let rows = store.queue_intervals(scope, &filter).await?;
        Ok(queue_table(&shape, &rows, &self.queue_names(scope).await?))
    }

    async fn queue_names(&self, scope: &Scope) -> Result<HashMap<i64, String>, StoreError> {
        let store = self.store();
        all_names(|page| async move {
            let p = store
                .list_queues(scope, &QueueFilter::default(), &page)
                .await?;
            Ok((
                p.items.into_iter().map(|q| (q.id.0, q.name)).collect(),
                p.next_cursor.is_some(),
            ))
        })
        .await
    }

    async fn alias_names(&self, scope: &Scope) -> Result<HashMap<i64, String>, StoreError> {
        let store = self.store();
        all_names(|page| async move {
            let p = store
                .list_aliases(scope, &AliasFilter::default(), &page)
                .await?;
            let names = p.items.into_iter().map(|a| (a.id.0, a.address.to_string()));
            Ok((names.collect(), p.next_cursor.is_some()))
        })
        .await
    }

    /// Every user within `scope` by id with their name, however many: the names of a report's
    /// agent rows and the agents a report may be filtered by.
    pub async fn agent_names(&self, scope: &Scope) -> Result<HashMap<i64, String>, StoreError> {
        let store = self.store();
        all_names(|page| async move {
            let p = store
                .list_users(scope, &UserFilter::default(), &page)
                .await?;
            Ok((
                p.items.into_iter().map(|u| (u.id.0, u.name)).collect(),
                p.next_cursor.is_some(),
            ))
        })
        .await
    }
}

/// Every `(id, name)` a paged list gives: `page` reads one page (ascending ids) and says
/// whether more follow.
async fn all_names<F, Fut>(mut page: F) -> Result<HashMap<i64, String>, StoreError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<(i64, String)>, bool), StoreError>>,
{
    let mut names = HashMap::new();
    let mut request = PageRequest::first(switchboard_store::MAX_PAGE);
    loop {
        let (items, more) = page(request).await?;
        let last = items.last().map(|(id, _)| *id);
        names.extend(items);
        match (more, last) {
            (true, Some(after)) => request.after = Some(after),
            _ => return Ok(names),
        }
    }
}
